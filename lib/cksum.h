/* The Internet checksum (RFC 1071): the 16-bit one's complement of the one's
 * complement sum of the data as big-endian 16-bit words. Incremental: feed
 * a packet in pieces of any length (an odd-length piece shifts the next
 * one by a byte, as if they were contiguous), including pseudo-header
 * fields given as numbers.
 *
 *   struct cksum c; cksum_init(&c);
 *   cksum_add(&c, hdr, 20); cksum_add(&c, payload, n);
 *   buf_store_be16(hdr + 10, cksum_finish(&c));   // value to store
 *
 * Over data that includes a correct checksum field, cksum_finish is 0. */
#ifndef SYNTH_LIB_CKSUM_H
#define SYNTH_LIB_CKSUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cksum {
	uint64_t sum; /* in the machine's byte order, unfolded */
	bool odd;     /* the bytes added so far have an odd length */
};

static inline void cksum_init(struct cksum *c)
{
	c->sum = 0;
	c->odd = false;
}

void cksum_add(struct cksum *c, const void *data, size_t len);

/* Add a 16- or 32-bit field as if it were in the data in big-endian order
 * (pseudo-header addresses, protocol, length). */
void cksum_add_be16(struct cksum *c, uint16_t v);
void cksum_add_be32(struct cksum *c, uint32_t v);

/* The checksum to store (big-endian, with buf_store_be16). */
uint16_t cksum_finish(const struct cksum *c);

/* One piece at once. */
uint16_t cksum(const void *data, size_t len);

/* Raw one's complement sum of data (not complemented), as a big-endian
 * value: for code that adjusts checksums incrementally (RFC 1624). */
uint16_t cksum_sum16(const void *data, size_t len);

#endif
