/* kv: a read-only tree of files addressed by path ("css/site.css"):
 * a ramdisk baked into the binary, a host folder, or FAT on a block
 * device. Paths are relative, '/'-separated, without "." or ".."
 * components; implementations reject anything else with -EINVAL. */
#ifndef SYNTH_DEVICES_KV_H
#define SYNTH_DEVICES_KV_H

#include "devices/device.h"

#define KV_OPS_V1 1u

#define KV_PATH_MAX 1024

enum kv_flags { KV_DIR = 1 };

/* An open entry. Filled by kv_open, released by kv_close. */
struct kv_file {
	uint64_t size;
	int64_t mtime_ns;   /* wall-clock modification time, 0 when unknown */
	uint32_t flags;     /* KV_DIR */
	const void *data;   /* non-NULL when the whole content is in memory */
	uintptr_t handle;   /* the implementation's own */
};

/* kv_list callback: return 0 to go on, non-zero to stop (and make
 * kv_list return that value). */
typedef int (*kv_list_fn)(void *arg, const char *name, const struct kv_file *entry);

struct kv_ops {
	DEVICE_OPS_HEADER;
	/* Returns 0, -ENOENT, -EINVAL for a malformed path, or another errno. */
	int (*open)(void *state, const char *path, size_t len, struct kv_file *out);
	/* Reads up to len bytes at off; returns the count (0 at or past the end). */
	long (*pread)(void *state, struct kv_file *f, void *buf, size_t len, uint64_t off);
	void (*close)(void *state, struct kv_file *f);
	/* Calls fn for every entry of a folder ("" is the root), sorted by name. */
	int (*list)(void *state, const char *dir, size_t len, kv_list_fn fn, void *arg);
};

struct kv {
	const char *name;
	const struct kv_ops *ops;
	void *state;
	struct device_stats stats;
};

/* Shared by every implementation: 0 when path is a well-formed kv path of
 * len bytes (no empty, "." or ".." component, no NUL, no leading '/'),
 * -EINVAL otherwise. The empty path names the root. */
int kv_path_check(const char *path, size_t len);

static inline int kv_open(struct kv *k, const char *path, size_t len, struct kv_file *out)
{
	int rc = kv_path_check(path, len);
	if (rc == 0)
		rc = k->ops->open(k->state, path, len, out);
	return (int)device_account(&k->stats, rc);
}

static inline long kv_pread(struct kv *k, struct kv_file *f, void *buf, size_t len, uint64_t off)
{
	long rc = k->ops->pread(k->state, f, buf, len, off);
	if (rc > 0)
		k->stats.bytes_in += (uint64_t)rc;
	return device_account(&k->stats, rc);
}

static inline void kv_close(struct kv *k, struct kv_file *f)
{
	k->stats.calls++;
	k->ops->close(k->state, f);
}

static inline int kv_list(struct kv *k, const char *dir, size_t len, kv_list_fn fn, void *arg)
{
	int rc = kv_path_check(dir, len);
	if (rc == 0)
		rc = k->ops->list(k->state, dir, len, fn, arg);
	return (int)device_account(&k->stats, rc);
}

#endif
