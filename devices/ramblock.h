/* block "ramblock": a disk in memory, empty or initialised from an image
 * baked into the binary at build time; and block "fatimage", a ramblock
 * holding the FAT volume synth makes of a folder at build time (synth's
 * fatimage generator). Backend-free, so they run on every target. */
#ifndef SYNTH_DEVICES_RAMBLOCK_H
#define SYNTH_DEVICES_RAMBLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/block.h"

struct ramblock {
	uint8_t *mem;
	uint64_t backed;  /* bytes of mem that exist: reads beyond return zeros */
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
 * then the image copied in (a read-only disk uses the image in place,
 * the sectors past its end reading as zeros).
 * Returns 0, -EINVAL for a bad geometry, or -ENOMEM. Calls
 * block_connected(dev). */
int ramblock_connect(struct block *dev, struct ramblock *state, const struct ramblock_config *cfg);
void ramblock_disconnect(struct ramblock *state);

/* A FAT volume baked into the binary: disk_size bytes, of which the
 * first size are stored (the rest is zeros, trimmed at build time). The
 * generated assembly defines one per device (fatimage_DEV.S). */
struct fatimage_image {
	const uint8_t *data;
	uint64_t size;
	uint64_t disk_size;
};

struct block_fatimage {
	struct ramblock rb;
};

struct block_fatimage_config {
	const char *dir;        /* param dir: the folder (used by synth at build time) */
	uint64_t size;          /* param size: the volume's size (build time; 0: fit the folder) */
	uint32_t fat;           /* param fat: 12, 16 or 32 (build time; 0: by size) */
	bool read_only;         /* param read-only */
	const struct fatimage_image *image;  /* filled in by the generated devtab */
};

/* A ramblock of image->disk_size bytes holding the image. Returns 0,
 * -EINVAL without an image, or what ramblock_connect returns. */
int block_fatimage_connect(struct block *dev, struct block_fatimage *state, const struct block_fatimage_config *cfg);
void block_fatimage_disconnect(struct block_fatimage *state);

#endif
