/* fs: a read-write file system (FAT on a block device, or a host folder).
 * Paths are as for kv (devices/kv.h): relative, '/'-separated, UTF-8. */
#ifndef SYNTH_DEVICES_FS_H
#define SYNTH_DEVICES_FS_H

#include "devices/device.h"

#define FS_OPS_V1 1u

/* Open flags. */
enum fs_open_flags {
	FS_READ = 1,
	FS_WRITE = 2,
	FS_CREATE = 4,   /* create when missing */
	FS_EXCL = 8,     /* with FS_CREATE: fail with -EEXIST when present */
	FS_TRUNCATE = 16,
	FS_APPEND = 32
};

enum fs_whence { FS_SEEK_SET, FS_SEEK_CUR, FS_SEEK_END };

struct fs_stat {
	uint64_t size;
	int64_t mtime_ns;
	int64_t ctime_ns;
	bool is_dir;
	bool read_only;
};

struct fs_file; /* opaque, defined by each implementation */

/* fs_list callback, as kv_list_fn. */
typedef int (*fs_list_fn)(void *arg, const char *name, const struct fs_stat *st);

struct fs_ops {
	DEVICE_OPS_HEADER;
	int (*open)(void *state, const char *path, uint32_t flags, struct fs_file **out);
	long (*read)(void *state, struct fs_file *f, void *buf, size_t len);
	long (*write)(void *state, struct fs_file *f, const void *buf, size_t len);
	/* Returns the new offset or a negative errno. */
	int64_t (*seek)(void *state, struct fs_file *f, int64_t off, enum fs_whence whence);
	int (*truncate)(void *state, struct fs_file *f, uint64_t size);
	int (*fstat)(void *state, struct fs_file *f, struct fs_stat *out);
	int (*sync)(void *state, struct fs_file *f);
	int (*close)(void *state, struct fs_file *f);
	int (*stat)(void *state, const char *path, struct fs_stat *out);
	/* Moves a file or folder, also across folders; replaces a file at to. */
	int (*rename)(void *state, const char *from, const char *to);
	int (*unlink)(void *state, const char *path);
	int (*mkdir)(void *state, const char *path);
	/* -ENOTEMPTY for a folder that is not empty. */
	int (*rmdir)(void *state, const char *path);
	int (*list)(void *state, const char *dir, fs_list_fn fn, void *arg);
};

struct fs {
	const char *name;
	const struct fs_ops *ops;
	void *state;
	struct device_stats stats;
};

#define FS_WRAP(call) ((int)device_account(&f->stats, (call)))

static inline int fs_open(struct fs *f, const char *path, uint32_t flags, struct fs_file **out)
{ return FS_WRAP(f->ops->open(f->state, path, flags, out)); }
static inline long fs_read(struct fs *f, struct fs_file *h, void *buf, size_t len)
{ long rc = f->ops->read(f->state, h, buf, len); if (rc > 0) f->stats.bytes_in += (uint64_t)rc; return device_account(&f->stats, rc); }
static inline long fs_write(struct fs *f, struct fs_file *h, const void *buf, size_t len)
{ long rc = f->ops->write(f->state, h, buf, len); if (rc > 0) f->stats.bytes_out += (uint64_t)rc; return device_account(&f->stats, rc); }
static inline int64_t fs_seek(struct fs *f, struct fs_file *h, int64_t off, enum fs_whence w)
{ int64_t rc = f->ops->seek(f->state, h, off, w); f->stats.calls++; if (rc < 0) f->stats.errors++; return rc; }
static inline int fs_truncate(struct fs *f, struct fs_file *h, uint64_t size) { return FS_WRAP(f->ops->truncate(f->state, h, size)); }
static inline int fs_fstat(struct fs *f, struct fs_file *h, struct fs_stat *st) { return FS_WRAP(f->ops->fstat(f->state, h, st)); }
static inline int fs_sync(struct fs *f, struct fs_file *h) { return FS_WRAP(f->ops->sync(f->state, h)); }
static inline int fs_close(struct fs *f, struct fs_file *h) { return FS_WRAP(f->ops->close(f->state, h)); }
static inline int fs_stat(struct fs *f, const char *path, struct fs_stat *st) { return FS_WRAP(f->ops->stat(f->state, path, st)); }
static inline int fs_rename(struct fs *f, const char *from, const char *to) { return FS_WRAP(f->ops->rename(f->state, from, to)); }
static inline int fs_unlink(struct fs *f, const char *path) { return FS_WRAP(f->ops->unlink(f->state, path)); }
static inline int fs_mkdir(struct fs *f, const char *path) { return FS_WRAP(f->ops->mkdir(f->state, path)); }
static inline int fs_rmdir(struct fs *f, const char *path) { return FS_WRAP(f->ops->rmdir(f->state, path)); }
static inline int fs_list(struct fs *f, const char *dir, fs_list_fn fn, void *arg) { return FS_WRAP(f->ops->list(f->state, dir, fn, arg)); }

#undef FS_WRAP

#endif
