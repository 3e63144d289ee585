/* Unit tests of lib/param.c: every type parsed from good and bad text
 * (with the reason given), and formatted back. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "lib/param.h"
#include "tests/unit/check.h"

static const char *why;

static int parse(enum param_type t, const char *s, void *dest)
{
	why = NULL;
	int rc = param_parse(t, s, strlen(s), dest, &why);
	if (rc == 0)
		CHECK(why == NULL);
	else
		CHECK(why != NULL && *why);
	return rc;
}

/* A bad value, whose reason must mention `hint`. */
static void bad(enum param_type t, const char *s, const char *hint)
{
	union {
		uint64_t u;
		char space[64];
	} dest;
	check_count++;
	if (parse(t, s, &dest) != -EINVAL) {
		check_failed++;
		fprintf(stderr, "%s: '%s' was accepted\n", param_type_name(t), s);
	} else if (hint && !strstr(why, hint)) {
		check_failed++;
		fprintf(stderr, "%s: '%s': reason \"%s\" lacks \"%s\"\n", param_type_name(t), s, why, hint);
	}
}

static const char *fmt(enum param_type t, const void *v)
{
	static char buf[64];
	int n = param_format(t, v, buf, sizeof buf);
	CHECK_EQ_INT(n, strlen(buf));
	return buf;
}

static void test_names(void)
{
	static const char *const names[] = { "string", "path", "bool", "u16", "u32", "u64",
		                             "int", "ipv4", "cidr", "mac", "duration", "size" };
	for (int i = 0; i < PARAM_TYPE_COUNT; i++) {
		enum param_type t;
		CHECK_EQ_STR(param_type_name((enum param_type)i), names[i]);
		CHECK_EQ_INT(param_type_from_name(names[i], strlen(names[i]), &t), 0);
		CHECK_EQ_INT(t, i);
	}
	enum param_type t;
	CHECK_EQ_INT(param_type_from_name("u8", 2, &t), -EINVAL);
	CHECK_EQ_INT(param_type_from_name("u16x", 3, &t), 0); /* length decides */
	CHECK_EQ_INT(t, PARAM_U16);
	CHECK_EQ_INT(param_type_from_name("", 0, &t), -EINVAL);
}

static void test_strings(void)
{
	const char *s = NULL;
	CHECK_EQ_INT(parse(PARAM_STRING, "hello world", &s), 0);
	CHECK_EQ_STR(s, "hello world");
	CHECK_EQ_INT(parse(PARAM_STRING, "", &s), 0);
	CHECK_EQ_STR(fmt(PARAM_STRING, &s), "");
	CHECK_EQ_INT(parse(PARAM_PATH, "/srv/www", &s), 0);
	CHECK_EQ_STR(fmt(PARAM_PATH, &s), "/srv/www");
	bad(PARAM_PATH, "", "empty");
	CHECK_EQ_INT(param_parse(PARAM_STRING, "a\0b", 3, &s, &why), -EINVAL);
	CHECK(strstr(why, "NUL") != NULL);
	s = NULL;
	CHECK_EQ_STR(fmt(PARAM_STRING, &s), "");
}

static void test_bool(void)
{
	bool b;
	static const char *const t[] = { "true", "yes", "on", "1", "TRUE", "Yes", "ON" };
	static const char *const f[] = { "false", "no", "off", "0", "False", "NO", "Off" };
	for (int i = 0; i < 7; i++) {
		b = false;
		CHECK_EQ_INT(parse(PARAM_BOOL, t[i], &b), 0);
		CHECK(b);
		b = true;
		CHECK_EQ_INT(parse(PARAM_BOOL, f[i], &b), 0);
		CHECK(!b);
	}
	bad(PARAM_BOOL, "", "true or false");
	bad(PARAM_BOOL, "2", "true or false");
	bad(PARAM_BOOL, "yess", NULL);
	bad(PARAM_BOOL, "tru", NULL);
	bad(PARAM_BOOL, " true", NULL);
	b = true;
	CHECK_EQ_STR(fmt(PARAM_BOOL, &b), "true");
	b = false;
	CHECK_EQ_STR(fmt(PARAM_BOOL, &b), "false");
}

static void test_unsigned(void)
{
	uint16_t a;
	uint32_t b;
	uint64_t c;
	CHECK_EQ_INT(parse(PARAM_U16, "0", &a), 0);
	CHECK_EQ_INT(a, 0);
	CHECK_EQ_INT(parse(PARAM_U16, "65535", &a), 0);
	CHECK_EQ_INT(a, 65535);
	CHECK_EQ_INT(parse(PARAM_U16, "0x1F90", &a), 0);
	CHECK_EQ_INT(a, 8080);
	CHECK_EQ_INT(parse(PARAM_U16, "007", &a), 0);
	CHECK_EQ_INT(a, 7);
	CHECK_EQ_STR(fmt(PARAM_U16, &a), "7");
	bad(PARAM_U16, "65536", "0 to 65535");
	bad(PARAM_U16, "-1", "0 to 65535");
	bad(PARAM_U16, "+1", NULL);
	bad(PARAM_U16, "", NULL);
	bad(PARAM_U16, "80x", NULL);
	bad(PARAM_U16, " 80", NULL);
	bad(PARAM_U16, "0x", NULL);
	bad(PARAM_U16, "0x10000", NULL);
	bad(PARAM_U16, "1e3", NULL);
	CHECK_EQ_INT(parse(PARAM_U32, "4294967295", &b), 0);
	CHECK_EQ_UINT(b, 4294967295u);
	CHECK_EQ_STR(fmt(PARAM_U32, &b), "4294967295");
	bad(PARAM_U32, "4294967296", "4294967295");
	CHECK_EQ_INT(parse(PARAM_U64, "18446744073709551615", &c), 0);
	CHECK_EQ_UINT(c, UINT64_MAX);
	CHECK_EQ_STR(fmt(PARAM_U64, &c), "18446744073709551615");
	CHECK_EQ_INT(parse(PARAM_U64, "0xffffffffffffffff", &c), 0);
	CHECK_EQ_UINT(c, UINT64_MAX);
	bad(PARAM_U64, "18446744073709551616", NULL);
	bad(PARAM_U64, "99999999999999999999999", NULL);
	bad(PARAM_U64, "0x10000000000000000", NULL);
	/* failure leaves the destination alone */
	a = 1234;
	bad(PARAM_U16, "70000", NULL);
	CHECK_EQ_INT(param_parse(PARAM_U16, "70000", 5, &a, NULL), -EINVAL);
	CHECK_EQ_INT(a, 1234);
	/* len, not NUL, ends the text */
	CHECK_EQ_INT(param_parse(PARAM_U16, "8080garbage", 4, &a, NULL), 0);
	CHECK_EQ_INT(a, 8080);
}

static void test_int(void)
{
	int64_t v;
	CHECK_EQ_INT(parse(PARAM_INT, "-42", &v), 0);
	CHECK_EQ_INT(v, -42);
	CHECK_EQ_INT(parse(PARAM_INT, "+42", &v), 0);
	CHECK_EQ_INT(v, 42);
	CHECK_EQ_INT(parse(PARAM_INT, "9223372036854775807", &v), 0);
	CHECK_EQ_INT(v, INT64_MAX);
	CHECK_EQ_INT(parse(PARAM_INT, "-9223372036854775808", &v), 0);
	CHECK_EQ_INT(v, INT64_MIN);
	CHECK_EQ_STR(fmt(PARAM_INT, &v), "-9223372036854775808");
	bad(PARAM_INT, "9223372036854775808", "range");
	bad(PARAM_INT, "-9223372036854775809", "range");
	bad(PARAM_INT, "-", NULL);
	bad(PARAM_INT, "--1", NULL);
	bad(PARAM_INT, "1-", NULL);
	bad(PARAM_INT, "", NULL);
}

static void test_ipv4(void)
{
	struct ipv4_addr a;
	CHECK_EQ_INT(parse(PARAM_IPV4, "10.0.0.2", &a), 0);
	CHECK_EQ_UINT(a.v, 0x0a000002);
	CHECK_EQ_STR(fmt(PARAM_IPV4, &a), "10.0.0.2");
	CHECK_EQ_INT(parse(PARAM_IPV4, "255.255.255.255", &a), 0);
	CHECK_EQ_UINT(a.v, 0xffffffff);
	CHECK_EQ_INT(parse(PARAM_IPV4, "0.0.0.0", &a), 0);
	CHECK_EQ_UINT(a.v, 0);
	CHECK_EQ_STR(fmt(PARAM_IPV4, &a), "0.0.0.0");
	bad(PARAM_IPV4, "256.1.1.1", "0 to 255");
	bad(PARAM_IPV4, "1.1.1.256", "0 to 255");
	bad(PARAM_IPV4, "1.1.1.1000", "0 to 255");
	bad(PARAM_IPV4, "1.1.1", "IPv4");
	bad(PARAM_IPV4, "1.1.1.1.1", "after");
	bad(PARAM_IPV4, "1..1.1", NULL);
	bad(PARAM_IPV4, "01.1.1.1", "leading zero");
	bad(PARAM_IPV4, "1.1.1.1/24", "after");
	bad(PARAM_IPV4, "a.b.c.d", NULL);
	bad(PARAM_IPV4, "", NULL);
	bad(PARAM_IPV4, "1.1.1.", NULL);
	bad(PARAM_IPV4, " 1.1.1.1", NULL);
	bad(PARAM_IPV4, "99999999999999999999.1.1.1", NULL);
}

static void test_cidr(void)
{
	struct ipv4_cidr c;
	CHECK_EQ_INT(parse(PARAM_CIDR, "10.0.0.2/24", &c), 0);
	CHECK_EQ_UINT(c.addr.v, 0x0a000002);
	CHECK_EQ_INT(c.prefix, 24);
	CHECK_EQ_STR(fmt(PARAM_CIDR, &c), "10.0.0.2/24");
	CHECK_EQ_INT(parse(PARAM_CIDR, "0.0.0.0/0", &c), 0);
	CHECK_EQ_INT(c.prefix, 0);
	CHECK_EQ_INT(parse(PARAM_CIDR, "192.168.1.1/32", &c), 0);
	CHECK_EQ_INT(c.prefix, 32);
	bad(PARAM_CIDR, "10.0.0.2/33", "0 to 32");
	bad(PARAM_CIDR, "10.0.0.2/100", "0 to 32");
	bad(PARAM_CIDR, "10.0.0.2", "prefix");
	bad(PARAM_CIDR, "10.0.0.2/", "prefix");
	bad(PARAM_CIDR, "10.0.0.2/-1", NULL);
	bad(PARAM_CIDR, "10.0.0.2/24x", NULL);
	bad(PARAM_CIDR, "10.0.0.2/08", "leading zero");
	bad(PARAM_CIDR, "300.0.0.2/8", "0 to 255");
}

static void test_mac(void)
{
	struct mac_addr m;
	CHECK_EQ_INT(parse(PARAM_MAC, "02:00:5E:10:ab:ff", &m), 0);
	static const uint8_t want[6] = { 0x02, 0x00, 0x5e, 0x10, 0xab, 0xff };
	CHECK_EQ_MEM(m.b, want, 6);
	CHECK_EQ_STR(fmt(PARAM_MAC, &m), "02:00:5e:10:ab:ff");
	bad(PARAM_MAC, "02:00:5e:10:ab", "MAC");
	bad(PARAM_MAC, "02:00:5e:10:ab:ff:00", NULL);
	bad(PARAM_MAC, "02-00-5e-10-ab-ff", NULL);
	bad(PARAM_MAC, "2:00:5e:10:ab:ff0", NULL);
	bad(PARAM_MAC, "02:00:5g:10:ab:ff", NULL);
	bad(PARAM_MAC, "", NULL);
}

static void test_duration(void)
{
	uint64_t d;
	static const struct {
		const char *in;
		uint64_t ns;
		const char *out;
	} good[] = {
		{ "0", 0, "0s" },
		{ "0s", 0, "0s" },
		{ "7ns", 7, "7ns" },
		{ "500us", 500000, "500us" },
		{ "10ms", 10000000, "10ms" },
		{ "2s", 2000000000, "2s" },
		{ "1m", 60000000000ull, "1m" },
		{ "2h", 7200000000000ull, "2h" },
		{ "90s", 90000000000ull, "90s" },
		{ "1m30s", 90000000000ull, "90s" },
		{ "1h1ns", 3600000000001ull, "3600000000001ns" },
		{ "1.5s", 1500000000, "1500ms" },
		{ "0.25ms", 250000, "250us" },
		{ "1.000000001s", 1000000001, "1000000001ns" },
		{ "0.5m", 30000000000ull, "30s" },
		{ "0.001h", 3600000000ull, "3600ms" },
		{ "1.50s", 1500000000, "1500ms" },
		{ "18446744073709551615ns", UINT64_MAX, "18446744073709551615ns" },
		{ "5124095h", 5124095ull * 3600000000000ull, "5124095h" },
	};
	for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
		d = 12345;
		CHECK_EQ_INT(parse(PARAM_DURATION, good[i].in, &d), 0);
		CHECK_EQ_UINT(d, good[i].ns);
		CHECK_EQ_STR(fmt(PARAM_DURATION, &d), good[i].out);
		/* what is formatted parses back to the same value */
		uint64_t back;
		CHECK_EQ_INT(parse(PARAM_DURATION, fmt(PARAM_DURATION, &d), &back), 0);
		CHECK_EQ_UINT(back, d);
	}
	bad(PARAM_DURATION, "10", "missing unit");
	bad(PARAM_DURATION, "10 ms", NULL);
	bad(PARAM_DURATION, "10sec", "unknown unit");
	bad(PARAM_DURATION, "10MS", "unknown unit");
	bad(PARAM_DURATION, "-1s", "negative");
	bad(PARAM_DURATION, "", NULL);
	bad(PARAM_DURATION, "s", NULL);
	bad(PARAM_DURATION, "1.s", "decimal point");
	bad(PARAM_DURATION, "0.5ns", "nanosecond");
	bad(PARAM_DURATION, "1.0000000001s", "nanosecond");
	bad(PARAM_DURATION, "18446744073709551616ns", "too long");
	bad(PARAM_DURATION, "5124096h", "too long");
	bad(PARAM_DURATION, "18446744073709551615ns1ns", "too long");
	bad(PARAM_DURATION, "99999999999999999999999h", "too long");
	bad(PARAM_DURATION, "1.1234567890123456s", "digits");
}

static void test_size(void)
{
	uint64_t s;
	static const struct {
		const char *in;
		uint64_t v;
		const char *out;
	} good[] = {
		{ "0", 0, "0" },           { "512", 512, "512" },
		{ "64K", 65536, "64K" },   { "64k", 65536, "64K" },
		{ "16M", 16u << 20, "16M" }, { "1G", 1u << 30, "1G" },
		{ "2T", 2ull << 40, "2T" }, { "1024K", 1u << 20, "1M" },
		{ "64KiB", 65536, "64K" }, { "3MiB", 3u << 20, "3M" },
		{ "1536", 1536, "1536" },  { "16777215T", 16777215ull << 40, "16777215T" },
		{ "18446744073709551615", UINT64_MAX, "18446744073709551615" },
	};
	for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
		CHECK_EQ_INT(parse(PARAM_SIZE, good[i].in, &s), 0);
		CHECK_EQ_UINT(s, good[i].v);
		CHECK_EQ_STR(fmt(PARAM_SIZE, &s), good[i].out);
	}
	bad(PARAM_SIZE, "16777216T", "too large");
	bad(PARAM_SIZE, "18446744073709551616", "too large");
	bad(PARAM_SIZE, "17179869184G", "too large");
	bad(PARAM_SIZE, "64X", "suffix");
	bad(PARAM_SIZE, "64KB", NULL);
	bad(PARAM_SIZE, "64Kx", NULL);
	bad(PARAM_SIZE, "K", NULL);
	bad(PARAM_SIZE, "-1", "negative");
	bad(PARAM_SIZE, "1.5M", NULL);
	bad(PARAM_SIZE, "", NULL);
}

static void test_format_truncation(void)
{
	struct ipv4_cidr c = { { 0xc0a80101 }, 24 };
	char small[8];
	CHECK_EQ_INT(param_format(PARAM_CIDR, &c, small, sizeof small), 14);
	CHECK_EQ_STR(small, "192.168");
	CHECK_EQ_INT(param_format(PARAM_CIDR, &c, NULL, 0), 14);
	CHECK_EQ_INT(param_parse(PARAM_TYPE_COUNT, "x", 1, small, &why), -EINVAL);
}

int main(void)
{
	test_names();
	test_strings();
	test_bool();
	test_unsigned();
	test_int();
	test_ipv4();
	test_cidr();
	test_mac();
	test_duration();
	test_size();
	test_format_truncation();
	return check_report();
}
