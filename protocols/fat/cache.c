/* The FAT library's sector cache and its ordered write-back. Metadata
 * (FAT sectors, folder sectors, boot sector) goes through a few cached
 * sectors; file data moves between the device and the caller's buffer
 * directly, and the cache is kept coherent with those transfers.
 *
 * Write ordering (the crash-consistency rule the rest of the library
 * relies on; docs/storage.md repeats it):
 *   1. File data and freshly zeroed folder clusters are written at once,
 *      before any FAT entry that makes them part of a chain (a growing
 *      file allocates in steps that leave its dirty FAT sectors in the
 *      cache until the data is out: file.c, growth_step).
 *   2. fat__commit() writes dirty FAT sectors first (each to every FAT
 *      copy, copy 1 first), then dirty folder sectors. A cached folder
 *      sector evicted early forces the FAT sectors out before it, so an
 *      entry never reaches the disk before the chain it points to.
 *   3. Operations that free clusters (truncate, unlink, rmdir, rename
 *      over a file) commit the shrunk or deleted entry before they touch
 *      the FAT, so a chain is never free while an entry still uses it.
 *   4. The dirty flag is written (and flushed) before the first change
 *      after a clean point, and cleared only by fat_sync after all else.
 * With FAT_MOUNT_BARRIERS a block_flush separates each step, for devices
 * whose write cache may reorder. A power cut therefore leaves at worst
 * lost clusters, a chain longer than its entry's size, differing FAT
 * copies or (for rename) two entries sharing a chain: what fsck.fat
 * repairs without touching files the interrupted operation did not. */
#include "protocols/fat/fat_int.h"

const uint8_t fat__zeros[FAT_MAX_SECTOR];

static int dev_read(struct fat_volume *v, uint32_t sector, uint32_t count, void *buf)
{
	return block_read(v->dev, (uint64_t)sector << v->dev_shift, count << v->dev_shift, buf);
}

int fat__dev_write(struct fat_volume *v, uint32_t sector, uint32_t count, const void *buf)
{
	if (v->read_only)
		return -EROFS;
	return block_write(v->dev, (uint64_t)sector << v->dev_shift, count << v->dev_shift, buf);
}

int fat__barrier(struct fat_volume *v)
{
	if (!(v->flags & FAT_MOUNT_BARRIERS))
		return 0;
	return block_flush(v->dev);
}

/* Write one dirty slot: a FAT sector to every copy (or the active one). */
static int slot_write(struct fat_volume *v, unsigned i)
{
	struct fat_cache_slot *s = &v->slots[i];
	int rc = 0;
	if (s->kind == KIND_FAT) {
		for (uint32_t c = 0; c < v->num_fats && rc == 0; c++) {
			if (!v->mirror && c != v->active_fat)
				continue;
			rc = fat__dev_write(v, s->sector + c * v->fat_sectors, 1, v->cache[i]);
		}
	} else {
		rc = fat__dev_write(v, s->sector, 1, v->cache[i]);
	}
	if (rc == 0)
		s->state = 1;
	return rc;
}

/* Write every dirty slot of one kind, lowest sector first. */
static int flush_kind(struct fat_volume *v, enum cache_kind kind)
{
	for (;;) {
		int best = -1;
		for (unsigned i = 0; i < FAT_CACHE_SECTORS; i++) {
			const struct fat_cache_slot *s = &v->slots[i];
			if (s->state == 2 && s->kind == kind &&
			    (best < 0 || s->sector < v->slots[best].sector))
				best = (int)i;
		}
		if (best < 0)
			return 0;
		int rc = slot_write(v, (unsigned)best);
		if (rc < 0)
			return rc;
	}
}

static bool any_dirty(const struct fat_volume *v, enum cache_kind kind)
{
	for (unsigned i = 0; i < FAT_CACHE_SECTORS; i++)
		if (v->slots[i].state == 2 && v->slots[i].kind == kind)
			return true;
	return false;
}

int fat__commit(struct fat_volume *v)
{
	int rc;
	if (any_dirty(v, KIND_FAT)) {
		if ((rc = flush_kind(v, KIND_FAT)) < 0)
			return rc;
		if (any_dirty(v, KIND_META) && (rc = fat__barrier(v)) < 0)
			return rc;
	}
	if (any_dirty(v, KIND_META)) {
		if ((rc = flush_kind(v, KIND_META)) < 0)
			return rc;
	}
	return 0;
}

void fat__cache_drop_all(struct fat_volume *v)
{
	fat__hint_forget(v);
	v->dir_gen++;
	for (unsigned i = 0; i < FAT_CACHE_SECTORS; i++)
		v->slots[i].state = 0;
}

/* Find the slot holding sector, or make room for it (evicting the least
 * recently used, clean slots first). *hit tells which. */
static int slot_for(struct fat_volume *v, uint32_t sector, enum cache_kind kind, bool *hit)
{
	int empty = -1, clean = -1, dirty = -1;
	for (unsigned i = 0; i < FAT_CACHE_SECTORS; i++) {
		struct fat_cache_slot *s = &v->slots[i];
		if (s->state == 0) {
			empty = (int)i;
			continue;
		}
		if (s->sector == sector && s->kind == kind) {
			s->stamp = ++v->stamp;
			*hit = true;
			return (int)i;
		}
		if (s->state == 1 && (clean < 0 || s->stamp < v->slots[clean].stamp))
			clean = (int)i;
		if (s->state == 2 && (dirty < 0 || s->stamp < v->slots[dirty].stamp))
			dirty = (int)i;
	}
	*hit = false;
	int i = empty >= 0 ? empty : clean >= 0 ? clean : dirty;
	if (i == dirty) {
		/* An entry must not reach the disk before the FAT it relies on. */
		int rc;
		if (v->slots[i].kind == KIND_META && (rc = flush_kind(v, KIND_FAT)) < 0)
			return rc;
		if (v->slots[i].state == 2 && (rc = slot_write(v, (unsigned)i)) < 0)
			return rc;
	}
	v->slots[i].state = 0;
	v->slots[i].sector = sector;
	v->slots[i].kind = (uint8_t)kind;
	v->slots[i].stamp = ++v->stamp;
	return i;
}

uint8_t *fat__cache_get(struct fat_volume *v, uint32_t sector, enum cache_kind kind, int *err)
{
	bool hit;
	int i = slot_for(v, sector, kind, &hit);
	if (i < 0) {
		*err = i;
		return NULL;
	}
	if (!hit) {
		uint32_t at = sector;
		if (kind == KIND_FAT)
			at += v->active_fat * v->fat_sectors;
		int rc = dev_read(v, at, 1, v->cache[i]);
		if (rc < 0) {
			*err = rc;
			return NULL;
		}
		v->slots[i].state = 1;
	}
	return v->cache[i];
}

uint8_t *fat__cache_zero(struct fat_volume *v, uint32_t sector, enum cache_kind kind, int *err)
{
	bool hit;
	int i = slot_for(v, sector, kind, &hit);
	if (i < 0) {
		*err = i;
		return NULL;
	}
	memset(v->cache[i], 0, v->sector_size);
	v->slots[i].state = 2;
	return v->cache[i];
}

void fat__cache_mark(struct fat_volume *v, const uint8_t *data)
{
	size_t i = (size_t)(data - &v->cache[0][0]) / FAT_MAX_SECTOR;
	if (i < FAT_CACHE_SECTORS)
		v->slots[i].state = 2;
}

int fat__data_read(struct fat_volume *v, uint32_t sector, uint32_t count, void *buf)
{
	int rc = dev_read(v, sector, count, buf);
	if (rc < 0)
		return rc;
	/* A dirty cached sector is newer than the disk. */
	for (unsigned i = 0; i < FAT_CACHE_SECTORS; i++) {
		const struct fat_cache_slot *s = &v->slots[i];
		if (s->state == 2 && s->kind == KIND_META && s->sector >= sector &&
		    s->sector - sector < count)
			memcpy((uint8_t *)buf + ((size_t)(s->sector - sector) << v->sector_shift),
			       v->cache[i], v->sector_size);
	}
	return 0;
}

int fat__data_write(struct fat_volume *v, uint32_t sector, uint32_t count, const void *buf)
{
	int rc = fat__dev_write(v, sector, count, buf);
	if (rc < 0)
		return rc;
	for (unsigned i = 0; i < FAT_CACHE_SECTORS; i++) {
		struct fat_cache_slot *s = &v->slots[i];
		if (s->state != 0 && s->kind == KIND_META && s->sector >= sector &&
		    s->sector - sector < count) {
			const uint8_t *src = (const uint8_t *)buf +
					     ((size_t)(s->sector - sector) << v->sector_shift);
			if (src != v->cache[i])
				memcpy(v->cache[i], src, v->sector_size);
			s->state = 1;
		}
	}
	return 0;
}
