/* Formatted console output: the formatter streams into a small stack
 * buffer that is written to the device whenever it fills, so output of
 * any length needs no heap and no second formatting pass. */
#include <stdarg.h>

#include "devices/console.h"
#include "lib/fmt.h"

#define CONSOLE_CHUNK 256

struct console_sink {
	struct fmt_sink s;
	struct console *c;
	long written;
	long err;
};

static void console_flush_chunk(struct fmt_sink *s)
{
	struct console_sink *cs = s->ctx;
	if (!cs->err && s->fill) {
		long rc = console_write(cs->c, s->buf, s->fill);
		if (rc < 0)
			cs->err = rc; /* drop the rest, report the error */
		else
			cs->written += rc;
	}
	s->fill = 0;
}

long console_vprintf(struct console *c, const char *fmt, va_list ap)
{
	char buf[CONSOLE_CHUNK];
	struct console_sink cs = {
		.s = { .buf = buf, .cap = sizeof buf, .flush = console_flush_chunk },
		.c = c,
	};
	cs.s.ctx = &cs;
	fmt_vformat(&cs.s, fmt, ap);
	console_flush_chunk(&cs.s);
	return cs.err ? cs.err : cs.written;
}

long console_printf(struct console *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	long rc = console_vprintf(c, fmt, ap);
	va_end(ap);
	return rc;
}
