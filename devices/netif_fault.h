/* Seeded fault injection for a netif: loss, duplication, reordering and
 * delay of frames, in either direction, chosen at run time by a spec such
 * as "loss:5,dup:1,reorder:10,delay:20ms,seed:42". Every decision comes
 * from a per-direction xoshiro256** stream seeded from the spec's seed and
 * draws the same number of values per frame, so the same seed and the same
 * frames give the same faults: a failing run replays exactly.
 *
 * A frame that passes untouched is handed on at once without a copy.
 * Delayed frames and a frame held back for reordering are copied into a
 * pool allocated when injection starts (bounded by `limit`; a frame that
 * finds the pool full is dropped and counted) and handed on from a
 * scheduler timer. */
#ifndef SYNTH_DEVICES_NETIF_FAULT_H
#define SYNTH_DEVICES_NETIF_FAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "devices/device.h"
#include "lib/prng.h"
#include "lib/sched.h"

enum netif_fault_dir { NETIF_FAULT_RX = 0, NETIF_FAULT_TX = 1 };

/* The parsed spec. Probabilities are in parts per million. */
struct netif_fault_spec {
	uint32_t loss, dup, reorder;
	uint64_t delay_ns;  /* added to every frame of an affected direction */
	uint64_t hold_ns;   /* how long a reordered frame waits for a successor */
	uint64_t seed;
	bool seeded;        /* the spec named a seed (else the caller picks one) */
	bool rx, tx;        /* affected directions */
	uint32_t limit;     /* frames held at once, per direction */
};

#define NETIF_FAULT_HOLD_DEFAULT (1000u * 1000u) /* 1 ms */
#define NETIF_FAULT_LIMIT_DEFAULT 1024u

/* Parse "KEY:VALUE,..." (':' or '='), keys:
 *   loss:P dup:P reorder:P  percentages, e.g. 5, 0.5, 12.25 (4 decimals)
 *   delay:D hold:D          durations (20ms, 500us)
 *   seed:N                  64-bit seed
 *   dir:rx|tx|both          direction(s) affected (default both)
 *   limit:N                 copies held per direction (default 1024)
 * An empty spec is valid and injects nothing. Returns 0 or -EINVAL with a
 * reason in *why. */
int netif_fault_parse(const char *text, size_t len, struct netif_fault_spec *out, const char **why);

/* Render a spec back as text for logs, in the form the parser reads,
 * leaving out what is zero or default but always naming the seed:
 * "loss:5,dup:1,reorder:10,delay:20ms,seed:42". Returns the length the
 * whole text has (snprintf style). */
int netif_fault_format(const struct netif_fault_spec *s, char *buf, size_t size);

/* True when the spec does anything at all. */
bool netif_fault_active(const struct netif_fault_spec *s);

/* Where frames go once the injector has decided: deliver (rx) or send
 * (tx). The return value of an immediate hand-over is passed back to the
 * caller of netif_fault_input. */
typedef int (*netif_fault_out_fn)(void *arg, enum netif_fault_dir dir, const struct io_vec *iov, unsigned niov);

struct netif_fault_stats {
	uint64_t frames;     /* frames that entered */
	uint64_t lost;       /* dropped on purpose */
	uint64_t duplicated; /* extra copies made */
	uint64_t reordered;  /* held back behind a later frame */
	uint64_t delayed;    /* queued for the delay */
	uint64_t overflow;   /* dropped because the pool was full */
	uint64_t out;        /* frames handed on (copies included) */
};

struct netif_fault_slot;

struct netif_fault_q {
	struct netif_fault_slot *head, *tail; /* ordered by due time */
	struct netif_fault_slot *held;        /* waiting for the next frame */
	struct netif_fault_slot *free;
	uint32_t nfree;
	struct prng rng;
	struct timer timer;
	struct netif_fault_stats stats;
	struct netif_fault *f;
	enum netif_fault_dir dir;
	bool on;
};

struct netif_fault {
	struct netif_fault_spec spec;
	netif_fault_out_fn out;
	void *arg;
	size_t frame_max;     /* largest frame a slot holds */
	void *pool;           /* every slot, one allocation */
	struct netif_fault_q q[2];
	bool started;
};

/* Start injecting per spec for frames up to frame_max bytes (longer ones
 * pass untouched but counted). spec->seeded must be set (pick a seed from
 * entropy first if the user gave none). Returns 0 or -ENOMEM. */
int netif_fault_start(struct netif_fault *f, const struct netif_fault_spec *spec, size_t frame_max,
                      netif_fault_out_fn out, void *arg);

/* One frame entering in direction dir. Returns what the immediate
 * hand-over returned, or 0 when the frame was dropped or queued. */
int netif_fault_input(struct netif_fault *f, enum netif_fault_dir dir, const struct io_vec *iov, unsigned niov);

/* Frames held right now in direction dir (delayed or reordered). */
unsigned netif_fault_pending(const struct netif_fault *f, enum netif_fault_dir dir);

/* Stop: cancel the timers, drop frames still held (counted as lost), free
 * the pool. */
void netif_fault_stop(struct netif_fault *f);

#endif
