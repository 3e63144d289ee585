/* kv "fat" and fs "fat" (protocols/fat/fat_dev.h): thin adapters from the
 * device interfaces to the FAT library, one volume lock each. */
#include <string.h>

#include "lib/platform.h"
#include "protocols/fat/fat_dev.h"

_Static_assert((int)FAT_O_READ == (int)FS_READ && (int)FAT_O_WRITE == (int)FS_WRITE &&
		       (int)FAT_O_CREATE == (int)FS_CREATE && (int)FAT_O_EXCL == (int)FS_EXCL &&
		       (int)FAT_O_TRUNC == (int)FS_TRUNCATE && (int)FAT_O_APPEND == (int)FS_APPEND,
	       "fs open flags pass through to the FAT library");
_Static_assert((int)FAT_SEEK_SET == (int)FS_SEEK_SET && (int)FAT_SEEK_CUR == (int)FS_SEEK_CUR &&
		       (int)FAT_SEEK_END == (int)FS_SEEK_END,
	       "fs whence values pass through");

/* A FAT call may block in the block device: one caller at a time. */
static void lock(struct cond *idle, bool *busy)
{
	while (*busy)
		cond_wait(idle, SCHED_FOREVER);
	*busy = true;
}

static void unlock(struct cond *idle, bool *busy)
{
	*busy = false;
	cond_signal(idle);
}

/* ---------------------------------------------------------------- listing */

/* A folder's entries read in one pass and sorted by name, which is what
 * kv and fs list. The library's own fat_list needs no memory but a pass
 * over the folder per entry; a device may allocate, and this makes a
 * listing O(n log n). Only when memory runs out does it fall back. */
struct listed {
	struct fat_stat st;
	struct fat_pos pos;
	char name[];
};

struct listing {
	struct listed **v;
	size_t n;
};

static void listing_free(struct listing *l)
{
	for (size_t i = 0; i < l->n; i++)
		plat_free(l->v[i]);
	plat_free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* Bottom-up merge sort of the entry pointers by name (stable; the
 * library offers no allocation-free qsort to freestanding code). */
static int listing_sort(struct listing *l)
{
	size_t n = l->n;
	if (n < 2)
		return 0;
	struct listed **a = l->v, **b = plat_alloc(n * sizeof(*b));
	if (b == NULL)
		return -ENOMEM;
	for (size_t w = 1; w < n; w *= 2) {
		for (size_t lo = 0; lo < n; lo += 2 * w) {
			size_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
			size_t i = lo, j = mid, k = lo;
			while (i < mid && j < hi)
				b[k++] = strcmp(a[i]->name, a[j]->name) <= 0 ? a[i++] : a[j++];
			while (i < mid)
				b[k++] = a[i++];
			while (j < hi)
				b[k++] = a[j++];
		}
		struct listed **t = a;
		a = b;
		b = t;
	}
	l->v = a;
	plat_free(b);
	return 0;
}

static int listing_read(struct fat_volume *v, const char *path, struct listing *l)
{
	struct fat_dir d;
	struct fat_dirent e;
	size_t cap = 0;
	int rc = fat_dir_open(v, &d, path);
	memset(l, 0, sizeof(*l));
	while (rc == 0 && (rc = fat_dir_read(&d, &e)) > 0) {
		if (l->n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			struct listed **nv = plat_realloc(l->v, ncap * sizeof(*nv));
			if (nv == NULL) {
				rc = -ENOMEM;
				break;
			}
			l->v = nv;
			cap = ncap;
		}
		size_t len = strlen(e.name);
		struct listed *x = plat_alloc(sizeof(*x) + len + 1);
		if (x == NULL) {
			rc = -ENOMEM;
			break;
		}
		x->st = e.st;
		x->pos = e.pos;
		memcpy(x->name, e.name, len + 1);
		l->v[l->n++] = x;
		rc = 0;
	}
	if (rc == 0)
		rc = listing_sort(l);
	if (rc < 0)
		listing_free(l);
	return rc;
}

/* kv paths come with a length; the library wants a C string. */
static int cpath(char *out, const char *path, size_t len)
{
	if (len > KV_PATH_MAX)
		return -ENAMETOOLONG;
	memcpy(out, path, len);
	out[len] = 0;
	return 0;
}

/* ---------------------------------------------------------------- kv */

static int kvf_open(void *state, const char *path, size_t len, struct kv_file *out)
{
	struct kv_fat *k = state;
	char p[KV_PATH_MAX + 1];
	int rc = cpath(p, path, len);
	if (rc < 0)
		return rc;
	memset(out, 0, sizeof(*out));
	lock(&k->idle, &k->busy);
	struct fat_stat st;
	rc = fat_stat(&k->vol, p, &st);
	if (rc == 0 && st.is_dir) {
		out->flags = KV_DIR;
		out->mtime_ns = st.mtime_ns;
	} else if (rc == 0) {
		struct fat_file *f = plat_alloc(sizeof(*f));
		rc = f == NULL ? -ENOMEM : fat_open(&k->vol, f, p, FAT_O_READ);
		if (rc == 0) {
			out->size = st.size;
			out->mtime_ns = st.mtime_ns;
			out->handle = (uintptr_t)f;
		} else {
			plat_free(f);
		}
	}
	unlock(&k->idle, &k->busy);
	return rc;
}

static long kvf_pread(void *state, struct kv_file *f, void *buf, size_t len, uint64_t off)
{
	struct kv_fat *k = state;
	if (f->flags & KV_DIR)
		return -EISDIR;
	lock(&k->idle, &k->busy);
	long n = fat_pread((struct fat_file *)f->handle, buf, len, off);
	unlock(&k->idle, &k->busy);
	return n;
}

static void kvf_close(void *state, struct kv_file *f)
{
	struct kv_fat *k = state;
	if (f->handle == 0)
		return;
	lock(&k->idle, &k->busy);
	fat_close((struct fat_file *)f->handle);
	unlock(&k->idle, &k->busy);
	plat_free((void *)f->handle);
	f->handle = 0;
}

struct kv_list_ctx {
	kv_list_fn fn;
	void *arg;
	struct kv_fat *k;
};

static int kv_each(void *arg, const struct fat_dirent *e)
{
	struct kv_list_ctx *c = arg;
	struct kv_file entry = {
		.size = e->st.size,
		.mtime_ns = e->st.mtime_ns,
		.flags = e->st.is_dir ? KV_DIR : 0,
	};
	/* The callback may call back into this device. */
	unlock(&c->k->idle, &c->k->busy);
	int rc = c->fn(c->arg, e->name, &entry);
	lock(&c->k->idle, &c->k->busy);
	return rc;
}

static int kvf_list(void *state, const char *dir, size_t len, kv_list_fn fn, void *arg)
{
	struct kv_fat *k = state;
	char p[KV_PATH_MAX + 1];
	int rc = cpath(p, dir, len);
	if (rc < 0)
		return rc;
	struct listing l;
	lock(&k->idle, &k->busy);
	rc = listing_read(&k->vol, p, &l);
	if (rc == -ENOMEM) {
		struct kv_list_ctx c = { fn, arg, k };
		rc = fat_list(&k->vol, p, kv_each, &c);
		unlock(&k->idle, &k->busy);
		return rc;
	}
	unlock(&k->idle, &k->busy);
	/* The callbacks run unlocked: they may call back into the device. */
	for (size_t i = 0; rc == 0 && i < l.n; i++) {
		struct kv_file entry = {
			.size = l.v[i]->st.size,
			.mtime_ns = l.v[i]->st.mtime_ns,
			.flags = l.v[i]->st.is_dir ? KV_DIR : 0,
		};
		rc = fn(arg, l.v[i]->name, &entry);
	}
	listing_free(&l);
	return rc;
}

static const struct kv_ops kv_fat_ops = {
	.name = "fat",
	.version = KV_OPS_V1,
	.open = kvf_open,
	.pread = kvf_pread,
	.close = kvf_close,
	.list = kvf_list,
};

int kv_fat_connect(struct kv *dev, struct kv_fat *state, const struct kv_fat_config *cfg, struct block *blk)
{
	(void)cfg;
	memset(state, 0, sizeof(*state));
	cond_init(&state->idle);
	int rc = fat_mount(&state->vol, blk, FAT_MOUNT_RDONLY);
	if (rc < 0)
		return rc;
	dev->ops = &kv_fat_ops;
	dev->state = state;
	return 0;
}

void kv_fat_disconnect(struct kv_fat *state)
{
	state->vol.open_files = NULL; /* kv handles die with the device */
	fat_unmount(&state->vol);
}

/* ---------------------------------------------------------------- fs */

/* Where the entries of the folder listed last are. An app that lists a
 * folder and then opens, stats or removes what it found (copying a tree
 * out, removing one) would otherwise have the library search the folder
 * by name for every entry: n searches of n entries. With the entry's
 * position as a hint (fat_lookup_hint), each is one check. Hints are
 * checked by the library, so this index needs no upkeep when the folder
 * changes; it is replaced by the next listing. */
#define RECENT_PATH_MAX 1024 /* longer paths go unhinted */

struct fat_recent_entry {
	uint32_t key;          /* hash of the name's bytes */
	struct fat_pos pos;
};

/* The path without leading, trailing or repeated slashes, into out
 * (size bytes): the same folder gives the same text however written.
 * Returns the length, or -1 when it does not fit. */
static long path_key(const char *path, char *out, size_t size)
{
	size_t n = 0;
	for (const char *p = path; *p;) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		if (n > 0) {
			if (n + 1 >= size)
				return -1;
			out[n++] = '/';
		}
		while (*p && *p != '/') {
			if (n + 1 >= size)
				return -1;
			out[n++] = *p++;
		}
	}
	out[n] = 0;
	return (long)n;
}

static uint32_t name_key(const char *s, size_t n)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (size_t i = 0; i < n; i++)
		h = (h ^ (uint8_t)s[i]) * 16777619u;
	return h;
}

static void recent_free(struct fs_fat_recent *r)
{
	plat_free(r->dir);
	plat_free(r->v);
	memset(r, 0, sizeof(*r));
}

static int recent_cmp(const struct fat_recent_entry *a, const struct fat_recent_entry *b)
{
	return a->key < b->key ? -1 : a->key > b->key;
}

/* Remember where the entries of listing l (of folder dir) are; on any
 * shortage of memory, remember nothing (only speed depends on it). */
static void recent_set(struct fs_fat_recent *r, const char *dir, const struct listing *l)
{
	recent_free(r);
	char key[RECENT_PATH_MAX];
	long kn = path_key(dir, key, sizeof(key));
	if (kn < 0 || l->n == 0)
		return;
	r->dir = plat_alloc((size_t)kn + 1);
	r->v = plat_alloc(l->n * sizeof(*r->v));
	if (r->dir == NULL || r->v == NULL) {
		recent_free(r);
		return;
	}
	memcpy(r->dir, key, (size_t)kn + 1);
	for (size_t i = 0; i < l->n; i++) {
		r->v[i].key = name_key(l->v[i]->name, strlen(l->v[i]->name));
		r->v[i].pos = l->v[i]->pos;
	}
	r->n = l->n;
	/* By key, for the binary search; Shell sort works in place, and
	 * freestanding code has no qsort. */
	for (size_t gap = r->n / 2; gap > 0; gap /= 2)
		for (size_t i = gap; i < r->n; i++) {
			struct fat_recent_entry t = r->v[i];
			size_t j = i;
			for (; j >= gap && recent_cmp(&r->v[j - gap], &t) > 0; j -= gap)
				r->v[j] = r->v[j - gap];
			r->v[j] = t;
		}
}

/* Before a call that looks path up: hint the library at its entry when
 * it is in the folder listed last. */
static void recent_hint(struct fs_fat *k, const char *path)
{
	struct fs_fat_recent *r = &k->recent;
	char key[RECENT_PATH_MAX];
	long kn;
	if (r->n == 0 || (kn = path_key(path, key, sizeof(key))) <= 0)
		return;
	char *slash = strrchr(key, '/');
	const char *last = slash ? slash + 1 : key;
	size_t dn = slash ? (size_t)(slash - key) : 0;
	if (strlen(r->dir) != dn || memcmp(r->dir, key, dn) != 0)
		return;
	uint32_t h = name_key(last, strlen(last));
	size_t lo = 0, hi = r->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (r->v[mid].key < h)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < r->n && r->v[lo].key == h)
		fat_lookup_hint(&k->vol, &r->v[lo].pos);
}

/* A call on path with the lock held and the recent-folder hint given. */
#define FS_HINTED(k, path, call)                    \
	({                                          \
		lock(&(k)->idle, &(k)->busy);       \
		recent_hint((k), (path));           \
		__typeof__(call) r_ = (call);       \
		fat_lookup_hint(&(k)->vol, NULL);   \
		unlock(&(k)->idle, &(k)->busy);     \
		r_;                                 \
	})

struct fs_file {
	struct fat_file f;
};

#define FS_LOCKED(k, call)                       \
	({                                       \
		lock(&(k)->idle, &(k)->busy);    \
		__typeof__(call) r_ = (call);    \
		unlock(&(k)->idle, &(k)->busy);  \
		r_;                              \
	})

static void to_fs_stat(const struct fat_stat *st, struct fs_stat *out)
{
	memset(out, 0, sizeof(*out));
	out->size = st->size;
	out->mtime_ns = st->mtime_ns;
	out->ctime_ns = st->ctime_ns;
	out->is_dir = st->is_dir;
	out->read_only = (st->attr & FAT_ATTR_READ_ONLY) != 0;
}

static int fsf_open(void *state, const char *path, uint32_t flags, struct fs_file **out)
{
	struct fs_fat *k = state;
	struct fs_file *h = plat_alloc(sizeof(*h));
	if (h == NULL)
		return -ENOMEM;
	int rc = FS_HINTED(k, path, fat_open(&k->vol, &h->f, path, flags));
	if (rc < 0) {
		plat_free(h);
		return rc;
	}
	*out = h;
	return 0;
}

static long fsf_read(void *state, struct fs_file *h, void *buf, size_t len)
{
	struct fs_fat *k = state;
	return FS_LOCKED(k, fat_read(&h->f, buf, len));
}

static long fsf_write(void *state, struct fs_file *h, const void *buf, size_t len)
{
	struct fs_fat *k = state;
	return FS_LOCKED(k, fat_write(&h->f, buf, len));
}

static int64_t fsf_seek(void *state, struct fs_file *h, int64_t off, enum fs_whence whence)
{
	struct fs_fat *k = state;
	return FS_LOCKED(k, fat_seek(&h->f, off, (enum fat_whence)whence));
}

static int fsf_truncate(void *state, struct fs_file *h, uint64_t size)
{
	struct fs_fat *k = state;
	return FS_LOCKED(k, fat_truncate(&h->f, size));
}

static int fsf_fstat(void *state, struct fs_file *h, struct fs_stat *out)
{
	struct fs_fat *k = state;
	struct fat_stat st;
	int rc = FS_LOCKED(k, fat_fstat(&h->f, &st));
	if (rc == 0)
		to_fs_stat(&st, out);
	return rc;
}

static int fsf_sync(void *state, struct fs_file *h)
{
	struct fs_fat *k = state;
	return FS_LOCKED(k, h ? fat_fsync(&h->f) : fat_sync(&k->vol));
}

static int fsf_close(void *state, struct fs_file *h)
{
	struct fs_fat *k = state;
	int rc = FS_LOCKED(k, fat_close(&h->f));
	plat_free(h);
	return rc;
}

static int fsf_stat(void *state, const char *path, struct fs_stat *out)
{
	struct fs_fat *k = state;
	struct fat_stat st;
	int rc = FS_HINTED(k, path, fat_stat(&k->vol, path, &st));
	if (rc == 0)
		to_fs_stat(&st, out);
	return rc;
}

static int fsf_rename(void *state, const char *from, const char *to)
{
	struct fs_fat *k = state;
	return FS_HINTED(k, from, fat_rename(&k->vol, from, to));
}

static int fsf_unlink(void *state, const char *path)
{
	struct fs_fat *k = state;
	return FS_HINTED(k, path, fat_unlink(&k->vol, path));
}

static int fsf_mkdir(void *state, const char *path)
{
	struct fs_fat *k = state;
	return FS_LOCKED(k, fat_mkdir(&k->vol, path));
}

static int fsf_rmdir(void *state, const char *path)
{
	struct fs_fat *k = state;
	return FS_HINTED(k, path, fat_rmdir(&k->vol, path));
}

struct fs_list_ctx {
	fs_list_fn fn;
	void *arg;
	struct fs_fat *k;
};

static int fs_each(void *arg, const struct fat_dirent *e)
{
	struct fs_list_ctx *c = arg;
	struct fs_stat st;
	to_fs_stat(&e->st, &st);
	unlock(&c->k->idle, &c->k->busy);
	int rc = c->fn(c->arg, e->name, &st);
	lock(&c->k->idle, &c->k->busy);
	return rc;
}

static int fsf_list(void *state, const char *dir, fs_list_fn fn, void *arg)
{
	struct fs_fat *k = state;
	struct listing l;
	int rc = FS_LOCKED(k, listing_read(&k->vol, dir, &l));
	if (rc == -ENOMEM) {
		struct fs_list_ctx c = { fn, arg, k };
		return FS_LOCKED(k, fat_list(&k->vol, dir, fs_each, &c));
	}
	if (rc == 0) /* touches no volume state and never yields: no lock */
		recent_set(&k->recent, dir, &l);
	for (size_t i = 0; rc == 0 && i < l.n; i++) {
		struct fs_stat st;
		to_fs_stat(&l.v[i]->st, &st);
		rc = fn(arg, l.v[i]->name, &st);
	}
	listing_free(&l);
	return rc;
}

static const struct fs_ops fs_fat_ops = {
	.name = "fat",
	.version = FS_OPS_V1,
	.open = fsf_open,
	.read = fsf_read,
	.write = fsf_write,
	.seek = fsf_seek,
	.truncate = fsf_truncate,
	.fstat = fsf_fstat,
	.sync = fsf_sync,
	.close = fsf_close,
	.stat = fsf_stat,
	.rename = fsf_rename,
	.unlink = fsf_unlink,
	.mkdir = fsf_mkdir,
	.rmdir = fsf_rmdir,
	.list = fsf_list,
};

static int64_t wall(void *arg)
{
	return clock_wall_ns(arg);
}

int fs_fat_connect(struct fs *dev, struct fs_fat *state, const struct fs_fat_config *cfg, struct block *blk,
		   struct clock *clk)
{
	memset(state, 0, sizeof(*state));
	cond_init(&state->idle);
	state->clock = clk;
	unsigned flags = (cfg->read_only ? FAT_MOUNT_RDONLY : 0) | (cfg->barriers ? FAT_MOUNT_BARRIERS : 0);
	int rc = fat_mount(&state->vol, blk, flags);
	if (rc == -EUCLEAN && cfg->format && !cfg->read_only) {
		struct fat_format_opts o = { .clock = wall, .clock_arg = clk };
		if ((rc = fat_format(blk, &o)) == 0)
			rc = fat_mount(&state->vol, blk, flags);
	}
	if (rc < 0)
		return rc;
	fat_set_clock(&state->vol, wall, clk);
	dev->ops = &fs_fat_ops;
	dev->state = state;
	return 0;
}

void fs_fat_disconnect(struct fs_fat *state)
{
	fat_sync(&state->vol);
	state->vol.open_files = NULL; /* handles die with the device */
	fat_unmount(&state->vol);
	recent_free(&state->recent);
}
