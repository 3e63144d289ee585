/* The kv "fat" and fs "fat" devices (protocols/fat/fat_dev.c) through the
 * device wrappers: format-on-connect, every fs call, sorted listings, and
 * kv reading back what fs wrote, lookups of listed entries (fast, and
 * right when the listing has gone stale); plus the block "file" device on
 * an image file (create, grow, read-only). */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backends/unix/block_file.h"
#include "check.h"
#include "devices/ramblock.h"
#include "protocols/fat/fat_dev.h"

static int64_t fixed_wall(void *s)
{
	(void)s;
	return 1234567890LL * 1000000000LL;
}

static uint64_t fixed_mono(void *s)
{
	(void)s;
	return 1;
}

static const struct clock_ops fixed_clock_ops = {
	.name = "fixed", .version = CLOCK_OPS_V1, .monotonic_ns = fixed_mono, .wall_ns = fixed_wall,
};

struct names {
	char v[16][64];
	int n;
};

static int fs_collect(void *arg, const char *name, const struct fs_stat *st)
{
	struct names *n = arg;
	(void)st;
	if (n->n < 16)
		snprintf(n->v[n->n++], sizeof(n->v[0]), "%s%s", name, st->is_dir ? "/" : "");
	return 0;
}

static int kv_collect(void *arg, const char *name, const struct kv_file *e)
{
	struct names *n = arg;
	if (n->n < 16)
		snprintf(n->v[n->n++], sizeof(n->v[0]), "%s%s", name, (e->flags & KV_DIR) ? "/" : "");
	return 0;
}

static int stop_at_two(void *arg, const char *name, const struct kv_file *e)
{
	(void)name;
	(void)e;
	return ++*(int *)arg == 2 ? 42 : 0;
}

static void test_fs_and_kv(void)
{
	static uint8_t disk[8u << 20];
	struct block blk;
	struct ramblock rb;
	struct ramblock_config rc = { .mem = disk, .size = sizeof(disk) };
	CHECK_EQ_INT(ramblock_connect(&blk, &rb, &rc), 0);
	struct clock clk = { .name = "clock", .ops = &fixed_clock_ops };

	/* An empty device: fs formats it when asked, kv refuses it. */
	static struct kv_fat kst;
	struct kv kv = { .name = "kv" };
	struct kv_fat_config kcfg = { 0 };
	CHECK_EQ_INT(kv_fat_connect(&kv, &kst, &kcfg, &blk), -EUCLEAN);
	static struct fs_fat fst;
	struct fs fs = { .name = "fs" };
	struct fs_fat_config fcfg = { .format = false };
	CHECK_EQ_INT(fs_fat_connect(&fs, &fst, &fcfg, &blk, &clk), -EUCLEAN);
	fcfg.format = true;
	CHECK_EQ_INT(fs_fat_connect(&fs, &fst, &fcfg, &blk, &clk), 0);

	struct fs_file *h;
	static const char *const files[] = { "b.txt", "a.txt", "Capital.txt", "ümlaut.txt" };
	CHECK_EQ_INT(fs_mkdir(&fs, "dir"), 0);
	for (int i = 0; i < 4; i++) {
		char p[64];
		snprintf(p, sizeof(p), "dir/%s", files[i]);
		CHECK_EQ_INT(fs_open(&fs, p, FS_WRITE | FS_CREATE | FS_EXCL, &h), 0);
		CHECK_EQ_INT(fs_write(&fs, h, files[i], strlen(files[i])), (long)strlen(files[i]));
		CHECK_EQ_INT(fs_close(&fs, h), 0);
	}
	CHECK_EQ_INT(fs_open(&fs, "dir/a.txt", FS_WRITE | FS_CREATE | FS_EXCL, &h), -EEXIST);
	CHECK_EQ_INT(fs_mkdir(&fs, "dir/sub"), 0);
	struct names n = { .n = 0 };
	CHECK_EQ_INT(fs_list(&fs, "dir", fs_collect, &n), 0);
	CHECK_EQ_INT(n.n, 5);
	CHECK_EQ_STR(n.v[0], "Capital.txt");
	CHECK_EQ_STR(n.v[1], "a.txt");
	CHECK_EQ_STR(n.v[2], "b.txt");
	CHECK_EQ_STR(n.v[3], "sub/");
	CHECK_EQ_STR(n.v[4], "ümlaut.txt");

	/* Read, seek, truncate, fstat, sync. */
	char buf[64];
	CHECK_EQ_INT(fs_open(&fs, "dir/b.txt", FS_READ | FS_WRITE, &h), 0);
	CHECK_EQ_INT(fs_seek(&fs, h, 0, FS_SEEK_END), 5);
	CHECK_EQ_INT(fs_write(&fs, h, "+more", 5), 5);
	CHECK_EQ_INT(fs_seek(&fs, h, 0, FS_SEEK_SET), 0);
	CHECK_EQ_INT(fs_read(&fs, h, buf, sizeof(buf)), 10);
	CHECK_EQ_MEM(buf, "b.txt+more", 10);
	CHECK_EQ_INT(fs_truncate(&fs, h, 3), 0);
	struct fs_stat st;
	CHECK_EQ_INT(fs_fstat(&fs, h, &st), 0);
	CHECK_EQ_INT(st.size, 3);
	CHECK_EQ_INT(st.mtime_ns, 1234567890LL * 1000000000LL);
	CHECK_EQ_INT(fs_sync(&fs, h), 0);
	CHECK_EQ_INT(fs_close(&fs, h), 0);
	CHECK_EQ_INT(fs_stat(&fs, "dir/sub", &st), 0);
	CHECK(st.is_dir);
	CHECK_EQ_INT(fs_rename(&fs, "dir/a.txt", "dir/sub/moved.txt"), 0);
	CHECK_EQ_INT(fs_unlink(&fs, "dir/Capital.txt"), 0);
	CHECK_EQ_INT(fs_rmdir(&fs, "dir"), -ENOTEMPTY);
	CHECK_EQ_INT(fs_stat(&fs, "dir/a.txt", &st), -ENOENT);
	fs_fat_disconnect(&fst);

	/* kv sees what fs wrote. */
	CHECK_EQ_INT(kv_fat_connect(&kv, &kst, &kcfg, &blk), 0);
	struct kv_file f;
	CHECK_EQ_INT(kv_open(&kv, "dir/b.txt", 9, &f), 0);
	CHECK_EQ_INT(f.size, 3);
	CHECK_EQ_INT(f.mtime_ns, 1234567890LL * 1000000000LL);
	CHECK_EQ_INT(kv_pread(&kv, &f, buf, sizeof(buf), 1), 2);
	CHECK_EQ_MEM(buf, ".t", 2);
	CHECK_EQ_INT(kv_pread(&kv, &f, buf, sizeof(buf), 3), 0);
	kv_close(&kv, &f);
	CHECK_EQ_INT(kv_open(&kv, "dir/sub", 7, &f), 0);
	CHECK(f.flags & KV_DIR);
	kv_close(&kv, &f);
	CHECK_EQ_INT(kv_open(&kv, "dir/nope", 8, &f), -ENOENT);
	CHECK_EQ_INT(kv_open(&kv, "dir/../x", 8, &f), -EINVAL);
	n.n = 0;
	CHECK_EQ_INT(kv_list(&kv, "dir", 3, kv_collect, &n), 0);
	CHECK_EQ_INT(n.n, 3);
	CHECK_EQ_STR(n.v[0], "b.txt");
	CHECK_EQ_STR(n.v[1], "sub/");
	CHECK_EQ_STR(n.v[2], "ümlaut.txt");
	int count = 0;
	CHECK_EQ_INT(kv_list(&kv, "dir", 3, stop_at_two, &count), 42);
	n.n = 0;
	CHECK_EQ_INT(kv_list(&kv, "", 0, kv_collect, &n), 0);
	CHECK_EQ_INT(n.n, 1);
	kv_fat_disconnect(&kst);

	/* Read-only fs: reads work, changes do not. */
	fcfg.read_only = true;
	CHECK_EQ_INT(fs_fat_connect(&fs, &fst, &fcfg, &blk, &clk), 0);
	CHECK_EQ_INT(fs_stat(&fs, "dir/sub/moved.txt", &st), 0);
	CHECK_EQ_INT(fs_mkdir(&fs, "x"), -EROFS);
	CHECK_EQ_INT(fs_open(&fs, "dir/b.txt", FS_WRITE, &h), -EROFS);
	fs_fat_disconnect(&fst);
}

static void test_block_file(void)
{
	char path[] = "/tmp/synth-block-file-XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	close(fd);
	unlink(path);
	struct block dev = { .name = "disk" };
	struct block_file bf;
	struct block_file_config cfg = { .path = path };
	CHECK_EQ_INT(block_file_connect(&dev, &bf, &cfg), -ENOENT); /* must exist */
	cfg.size = 1 << 20;
	CHECK_EQ_INT(block_file_connect(&dev, &bf, &cfg), 0);        /* created */
	CHECK_EQ_INT(dev.info.sectors, 2048);
	CHECK_EQ_INT(dev.info.sector_size, 512);
	uint8_t w[1024], r[1024];
	for (size_t i = 0; i < sizeof(w); i++)
		w[i] = (uint8_t)(i * 3);
	CHECK_EQ_INT(block_write(&dev, 2046, 2, w), 0);
	CHECK_EQ_INT(block_write(&dev, 2047, 2, w), -ERANGE);
	CHECK_EQ_INT(block_flush(&dev), 0);
	CHECK_EQ_INT(block_read(&dev, 2046, 2, r), 0);
	CHECK_EQ_MEM(r, w, sizeof(w));
	block_file_disconnect(&bf);
	cfg.size = 2 << 20; /* grows a shorter file */
	CHECK_EQ_INT(block_file_connect(&dev, &bf, &cfg), 0);
	CHECK_EQ_INT(dev.info.sectors, 4096);
	block_file_disconnect(&bf);
	cfg.read_only = true;
	CHECK_EQ_INT(block_file_connect(&dev, &bf, &cfg), 0);
	CHECK(dev.info.read_only);
	CHECK_EQ_INT(block_read(&dev, 2046, 2, r), 0);
	CHECK_EQ_MEM(r, w, sizeof(w));
	CHECK_EQ_INT(block_write(&dev, 0, 1, w), -EROFS);
	block_file_disconnect(&bf);
	unlink(path);
	cfg.path = "/";
	CHECK_EQ_INT(block_file_connect(&dev, &bf, &cfg), -ENOTBLK);
}

/* Names seen by a listing, in order, for comparison with fat_list. */
struct order {
	char v[700][32];
	int n;
	bool sorted;
};

static int order_fs(void *arg, const char *name, const struct fs_stat *st)
{
	struct order *o = arg;
	(void)st;
	if (o->n > 0 && strcmp(o->v[o->n - 1], name) >= 0)
		o->sorted = false;
	if (o->n < 700)
		snprintf(o->v[o->n++], sizeof(o->v[0]), "%s", name);
	return 0;
}

static int order_fat(void *arg, const struct fat_dirent *e)
{
	struct order *o = arg;
	if (o->n < 700 && strlen(e->name) < sizeof(o->v[0]))
		memcpy(o->v[o->n++], e->name, strlen(e->name) + 1);
	return 0;
}

/* An fs fat device on a freshly formatted 8 MiB ramblock (one at a
 * time: the disk, block and device state are shared). */
static uint8_t fresh_disk[8u << 20];
static struct block blk;
static struct ramblock rb;
static struct clock clk = { .name = "clock", .ops = &fixed_clock_ops };
static struct fs_fat fst;

static void fresh_fs(struct fs *fs)
{
	struct ramblock_config rc = { .mem = fresh_disk, .size = sizeof(fresh_disk) };
	memset(fresh_disk, 0, sizeof(fresh_disk));
	CHECK_EQ_INT(ramblock_connect(&blk, &rb, &rc), 0);
	struct fs_fat_config fcfg = { .format = true };
	CHECK_EQ_INT(fs_fat_connect(fs, &fst, &fcfg, &blk, &clk), 0);
}

/* A listing of hundreds of entries made in a scrambled order comes out
 * sorted and equal to the library's own (allocation-free) fat_list. */
static void test_big_listing(void)
{
	struct fs fs = { .name = "fs" };
	fresh_fs(&fs);
	CHECK_EQ_INT(fs_mkdir(&fs, "many"), 0);
	enum { N = 613 };
	for (int i = 0; i < N; i++) {
		char p[64];
		int k = (i * 379) % N; /* 379 is prime to N: every k once */
		snprintf(p, sizeof(p), k % 5 ? "many/name %d.txt" : "many/D%d", k);
		if (k % 5) {
			struct fs_file *h;
			CHECK_EQ_INT(fs_open(&fs, p, FS_WRITE | FS_CREATE | FS_EXCL, &h), 0);
			CHECK_EQ_INT(fs_close(&fs, h), 0);
		} else {
			CHECK_EQ_INT(fs_mkdir(&fs, p), 0);
		}
	}
	static struct order a, b;
	a.sorted = true;
	CHECK_EQ_INT(fs_list(&fs, "many", order_fs, &a), 0);
	CHECK_EQ_INT(a.n, N);
	CHECK(a.sorted);
	CHECK_EQ_INT(fat_list(&fst.vol, "many", order_fat, &b), 0);
	CHECK_EQ_INT(b.n, N);
	for (int i = 0; i < N && i < a.n && i < b.n; i++)
		CHECK_EQ_STR(a.v[i], b.v[i]);
	fs_fat_disconnect(&fst);
}

static void put_text(struct fs *fs, const char *path, const char *text)
{
	struct fs_file *h;
	CHECK_EQ_INT(fs_open(fs, path, FS_WRITE | FS_CREATE | FS_TRUNCATE, &h), 0);
	CHECK_EQ_INT(fs_write(fs, h, text, strlen(text)), (long)strlen(text));
	CHECK_EQ_INT(fs_close(fs, h), 0);
}

/* path holds text: opened by name, it is that file. */
static void check_text(struct fs *fs, const char *path, const char *text)
{
	struct fs_file *h;
	char got[64] = "";
	int rc = fs_open(fs, path, FS_READ, &h);
	CHECK_EQ_INT(rc, 0);
	if (rc < 0)
		return;
	long n = fs_read(fs, h, got, sizeof(got) - 1);
	CHECK(n >= 0);
	got[n > 0 ? n : 0] = 0;
	CHECK_EQ_STR(got, text);
	CHECK_EQ_INT(fs_close(fs, h), 0);
}

/* Visiting every entry of a listed folder by name costs a check per
 * entry, not a search of the folder (the device hints the library at
 * where the listing saw it); and a hint gone stale (the entry removed,
 * the name made again elsewhere, renamed) still finds the right file. */
static void test_listed_lookups(void)
{
	struct fs fs = { .name = "fs" };
	fresh_fs(&fs);
	CHECK_EQ_INT(fs_mkdir(&fs, "d"), 0);
	enum { N = 600 };
	char p[64], t[64];
	for (int i = 0; i < N; i++) {
		snprintf(p, sizeof(p), "d/file number %d.txt", i);
		snprintf(t, sizeof(t), "text %d", i);
		put_text(&fs, p, t);
	}
	struct fat_volume_info vi;
	CHECK_EQ_INT(fat_volume_info(&fst.vol, &vi), 0);
	uint64_t folder_bytes = (uint64_t)N * 3 * 32; /* each name takes 3 entries */

	static struct order o;
	memset(&o, 0, sizeof(o));
	CHECK_EQ_INT(fs_list(&fs, "/d/", order_fs, &o), 0);
	CHECK_EQ_INT(o.n, N);
	/* In the listing's (sorted) order, which is not the folder's. */
	uint64_t before = blk.stats.bytes_in;
	for (int i = 0; i < o.n; i++) {
		struct fs_stat st;
		snprintf(p, sizeof(p), "d/%s", o.v[i]);
		CHECK_EQ_INT(fs_stat(&fs, p, &st), 0);
		int k = atoi(o.v[i] + strlen("file number "));
		snprintf(t, sizeof(t), "text %d", k);
		CHECK_EQ_INT(st.size, (uint64_t)strlen(t));
		check_text(&fs, p, t);
	}
	uint64_t used = blk.stats.bytes_in - before;
	/* A search per name would read about half the folder each time:
	 * N * folder_bytes / 2, some 50 MiB here. The hinted visits read each
	 * file's data and the odd folder sector. */
	CHECK(used < (uint64_t)N * (vi.cluster_size + 512));
	CHECK(used < (uint64_t)N * folder_bytes / 20);

	/* Stale hints: remove every third listed entry, make the names
	 * again (new entries, elsewhere), rename some others. */
	for (int i = 0; i < o.n; i += 3) {
		snprintf(p, sizeof(p), "d/%s", o.v[i]);
		CHECK_EQ_INT(fs_unlink(&fs, p), 0);
	}
	put_text(&fs, "d/pad, to move entries.txt", "pad"); /* names fit struct order */
	for (int i = 0; i < o.n; i += 3) {
		snprintf(p, sizeof(p), "d/%s", o.v[i]);
		put_text(&fs, p, "made again");
	}
	for (int i = 1; i < o.n; i += 30) {
		char q[64];
		snprintf(p, sizeof(p), "d/%s", o.v[i]);
		snprintf(q, sizeof(q), "d/renamed %d", i);
		CHECK_EQ_INT(fs_rename(&fs, p, q), 0);
	}
	/* The index still holds the first listing's positions. */
	for (int i = 0; i < o.n; i++) {
		snprintf(p, sizeof(p), "d/%s", o.v[i]);
		if (i % 3 == 0) {
			check_text(&fs, p, "made again");
		} else if (i % 30 == 1) {
			struct fs_stat st;
			CHECK_EQ_INT(fs_stat(&fs, p, &st), -ENOENT);
		} else {
			snprintf(t, sizeof(t), "text %d", atoi(o.v[i] + strlen("file number ")));
			check_text(&fs, p, t);
		}
	}
	/* A hint that names another live entry (what a listing position
	 * becomes when a new entry reuses the slots) finds the right one. */
	{
		struct fat_dir dd;
		struct fat_dirent first, second;
		struct fat_stat st;
		CHECK_EQ_INT(fat_dir_open(&fst.vol, &dd, "d"), 0);
		CHECK_EQ_INT(fat_dir_read(&dd, &first), 1);
		CHECK_EQ_INT(fat_dir_read(&dd, &second), 1);
		fat_lookup_hint(&fst.vol, &first.pos);
		char sp[sizeof(second.name) + 2];
		snprintf(sp, sizeof(sp), "d/%s", second.name);
		CHECK_EQ_INT(fat_stat(&fst.vol, sp, &st), 0);
		CHECK_EQ_INT(st.first_cluster, second.st.first_cluster);
		CHECK(st.first_cluster != first.st.first_cluster);
		fat_lookup_hint(&fst.vol, &second.pos); /* and the right one is used */
		CHECK_EQ_INT(fat_stat(&fst.vol, sp, &st), 0);
		CHECK_EQ_INT(st.first_cluster, second.st.first_cluster);
		fat_lookup_hint(&fst.vol, NULL);
	}
	check_text(&fs, "d/pad, to move entries.txt", "pad");
	/* Removing a listed folder's entries one by one: a check each. */
	memset(&o, 0, sizeof(o));
	CHECK_EQ_INT(fs_list(&fs, "d", order_fs, &o), 0);
	CHECK_EQ_INT(o.n, N + 1);
	before = blk.stats.bytes_in;
	for (int i = 0; i < o.n; i++) {
		snprintf(p, sizeof(p), "d/%s", o.v[i]);
		CHECK_EQ_INT(fs_unlink(&fs, p), 0);
	}
	CHECK(blk.stats.bytes_in - before < (uint64_t)o.n * folder_bytes / 20);
	CHECK_EQ_INT(fs_rmdir(&fs, "d"), 0);
	fs_fat_disconnect(&fst);
}

int main(void)
{
	test_fs_and_kv();
	test_big_listing();
	test_listed_lookups();
	test_block_file();
	return check_report();
}
