/* Unit tests of lib/fmt.c: every conversion, flag, width, precision and
 * length modifier combination compared with the host C library's
 * snprintf; truncation and the returned length; streaming through a sink;
 * console_printf over a fake console (pieces, byte counts, errors). */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "devices/console.h"
#include "lib/fmt.h"
#include "tests/unit/check.h"

static void cmp(const char *fmt, ...)
{
	char mine[600], host[600];
	va_list ap, aq;
	va_start(ap, fmt);
	va_copy(aq, ap);
	int a = fmt_vsnprintf(mine, sizeof mine, fmt, ap);
	int b = vsnprintf(host, sizeof host, fmt, aq);
	va_end(aq);
	va_end(ap);
	check_count++;
	if (a != b || strcmp(mine, host)) {
		check_failed++;
		fprintf(stderr, "%s:%d: format \"%s\": got %d \"%s\", libc %d \"%s\"\n", __FILE__, __LINE__, fmt, a,
		        mine, b, host);
	}
}

static const char *const flag_sets[] = { "", "-", "0", "+", " ", "#", "-0", "+0", " 0", "#0", "-+", "- ", "-#",
	                                 "+ ", "#+", "-0+ #" };
static const char *const widths[] = { "", "1", "5", "12", "30" };
static const char *const precs[] = { "", ".", ".0", ".1", ".3", ".12", ".25" };

static void test_integers(void)
{
	static const long long sv[] = { 0, 1, -1, 7, -42, 255, 256, 65535, -65536, 123456789, INT_MAX, INT_MIN,
		                        LLONG_MAX, LLONG_MIN };
	static const unsigned long long uv[] = { 0, 1, 8, 15, 16, 0x7f, 0x80, 0xff, 0xffff, 0x10000, 0xdeadbeef,
		                                 UINT_MAX, ULLONG_MAX, 01234567 };
	char f[64];
	for (size_t fi = 0; fi < sizeof flag_sets / sizeof *flag_sets; fi++)
		for (size_t wi = 0; wi < sizeof widths / sizeof *widths; wi++)
			for (size_t pi = 0; pi < sizeof precs / sizeof *precs; pi++) {
				const char *fl = flag_sets[fi], *w = widths[wi], *pr = precs[pi];
				for (size_t v = 0; v < sizeof sv / sizeof *sv; v++) {
					snprintf(f, sizeof f, "[%%%s%s%sd]", fl, w, pr);
					cmp(f, (int)sv[v]);
					snprintf(f, sizeof f, "[%%%s%s%si]", fl, w, pr);
					cmp(f, (int)sv[v]);
					snprintf(f, sizeof f, "[%%%s%s%slld]", fl, w, pr);
					cmp(f, sv[v]);
					snprintf(f, sizeof f, "[%%%s%s%sld]", fl, w, pr);
					cmp(f, (long)sv[v]);
					snprintf(f, sizeof f, "[%%%s%s%shd]", fl, w, pr);
					cmp(f, (int)sv[v]);
					snprintf(f, sizeof f, "[%%%s%s%shhd]", fl, w, pr);
					cmp(f, (int)sv[v]);
					snprintf(f, sizeof f, "[%%%s%s%sjd]", fl, w, pr);
					cmp(f, (intmax_t)sv[v]);
					snprintf(f, sizeof f, "[%%%s%s%std]", fl, w, pr);
					cmp(f, (ptrdiff_t)sv[v]);
				}
				for (size_t v = 0; v < sizeof uv / sizeof *uv; v++) {
					static const char convs[] = "uxXo";
					for (const char *c = convs; *c; c++) {
						snprintf(f, sizeof f, "[%%%s%s%s%c]", fl, w, pr, *c);
						cmp(f, (unsigned)uv[v]);
						snprintf(f, sizeof f, "[%%%s%s%sll%c]", fl, w, pr, *c);
						cmp(f, uv[v]);
						snprintf(f, sizeof f, "[%%%s%s%sl%c]", fl, w, pr, *c);
						cmp(f, (unsigned long)uv[v]);
						snprintf(f, sizeof f, "[%%%s%s%sz%c]", fl, w, pr, *c);
						cmp(f, (size_t)uv[v]);
						snprintf(f, sizeof f, "[%%%s%s%sh%c]", fl, w, pr, *c);
						cmp(f, (unsigned)uv[v]);
						snprintf(f, sizeof f, "[%%%s%s%shh%c]", fl, w, pr, *c);
						cmp(f, (unsigned)uv[v]);
						snprintf(f, sizeof f, "[%%%s%s%sj%c]", fl, w, pr, *c);
						cmp(f, (uintmax_t)uv[v]);
					}
				}
			}
}

static void test_strings(void)
{
	static const char *const strs[] = { "", "a", "hello", "a longer string of text" };
	static const char *const sflags[] = { "", "-" };
	char f[64];
	for (size_t fi = 0; fi < 2; fi++)
		for (size_t wi = 0; wi < sizeof widths / sizeof *widths; wi++)
			for (size_t pi = 0; pi < sizeof precs / sizeof *precs; pi++) {
				for (size_t s = 0; s < sizeof strs / sizeof *strs; s++) {
					snprintf(f, sizeof f, "<%%%s%s%ss>", sflags[fi], widths[wi], precs[pi]);
					cmp(f, strs[s]);
				}
				snprintf(f, sizeof f, "<%%%s%sc>", sflags[fi], widths[wi]);
				cmp(f, 'x');
				cmp(f, 0xe9);
				snprintf(f, sizeof f, "<%%%s%sp>", sflags[fi], widths[wi]);
				cmp(f, (void *)0x1234);
				cmp(f, (void *)f);
				cmp(f, (void *)NULL);
			}
	cmp("%s", (char *)NULL);
	cmp("%.3s|%.8s", (char *)NULL, (char *)NULL);
}

static void test_misc(void)
{
	cmp("plain text");
	cmp("");
	cmp("100%% sure %d%%", 5);
	cmp("%*d|%-*d|%*d", 6, 42, 6, 42, -6, 42);
	cmp("%.*d|%.*d|%.*s", 4, 7, -1, 7, 3, "abcdef");
	cmp("%*.*x", 10, 6, 0xabc);
	cmp("%d %s %c %x %u %o", -5, "mix", 'q', 255u, 4000000000u, 8u);
	cmp("%05d|%-05d|%+05d|% 05d", -3, -3, 3, 3);
	cmp("%#x|%#X|%#o|%#.0o|%#.0x", 0u, 0u, 0u, 0u, 0u);
	cmp("%.0d|%5.0d|%-5.0d|%+.0d", 0, 0, 0, 0);
	cmp("%hhu %hhd %hu %hd", 300, 200, 70000, 40000);
	cmp("%zu %zd %zx", (size_t)12345, (ptrdiff_t)-2, (size_t)0xfeed);
	cmp("%lu %llx", ULONG_MAX, 0x0123456789abcdefULL);
	cmp("%jd %ju %td", INTMAX_MIN, UINTMAX_MAX, (ptrdiff_t)-99);
	cmp("%-+8d|%- 8d|%+-8d", 12, 12, -12);
	cmp("%3c|%-3c|", 'a', 'b');

	/* truncation and the would-be length */
	char b[8];
	memset(b, 'Z', sizeof b);
	CHECK_EQ_INT(fmt_snprintf(b, 5, "%s", "abcdefgh"), 8);
	CHECK_EQ_STR(b, "abcd");
	CHECK_EQ_INT(b[5], 'Z');
	CHECK_EQ_INT(fmt_snprintf(b, 1, "%d", 12345), 5);
	CHECK_EQ_STR(b, "");
	CHECK_EQ_INT(fmt_snprintf(NULL, 0, "%d-%s", 12345, "xy"), 8);
	CHECK_EQ_INT(fmt_snprintf(b, sizeof b, "%20d", 1), 20);
	CHECK_EQ_STR(b, "       ");

	/* an unknown conversion is copied as written */
	char u[32];
	const char *unknown = "a%yb", *trailing = "end%";
	CHECK_EQ_INT(fmt_snprintf(u, sizeof u, unknown, 1), 4);
	CHECK_EQ_STR(u, "a%yb");
	CHECK_EQ_INT(fmt_snprintf(u, sizeof u, trailing, 0), 4);
	CHECK_EQ_STR(u, "end%");

	/* fmt_u64 */
	char d[24];
	size_t n = fmt_u64(d, 0);
	CHECK_EQ_INT(n, 1);
	CHECK_EQ_MEM(d, "0", 1);
	n = fmt_u64(d, UINT64_MAX);
	CHECK_EQ_INT(n, 20);
	CHECK_EQ_MEM(d, "18446744073709551615", 20);
	n = fmt_u64(d, 612);
	CHECK_EQ_MEM(d, "612", 3);
}

/* ---- streaming ---- */

static char collected[4096];
static size_t ncollected;
static int nflushes;

static void collect(struct fmt_sink *s)
{
	memcpy(collected + ncollected, s->buf, s->fill);
	ncollected += s->fill;
	s->fill = 0;
	nflushes++;
}

static void stream(const char *fmt, ...)
{
	char small[7];
	struct fmt_sink s = { .buf = small, .cap = sizeof small, .flush = collect };
	va_list ap;
	va_start(ap, fmt);
	fmt_vformat(&s, fmt, ap);
	va_end(ap);
	collect(&s);
	collected[ncollected] = '\0';
	CHECK_EQ_INT(s.total, ncollected);
}

static void test_stream(void)
{
	ncollected = 0;
	nflushes = 0;
	stream("%s|%40d|%-12s|%x", "streaming output through a 7-byte buffer", -77, "tail", 0xbeefu);
	char expect[512];
	snprintf(expect, sizeof expect, "%s|%40d|%-12s|%x", "streaming output through a 7-byte buffer", -77, "tail",
	         0xbeefu);
	CHECK_EQ_STR(collected, expect);
	CHECK(nflushes > 10);
}

/* ---- console_printf through a fake console ---- */

static char con_out[8192];
static size_t con_len;
static int con_writes;
static long con_fail_after; /* fail writes once this many bytes went out */

static long fake_write(void *state, const char *buf, size_t len)
{
	(void)state;
	if (con_fail_after >= 0 && (long)con_len >= con_fail_after)
		return -EIO;
	memcpy(con_out + con_len, buf, len);
	con_len += len;
	con_writes++;
	return (long)len;
}

static const struct console_ops fake_ops = { .name = "fake", .version = CONSOLE_OPS_V1, .write = fake_write };

static void test_console(void)
{
	struct console c = { .name = "console", .ops = &fake_ops };
	con_len = 0;
	con_writes = 0;
	con_fail_after = -1;
	CHECK_EQ_INT(console_printf(&c, "hello %s %d\n", "world", 42), 15);
	CHECK_EQ_INT(con_writes, 1);
	CHECK_EQ_MEM(con_out, "hello world 42\n", 15);

	/* long output goes out in pieces, with nothing lost */
	char big[3000];
	for (size_t i = 0; i < sizeof big - 1; i++)
		big[i] = (char)('a' + i % 26);
	big[sizeof big - 1] = '\0';
	con_len = 0;
	con_writes = 0;
	CHECK_EQ_INT(console_printf(&c, "[%s|%500d]", big, 7), 2999 + 503);
	CHECK(con_writes > 10);
	char expect[4000];
	snprintf(expect, sizeof expect, "[%s|%500d]", big, 7);
	CHECK_EQ_INT(con_len, strlen(expect));
	CHECK_EQ_MEM(con_out, expect, strlen(expect));
	CHECK_EQ_UINT(c.stats.bytes_out, 15 + strlen(expect));

	/* a failing device: the error comes back, the rest is dropped */
	con_len = 0;
	con_fail_after = 256;
	CHECK_EQ_INT(console_printf(&c, "%s", big), -EIO);
	CHECK_EQ_INT(con_len, 256);
	CHECK(c.stats.errors == 1);
}

int main(void)
{
	test_console();
	test_integers();
	test_strings();
	test_misc();
	test_stream();
	return check_report();
}
