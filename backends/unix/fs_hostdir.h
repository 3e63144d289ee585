/* fs "hostdir": a host folder, read-write, confined to that folder. */
#ifndef SYNTH_BACKENDS_UNIX_FS_HOSTDIR_H
#define SYNTH_BACKENDS_UNIX_FS_HOSTDIR_H

#include <stdbool.h>

#include "devices/fs.h"

struct fs_hostdir {
	int dirfd;        /* the folder, opened at connect; every path resolves beneath it */
	bool read_only;
};

struct fs_hostdir_config {
	const char *dir;  /* param dir: the folder (relative: to the working folder at run time) */
	bool read_only;   /* param read-only: refuse every change */
	bool create;      /* param create: make the folder when it is missing */
};

/* Opens the folder. Fails with -ENOSYS on kernels without openat2(2)
 * (before 5.6), since the confinement could not be guaranteed, and with
 * -ENOTDIR when dir is not a folder. */
int fs_hostdir_connect(struct fs *dev, struct fs_hostdir *state, const struct fs_hostdir_config *cfg);
void fs_hostdir_disconnect(struct fs_hostdir *state);

#endif
