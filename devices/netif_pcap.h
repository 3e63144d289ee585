/* Frame capture in the classic pcap file format (LINKTYPE_ETHERNET), as
 * Wireshark, tshark and tcpdump read it. Only the format lives here: the
 * bytes go to a sink the platform provides (a file on UNIX), so the code
 * stays freestanding. Records are collected in a buffer and handed to the
 * sink when it fills, from a periodic flush timer, and on close. */
#ifndef SYNTH_DEVICES_NETIF_PCAP_H
#define SYNTH_DEVICES_NETIF_PCAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "devices/device.h"
#include "lib/sched.h"

/* Where captured bytes go. write must take every piece (it may block the
 * process briefly, as a file write does) and returns 0 or a negative
 * errno; close (optional) releases the sink. */
struct netif_sink {
	int (*write)(void *arg, const struct io_vec *iov, unsigned niov);
	void (*close)(void *arg);
	void *arg;
};

/* pcap magic numbers, written in the writer's byte order: a reader that
 * sees them swapped knows to swap every field. */
#define PCAP_MAGIC_USEC 0xa1b2c3d4u
#define PCAP_MAGIC_NSEC 0xa1b23c4du
#define PCAP_LINKTYPE_ETHERNET 1u
#define PCAP_SNAPLEN_DEFAULT 262144u
#define PCAP_FILE_HEADER_LEN 24u
#define PCAP_RECORD_HEADER_LEN 16u
/* Buffered bytes before they go to the sink, and how long they may wait. */
#define PCAP_BUFFER_DEFAULT (64u * 1024u)
#define PCAP_FLUSH_NS (200u * 1000u * 1000u)

struct netif_pcap {
	struct netif_sink sink;
	uint8_t *buf;
	size_t fill, cap;
	uint32_t snaplen;
	bool nsec;       /* nanosecond timestamps (else microseconds) */
	bool open;
	int err;         /* first sink error: capture stops there */
	struct timer flush_timer;
	uint64_t flush_ns; /* 0: no timer, flush only when full and on close */
	uint64_t records, truncated, lost; /* frames written, cut to snaplen, not written (error) */
};

struct netif_pcap_options {
	bool nsec;          /* nanosecond resolution (magic 0xa1b23c4d) */
	uint32_t snaplen;   /* 0: PCAP_SNAPLEN_DEFAULT */
	size_t buffer;      /* 0: PCAP_BUFFER_DEFAULT */
	uint64_t flush_ns;  /* 0: no periodic flush */
};

/* Start a capture: allocates the buffer and writes the file header.
 * Returns 0 or a negative errno (the sink is not closed then). */
int netif_pcap_open(struct netif_pcap *pc, const struct netif_sink *sink, const struct netif_pcap_options *opt);

/* Record one frame given as pieces, stamped with wall_ns (nanoseconds
 * since the UNIX epoch). Never fails: errors are counted in pc->lost. */
void netif_pcap_frame(struct netif_pcap *pc, int64_t wall_ns, const struct io_vec *iov, unsigned niov);

/* Hand the buffered records to the sink. Returns 0 or the sink's error. */
int netif_pcap_flush(struct netif_pcap *pc);

/* Flush, stop the timer, free the buffer and close the sink. */
void netif_pcap_close(struct netif_pcap *pc);

#endif
