/* kv "ramdisk": lookups in the image synth baked into the binary. Entries
 * are sorted bytewise by path, so open is a binary search and a folder's
 * children are one contiguous run of the table; file contents are never
 * copied on open (kv_file.data points into the image). */
#include <limits.h>
#include <string.h>

#include "devices/kv_ramdisk.h"

_Static_assert(sizeof(void *) != 8 || sizeof(struct ramdisk_entry) == 40,
               "struct ramdisk_entry must match the generated image");

/* The root is implied by the image; it gets its own handle value. */
#define RD_ROOT ((uintptr_t)-1)

/* Bytewise order of two byte strings: memcmp on the common part, then the
 * shorter first. */
static int rd_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t n = alen < blen ? alen : blen;
	int c = n ? memcmp(a, b, n) : 0;
	if (c)
		return c;
	return alen < blen ? -1 : alen > blen;
}

/* Index of the first entry whose path is not below key. */
static uint64_t rd_lower_bound(const struct ramdisk_image *img, uint64_t lo, const char *key,
                               size_t len)
{
	uint64_t hi = img->count;

	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;
		const struct ramdisk_entry *e = &img->entries[mid];
		if (rd_cmp(e->path, e->path_len, key, len) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The entry named exactly path, or NULL. */
static const struct ramdisk_entry *rd_find(const struct ramdisk_image *img, const char *path, size_t len)
{
	uint64_t i = rd_lower_bound(img, 0, path, len);

	if (i < img->count && rd_cmp(img->entries[i].path, img->entries[i].path_len, path, len) == 0)
		return &img->entries[i];
	return NULL;
}

static void rd_fill(struct kv_file *f, const struct ramdisk_image *img, const struct ramdisk_entry *e)
{
	f->size = e->size;
	f->mtime_ns = e->mtime_ns;
	f->flags = e->flags;
	f->data = e->data;
	f->handle = (uintptr_t)(e - img->entries);
}

static int ramdisk_open(void *state, const char *path, size_t len, struct kv_file *out)
{
	struct kv_ramdisk *st = state;

	if (len == 0) {
		out->size = 0;
		out->mtime_ns = 0;
		out->flags = KV_DIR;
		out->data = NULL;
		out->handle = RD_ROOT;
		return 0;
	}
	const struct ramdisk_entry *e = rd_find(st->image, path, len);
	if (!e)
		return -ENOENT;
	rd_fill(out, st->image, e);
	return 0;
}

static long ramdisk_pread(void *state, struct kv_file *f, void *buf, size_t len, uint64_t off)
{
	(void)state;
	if (f->flags & KV_DIR)
		return -EISDIR;
	if (off >= f->size)
		return 0;
	uint64_t left = f->size - off;
	if (len > left)
		len = (size_t)left;
	if (len > (size_t)LONG_MAX)
		len = (size_t)LONG_MAX;
	memcpy(buf, (const uint8_t *)f->data + off, len);
	return (long)len;
}

static void ramdisk_close(void *state, struct kv_file *f)
{
	(void)state;
	(void)f;
}

static int ramdisk_list(void *state, const char *dir, size_t len, kv_list_fn fn, void *arg)
{
	const struct ramdisk_image *img = ((struct kv_ramdisk *)state)->image;
	char key[KV_PATH_MAX + 2];
	char name[KV_PATH_MAX + 1];
	size_t plen = 0;

	if (len > KV_PATH_MAX)
		return -ENAMETOOLONG;
	if (len > 0) {
		const struct ramdisk_entry *d = rd_find(img, dir, len);
		if (!d)
			return -ENOENT;
		if (!(d->flags & KV_DIR))
			return -ENOTDIR;
		memcpy(key, dir, len);
		key[len] = '/';
		plen = len + 1;
	}
	/* Children of "a" are the run of paths starting "a/". A child's own
	 * subtree ("a/b/...") sits right after it; it is skipped with one
	 * more binary search for "a/b0", '0' being the byte after '/'. */
	uint64_t i = rd_lower_bound(img, 0, key, plen);
	while (i < img->count) {
		const struct ramdisk_entry *e = &img->entries[i];
		if (e->path_len <= plen || memcmp(e->path, key, plen) != 0)
			break;
		const char *rest = e->path + plen;
		size_t rlen = e->path_len - plen;
		const char *slash = memchr(rest, '/', rlen);
		if (slash) {
			size_t clen = (size_t)(slash - rest);
			if (plen + clen + 1 > sizeof key)
				return -EINVAL;
			memcpy(key + plen, rest, clen);
			key[plen + clen] = '/' + 1;
			i = rd_lower_bound(img, i + 1, key, plen + clen + 1);
			continue;
		}
		struct kv_file f;
		rd_fill(&f, img, e);
		memcpy(name, rest, rlen);
		name[rlen] = '\0';
		int rc = fn(arg, name, &f);
		if (rc)
			return rc;
		i++;
	}
	return 0;
}

static const struct kv_ops kv_ramdisk_ops = {
	.name = "ramdisk",
	.version = KV_OPS_V1,
	.open = ramdisk_open,
	.pread = ramdisk_pread,
	.close = ramdisk_close,
	.list = ramdisk_list,
};

static const struct ramdisk_image rd_empty = { 0, NULL };

/* One pass over the table: every path well-formed and strictly after the
 * previous one, its parent folder listed, folders empty, file bytes
 * present. */
static int rd_validate(const struct ramdisk_image *img)
{
	for (uint64_t i = 0; i < img->count; i++) {
		const struct ramdisk_entry *e = &img->entries[i];
		if (e->path_len == 0 || e->path_len > KV_PATH_MAX || !e->path ||
		    kv_path_check(e->path, e->path_len) != 0)
			return -EINVAL;
		if ((e->flags & KV_DIR) ? e->size != 0 : (e->size != 0 && !e->data))
			return -EINVAL;
		if (i > 0) {
			const struct ramdisk_entry *p = e - 1;
			if (rd_cmp(p->path, p->path_len, e->path, e->path_len) >= 0)
				return -EINVAL;
		}
		/* list() finds a folder's children through the folder's entry. */
		const char *slash = NULL;
		for (uint32_t k = e->path_len; k-- > 0;) {
			if (e->path[k] == '/') {
				slash = &e->path[k];
				break;
			}
		}
		if (slash) {
			const struct ramdisk_entry *d = rd_find(img, e->path, (size_t)(slash - e->path));
			if (!d || !(d->flags & KV_DIR))
				return -EINVAL;
		}
	}
	return 0;
}

int kv_ramdisk_connect(struct kv *dev, struct kv_ramdisk *st, const struct kv_ramdisk_config *cfg)
{
	const struct ramdisk_image *img = cfg && cfg->image ? cfg->image : &rd_empty;

	if (img->count && !img->entries)
		return -EINVAL;
	int rc = rd_validate(img);
	if (rc < 0)
		return rc;
	st->image = img;
	dev->ops = &kv_ramdisk_ops;
	dev->state = st;
	return 0;
}

void kv_ramdisk_disconnect(struct kv_ramdisk *st)
{
	st->image = NULL;
}
