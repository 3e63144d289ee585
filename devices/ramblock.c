/* block "ramblock": sectors in memory (devices/ramblock.h). */
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
	memcpy(buf, rb->mem + lba * rb->sector_size, (size_t)count * rb->sector_size);
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
		if (cfg->image != NULL && cfg->image != cfg->mem)
			memcpy(cfg->mem, cfg->image, cfg->image_size < cfg->size ? cfg->image_size : cfg->size);
	} else if (cfg->read_only && cfg->image != NULL && cfg->image_size == bytes) {
		/* Read-only and whole: serve the baked-in bytes in place. */
		state->mem = (uint8_t *)(uintptr_t)cfg->image;
	} else {
		state->mem = plat_calloc(1, (size_t)bytes);
		if (state->mem == NULL)
			return -ENOMEM;
		state->owned = true;
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
