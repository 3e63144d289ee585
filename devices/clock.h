/* clock: monotonic time for deadlines and wall-clock time for dates. */
#ifndef SYNTH_DEVICES_CLOCK_H
#define SYNTH_DEVICES_CLOCK_H

#include "devices/device.h"

#define CLOCK_OPS_V1 1u

struct clock_ops {
	DEVICE_OPS_HEADER;
	/* Nanoseconds since an arbitrary origin; never goes backwards. */
	uint64_t (*monotonic_ns)(void *state);
	/* Nanoseconds since 1970-01-01T00:00:00Z. */
	int64_t (*wall_ns)(void *state);
};

struct clock {
	const char *name;
	const struct clock_ops *ops;
	void *state;
	struct device_stats stats;
};

static inline uint64_t clock_monotonic_ns(struct clock *c)
{
	c->stats.calls++;
	return c->ops->monotonic_ns(c->state);
}

static inline int64_t clock_wall_ns(struct clock *c)
{
	c->stats.calls++;
	return c->ops->wall_ns(c->state);
}

#endif
