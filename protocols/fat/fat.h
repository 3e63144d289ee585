/* A freestanding FAT12/16/32 file system library over a `struct block`
 * (devices/block.h): mount, files and folders with VFAT long names,
 * format. Memory is bounded by struct fat_volume (a small sector cache,
 * never a whole FAT); no allocation. One caller at a time per volume: the
 * library is not re-entrant, so a device that shares a volume between
 * fibers serialises calls (the fs/kv adapters do).
 *
 * Paths are UTF-8, '/'-separated, relative to the root (a leading '/' is
 * accepted, empty components are ignored); "." and ".." components are
 * refused with -EINVAL. Names compare case-insensitively, as on Windows.
 * Errors are negative errno values: -EUCLEAN means the volume is
 * corrupt (bad BPB, a chain that loops or leaves the volume, a file
 * longer than its chain, a directory cycle). */
#ifndef SYNTH_PROTOCOLS_FAT_FAT_H
#define SYNTH_PROTOCOLS_FAT_FAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "devices/block.h"

/* Sector cache: slots of up to the largest FAT sector size. 8 slots of
 * 4 KiB and the folder hint's filter bound a volume's memory at about
 * 65 KiB whatever its size. */
#ifndef FAT_CACHE_SECTORS
#define FAT_CACHE_SECTORS 8
#endif
#define FAT_MAX_SECTOR 4096

/* Bits of the name filter that lets creating entries in a folder skip
 * rescanning it (struct fat_dir_hint); a power of two. 2^18 bits (32 KiB)
 * keep false positives under 1% up to some 20,000 names per folder. */
#ifndef FAT_DIR_FILTER_BITS
#define FAT_DIR_FILTER_BITS (1u << 18)
#endif

/* A long name is at most 255 UTF-16 units, so at most 765 UTF-8 bytes. */
#define FAT_NAME_MAX 768

/* Largest file: one byte short of 4 GiB. */
#define FAT_FILE_MAX 0xFFFFFFFFu

enum fat_type { FAT_TYPE_12 = 12, FAT_TYPE_16 = 16, FAT_TYPE_32 = 32 };

/* Mount flags. */
enum fat_mount_flags {
	FAT_MOUNT_RDONLY = 1,   /* never write (also implied by a read-only block device) */
	FAT_MOUNT_BARRIERS = 2  /* block_flush between ordered metadata writes */
};

/* Open flags: the same values as devices/fs.h's FS_* so an fs adapter
 * passes them through. */
enum fat_open_flags {
	FAT_O_READ = 1,
	FAT_O_WRITE = 2,
	FAT_O_CREATE = 4,
	FAT_O_EXCL = 8,
	FAT_O_TRUNC = 16,
	FAT_O_APPEND = 32
};

enum fat_whence { FAT_SEEK_SET, FAT_SEEK_CUR, FAT_SEEK_END };

/* Directory entry attributes (on-disk values). */
enum fat_attr {
	FAT_ATTR_READ_ONLY = 0x01,
	FAT_ATTR_HIDDEN = 0x02,
	FAT_ATTR_SYSTEM = 0x04,
	FAT_ATTR_VOLUME_ID = 0x08,
	FAT_ATTR_DIRECTORY = 0x10,
	FAT_ATTR_ARCHIVE = 0x20
};

/* Wall-clock time in nanoseconds since 1970-01-01T00:00:00Z (what
 * clock_wall_ns() returns). FAT stores local time; synth writes UTC. */
typedef int64_t (*fat_clock_fn)(void *arg);

struct fat_stat {
	uint64_t size;
	int64_t mtime_ns;  /* 0 when the entry carries no date */
	int64_t ctime_ns;  /* creation time */
	uint32_t first_cluster;
	uint8_t attr;      /* enum fat_attr */
	bool is_dir;
};

struct fat_volume_info {
	enum fat_type type;
	uint32_t sector_size;
	uint32_t cluster_size;   /* bytes */
	uint32_t clusters;       /* data clusters */
	uint32_t free_clusters;  /* counted if unknown */
	uint32_t serial;
	char label[12];          /* NUL-terminated, trailing spaces removed */
	bool was_dirty;          /* the dirty flag was set when mounted */
	bool read_only;
};

/* Cache slot bookkeeping (internal). */
struct fat_cache_slot {
	uint32_t sector;   /* volume sector held */
	uint32_t stamp;    /* LRU clock */
	uint8_t state;     /* 0 empty, 1 clean, 2 dirty */
	uint8_t kind;      /* FAT table or other metadata */
};

/* What the library remembers of the last folder it scanned in full for a
 * name it did not find (internal; dir.c): a Bloom filter of the names in
 * it, and where its used entries end, so that creating one entry after
 * another neither rescans the folder for each name nor searches it for
 * free slots. Kept up to date by every entry added there, and forgotten
 * when an entry there is removed, its chain freed or the cache dropped. */
/* Where a folder entry was when it was listed: enough to go straight back
 * to it (fat_lookup_hint) instead of searching the folder by name. */
struct fat_pos {
	uint32_t dir_cluster;     /* first cluster of the folder (0: the FAT12/16 root) */
	uint32_t first_index;     /* index of the entry's first long-name entry */
	uint32_t index;           /* index of its short entry */
	uint32_t cluster;         /* the folder's cluster holding first_index */
	uint64_t dir_gen;         /* the volume's dir_gen when it was read */
};

struct fat_dir_hint {
	bool valid;
	uint32_t dir;             /* first cluster of the folder (0: the FAT12/16 root) */
	uint32_t end;             /* index of its first never-used entry */
	uint32_t capacity;        /* entries its chain holds */
	uint32_t last_cluster;    /* last cluster of that chain (0 for the fixed root) */
	uint8_t filter[FAT_DIR_FILTER_BITS / 8];
};

struct fat_file;

/* A mounted volume. Fields are private; the struct is complete so that a
 * device can allocate it statically. */
struct fat_volume {
	struct block *dev;
	unsigned flags;
	enum fat_type type;
	uint32_t sector_size;
	uint8_t sector_shift;     /* log2(sector_size) */
	uint8_t dev_shift;        /* log2(volume sector / device sector) */
	uint8_t cluster_shift;    /* log2(sectors per cluster) */
	uint8_t num_fats;
	uint32_t cluster_size;    /* bytes */
	uint32_t reserved;        /* sectors before the first FAT */
	uint32_t fat_sectors;     /* sectors of one FAT copy */
	uint32_t active_fat;      /* the copy read (FAT32 with mirroring off) */
	bool mirror;              /* write every copy */
	uint32_t root_sector;     /* FAT12/16: first sector of the fixed root */
	uint32_t root_sectors;
	uint32_t root_cluster;    /* FAT32: first cluster of the root; else 0 */
	uint32_t data_sector;     /* first sector of cluster 2 */
	uint32_t total_sectors;
	uint32_t clusters;        /* count of data clusters */
	uint32_t max_cluster;     /* clusters + 1: the last valid number */
	uint32_t fsinfo_sector;   /* FAT32; 0 when absent or invalid */
	uint32_t free_count;      /* UINT32_MAX while unknown */
	uint32_t next_free;       /* where the next allocation search starts */
	uint32_t dir_max_clusters;/* bound on a directory's chain (65536 entries) */
	uint8_t state_offset;     /* boot-sector byte holding the dirty flag */
	bool fsinfo_dirty;
	bool marked_dirty;        /* we set the dirty flag and must clear it */
	bool was_dirty;
	bool read_only;
	bool mounted;
	uint32_t serial;
	char label[12];
	fat_clock_fn clock;
	void *clock_arg;
	struct fat_file *open_files;
	uint32_t stamp;
	struct fat_dir_hint hint;
	struct fat_pos lookup_hint; /* fat_lookup_hint's; valid while lookup_hinted */
	bool lookup_hinted;
	/* Changes whenever a folder's chain may have been freed (and at
	 * every mount): while it stays the same, a fat_pos's cluster is
	 * still where its folder's chain has it, since chains of folders
	 * only ever grow at the end. */
	uint64_t dir_gen;
	struct fat_cache_slot slots[FAT_CACHE_SECTORS];
	uint8_t cache[FAT_CACHE_SECTORS][FAT_MAX_SECTOR] __attribute__((aligned(64)));
};

/* An open file or folder. Private fields; allocate one per open. */
struct fat_file {
	struct fat_volume *vol;
	struct fat_file *next_open;
	uint32_t first_cluster;
	uint32_t size;
	uint64_t pos;
	uint32_t cur_cluster;     /* cluster holding cluster index cur_index, 0 = none */
	uint32_t cur_index;
	uint32_t dirent_sector;   /* volume sector of the short entry; 0 for the root */
	uint16_t dirent_offset;   /* byte offset of the short entry in that sector */
	uint16_t mdate, mtime;
	uint8_t attr;
	uint8_t flags;            /* enum fat_open_flags subset */
	bool meta_dirty;          /* size/cluster/time not yet in the entry */
	bool is_dir;
	/* Brent's cycle detection over the chain walk (a looping chain). */
	uint32_t loop_mark, loop_power, loop_steps;
};

/* A folder being listed. */
struct fat_dir {
	struct fat_volume *vol;
	uint32_t first_cluster;   /* 0: the FAT12/16 fixed root */
	uint32_t cluster;         /* current cluster (0 with the fixed root) */
	uint32_t index;           /* entry index from the start of the folder */
	uint32_t hops;            /* clusters walked, against loops */
	bool end;
};

struct fat_dirent {
	char name[FAT_NAME_MAX];  /* UTF-8, NUL-terminated */
	char short_name[13];      /* "NAME.EXT" as on disk (OEM bytes) */
	struct fat_stat st;
	struct fat_pos pos;       /* where it is, for fat_lookup_hint */
};

/* Mount: read and validate the boot sector (and FSInfo). Returns 0,
 * -EUCLEAN for a bad or unsupported BPB, -EINVAL when the device's
 * sector size is larger than the volume's, or an I/O error. */
int fat_mount(struct fat_volume *v, struct block *dev, unsigned flags);

/* Timestamps for new and changed entries come from fn (NULL: 1980-01-01). */
void fat_set_clock(struct fat_volume *v, fat_clock_fn fn, void *arg);

/* Write every pending change (entries of open files, FAT, FSInfo), clear
 * the dirty flag if this mount set it, and flush the device. */
int fat_sync(struct fat_volume *v);

/* fat_sync, then forget the volume. Open files must be closed first
 * (-EBUSY otherwise). */
int fat_unmount(struct fat_volume *v);

int fat_volume_info(struct fat_volume *v, struct fat_volume_info *out);

/* Files. fat_open on a folder works with FAT_O_READ only (fat_fstat);
 * reading a folder's bytes is refused with -EISDIR. */
int fat_open(struct fat_volume *v, struct fat_file *f, const char *path, unsigned flags);
long fat_read(struct fat_file *f, void *buf, size_t len);
long fat_write(struct fat_file *f, const void *buf, size_t len);
long fat_pread(struct fat_file *f, void *buf, size_t len, uint64_t off);
int64_t fat_seek(struct fat_file *f, int64_t off, enum fat_whence whence);
int fat_truncate(struct fat_file *f, uint64_t size);
int fat_fstat(struct fat_file *f, struct fat_stat *st);
int fat_fsync(struct fat_file *f);
int fat_close(struct fat_file *f);

/* Names. */
int fat_stat(struct fat_volume *v, const char *path, struct fat_stat *st);
int fat_unlink(struct fat_volume *v, const char *path);
int fat_mkdir(struct fat_volume *v, const char *path);
int fat_rmdir(struct fat_volume *v, const char *path);
/* Moves a file or folder, also to another folder; replaces an existing
 * file at `to` (not a folder: -EISDIR/-ENOTDIR as POSIX rename). */
int fat_rename(struct fat_volume *v, const char *from, const char *to);

/* Listing, in on-disk order; "." and ".." and the volume label are
 * skipped. fat_dir_read returns 1 with *e filled, 0 at the end, or an
 * error. */
int fat_dir_open(struct fat_volume *v, struct fat_dir *d, const char *path);
int fat_dir_read(struct fat_dir *d, struct fat_dirent *e);

/* Every entry of a folder in bytewise name order. Memory does not grow
 * with the folder: each entry costs a pass over it, so this suits
 * folders of hundreds of entries, not 10,000 (the kv and fs devices read
 * a folder once with fat_dir_read and sort it in memory instead).
 * Returns 0, the first non-zero value fn returned, or an error. */
typedef int (*fat_list_fn)(void *arg, const struct fat_dirent *e);
int fat_list(struct fat_volume *v, const char *path, fat_list_fn fn, void *arg);

/* Finding a name searches its folder from the start, so visiting every
 * entry of a large folder by name (copying a listed folder out, removing
 * it) would read the folder once per entry. With pos from a listing's
 * fat_dirent, the next search of pos's folder looks at that entry first;
 * it is checked against the name sought, so a stale pos (the entry since
 * removed or replaced) costs only that check and the usual search. The
 * hint is used once, or dropped by fat_lookup_hint(v, NULL). */
void fat_lookup_hint(struct fat_volume *v, const struct fat_pos *pos);

/* Format. Zero fields choose what mkfs.fat would. */
struct fat_format_opts {
	enum fat_type type;          /* 0: by size (FAT32 from 512 MiB) */
	uint32_t sectors_per_cluster;/* 0: by type and size */
	uint32_t root_entries;       /* FAT12/16; 0: 512 (112/224 on floppy sizes) */
	uint8_t num_fats;            /* 0: 2 */
	uint32_t serial;             /* volume id; 0: derived from the clock or size */
	const char *label;           /* NULL: "NO NAME" */
	fat_clock_fn clock;
	void *clock_arg;
};
int fat_format(struct block *dev, const struct fat_format_opts *opts);

#endif
