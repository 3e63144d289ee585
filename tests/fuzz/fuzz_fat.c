/* libFuzzer harness for protocols/fat: the input is the start of a disk
 * image (the rest of the disk, up to the size its boot sector declares,
 * reads as zeros, so seeds stay small), or a sparse image: the magic
 * "SPARSEFAT\n" then records of a 4-byte little-endian sector number, a
 * 2-byte sector count and those sectors (for FAT32, whose FAT alone is
 * 256 KiB). tests/fuzz/make-fat-seeds.sh makes the seed corpus. Mount read-only, walk every
 * folder, stat and read every file; on small disks also mount a writable
 * copy and create, write, rename and delete. Any crash, sanitizer report
 * or hang is a bug; errors are fine. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocols/fat/fat.h"

#define SECTOR 512u
#define MAX_SECTORS (1u << 17)   /* 64 MiB of virtual disk */
#define RW_MAX_SECTORS 8192u     /* 4 MiB: small enough to copy for writing */

#define SPARSE_MAGIC "SPARSEFAT\n"
#define MAX_EXTENTS 64

struct extent {
	uint32_t lba, count;
	const uint8_t *data;
};

struct vdisk {
	const uint8_t *data;
	size_t len;
	struct extent ext[MAX_EXTENTS]; /* sparse input; n_ext == 0 for raw */
	int n_ext;
	uint8_t *rw;     /* writable copy, or NULL */
};

/* Split a sparse input into extents; returns the sectors it spans. */
static uint32_t parse_sparse(struct vdisk *d, const uint8_t *p, size_t len)
{
	size_t i = sizeof(SPARSE_MAGIC) - 1;
	uint32_t end = 0;
	while (d->n_ext < MAX_EXTENTS && len - i >= 6) {
		uint32_t lba = (uint32_t)p[i] | (uint32_t)p[i + 1] << 8 | (uint32_t)p[i + 2] << 16 | (uint32_t)p[i + 3] << 24;
		uint32_t n = (uint32_t)(p[i + 4] | p[i + 5] << 8);
		i += 6;
		if (n == 0 || (len - i) / SECTOR < n || lba >= MAX_SECTORS || n > MAX_SECTORS - lba)
			break;
		d->ext[d->n_ext++] = (struct extent){ lba, n, p + i };
		i += (size_t)n * SECTOR;
		if (lba + n > end)
			end = lba + n;
	}
	return end;
}

static int vd_info(void *s, struct block_info *out)
{
	(void)s;
	(void)out;
	return 0;
}

static int vd_read(void *s, uint64_t lba, uint32_t n, void *buf)
{
	struct vdisk *d = s;
	size_t off = (size_t)lba * SECTOR, len = (size_t)n * SECTOR;
	if (d->rw != NULL) {
		memcpy(buf, d->rw + off, len);
		return 0;
	}
	memset(buf, 0, len);
	if (d->n_ext == 0) {
		if (off < d->len)
			memcpy(buf, d->data + off, d->len - off < len ? d->len - off : len);
		return 0;
	}
	for (int e = 0; e < d->n_ext; e++) { /* later extents win */
		const struct extent *x = &d->ext[e];
		for (uint32_t k = 0; k < n; k++)
			if (lba + k >= x->lba && lba + k < (uint64_t)x->lba + x->count)
				memcpy((uint8_t *)buf + (size_t)k * SECTOR, x->data + (size_t)(lba + k - x->lba) * SECTOR, SECTOR);
	}
	return 0;
}

static int vd_write(void *s, uint64_t lba, uint32_t n, const void *buf)
{
	struct vdisk *d = s;
	if (d->rw == NULL)
		return -EROFS;
	memcpy(d->rw + (size_t)lba * SECTOR, buf, (size_t)n * SECTOR);
	return 0;
}

static const struct block_ops vd_ops = {
	.name = "fuzz", .version = BLOCK_OPS_V1, .info = vd_info, .read = vd_read, .write = vd_write,
};

static struct fat_volume vol;
static int budget; /* entries left to visit */

static void read_file(const char *path)
{
	struct fat_file f;
	struct fat_stat st;
	if (fat_open(&vol, &f, path, FAT_O_READ) < 0)
		return;
	static uint8_t buf[16384];
	long total = 0, n;
	while (total < (1 << 18) && (n = fat_read(&f, buf, sizeof(buf))) > 0)
		total += n;
	if (fat_fstat(&f, &st) == 0 && st.size > 3000)
		fat_pread(&f, buf, 3000, st.size - 3000);
	fat_close(&f);
}

static void walk(const char *path, int depth)
{
	struct fat_dir d;
	struct fat_dirent e;
	struct fat_stat st;
	if (depth > 8 || fat_dir_open(&vol, &d, path) < 0)
		return;
	while (budget-- > 0 && fat_dir_read(&d, &e) > 0) {
		char sub[2048];
		if (strlen(path) + strlen(e.name) + 2 > sizeof(sub))
			continue;
		snprintf(sub, sizeof(sub), "%s%s%s", path, *path ? "/" : "", e.name);
		fat_stat(&vol, sub, &st);
		/* Again through the listing's position, then through a hint
		 * bent out of shape, as a stale or hostile one would be. */
		fat_lookup_hint(&vol, &e.pos);
		fat_stat(&vol, sub, &st);
		struct fat_pos bent = e.pos;
		bent.first_index ^= (uint32_t)budget & 7;
		bent.index += (uint32_t)budget % 3;
		fat_lookup_hint(&vol, &bent);
		fat_stat(&vol, sub, &st);
		fat_lookup_hint(&vol, NULL);
		if (e.st.is_dir)
			walk(sub, depth + 1);
		else
			read_file(sub);
	}
}

/* Changes on a writable copy: the write paths meet the same corruption. */
static void mutate(void)
{
	struct fat_file f;
	static uint8_t buf[20000];
	memset(buf, 'z', sizeof(buf));
	fat_mkdir(&vol, "fuzz dir");
	if (fat_open(&vol, &f, "fuzz dir/a long file name.txt", FAT_O_WRITE | FAT_O_CREATE) == 0) {
		fat_write(&f, buf, sizeof(buf));
		fat_truncate(&f, 100);
		fat_close(&f);
	}
	struct fat_dir d;
	struct fat_dirent e;
	int n = 0;
	if (fat_dir_open(&vol, &d, "") == 0) {
		while (n++ < 8 && fat_dir_read(&d, &e) > 0) {
			char to[FAT_NAME_MAX + 16];
			snprintf(to, sizeof(to), "fuzz dir/%s", e.name);
			if (e.st.is_dir) {
				fat_rmdir(&vol, e.name);
				continue;
			}
			if (fat_open(&vol, &f, e.name, FAT_O_WRITE | FAT_O_APPEND) == 0) {
				fat_write(&f, buf, 700);
				fat_close(&f);
			}
			fat_rename(&vol, e.name, to);
			fat_unlink(&vol, to);
		}
	}
	struct fat_volume_info vi;
	fat_volume_info(&vol, &vi);
	fat_sync(&vol);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vdisk vd;
	memset(&vd, 0, sizeof(vd));
	vd.data = data;
	vd.len = size;
	uint8_t boot[SECTOR];
	uint32_t sectors;
	if (size >= sizeof(SPARSE_MAGIC) - 1 && !memcmp(data, SPARSE_MAGIC, sizeof(SPARSE_MAGIC) - 1)) {
		sectors = parse_sparse(&vd, data, size);
		if (sectors == 0)
			return 0;
	} else {
		if (size < SECTOR)
			return 0;
		sectors = (uint32_t)((size + SECTOR - 1) / SECTOR);
	}
	vd_read(&vd, 0, 1, boot);
	/* The disk is as large as the boot sector says (within bounds). */
	uint32_t total = (uint32_t)(boot[19] | boot[20] << 8);
	if (total == 0)
		total = (uint32_t)boot[32] | (uint32_t)boot[33] << 8 | (uint32_t)boot[34] << 16 | (uint32_t)boot[35] << 24;
	if (total > sectors)
		sectors = total;
	if (sectors > MAX_SECTORS)
		sectors = MAX_SECTORS;
	struct block dev = { .name = "fuzz", .ops = &vd_ops, .state = &vd };
	dev.info.sector_size = SECTOR;
	dev.info.sectors = sectors;
	dev.info.read_only = true;

	if (fat_mount(&vol, &dev, FAT_MOUNT_RDONLY) == 0) {
		budget = 400;
		walk("", 0);
		struct fat_volume_info vi;
		fat_volume_info(&vol, &vi);
		fat_unmount(&vol);
	}
	if (sectors <= RW_MAX_SECTORS) {
		uint8_t *rw = calloc(sectors, SECTOR);
		vd_read(&vd, 0, sectors, rw);
		vd.rw = rw;
		dev.info.read_only = false;
		if (fat_mount(&vol, &dev, 0) == 0) {
			mutate();
			budget = 400;
			walk("", 0);
			if (fat_unmount(&vol) == 0 && fat_mount(&vol, &dev, 0) == 0) {
				budget = 400;
				walk("", 0);
				fat_unmount(&vol);
			}
		}
		free(vd.rw);
	}
	return 0;
}
