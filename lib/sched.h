/* Cooperative threads (fibers), timers and conditions: the only concurrency
 * synth has. One OS thread runs every fiber; a fiber runs until it blocks
 * in a device call, sleeps, waits on a condition or yields. */
#ifndef SYNTH_LIB_SCHED_H
#define SYNTH_LIB_SCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fiber;
typedef void (*fiber_fn)(void *arg);

/* Deadlines are absolute monotonic nanoseconds (plat_monotonic_ns()).
 * SCHED_FOREVER means "no deadline". */
#define SCHED_FOREVER UINT64_MAX

/* Intrusive list of waiting fibers; embedded in struct cond. */
struct waitq {
	struct fiber *head, *tail;
};

/* A condition: fibers wait until another fiber, a timer or the platform's
 * event loop signals it. No mutex: scheduling is cooperative, so a fiber
 * that tests a predicate and then waits cannot miss a signal. Channels,
 * promises and I/O readiness are all built from this one primitive. */
struct cond {
	struct waitq waiters;
};

/* A one-shot or periodic timer whose callback runs on the scheduler's own
 * context, between fibers: it must not block; it may signal conditions
 * and spawn fibers. */
struct timer;
typedef void (*timer_fn)(struct timer *t, void *arg);
struct timer {
	uint64_t deadline;
	uint32_t heap_index; /* position in the scheduler's heap, 0 = idle */
	uint32_t seq;        /* arming order: equal deadlines fire first-armed first */
	timer_fn fn;
	void *arg;
};

/* Default fiber stack size, and the guard (unmapped page or canary area)
 * below every stack. */
#define FIBER_STACK_DEFAULT (64u * 1024u)

/* Spawn a fiber that runs fn(arg). stack_size 0 picks the default. The
 * fiber is runnable at once but runs only when the caller blocks or
 * yields. Returns NULL when memory is exhausted. A fiber must either be
 * joined or detached, or its resources live until the scheduler ends. */
struct fiber *fiber_spawn(fiber_fn fn, void *arg, const char *name, size_t stack_size);

/* Forget a fiber: its resources are freed when it returns. */
void fiber_detach(struct fiber *f);

/* Wait until f has returned, then free it. Returns 0, or -EINVAL when f is
 * the caller or already detached. */
int fiber_join(struct fiber *f);

/* Let every other runnable fiber run once before the caller continues. */
void fiber_yield(void);

/* Block the calling fiber until the deadline. Returns 0. */
int fiber_sleep_until(uint64_t deadline);
int fiber_sleep_ns(uint64_t ns);

struct fiber *fiber_self(void);
const char *fiber_name(const struct fiber *f);

/* Condition operations. cond_wait returns 0 when signalled, -ETIMEDOUT
 * when the deadline passed first. Signal wakes the longest waiter,
 * broadcast wakes all; both may be called from timers and event code. */
void cond_init(struct cond *c);
int cond_wait(struct cond *c, uint64_t deadline);
void cond_signal(struct cond *c);
void cond_broadcast(struct cond *c);
bool cond_has_waiters(const struct cond *c);

/* Timers. timer_start (re)arms t for an absolute deadline. */
void timer_init(struct timer *t, timer_fn fn, void *arg);
void timer_start(struct timer *t, uint64_t deadline);
void timer_cancel(struct timer *t);
bool timer_pending(const struct timer *t);

/* Run fibers and timers until every fiber has returned or sched_stop()
 * is called; between runs, block in plat_wait() until the next timer
 * deadline or a platform event. Returns the code given to sched_stop(),
 * or 0. */
int sched_run(void);
void sched_stop(int code);

/* Counters for tests and diagnostics. */
struct sched_stats {
	uint64_t switches, spawned, live, timers_fired, waits;
};
void sched_get_stats(struct sched_stats *out);

#endif
