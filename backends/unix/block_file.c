/* block "file": pread/pwrite on an image file or block device
 * (backends/unix/block_file.h). The calls block the process for the
 * duration of one transfer: files have no readiness to wait for. */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backends/unix/block_file.h"

static int bf_info(void *state, struct block_info *out)
{
	struct block_file *bf = state;
	out->sector_size = bf->sector_size;
	out->sectors = bf->sectors;
	out->read_only = bf->read_only;
	return 0;
}

static int bf_read(void *state, uint64_t lba, uint32_t count, void *buf)
{
	struct block_file *bf = state;
	size_t len = (size_t)count * bf->sector_size, done = 0;
	off_t off = (off_t)(lba * bf->sector_size);
	while (done < len) {
		ssize_t n = pread(bf->fd, (char *)buf + done, len - done, off + (off_t)done);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0) { /* the file shrank under us: read zeros */
			memset((char *)buf + done, 0, len - done);
			break;
		}
		done += (size_t)n;
	}
	return 0;
}

static int bf_write(void *state, uint64_t lba, uint32_t count, const void *buf)
{
	struct block_file *bf = state;
	if (bf->read_only)
		return -EROFS;
	size_t len = (size_t)count * bf->sector_size, done = 0;
	off_t off = (off_t)(lba * bf->sector_size);
	while (done < len) {
		ssize_t n = pwrite(bf->fd, (const char *)buf + done, len - done, off + (off_t)done);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		done += (size_t)n;
	}
	return 0;
}

static int bf_flush(void *state)
{
	struct block_file *bf = state;
	if (bf->read_only)
		return 0;
	while (fdatasync(bf->fd) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	return 0;
}

static const struct block_ops block_file_ops = {
	.name = "file",
	.version = BLOCK_OPS_V1,
	.info = bf_info,
	.read = bf_read,
	.write = bf_write,
	.flush = bf_flush,
};

int block_file_connect(struct block *dev, struct block_file *state, const struct block_file_config *cfg)
{
	memset(state, 0, sizeof(*state));
	state->fd = -1;
	if (cfg->path == NULL || cfg->path[0] == 0)
		return -EINVAL;
	int flags = O_CLOEXEC | (cfg->read_only ? O_RDONLY : O_RDWR);
	if (!cfg->read_only && cfg->size > 0)
		flags |= O_CREAT;
	int fd = open(cfg->path, flags, 0644);
	if (fd < 0)
		return -errno;
	struct stat st;
	if (fstat(fd, &st) < 0)
		goto fail;
	state->sector_size = 512;
	uint64_t bytes;
	if (S_ISBLK(st.st_mode)) {
		int ss;
		if (ioctl(fd, BLKSSZGET, &ss) == 0 && ss >= 512 && (ss & (ss - 1)) == 0)
			state->sector_size = (uint32_t)ss;
		if (ioctl(fd, BLKGETSIZE64, &bytes) < 0)
			goto fail;
	} else if (S_ISREG(st.st_mode)) {
		bytes = (uint64_t)st.st_size;
		if (!cfg->read_only && cfg->size > bytes) {
			if (ftruncate(fd, (off_t)cfg->size) < 0)
				goto fail;
			bytes = cfg->size;
		}
	} else {
		errno = ENOTBLK;
		goto fail;
	}
	state->fd = fd;
	state->sectors = bytes / state->sector_size;
	state->read_only = cfg->read_only;
	if (state->sectors == 0) {
		close(fd);
		state->fd = -1;
		return -EINVAL;
	}
	dev->ops = &block_file_ops;
	dev->state = state;
	return block_connected(dev);
fail:;
	int e = errno;
	close(fd);
	return -e;
}

void block_file_disconnect(struct block_file *state)
{
	if (state->fd >= 0) {
		fdatasync(state->fd);
		close(state->fd);
	}
	state->fd = -1;
}
