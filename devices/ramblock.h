/* block "ramblock": a disk in memory, empty or initialised from an image
 * baked into the binary at build time (a FAT image of an app's content
 * folder, say). Backend-free, so it runs on every target. */
#ifndef SYNTH_DEVICES_RAMBLOCK_H
#define SYNTH_DEVICES_RAMBLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/block.h"

struct ramblock {
	uint8_t *mem;
	uint64_t sectors;
	uint32_t sector_size;
	bool read_only;
	bool owned;       /* mem came from plat_alloc */
};

struct ramblock_config {
	uint64_t size;             /* param size: bytes (0: the image's size) */
	bool read_only;            /* param read-only */
	const uint8_t *image;      /* baked-in image (filled in by the generated devtab), or NULL */
	uint64_t image_size;
	/* Not parameters: for programs that hand over their own memory
	 * (tests, fuzzers). When set, the disk is mem itself, size bytes. */
	uint8_t *mem;
	uint32_t sector_size;      /* 0: 512 */
};

/* The disk is max(size, image_size) rounded up to whole sectors, zeroed,
 * then the image copied in (a read-only disk uses the image in place).
 * Returns 0, -EINVAL for a bad geometry, or -ENOMEM. Calls
 * block_connected(dev). */
int ramblock_connect(struct block *dev, struct ramblock *state, const struct ramblock_config *cfg);
void ramblock_disconnect(struct ramblock *state);

#endif
