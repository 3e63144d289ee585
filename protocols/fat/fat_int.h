/* Internals shared by the FAT library's files: on-disk layout constants,
 * little-endian access, and the functions one part offers the others.
 * Not for use outside protocols/fat/. */
#ifndef SYNTH_PROTOCOLS_FAT_FAT_INT_H
#define SYNTH_PROTOCOLS_FAT_FAT_INT_H

#include <errno.h>
#include <string.h>

#include "protocols/fat/fat.h"

/* Cluster count boundaries from the Microsoft FAT specification: the type
 * of a volume is decided by its count of data clusters, nothing else. */
#define FAT12_MAX_CLUSTERS 4084u
#define FAT16_MAX_CLUSTERS 65524u
#define FAT32_MAX_CLUSTERS 0x0FFFFFF5u

/* Special FAT entry values (after masking to the type's width). */
#define FAT_FREE 0u
#define FAT_EOC 0x0FFFFFFFu   /* what next_cluster() reports for any end mark */
#define FAT_BAD 0x0FFFFFF7u

#define DIRENT_SIZE 32u
#define DIR_MAX_ENTRIES 65536u

/* Short entry fields. */
#define DE_NAME 0
#define DE_ATTR 11
#define DE_NTRES 12
#define DE_CTIME_TENTH 13
#define DE_CTIME 14
#define DE_CDATE 16
#define DE_ADATE 18
#define DE_CLUS_HI 20
#define DE_MTIME 22
#define DE_MDATE 24
#define DE_CLUS_LO 26
#define DE_SIZE 28

#define ATTR_LFN 0x0F
#define ATTR_LFN_MASK 0x3F
#define NTRES_LOWER_BASE 0x08
#define NTRES_LOWER_EXT 0x10
#define LFN_LAST 0x40
#define LFN_CHARS 13

enum cache_kind { KIND_META = 0, KIND_FAT = 1 };

static inline uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline void put16(uint8_t *p, uint32_t x) { p[0] = (uint8_t)x; p[1] = (uint8_t)(x >> 8); }
static inline void put32(uint8_t *p, uint32_t x)
{
	p[0] = (uint8_t)x; p[1] = (uint8_t)(x >> 8); p[2] = (uint8_t)(x >> 16); p[3] = (uint8_t)(x >> 24);
}

static inline uint32_t cluster_sector(const struct fat_volume *v, uint32_t c)
{
	return v->data_sector + ((c - 2) << v->cluster_shift);
}
static inline bool cluster_valid(const struct fat_volume *v, uint32_t c)
{
	return c >= 2 && c <= v->max_cluster;
}
static inline uint32_t entry_cluster(const uint8_t *de)
{
	return (uint32_t)get16(de + DE_CLUS_HI) << 16 | get16(de + DE_CLUS_LO);
}
/* An entry's first cluster; FAT12/16 ignore the high word (OS/2 used it). */
static inline uint32_t de_cluster(const struct fat_volume *v, const uint8_t *de)
{
	uint32_t c = entry_cluster(de);
	return v->type == FAT_TYPE_32 ? c : c & 0xFFFF;
}
static inline void set_de_cluster(uint8_t *de, uint32_t c)
{
	put16(de + DE_CLUS_HI, c >> 16);
	put16(de + DE_CLUS_LO, c & 0xFFFF);
}

/* cache.c: every metadata sector goes through here. fat__cache_get
 * returns a pointer to the sector's bytes (valid until the next cache
 * call) or NULL with *err set. */
uint8_t *fat__cache_get(struct fat_volume *v, uint32_t sector, enum cache_kind kind, int *err);
/* Like get, but the caller overwrites the whole sector: no read. */
uint8_t *fat__cache_zero(struct fat_volume *v, uint32_t sector, enum cache_kind kind, int *err);
void fat__cache_mark(struct fat_volume *v, const uint8_t *data);
/* Write dirty FAT sectors (every copy), then dirty metadata sectors. */
int fat__commit(struct fat_volume *v);
void fat__cache_drop_all(struct fat_volume *v);
/* Data bypasses the cache for whole sectors; these keep the cache
 * coherent with such transfers. */
int fat__data_read(struct fat_volume *v, uint32_t sector, uint32_t count, void *buf);
int fat__data_write(struct fat_volume *v, uint32_t sector, uint32_t count, const void *buf);
int fat__dev_write(struct fat_volume *v, uint32_t sector, uint32_t count, const void *buf);
/* A sector's worth of zeros, for zero-filling. */
extern const uint8_t fat__zeros[FAT_MAX_SECTOR];
int fat__barrier(struct fat_volume *v);

/* bpb.c: set the dirty flag before the first change after a clean point. */
int fat__begin_change(struct fat_volume *v);

/* table.c */
/* Next cluster of c: a valid cluster, FAT_EOC, or -EUCLEAN for a free,
 * bad, reserved or out-of-range link. */
int64_t fat__next(struct fat_volume *v, uint32_t c);
int fat__get_entry(struct fat_volume *v, uint32_t c, uint32_t *out);
int fat__set_entry(struct fat_volume *v, uint32_t c, uint32_t val);
/* Allocate n clusters as a chain ending in EOC, linked after prev (0: a
 * new chain); *first receives the first new cluster. -ENOSPC leaves the
 * FAT unchanged. Zero-fills them when zero is set. */
int fat__alloc(struct fat_volume *v, uint32_t prev, uint32_t n, bool zero, uint32_t *first);
/* Free the chain starting at c (stops at EOC, a free entry or after
 * `clusters` steps). */
int fat__free_chain(struct fat_volume *v, uint32_t c);
int fat__count_free(struct fat_volume *v, uint32_t *out);

/* names.c */
/* Decode one UTF-8 code point from s[*i..len); -EINVAL if malformed. */
int32_t fat__utf8_next(const char *s, size_t len, size_t *i);
/* Append code point cp as UTF-8 into out (cap bytes); returns bytes or 0. */
size_t fat__utf8_put(char *out, size_t cap, uint32_t cp);
/* Convert a UTF-8 name to UTF-16; returns the unit count or -EINVAL /
 * -ENAMETOOLONG. Checks the characters a long name may hold. */
int fat__name_to_ucs2(const char *name, size_t len, uint16_t *out);
/* Case-insensitive compare of two UTF-16 names. */
bool fat__ucs2_eq(const uint16_t *a, size_t alen, const uint16_t *b, size_t blen);
uint16_t fat__upcase(uint16_t c);
uint8_t fat__lfn_checksum(const uint8_t *short_name);
/* The short form of a long name: fills sn[11] with the basis name and
 * returns 0 when the name is itself a valid 8.3 name (*ntres gets the
 * case bits), 1 when only a long entry is needed to keep its mixed case,
 * 2 when the basis lost something and needs a numeric tail too. */
int fat__short_basis(const uint16_t *name, size_t n, uint8_t sn[11], uint8_t *ntres);
/* Put "~N" into sn (basis from fat__short_basis). */
void fat__short_tail(uint8_t sn[11], uint32_t n);
/* The UTF-16 form of an on-disk short name with its case bits. */
size_t fat__short_to_ucs2(const uint8_t *de, uint16_t out[12]);
size_t fat__ucs2_to_utf8(const uint16_t *u, size_t n, char *out, size_t cap);

/* dir.c */
struct fat_loc {
	uint32_t dir_cluster;     /* first cluster of the folder (0: fixed root) */
	uint32_t index;           /* index of the short entry */
	uint32_t first_index;     /* index of its first long entry (== index without) */
	uint32_t first_cluster;   /* the folder's cluster holding first_index (0: fixed root) */
	uint32_t sector;          /* volume sector of the short entry */
	uint16_t offset;          /* byte offset in that sector */
};
struct fat_found {
	struct fat_loc loc;
	uint8_t de[DIRENT_SIZE];  /* copy of the short entry */
};
/* Sector and offset of entry `index` of a folder. */
int fat__dir_entry_sector(struct fat_volume *v, uint32_t dir_cluster, uint32_t index,
			  uint32_t *sector, uint16_t *offset);
/* Read one entry of a listing with its long name (UTF-16 in name,
 * *nlen units; 0 when there is none). Returns 1, 0 at the end, or an
 * error. Skips deleted entries, long entries, and the volume label. */
int fat__dir_next(struct fat_dir *d, struct fat_found *out, uint16_t *name, size_t *nlen);
/* Resolve a path. On success *found describes the entry (for the root:
 * loc.sector == 0 and de is a synthetic folder entry). With parent_out,
 * resolution stops at the last component: *parent_out is its folder's
 * first cluster (0: fixed root) and the last name is returned in
 * last and last_len (NULL when the path names the root). */
int fat__lookup(struct fat_volume *v, const char *path, struct fat_found *found);
int fat__lookup_parent(struct fat_volume *v, const char *path, uint32_t *parent,
		       const char **last, size_t *last_len);
/* Find name (UTF-16) in a folder: 0 and *found, or -ENOENT. */
int fat__dir_find(struct fat_volume *v, uint32_t dir, const uint16_t *name, size_t n,
		  struct fat_found *found);
/* Create the entries for name in folder dir from the 32-byte template de
 * (its name bytes are replaced); *loc receives where the short entry went. */
int fat__dir_add(struct fat_volume *v, uint32_t dir, const uint16_t *name, size_t n,
		 uint8_t de[DIRENT_SIZE], struct fat_loc *loc);
/* Mark the entries of loc deleted. */
int fat__dir_remove(struct fat_volume *v, const struct fat_loc *loc);
/* Forget the folder hint (all of it, or only when it describes the
 * folder starting at cluster dir). */
void fat__hint_forget(struct fat_volume *v);
void fat__hint_forget_dir(struct fat_volume *v, uint32_t dir);
/* Whether a folder holds anything but "." and "..": 0 empty, 1 not. */
int fat__dir_nonempty(struct fat_volume *v, uint32_t dir);
/* FAT date and time from the clock. */
void fat__now(struct fat_volume *v, uint16_t *date, uint16_t *time, uint8_t *tenth);
void fat__now_from(fat_clock_fn clock, void *arg, uint16_t *date, uint16_t *time, uint8_t *tenth);
int64_t fat__to_ns(uint16_t date, uint16_t time, uint8_t tenth);
void fat__fill_stat(const uint8_t *de, struct fat_stat *st);

/* file.c: an open file whose entry is at (sector, offset), or NULL. */
struct fat_file *fat__open_file_at(struct fat_volume *v, uint32_t sector, uint16_t offset);
int fat__flush_file(struct fat_file *f);
/* What an open handle knows better than its entry (size, times). */
void fat__fill_stat_file(struct fat_file *f, struct fat_stat *st);

/* ns.c: a UTF-8 name for a new entry as UTF-16 (refusing trailing dots
 * and spaces, which Windows would strip), and a fresh entry's fields. */
int fat__new_name(const char *s, size_t n, uint16_t *u);
void fat__new_entry(struct fat_volume *v, uint8_t *de, uint8_t attr, uint32_t cluster);

#endif
