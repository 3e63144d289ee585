/* Mounting a FAT volume: boot sector (BPB) validation, the FAT type by
 * cluster count, FSInfo, the dirty flag, sync and unmount. */
#include "protocols/fat/fat_int.h"

/* Boot sector (BPB) fields. */
#define BS_JMP 0
#define BPB_BYTES_PER_SEC 11
#define BPB_SEC_PER_CLUS 13
#define BPB_RSVD 14
#define BPB_NUM_FATS 16
#define BPB_ROOT_ENTS 17
#define BPB_TOTSEC16 19
#define BPB_MEDIA 21
#define BPB_FATSZ16 22
#define BPB_TOTSEC32 32
#define BPB_FATSZ32 36
#define BPB_EXT_FLAGS 40
#define BPB_FS_VER 42
#define BPB_ROOT_CLUS 44
#define BPB_FSINFO 48
#define BS16_STATE 37
#define BS16_SIG 38
#define BS16_VOLID 39
#define BS16_LABEL 43
#define BS32_STATE 65
#define BS32_SIG 66
#define BS32_VOLID 67
#define BS32_LABEL 71

/* FSInfo fields and signatures. */
#define FSI_LEAD 0
#define FSI_STRUC 484
#define FSI_FREE 488
#define FSI_NEXT 492
#define FSI_TRAIL 508
#define FSI_LEAD_SIG 0x41615252u
#define FSI_STRUC_SIG 0x61417272u
#define FSI_TRAIL_SIG 0xAA550000u

/* Bit 0 of the boot sector's state byte: set while mounted read-write
 * (what Linux and dosfstools use). */
#define STATE_DIRTY 0x01

static int log2_exact(uint32_t x)
{
	if (x == 0 || (x & (x - 1)) != 0)
		return -1;
	int n = 0;
	while (x > 1) {
		x >>= 1;
		n++;
	}
	return n;
}

/* Check every BPB field and derive the geometry. Returns 0 or -EUCLEAN. */
static int parse_bpb(struct fat_volume *v, const uint8_t *b, uint32_t dev_sector,
		     uint64_t dev_sectors)
{
	/* A jump instruction and the 0x55AA signature mark a boot sector. */
	if (!(b[BS_JMP] == 0xEB || b[BS_JMP] == 0xE9))
		return -EUCLEAN;
	if (b[510] != 0x55 || b[511] != 0xAA)
		return -EUCLEAN;

	uint32_t bps = get16(b + BPB_BYTES_PER_SEC);
	int shift = log2_exact(bps);
	if (shift < 9 || shift > 12)
		return -EUCLEAN;
	if (bps < dev_sector)
		return -EINVAL; /* a volume sector must be whole device sectors */
	v->sector_size = bps;
	v->sector_shift = (uint8_t)shift;
	v->dev_shift = (uint8_t)(shift - log2_exact(dev_sector));

	int cshift = log2_exact(b[BPB_SEC_PER_CLUS]);
	if (cshift < 0 || cshift > 7)
		return -EUCLEAN;
	v->cluster_shift = (uint8_t)cshift;
	v->cluster_size = bps << cshift;

	v->reserved = get16(b + BPB_RSVD);
	v->num_fats = b[BPB_NUM_FATS];
	uint32_t root_entries = get16(b + BPB_ROOT_ENTS);
	uint32_t media = b[BPB_MEDIA];
	if (v->reserved == 0 || v->num_fats == 0)
		return -EUCLEAN;
	if (media != 0xF0 && media < 0xF8)
		return -EUCLEAN;

	uint32_t total = get16(b + BPB_TOTSEC16);
	if (total == 0)
		total = get32(b + BPB_TOTSEC32);
	if (total == 0)
		return -EUCLEAN;
	/* The volume must fit the device (a truncated image is corrupt). */
	if ((uint64_t)total > (dev_sectors >> v->dev_shift))
		return -EUCLEAN;
	v->total_sectors = total;

	/* The FAT32 layout: a 32-bit FAT size and a root folder in a chain. */
	bool layout32 = get16(b + BPB_FATSZ16) == 0;
	uint32_t fatsz = layout32 ? get32(b + BPB_FATSZ32) : get16(b + BPB_FATSZ16);
	if (fatsz == 0)
		return -EUCLEAN;
	if (layout32 && root_entries != 0)
		return -EUCLEAN;
	if (!layout32 && root_entries == 0)
		return -EUCLEAN;
	v->fat_sectors = fatsz;

	v->root_sectors = (root_entries * DIRENT_SIZE + bps - 1) >> shift;
	uint64_t data = (uint64_t)v->reserved + (uint64_t)v->num_fats * fatsz + v->root_sectors;
	if (data >= total)
		return -EUCLEAN;
	v->root_sector = v->reserved + v->num_fats * fatsz;
	v->data_sector = (uint32_t)data;
	v->clusters = (total - v->data_sector) >> cshift;
	if (v->clusters == 0)
		return -EUCLEAN;

	/* The type follows from the count of clusters. A volume laid out as
	 * FAT32 is FAT32 even below 65525 clusters (mkfs.fat -F 32 makes such
	 * volumes; Linux and mtools read them as FAT32 too). */
	if (layout32)
		v->type = FAT_TYPE_32;
	else if (v->clusters <= FAT12_MAX_CLUSTERS)
		v->type = FAT_TYPE_12;
	else if (v->clusters <= FAT16_MAX_CLUSTERS)
		v->type = FAT_TYPE_16;
	else
		return -EUCLEAN; /* too many clusters for a FAT16 layout */
	if (v->clusters > FAT32_MAX_CLUSTERS)
		return -EUCLEAN;
	v->max_cluster = v->clusters + 1;

	/* Every cluster must have an entry in the FAT. */
	uint64_t need = (uint64_t)(v->clusters + 2);
	need = v->type == FAT_TYPE_12 ? (need * 3 + 1) / 2 : need * (v->type / 8);
	if (need > (uint64_t)fatsz * bps)
		return -EUCLEAN;

	v->mirror = true;
	v->active_fat = 0;
	v->root_cluster = 0;
	v->fsinfo_sector = 0;
	if (v->type == FAT_TYPE_32) {
		if (get16(b + BPB_FS_VER) != 0)
			return -EUCLEAN;
		uint32_t ext = get16(b + BPB_EXT_FLAGS);
		if (ext & 0x80) {
			v->mirror = false;
			v->active_fat = ext & 0x0F;
			if (v->active_fat >= v->num_fats)
				return -EUCLEAN;
		}
		v->root_cluster = get32(b + BPB_ROOT_CLUS);
		if (!cluster_valid(v, v->root_cluster))
			return -EUCLEAN;
		uint32_t fsi = get16(b + BPB_FSINFO);
		if (fsi != 0 && fsi != 0xFFFF && fsi < v->reserved)
			v->fsinfo_sector = fsi;
		v->state_offset = BS32_STATE;
		v->serial = b[BS32_SIG] == 0x29 ? get32(b + BS32_VOLID) : 0;
		memcpy(v->label, b[BS32_SIG] == 0x29 ? (const char *)b + BS32_LABEL : "NO NAME    ", 11);
	} else {
		v->state_offset = BS16_STATE;
		v->serial = b[BS16_SIG] == 0x29 ? get32(b + BS16_VOLID) : 0;
		memcpy(v->label, b[BS16_SIG] == 0x29 ? (const char *)b + BS16_LABEL : "NO NAME    ", 11);
	}
	v->label[11] = 0;
	for (int i = 10; i >= 0 && v->label[i] == ' '; i--)
		v->label[i] = 0;

	/* A folder holds at most 65536 entries. */
	uint32_t dir_bytes = DIR_MAX_ENTRIES * DIRENT_SIZE;
	v->dir_max_clusters = (dir_bytes + v->cluster_size - 1) / v->cluster_size;
	return 0;
}

static void read_fsinfo(struct fat_volume *v)
{
	int err;
	v->free_count = UINT32_MAX;
	v->next_free = 2;
	if (v->fsinfo_sector == 0)
		return;
	const uint8_t *p = fat__cache_get(v, v->fsinfo_sector, KIND_META, &err);
	if (p == NULL || get32(p + FSI_LEAD) != FSI_LEAD_SIG || get32(p + FSI_STRUC) != FSI_STRUC_SIG ||
	    get32(p + FSI_TRAIL) != FSI_TRAIL_SIG) {
		v->fsinfo_sector = 0; /* unusable: ignore it, never write it */
		return;
	}
	uint32_t free = get32(p + FSI_FREE), next = get32(p + FSI_NEXT);
	/* The count is a hint; after an unclean shutdown it may be stale. */
	if (free <= v->clusters && !v->was_dirty)
		v->free_count = free;
	if (cluster_valid(v, next))
		v->next_free = next;
}

int fat_mount(struct fat_volume *v, struct block *dev, unsigned flags)
{
	memset(v, 0, sizeof(*v));
	/* Positions from an earlier mount must not pass for this one's. */
	static uint32_t mounts;
	v->dir_gen = (uint64_t)++mounts << 32;
	v->dev = dev;
	v->flags = flags;
	uint32_t dss = dev->info.sector_size;
	if (dss < 512 || dss > FAT_MAX_SECTOR || (dss & (dss - 1)) != 0)
		return -EINVAL;
	if (dev->info.sectors == 0)
		return -EUCLEAN;
	int rc = block_read(dev, 0, 1, v->cache[0]);
	if (rc < 0)
		return rc;
	if ((rc = parse_bpb(v, v->cache[0], dss, dev->info.sectors)) < 0)
		return rc;
	v->read_only = (flags & FAT_MOUNT_RDONLY) || dev->info.read_only;
	v->was_dirty = (v->cache[0][v->state_offset] & STATE_DIRTY) != 0;
	read_fsinfo(v);
	v->mounted = true;
	return 0;
}

void fat_set_clock(struct fat_volume *v, fat_clock_fn fn, void *arg)
{
	v->clock = fn;
	v->clock_arg = arg;
}

/* Rewrite the boot sector's state byte through the cache at once. */
static int write_state(struct fat_volume *v, bool dirty)
{
	int err;
	uint8_t *p = fat__cache_get(v, 0, KIND_META, &err);
	if (p == NULL)
		return err;
	if (dirty)
		p[v->state_offset] |= STATE_DIRTY;
	else
		p[v->state_offset] &= (uint8_t)~STATE_DIRTY;
	return fat__data_write(v, 0, 1, p);
}

int fat__begin_change(struct fat_volume *v)
{
	if (!v->mounted)
		return -EINVAL;
	if (v->read_only)
		return -EROFS;
	if (v->marked_dirty || v->was_dirty)
		return 0;
	int rc = write_state(v, true);
	if (rc == 0)
		rc = fat__barrier(v);
	if (rc == 0)
		v->marked_dirty = true;
	return rc;
}

static int write_fsinfo(struct fat_volume *v)
{
	int err;
	if (!v->fsinfo_dirty || v->fsinfo_sector == 0)
		return 0;
	uint8_t *p = fat__cache_get(v, v->fsinfo_sector, KIND_META, &err);
	if (p == NULL)
		return err;
	put32(p + FSI_FREE, v->free_count);
	put32(p + FSI_NEXT, v->next_free);
	int rc = fat__data_write(v, v->fsinfo_sector, 1, p);
	if (rc == 0)
		v->fsinfo_dirty = false;
	return rc;
}

int fat_sync(struct fat_volume *v)
{
	if (!v->mounted)
		return -EINVAL;
	if (v->read_only)
		return 0;
	int rc = 0;
	for (struct fat_file *f = v->open_files; f != NULL && rc == 0; f = f->next_open)
		rc = fat__flush_file(f);
	if (rc == 0)
		rc = fat__commit(v);
	if (rc == 0)
		rc = write_fsinfo(v);
	if (rc == 0 && v->marked_dirty) {
		/* Everything else must be durable before the volume says clean. */
		rc = block_flush(v->dev);
		if (rc == 0)
			rc = write_state(v, false);
		if (rc == 0)
			v->marked_dirty = false;
	}
	if (rc == 0)
		rc = block_flush(v->dev);
	return rc;
}

int fat_unmount(struct fat_volume *v)
{
	if (!v->mounted)
		return -EINVAL;
	if (v->open_files != NULL)
		return -EBUSY;
	int rc = fat_sync(v);
	v->mounted = false;
	fat__cache_drop_all(v);
	return rc;
}

int fat_volume_info(struct fat_volume *v, struct fat_volume_info *out)
{
	if (!v->mounted)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->type = v->type;
	out->sector_size = v->sector_size;
	out->cluster_size = v->cluster_size;
	out->clusters = v->clusters;
	out->serial = v->serial;
	out->was_dirty = v->was_dirty;
	out->read_only = v->read_only;
	memcpy(out->label, v->label, sizeof(out->label));
	if (v->free_count == UINT32_MAX) {
		uint32_t n;
		int rc = fat__count_free(v, &n);
		if (rc < 0)
			return rc;
		v->free_count = n;
		v->fsinfo_dirty = true;
	}
	out->free_clusters = v->free_count;
	return 0;
}
