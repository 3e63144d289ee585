/* kv "ramdisk": a folder's files baked into the binary at build time. synth
 * generates the image (the entry table below plus the file bytes, embedded
 * by the assembler) into the app's build folder; this implementation only
 * looks entries up, so it runs unchanged on every target. */
#ifndef SYNTH_DEVICES_KV_RAMDISK_H
#define SYNTH_DEVICES_KV_RAMDISK_H

#include <stdint.h>

#include "devices/kv.h"

/* One file or folder of the image. The layout is what synth's generator
 * emits: keep the two in step (40 bytes on LP64). */
struct ramdisk_entry {
	const char *path;     /* relative, '/'-separated, no leading '/', not NUL-terminated */
	const uint8_t *data;  /* the file's bytes (NULL for a folder or an empty file) */
	uint64_t size;        /* bytes; 0 for a folder */
	int64_t mtime_ns;     /* wall-clock modification time at build, 0 when unknown */
	uint32_t path_len;
	uint32_t flags;       /* KV_DIR for a folder */
};

/* Entries sorted bytewise by path (shorter first on a common prefix, as
 * memcmp then length orders them), every folder listed as its own entry;
 * the root ("") is implied and not listed. */
struct ramdisk_image {
	uint64_t count;
	const struct ramdisk_entry *entries;
};

struct kv_ramdisk {
	const struct ramdisk_image *image;
};

struct kv_ramdisk_config {
	const char *dir;                   /* param dir (fixed): the folder that was baked in */
	const struct ramdisk_image *image; /* filled in by the generated devtab */
};

/* Fails with -EINVAL when the image is not sorted or malformed, which
 * would otherwise make lookups silently miss. A NULL image is empty. */
int kv_ramdisk_connect(struct kv *dev, struct kv_ramdisk *state, const struct kv_ramdisk_config *cfg);
void kv_ramdisk_disconnect(struct kv_ramdisk *state);

#endif
