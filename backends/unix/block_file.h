/* block "file" on the UNIX backend: an image file or a host block device,
 * read and written with pread/pwrite; flush is fdatasync, so it reaches
 * the disk. */
#ifndef SYNTH_BACKENDS_UNIX_BLOCK_FILE_H
#define SYNTH_BACKENDS_UNIX_BLOCK_FILE_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/block.h"

struct block_file {
	int fd;
	uint64_t sectors;
	uint32_t sector_size;
	bool read_only;
};

struct block_file_config {
	const char *path;   /* param path: the image file or block device */
	bool read_only;     /* param read-only: open O_RDONLY, refuse writes */
	uint64_t size;      /* param size: create a missing image of this many bytes (0: it must exist) */
};

/* Opens the file (creating it when size is set and it is missing, and
 * growing a shorter regular file to size). A regular file has 512-byte
 * sectors and as many as fit; a block device reports its own. Returns 0
 * or a negative errno. Calls block_connected(dev). */
int block_file_connect(struct block *dev, struct block_file *state, const struct block_file_config *cfg);
void block_file_disconnect(struct block_file *state);

#endif
