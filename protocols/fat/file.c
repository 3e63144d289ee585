/* Open files: open, read, write, seek, truncate, fsync, close. Data
 * moves between the caller's buffer and the device in runs of contiguous
 * clusters; an open file's size and first cluster reach its entry at
 * close, fsync or sync (the FAT first), so a crash leaves at worst a
 * chain longer than the size, which fsck.fat trims. */
#include "protocols/fat/fat_int.h"

#define MAX_RUN (16u << 20) /* bytes per device request */

struct fat_file *fat__open_file_at(struct fat_volume *v, uint32_t sector, uint16_t offset)
{
	if (sector == 0)
		return NULL;
	for (struct fat_file *f = v->open_files; f != NULL; f = f->next_open)
		if (f->dirent_sector == sector && f->dirent_offset == offset)
			return f;
	return NULL;
}

/* Copy f's view of the file to every other handle on the same entry. */
static void share_state(struct fat_file *f)
{
	for (struct fat_file *g = f->vol->open_files; g != NULL; g = g->next_open) {
		if (g == f || g->dirent_sector != f->dirent_sector || g->dirent_offset != f->dirent_offset)
			continue;
		g->size = f->size;
		g->first_cluster = f->first_cluster;
		g->mdate = f->mdate;
		g->mtime = f->mtime;
		g->attr = f->attr;
		g->meta_dirty = f->meta_dirty;
		g->cur_cluster = 0;
	}
}

int fat__flush_file(struct fat_file *f)
{
	struct fat_volume *v = f->vol;
	if (!f->meta_dirty || f->dirent_sector == 0)
		return 0;
	int err;
	uint8_t *p = fat__cache_get(v, f->dirent_sector, KIND_META, &err);
	if (p == NULL)
		return err;
	uint8_t *de = p + f->dirent_offset;
	put32(de + DE_SIZE, f->size);
	set_de_cluster(de, f->first_cluster);
	put16(de + DE_MDATE, f->mdate);
	put16(de + DE_MTIME, f->mtime);
	put16(de + DE_ADATE, f->mdate);
	de[DE_ATTR] = f->attr;
	fat__cache_mark(v, p);
	f->meta_dirty = false;
	share_state(f);
	return 0;
}

static void touch(struct fat_file *f)
{
	uint8_t tenth;
	fat__now(f->vol, &f->mdate, &f->mtime, &tenth);
	f->attr |= FAT_ATTR_ARCHIVE;
	f->meta_dirty = true;
}

/* The cluster holding cluster index idx of f's chain. A walk that comes
 * back to a cluster it passed (Brent's method, O(1) memory) is a loop. */
static int file_cluster(struct fat_file *f, uint32_t idx, uint32_t *out)
{
	struct fat_volume *v = f->vol;
	uint32_t c = f->first_cluster, i = 0;
	if (f->cur_cluster != 0 && idx >= f->cur_index) {
		c = f->cur_cluster;
		i = f->cur_index;
	} else {
		f->loop_mark = c;
		f->loop_power = 1;
		f->loop_steps = 0;
	}
	if (!cluster_valid(v, c))
		return -EUCLEAN;
	while (i < idx) {
		int64_t nx = fat__next(v, c);
		if (nx < 0)
			return (int)nx;
		if (nx == FAT_EOC)
			return -EUCLEAN; /* the size says more than the chain holds */
		c = (uint32_t)nx;
		i++;
		if (c == f->loop_mark)
			return -EUCLEAN;
		if (++f->loop_steps >= f->loop_power) {
			f->loop_mark = c;
			f->loop_power *= 2;
			f->loop_steps = 0;
		}
	}
	f->cur_cluster = c;
	f->cur_index = i;
	*out = c;
	return 0;
}

/* Move len bytes between the file at pos and buf. Whole sectors go
 * straight to the device in runs over contiguous clusters; partial ones
 * through a cache slot (written through at once when writing). */
static long transfer(struct fat_file *f, uint64_t pos, uint8_t *rbuf, const uint8_t *wbuf, size_t len)
{
	struct fat_volume *v = f->vol;
	uint32_t cbits = v->sector_shift + v->cluster_shift;
	uint32_t cs = v->cluster_size, ss = v->sector_size;
	size_t done = 0;
	while (done < len) {
		uint32_t c;
		int rc = file_cluster(f, (uint32_t)(pos >> cbits), &c);
		if (rc < 0)
			return done > 0 ? (long)done : rc;
		uint32_t in = (uint32_t)pos & (cs - 1);
		uint32_t sec = cluster_sector(v, c) + (in >> v->sector_shift);
		uint32_t soff = in & (ss - 1);
		size_t left = len - done, n;
		if (soff == 0 && left >= ss) {
			uint64_t avail = cs - in;
			uint32_t cc = c, ci = f->cur_index;
			while (avail < left && avail < MAX_RUN) {
				int64_t nx = fat__next(v, cc);
				if (nx < 0 || nx != (int64_t)cc + 1)
					break;
				cc = (uint32_t)nx;
				ci++;
				avail += cs;
			}
			n = (size_t)(left < avail ? left : avail) & ~(size_t)(ss - 1);
			rc = rbuf != NULL ? fat__data_read(v, sec, (uint32_t)(n >> v->sector_shift), rbuf + done)
					  : fat__data_write(v, sec, (uint32_t)(n >> v->sector_shift), wbuf + done);
			f->cur_cluster = cc;
			f->cur_index = ci;
		} else {
			n = ss - soff < left ? ss - soff : left;
			int err = 0;
			uint8_t *p;
			if (rbuf != NULL) {
				p = fat__cache_get(v, sec, KIND_META, &err);
				if (p != NULL)
					memcpy(rbuf + done, p + soff, n);
			} else {
				/* A sector wholly past the end holds nothing worth reading. */
				bool fresh = pos - soff >= f->size;
				p = fresh ? fat__cache_zero(v, sec, KIND_META, &err) : fat__cache_get(v, sec, KIND_META, &err);
				if (p != NULL) {
					memcpy(p + soff, wbuf + done, n);
					err = fat__data_write(v, sec, 1, p);
				}
			}
			rc = p == NULL ? err : err < 0 ? err : 0;
		}
		if (rc < 0)
			return done > 0 ? (long)done : rc;
		done += n;
		pos += n;
	}
	return (long)done;
}

/* Bytes the file's chain covers, from its size (a chain longer than
 * that, left by a power cut, is relinked past its size when it grows). */
static uint64_t chain_bytes(const struct fat_file *f)
{
	const struct fat_volume *v = f->vol;
	if (f->first_cluster == 0)
		return 0;
	uint64_t n = ((uint64_t)f->size + v->cluster_size - 1) / v->cluster_size;
	return (n > 0 ? n : 1) * v->cluster_size;
}

/* Bytes of whole clusters holding the first `bytes` bytes. */
static uint64_t chain_bytes_upto(const struct fat_file *f, uint64_t bytes)
{
	uint64_t cs = f->vol->cluster_size;
	return (bytes + cs - 1) / cs * cs;
}

/* Make the chain long enough for `bytes` bytes. */
static int ensure_clusters(struct fat_file *f, uint64_t bytes)
{
	struct fat_volume *v = f->vol;
	uint32_t cbits = v->sector_shift + v->cluster_shift;
	uint32_t need = (uint32_t)((bytes + v->cluster_size - 1) >> cbits);
	uint32_t have = (uint32_t)(chain_bytes(f) >> cbits);
	if (need <= have)
		return 0;
	uint32_t last = 0, first;
	int rc;
	if (have > 0 && (rc = file_cluster(f, have - 1, &last)) < 0)
		return rc;
	if ((rc = fat__alloc(v, last, need - have, false, &first)) < 0)
		return rc;
	if (have == 0) {
		f->first_cluster = first;
		f->meta_dirty = true;
	}
	return 0;
}

/* How many bytes of new clusters one step of growth takes. Allocating
 * marks FAT sectors dirty in the cache; were there more of them than the
 * cache holds, the oldest would be written out before the data of the
 * clusters they link, against rule 1 of cache.c. So growth goes in steps
 * whose FAT entries fill at most half the cache (one sector fewer, for an
 * entry that straddles two, and the link from the chain's old end), and
 * each step's data is written before the next allocation. */
static uint64_t growth_step(const struct fat_volume *v)
{
	uint32_t per_sector = v->type == FAT_TYPE_12 ? v->sector_size * 2 / 3
	                      : v->type == FAT_TYPE_16 ? v->sector_size / 2 : v->sector_size / 4;
	return (uint64_t)per_sector * (FAT_CACHE_SECTORS / 2 - 1) * v->cluster_size;
}

/* Clusters for the file up to `*end`, at most one growth step past the
 * `have` bytes its chain covers now. On a volume too full for them, *end
 * is cut back to what fits. */
static int grow_to(struct fat_file *f, uint64_t have, uint64_t *end)
{
	struct fat_volume *v = f->vol;
	if (*end - have > growth_step(v))
		*end = have + growth_step(v);
	int rc = ensure_clusters(f, *end);
	if (rc == -ENOSPC && v->free_count != UINT32_MAX && v->free_count > 0) {
		uint64_t fits = have + (uint64_t)v->free_count * v->cluster_size;
		if (fits < *end) {
			*end = fits;
			rc = ensure_clusters(f, *end);
		}
	}
	return rc;
}

/* Write at pos, growing the file; fills a gap after the old end with
 * zeros. Returns the bytes of buf written (short on a full volume), or
 * an error when none were. */
static long write_at(struct fat_file *f, uint64_t pos, const uint8_t *buf, size_t len)
{
	if (len == 0)
		return 0;
	if (pos >= FAT_FILE_MAX)
		return -EFBIG;
	if (len > FAT_FILE_MAX - pos)
		len = (size_t)(FAT_FILE_MAX - pos);
	uint64_t end = pos + len;
	/* Writing starts at the old end when there is a gap to zero. */
	uint64_t at = f->size < pos ? f->size : pos, start = at;
	/* The bytes the chain covers. Past them the file takes one growth
	 * step at a time; by then the size has caught up with the chain, so
	 * ensure_clusters (which counts from the size) agrees with it. */
	uint64_t chain = chain_bytes(f);
	struct fat_volume *v = f->vol;
	if (pos >= chain && v->free_count != UINT32_MAX && chain + (uint64_t)v->free_count * v->cluster_size <= pos)
		return -ENOSPC; /* not a byte of buf would fit: leave the size alone */
	long rc = 0;
	while (at < end) {
		uint64_t stop = end;
		if (at >= chain) {
			if ((rc = grow_to(f, chain, &stop)) < 0)
				break;
			chain = chain_bytes_upto(f, stop);
		} else if (stop > chain) {
			stop = chain;
		}
		if (at < pos) { /* the gap, in zeros */
			uint64_t gap = (stop < pos ? stop : pos) - at;
			size_t n = gap < sizeof(fat__zeros) ? (size_t)gap : sizeof(fat__zeros);
			rc = transfer(f, at, NULL, fat__zeros, n);
		} else {
			rc = transfer(f, at, NULL, buf + (at - pos), (size_t)(stop - at));
		}
		if (rc <= 0) {
			rc = rc < 0 ? rc : -EIO;
			break;
		}
		at += (uint64_t)rc;
		if (at > f->size)
			f->size = (uint32_t)at;
	}
	if (at > start) {
		touch(f);
		share_state(f);
	}
	return at > pos ? (long)(at - pos) : rc;
}

static bool file_ok(struct fat_file *f)
{
	return f != NULL && f->vol != NULL && f->vol->mounted;
}

long fat_read(struct fat_file *f, void *buf, size_t len)
{
	long n = fat_pread(f, buf, len, f->pos);
	if (n > 0)
		f->pos += (uint64_t)n;
	return n;
}

long fat_pread(struct fat_file *f, void *buf, size_t len, uint64_t off)
{
	if (!file_ok(f))
		return -EBADF;
	if (f->is_dir)
		return -EISDIR;
	if (!(f->flags & FAT_O_READ))
		return -EBADF;
	if (off >= f->size || len == 0)
		return 0;
	if (len > f->size - off)
		len = (size_t)(f->size - off);
	return transfer(f, off, buf, NULL, len);
}

long fat_write(struct fat_file *f, const void *buf, size_t len)
{
	if (!file_ok(f))
		return -EBADF;
	if (f->is_dir)
		return -EISDIR;
	if (!(f->flags & FAT_O_WRITE))
		return -EBADF;
	if (len == 0)
		return 0;
	int rc = fat__begin_change(f->vol);
	if (rc < 0)
		return rc;
	if (f->flags & FAT_O_APPEND)
		f->pos = f->size;
	long n = write_at(f, f->pos, buf, len);
	if (n > 0)
		f->pos += (uint64_t)n;
	return n;
}

int64_t fat_seek(struct fat_file *f, int64_t off, enum fat_whence whence)
{
	if (!file_ok(f))
		return -EBADF;
	int64_t base = whence == FAT_SEEK_SET ? 0 : whence == FAT_SEEK_CUR ? (int64_t)f->pos
		     : whence == FAT_SEEK_END ? (int64_t)f->size : -1;
	if (base < 0)
		return -EINVAL;
	if ((off < 0 && -off > base) || (off > 0 && off > (int64_t)FAT_FILE_MAX - base))
		return -EINVAL;
	f->pos = (uint64_t)(base + off);
	return (int64_t)f->pos;
}

/* Shrink to size: the entry first (committed), then the FAT. */
static int shrink(struct fat_file *f, uint32_t size)
{
	struct fat_volume *v = f->vol;
	uint32_t cbits = v->sector_shift + v->cluster_shift;
	uint32_t keep = (uint32_t)(((uint64_t)size + v->cluster_size - 1) >> cbits);
	uint32_t old_first = f->first_cluster, last = 0;
	int rc;
	if (keep > 0 && old_first != 0 && (rc = file_cluster(f, keep - 1, &last)) < 0)
		return rc;
	f->size = size;
	if (keep == 0)
		f->first_cluster = 0;
	f->cur_cluster = 0;
	touch(f);
	if ((rc = fat__flush_file(f)) < 0 || (rc = fat__commit(v)) < 0 || (rc = fat__barrier(v)) < 0)
		return rc;
	if (keep == 0) {
		rc = fat__free_chain(v, old_first);
	} else if (last != 0) {
		int64_t nx = fat__next(v, last);
		if (nx == FAT_EOC)
			return fat__commit(v);
		rc = fat__set_entry(v, last, FAT_EOC);
		if (rc == 0 && nx > 0)
			rc = fat__free_chain(v, (uint32_t)nx);
	}
	if (rc == 0)
		rc = fat__commit(v);
	return rc;
}

int fat_truncate(struct fat_file *f, uint64_t size)
{
	if (!file_ok(f))
		return -EBADF;
	if (f->is_dir)
		return -EISDIR;
	if (!(f->flags & FAT_O_WRITE))
		return -EBADF;
	if (size > FAT_FILE_MAX)
		return -EFBIG;
	int rc = fat__begin_change(f->vol);
	if (rc < 0)
		return rc;
	if (size > f->size) {
		/* Growing is a write of the last byte: the gap fills with zeros. */
		long k = write_at(f, size - 1, fat__zeros, 1);
		return k == 1 ? 0 : k < 0 ? (int)k : -ENOSPC;
	}
	if (size == f->size)
		return 0;
	rc = shrink(f, (uint32_t)size);
	share_state(f);
	return rc;
}

void fat__fill_stat_file(struct fat_file *f, struct fat_stat *st)
{
	st->size = f->is_dir ? 0 : f->size;
	st->first_cluster = f->first_cluster;
	st->mtime_ns = fat__to_ns(f->mdate, f->mtime, 0);
	st->attr = f->attr;
	st->is_dir = f->is_dir;
}

int fat_fstat(struct fat_file *f, struct fat_stat *st)
{
	if (!file_ok(f))
		return -EBADF;
	memset(st, 0, sizeof(*st));
	if (f->dirent_sector != 0) {
		int err;
		const uint8_t *p = fat__cache_get(f->vol, f->dirent_sector, KIND_META, &err);
		if (p == NULL)
			return err;
		fat__fill_stat(p + f->dirent_offset, st);
	}
	fat__fill_stat_file(f, st);
	return 0;
}

int fat_fsync(struct fat_file *f)
{
	if (!file_ok(f))
		return -EBADF;
	int rc = fat__flush_file(f);
	if (rc == 0)
		rc = fat__commit(f->vol);
	if (rc == 0 && !f->vol->read_only)
		rc = block_flush(f->vol->dev);
	return rc;
}

int fat_close(struct fat_file *f)
{
	if (f == NULL || f->vol == NULL)
		return -EBADF;
	struct fat_volume *v = f->vol;
	int rc = 0;
	if (v->mounted && !v->read_only) {
		rc = fat__flush_file(f);
		if (rc == 0)
			rc = fat__commit(v);
	}
	for (struct fat_file **pp = &v->open_files; *pp != NULL; pp = &(*pp)->next_open) {
		if (*pp == f) {
			*pp = f->next_open;
			break;
		}
	}
	f->vol = NULL;
	return rc;
}

static void setup_file(struct fat_volume *v, struct fat_file *f, const struct fat_found *fd, unsigned flags)
{
	memset(f, 0, sizeof(*f));
	f->vol = v;
	f->flags = (uint8_t)(flags & (FAT_O_READ | FAT_O_WRITE | FAT_O_APPEND));
	f->attr = fd->de[DE_ATTR];
	f->is_dir = (f->attr & FAT_ATTR_DIRECTORY) != 0;
	f->first_cluster = de_cluster(v, fd->de);
	f->size = f->is_dir ? 0 : get32(fd->de + DE_SIZE);
	f->mdate = get16(fd->de + DE_MDATE);
	f->mtime = get16(fd->de + DE_MTIME);
	f->dirent_sector = fd->loc.sector;
	f->dirent_offset = fd->loc.offset;
	struct fat_file *other = fat__open_file_at(v, f->dirent_sector, f->dirent_offset);
	if (other != NULL) {
		f->size = other->size;
		f->first_cluster = other->first_cluster;
		f->mdate = other->mdate;
		f->mtime = other->mtime;
		f->attr = other->attr;
		f->meta_dirty = other->meta_dirty;
	}
	f->next_open = v->open_files;
	v->open_files = f;
}

int fat_open(struct fat_volume *v, struct fat_file *f, const char *path, unsigned flags)
{
	if (!v->mounted)
		return -EINVAL;
	if (!(flags & (FAT_O_READ | FAT_O_WRITE)))
		flags |= FAT_O_READ;
	bool writing = flags & (FAT_O_WRITE | FAT_O_CREATE | FAT_O_TRUNC);
	if (writing && v->read_only)
		return -EROFS;
	uint32_t parent;
	const char *last;
	size_t last_len;
	struct fat_found fd;
	int rc = fat__lookup_parent(v, path, &parent, &last, &last_len);
	if (rc < 0)
		return rc;
	if (last == NULL) { /* the root */
		if (flags & FAT_O_WRITE)
			return -EISDIR;
		memset(&fd, 0, sizeof(fd));
		fd.de[DE_ATTR] = FAT_ATTR_DIRECTORY;
		set_de_cluster(fd.de, v->type == FAT_TYPE_32 ? v->root_cluster : 0);
		setup_file(v, f, &fd, flags);
		return 0;
	}
	uint16_t u[256];
	int un = fat__name_to_ucs2(last, last_len, u);
	if (un < 0)
		return un;
	rc = fat__dir_find(v, parent, u, (size_t)un, &fd);
	if (rc == 0) {
		if ((flags & FAT_O_CREATE) && (flags & FAT_O_EXCL))
			return -EEXIST;
		if (fd.de[DE_ATTR] & FAT_ATTR_DIRECTORY) {
			if (flags & (FAT_O_WRITE | FAT_O_TRUNC))
				return -EISDIR;
		} else if ((flags & FAT_O_WRITE) && (fd.de[DE_ATTR] & FAT_ATTR_READ_ONLY)) {
			return -EACCES;
		}
		setup_file(v, f, &fd, flags);
		if ((flags & FAT_O_TRUNC) && (flags & FAT_O_WRITE) && f->size > 0) {
			if ((rc = fat__begin_change(v)) < 0 || (rc = fat_truncate(f, 0)) < 0) {
				fat_close(f);
				return rc;
			}
		}
		return 0;
	}
	if (rc != -ENOENT || !(flags & FAT_O_CREATE))
		return rc;
	if ((un = fat__new_name(last, last_len, u)) < 0)
		return un;
	if ((rc = fat__begin_change(v)) < 0)
		return rc;
	fat__new_entry(v, fd.de, FAT_ATTR_ARCHIVE, 0);
	if ((rc = fat__dir_add(v, parent, u, (size_t)un, fd.de, &fd.loc)) < 0)
		return rc;
	if ((rc = fat__commit(v)) < 0)
		return rc;
	setup_file(v, f, &fd, flags);
	return 0;
}

