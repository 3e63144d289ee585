/* Parsers and formatters for the typed parameters of lib/param.h. They are
 * strict on purpose: a value is either exactly of its type and in range or
 * rejected with a short reason, never half-read (no trailing garbage, no
 * silent wrap-around, no octal surprises). The same code runs in synth,
 * which checks manifest defaults with it, and in the runtime, which parses
 * --NAME=VALUE. */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lib/fmt.h"
#include "lib/param.h"

static const char *const type_names[PARAM_TYPE_COUNT] = {
	[PARAM_STRING] = "string", [PARAM_PATH] = "path",         [PARAM_BOOL] = "bool",
	[PARAM_U16] = "u16",       [PARAM_U32] = "u32",           [PARAM_U64] = "u64",
	[PARAM_INT] = "int",       [PARAM_IPV4] = "ipv4",         [PARAM_CIDR] = "cidr",
	[PARAM_MAC] = "mac",       [PARAM_DURATION] = "duration", [PARAM_SIZE] = "size",
};

const char *param_type_name(enum param_type t)
{
	return (unsigned)t < PARAM_TYPE_COUNT ? type_names[t] : "?";
}

int param_type_from_name(const char *name, size_t len, enum param_type *out)
{
	for (unsigned i = 0; i < PARAM_TYPE_COUNT; i++) {
		if (strlen(type_names[i]) == len && !memcmp(name, type_names[i], len)) {
			*out = (enum param_type)i;
			return 0;
		}
	}
	return -EINVAL;
}

/* ---- small lexical helpers over (p, end) ---- */

static inline bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static inline int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static inline char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool equals_nocase(const char *p, size_t n, const char *word)
{
	size_t i = 0;
	for (; i < n && word[i]; i++)
		if (lower(p[i]) != word[i])
			return false;
	return i == n && !word[i];
}

/* Decimal digits from *pp (at least one), stopping at the first
 * non-digit. -ERANGE when the value exceeds UINT64_MAX, -EINVAL when
 * there is no digit. */
static int scan_dec(const char **pp, const char *end, uint64_t *out)
{
	const char *p = *pp;
	uint64_t v = 0;
	bool over = false;
	if (p == end || !is_digit(*p))
		return -EINVAL;
	for (; p < end && is_digit(*p); p++) {
		unsigned d = (unsigned)(*p - '0');
		if (v > (UINT64_MAX - d) / 10)
			over = true;
		else
			v = v * 10 + d;
	}
	*pp = p;
	*out = v;
	return over ? -ERANGE : 0;
}

/* An unsigned number, decimal or 0x-hex, filling the whole text. */
static int parse_unsigned(const char *p, size_t len, uint64_t max, uint64_t *out)
{
	const char *end = p + len;
	uint64_t v = 0;
	if (len > 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		bool over = false;
		for (p += 2; p < end; p++) {
			int d = hex_value(*p);
			if (d < 0)
				return -EINVAL;
			if (v >> 60)
				over = true;
			v = v << 4 | (unsigned)d;
		}
		if (over)
			return -ERANGE;
	} else {
		int rc = scan_dec(&p, end, &v);
		if (rc == -EINVAL || p != end)
			return -EINVAL;
		if (rc)
			return rc;
	}
	if (v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

/* ---- one parser per type ---- */

static int parse_bool(const char *p, size_t len, bool *out, const char **why)
{
	static const char *const yes[] = { "true", "yes", "on", "1" };
	static const char *const no[] = { "false", "no", "off", "0" };
	for (unsigned i = 0; i < 4; i++) {
		if (equals_nocase(p, len, yes[i])) {
			*out = true;
			return 0;
		}
		if (equals_nocase(p, len, no[i])) {
			*out = false;
			return 0;
		}
	}
	*why = "expected true or false (also yes/no, on/off, 1/0)";
	return -EINVAL;
}

static int parse_u(const char *p, size_t len, uint64_t max, uint64_t *out, const char **why)
{
	int rc = parse_unsigned(p, len, max, out);
	if (rc == 0)
		return 0;
	if (max == UINT16_MAX)
		*why = "expected a whole number from 0 to 65535";
	else if (max == UINT32_MAX)
		*why = "expected a whole number from 0 to 4294967295";
	else
		*why = "expected a whole number from 0 to 18446744073709551615";
	return -EINVAL;
}

static int parse_int(const char *p, size_t len, int64_t *out, const char **why)
{
	bool neg = false;
	uint64_t mag;
	if (len && (*p == '-' || *p == '+')) {
		neg = *p == '-';
		p++;
		len--;
	}
	int rc = parse_unsigned(p, len, neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX, &mag);
	if (rc) {
		*why = rc == -ERANGE ? "out of range for a 64-bit signed number"
		                     : "expected a whole number, optionally signed";
		return -EINVAL;
	}
	*out = neg ? (int64_t)(0 - mag) : (int64_t)mag;
	return 0;
}

/* Dotted quad at *pp; stops after the fourth part. */
static int scan_ipv4(const char **pp, const char *end, uint32_t *out, const char **why)
{
	const char *p = *pp;
	uint32_t v = 0;
	for (int part = 0; part < 4; part++) {
		if (part) {
			if (p == end || *p != '.') {
				*why = "expected an IPv4 address like 10.0.0.2";
				return -EINVAL;
			}
			p++;
		}
		const char *start = p;
		uint64_t x;
		if (p == end || !is_digit(*p) || scan_dec(&p, end, &x) == -EINVAL) {
			*why = "expected an IPv4 address like 10.0.0.2";
			return -EINVAL;
		}
		if (p - start > 3 || x > 255) {
			*why = "each part of an IPv4 address must be 0 to 255";
			return -EINVAL;
		}
		if (p - start > 1 && *start == '0') {
			*why = "leading zero in an IPv4 address part";
			return -EINVAL;
		}
		v = v << 8 | (uint32_t)x;
	}
	*pp = p;
	*out = v;
	return 0;
}

static int parse_ipv4(const char *p, size_t len, struct ipv4_addr *out, const char **why)
{
	const char *end = p + len;
	uint32_t v;
	if (scan_ipv4(&p, end, &v, why))
		return -EINVAL;
	if (p != end) {
		*why = "unexpected text after the IPv4 address";
		return -EINVAL;
	}
	out->v = v;
	return 0;
}

static int parse_cidr(const char *p, size_t len, struct ipv4_cidr *out, const char **why)
{
	const char *end = p + len;
	uint32_t v;
	uint64_t prefix;
	if (scan_ipv4(&p, end, &v, why))
		return -EINVAL;
	if (p == end || *p != '/') {
		*why = "expected an address with a prefix length, like 10.0.0.2/24";
		return -EINVAL;
	}
	p++;
	const char *start = p;
	if (scan_dec(&p, end, &prefix) == -EINVAL || p != end) {
		*why = "expected a prefix length from 0 to 32 after '/'";
		return -EINVAL;
	}
	if (prefix > 32 || p - start > 2) {
		*why = "prefix length must be 0 to 32";
		return -EINVAL;
	}
	if (p - start > 1 && *start == '0') {
		*why = "leading zero in the prefix length";
		return -EINVAL;
	}
	out->addr.v = v;
	out->prefix = (uint8_t)prefix;
	return 0;
}

static int parse_mac(const char *p, size_t len, struct mac_addr *out, const char **why)
{
	struct mac_addr m;
	if (len != 17) {
		*why = "expected a MAC address like 02:00:00:00:00:01";
		return -EINVAL;
	}
	for (int i = 0; i < 6; i++) {
		int hi = hex_value(p[3 * i]), lo = hex_value(p[3 * i + 1]);
		if (hi < 0 || lo < 0 || (i < 5 && p[3 * i + 2] != ':')) {
			*why = "expected a MAC address like 02:00:00:00:00:01";
			return -EINVAL;
		}
		m.b[i] = (uint8_t)(hi << 4 | lo);
	}
	*out = m;
	return 0;
}

/* Duration units as mult * 10^exp nanoseconds, so a decimal fraction can
 * be converted exactly without 128-bit division. */
static const struct duration_unit {
	const char *name;
	uint64_t ns;
	unsigned mult, exp;
} duration_units[] = {
	{ "h", 3600000000000ull, 36, 11 }, { "m", 60000000000ull, 6, 10 }, { "s", 1000000000ull, 1, 9 },
	{ "ms", 1000000ull, 1, 6 },        { "us", 1000ull, 1, 3 },        { "ns", 1ull, 1, 0 },
};

static int parse_duration(const char *p, size_t len, uint64_t *out, const char **why)
{
	const char *end = p + len;
	uint64_t total = 0;
	if (len == 1 && *p == '0') {
		*out = 0;
		return 0;
	}
	if (len == 0 || !is_digit(*p)) {
		*why = len && *p == '-' ? "a duration cannot be negative"
		                        : "expected a duration like 10ms, 2s, 1m30s (units ns us ms s m h)";
		return -EINVAL;
	}
	while (p < end) {
		uint64_t whole, frac = 0;
		unsigned fdigits = 0;
		if (!is_digit(*p)) {
			*why = "expected a duration like 10ms, 2s, 1m30s (units ns us ms s m h)";
			return -EINVAL;
		}
		if (scan_dec(&p, end, &whole) == -ERANGE)
			goto too_long;
		if (p < end && *p == '.') {
			p++;
			if (p == end || !is_digit(*p)) {
				*why = "expected digits after the decimal point";
				return -EINVAL;
			}
			unsigned zeros = 0; /* trailing zeros not yet added */
			for (; p < end && is_digit(*p); p++) {
				if (*p == '0') {
					zeros++;
					continue;
				}
				if (fdigits + zeros + 1 > 15) {
					*why = "too many digits after the decimal point";
					return -EINVAL;
				}
				for (; zeros; zeros--, fdigits++)
					frac *= 10;
				frac = frac * 10 + (uint64_t)(*p - '0');
				fdigits++;
			}
		}
		const char *u = p;
		while (p < end && ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
			p++;
		const struct duration_unit *unit = NULL;
		for (unsigned i = 0; i < sizeof duration_units / sizeof duration_units[0]; i++)
			if (strlen(duration_units[i].name) == (size_t)(p - u) &&
			    !memcmp(u, duration_units[i].name, (size_t)(p - u)))
				unit = &duration_units[i];
		if (!unit) {
			*why = p == u ? "missing unit (ns, us, ms, s, m or h)" : "unknown unit (expected ns, us, ms, s, m or h)";
			return -EINVAL;
		}
		if (whole > UINT64_MAX / unit->ns)
			goto too_long;
		uint64_t v = whole * unit->ns;
		if (frac) {
			uint64_t f = frac * unit->mult; /* frac < 10^15, mult <= 36 */
			if (fdigits > unit->exp) {
				uint64_t div = 1;
				for (unsigned i = unit->exp; i < fdigits; i++)
					div *= 10;
				if (f % div) {
					*why = "finer than a nanosecond";
					return -EINVAL;
				}
				f /= div;
			} else {
				for (unsigned i = fdigits; i < unit->exp; i++) {
					if (f > UINT64_MAX / 10)
						goto too_long;
					f *= 10;
				}
			}
			if (v > UINT64_MAX - f)
				goto too_long;
			v += f;
		}
		if (total > UINT64_MAX - v)
			goto too_long;
		total += v;
	}
	*out = total;
	return 0;
too_long:
	*why = "duration too long (at most about 584 years)";
	return -EINVAL;
}

static int parse_size(const char *p, size_t len, uint64_t *out, const char **why)
{
	const char *end = p + len;
	uint64_t v;
	int rc = scan_dec(&p, end, &v);
	if (rc == -EINVAL) {
		*why = len && *p == '-' ? "a size cannot be negative" : "expected a size like 512, 64K, 16M, 1G";
		return -EINVAL;
	}
	unsigned shift = 0;
	if (p < end) {
		switch (lower(*p)) {
		case 'k': shift = 10; break;
		case 'm': shift = 20; break;
		case 'g': shift = 30; break;
		case 't': shift = 40; break;
		default:
			*why = "unknown size suffix (expected K, M, G or T)";
			return -EINVAL;
		}
		p++;
		if (end - p == 2 && p[0] == 'i' && lower(p[1]) == 'b')
			p += 2;
		if (p != end) {
			*why = "unexpected text after the size (expected K, M, G, T or KiB ...)";
			return -EINVAL;
		}
	}
	if (rc == -ERANGE || v > (UINT64_MAX >> shift)) {
		*why = "size too large (at most 16 EiB - 1)";
		return -EINVAL;
	}
	*out = v << shift;
	return 0;
}

int param_parse(enum param_type t, const char *text, size_t len, void *dest, const char **why)
{
	const char *dummy;
	if (!why)
		why = &dummy;
	uint64_t u;
	switch (t) {
	case PARAM_STRING:
	case PARAM_PATH:
		if (memchr(text, '\0', len)) {
			*why = "contains a NUL byte";
			return -EINVAL;
		}
		if (t == PARAM_PATH && len == 0) {
			*why = "expected a path, not an empty value";
			return -EINVAL;
		}
		*(const char **)dest = text;
		return 0;
	case PARAM_BOOL:
		return parse_bool(text, len, dest, why);
	case PARAM_U16:
		if (parse_u(text, len, UINT16_MAX, &u, why))
			return -EINVAL;
		*(uint16_t *)dest = (uint16_t)u;
		return 0;
	case PARAM_U32:
		if (parse_u(text, len, UINT32_MAX, &u, why))
			return -EINVAL;
		*(uint32_t *)dest = (uint32_t)u;
		return 0;
	case PARAM_U64:
		return parse_u(text, len, UINT64_MAX, dest, why);
	case PARAM_INT:
		return parse_int(text, len, dest, why);
	case PARAM_IPV4:
		return parse_ipv4(text, len, dest, why);
	case PARAM_CIDR:
		return parse_cidr(text, len, dest, why);
	case PARAM_MAC:
		return parse_mac(text, len, dest, why);
	case PARAM_DURATION:
		return parse_duration(text, len, dest, why);
	case PARAM_SIZE:
		return parse_size(text, len, dest, why);
	default:
		*why = "unknown parameter type";
		return -EINVAL;
	}
}

/* ---- formatting ---- */

static int format_duration(uint64_t v, char *buf, size_t size)
{
	if (v == 0)
		return fmt_snprintf(buf, size, "0s");
	for (unsigned i = 0; i < sizeof duration_units / sizeof duration_units[0]; i++)
		if (v % duration_units[i].ns == 0)
			return fmt_snprintf(buf, size, "%llu%s", (unsigned long long)(v / duration_units[i].ns),
			                    duration_units[i].name);
	return fmt_snprintf(buf, size, "%lluns", (unsigned long long)v); /* not reached: ns divides all */
}

static int format_size(uint64_t v, char *buf, size_t size)
{
	static const char suffix[] = "TGMK";
	for (unsigned i = 0; i < 4; i++) {
		unsigned shift = 40 - 10 * i;
		if (v && v % ((uint64_t)1 << shift) == 0)
			return fmt_snprintf(buf, size, "%llu%c", (unsigned long long)(v >> shift), suffix[i]);
	}
	return fmt_snprintf(buf, size, "%llu", (unsigned long long)v);
}

static int format_ipv4(uint32_t v, char *buf, size_t size)
{
	return fmt_snprintf(buf, size, "%u.%u.%u.%u", v >> 24, v >> 16 & 255, v >> 8 & 255, v & 255);
}

int param_format(enum param_type t, const void *src, char *buf, size_t size)
{
	switch (t) {
	case PARAM_STRING:
	case PARAM_PATH: {
		const char *s = *(const char *const *)src;
		return fmt_snprintf(buf, size, "%s", s ? s : "");
	}
	case PARAM_BOOL:
		return fmt_snprintf(buf, size, "%s", *(const bool *)src ? "true" : "false");
	case PARAM_U16:
		return fmt_snprintf(buf, size, "%u", (unsigned)*(const uint16_t *)src);
	case PARAM_U32:
		return fmt_snprintf(buf, size, "%lu", (unsigned long)*(const uint32_t *)src);
	case PARAM_U64:
		return fmt_snprintf(buf, size, "%llu", (unsigned long long)*(const uint64_t *)src);
	case PARAM_INT:
		return fmt_snprintf(buf, size, "%lld", (long long)*(const int64_t *)src);
	case PARAM_IPV4:
		return format_ipv4(((const struct ipv4_addr *)src)->v, buf, size);
	case PARAM_CIDR: {
		const struct ipv4_cidr *c = src;
		char a[16];
		format_ipv4(c->addr.v, a, sizeof a);
		return fmt_snprintf(buf, size, "%s/%u", a, (unsigned)c->prefix);
	}
	case PARAM_MAC: {
		const uint8_t *b = ((const struct mac_addr *)src)->b;
		return fmt_snprintf(buf, size, "%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3], b[4], b[5]);
	}
	case PARAM_DURATION:
		return format_duration(*(const uint64_t *)src, buf, size);
	case PARAM_SIZE:
		return format_size(*(const uint64_t *)src, buf, size);
	default:
		return fmt_snprintf(buf, size, "?");
	}
}
