/* kv "hostdir": serves a host folder read-only. Every path is resolved by
 * the kernel with openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS)
 * relative to the folder's descriptor, so neither "..", an absolute path
 * nor a symbolic link (or /proc magic link) can lead outside it, whatever
 * kv_path_check let through; links that stay inside work. Paths that
 * would escape read as missing. Only regular files and folders are
 * served: a FIFO, socket or device node in the folder is missing too. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backends/unix/hostdir_util.h"
#include "backends/unix/kv_hostdir.h"

static int hd_openat2(int dirfd, const char *path, uint64_t flags)
{
	int fd = hostdir_openat2(dirfd, path, flags, 0);
	/* EXDEV: the path left the folder; ELOOP: a magic link or a link
	 * loop. Neither names a file of this tree. */
	return fd == -EXDEV || fd == -ELOOP ? -ENOENT : fd;
}

/* Copy a kv path (not NUL-terminated) into buf as a C string relative to
 * the folder; the root is ".". */
static int hd_cpath(char *buf, size_t size, const char *path, size_t len)
{
	if (len >= size)
		return -ENAMETOOLONG;
	if (memchr(path, '\0', len))
		return -EINVAL;
	if (len == 0) {
		buf[0] = '.';
		buf[1] = '\0';
		return 0;
	}
	memcpy(buf, path, len);
	buf[len] = '\0';
	return 0;
}

/* Fill f from st; 0, or -ENOENT for what is neither a file nor a folder. */
static int hd_fill(struct kv_file *f, const struct stat *sb)
{
	if (S_ISREG(sb->st_mode)) {
		f->size = (uint64_t)sb->st_size;
		f->flags = 0;
	} else if (S_ISDIR(sb->st_mode)) {
		f->size = 0;
		f->flags = KV_DIR;
	} else {
		return -ENOENT;
	}
	f->mtime_ns = (int64_t)sb->st_mtim.tv_sec * 1000000000 + sb->st_mtim.tv_nsec;
	f->data = NULL;
	f->handle = 0;
	return 0;
}

static int hostdir_open(void *state, const char *path, size_t len, struct kv_file *out)
{
	struct kv_hostdir *st = state;
	char name[KV_PATH_MAX + 1];
	struct stat sb;
	int rc = hd_cpath(name, sizeof name, path, len);

	if (rc < 0)
		return rc;
	/* O_NONBLOCK so that opening a FIFO cannot stall the process. */
	int fd = hd_openat2(st->dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return fd;
	if (fstat(fd, &sb) != 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	rc = hd_fill(out, &sb);
	if (rc < 0) {
		close(fd);
		return rc;
	}
	out->handle = (uintptr_t)fd;
	return 0;
}

static long hostdir_pread(void *state, struct kv_file *f, void *buf, size_t len, uint64_t off)
{
	(void)state;
	if (f->flags & KV_DIR)
		return -EISDIR;
	if (off >= f->size || off > (uint64_t)INT64_MAX)
		return 0;
	if (len > (size_t)LONG_MAX)
		len = (size_t)LONG_MAX;
	for (;;) {
		ssize_t n = pread((int)f->handle, buf, len, (off_t)off);
		if (n >= 0)
			return n;
		if (errno != EINTR)
			return -errno;
	}
}

static void hostdir_close(void *state, struct kv_file *f)
{
	(void)state;
	close((int)f->handle);
	f->handle = (uintptr_t)-1;
}

struct list_ctx {
	kv_list_fn fn;
	void *arg;
};

/* An entry that is neither file nor folder is left out. */
static int list_entry(void *arg, const char *name, int fd)
{
	struct list_ctx *c = arg;
	struct stat sb;
	struct kv_file f;
	if (fstat(fd, &sb) != 0 || hd_fill(&f, &sb) != 0)
		return 0;
	return c->fn(c->arg, name, &f);
}

static int hostdir_list(void *state, const char *dir, size_t len, kv_list_fn fn, void *arg)
{
	struct kv_hostdir *st = state;
	char path[KV_PATH_MAX + 1 + 256 + 1];
	int rc = hd_cpath(path, KV_PATH_MAX + 1, dir, len);
	if (rc < 0)
		return rc;
	int dfd = hd_openat2(st->dirfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return dfd;
	struct list_ctx c = { fn, arg };
	return hostdir_each(st->dirfd, dfd, path, sizeof path, list_entry, &c);
}

static const struct kv_ops kv_hostdir_ops = {
	.name = "hostdir",
	.version = KV_OPS_V1,
	.open = hostdir_open,
	.pread = hostdir_pread,
	.close = hostdir_close,
	.list = hostdir_list,
};

int kv_hostdir_connect(struct kv *dev, struct kv_hostdir *st, const struct kv_hostdir_config *cfg)
{
	const char *dir = cfg && cfg->dir && cfg->dir[0] ? cfg->dir : ".";

	st->dirfd = hostdir_open_root(dir, "kv hostdir");
	if (st->dirfd < 0)
		return st->dirfd;
	dev->ops = &kv_hostdir_ops;
	dev->state = st;
	return 0;
}

void kv_hostdir_disconnect(struct kv_hostdir *st)
{
	if (st->dirfd >= 0)
		close(st->dirfd);
	st->dirfd = -1;
}
