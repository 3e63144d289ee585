/* Names on a FAT volume: UTF-8 at the API, UTF-16 in long-name entries,
 * OEM bytes (code page 437) in 8.3 entries; case folding, the long-name
 * checksum, and the short name Windows would derive from a long one. */
#include "protocols/fat/fat_int.h"

int32_t fat__utf8_next(const char *s, size_t len, size_t *i)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t k = *i;
	uint32_t c = p[k], need, min;
	if (c < 0x80) {
		*i = k + 1;
		return (int32_t)c;
	}
	if ((c & 0xE0) == 0xC0)
		need = 1, min = 0x80, c &= 0x1F;
	else if ((c & 0xF0) == 0xE0)
		need = 2, min = 0x800, c &= 0x0F;
	else if ((c & 0xF8) == 0xF0)
		need = 3, min = 0x10000, c &= 0x07;
	else
		return -EINVAL;
	if (len - k <= need)
		return -EINVAL;
	for (uint32_t j = 1; j <= need; j++) {
		if ((p[k + j] & 0xC0) != 0x80)
			return -EINVAL;
		c = c << 6 | (p[k + j] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return -EINVAL;
	*i = k + 1 + need;
	return (int32_t)c;
}

size_t fat__utf8_put(char *out, size_t cap, uint32_t cp)
{
	uint8_t b[4];
	size_t n;
	if (cp < 0x80)
		b[0] = (uint8_t)cp, n = 1;
	else if (cp < 0x800)
		b[0] = (uint8_t)(0xC0 | cp >> 6), b[1] = (uint8_t)(0x80 | (cp & 0x3F)), n = 2;
	else if (cp < 0x10000)
		b[0] = (uint8_t)(0xE0 | cp >> 12), b[1] = (uint8_t)(0x80 | (cp >> 6 & 0x3F)),
		b[2] = (uint8_t)(0x80 | (cp & 0x3F)), n = 3;
	else
		b[0] = (uint8_t)(0xF0 | cp >> 18), b[1] = (uint8_t)(0x80 | (cp >> 12 & 0x3F)),
		b[2] = (uint8_t)(0x80 | (cp >> 6 & 0x3F)), b[3] = (uint8_t)(0x80 | (cp & 0x3F)), n = 4;
	if (n > cap)
		return 0;
	memcpy(out, b, n);
	return n;
}

int fat__name_to_ucs2(const char *name, size_t len, uint16_t *out)
{
	size_t i = 0, n = 0;
	while (i < len) {
		int32_t c = fat__utf8_next(name, len, &i);
		if (c < 0)
			return -EINVAL;
		if (c < 0x20 || c == 0x7F)
			return -EINVAL;
		switch (c) {
		case '"': case '*': case '/': case ':': case '<': case '>': case '?': case '\\': case '|':
			return -EINVAL;
		}
		if (c >= 0x10000) {
			if (n + 2 > 255)
				return -ENAMETOOLONG;
			c -= 0x10000;
			out[n++] = (uint16_t)(0xD800 | (c >> 10));
			out[n++] = (uint16_t)(0xDC00 | (c & 0x3FF));
		} else {
			if (n + 1 > 255)
				return -ENAMETOOLONG;
			out[n++] = (uint16_t)c;
		}
	}
	if (n == 0)
		return -EINVAL;
	return (int)n;
}

size_t fat__ucs2_to_utf8(const uint16_t *u, size_t n, char *out, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		uint32_t c = u[i];
		if (c >= 0xD800 && c <= 0xDBFF && i + 1 < n && u[i + 1] >= 0xDC00 && u[i + 1] <= 0xDFFF) {
			c = 0x10000 + ((c - 0xD800) << 10) + (u[i + 1] - 0xDC00);
			i++;
		} else if (c >= 0xD800 && c <= 0xDFFF) {
			c = 0xFFFD; /* an unpaired surrogate */
		}
		size_t k = fat__utf8_put(out + o, cap - 1 - o, c);
		if (k == 0)
			break;
		o += k;
	}
	out[o] = 0;
	return o;
}

/* Upper case for the scripts names commonly use: ASCII, Latin-1,
 * Latin Extended-A, Greek and Cyrillic. Windows keeps a full table on the
 * volume (exFAT) or in the OS; this covers what matters for matching. */
uint16_t fat__upcase(uint16_t c)
{
	if (c < 0x80)
		return c >= 'a' && c <= 'z' ? (uint16_t)(c - 32) : c;
	if (c >= 0xE0 && c <= 0xFE && c != 0xF7)
		return (uint16_t)(c - 32);
	if (c == 0xFF)
		return 0x178;
	if (c >= 0x100 && c <= 0x17F) {
		/* Pairs: even upper, odd lower, except 0x139-0x148 and 0x179-0x17E
		 * which pair odd upper with even lower. */
		if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E))
			return (c & 1) ? c : (uint16_t)(c - 1);
		if (c == 0x131 || c == 0x138 || c == 0x149 || c == 0x17F)
			return c;
		return (c & 1) ? (uint16_t)(c - 1) : c;
	}
	if (c >= 0x3B1 && c <= 0x3CB && c != 0x3C2)
		return (uint16_t)(c - 32);
	if (c >= 0x430 && c <= 0x44F)
		return (uint16_t)(c - 32);
	if (c >= 0x450 && c <= 0x45F)
		return (uint16_t)(c - 80);
	return c;
}

bool fat__ucs2_eq(const uint16_t *a, size_t alen, const uint16_t *b, size_t blen)
{
	if (alen != blen)
		return false;
	for (size_t i = 0; i < alen; i++)
		if (a[i] != b[i] && fat__upcase(a[i]) != fat__upcase(b[i]))
			return false;
	return true;
}

uint8_t fat__lfn_checksum(const uint8_t *sn)
{
	uint8_t sum = 0;
	for (int i = 0; i < 11; i++)
		sum = (uint8_t)(((sum & 1) ? 0x80 : 0) + (sum >> 1) + sn[i]);
	return sum;
}

/* Code page 437, bytes 0x80-0xFF, as Unicode. */
static const uint16_t cp437_high[128] = {
	0x00C7, 0x00FC, 0x00E9, 0x00E2, 0x00E4, 0x00E0, 0x00E5, 0x00E7,
	0x00EA, 0x00EB, 0x00E8, 0x00EF, 0x00EE, 0x00EC, 0x00C4, 0x00C5,
	0x00C9, 0x00E6, 0x00C6, 0x00F4, 0x00F6, 0x00F2, 0x00FB, 0x00F9,
	0x00FF, 0x00D6, 0x00DC, 0x00A2, 0x00A3, 0x00A5, 0x20A7, 0x0192,
	0x00E1, 0x00ED, 0x00F3, 0x00FA, 0x00F1, 0x00D1, 0x00AA, 0x00BA,
	0x00BF, 0x2310, 0x00AC, 0x00BD, 0x00BC, 0x00A1, 0x00AB, 0x00BB,
	0x2591, 0x2592, 0x2593, 0x2502, 0x2524, 0x2561, 0x2562, 0x2556,
	0x2555, 0x2563, 0x2551, 0x2557, 0x255D, 0x255C, 0x255B, 0x2510,
	0x2514, 0x2534, 0x252C, 0x251C, 0x2500, 0x253C, 0x255E, 0x255F,
	0x255A, 0x2554, 0x2569, 0x2566, 0x2560, 0x2550, 0x256C, 0x2567,
	0x2568, 0x2564, 0x2565, 0x2559, 0x2558, 0x2552, 0x2553, 0x256B,
	0x256A, 0x2518, 0x250C, 0x2588, 0x2584, 0x258C, 0x2590, 0x2580,
	0x03B1, 0x00DF, 0x0393, 0x03C0, 0x03A3, 0x03C3, 0x00B5, 0x03C4,
	0x03A6, 0x0398, 0x03A9, 0x03B4, 0x221E, 0x03C6, 0x03B5, 0x2229,
	0x2261, 0x00B1, 0x2265, 0x2264, 0x2320, 0x2321, 0x00F7, 0x2248,
	0x00B0, 0x2219, 0x00B7, 0x221A, 0x207F, 0x00B2, 0x25A0, 0x00A0,
};

static uint16_t oem_to_ucs2(uint8_t b)
{
	return b < 0x80 ? b : cp437_high[b - 0x80];
}

size_t fat__short_to_ucs2(const uint8_t *de, uint16_t out[12])
{
	size_t n = 0;
	bool lower_base = de[DE_NTRES] & NTRES_LOWER_BASE, lower_ext = de[DE_NTRES] & NTRES_LOWER_EXT;
	int end = 8;
	while (end > 0 && de[end - 1] == ' ')
		end--;
	for (int i = 0; i < end; i++) {
		uint8_t b = de[i];
		if (i == 0 && b == 0x05)
			b = 0xE5; /* a real 0xE5 is stored as 0x05: 0xE5 means deleted */
		uint16_t c = oem_to_ucs2(b);
		if (lower_base && c >= 'A' && c <= 'Z')
			c = (uint16_t)(c + 32);
		out[n++] = c;
	}
	int eend = 11;
	while (eend > 8 && de[eend - 1] == ' ')
		eend--;
	if (eend > 8) {
		out[n++] = '.';
		for (int i = 8; i < eend; i++) {
			uint16_t c = oem_to_ucs2(de[i]);
			if (lower_ext && c >= 'A' && c <= 'Z')
				c = (uint16_t)(c + 32);
			out[n++] = c;
		}
	}
	return n;
}

/* Characters an 8.3 name may hold besides letters and digits. */
static bool short_char_ok(uint16_t c)
{
	if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return true;
	switch (c) {
	case '$': case '%': case '\'': case '-': case '_': case '@': case '~': case '`':
	case '!': case '(': case ')': case '{': case '}': case '^': case '#': case '&':
		return true;
	}
	return false;
}

/* Case of the letters of name[from, to): 1 all upper, 2 all lower, 3 mixed,
 * 0 no letters. */
static int case_of(const uint16_t *name, size_t from, size_t to)
{
	int k = 0;
	for (size_t i = from; i < to; i++) {
		if (name[i] >= 'a' && name[i] <= 'z')
			k |= 2;
		else if (name[i] >= 'A' && name[i] <= 'Z')
			k |= 1;
	}
	return k;
}

int fat__short_basis(const uint16_t *name, size_t n, uint8_t sn[11], uint8_t *ntres)
{
	memset(sn, ' ', 11);
	*ntres = 0;
	/* The extension follows the last dot, if that dot is not leading. */
	size_t dot = n;
	for (size_t i = n; i > 0; i--) {
		if (name[i - 1] == '.') {
			dot = i - 1;
			break;
		}
	}
	size_t lead = 0;
	while (lead < n && (name[lead] == '.' || name[lead] == ' '))
		lead++;
	if (dot < lead)
		dot = n; /* only leading dots: no extension */
	bool lossy = lead > 0;
	size_t b = 0;
	for (size_t i = lead; i < dot; i++) {
		uint16_t c = fat__upcase(name[i]);
		if (c == ' ' || c == '.') {
			lossy = true;
			continue;
		}
		if (!short_char_ok(c))
			c = '_', lossy = true;
		if (b < 8)
			sn[b++] = (uint8_t)c;
		else
			lossy = true;
	}
	size_t e = 8;
	for (size_t i = dot + 1; i < n; i++) {
		uint16_t c = fat__upcase(name[i]);
		if (c == ' ') {
			lossy = true;
			continue;
		}
		if (!short_char_ok(c))
			c = '_', lossy = true;
		if (e < 11)
			sn[e++] = (uint8_t)c;
		else
			lossy = true;
	}
	if (b == 0) {
		sn[0] = '_';
		lossy = true;
	}
	if (lossy)
		return 2;
	/* Fits 8.3: the case must be expressible by the two NT case bits,
	 * else a long entry keeps it (and the basis needs no tail). */
	int cb = case_of(name, 0, dot), ce = dot < n ? case_of(name, dot + 1, n) : 0;
	if (cb == 3 || ce == 3)
		return 1;
	if (cb == 2)
		*ntres |= NTRES_LOWER_BASE;
	if (ce == 2)
		*ntres |= NTRES_LOWER_EXT;
	return 0;
}

void fat__short_tail(uint8_t sn[11], uint32_t n)
{
	char digits[12];
	int d = 0;
	do {
		digits[d++] = (char)('0' + n % 10);
		n /= 10;
	} while (n != 0 && d < 7);
	int base = 0;
	while (base < 8 && sn[base] != ' ')
		base++;
	int at = base + d + 1 <= 8 ? base : 8 - d - 1;
	sn[at++] = '~';
	while (d > 0)
		sn[at++] = (uint8_t)digits[--d];
	while (at < 8)
		sn[at++] = ' ';
}
