/* random: cryptographic-quality entropy. */
#ifndef SYNTH_DEVICES_RANDOM_H
#define SYNTH_DEVICES_RANDOM_H

#include "devices/device.h"

#define RANDOM_OPS_V1 1u

struct random_ops {
	DEVICE_OPS_HEADER;
	/* Fill buf with len random bytes. Returns 0 or a negative errno. */
	int (*fill)(void *state, void *buf, size_t len);
};

struct random {
	const char *name;
	const struct random_ops *ops;
	void *state;
	struct device_stats stats;
};

static inline int random_fill(struct random *r, void *buf, size_t len)
{
	r->stats.bytes_in += len;
	return (int)device_account(&r->stats, r->ops->fill(r->state, buf, len));
}

#endif
