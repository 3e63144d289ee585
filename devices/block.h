/* block: a disk of fixed-size sectors (an image file on UNIX, blkfront on
 * Xen, or memory). The FAT library sits on top of it. */
#ifndef SYNTH_DEVICES_BLOCK_H
#define SYNTH_DEVICES_BLOCK_H

#include "devices/device.h"

#define BLOCK_OPS_V1 1u

struct block_info {
	uint32_t sector_size; /* bytes, a power of two >= 512 */
	uint64_t sectors;
	bool read_only;
};

struct block_ops {
	DEVICE_OPS_HEADER;
	int (*info)(void *state, struct block_info *out);
	/* Read or write count sectors from sector lba. May block the calling
	 * fiber. Return 0 or a negative errno (-EIO, -EROFS, -ERANGE). */
	int (*read)(void *state, uint64_t lba, uint32_t count, void *buf);
	int (*write)(void *state, uint64_t lba, uint32_t count, const void *buf);
	/* Make every completed write durable. */
	int (*flush)(void *state);
};

struct block {
	const char *name;
	const struct block_ops *ops;
	void *state;
	struct device_stats stats;
	struct block_info info; /* cached by block_connected() */
};

/* Fill b->info; called once after the implementation connected. */
int block_connected(struct block *b);

static inline int block_read(struct block *b, uint64_t lba, uint32_t count, void *buf)
{
	if (lba > b->info.sectors || count > b->info.sectors - lba)
		return (int)device_account(&b->stats, -ERANGE);
	b->stats.bytes_in += (uint64_t)count * b->info.sector_size;
	return (int)device_account(&b->stats, b->ops->read(b->state, lba, count, buf));
}

static inline int block_write(struct block *b, uint64_t lba, uint32_t count, const void *buf)
{
	if (b->info.read_only)
		return (int)device_account(&b->stats, -EROFS);
	if (lba > b->info.sectors || count > b->info.sectors - lba)
		return (int)device_account(&b->stats, -ERANGE);
	b->stats.bytes_out += (uint64_t)count * b->info.sector_size;
	return (int)device_account(&b->stats, b->ops->write(b->state, lba, count, buf));
}

static inline int block_flush(struct block *b)
{
	return (int)device_account(&b->stats, b->ops->flush ? b->ops->flush(b->state) : 0);
}

#endif
