/* Unit test of kv "ramdisk" over hand-built images: exact lookups, folders,
 * pread bounds, sorted listings (with subtrees skipped), zero-copy data,
 * and the validation of malformed images at connect. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "devices/kv_ramdisk.h"

#define E(p, d, f) { p, (const uint8_t *)(d), sizeof(d) - 1, 1700000000000000000 + __LINE__, \
	             sizeof(p) - 1, f }
#define EMPTY_E(p) { p, NULL, 0, 0, sizeof(p) - 1, 0 }
#define DIR_E(p) { p, NULL, 0, 0, sizeof(p) - 1, KV_DIR }

static const char hello[] = "hello, world\n";
static const char deep[] = "deep";
static const char page[] = "<html><body>index</body></html>\n";

static const struct ramdisk_entry small_entries[] = {
	DIR_E("a"),
	DIR_E("a/b"),
	E("a/b.txt", hello, 0),
	E("a/b/c.txt", deep, 0),
	EMPTY_E("a/z"),
	DIR_E("empty"),
	E("index.html", page, 0),
};
static const struct ramdisk_image small = { sizeof small_entries / sizeof small_entries[0], small_entries };

struct listing {
	char names[64][64];
	uint32_t flags[64];
	uint64_t sizes[64];
	int n;
	int stop_at; /* return 7 from this call (0 = never) */
};

static int collect(void *arg, const char *name, const struct kv_file *f)
{
	struct listing *l = arg;
	if (l->n < 64) {
		snprintf(l->names[l->n], sizeof l->names[0], "%s", name);
		l->flags[l->n] = f->flags;
		l->sizes[l->n] = f->size;
	}
	l->n++;
	return l->stop_at && l->n == l->stop_at ? 7 : 0;
}

static int list(struct kv *k, const char *dir, struct listing *l)
{
	memset(l, 0, sizeof *l);
	return kv_list(k, dir, strlen(dir), collect, l);
}

static int open_s(struct kv *k, const char *path, struct kv_file *f)
{
	return kv_open(k, path, strlen(path), f);
}

static void test_small(void)
{
	struct kv k = { .name = "content" };
	struct kv_ramdisk st;
	struct kv_ramdisk_config cfg = { .dir = "site", .image = &small };
	struct kv_file f;
	char buf[64];

	CHECK_EQ_INT(kv_ramdisk_connect(&k, &st, &cfg), 0);
	CHECK_EQ_STR(k.ops->name, "ramdisk");

	CHECK_EQ_INT(open_s(&k, "a/b.txt", &f), 0);
	CHECK_EQ_UINT(f.size, sizeof hello - 1);
	CHECK(f.data == (const void *)hello); /* zero copy */
	CHECK_EQ_UINT(f.flags, 0);
	CHECK_EQ_INT(f.mtime_ns, small_entries[2].mtime_ns);
	memset(buf, 0, sizeof buf);
	CHECK_EQ_INT(kv_pread(&k, &f, buf, sizeof buf, 0), sizeof hello - 1);
	CHECK_EQ_STR(buf, hello);
	CHECK_EQ_INT(kv_pread(&k, &f, buf, 5, 7), 5);
	CHECK_EQ_MEM(buf, "world", 5);
	CHECK_EQ_INT(kv_pread(&k, &f, buf, sizeof buf, 12), 1);
	CHECK_EQ_INT(buf[0], '\n');
	CHECK_EQ_INT(kv_pread(&k, &f, buf, sizeof buf, 13), 0);
	CHECK_EQ_INT(kv_pread(&k, &f, buf, sizeof buf, UINT64_MAX), 0);
	kv_close(&k, &f);

	CHECK_EQ_INT(open_s(&k, "a/b/c.txt", &f), 0);
	CHECK_EQ_UINT(f.size, 4);
	kv_close(&k, &f);
	CHECK_EQ_INT(open_s(&k, "a/z", &f), 0);
	CHECK_EQ_UINT(f.size, 0);
	CHECK_EQ_INT(kv_pread(&k, &f, buf, sizeof buf, 0), 0);
	kv_close(&k, &f);

	/* Folders, the root, and near misses. */
	CHECK_EQ_INT(open_s(&k, "a/b", &f), 0);
	CHECK_EQ_UINT(f.flags, KV_DIR);
	CHECK_EQ_INT(kv_pread(&k, &f, buf, sizeof buf, 0), -EISDIR);
	CHECK_EQ_INT(open_s(&k, "", &f), 0);
	CHECK_EQ_UINT(f.flags, KV_DIR);
	CHECK_EQ_INT(open_s(&k, "a/b.t", &f), -ENOENT);
	CHECK_EQ_INT(open_s(&k, "a/b.txtx", &f), -ENOENT);
	CHECK_EQ_INT(open_s(&k, "A", &f), -ENOENT);
	CHECK_EQ_INT(open_s(&k, "zzz", &f), -ENOENT);
	CHECK_EQ_INT(open_s(&k, "0", &f), -ENOENT);
	/* Malformed paths never reach the implementation. */
	CHECK_EQ_INT(open_s(&k, "/a", &f), -EINVAL);
	CHECK_EQ_INT(open_s(&k, "a/", &f), -EINVAL);
	CHECK_EQ_INT(open_s(&k, "a/../index.html", &f), -EINVAL);
	CHECK_EQ_INT(kv_open(&k, "a/b.txt\0x", 9, &f), -EINVAL);
	/* A path given by length, not NUL-terminated. */
	CHECK_EQ_INT(kv_open(&k, "a/b.txtXYZ", 7, &f), 0);
	CHECK_EQ_UINT(f.size, sizeof hello - 1);

	struct listing l;
	CHECK_EQ_INT(list(&k, "", &l), 0);
	CHECK_EQ_INT(l.n, 3);
	CHECK_EQ_STR(l.names[0], "a");
	CHECK_EQ_STR(l.names[1], "empty");
	CHECK_EQ_STR(l.names[2], "index.html");
	CHECK_EQ_UINT(l.flags[0], KV_DIR);
	CHECK_EQ_UINT(l.sizes[2], sizeof page - 1);

	CHECK_EQ_INT(list(&k, "a", &l), 0);
	CHECK_EQ_INT(l.n, 3);
	CHECK_EQ_STR(l.names[0], "b");
	CHECK_EQ_STR(l.names[1], "b.txt");
	CHECK_EQ_STR(l.names[2], "z");

	CHECK_EQ_INT(list(&k, "a/b", &l), 0);
	CHECK_EQ_INT(l.n, 1);
	CHECK_EQ_STR(l.names[0], "c.txt");

	CHECK_EQ_INT(list(&k, "empty", &l), 0);
	CHECK_EQ_INT(l.n, 0);
	CHECK_EQ_INT(list(&k, "index.html", &l), -ENOTDIR);
	CHECK_EQ_INT(list(&k, "nope", &l), -ENOENT);
	CHECK_EQ_INT(list(&k, "a/", &l), -EINVAL);

	/* A non-zero callback result stops the walk and is returned. */
	memset(&l, 0, sizeof l);
	l.stop_at = 2;
	CHECK_EQ_INT(kv_list(&k, "", 0, collect, &l), 7);
	CHECK_EQ_INT(l.n, 2);

	kv_ramdisk_disconnect(&st);
}

static void test_empty_and_bad(void)
{
	struct kv k;
	struct kv_ramdisk st;
	struct kv_file f;
	struct listing l;

	struct kv_ramdisk_config none = { .dir = ".", .image = NULL };
	CHECK_EQ_INT(kv_ramdisk_connect(&k, &st, &none), 0);
	CHECK_EQ_INT(open_s(&k, "x", &f), -ENOENT);
	CHECK_EQ_INT(list(&k, "", &l), 0);
	CHECK_EQ_INT(l.n, 0);
	kv_ramdisk_disconnect(&st);

	static const struct ramdisk_entry unsorted[] = { E("b", hello, 0), E("a", hello, 0) };
	static const struct ramdisk_image unsorted_img = { 2, unsorted };
	struct kv_ramdisk_config c1 = { .image = &unsorted_img };
	CHECK_EQ_INT(kv_ramdisk_connect(&k, &st, &c1), -EINVAL);

	static const struct ramdisk_entry dup[] = { E("a", hello, 0), E("a", hello, 0) };
	static const struct ramdisk_image dup_img = { 2, dup };
	struct kv_ramdisk_config c2 = { .image = &dup_img };
	CHECK_EQ_INT(kv_ramdisk_connect(&k, &st, &c2), -EINVAL);

	static const struct ramdisk_entry orphan[] = { E("x/y", hello, 0) };
	static const struct ramdisk_image orphan_img = { 1, orphan };
	struct kv_ramdisk_config c3 = { .image = &orphan_img };
	CHECK_EQ_INT(kv_ramdisk_connect(&k, &st, &c3), -EINVAL);

	static const struct ramdisk_entry dotdot[] = { E("..", hello, 0) };
	static const struct ramdisk_image dotdot_img = { 1, dotdot };
	struct kv_ramdisk_config c4 = { .image = &dotdot_img };
	CHECK_EQ_INT(kv_ramdisk_connect(&k, &st, &c4), -EINVAL);

	static const struct ramdisk_entry fileparent[] = { E("f", hello, 0), E("f/g", hello, 0) };
	static const struct ramdisk_image fileparent_img = { 2, fileparent };
	struct kv_ramdisk_config c5 = { .image = &fileparent_img };
	CHECK_EQ_INT(kv_ramdisk_connect(&k, &st, &c5), -EINVAL);
}

/* A generated tree of 40 folders x 50 files (plus a nested folder each),
 * sorted with the same order synth uses, looked up exhaustively. */
struct gen {
	char path[32];
	uint8_t data[8];
};

static int cmp_entry(const void *a, const void *b)
{
	const struct ramdisk_entry *x = a, *y = b;
	size_t n = x->path_len < y->path_len ? x->path_len : y->path_len;
	int c = memcmp(x->path, y->path, n);
	return c ? c : (x->path_len > y->path_len) - (x->path_len < y->path_len);
}

static void test_large(void)
{
	enum { NDIR = 40, NFILE = 50 };
	size_t max = NDIR * (2 + NFILE + 1);
	struct gen *g = calloc(max, sizeof *g);
	struct ramdisk_entry *e = calloc(max, sizeof *e);
	size_t n = 0;

	for (int d = 0; d < NDIR; d++) {
		snprintf(g[n].path, sizeof g[n].path, "d%02d", d);
		e[n] = (struct ramdisk_entry){ g[n].path, NULL, 0, 0, (uint32_t)strlen(g[n].path), KV_DIR };
		n++;
		snprintf(g[n].path, sizeof g[n].path, "d%02d/sub", d);
		e[n] = (struct ramdisk_entry){ g[n].path, NULL, 0, 0, (uint32_t)strlen(g[n].path), KV_DIR };
		n++;
		snprintf(g[n].path, sizeof g[n].path, "d%02d/sub/x", d);
		memcpy(g[n].data, "x", 1);
		e[n] = (struct ramdisk_entry){ g[n].path, g[n].data, 1, 0, (uint32_t)strlen(g[n].path), 0 };
		n++;
		for (int f = 0; f < NFILE; f++) {
			snprintf(g[n].path, sizeof g[n].path, "d%02d/f%03d%s", d, f, f % 3 ? ".txt" : "");
			snprintf((char *)g[n].data, sizeof g[n].data, "%d:%d", d, f);
			e[n] = (struct ramdisk_entry){ g[n].path, g[n].data, strlen((char *)g[n].data), 0,
				                       (uint32_t)strlen(g[n].path), 0 };
			n++;
		}
	}
	qsort(e, n, sizeof *e, cmp_entry);
	struct ramdisk_image img = { n, e };
	struct kv_ramdisk_config cfg = { .image = &img };
	struct kv k;
	struct kv_ramdisk st;
	CHECK_EQ_INT(kv_ramdisk_connect(&k, &st, &cfg), 0);

	int found = 0;
	for (size_t i = 0; i < n; i++) {
		struct kv_file f;
		if (kv_open(&k, e[i].path, e[i].path_len, &f) == 0 && f.data == e[i].data && f.size == e[i].size)
			found++;
	}
	CHECK_EQ_INT(found, (int)n);

	struct listing l;
	CHECK_EQ_INT(list(&k, "", &l), 0);
	CHECK_EQ_INT(l.n, NDIR);
	CHECK_EQ_STR(l.names[0], "d00");
	CHECK_EQ_STR(l.names[NDIR - 1], "d39");
	CHECK_EQ_INT(list(&k, "d07", &l), 0);
	CHECK_EQ_INT(l.n, NFILE + 1);
	CHECK_EQ_STR(l.names[0], "f000");
	CHECK_EQ_STR(l.names[1], "f001.txt");
	CHECK_EQ_STR(l.names[NFILE], "sub");
	CHECK_EQ_UINT(l.flags[NFILE], KV_DIR);
	int sorted = 1;
	for (int i = 1; i < l.n && i < 64; i++)
		sorted &= strcmp(l.names[i - 1], l.names[i]) < 0;
	CHECK(sorted);
	CHECK_EQ_INT(list(&k, "d07/sub", &l), 0);
	CHECK_EQ_INT(l.n, 1);
	CHECK_EQ_STR(l.names[0], "x");

	kv_ramdisk_disconnect(&st);
	free(e);
	free(g);
}

int main(void)
{
	CHECK_EQ_INT(sizeof(struct ramdisk_entry), 40);
	test_small();
	test_empty_and_bad();
	test_large();
	return check_report();
}
