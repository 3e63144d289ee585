/* console: line-oriented text output (stdout on UNIX, the Xen console
 * ring on Xen). */
#ifndef SYNTH_DEVICES_CONSOLE_H
#define SYNTH_DEVICES_CONSOLE_H

#include <stdarg.h>

#include "devices/device.h"

#define CONSOLE_OPS_V1 1u

struct console_ops {
	DEVICE_OPS_HEADER;
	/* Write len bytes. May block the calling fiber while the output is
	 * full. Returns len or a negative errno. */
	long (*write)(void *state, const char *buf, size_t len);
	/* Optional: push buffered output out. */
	int (*flush)(void *state);
};

struct console {
	const char *name;
	const struct console_ops *ops;
	void *state;
	struct device_stats stats;
};

static inline long console_write(struct console *c, const char *buf, size_t len)
{
	long rc = c->ops->write(c->state, buf, len);
	if (rc > 0)
		c->stats.bytes_out += (uint64_t)rc;
	return device_account(&c->stats, rc);
}

static inline int console_flush(struct console *c)
{
	return c->ops->flush ? (int)device_account(&c->stats, c->ops->flush(c->state)) : 0;
}

/* Formatted output through fmt_vsnprintf (lib/fmt.h); long lines are
 * written in pieces. Returns bytes written or a negative errno. */
long console_printf(struct console *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
long console_vprintf(struct console *c, const char *fmt, va_list ap);

#endif
