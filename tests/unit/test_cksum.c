/* Unit tests of lib/cksum.c: known vectors (RFC 1071's example, a real
 * IPv4 header), and random data in random pieces, odd lengths and
 * alignments compared with a naive 16-bit implementation. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/cksum.h"
#include "tests/unit/check.h"

static uint16_t naive(const uint8_t *p, size_t len)
{
	uint32_t s = 0;
	for (size_t i = 0; i + 1 < len; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		s += (uint32_t)p[len - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void test_vectors(void)
{
	/* RFC 1071 section 3: the sum of these bytes is ddf2 */
	static const uint8_t rfc[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
	CHECK_EQ_INT(cksum_sum16(rfc, sizeof rfc), 0xddf2);
	CHECK_EQ_INT(cksum(rfc, sizeof rfc), 0xffff & ~0xddf2);

	/* an IPv4 header with its checksum field zeroed; correct value b861 */
	uint8_t ip[20] = { 0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
		           0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7 };
	uint16_t c = cksum(ip, sizeof ip);
	CHECK_EQ_INT(c, 0xb861);
	buf_store_be16(ip + 10, c);
	CHECK_EQ_INT(cksum(ip, sizeof ip), 0); /* verifies to zero */

	CHECK_EQ_INT(cksum(NULL, 0), 0xffff);
	static const uint8_t one[1] = { 0xab };
	CHECK_EQ_INT(cksum(one, 1), (uint16_t)~0xab00);
	static const uint8_t ones[4] = { 0xff, 0xff, 0xff, 0xff };
	CHECK_EQ_INT(cksum(ones, 4), 0);

	/* pseudo-header style numbers */
	struct cksum k;
	cksum_init(&k);
	cksum_add_be32(&k, 0xc0a80001);
	cksum_add_be16(&k, 17);
	cksum_add_be16(&k, 0x73);
	uint8_t raw[8] = { 0xc0, 0xa8, 0x00, 0x01, 0x00, 0x11, 0x00, 0x73 };
	CHECK_EQ_INT(cksum_finish(&k), naive(raw, 8));
	/* numbers after an odd piece */
	cksum_init(&k);
	cksum_add(&k, one, 1);
	cksum_add_be16(&k, 0x1234);
	uint8_t raw2[3] = { 0xab, 0x12, 0x34 };
	CHECK_EQ_INT(cksum_finish(&k), naive(raw2, 3));
}

static void test_random(void)
{
	static uint8_t buf[4096 + 16];
	srand(7);
	for (int iter = 0; iter < 3000; iter++) {
		size_t off = (size_t)rand() % 16;
		size_t len = (size_t)rand() % (iter < 1500 ? 80 : 4096);
		uint8_t *p = buf + off;
		for (size_t i = 0; i < len; i++)
			p[i] = iter % 7 == 0 ? 0xff : (uint8_t)rand();
		uint16_t want = naive(p, len);
		check_count++;
		if (cksum(p, len) != want) {
			check_failed++;
			fprintf(stderr, "cksum mismatch: len %zu off %zu\n", len, off);
		}
		/* the same bytes in random pieces */
		struct cksum k;
		cksum_init(&k);
		size_t pos = 0;
		while (pos < len) {
			size_t n = 1 + (size_t)rand() % (rand() % 2 ? 3 : 100);
			if (n > len - pos)
				n = len - pos;
			cksum_add(&k, p + pos, n);
			pos += n;
		}
		cksum_add(&k, p, 0);
		check_count++;
		if (cksum_finish(&k) != want) {
			check_failed++;
			fprintf(stderr, "incremental cksum mismatch: len %zu off %zu\n", len, off);
		}
	}
}

int main(void)
{
	test_vectors();
	test_random();
	return check_report();
}
