/* What every device kind shares: the ops-table header, per-device
 * counters kept by the wrapper layer, and the scatter-gather vector used
 * by netif, stack and block. Error convention for every device call:
 * a negative errno (<errno.h>), never a global. */
#ifndef SYNTH_DEVICES_DEVICE_H
#define SYNTH_DEVICES_DEVICE_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Every ops table starts with these two members so a device can be named
 * and its interface revision checked by the wrapper layer. */
#define DEVICE_OPS_HEADER \
	const char *name;     \
	uint32_t version

/* Counters the wrapper layer keeps for every device instance. */
struct device_stats {
	uint64_t calls;
	uint64_t errors;
	uint64_t bytes_in;
	uint64_t bytes_out;
};

/* One piece of a gather write (same layout as POSIX struct iovec). */
struct io_vec {
	const void *base;
	size_t len;
};

/* Wrapper helper: count one call and its result. */
static inline long device_account(struct device_stats *s, long rc)
{
	s->calls++;
	if (rc < 0)
		s->errors++;
	return rc;
}

#endif
