/* The formatter behind lib/fmt.h. One engine writes into a fmt_sink;
 * snprintf is a sink that truncates, console_printf a sink that flushes to
 * the device. Literal runs and padding are copied in blocks, not byte by
 * byte, because HTTP headers and log lines go through here. */
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lib/fmt.h"

enum {
	F_LEFT = 1,
	F_ZERO = 2,
	F_PLUS = 4,
	F_SPACE = 8,
	F_ALT = 16,
};

enum len_mod { L_NONE, L_HH, L_H, L_L, L_LL, L_Z, L_J, L_T };

void fmt_write(struct fmt_sink *s, const char *p, size_t n)
{
	s->total += n;
	while (n) {
		size_t room = s->cap - s->fill;
		if (room == 0) {
			if (!s->flush)
				return;
			s->flush(s);
			room = s->cap - s->fill;
			if (room == 0)
				return;
		}
		size_t k = n < room ? n : room;
		memcpy(s->buf + s->fill, p, k);
		s->fill += k;
		p += k;
		n -= k;
	}
}

static void pad(struct fmt_sink *s, char c, size_t n)
{
	static const char spaces[16] = "                ";
	static const char zeros[16] = "0000000000000000";
	const char *src = c == '0' ? zeros : spaces;
	while (n) {
		size_t k = n < sizeof spaces ? n : sizeof spaces;
		fmt_write(s, src, k);
		n -= k;
	}
}

size_t fmt_u64(char *out, uint64_t v)
{
	char tmp[20];
	size_t n = 0;
	do {
		tmp[sizeof tmp - 1 - n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	memcpy(out, tmp + sizeof tmp - n, n);
	return n;
}

/* An integer conversion: sign, prefix, precision zeros, width padding. */
static void put_int(struct fmt_sink *s, uint64_t v, bool neg, unsigned base, bool upper, unsigned flags,
                    int width, int prec, bool is_signed, bool force_prefix)
{
	char digits[24];
	size_t nd = 0;
	const char *set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	if (!(v == 0 && prec == 0)) {
		do {
			digits[sizeof digits - 1 - nd++] = set[v % base];
			v /= base;
		} while (v);
	}
	const char *dp = digits + sizeof digits - nd;
	bool nonzero = nd > 1 || (nd == 1 && dp[0] != '0');

	char prefix[3];
	size_t np = 0;
	if (is_signed) {
		if (neg)
			prefix[np++] = '-';
		else if (flags & F_PLUS)
			prefix[np++] = '+';
		else if (flags & F_SPACE)
			prefix[np++] = ' ';
	}
	if (base == 16 && ((flags & F_ALT) && nonzero ? true : force_prefix)) {
		prefix[np++] = '0';
		prefix[np++] = upper ? 'X' : 'x';
	}

	size_t zeros = 0;
	if (prec >= 0 && (size_t)prec > nd)
		zeros = (size_t)prec - nd;
	if (base == 8 && (flags & F_ALT) && zeros == 0 && (nd == 0 || dp[0] != '0'))
		zeros = 1;

	size_t body = np + zeros + nd;
	size_t fill = width > 0 && (size_t)width > body ? (size_t)width - body : 0;
	if (flags & F_LEFT) {
		fmt_write(s, prefix, np);
		pad(s, '0', zeros);
		fmt_write(s, dp, nd);
		pad(s, ' ', fill);
	} else if ((flags & F_ZERO) && prec < 0) {
		fmt_write(s, prefix, np);
		pad(s, '0', zeros + fill);
		fmt_write(s, dp, nd);
	} else {
		pad(s, ' ', fill);
		fmt_write(s, prefix, np);
		pad(s, '0', zeros);
		fmt_write(s, dp, nd);
	}
}

static void put_str(struct fmt_sink *s, const char *p, size_t n, unsigned flags, int width)
{
	size_t fill = width > 0 && (size_t)width > n ? (size_t)width - n : 0;
	if (!(flags & F_LEFT))
		pad(s, ' ', fill);
	fmt_write(s, p, n);
	if (flags & F_LEFT)
		pad(s, ' ', fill);
}

static int parse_num(const char **pp)
{
	const char *p = *pp;
	int v = 0;
	while (*p >= '0' && *p <= '9') {
		if (v <= (INT_MAX - 9) / 10)
			v = v * 10 + (*p - '0');
		else
			v = INT_MAX;
		p++;
	}
	*pp = p;
	return v;
}

void fmt_vformat(struct fmt_sink *s, const char *fmt, va_list ap)
{
	const char *p = fmt;
	for (;;) {
		const char *lit = p;
		while (*p && *p != '%')
			p++;
		if (p > lit)
			fmt_write(s, lit, (size_t)(p - lit));
		if (!*p)
			return;
		const char *directive = p++;

		unsigned flags = 0;
		for (;; p++) {
			if (*p == '-')
				flags |= F_LEFT;
			else if (*p == '0')
				flags |= F_ZERO;
			else if (*p == '+')
				flags |= F_PLUS;
			else if (*p == ' ')
				flags |= F_SPACE;
			else if (*p == '#')
				flags |= F_ALT;
			else
				break;
		}

		int width = 0;
		if (*p == '*') {
			width = va_arg(ap, int);
			if (width < 0) {
				flags |= F_LEFT;
				width = width == INT_MIN ? INT_MAX : -width;
			}
			p++;
		} else {
			width = parse_num(&p);
		}

		int prec = -1;
		if (*p == '.') {
			p++;
			if (*p == '*') {
				prec = va_arg(ap, int);
				if (prec < 0)
					prec = -1;
				p++;
			} else {
				prec = parse_num(&p);
			}
		}

		enum len_mod len = L_NONE;
		switch (*p) {
		case 'h':
			len = p[1] == 'h' ? L_HH : L_H;
			p += len == L_HH ? 2 : 1;
			break;
		case 'l':
			len = p[1] == 'l' ? L_LL : L_L;
			p += len == L_LL ? 2 : 1;
			break;
		case 'z':
			len = L_Z;
			p++;
			break;
		case 'j':
			len = L_J;
			p++;
			break;
		case 't':
			len = L_T;
			p++;
			break;
		default:
			break;
		}

		char conv = *p;
		if (conv)
			p++;
		switch (conv) {
		case 'd':
		case 'i': {
			int64_t v;
			switch (len) {
			case L_HH: v = (signed char)va_arg(ap, int); break;
			case L_H: v = (short)va_arg(ap, int); break;
			case L_L: v = va_arg(ap, long); break;
			case L_LL: v = va_arg(ap, long long); break;
			case L_Z: v = va_arg(ap, ptrdiff_t); break;
			case L_J: v = va_arg(ap, intmax_t); break;
			case L_T: v = va_arg(ap, ptrdiff_t); break;
			default: v = va_arg(ap, int); break;
			}
			uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
			put_int(s, mag, v < 0, 10, false, flags, width, prec, true, false);
			break;
		}
		case 'u':
		case 'x':
		case 'X':
		case 'o': {
			uint64_t v;
			switch (len) {
			case L_HH: v = (unsigned char)va_arg(ap, unsigned); break;
			case L_H: v = (unsigned short)va_arg(ap, unsigned); break;
			case L_L: v = va_arg(ap, unsigned long); break;
			case L_LL: v = va_arg(ap, unsigned long long); break;
			case L_Z: v = va_arg(ap, size_t); break;
			case L_J: v = va_arg(ap, uintmax_t); break;
			case L_T: v = (uint64_t)va_arg(ap, ptrdiff_t); break;
			default: v = va_arg(ap, unsigned); break;
			}
			unsigned base = conv == 'u' ? 10 : conv == 'o' ? 8 : 16;
			put_int(s, v, false, base, conv == 'X', flags, width, prec, false, false);
			break;
		}
		case 'p': {
			void *v = va_arg(ap, void *);
			if (!v)
				put_str(s, "(nil)", 5, flags, width);
			else
				put_int(s, (uint64_t)(uintptr_t)v, false, 16, false, flags, width, prec, true,
				        true);
			break;
		}
		case 'c': {
			char c = (char)va_arg(ap, int);
			put_str(s, &c, 1, flags, width);
			break;
		}
		case 's': {
			const char *str = va_arg(ap, const char *);
			if (!str)
				str = prec < 0 || prec >= 6 ? "(null)" : "";
			size_t n = prec >= 0 ? strnlen(str, (size_t)prec) : strlen(str);
			put_str(s, str, n, flags, width);
			break;
		}
		case '%':
			fmt_write(s, "%", 1);
			break;
		default:
			/* Unknown or truncated directive: show it as written. */
			fmt_write(s, directive, (size_t)(p - directive));
			break;
		}
	}
}

int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct fmt_sink s = { .buf = buf, .cap = size ? size - 1 : 0 };
	fmt_vformat(&s, fmt, ap);
	if (size)
		buf[s.fill] = '\0';
	return s.total > INT_MAX ? -1 : (int)s.total;
}

int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = fmt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
