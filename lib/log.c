/* Per-source logging, see lib/log.h. Every LOG_SOURCE puts a pointer to
 * its source in the synth_log_sources section; the linker's __start_ and
 * __stop_ symbols bound that array, so no registration runs at start-up
 * (there are no constructors on the Xen target). */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lib/fmt.h"
#include "lib/log.h"
#include "lib/platform.h"

/* Weak: a program without any source links and simply has none. */
extern struct log_source *const __start_synth_log_sources[] __attribute__((weak));
extern struct log_source *const __stop_synth_log_sources[] __attribute__((weak));

#define LOG_LINE_MAX 512
#define SPEC_MAX_ENTRIES 64

static uint64_t origin;
static bool origin_set;
static char why_buf[192];

static const char *const level_names[] = { "off", "error", "warn", "info", "debug", "trace" };

const char *log_level_name(enum log_level lvl)
{
	return (unsigned)lvl < sizeof level_names / sizeof level_names[0] ? level_names[lvl] : "?";
}

void log_set_origin(uint64_t monotonic_ns)
{
	origin = monotonic_ns;
	origin_set = true;
}

void log_vwrite(struct log_source *src, enum log_level lvl, const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX];
	uint64_t now = plat_monotonic_ns();
	if (!origin_set)
		log_set_origin(now);
	uint64_t t = now >= origin ? now - origin : 0;
	struct fmt_sink s = { .buf = line, .cap = sizeof line - 1 };
	int n = fmt_snprintf(line, sizeof line, "[%6llu.%06llu] %-5s %s: ",
	                     (unsigned long long)(t / 1000000000u),
	                     (unsigned long long)(t % 1000000000u / 1000u), log_level_name(lvl), src->name);
	s.fill = s.total = n > 0 && (size_t)n < s.cap ? (size_t)n : s.cap;
	fmt_vformat(&s, fmt, ap);
	if (s.total > s.fill) /* truncated: say so */
		memcpy(line + s.fill - 3, "...", 3);
	line[s.fill] = '\n';
	plat_diag_write(line, s.fill + 1);
}

void log_write(struct log_source *src, enum log_level lvl, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_vwrite(src, lvl, fmt, ap);
	va_end(ap);
}

static int parse_level(const char *p, size_t n)
{
	for (unsigned i = 0; i < sizeof level_names / sizeof level_names[0]; i++)
		if (strlen(level_names[i]) == n && !memcmp(p, level_names[i], n))
			return (int)i;
	if (n == 7 && !memcmp(p, "warning", 7))
		return LOG_WARN;
	return -1;
}

static struct log_source *find_source(const char *p, size_t n)
{
	if (!__start_synth_log_sources)
		return NULL;
	for (struct log_source *const *s = __start_synth_log_sources; s < __stop_synth_log_sources; s++)
		if (strlen((*s)->name) == n && !memcmp((*s)->name, p, n))
			return *s;
	return NULL;
}

/* "unknown log source 'htp' (known: http, tcp, ...)" */
static const char *unknown_source(const char *p, size_t n)
{
	struct fmt_sink s = { .buf = why_buf, .cap = sizeof why_buf - 1 };
	int k = fmt_snprintf(why_buf, sizeof why_buf, "unknown log source '%.*s' (known:", (int)n, p);
	s.fill = s.total = k > 0 && (size_t)k < s.cap ? (size_t)k : s.cap;
	bool any = false;
	if (__start_synth_log_sources) {
		for (struct log_source *const *e = __start_synth_log_sources; e < __stop_synth_log_sources; e++) {
			fmt_write(&s, any ? ", " : " ", any ? 2 : 1);
			fmt_write(&s, (*e)->name, strlen((*e)->name));
			any = true;
		}
	}
	if (!any)
		fmt_write(&s, " none", 5);
	fmt_write(&s, ")", 1);
	if (s.total > s.fill)
		memcpy(why_buf + s.fill - 3, "...", 3);
	why_buf[s.fill] = '\0';
	return why_buf;
}

int log_set_levels(const char *spec, const char **why)
{
	struct {
		struct log_source *src;
		uint8_t level;
	} set[SPEC_MAX_ENTRIES];
	unsigned nset = 0;
	int star = LOG_DEFAULT_LEVEL;
	const char *reason = NULL;

	if (!spec || !*spec) {
		reason = "empty log spec (expected SOURCE:LEVEL,... e.g. http:debug,*:warn)";
		goto fail;
	}
	for (const char *p = spec;;) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		if (n == 0) {
			reason = "empty entry in log spec";
			goto fail;
		}
		const char *colon = memchr(p, ':', n);
		const char *lv = colon ? colon + 1 : p;
		size_t lvn = colon ? n - (size_t)(colon + 1 - p) : n;
		int level = parse_level(lv, lvn);
		if (level < 0) {
			fmt_snprintf(why_buf, sizeof why_buf,
			             "unknown log level '%.*s' (expected off, error, warn, info, debug or trace)",
			             (int)lvn, lv);
			reason = why_buf;
			goto fail;
		}
		size_t nn = colon ? (size_t)(colon - p) : 1;
		if (!colon || (nn == 1 && *p == '*')) {
			star = level;
		} else if (nn == 0) {
			reason = "missing source name before ':' in log spec";
			goto fail;
		} else {
			struct log_source *src = find_source(p, nn);
			if (!src) {
				reason = unknown_source(p, nn);
				goto fail;
			}
			if (nset == SPEC_MAX_ENTRIES) {
				reason = "too many entries in log spec";
				goto fail;
			}
			set[nset].src = src;
			set[nset].level = (uint8_t)level;
			nset++;
		}
		if (!end)
			break;
		p = end + 1;
	}

	if (__start_synth_log_sources)
		for (struct log_source *const *e = __start_synth_log_sources; e < __stop_synth_log_sources; e++)
			(*e)->level = (uint8_t)star;
	for (unsigned i = 0; i < nset; i++)
		set[i].src->level = set[i].level;
	return 0;

fail:
	if (why)
		*why = reason;
	return -EINVAL;
}
