/* Corrupt and hostile FAT images: every BPB field a real image can get
 * wrong is refused at mount with -EUCLEAN, and chains that loop or leave
 * the volume, files longer than their chains and folder cycles give
 * errors, never a crash or a hang. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "devices/ramblock.h"
#include "protocols/fat/fat.h"

#define DISK (4u << 20)

static uint8_t disk[DISK], pristine[DISK];
static struct block dev;
static struct ramblock rb;
static struct fat_volume vol;

static void put16(uint32_t off, uint32_t v) { disk[off] = (uint8_t)v; disk[off + 1] = (uint8_t)(v >> 8); }
static void put32(uint32_t off, uint32_t v) { put16(off, v & 0xFFFF); put16(off + 2, v >> 16); }
static uint32_t get16(uint32_t off) { return disk[off] | disk[off + 1] << 8; }

static void make(enum fat_type type)
{
	memset(disk, 0, sizeof(disk));
	struct ramblock_config cfg = { .mem = disk, .size = DISK };
	CHECK_EQ_INT(ramblock_connect(&dev, &rb, &cfg), 0);
	struct fat_format_opts o = { .type = type, .sectors_per_cluster = type == FAT_TYPE_12 ? 4 : 1 };
	CHECK_EQ_INT(fat_format(&dev, &o), 0);
	CHECK_EQ_INT(fat_mount(&vol, &dev, 0), 0);
	CHECK_EQ_INT(fat_mkdir(&vol, "d1"), 0);
	CHECK_EQ_INT(fat_mkdir(&vol, "d1/d2"), 0);
	struct fat_file f;
	static uint8_t data[20 * 2048];
	size_t n = 20 * vol.cluster_size;
	for (size_t i = 0; i < n; i++)
		data[i] = (uint8_t)i;
	CHECK_EQ_INT(fat_open(&vol, &f, "d1/file.bin", FAT_O_WRITE | FAT_O_CREATE), 0);
	CHECK_EQ_INT(fat_write(&f, data, n), (long)n);
	CHECK_EQ_INT(fat_close(&f), 0);
	CHECK_EQ_INT(fat_unmount(&vol), 0);
	memcpy(pristine, disk, sizeof(disk));
}

static void restore(void)
{
	memcpy(disk, pristine, sizeof(disk));
}

/* Mount a copy with one 16- or 32-bit BPB field changed. */
static int mount_with(uint32_t off, int width, uint32_t value)
{
	restore();
	if (width == 8)
		disk[off] = (uint8_t)value;
	else if (width == 16)
		put16(off, value);
	else
		put32(off, value);
	int rc = fat_mount(&vol, &dev, FAT_MOUNT_RDONLY);
	if (rc == 0)
		fat_unmount(&vol);
	return rc;
}

static void bpb_checks(enum fat_type type)
{
	CHECK_EQ_INT(mount_with(0, 8, 0x00), -EUCLEAN);        /* no jump */
	CHECK_EQ_INT(mount_with(510, 16, 0x0000), -EUCLEAN);   /* no signature */
	CHECK_EQ_INT(mount_with(11, 16, 256), -EUCLEAN);       /* bytes per sector */
	CHECK_EQ_INT(mount_with(11, 16, 768), -EUCLEAN);
	CHECK_EQ_INT(mount_with(11, 16, 8192), -EUCLEAN);
	CHECK_EQ_INT(mount_with(11, 16, 4096), -EUCLEAN);      /* larger: the volume no longer fits */
	CHECK_EQ_INT(mount_with(13, 8, 0), -EUCLEAN);          /* sectors per cluster */
	CHECK_EQ_INT(mount_with(13, 8, 3), -EUCLEAN);
	CHECK_EQ_INT(mount_with(13, 8, 255), -EUCLEAN);
	CHECK_EQ_INT(mount_with(14, 16, 0), -EUCLEAN);         /* reserved sectors */
	CHECK_EQ_INT(mount_with(14, 16, 0xFFFF), -EUCLEAN);    /* reserved past the end */
	CHECK_EQ_INT(mount_with(16, 8, 0), -EUCLEAN);          /* FATs */
	CHECK_EQ_INT(mount_with(21, 8, 0x12), -EUCLEAN);       /* media */
	restore();
	if (get16(19) != 0) { /* the 16-bit count is the one in use */
		CHECK_EQ_INT(mount_with(19, 16, 0), -EUCLEAN);
		CHECK_EQ_INT(mount_with(19, 16, 0xFFFF), -EUCLEAN); /* more than the device */
	} else {
		CHECK_EQ_INT(mount_with(32, 32, 0), -EUCLEAN);
		CHECK_EQ_INT(mount_with(32, 32, DISK), -EUCLEAN);
	}
	if (type == FAT_TYPE_32) {
		CHECK_EQ_INT(mount_with(36, 32, 0), -EUCLEAN);     /* FAT size */
		CHECK_EQ_INT(mount_with(36, 32, 1), -EUCLEAN);     /* too small for the clusters */
		CHECK_EQ_INT(mount_with(17, 16, 512), -EUCLEAN);   /* root entries on FAT32 */
		CHECK_EQ_INT(mount_with(42, 16, 1), -EUCLEAN);     /* version */
		CHECK_EQ_INT(mount_with(44, 32, 0), -EUCLEAN);     /* root cluster */
		CHECK_EQ_INT(mount_with(44, 32, 1), -EUCLEAN);
		CHECK_EQ_INT(mount_with(44, 32, 0x0FFFFFF0), -EUCLEAN);
		CHECK_EQ_INT(mount_with(40, 16, 0x83), -EUCLEAN);  /* active FAT 3 of 2 */
		CHECK_EQ_INT(mount_with(40, 16, 0x81), 0);         /* mirroring off, FAT 2 active */
		/* A broken FSInfo is ignored, not fatal. */
		CHECK_EQ_INT(mount_with(512, 32, 0), 0);
	} else {
		CHECK_EQ_INT(mount_with(22, 16, 0), -EUCLEAN);     /* FAT size */
		CHECK_EQ_INT(mount_with(22, 16, 1), -EUCLEAN);
		CHECK_EQ_INT(mount_with(17, 16, 0), -EUCLEAN);     /* no root entries */
	}
	restore();
	CHECK_EQ_INT(fat_mount(&vol, &dev, 0), 0);
	CHECK_EQ_INT(fat_unmount(&vol), 0);
	/* A device whose sectors are larger than the volume's. */
	struct ramblock rb4;
	struct block dev4;
	struct ramblock_config c4 = { .mem = disk, .size = DISK, .sector_size = 4096 };
	CHECK_EQ_INT(ramblock_connect(&dev4, &rb4, &c4), 0);
	CHECK_EQ_INT(fat_mount(&vol, &dev4, 0), -EINVAL);
	/* Too small a device. */
	struct ramblock_config c1 = { .mem = disk, .size = 512 };
	CHECK_EQ_INT(ramblock_connect(&dev4, &rb4, &c1), 0);
	CHECK_EQ_INT(fat_mount(&vol, &dev4, 0), -EUCLEAN);
}

/* Where things are, from the mounted volume's geometry. */
static uint32_t fat_off(uint32_t c)
{
	uint32_t base = vol.reserved * vol.sector_size;
	return vol.type == FAT_TYPE_12 ? base + c + c / 2 : base + c * (vol.type / 8);
}

static void set_fat(uint32_t c, uint32_t val)
{
	for (uint32_t k = 0; k < vol.num_fats; k++) {
		uint32_t off = fat_off(c) + k * vol.fat_sectors * vol.sector_size;
		if (vol.type == FAT_TYPE_12) {
			uint32_t raw = get16(off);
			raw = (c & 1) ? (raw & 0x000F) | (val << 4) : (raw & 0xF000) | (val & 0xFFF);
			put16(off, raw);
		} else if (vol.type == FAT_TYPE_16) {
			put16(off, val);
		} else {
			put32(off, val);
		}
	}
}

static uint32_t cluster_off(uint32_t c)
{
	return (vol.data_sector + (c - 2) * (vol.cluster_size / vol.sector_size)) * vol.sector_size;
}

/* The byte offset of the short entry called name (11 bytes) in cluster c. */
static uint32_t entry_off(uint32_t c, const char *name)
{
	for (uint32_t o = 0; o < vol.cluster_size; o += 32)
		if (!memcmp(disk + cluster_off(c) + o, name, 11))
			return cluster_off(c) + o;
	return 0;
}

static long read_all(const char *path)
{
	struct fat_file f;
	int rc = fat_open(&vol, &f, path, FAT_O_READ);
	if (rc < 0)
		return rc;
	static uint8_t buf[1 << 16];
	long total = 0, n;
	while ((n = fat_read(&f, buf, sizeof(buf))) > 0)
		total += n;
	fat_close(&f);
	return n < 0 ? n : total;
}

static int list_all(const char *path)
{
	struct fat_dir d;
	struct fat_dirent e;
	int rc = fat_dir_open(&vol, &d, path), n = 0;
	if (rc < 0)
		return rc;
	while ((rc = fat_dir_read(&d, &e)) > 0)
		n++;
	return rc < 0 ? rc : n;
}

static void chain_checks(enum fat_type type)
{
	struct fat_stat st, d1, d2;
	restore();
	CHECK_EQ_INT(fat_mount(&vol, &dev, 0), 0);
	CHECK_EQ_INT(fat_stat(&vol, "d1/file.bin", &st), 0);
	CHECK_EQ_INT(fat_stat(&vol, "d1", &d1), 0);
	CHECK_EQ_INT(fat_stat(&vol, "d1/d2", &d2), 0);
	uint32_t c0 = st.first_cluster, max = vol.max_cluster;
	uint32_t eoc = type == FAT_TYPE_12 ? 0xFFF : type == FAT_TYPE_16 ? 0xFFFF : 0x0FFFFFFF;
	CHECK_EQ_INT(read_all("d1/file.bin"), 20 * vol.cluster_size);
	CHECK_EQ_INT(fat_unmount(&vol), 0);

	struct {
		const char *what;
		uint32_t cluster, value;
	} links[] = {
		{ "loop back to the start", c0 + 10, c0 },
		{ "loop onto itself", c0 + 3, c0 + 3 },
		{ "free cluster inside", c0 + 5, 0 },
		{ "reserved value 1", c0 + 5, 1 },
		{ "beyond the volume", c0 + 5, max + 1 },
		{ "bad cluster mark", c0 + 5, eoc - 8 },
		{ "early end", c0 + 2, eoc },
	};
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		restore();
		CHECK_EQ_INT(fat_mount(&vol, &dev, 0), 0);
		set_fat(links[i].cluster, links[i].value);
		long n = read_all("d1/file.bin");
		if (n != -EUCLEAN)
			fprintf(stderr, "%s: read gave %ld\n", links[i].what, n);
		CHECK_EQ_INT(n, -EUCLEAN);
		/* Writing to the end, truncating and deleting stay safe too. */
		struct fat_file f;
		CHECK_EQ_INT(fat_open(&vol, &f, "d1/file.bin", FAT_O_WRITE | FAT_O_APPEND), 0);
		CHECK(fat_write(&f, "x", 1) <= 1);
		CHECK(fat_truncate(&f, 100) <= 0);
		fat_close(&f);
		CHECK(fat_unlink(&vol, "d1/file.bin") <= 0);
		fat_unmount(&vol);
	}

	/* A size beyond the chain; a first cluster out of range. */
	restore();
	CHECK_EQ_INT(fat_mount(&vol, &dev, 0), 0);
	uint32_t fe = entry_off(d1.first_cluster, "FILE    BIN");
	CHECK(fe != 0);
	put32(fe + 28, 1000000);
	CHECK_EQ_INT(read_all("d1/file.bin"), -EUCLEAN);
	put32(fe + 28, 20 * vol.cluster_size);
	put16(fe + 26, (max + 5) & 0xFFFF);
	put16(fe + 20, type == FAT_TYPE_32 ? (max + 5) >> 16 : 0);
	fat_unmount(&vol);
	CHECK_EQ_INT(fat_mount(&vol, &dev, 0), 0);
	CHECK_EQ_INT(read_all("d1/file.bin"), -EUCLEAN);
	fat_unmount(&vol);

	/* Folder cycles: d2 pointing at d1, at itself's parent chain, at the root. */
	restore();
	CHECK_EQ_INT(fat_mount(&vol, &dev, 0), 0);
	uint32_t de2 = entry_off(d1.first_cluster, "D2         ");
	CHECK(de2 != 0);
	put16(de2 + 26, d1.first_cluster & 0xFFFF);
	put16(de2 + 20, d1.first_cluster >> 16);
	fat_unmount(&vol);
	CHECK_EQ_INT(fat_mount(&vol, &dev, 0), 0);
	CHECK_EQ_INT(list_all("d1/d2"), -ELOOP);
	CHECK_EQ_INT(list_all("d1/d2/d2/d2"), -ELOOP);
	CHECK_EQ_INT(fat_rmdir(&vol, "d1/d2"), -ENOTEMPTY); /* it lists d1's entries */
	fat_unmount(&vol);
	if (type == FAT_TYPE_32) {
		put16(de2 + 26, vol.root_cluster & 0xFFFF);
		put16(de2 + 20, vol.root_cluster >> 16);
		CHECK_EQ_INT(fat_mount(&vol, &dev, 0), 0);
		CHECK_EQ_INT(list_all("d1/d2"), -ELOOP);
		fat_unmount(&vol);
	}
	/* A folder whose chain loops forever. */
	restore();
	CHECK_EQ_INT(fat_mount(&vol, &dev, 0), 0);
	set_fat(d2.first_cluster, d2.first_cluster);
	int listed = list_all("d1/d2"); /* may stop at the end mark first */
	CHECK(listed == 0 || listed == -EUCLEAN);
	CHECK_EQ_INT(fat_mkdir(&vol, "d1/d2/new"), -EUCLEAN);
	fat_unmount(&vol);
	/* A folder entry with no cluster. */
	restore();
	put16(de2 + 26, 0);
	put16(de2 + 20, 0);
	CHECK_EQ_INT(fat_mount(&vol, &dev, 0), 0);
	CHECK_EQ_INT(list_all("d1/d2"), -EUCLEAN);
	fat_unmount(&vol);
	/* Long-name entries with a wrong checksum fall back to the short name. */
	restore();
	CHECK_EQ_INT(fat_mount(&vol, &dev, 0), 0);
	CHECK_EQ_INT(fat_mkdir(&vol, "d1/A Long Folder Name"), 0);
	CHECK_EQ_INT(fat_unmount(&vol), 0);
	for (uint32_t o = 0; o < vol.cluster_size; o += 32) {
		uint8_t *e = disk + cluster_off(d1.first_cluster) + o;
		if (e[11] == 0x0F)
			e[13] ^= 0x55;
	}
	CHECK_EQ_INT(fat_mount(&vol, &dev, 0), 0);
	struct fat_stat x;
	CHECK_EQ_INT(fat_stat(&vol, "d1/A Long Folder Name", &x), -ENOENT);
	CHECK_EQ_INT(fat_stat(&vol, "d1/ALONGF~1", &x), 0);
	fat_unmount(&vol);
}

int main(void)
{
	static const enum fat_type types[] = { FAT_TYPE_12, FAT_TYPE_16, FAT_TYPE_32 };
	for (int i = 0; i < 3; i++) {
		fprintf(stderr, "-- FAT%d\n", types[i]);
		make(types[i]);
		bpb_checks(types[i]);
		chain_checks(types[i]);
	}
	return check_report();
}
