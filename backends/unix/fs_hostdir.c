/* fs "hostdir": a host folder, read-write. Every path is resolved by the
 * kernel beneath the folder's descriptor with openat2(RESOLVE_BENEATH |
 * RESOLVE_NO_MAGICLINKS); operations on a name (mkdir, unlink, rmdir,
 * rename) first open the name's parent that way and then act on one
 * component relative to it (mkdirat, unlinkat, renameat), which never
 * follows a link. So neither an absolute path, "..", nor a symbolic link
 * (or /proc magic link) can reach outside the folder, while links that
 * stay inside work. A path whose resolution would leave the folder fails
 * with -EACCES. Like the FAT library, a leading '/' and empty components
 * are accepted and "." and ".." components refused (-EINVAL). Only
 * regular files and folders are served: FIFOs, sockets and device nodes
 * read as missing. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backends/unix/fs_hostdir.h"
#include "backends/unix/hostdir_util.h"

#define FH_PATH_MAX 4096

struct fs_file {
	int fd;
	uint32_t flags;   /* the fs_open flags */
};

/* Beneath the folder; a path that would leave it is refused. */
static int fh_openat2(int dirfd, const char *path, uint64_t flags, uint64_t mode)
{
	int fd = hostdir_openat2(dirfd, path, flags, mode);
	return fd == -EXDEV ? -EACCES : fd;
}

/* Copy path into buf without leading, trailing or repeated slashes; the
 * root becomes ".". */
static int fh_clean(const char *path, char *buf, size_t size)
{
	size_t n = 0;
	const char *p = path;
	while (*p) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		const char *end = strchrnul(p, '/');
		size_t len = (size_t)(end - p);
		if ((len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.'))
			return -EINVAL;
		if (n + (n > 0) + len + 1 > size)
			return -ENAMETOOLONG;
		if (n > 0)
			buf[n++] = '/';
		memcpy(buf + n, p, len);
		n += len;
		p = end;
	}
	if (n == 0)
		buf[n++] = '.';
	buf[n] = '\0';
	return 0;
}

/* Open the parent of path (cleaned into buf) beneath the folder; *last
 * points at the final component inside buf. -EBUSY for the root itself,
 * which has no name to act on. */
static int fh_parent(struct fs_hostdir *st, const char *path, char *buf, const char **last)
{
	int rc = fh_clean(path, buf, FH_PATH_MAX);
	if (rc < 0)
		return rc;
	if (strcmp(buf, ".") == 0)
		return -EBUSY;
	char *slash = strrchr(buf, '/');
	if (!slash) {
		*last = buf;
		return fh_openat2(st->dirfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
	}
	*slash = '\0';
	*last = slash + 1;
	rc = fh_openat2(st->dirfd, buf, O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
	*slash = '/';
	return rc;
}

static int fh_fill(int fd, struct fs_stat *out)
{
	struct statx sx;
	if (statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS | STATX_BTIME, &sx) != 0)
		return -errno;
	if (!S_ISREG(sx.stx_mode) && !S_ISDIR(sx.stx_mode))
		return -ENOENT;
	memset(out, 0, sizeof *out);
	out->is_dir = S_ISDIR(sx.stx_mode);
	out->size = out->is_dir ? 0 : sx.stx_size;
	out->mtime_ns = (int64_t)sx.stx_mtime.tv_sec * 1000000000 + sx.stx_mtime.tv_nsec;
	/* fs's ctime is the creation time (as FAT keeps it): the birth time
	 * where the file system records one, else the inode change time. */
	const struct statx_timestamp *ct = (sx.stx_mask & STATX_BTIME) ? &sx.stx_btime : &sx.stx_ctime;
	out->ctime_ns = (int64_t)ct->tv_sec * 1000000000 + ct->tv_nsec;
	out->read_only = (sx.stx_mode & 0222) == 0;
	return 0;
}

static int hostdir_open(void *state, const char *path, uint32_t flags, struct fs_file **out)
{
	struct fs_hostdir *st = state;
	char name[FH_PATH_MAX];
	int rc = fh_clean(path, name, sizeof name);
	if (rc < 0)
		return rc;
	bool changes = flags & (FS_WRITE | FS_CREATE | FS_TRUNCATE | FS_APPEND);
	if (changes && st->read_only)
		return -EROFS;
	int acc = (flags & FS_WRITE) ? ((flags & FS_READ) ? O_RDWR : O_WRONLY) : O_RDONLY;
	int of = acc | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
	if (flags & FS_CREATE)
		of |= O_CREAT | ((flags & FS_EXCL) ? O_EXCL : 0);
	if ((flags & FS_TRUNCATE) && (flags & FS_WRITE))
		of |= O_TRUNC;
	if (flags & FS_APPEND)
		of |= O_APPEND;
	struct fs_file *h = malloc(sizeof *h);
	if (!h)
		return -ENOMEM;
	/* O_NONBLOCK so that a FIFO cannot stall the process; it changes
	 * nothing for regular files. */
	int fd = fh_openat2(st->dirfd, name, (uint64_t)of, (of & O_CREAT) ? 0666 : 0);
	if (fd < 0) {
		free(h);
		return fd;
	}
	struct fs_stat sb;
	if ((rc = fh_fill(fd, &sb)) < 0) {
		close(fd);
		free(h);
		return rc;
	}
	h->fd = fd;
	h->flags = flags;
	*out = h;
	return 0;
}

static long hostdir_read(void *state, struct fs_file *h, void *buf, size_t len)
{
	(void)state;
	if (len > (size_t)LONG_MAX)
		len = (size_t)LONG_MAX;
	for (;;) {
		ssize_t n = read(h->fd, buf, len);
		if (n >= 0)
			return n;
		if (errno != EINTR)
			return -errno;
	}
}

static long hostdir_write(void *state, struct fs_file *h, const void *buf, size_t len)
{
	struct fs_hostdir *st = state;
	if (st->read_only)
		return -EROFS;
	if (len > (size_t)LONG_MAX)
		len = (size_t)LONG_MAX;
	size_t done = 0;
	while (done < len) {
		ssize_t n = write(h->fd, (const char *)buf + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return done > 0 ? (long)done : -errno;
		if (n == 0)
			break;
		done += (size_t)n;
	}
	return (long)done;
}

static int64_t hostdir_seek(void *state, struct fs_file *h, int64_t off, enum fs_whence whence)
{
	(void)state;
	int w = whence == FS_SEEK_SET ? SEEK_SET : whence == FS_SEEK_CUR ? SEEK_CUR : whence == FS_SEEK_END ? SEEK_END : -1;
	if (w < 0)
		return -EINVAL;
	off_t r = lseek(h->fd, (off_t)off, w);
	return r < 0 ? -errno : (int64_t)r;
}

static int hostdir_truncate(void *state, struct fs_file *h, uint64_t size)
{
	struct fs_hostdir *st = state;
	if (st->read_only)
		return -EROFS;
	if (!(h->flags & FS_WRITE))
		return -EBADF;
	if (size > (uint64_t)INT64_MAX)
		return -EFBIG;
	return ftruncate(h->fd, (off_t)size) == 0 ? 0 : -errno;
}

static int hostdir_fstat(void *state, struct fs_file *h, struct fs_stat *out)
{
	(void)state;
	return fh_fill(h->fd, out);
}

/* h NULL: the whole folder's file system (syncfs). */
static int hostdir_sync(void *state, struct fs_file *h)
{
	struct fs_hostdir *st = state;
	if (h == NULL)
		return syncfs(st->dirfd) == 0 ? 0 : -errno;
	if (fsync(h->fd) == 0 || errno == EINVAL || errno == EBADF)
		return 0; /* nothing to make durable on a read-only handle */
	return -errno;
}

static int hostdir_close(void *state, struct fs_file *h)
{
	(void)state;
	int rc = close(h->fd) == 0 ? 0 : -errno;
	free(h);
	return rc == -EINTR ? 0 : rc;
}

static int hostdir_stat(void *state, const char *path, struct fs_stat *out)
{
	struct fs_hostdir *st = state;
	char name[FH_PATH_MAX];
	int rc = fh_clean(path, name, sizeof name);
	if (rc < 0)
		return rc;
	int fd = fh_openat2(st->dirfd, name, O_PATH | O_CLOEXEC, 0);
	if (fd < 0)
		return fd;
	rc = fh_fill(fd, out);
	close(fd);
	return rc;
}

static int hostdir_rename(void *state, const char *from, const char *to)
{
	struct fs_hostdir *st = state;
	char a[FH_PATH_MAX], b[FH_PATH_MAX];
	const char *la, *lb;
	if (st->read_only)
		return -EROFS;
	int pa = fh_parent(st, from, a, &la);
	if (pa < 0)
		return pa;
	int pb = fh_parent(st, to, b, &lb);
	if (pb < 0) {
		close(pa);
		return pb;
	}
	int rc = renameat(pa, la, pb, lb) == 0 ? 0 : -errno;
	close(pa);
	close(pb);
	return rc;
}

/* unlinkat on the parent: flags 0 (a file) or AT_REMOVEDIR. */
static int hostdir_remove(struct fs_hostdir *st, const char *path, int flags)
{
	char buf[FH_PATH_MAX];
	const char *last;
	if (st->read_only)
		return -EROFS;
	int pfd = fh_parent(st, path, buf, &last);
	if (pfd < 0)
		return pfd == -EBUSY && flags == 0 ? -EISDIR : pfd;
	int rc = unlinkat(pfd, last, flags) == 0 ? 0 : -errno;
	close(pfd);
	/* Some file systems say EEXIST for a folder that is not empty. */
	if (rc == -EEXIST && flags == AT_REMOVEDIR)
		rc = -ENOTEMPTY;
	return rc;
}

static int hostdir_unlink(void *state, const char *path)
{
	return hostdir_remove(state, path, 0);
}

static int hostdir_rmdir(void *state, const char *path)
{
	return hostdir_remove(state, path, AT_REMOVEDIR);
}

static int hostdir_mkdir(void *state, const char *path)
{
	struct fs_hostdir *st = state;
	char buf[FH_PATH_MAX];
	const char *last;
	if (st->read_only)
		return -EROFS;
	int pfd = fh_parent(st, path, buf, &last);
	if (pfd < 0)
		return pfd == -EBUSY ? -EEXIST : pfd;
	int rc = mkdirat(pfd, last, 0777) == 0 ? 0 : -errno;
	close(pfd);
	return rc;
}

struct list_ctx {
	fs_list_fn fn;
	void *arg;
};

/* An entry that is neither file nor folder is left out. */
static int list_entry(void *arg, const char *name, int fd)
{
	struct list_ctx *c = arg;
	struct fs_stat sb;
	return fh_fill(fd, &sb) == 0 ? c->fn(c->arg, name, &sb) : 0;
}

static int hostdir_list(void *state, const char *dir, fs_list_fn fn, void *arg)
{
	struct fs_hostdir *st = state;
	char path[FH_PATH_MAX + 256 + 2];
	int rc = fh_clean(dir, path, FH_PATH_MAX);
	if (rc < 0)
		return rc;
	int dfd = fh_openat2(st->dirfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
	if (dfd < 0)
		return dfd;
	struct list_ctx c = { fn, arg };
	return hostdir_each(st->dirfd, dfd, path, sizeof path, list_entry, &c);
}

static const struct fs_ops fs_hostdir_ops = {
	.name = "hostdir",
	.version = FS_OPS_V1,
	.open = hostdir_open,
	.read = hostdir_read,
	.write = hostdir_write,
	.seek = hostdir_seek,
	.truncate = hostdir_truncate,
	.fstat = hostdir_fstat,
	.sync = hostdir_sync,
	.close = hostdir_close,
	.stat = hostdir_stat,
	.rename = hostdir_rename,
	.unlink = hostdir_unlink,
	.mkdir = hostdir_mkdir,
	.rmdir = hostdir_rmdir,
	.list = hostdir_list,
};

int fs_hostdir_connect(struct fs *dev, struct fs_hostdir *st, const struct fs_hostdir_config *cfg)
{
	const char *dir = cfg && cfg->dir && cfg->dir[0] ? cfg->dir : ".";
	st->dirfd = -1;
	st->read_only = cfg && cfg->read_only;
	if (cfg && cfg->create && !st->read_only && mkdir(dir, 0777) != 0 && errno != EEXIST)
		return -errno;
	st->dirfd = hostdir_open_root(dir, "fs hostdir");
	if (st->dirfd < 0)
		return st->dirfd;
	dev->ops = &fs_hostdir_ops;
	dev->state = st;
	return 0;
}

void fs_hostdir_disconnect(struct fs_hostdir *st)
{
	if (st->dirfd >= 0)
		close(st->dirfd);
	st->dirfd = -1;
}
