/* Logging with a level per source, set at run time (--log=http:debug).
 *
 *   LOG_SOURCE(http);                       // once, at file scope, in one .c
 *   LOG_SOURCE_EXTERN(http);                // in other files that log as http
 *   log_info(http, "GET %s -> %d", path, status);
 *
 * A disabled message costs one byte compare: the arguments are not even
 * evaluated. Lines go to the platform's diagnostic output (stderr on
 * UNIX) as "[     1.234567] info  http: GET / -> 200". Sources are
 * collected by the linker (section synth_log_sources), so log_set_levels
 * knows every source linked into the program and rejects unknown names. */
#ifndef SYNTH_LIB_LOG_H
#define SYNTH_LIB_LOG_H

#include <stdarg.h>
#include <stdint.h>

enum log_level { LOG_OFF = 0, LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG, LOG_TRACE };

#define LOG_DEFAULT_LEVEL LOG_INFO

struct log_source {
	const char *name;
	uint8_t level; /* messages at this level or more severe are written */
};

#define LOG_SOURCE(src)                                                                     \
	struct log_source log_src_##src = { #src, LOG_DEFAULT_LEVEL };                      \
	static struct log_source *const log__entry_##src                                    \
		__attribute__((used, section("synth_log_sources"), aligned(sizeof(void *)))) = \
			&log_src_##src

#define LOG_SOURCE_EXTERN(src) extern struct log_source log_src_##src

#define log_enabled(src, lvl) ((unsigned)(lvl) <= log_src_##src.level)

#define log_at(src, lvl, ...)                                            \
	do {                                                             \
		if (__builtin_expect(log_enabled(src, lvl), 0))          \
			log_write(&log_src_##src, (lvl), __VA_ARGS__);   \
	} while (0)

#define log_error(src, ...) log_at(src, LOG_ERROR, __VA_ARGS__)
#define log_warn(src, ...) log_at(src, LOG_WARN, __VA_ARGS__)
#define log_info(src, ...) log_at(src, LOG_INFO, __VA_ARGS__)
#define log_debug(src, ...) log_at(src, LOG_DEBUG, __VA_ARGS__)
#define log_trace(src, ...) log_at(src, LOG_TRACE, __VA_ARGS__)

/* Write one line unconditionally (the macros above check the level). */
void log_write(struct log_source *src, enum log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void log_vwrite(struct log_source *src, enum log_level lvl, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

/* Apply a level spec: comma-separated SOURCE:LEVEL entries, where SOURCE
 * may be * (every source not named otherwise) and a bare LEVEL means
 * *:LEVEL. Sources not covered get LOG_DEFAULT_LEVEL. Levels: off error
 * warn info debug trace. Returns 0, or -EINVAL with a reason in *why
 * (nothing is changed then). */
int log_set_levels(const char *spec, const char **why);

const char *log_level_name(enum log_level lvl);

/* Timestamps count from this monotonic time (by default, the first line). */
void log_set_origin(uint64_t monotonic_ns);

#endif
