/* kv "hostdir": the files of a host folder, read-only, confined to it. */
#ifndef SYNTH_BACKENDS_UNIX_KV_HOSTDIR_H
#define SYNTH_BACKENDS_UNIX_KV_HOSTDIR_H

#include "devices/kv.h"

struct kv_hostdir {
	int dirfd; /* the folder, opened at connect; every lookup is relative to it */
};

struct kv_hostdir_config {
	const char *dir; /* param dir: the folder to serve */
};

/* Fails with -ENOSYS on kernels without openat2(2) (before 5.6): without
 * RESOLVE_BENEATH the confinement could not be guaranteed. */
int kv_hostdir_connect(struct kv *dev, struct kv_hostdir *state, const struct kv_hostdir_config *cfg);
void kv_hostdir_disconnect(struct kv_hostdir *state);

#endif
