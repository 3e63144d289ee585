/* The name space: stat, unlink, mkdir, rmdir, rename (also across
 * folders, replacing a file) and listing, with the ordering rules of
 * cache.c: a new entry is committed before an old one goes, an entry is
 * gone before its clusters are freed. */
#include "protocols/fat/fat_int.h"

/* A UTF-8 name for a new entry, as UTF-16; refuses what Windows would
 * silently alter (trailing dots and spaces). */
int fat__new_name(const char *s, size_t n, uint16_t *u)
{
	int un = fat__name_to_ucs2(s, n, u);
	if (un < 0)
		return un;
	if (u[un - 1] == '.' || u[un - 1] == ' ')
		return -EINVAL;
	return un;
}

/* The first 32 bytes of a new entry: attributes and every timestamp. */
void fat__new_entry(struct fat_volume *v, uint8_t *de, uint8_t attr, uint32_t cluster)
{
	uint16_t date, time;
	uint8_t tenth;
	memset(de, 0, DIRENT_SIZE);
	fat__now(v, &date, &time, &tenth);
	de[DE_ATTR] = attr;
	de[DE_CTIME_TENTH] = tenth;
	put16(de + DE_CTIME, time);
	put16(de + DE_CDATE, date);
	put16(de + DE_ADATE, date);
	put16(de + DE_MTIME, time);
	put16(de + DE_MDATE, date);
	set_de_cluster(de, cluster);
}

int fat_stat(struct fat_volume *v, const char *path, struct fat_stat *st)
{
	if (!v->mounted)
		return -EINVAL;
	struct fat_found fd;
	int rc = fat__lookup(v, path, &fd);
	if (rc < 0)
		return rc;
	fat__fill_stat(fd.de, st);
	if (v->type != FAT_TYPE_32)
		st->first_cluster &= 0xFFFF;
	struct fat_file *f = fat__open_file_at(v, fd.loc.sector, fd.loc.offset);
	if (f != NULL)
		fat__fill_stat_file(f, st);
	return 0;
}

/* Find the entry a path names, for the name-space operations. */
static int find_entry(struct fat_volume *v, const char *path, uint32_t *parent, struct fat_found *fd)
{
	const char *last;
	size_t last_len;
	int rc = fat__lookup_parent(v, path, parent, &last, &last_len);
	if (rc < 0)
		return rc;
	if (last == NULL)
		return -EBUSY; /* the root cannot be removed or moved */
	uint16_t u[256];
	int un = fat__name_to_ucs2(last, last_len, u);
	if (un < 0)
		return un == -ENAMETOOLONG ? un : -ENOENT;
	return fat__dir_find(v, *parent, u, (size_t)un, fd);
}

static bool dir_open(struct fat_volume *v, uint32_t cluster)
{
	for (struct fat_file *f = v->open_files; f != NULL; f = f->next_open)
		if (f->is_dir && f->first_cluster == cluster)
			return true;
	return false;
}

/* Remove an entry, then free its chain (in that order, committed). */
static int remove_entry(struct fat_volume *v, const struct fat_found *fd)
{
	if (fd->de[DE_ATTR] & FAT_ATTR_DIRECTORY)
		v->dir_gen++; /* its clusters may soon belong to another */
	int rc = fat__dir_remove(v, &fd->loc);
	if (rc == 0)
		rc = fat__commit(v);
	if (rc == 0)
		rc = fat__barrier(v);
	uint32_t c = de_cluster(v, fd->de);
	if (rc == 0 && c != 0)
		rc = fat__free_chain(v, c);
	if (rc == 0)
		rc = fat__commit(v);
	return rc;
}

static int writable(const struct fat_volume *v)
{
	return !v->mounted ? -EINVAL : v->read_only ? -EROFS : 0;
}

/* unlink (folder false) and rmdir (folder true). */
static int remove_path(struct fat_volume *v, const char *path, bool folder)
{
	uint32_t parent;
	struct fat_found fd;
	int rc = writable(v);
	if (rc == 0)
		rc = find_entry(v, path, &parent, &fd);
	if (rc < 0)
		return rc;
	bool is_dir = fd.de[DE_ATTR] & FAT_ATTR_DIRECTORY;
	if (is_dir != folder)
		return folder ? -ENOTDIR : -EISDIR;
	if (folder) {
		uint32_t c = de_cluster(v, fd.de);
		if (!cluster_valid(v, c))
			return -EUCLEAN;
		if (dir_open(v, c))
			return -EBUSY;
		if ((rc = fat__dir_nonempty(v, c)) != 0)
			return rc < 0 ? rc : -ENOTEMPTY;
	} else if (fat__open_file_at(v, fd.loc.sector, fd.loc.offset) != NULL) {
		return -EBUSY;
	}
	if ((rc = fat__begin_change(v)) < 0)
		return rc;
	return remove_entry(v, &fd);
}

int fat_unlink(struct fat_volume *v, const char *path)
{
	return remove_path(v, path, false);
}

int fat_rmdir(struct fat_volume *v, const char *path)
{
	return remove_path(v, path, true);
}

int fat_mkdir(struct fat_volume *v, const char *path)
{
	uint32_t parent;
	const char *last;
	size_t last_len;
	int rc = writable(v);
	if (rc == 0)
		rc = fat__lookup_parent(v, path, &parent, &last, &last_len);
	if (rc < 0)
		return rc;
	if (last == NULL)
		return -EEXIST;
	uint16_t u[256];
	int un = fat__new_name(last, last_len, u);
	if (un < 0)
		return un;
	struct fat_found fd;
	rc = fat__dir_find(v, parent, u, (size_t)un, &fd);
	if (rc == 0)
		return -EEXIST;
	if (rc != -ENOENT)
		return rc;
	if ((rc = fat__begin_change(v)) < 0)
		return rc;
	/* The new folder's cluster, zeroed, with "." and ".." written through
	 * before the FAT and the parent's entry point at it. */
	uint32_t c;
	if ((rc = fat__alloc(v, 0, 1, true, &c)) < 0)
		return rc;
	int err;
	uint8_t *p = fat__cache_get(v, cluster_sector(v, c), KIND_META, &err);
	if (p == NULL) {
		rc = err;
		goto undo;
	}
	fat__new_entry(v, p, FAT_ATTR_DIRECTORY, c);
	memcpy(p, ".          ", 11);
	/* ".." names the root as cluster 0, also on FAT32. */
	uint32_t up = parent == (v->type == FAT_TYPE_32 ? v->root_cluster : 0) ? 0 : parent;
	fat__new_entry(v, p + DIRENT_SIZE, FAT_ATTR_DIRECTORY, up);
	memcpy(p + DIRENT_SIZE, "..         ", 11);
	if ((rc = fat__data_write(v, cluster_sector(v, c), 1, p)) < 0)
		goto undo;
	fat__new_entry(v, fd.de, FAT_ATTR_DIRECTORY, c);
	if ((rc = fat__dir_add(v, parent, u, (size_t)un, fd.de, &fd.loc)) < 0)
		goto undo;
	return fat__commit(v);
undo:
	v->dir_gen++;
	fat__free_chain(v, c);
	return rc;
}

/* Whether folder `dir` is `ancestor` or lies below it (walking "..").
 * Returns 1, 0, or an error. */
static int is_below(struct fat_volume *v, uint32_t dir, uint32_t ancestor)
{
	uint32_t root = v->type == FAT_TYPE_32 ? v->root_cluster : 0;
	for (uint32_t steps = 0; steps < 4096; steps++) {
		if (dir == ancestor)
			return 1;
		if (dir == root || dir == 0)
			return 0;
		int err;
		const uint8_t *p = fat__cache_get(v, cluster_sector(v, dir), KIND_META, &err);
		if (p == NULL)
			return err;
		const uint8_t *dd = p + DIRENT_SIZE;
		if (memcmp(dd, "..         ", 11) != 0)
			return -EUCLEAN;
		uint32_t up = de_cluster(v, dd);
		if (up != 0 && !cluster_valid(v, up))
			return -EUCLEAN;
		dir = up == 0 ? root : up;
	}
	return -ELOOP;
}

int fat_rename(struct fat_volume *v, const char *from, const char *to)
{
	uint32_t sparent, dparent;
	struct fat_found src, dst;
	int rc = writable(v);
	if (rc == 0)
		rc = find_entry(v, from, &sparent, &src);
	if (rc < 0)
		return rc == -EBUSY ? -EINVAL : rc;
	const char *last;
	size_t last_len;
	if ((rc = fat__lookup_parent(v, to, &dparent, &last, &last_len)) < 0)
		return rc;
	if (last == NULL)
		return -EINVAL;
	uint16_t u[256];
	int un = fat__new_name(last, last_len, u);
	if (un < 0)
		return un;
	bool src_dir = src.de[DE_ATTR] & FAT_ATTR_DIRECTORY;
	uint32_t sc = de_cluster(v, src.de);
	if (src_dir) {
		if (!cluster_valid(v, sc))
			return -EUCLEAN;
		if ((rc = is_below(v, dparent, sc)) != 0)
			return rc < 0 ? rc : -EINVAL; /* into itself */
	}
	bool replace = false, same = false;
	rc = fat__dir_find(v, dparent, u, (size_t)un, &dst);
	if (rc == 0) {
		if (dst.loc.sector == src.loc.sector && dst.loc.offset == src.loc.offset) {
			same = true; /* the same entry: a change of case or form */
		} else {
			bool dst_dir = dst.de[DE_ATTR] & FAT_ATTR_DIRECTORY;
			if (dst_dir && !src_dir)
				return -EISDIR;
			if (!dst_dir && src_dir)
				return -ENOTDIR;
			if (dst_dir) {
				uint32_t dc = de_cluster(v, dst.de);
				if (!cluster_valid(v, dc))
					return -EUCLEAN;
				if ((rc = fat__dir_nonempty(v, dc)) != 0)
					return rc < 0 ? rc : -ENOTEMPTY;
				if (dir_open(v, dc))
					return -EBUSY;
			} else if (fat__open_file_at(v, dst.loc.sector, dst.loc.offset) != NULL) {
				return -EBUSY;
			}
			replace = true;
		}
	} else if (rc != -ENOENT) {
		return rc;
	}
	if ((rc = fat__begin_change(v)) < 0)
		return rc;
	/* Bring an open file's pending size into its entry, and start from a
	 * clean cache so that a failure can be undone by dropping it. */
	struct fat_file *of = fat__open_file_at(v, src.loc.sector, src.loc.offset);
	if (of != NULL && (rc = fat__flush_file(of)) < 0)
		return rc;
	if ((rc = fat__commit(v)) < 0)
		return rc;
	int err;
	if (src_dir && sparent != dparent) {
		/* The moved folder's ".." names its new parent before any entry
		 * does: fsck.fat mends a wrong ".." but not one naming the root
		 * from deeper down. */
		uint8_t *q = fat__cache_get(v, cluster_sector(v, sc), KIND_META, &err);
		if (q == NULL)
			return err;
		if (memcmp(q + DIRENT_SIZE, "..         ", 11) == 0) {
			uint32_t up = dparent == (v->type == FAT_TYPE_32 ? v->root_cluster : 0) ? 0 : dparent;
			set_de_cluster(q + DIRENT_SIZE, up);
			fat__cache_mark(v, q);
			if ((rc = fat__commit(v)) < 0 || (rc = fat__barrier(v)) < 0)
				return rc;
		}
	}
	const uint8_t *p = fat__cache_get(v, src.loc.sector, KIND_META, &err);
	if (p == NULL)
		return err;
	uint8_t de[DIRENT_SIZE];
	memcpy(de, p + src.loc.offset, DIRENT_SIZE);
	/* Order: the replaced entry goes and the new one appears (committed),
	 * then the old name goes (committed), then the replaced chain is
	 * freed. A cut in between leaves two names for one chain, never none.
	 * Only a change of case within one entry rewrites it in place. */
	struct fat_loc nloc;
	if (replace)
		rc = fat__dir_remove(v, &dst.loc);
	if (rc == 0 && same)
		rc = fat__dir_remove(v, &src.loc);
	if (rc == 0)
		rc = fat__dir_add(v, dparent, u, (size_t)un, de, &nloc);
	if (rc < 0) {
		fat__cache_drop_all(v); /* back to the committed state */
		v->free_count = UINT32_MAX;
		return rc;
	}
	if ((rc = fat__commit(v)) < 0)
		return rc;
	if (!same) {
		if ((rc = fat__barrier(v)) < 0 || (rc = fat__dir_remove(v, &src.loc)) < 0 ||
		    (rc = fat__commit(v)) < 0)
			return rc;
	}
	if (replace) {
		uint32_t dc = de_cluster(v, dst.de);
		v->dir_gen++; /* the replaced entry may be a folder */
		if ((rc = fat__barrier(v)) < 0 || (dc != 0 && (rc = fat__free_chain(v, dc)) < 0))
			return rc;
	}
	for (struct fat_file *f = v->open_files; f != NULL; f = f->next_open) {
		if (f->dirent_sector == src.loc.sector && f->dirent_offset == src.loc.offset) {
			f->dirent_sector = nloc.sector;
			f->dirent_offset = nloc.offset;
		}
	}
	return fat__commit(v);
}

int fat_dir_open(struct fat_volume *v, struct fat_dir *d, const char *path)
{
	if (!v->mounted)
		return -EINVAL;
	struct fat_found fd;
	int rc = fat__lookup(v, path, &fd);
	if (rc < 0)
		return rc;
	if (!(fd.de[DE_ATTR] & FAT_ATTR_DIRECTORY))
		return -ENOTDIR;
	uint32_t c = de_cluster(v, fd.de);
	if (fd.loc.sector != 0 && !cluster_valid(v, c))
		return -EUCLEAN;
	memset(d, 0, sizeof(*d));
	d->vol = v;
	d->first_cluster = c;
	d->cluster = c;
	return 0;
}

int fat_dir_read(struct fat_dir *d, struct fat_dirent *e)
{
	uint16_t name[20 * LFN_CHARS];
	size_t n;
	struct fat_found fd;
	if (d->vol == NULL || !d->vol->mounted)
		return -EBADF;
	int rc = fat__dir_next(d, &fd, name, &n);
	if (rc <= 0)
		return rc;
	if (n == 0)
		n = fat__short_to_ucs2(fd.de, name);
	fat__ucs2_to_utf8(name, n, e->name, sizeof(e->name));
	size_t k = 0;
	for (int i = 0; i < 8 && fd.de[i] != ' '; i++)
		e->short_name[k++] = (char)(i == 0 && fd.de[0] == 0x05 ? 0xE5 : fd.de[i]);
	if (fd.de[8] != ' ') {
		e->short_name[k++] = '.';
		for (int i = 8; i < 11 && fd.de[i] != ' '; i++)
			e->short_name[k++] = (char)fd.de[i];
	}
	e->short_name[k] = 0;
	fat__fill_stat(fd.de, &e->st);
	e->pos.dir_cluster = fd.loc.dir_cluster;
	e->pos.first_index = fd.loc.first_index;
	e->pos.index = fd.loc.index;
	e->pos.cluster = fd.loc.first_cluster;
	e->pos.dir_gen = d->vol->dir_gen;
	if (d->vol->type != FAT_TYPE_32)
		e->st.first_cluster &= 0xFFFF;
	struct fat_file *f = fat__open_file_at(d->vol, fd.loc.sector, fd.loc.offset);
	if (f != NULL)
		fat__fill_stat_file(f, &e->st);
	return 1;
}

int fat_list(struct fat_volume *v, const char *path, fat_list_fn fn, void *arg)
{
	struct fat_dir d;
	struct fat_dirent e, best;
	char last[FAT_NAME_MAX];
	bool have_last = false;
	for (;;) {
		int rc = fat_dir_open(v, &d, path);
		if (rc < 0)
			return rc;
		bool have_best = false;
		while ((rc = fat_dir_read(&d, &e)) > 0) {
			if (have_last && strcmp(e.name, last) <= 0)
				continue;
			if (!have_best || strcmp(e.name, best.name) < 0) {
				best = e;
				have_best = true;
			}
		}
		if (rc < 0)
			return rc;
		if (!have_best)
			return 0;
		if ((rc = fn(arg, &best)) != 0)
			return rc;
		memcpy(last, best.name, sizeof(last));
		have_last = true;
	}
}
