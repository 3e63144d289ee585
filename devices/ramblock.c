/* block "ramblock" and block "fatimage": sectors in memory
 * (devices/ramblock.h). */
#include <errno.h>
#include <string.h>

#include "devices/ramblock.h"
#include "lib/platform.h"

static int rb_info(void *state, struct block_info *out)
{
	struct ramblock *rb = state;
	out->sector_size = rb->sector_size;
	out->sectors = rb->sectors;
	out->read_only = rb->read_only;
	return 0;
}

static int rb_read(void *state, uint64_t lba, uint32_t count, void *buf)
{
	struct ramblock *rb = state;
	if (lba > rb->sectors || count > rb->sectors - lba)
		return -ERANGE;
	uint64_t at = lba * rb->sector_size, len = (uint64_t)count * rb->sector_size;
	uint64_t have = at < rb->backed ? rb->backed - at : 0;
	if (have > len)
		have = len;
	memcpy(buf, rb->mem + at, (size_t)have);
	memset((uint8_t *)buf + have, 0, (size_t)(len - have));
	return 0;
}

static int rb_write(void *state, uint64_t lba, uint32_t count, const void *buf)
{
	struct ramblock *rb = state;
	if (rb->read_only)
		return -EROFS;
	if (lba > rb->sectors || count > rb->sectors - lba)
		return -ERANGE;
	memmove(rb->mem + lba * rb->sector_size, buf, (size_t)count * rb->sector_size);
	return 0;
}

static int rb_flush(void *state)
{
	(void)state;
	return 0;
}

static const struct block_ops ramblock_ops = {
	.name = "ramblock",
	.version = BLOCK_OPS_V1,
	.info = rb_info,
	.read = rb_read,
	.write = rb_write,
	.flush = rb_flush,
};

int ramblock_connect(struct block *dev, struct ramblock *state, const struct ramblock_config *cfg)
{
	uint32_t ss = cfg->sector_size ? cfg->sector_size : 512;
	if (ss < 512 || (ss & (ss - 1)) != 0)
		return -EINVAL;
	uint64_t bytes = cfg->size > cfg->image_size ? cfg->size : cfg->image_size;
	bytes = (bytes + ss - 1) / ss * ss;
	if (bytes == 0 || bytes > (uint64_t)SIZE_MAX / 2)
		return -EINVAL;
	memset(state, 0, sizeof(*state));
	state->sector_size = ss;
	state->sectors = bytes / ss;
	state->read_only = cfg->read_only;
	if (cfg->mem != NULL) {
		if (cfg->size == 0 || cfg->size % ss != 0)
			return -EINVAL;
		state->mem = cfg->mem;
		state->sectors = cfg->size / ss;
		state->backed = cfg->size;
		if (cfg->image != NULL && cfg->image != cfg->mem)
			memcpy(cfg->mem, cfg->image, cfg->image_size < cfg->size ? cfg->image_size : cfg->size);
	} else if (cfg->read_only && cfg->image != NULL) {
		/* Read-only: serve the baked-in bytes in place; what lies past
		 * the image's end reads as zeros. */
		state->mem = (uint8_t *)(uintptr_t)cfg->image;
		state->backed = cfg->image_size;
	} else {
		state->mem = plat_calloc(1, (size_t)bytes);
		if (state->mem == NULL)
			return -ENOMEM;
		state->owned = true;
		state->backed = bytes;
		if (cfg->image != NULL)
			memcpy(state->mem, cfg->image, (size_t)cfg->image_size);
	}
	dev->ops = &ramblock_ops;
	dev->state = state;
	return block_connected(dev);
}

void ramblock_disconnect(struct ramblock *state)
{
	if (state->owned)
		plat_free(state->mem);
	state->mem = NULL;
	state->owned = false;
}

int block_fatimage_connect(struct block *dev, struct block_fatimage *state, const struct block_fatimage_config *cfg)
{
	const struct fatimage_image *im = cfg->image;
	if (im == NULL || im->data == NULL || im->disk_size < im->size)
		return -EINVAL;
	struct ramblock_config rc = {
		.size = im->disk_size,
		.read_only = cfg->read_only,
		.image = im->data,
		.image_size = im->size,
	};
	return ramblock_connect(dev, &state->rb, &rc);
}

void block_fatimage_disconnect(struct block_fatimage *state)
{
	ramblock_disconnect(&state->rb);
}
