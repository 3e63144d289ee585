/* Internet checksum, see lib/cksum.h. The one's complement sum does not
 * depend on byte order (RFC 1071, section 2(B)), so the data is summed as
 * native 64-bit words, 32 bytes per loop, with the carries folded back in;
 * only the final 16-bit result is swapped to network order. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lib/cksum.h"

static inline uint64_t add_carry(uint64_t a, uint64_t b)
{
	uint64_t s = a + b;
	return s + (s < a);
}

static inline uint64_t load64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof v);
	return v;
}

/* Sum of a piece starting at an even offset, in native order. */
static uint64_t sum_piece(const uint8_t *p, size_t len)
{
	uint64_t s = 0;
	while (len >= 32) {
		s = add_carry(s, load64(p));
		s = add_carry(s, load64(p + 8));
		s = add_carry(s, load64(p + 16));
		s = add_carry(s, load64(p + 24));
		p += 32;
		len -= 32;
	}
	while (len >= 8) {
		s = add_carry(s, load64(p));
		p += 8;
		len -= 8;
	}
	/* The last 0-7 bytes, at the positions they would have in a word
	 * (constant-size copies, so no call to memcpy). */
	uint8_t t[8] = { 0 };
	size_t i = 0;
	if (len & 4) {
		memcpy(t, p, 4);
		i = 4;
	}
	if (len & 2) {
		memcpy(t + i, p + i, 2);
		i += 2;
	}
	if (len & 1)
		t[i] = p[i];
	return add_carry(s, load64(t));
}

static inline uint16_t fold(uint64_t s)
{
	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffffu) + (s >> 16);
	s = (s & 0xffffu) + (s >> 16);
	return (uint16_t)s;
}

static inline uint16_t swap16(uint16_t v)
{
	return (uint16_t)(v << 8 | v >> 8);
}

void cksum_add(struct cksum *c, const void *data, size_t len)
{
	const uint8_t *p = data;
	if (len == 0)
		return;
	if (c->odd) {
		/* Sum the piece as if it started on an even byte, then shift
		 * it by one byte: in one's complement arithmetic that is a
		 * byte swap of the folded 16-bit sum. */
		c->sum = add_carry(c->sum, swap16(fold(sum_piece(p, len))));
	} else {
		c->sum = add_carry(c->sum, sum_piece(p, len));
	}
	c->odd ^= (len & 1) != 0;
}

void cksum_add_be16(struct cksum *c, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };
	cksum_add(c, b, 2);
}

void cksum_add_be32(struct cksum *c, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };
	cksum_add(c, b, 4);
}

static inline uint16_t to_be_value(uint16_t native_sum)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return swap16(native_sum);
#else
	return native_sum;
#endif
}

uint16_t cksum_finish(const struct cksum *c)
{
	return (uint16_t)~to_be_value(fold(c->sum));
}

uint16_t cksum(const void *data, size_t len)
{
	return (uint16_t)~to_be_value(fold(sum_piece(data, len)));
}

uint16_t cksum_sum16(const void *data, size_t len)
{
	return to_be_value(fold(sum_piece(data, len)));
}
