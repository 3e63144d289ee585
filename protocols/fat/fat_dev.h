/* kv "fat" and fs "fat": the kv and fs devices on a FAT volume of any
 * block device (an image file, a ramblock baked into the binary, Xen's
 * blkfront). The volume is mounted at connect and synced at disconnect;
 * calls from different fibers are serialised, since a block read may
 * block the calling fiber in the middle of a FAT operation. */
#ifndef SYNTH_PROTOCOLS_FAT_FAT_DEV_H
#define SYNTH_PROTOCOLS_FAT_FAT_DEV_H

#include "devices/block.h"
#include "devices/clock.h"
#include "devices/fs.h"
#include "devices/kv.h"
#include "lib/sched.h"
#include "protocols/fat/fat.h"

struct kv_fat {
	struct fat_volume vol;
	struct cond idle;
	bool busy;
};

struct kv_fat_config {
	int unused;
};

/* Mounts the volume read-only: -EUCLEAN when the device holds no valid
 * FAT volume. */
int kv_fat_connect(struct kv *dev, struct kv_fat *state, const struct kv_fat_config *cfg, struct block *blk);
void kv_fat_disconnect(struct kv_fat *state);

struct fs_fat {
	struct fat_volume vol;
	struct clock *clock;
	struct cond idle;
	bool busy;
	/* Where the entries of the folder listed last are (fat_dev.c). */
	struct fs_fat_recent {
		char *dir;            /* that folder's path, slashes tidied */
		struct fat_recent_entry *v;
		size_t n;
	} recent;
};

struct fs_fat_config {
	bool read_only;   /* param read-only: mount read-only */
	bool format;      /* param format: make a new volume when the device holds none */
	bool barriers;    /* param barriers: flush the device between ordered metadata writes */
};

/* Mounts the volume (formatting an empty device first when cfg->format
 * is set); timestamps come from clk. */
int fs_fat_connect(struct fs *dev, struct fs_fat *state, const struct fs_fat_config *cfg, struct block *blk,
		   struct clock *clk);
void fs_fat_disconnect(struct fs_fat *state);

#endif
