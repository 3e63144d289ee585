/* The fatimage generator: makes a FAT volume in memory holding the files
 * and folders of a scanned tree (ramdisk_scan's rules), with synth's own
 * FAT library (protocols/fat, built into synth), for block fatimage to
 * bake into the binary. The volume is as small as holds the tree (or the
 * size asked for); its bytes after the last used sector are zeros and are
 * left out of the image. Everything in it follows from the tree alone
 * (times are the files' modification times, clamped by ramdisk_scan to
 * SOURCE_DATE_EPOCH; the volume id is a hash of the tree), so the same
 * folder gives the same image. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "protocols/fat/fat.h"
#include "synth/synth.h"

#define FI_SECTOR 512u
#define FI_MAX_BYTES (1ull << 30)   /* larger volumes belong in an image file */
#define FI_ATTEMPTS 48
#define FI_CHUNK (1u << 20)

/* ---- a block device over a buffer ----------------------------------- */

struct memdisk {
	uint8_t *mem;
	uint64_t sectors;
};

static int md_info(void *state, struct block_info *out)
{
	struct memdisk *m = state;
	out->sector_size = FI_SECTOR;
	out->sectors = m->sectors;
	out->read_only = false;
	return 0;
}

static int md_read(void *state, uint64_t lba, uint32_t count, void *buf)
{
	struct memdisk *m = state;
	memcpy(buf, m->mem + lba * FI_SECTOR, (size_t)count * FI_SECTOR);
	return 0;
}

static int md_write(void *state, uint64_t lba, uint32_t count, const void *buf)
{
	struct memdisk *m = state;
	memmove(m->mem + lba * FI_SECTOR, buf, (size_t)count * FI_SECTOR);
	return 0;
}

static const struct block_ops memdisk_ops = {
	.name = "synth-fatimage",
	.version = BLOCK_OPS_V1,
	.info = md_info,
	.read = md_read,
	.write = md_write,
};

/* ---- building ---------------------------------------------------------- */

struct fi_build {
	struct diag *d;
	struct pos where;
	const struct rd_tree *tree;
	struct fat_volume vol;
	int64_t now_ns;        /* what the FAT clock says: the entry being copied's mtime */
	uint8_t *chunk;
};

static int64_t fi_clock(void *arg)
{
	return ((struct fi_build *)arg)->now_ns;
}

/* Directory slots a name takes at most: its 8.3 entry and long entries. */
static uint64_t name_slots(const char *rel)
{
	const char *base = strrchr(rel, '/');
	size_t n = strlen(base ? base + 1 : rel);
	return 1 + (n + 12) / 13;
}

/* A first guess at the volume size: every file rounded up to 4 KiB (the
 * largest cluster below 8 GiB), a cluster per folder, the entries, and
 * room for the tables. The build grows it when it does not fit. */
static uint64_t estimate(const struct rd_tree *t, uint32_t fat)
{
	uint64_t bytes = 0;
	for (size_t i = 0; i < t->n; i++) {
		const struct rd_entry *e = t->e[i];
		bytes += e->dir ? 4096 : (e->size + 4095) / 4096 * 4096;
		bytes += name_slots(e->rel) * 32;
	}
	bytes += bytes / 16 + (64u << 10);
	/* Each type's smallest volume, roughly: a smaller one is refused. */
	uint64_t floor = fat == 32 ? 33u << 20 : fat == 16 ? (2u << 20) + (128u << 10) : 64u << 10;
	return bytes < floor ? floor : bytes;
}

static const char *fi_reason(int rc)
{
	switch (rc) {
	case -EINVAL:
		return "FAT cannot hold this name (control characters, \\ : * ? \" < > |, or a trailing dot or space)";
	case -ENAMETOOLONG:
		return "the name is longer than FAT's 255 characters";
	case -EEXIST:
		return "another name in its folder differs from it only in case (FAT names ignore case)";
	default:
		return strerror(-rc);
	}
}

/* Copy one file in. Returns 0, -ENOSPC (try a larger volume) or another
 * error, already reported unless it is -ENOSPC. */
static int copy_file(struct fi_build *b, const struct rd_entry *e)
{
	struct fat_file f;
	int rc = fat_open(&b->vol, &f, e->rel, FAT_O_WRITE | FAT_O_CREATE | FAT_O_EXCL);
	if (rc < 0) {
		if (rc != -ENOSPC)
			diag_error(b->d, b->where, "fatimage: %s: %s", e->rel, fi_reason(rc));
		return rc;
	}
	int fd = open(e->abs, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		diag_error(b->d, b->where, "fatimage: cannot read %s: %s", e->abs, strerror(errno));
		fat_close(&f);
		return rc;
	}
	for (;;) {
		ssize_t n = read(fd, b->chunk, FI_CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			diag_error(b->d, b->where, "fatimage: cannot read %s: %s", e->abs, strerror(errno));
			break;
		}
		if (n == 0)
			break;
		long w = fat_write(&f, b->chunk, (size_t)n);
		if (w != n) {
			rc = w < 0 ? (int)w : -ENOSPC;
			if (rc == -EFBIG)
				diag_error(b->d, b->where, "fatimage: %s: larger than FAT's 4 GiB file limit", e->rel);
			else if (rc != -ENOSPC)
				diag_error(b->d, b->where, "fatimage: %s: %s", e->rel, strerror(-rc));
			break;
		}
	}
	close(fd);
	int crc = fat_close(&f);
	return rc < 0 ? rc : crc;
}

/* Format the (zeroed) disk and fill it. Returns 0, -ENOSPC when the tree
 * does not fit, -EDOM when the type cannot be made at this size, or
 * another error (reported). */
static int attempt(struct fi_build *b, struct memdisk *m, struct block *dev, uint32_t fat, uint32_t serial,
                   uint32_t root_entries)
{
	memset(dev, 0, sizeof *dev);
	dev->name = "fatimage";
	dev->ops = &memdisk_ops;
	dev->state = m;
	int rc = block_connected(dev);
	if (rc < 0)
		return rc;
	struct fat_format_opts o = {
		.type = (enum fat_type)fat,
		.root_entries = root_entries,
		.serial = serial,
		.clock = fi_clock,
		.clock_arg = b,
	};
	if ((rc = fat_format(dev, &o)) < 0)
		return rc == -EINVAL ? -EDOM : rc;
	if ((rc = fat_mount(&b->vol, dev, 0)) < 0)
		return rc;
	fat_set_clock(&b->vol, fi_clock, b);
	for (size_t i = 0; i < b->tree->n && rc == 0; i++) {
		const struct rd_entry *e = b->tree->e[i];
		b->now_ns = e->mtime_ns;
		if (e->dir) {
			rc = fat_mkdir(&b->vol, e->rel);
			if (rc < 0 && rc != -ENOSPC)
				diag_error(b->d, b->where, "fatimage: %s: %s", e->rel, fi_reason(rc));
		} else {
			rc = copy_file(b, e);
		}
	}
	int urc = fat_unmount(&b->vol);
	return rc < 0 ? rc : urc;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

static uint32_t tree_hash(const struct rd_tree *t)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < t->n; i++) {
		const struct rd_entry *e = t->e[i];
		uint64_t nums[2] = { e->size, (uint64_t)e->mtime_ns };
		for (const char *s = e->rel; *s; s++)
			h = (h ^ (uint8_t)*s) * 16777619u;
		for (size_t k = 0; k < sizeof nums; k++)
			h = (h ^ ((const uint8_t *)nums)[k]) * 16777619u;
	}
	return h ? h : 1;
}

bool fatimage_build(struct diag *d, struct pos where, const struct rd_tree *tree, uint64_t size, uint32_t fat,
                    struct fi_image *out)
{
	memset(out, 0, sizeof *out);
	if (fat != 0 && fat != 12 && fat != 16 && fat != 32) {
		diag_error(d, where, "fatimage: FAT type %u: expected 12, 16 or 32 (or 0 to choose by size)", fat);
		return false;
	}
	if (size > FI_MAX_BYTES) {
		diag_error(d, where, "fatimage: a volume of %llu bytes is too large to bake into a binary (at most %llu; use an image file and block file instead)",
		           (unsigned long long)size, (unsigned long long)FI_MAX_BYTES);
		return false;
	}
	struct fi_build *b = calloc(1, sizeof *b);
	uint8_t *chunk = malloc(FI_CHUNK);
	if (!b || !chunk) {
		free(b);
		free(chunk);
		diag_error(d, where, "fatimage: out of memory");
		return false;
	}
	b->d = d;
	b->where = where;
	b->tree = tree;
	b->chunk = chunk;
	/* The FAT12/16 root has a fixed number of entries: make room for
	 * every name at the top, long entries included. */
	uint64_t root_slots = 1;
	for (size_t i = 0; i < tree->n; i++)
		if (!strchr(tree->e[i]->rel, '/'))
			root_slots += name_slots(tree->e[i]->rel);
	uint32_t root_entries = root_slots > 512 ? (uint32_t)((root_slots + 15) / 16 * 16) : 0;
	if (root_slots > 65520) {
		diag_error(d, where, "fatimage: too many names at the top of the folder for a FAT volume");
		goto fail;
	}
	uint32_t serial = tree_hash(tree);
	uint64_t bytes = size ? size / FI_SECTOR * FI_SECTOR : estimate(tree, fat);
	unsigned before = d->errors;
	for (int tries = 0;; tries++) {
		if (bytes > FI_MAX_BYTES) {
			diag_error(d, where, "fatimage: the folder needs a volume larger than %llu bytes, too large to bake into a binary (use an image file and block file instead)",
			           (unsigned long long)FI_MAX_BYTES);
			goto fail;
		}
		struct memdisk m = { .mem = calloc(1, (size_t)bytes), .sectors = bytes / FI_SECTOR };
		if (!m.mem) {
			diag_error(d, where, "fatimage: out of memory for a %llu-byte volume", (unsigned long long)bytes);
			goto fail;
		}
		struct block dev;
		int rc = attempt(b, &m, &dev, fat, serial, root_entries);
		if (rc == 0) {
			size_t last = (size_t)m.sectors;
			while (last > 1 && all_zero(m.mem + (last - 1) * FI_SECTOR, FI_SECTOR))
				last--;
			out->data = m.mem;
			out->size = last * FI_SECTOR;
			out->disk_size = m.sectors * FI_SECTOR;
			out->type = b->vol.type;
			break;
		}
		free(m.mem);
		if (d->errors != before)
			goto fail;
		if (rc != -ENOSPC && rc != -EDOM) {
			diag_error(d, where, "fatimage: %s", strerror(-rc));
			goto fail;
		}
		if (size || tries + 1 == FI_ATTEMPTS) {
			const char *type = fat == 12 ? "FAT12 " : fat == 16 ? "FAT16 " : fat == 32 ? "FAT32 " : "";
			if (rc == -EDOM)
				diag_error(d, where, "fatimage: no %svolume can be made on %llu bytes%s", type,
				           (unsigned long long)bytes, size ? " (change size or fat)" : "");
			else
				diag_error(d, where, "fatimage: the folder does not fit in a %s%s of %llu bytes%s", type,
				           "volume", (unsigned long long)bytes, size ? " (raise size)" : "");
			goto fail;
		}
		bytes = (bytes + bytes / 4 + 65535) / 65536 * 65536;
	}
	free(chunk);
	free(b);
	return true;
fail:
	free(chunk);
	free(b);
	return false;
}
