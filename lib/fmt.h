/* printf-style formatting for the freestanding core (snprintf and
 * vsnprintf are mapped here by lib/libc/stdio.h). Conversions: d i u x X o
 * c s p %, flags - 0 + space #, width and precision (also as *), length
 * modifiers hh h l ll z j t. No floating point. */
#ifndef SYNTH_LIB_FMT_H
#define SYNTH_LIB_FMT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* C semantics: writes at most size-1 characters and a NUL (when size > 0)
 * and returns the length the whole output would have had (or -1 when
 * that exceeds INT_MAX). */
int fmt_snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

/* Streaming output: the formatter fills buf[fill..cap) and calls flush
 * when it is full (flush must empty some of it by lowering fill). With
 * flush NULL, output past cap is dropped but still counted in total. */
struct fmt_sink {
	char *buf;
	size_t cap;
	size_t fill;
	size_t total; /* bytes produced, including any dropped */
	void (*flush)(struct fmt_sink *s);
	void *ctx; /* for flush */
};
void fmt_vformat(struct fmt_sink *s, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
void fmt_write(struct fmt_sink *s, const char *p, size_t n);

/* Decimal digits of v into out (at least 20 bytes), no NUL; returns the
 * count. For hot paths such as Content-Length. */
size_t fmt_u64(char *out, uint64_t v);

#endif
