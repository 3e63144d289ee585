/* Unit tests of the FAT library (protocols/fat) on an in-memory disk:
 * format, every file and folder operation on FAT12, FAT16 and FAT32, long
 * and non-ASCII names, persistence across a remount, a full volume, and
 * the free-cluster count staying exact. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "devices/ramblock.h"
#include "protocols/fat/fat.h"

static struct block dev;
static struct ramblock rb;
static struct fat_volume vol;
static uint8_t *disk;

static int64_t fixed_clock(void *arg)
{
	(void)arg;
	return 1700000000LL * 1000000000LL; /* 2023-11-14T22:13:20Z */
}

static void new_disk(uint64_t bytes)
{
	free(disk);
	disk = calloc(1, bytes);
	struct ramblock_config cfg = { .mem = disk, .size = bytes };
	CHECK_EQ_INT(ramblock_connect(&dev, &rb, &cfg), 0);
}

static void mount(void)
{
	CHECK_EQ_INT(fat_mount(&vol, &dev, 0), 0);
	fat_set_clock(&vol, fixed_clock, NULL);
}

static void remount(void)
{
	CHECK_EQ_INT(fat_unmount(&vol), 0);
	mount();
}

static void fill(uint8_t *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)((i * 131 + seed * 7 + (i >> 9)) ^ seed);
}

static void write_file(const char *path, const uint8_t *data, size_t n)
{
	struct fat_file f;
	int rc = fat_open(&vol, &f, path, FAT_O_WRITE | FAT_O_CREATE | FAT_O_TRUNC);
	CHECK_EQ_INT(rc, 0);
	if (rc < 0)
		return;
	size_t done = 0;
	while (done < n) { /* odd-sized pieces cross sector and cluster edges */
		size_t k = n - done < 7777 ? n - done : 7777;
		CHECK_EQ_INT(fat_write(&f, data + done, k), (long)k);
		done += k;
	}
	CHECK_EQ_INT(fat_close(&f), 0);
}

static void check_file(const char *path, const uint8_t *data, size_t n)
{
	struct fat_file f;
	int rc = fat_open(&vol, &f, path, FAT_O_READ);
	CHECK_EQ_INT(rc, 0);
	if (rc < 0)
		return;
	uint8_t *buf = malloc(n + 16);
	long got = fat_read(&f, buf, n + 16);
	CHECK_EQ_INT(got, (long)n);
	if (got == (long)n)
		CHECK_EQ_MEM(buf, data, n);
	free(buf);
	CHECK_EQ_INT(fat_close(&f), 0);
}

static uint32_t free_clusters(void)
{
	struct fat_volume_info vi;
	CHECK_EQ_INT(fat_volume_info(&vol, &vi), 0);
	return vi.free_clusters;
}

/* Count free clusters from scratch (remount with no FSInfo trust). */
static uint32_t recount_free(void)
{
	uint32_t tracked = free_clusters();
	vol.free_count = UINT32_MAX;
	uint32_t counted = free_clusters();
	CHECK_EQ_INT(tracked, counted);
	return counted;
}

struct seen {
	char names[64][FAT_NAME_MAX];
	int n;
};

static void list(const char *path, struct seen *s)
{
	struct fat_dir d;
	struct fat_dirent e;
	s->n = 0;
	CHECK_EQ_INT(fat_dir_open(&vol, &d, path), 0);
	while (fat_dir_read(&d, &e) > 0 && s->n < 64)
		strcpy(s->names[s->n++], e.name);
}

static bool has(const struct seen *s, const char *name)
{
	for (int i = 0; i < s->n; i++)
		if (!strcmp(s->names[i], name))
			return true;
	return false;
}

static void exercise(enum fat_type type, uint64_t bytes)
{
	fprintf(stderr, "-- FAT%d, %llu bytes\n", type, (unsigned long long)bytes);
	new_disk(bytes);
	struct fat_format_opts o = { .type = type, .label = "TESTVOL", .clock = fixed_clock };
	CHECK_EQ_INT(fat_format(&dev, &o), 0);
	mount();
	struct fat_volume_info vi;
	CHECK_EQ_INT(fat_volume_info(&vol, &vi), 0);
	CHECK_EQ_INT(vi.type, type);
	CHECK_EQ_STR(vi.label, "TESTVOL");
	uint32_t free0 = recount_free();

	/* Files of many sizes, folders, long and non-ASCII names. */
	static uint8_t big[300000], other[300000];
	fill(big, sizeof(big), 1);
	fill(other, sizeof(other), 2);
	write_file("small.txt", big, 10);
	write_file("empty", big, 0);
	write_file("Big File With A Long Name.bin", big, sizeof(big));
	CHECK_EQ_INT(fat_mkdir(&vol, "dir"), 0);
	CHECK_EQ_INT(fat_mkdir(&vol, "dir/sub"), 0);
	CHECK_EQ_INT(fat_mkdir(&vol, "dir"), -EEXIST);
	write_file("dir/sub/Grüße ünïcödé €.txt", other, 5000);
	write_file("dir/sub/exactly512", other, 512);
	write_file("dir/MiXeD.TxT", other, 33);
	write_file("dir/lower.txt", other, 1);
	CHECK_EQ_INT(fat_mkdir(&vol, "missing/x"), -ENOENT);
	CHECK_EQ_INT(fat_mkdir(&vol, "small.txt/x"), -ENOTDIR);
	CHECK_EQ_INT(fat_mkdir(&vol, "bad:name"), -EINVAL);
	CHECK_EQ_INT(fat_mkdir(&vol, "trailing."), -EINVAL);
	CHECK_EQ_INT(fat_mkdir(&vol, "dir/../x"), -EINVAL);

	remount();
	check_file("small.txt", big, 10);
	check_file("empty", big, 0);
	check_file("big file with a long name.BIN", big, sizeof(big)); /* any case */
	check_file("dir/sub/Grüße ünïcödé €.txt", other, 5000);
	check_file("DIR/SUB/GRÜßE ÜNÏCÖDÉ €.TXT", other, 5000);
	check_file("dir/sub/exactly512", other, 512);
	check_file("/dir//MIXED.txt", other, 33);
	struct seen s;
	list("dir", &s);
	CHECK_EQ_INT(s.n, 3);
	CHECK(has(&s, "MiXeD.TxT") && has(&s, "lower.txt") && has(&s, "sub"));
	list("", &s);
	CHECK_EQ_INT(s.n, 4);
	CHECK(has(&s, "Big File With A Long Name.bin") && has(&s, "empty"));

	struct fat_stat st;
	CHECK_EQ_INT(fat_stat(&vol, "dir/sub/exactly512", &st), 0);
	CHECK_EQ_INT(st.size, 512);
	CHECK(!st.is_dir);
	CHECK_EQ_INT(st.mtime_ns, 1700000000LL * 1000000000LL);
	CHECK_EQ_INT(fat_stat(&vol, "dir", &st), 0);
	CHECK(st.is_dir);
	CHECK_EQ_INT(fat_stat(&vol, "", &st), 0);
	CHECK(st.is_dir);
	CHECK_EQ_INT(fat_stat(&vol, "nope", &st), -ENOENT);

	/* Seek, overwrite in the middle, sparse extension, truncate. */
	struct fat_file f;
	CHECK_EQ_INT(fat_open(&vol, &f, "small.txt", FAT_O_READ | FAT_O_WRITE), 0);
	CHECK_EQ_INT(fat_seek(&f, 5, FAT_SEEK_SET), 5);
	CHECK_EQ_INT(fat_write(&f, "XY", 2), 2);
	CHECK_EQ_INT(fat_seek(&f, 9000, FAT_SEEK_SET), 9000);
	CHECK_EQ_INT(fat_write(&f, "END", 3), 3);
	CHECK_EQ_INT(fat_seek(&f, 0, FAT_SEEK_END), 9003);
	CHECK_EQ_INT(fat_seek(&f, -10000, FAT_SEEK_CUR), -EINVAL);
	uint8_t buf[9003], want[9003];
	memset(want, 0, sizeof(want));
	memcpy(want, big, 10);
	memcpy(want + 5, "XY", 2);
	memcpy(want + 9000, "END", 3);
	CHECK_EQ_INT(fat_pread(&f, buf, sizeof(buf), 0), 9003);
	CHECK_EQ_MEM(buf, want, sizeof(want));
	CHECK_EQ_INT(fat_truncate(&f, 100), 0);
	CHECK_EQ_INT(fat_fstat(&f, &st), 0);
	CHECK_EQ_INT(st.size, 100);
	CHECK_EQ_INT(fat_truncate(&f, 2000), 0);
	memset(want + 100, 0, 1900);
	CHECK_EQ_INT(fat_pread(&f, buf, 4000, 0), 2000);
	CHECK_EQ_MEM(buf, want, 2000);
	CHECK_EQ_INT(fat_close(&f), 0);
	/* A second handle sees the first one's growth before it is closed. */
	struct fat_file g;
	CHECK_EQ_INT(fat_open(&vol, &f, "small.txt", FAT_O_WRITE | FAT_O_APPEND), 0);
	CHECK_EQ_INT(fat_open(&vol, &g, "small.txt", FAT_O_READ), 0);
	CHECK_EQ_INT(fat_write(&f, "tail", 4), 4);
	CHECK_EQ_INT(fat_pread(&g, buf, 10, 2000), 4);
	CHECK_EQ_MEM(buf, "tail", 4);
	CHECK_EQ_INT(fat_stat(&vol, "small.txt", &st), 0);
	CHECK_EQ_INT(st.size, 2004);
	CHECK_EQ_INT(fat_unlink(&vol, "small.txt"), -EBUSY);
	CHECK_EQ_INT(fat_close(&g), 0);
	CHECK_EQ_INT(fat_close(&f), 0);

	/* Open flags. */
	CHECK_EQ_INT(fat_open(&vol, &f, "empty", FAT_O_WRITE | FAT_O_CREATE | FAT_O_EXCL), -EEXIST);
	CHECK_EQ_INT(fat_open(&vol, &f, "nope", FAT_O_READ), -ENOENT);
	CHECK_EQ_INT(fat_open(&vol, &f, "dir", FAT_O_WRITE), -EISDIR);
	CHECK_EQ_INT(fat_open(&vol, &f, "dir", FAT_O_READ), 0);
	CHECK_EQ_INT(fat_read(&f, buf, 10), -EISDIR);
	CHECK_EQ_INT(fat_rmdir(&vol, "dir/sub"), -ENOTEMPTY);
	CHECK_EQ_INT(fat_close(&f), 0);

	/* Rename: in place (case), across folders, over a file, folders. */
	CHECK_EQ_INT(fat_rename(&vol, "dir/lower.txt", "dir/LOWER.TXT"), 0);
	list("dir", &s);
	CHECK(has(&s, "LOWER.TXT") && !has(&s, "lower.txt"));
	CHECK_EQ_INT(fat_rename(&vol, "dir/LOWER.TXT", "moved with a long name.txt"), 0);
	check_file("moved with a long name.txt", other, 1);
	CHECK_EQ_INT(fat_stat(&vol, "dir/lower.txt", &st), -ENOENT);
	uint32_t before = recount_free();
	CHECK_EQ_INT(fat_rename(&vol, "moved with a long name.txt", "Big File With A Long Name.bin"), 0);
	check_file("Big File With A Long Name.bin", other, 1);
	CHECK(recount_free() > before); /* the replaced file's clusters came back */
	CHECK_EQ_INT(fat_rename(&vol, "dir/sub", "sub2"), 0);
	check_file("sub2/exactly512", other, 512);
	CHECK_EQ_INT(fat_rename(&vol, "dir", "sub2/dir"), 0);
	CHECK_EQ_INT(fat_rename(&vol, "sub2", "sub2/dir/x"), -EINVAL); /* into itself */
	CHECK_EQ_INT(fat_rename(&vol, "sub2/dir", "empty"), -ENOTDIR);
	CHECK_EQ_INT(fat_rename(&vol, "empty", "sub2/dir"), -EISDIR);
	check_file("sub2/dir/MiXeD.TxT", other, 33);
	/* ".." of a moved folder names its new parent: walk up by name. */
	CHECK_EQ_INT(fat_mkdir(&vol, "sub2/dir/deep"), 0);
	CHECK_EQ_INT(fat_rename(&vol, "sub2/dir/deep", "deep"), 0);
	CHECK_EQ_INT(fat_rmdir(&vol, "deep"), 0);

	/* Unlink and rmdir give every cluster back. */
	CHECK_EQ_INT(fat_unlink(&vol, "sub2"), -EISDIR);
	CHECK_EQ_INT(fat_rmdir(&vol, "empty"), -ENOTDIR);
	CHECK_EQ_INT(fat_unlink(&vol, "sub2/dir/MiXeD.TxT"), 0);
	CHECK_EQ_INT(fat_rmdir(&vol, "sub2/dir"), 0);
	CHECK_EQ_INT(fat_unlink(&vol, "sub2/exactly512"), 0);
	CHECK_EQ_INT(fat_unlink(&vol, "sub2/Grüße ünïcödé €.txt"), 0);
	CHECK_EQ_INT(fat_rmdir(&vol, "sub2"), 0);
	CHECK_EQ_INT(fat_unlink(&vol, "Big File With A Long Name.bin"), 0);
	CHECK_EQ_INT(fat_unlink(&vol, "empty"), 0);
	CHECK_EQ_INT(fat_unlink(&vol, "small.txt"), 0);
	CHECK_EQ_INT(fat_rmdir(&vol, ""), -EBUSY);
	list("", &s);
	CHECK_EQ_INT(s.n, 0);
	for (int i = 0; i < s.n; i++)
		fprintf(stderr, "left: %s\n", s.names[i]);
	CHECK_EQ_INT(recount_free(), free0);

	/* Many files in one folder: short-name tails, folder growth. */
	CHECK_EQ_INT(fat_mkdir(&vol, "many"), 0);
	char name[64];
	for (int i = 0; i < 300; i++) {
		snprintf(name, sizeof(name), "many/a rather long name number %d.txt", i);
		write_file(name, (const uint8_t *)name, strlen(name));
	}
	remount();
	for (int i = 0; i < 300; i += 37) {
		snprintf(name, sizeof(name), "many/a rather long name number %d.txt", i);
		check_file(name, (const uint8_t *)name, strlen(name));
	}

	/* Fill the volume: the last write is short, nothing leaks. */
	uint32_t free1 = recount_free();
	CHECK_EQ_INT(fat_open(&vol, &f, "full", FAT_O_WRITE | FAT_O_CREATE), 0);
	long total = 0, w;
	while ((w = fat_write(&f, big, sizeof(big))) == (long)sizeof(big))
		total += w;
	CHECK(w > 0); /* a short write fills the last clusters */
	CHECK_EQ_INT(fat_write(&f, big, 1), -ENOSPC);
	/* A write past the end that cannot reach its offset leaves the
	 * size as it was (no gap filled in vain). */
	struct fat_stat full_st;
	CHECK_EQ_INT(fat_fstat(&f, &full_st), 0);
	CHECK_EQ_INT(fat_truncate(&f, full_st.size - 1), 0); /* room left in the last cluster */
	CHECK_EQ_INT(fat_fstat(&f, &full_st), 0);
	CHECK_EQ_INT(fat_seek(&f, (int64_t)full_st.size + 100000, FAT_SEEK_SET), (int64_t)full_st.size + 100000);
	CHECK_EQ_INT(fat_write(&f, big, 1), -ENOSPC);
	CHECK_EQ_INT(fat_fstat(&f, &st), 0);
	CHECK_EQ_INT(st.size, full_st.size);
	CHECK_EQ_INT(fat_close(&f), 0);
	CHECK_EQ_INT(recount_free(), 0);
	CHECK_EQ_INT(fat_mkdir(&vol, "nospace"), -ENOSPC);
	CHECK_EQ_INT(fat_unlink(&vol, "full"), 0);
	CHECK_EQ_INT(recount_free(), free1);
	CHECK(total > 0);
	CHECK_EQ_INT(fat_unmount(&vol), 0);
	/* Clean after unmount. */
	mount();
	CHECK_EQ_INT(fat_volume_info(&vol, &vi), 0);
	CHECK(!vi.was_dirty);
	CHECK_EQ_INT(fat_unmount(&vol), 0);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* More names with one basis than numeric tails serve: the rest get
 * hashed short names, all distinct. */
static void many_similar(void)
{
	fprintf(stderr, "-- 1100 similar names\n");
	new_disk(64u << 20);
	struct fat_format_opts o = { .type = FAT_TYPE_32 };
	CHECK_EQ_INT(fat_format(&dev, &o), 0);
	mount();
	CHECK_EQ_INT(fat_mkdir(&vol, "d"), 0);
	enum { N = 1100 };
	char name[64];
	for (int i = 0; i < N; i++) {
		snprintf(name, sizeof(name), "d/similar long name %04d.txt", i);
		write_file(name, (const uint8_t *)name, 8);
	}
	remount();
	static char shorts[N][13];
	char *sp[N];
	struct fat_dir d;
	struct fat_dirent e;
	int n = 0;
	CHECK_EQ_INT(fat_dir_open(&vol, &d, "d"), 0);
	while (fat_dir_read(&d, &e) > 0 && n < N) {
		memcpy(shorts[n], e.short_name, 13);
		sp[n] = shorts[n];
		n++;
	}
	CHECK_EQ_INT(n, N);
	qsort(sp, (size_t)n, sizeof(sp[0]), cmp_str);
	int dups = 0;
	for (int i = 1; i < n; i++)
		dups += !strcmp(sp[i - 1], sp[i]);
	CHECK_EQ_INT(dups, 0);
	snprintf(name, sizeof(name), "d/similar long name %04d.txt", N - 1);
	check_file(name, (const uint8_t *)name, 8);
	CHECK_EQ_INT(fat_unmount(&vol), 0);
}

/* Name for entry i of the crowded folder: plain 8.3, lossy long (a ~N
 * tail), and mixed-case 8.3 (kept as a long name) in turn. */
static void crowd_name(char *out, size_t cap, int i)
{
	switch (i % 3) {
	case 0: snprintf(out, cap, "big/file%04d.txt", i); break;
	case 1: snprintf(out, cap, "big/A long name %04d.data", i); break;
	default: snprintf(out, cap, "big/MiX%05d.Txt", i); break;
	}
}

/* Thousands of entries made one after another in one folder (the path
 * that skips rereading it, through the folder hint), mixed with lookups
 * in other case, clashes that must still be refused, creates elsewhere,
 * deletions and re-creations in the holes; after a remount every name is
 * there, exactly once, with distinct short names. */
static void crowded(enum fat_type type, uint64_t bytes)
{
	fprintf(stderr, "-- crowded folder, FAT%d\n", type);
	new_disk(bytes);
	struct fat_format_opts o = { .type = type };
	CHECK_EQ_INT(fat_format(&dev, &o), 0);
	mount();
	CHECK_EQ_INT(fat_mkdir(&vol, "big"), 0);
	CHECK_EQ_INT(fat_mkdir(&vol, "other"), 0);
	enum { N = 2400 };
	static bool gone[N];
	char name[64], other[64];
	struct fat_file f;
	struct fat_stat st;
	for (int i = 0; i < N; i++) {
		crowd_name(name, sizeof(name), i);
		write_file(name, (const uint8_t *)name, strlen(name));
		if (i % 500 == 250) {
			/* Other case: the same entry, found; a clash, refused. */
			CHECK_EQ_INT(fat_stat(&vol, "BIG/FILE0000.TXT", &st), 0);
			CHECK_EQ_INT(fat_open(&vol, &f, "big/a LONG name 0001.DATA", FAT_O_WRITE | FAT_O_CREATE | FAT_O_EXCL),
				     -EEXIST);
			CHECK_EQ_INT(fat_mkdir(&vol, "big/mix00002.txt"), -EEXIST);
			/* Elsewhere, then back. */
			snprintf(other, sizeof(other), "other/x%d", i);
			write_file(other, (const uint8_t *)"x", 1);
		}
	}
	for (int i = 0; i < N; i += 7) {
		crowd_name(name, sizeof(name), i);
		CHECK_EQ_INT(fat_unlink(&vol, name), 0);
		gone[i] = true;
	}
	for (int i = 0; i < N; i += 14) {
		crowd_name(name, sizeof(name), i);
		write_file(name, (const uint8_t *)name, strlen(name));
		gone[i] = false;
	}
	remount();
	for (int i = 0; i < N; i++) {
		crowd_name(name, sizeof(name), i);
		if (gone[i])
			CHECK_EQ_INT(fat_stat(&vol, name, &st), -ENOENT);
		else
			check_file(name, (const uint8_t *)name, strlen(name));
	}
	static char shorts[N][13];
	static char *sp[N];
	struct fat_dir d;
	struct fat_dirent e;
	int n = 0, want = 0;
	for (int i = 0; i < N; i++)
		want += !gone[i];
	CHECK_EQ_INT(fat_dir_open(&vol, &d, "big"), 0);
	while (fat_dir_read(&d, &e) > 0 && n < N) {
		memcpy(shorts[n], e.short_name, 13);
		sp[n] = shorts[n];
		n++;
	}
	CHECK_EQ_INT(n, want);
	qsort(sp, (size_t)n, sizeof(sp[0]), cmp_str);
	int dups = 0;
	for (int i = 1; i < n; i++)
		dups += !strcmp(sp[i - 1], sp[i]);
	CHECK_EQ_INT(dups, 0);
	CHECK_EQ_INT(recount_free(), free_clusters());
	CHECK_EQ_INT(fat_unmount(&vol), 0);
}

/* The FAT12/16 root folder has a fixed size; FAT32's grows. */
static void root_full(enum fat_type type)
{
	fprintf(stderr, "-- full root, FAT%d\n", type);
	new_disk(type == FAT_TYPE_32 ? 64u << 20 : 4u << 20);
	struct fat_format_opts o = { .type = type, .root_entries = 64 };
	CHECK_EQ_INT(fat_format(&dev, &o), 0);
	mount();
	uint32_t free0 = recount_free();
	int made = 0, rc = 0;
	char name[32];
	for (int i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "F%d.TXT", i);
		struct fat_file f;
		if ((rc = fat_open(&vol, &f, name, FAT_O_WRITE | FAT_O_CREATE)) < 0)
			break;
		fat_close(&f);
		made++;
	}
	if (type == FAT_TYPE_32) {
		CHECK_EQ_INT(made, 100);
	} else {
		CHECK_EQ_INT(made, 64);
		CHECK_EQ_INT(rc, -ENOSPC);
		CHECK_EQ_INT(fat_mkdir(&vol, "more"), -ENOSPC);
	}
	for (int i = 0; i < made; i++) {
		snprintf(name, sizeof(name), "f%d.txt", i);
		CHECK_EQ_INT(fat_unlink(&vol, name), 0);
	}
	if (type == FAT_TYPE_32)
		CHECK_EQ_INT(recount_free(), free0 - 6); /* the root grew to 7 clusters of 16 entries */
	else
		CHECK_EQ_INT(recount_free(), free0);
	CHECK_EQ_INT(fat_unmount(&vol), 0);
}

/* A volume of 4096-byte sectors on a device of 512-byte sectors. */
static void big_sectors(void)
{
	fprintf(stderr, "-- 4096-byte sectors\n");
	uint64_t bytes = 32u << 20; /* 8192 sectors: enough clusters for FAT16 */
	free(disk);
	disk = calloc(1, bytes);
	struct ramblock rb4;
	struct block dev4;
	struct ramblock_config c4 = { .mem = disk, .size = bytes, .sector_size = 4096 };
	CHECK_EQ_INT(ramblock_connect(&dev4, &rb4, &c4), 0);
	struct fat_format_opts o = { .type = FAT_TYPE_16, .clock = fixed_clock };
	CHECK_EQ_INT(fat_format(&dev4, &o), 0);
	struct ramblock_config c = { .mem = disk, .size = bytes };
	CHECK_EQ_INT(ramblock_connect(&dev, &rb, &c), 0);
	mount();
	struct fat_volume_info vi;
	CHECK_EQ_INT(fat_volume_info(&vol, &vi), 0);
	CHECK_EQ_INT(vi.sector_size, 4096);
	static uint8_t data[100000];
	fill(data, sizeof(data), 9);
	CHECK_EQ_INT(fat_mkdir(&vol, "folder"), 0);
	write_file("folder/a file.bin", data, sizeof(data));
	remount();
	check_file("folder/a file.bin", data, sizeof(data));
	CHECK_EQ_INT(fat_unmount(&vol), 0);
	CHECK_EQ_INT(fat_mount(&vol, &dev4, 0), 0);
	check_file("folder/a file.bin", data, sizeof(data));
	CHECK_EQ_INT(fat_unmount(&vol), 0);
}

int main(void)
{
	exercise(FAT_TYPE_12, 4u << 20);
	exercise(FAT_TYPE_16, 32u << 20);
	exercise(FAT_TYPE_32, 64u << 20);
	big_sectors();
	root_full(FAT_TYPE_12);
	root_full(FAT_TYPE_16);
	root_full(FAT_TYPE_32);
	many_similar();
	crowded(FAT_TYPE_16, 32u << 20);
	crowded(FAT_TYPE_32, 64u << 20);
	free(disk);
	return check_report();
}
