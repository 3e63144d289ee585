/* Folders: walking entries with their long names, path resolution (with
 * cycle detection), adding entries (short-name tails, long-name runs,
 * growing the folder) and removing them; FAT dates and times.
 *
 * Finding a name, or a place for a new one, means reading the folder;
 * creating n entries one after another would read it n times. The folder
 * hint (struct fat_dir_hint) avoids that for the folder last searched in
 * vain: a Bloom filter of its names answers "certainly not there" without
 * reading it, and new entries go after its last used one. Anything that
 * could make the hint wrong (a removed entry, a freed chain, a dropped
 * cache) forgets it, and a "maybe there" from the filter falls back to
 * reading the folder, so the hint changes speed, never results. */
#include "protocols/fat/fat_int.h"

#define LFN_MAX_UNITS (20 * LFN_CHARS)
/* How many ancestors a lookup remembers to detect folder cycles. */
#define LOOKUP_DEPTH 64

/* ---- the folder hint ---- */

/* Names hash case-folded, as lookups compare them; raw 8.3 names (for
 * the short-name clash checks) hash with another seed. */
static uint32_t hash_name(const uint16_t *u, size_t n)
{
	uint32_t h = 0x811C9DC5u;
	for (size_t i = 0; i < n; i++) {
		uint16_t c = fat__upcase(u[i]);
		h = (h ^ (c & 0xFF)) * 0x01000193u;
		h = (h ^ (c >> 8)) * 0x01000193u;
	}
	return h;
}

static uint32_t hash_short(const uint8_t *sn)
{
	uint32_t h = 0x9747B28Cu;
	for (int i = 0; i < 11; i++)
		h = (h ^ sn[i]) * 0x01000193u;
	return h;
}

/* Three bits per key, from two hashes (the second derived by mixing). */
#define FILTER_PROBES 3

static uint32_t probe(uint32_t h, int i)
{
	uint32_t h2 = ((h >> 15) ^ (h * 0x2C1B3C6Du)) | 1;
	return (h + (uint32_t)i * h2) & (FAT_DIR_FILTER_BITS - 1);
}

static void filter_add(struct fat_dir_hint *hint, uint32_t h)
{
	for (int i = 0; i < FILTER_PROBES; i++) {
		uint32_t b = probe(h, i);
		hint->filter[b >> 3] |= (uint8_t)(1u << (b & 7));
	}
}

static bool filter_may_hold(const struct fat_dir_hint *hint, uint32_t h)
{
	for (int i = 0; i < FILTER_PROBES; i++) {
		uint32_t b = probe(h, i);
		if (!(hint->filter[b >> 3] & (1u << (b & 7))))
			return false;
	}
	return true;
}

/* Every name a lookup could match for one entry, and its raw 8.3 name. */
static void filter_add_entry(struct fat_dir_hint *hint, const uint8_t *de, const uint16_t *lname, size_t ln)
{
	uint16_t sname[12];
	size_t sn = fat__short_to_ucs2(de, sname);
	if (ln > 0)
		filter_add(hint, hash_name(lname, ln));
	filter_add(hint, hash_name(sname, sn));
	filter_add(hint, hash_short(de));
}

void fat__hint_forget(struct fat_volume *v)
{
	v->hint.valid = false;
}

void fat__hint_forget_dir(struct fat_volume *v, uint32_t dir)
{
	if (v->hint.dir == dir)
		v->hint.valid = false;
}

static bool hinted(const struct fat_volume *v, uint32_t dir)
{
	return v->hint.valid && v->hint.dir == dir;
}

static int build_hint(struct fat_volume *v, uint32_t dir);

static uint32_t root_id(const struct fat_volume *v)
{
	return v->type == FAT_TYPE_32 ? v->root_cluster : 0;
}

static void dir_init(struct fat_volume *v, struct fat_dir *d, uint32_t first)
{
	memset(d, 0, sizeof(*d));
	d->vol = v;
	d->first_cluster = first;
	d->cluster = first;
}

/* Where entry d->index lives: 1 and the sector/offset, or 0 at the end. */
static int dir_locate(struct fat_dir *d, uint32_t *sector, uint16_t *off)
{
	struct fat_volume *v = d->vol;
	if (d->end)
		return 0;
	uint32_t byte = d->index * DIRENT_SIZE;
	if (d->first_cluster == 0) {
		if (byte >= v->root_sectors << v->sector_shift)
			return 0;
		*sector = v->root_sector + (byte >> v->sector_shift);
		*off = (uint16_t)(byte & (v->sector_size - 1));
		return 1;
	}
	if (!cluster_valid(v, d->cluster))
		return -EUCLEAN;
	uint32_t in = byte & (v->cluster_size - 1);
	*sector = cluster_sector(v, d->cluster) + (in >> v->sector_shift);
	*off = (uint16_t)(in & (v->sector_size - 1));
	return 1;
}

/* Step to the next entry, following the chain at a cluster boundary. */
static int dir_advance(struct fat_dir *d)
{
	struct fat_volume *v = d->vol;
	d->index++;
	if (d->first_cluster == 0 || ((d->index * DIRENT_SIZE) & (v->cluster_size - 1)) != 0)
		return 0;
	int64_t nx = fat__next(v, d->cluster);
	if (nx < 0)
		return (int)nx;
	if (nx == FAT_EOC) {
		d->end = true;
		return 0;
	}
	if (d->index >= DIR_MAX_ENTRIES || ++d->hops >= v->dir_max_clusters)
		return -EUCLEAN; /* longer than any folder can be: a loop */
	d->cluster = (uint32_t)nx;
	return 0;
}

static const uint8_t lfn_pos[LFN_CHARS] = { 1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30 };

int fat__dir_next(struct fat_dir *d, struct fat_found *out, uint16_t *name, size_t *nlen)
{
	struct fat_volume *v = d->vol;
	int expect = 0, total = 0;
	uint8_t sum = 0;
	uint32_t lfn_start = 0, lfn_cluster = 0;
	for (;;) {
		uint32_t sector;
		uint16_t off;
		int rc = dir_locate(d, &sector, &off);
		if (rc <= 0)
			return rc;
		int err;
		const uint8_t *p = fat__cache_get(v, sector, KIND_META, &err);
		if (p == NULL)
			return err;
		const uint8_t *de = p + off;
		if (de[0] == 0x00) {
			d->end = true; /* nothing is used after the first never-used entry */
			return 0;
		}
		if (de[0] == 0xE5) {
			expect = 0;
		} else if ((de[DE_ATTR] & ATTR_LFN_MASK) == ATTR_LFN) {
			int seq = de[0] & 0x1F;
			if (de[0] & LFN_LAST) {
				expect = seq;
				total = seq;
				sum = de[13];
				lfn_start = d->index;
				lfn_cluster = d->cluster;
				if (seq == 0 || seq > 20)
					expect = 0;
			} else if (expect > 1 && seq == expect - 1 && de[13] == sum) {
				expect = seq;
			} else {
				expect = 0;
			}
			if (expect > 0)
				for (int i = 0; i < LFN_CHARS; i++)
					name[(seq - 1) * LFN_CHARS + i] = get16(de + lfn_pos[i]);
		} else if ((de[DE_ATTR] & FAT_ATTR_VOLUME_ID) || de[0] == '.') {
			expect = 0; /* the label, ".", ".." */
		} else {
			memcpy(out->de, de, DIRENT_SIZE);
			out->loc.dir_cluster = d->first_cluster;
			out->loc.index = d->index;
			out->loc.sector = sector;
			out->loc.offset = off;
			*nlen = 0;
			out->loc.first_index = d->index;
			out->loc.first_cluster = d->cluster;
			if (expect == 1 && fat__lfn_checksum(de) == sum) {
				size_t n = 0, max = (size_t)total * LFN_CHARS;
				while (n < max && name[n] != 0)
					n++;
				if (n > 0) {
					*nlen = n;
					out->loc.first_index = lfn_start;
					out->loc.first_cluster = lfn_cluster;
				}
			}
			rc = dir_advance(d);
			return rc < 0 ? rc : 1;
		}
		if ((rc = dir_advance(d)) < 0)
			return rc;
	}
}

/* Put d (of folder dir) at entry index, walking the folder's chain:
 * 0, or -EUCLEAN when the folder is shorter than that. */
static int dir_seek(struct fat_volume *v, struct fat_dir *d, uint32_t dir, uint32_t index)
{
	dir_init(v, d, dir);
	uint32_t per = v->cluster_size / DIRENT_SIZE;
	if (dir != 0 && hinted(v, dir) && index < v->hint.capacity && index >= v->hint.capacity - per) {
		/* The hinted folder's last cluster, where new entries go. */
		d->cluster = v->hint.last_cluster;
	} else if (dir != 0) {
		uint32_t hops = (uint32_t)(((uint64_t)index * DIRENT_SIZE) >> (v->sector_shift + v->cluster_shift));
		if (hops >= v->dir_max_clusters)
			return -EUCLEAN;
		for (uint32_t i = 0; i < hops; i++) {
			int64_t nx = fat__next(v, d->cluster);
			if (nx < 0)
				return (int)nx;
			if (nx == FAT_EOC)
				return -EUCLEAN;
			d->cluster = (uint32_t)nx;
		}
		d->hops = hops;
	}
	d->index = index;
	return 0;
}

int fat__dir_entry_sector(struct fat_volume *v, uint32_t dir, uint32_t index,
			  uint32_t *sector, uint16_t *offset)
{
	struct fat_dir d;
	int rc = dir_seek(v, &d, dir, index);
	if (rc < 0)
		return rc;
	rc = dir_locate(&d, sector, offset);
	return rc == 1 ? 0 : rc == 0 ? -EUCLEAN : rc;
}

void fat_lookup_hint(struct fat_volume *v, const struct fat_pos *pos)
{
	v->lookup_hinted = pos != NULL;
	if (pos != NULL)
		v->lookup_hint = *pos;
}

/* Whether the entry fat_lookup_hint named is `name` in folder dir: read
 * from its first long entry, it must come out whole (long name and
 * checksum intact) at the same short entry and match like a search. */
static bool found_at_hint(struct fat_volume *v, uint32_t dir, const uint16_t *name, size_t n,
			  struct fat_found *found)
{
	struct fat_pos pos = v->lookup_hint;
	v->lookup_hinted = false;
	if (pos.first_index > pos.index || pos.index - pos.first_index > 20)
		return false;
	struct fat_dir d;
	uint16_t lname[LFN_MAX_UNITS], sname[12];
	size_t ln;
	if (dir != 0 && pos.dir_gen == v->dir_gen && cluster_valid(v, pos.cluster)) {
		/* No folder freed since the listing: its cluster is still
		 * there, no need to walk the chain (on a fragmented folder, a
		 * FAT sector read per cluster). */
		dir_init(v, &d, dir);
		d.cluster = pos.cluster;
		d.index = pos.first_index;
		d.hops = (uint32_t)(((uint64_t)pos.first_index * DIRENT_SIZE) >> (v->sector_shift + v->cluster_shift));
	} else if (dir_seek(v, &d, dir, pos.first_index) < 0) {
		return false;
	}
	if (fat__dir_next(&d, found, lname, &ln) != 1 ||
	    found->loc.index != pos.index || found->loc.first_index != pos.first_index)
		return false;
	if (ln > 0 && fat__ucs2_eq(lname, ln, name, n))
		return true;
	size_t sn = fat__short_to_ucs2(found->de, sname);
	return fat__ucs2_eq(sname, sn, name, n);
}

int fat__dir_find(struct fat_volume *v, uint32_t dir, const uint16_t *name, size_t n,
		  struct fat_found *found)
{
	struct fat_dir d;
	uint16_t lname[LFN_MAX_UNITS], sname[12];
	size_t ln;
	if (v->lookup_hinted && v->lookup_hint.dir_cluster == dir && found_at_hint(v, dir, name, n, found))
		return 0;
	bool hint = hinted(v, dir);
	if (hint && !filter_may_hold(&v->hint, hash_name(name, n)))
		return -ENOENT;
	dir_init(v, &d, dir);
	for (;;) {
		int rc = fat__dir_next(&d, found, lname, &ln);
		if (rc < 0)
			return rc;
		if (rc == 0) {
			/* A miss usually comes before a create: remember this
			 * folder (an error here only leaves it unremembered). */
			if (!hint)
				build_hint(v, dir);
			return -ENOENT;
		}
		if (ln > 0 && fat__ucs2_eq(lname, ln, name, n))
			return 0;
		size_t sn = fat__short_to_ucs2(found->de, sname);
		if (fat__ucs2_eq(sname, sn, name, n))
			return 0;
	}
}

/* The root as an entry (it has none on disk). */
static void root_found(struct fat_volume *v, struct fat_found *f)
{
	memset(f, 0, sizeof(*f));
	f->de[DE_ATTR] = FAT_ATTR_DIRECTORY;
	uint32_t c = root_id(v);
	put16(f->de + DE_CLUS_HI, c >> 16);
	put16(f->de + DE_CLUS_LO, c & 0xFFFF);
}

/* The folder an entry names, checked against its ancestors. */
static int enter_dir(struct fat_volume *v, const struct fat_found *f, uint32_t *anc, int depth,
		     uint32_t *out)
{
	if (!(f->de[DE_ATTR] & FAT_ATTR_DIRECTORY))
		return -ENOTDIR;
	uint32_t c = entry_cluster(f->de);
	if (v->type != FAT_TYPE_32)
		c &= 0xFFFF;
	if (!cluster_valid(v, c))
		return -EUCLEAN; /* a folder without clusters, or pointing outside */
	for (int i = 0; i < depth && i < LOOKUP_DEPTH; i++)
		if (anc[i] == c)
			return -ELOOP; /* a folder inside itself */
	if (c == root_id(v))
		return -ELOOP;
	*out = c;
	return 0;
}

/* Split the next component off path; returns its length (0 at the end)
 * or -EINVAL for "." and "..". */
static int next_component(const char **path, const char **comp)
{
	const char *p = *path;
	while (*p == '/')
		p++;
	const char *s = p;
	while (*p != 0 && *p != '/')
		p++;
	*comp = s;
	*path = p;
	size_t n = (size_t)(p - s);
	if ((n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
		return -EINVAL;
	if (n > 4 * 255)
		return -ENAMETOOLONG;
	return (int)n;
}

static int resolve(struct fat_volume *v, const char *path, bool stop_at_last, struct fat_found *found,
		   uint32_t *parent, const char **last, size_t *last_len)
{
	uint32_t anc[LOOKUP_DEPTH];
	int depth = 0;
	uint32_t dir = root_id(v);
	uint16_t uname[256];
	root_found(v, found);
	if (last != NULL) {
		*last = NULL;
		*last_len = 0;
	}
	if (parent != NULL)
		*parent = dir;
	const char *p = path, *comp;
	int n = next_component(&p, &comp);
	if (n < 0)
		return n;
	bool have = false; /* found holds an entry of `dir`'s parent chain */
	while (n > 0) {
		const char *rest = p, *ncomp;
		int nn = next_component(&rest, &ncomp);
		if (nn < 0)
			return nn;
		if (have) {
			uint32_t c;
			if (depth < LOOKUP_DEPTH)
				anc[depth] = dir;
			depth++;
			int rc = enter_dir(v, found, anc, depth, &c);
			if (rc < 0)
				return rc;
			dir = c;
		}
		if (nn == 0 && stop_at_last) {
			*parent = dir;
			*last = comp;
			*last_len = (size_t)n;
			return 0;
		}
		int un = fat__name_to_ucs2(comp, (size_t)n, uname);
		if (un < 0)
			return un == -ENAMETOOLONG ? un : -ENOENT;
		int rc = fat__dir_find(v, dir, uname, (size_t)un, found);
		if (rc < 0)
			return rc;
		have = true;
		p = rest;
		comp = ncomp;
		n = nn;
	}
	if (stop_at_last) {
		*parent = dir;
	} else if (have && (found->de[DE_ATTR] & FAT_ATTR_DIRECTORY)) {
		/* A folder that is one of its own ancestors. */
		uint32_t c;
		if (depth < LOOKUP_DEPTH)
			anc[depth] = dir;
		int rc = enter_dir(v, found, anc, depth + 1, &c);
		if (rc == -ELOOP)
			return rc;
	}
	return 0;
}

int fat__lookup(struct fat_volume *v, const char *path, struct fat_found *found)
{
	return resolve(v, path, false, found, NULL, NULL, NULL);
}

int fat__lookup_parent(struct fat_volume *v, const char *path, uint32_t *parent,
		       const char **last, size_t *last_len)
{
	struct fat_found f;
	return resolve(v, path, true, &f, parent, last, last_len);
}

/* Read folder dir once into the hint: its names into the filter, where
 * its entries end, and how long its chain is. */
static int build_hint(struct fat_volume *v, uint32_t dir)
{
	struct fat_dir_hint *h = &v->hint;
	struct fat_dir d;
	struct fat_found f;
	uint16_t lname[LFN_MAX_UNITS];
	size_t ln;
	int rc;
	h->valid = false;
	memset(h->filter, 0, sizeof(h->filter));
	dir_init(v, &d, dir);
	while ((rc = fat__dir_next(&d, &f, lname, &ln)) > 0)
		filter_add_entry(h, f.de, lname, ln);
	if (rc < 0)
		return rc;
	h->dir = dir;
	h->end = d.index;
	if (dir == 0) {
		h->capacity = (v->root_sectors << v->sector_shift) / DIRENT_SIZE;
		h->last_cluster = 0;
	} else {
		/* The listing stops at the first never-used entry; clusters
		 * after the one holding it are free room too. */
		uint32_t c = d.cluster, clusters = d.hops + 1;
		for (;;) {
			int64_t nx = fat__next(v, c);
			if (nx < 0)
				return (int)nx;
			if (nx == FAT_EOC)
				break;
			if (++clusters > v->dir_max_clusters)
				return -EUCLEAN;
			c = (uint32_t)nx;
		}
		h->capacity = clusters * (v->cluster_size / DIRENT_SIZE);
		h->last_cluster = c;
	}
	if (h->end > h->capacity)
		return -EUCLEAN;
	h->valid = true;
	return 0;
}

int fat__dir_nonempty(struct fat_volume *v, uint32_t dir)
{
	struct fat_dir d;
	struct fat_found f;
	uint16_t name[LFN_MAX_UNITS];
	size_t n;
	dir_init(v, &d, dir);
	return fat__dir_next(&d, &f, name, &n);
}

/* Parse "BASE~N" in a short name: N, or 0 when there is no tail. */
static uint32_t tail_of(const uint8_t *sn, int *tilde)
{
	for (int t = 0; t < 8; t++) {
		if (sn[t] != '~')
			continue;
		uint32_t n = 0;
		int i = t + 1;
		while (i < 8 && sn[i] >= '0' && sn[i] <= '9')
			n = n * 10 + (uint32_t)(sn[i++] - '0');
		if (i == t + 1 || (i < 8 && sn[i] != ' '))
			return 0;
		*tilde = t;
		return n;
	}
	return 0;
}

#define TAIL_BITS 1024

/* Scan a folder once: note which numeric tails of basis are taken and
 * find a run of `need` free entries (or where the folder ends). */
struct scan {
	uint8_t used[TAIL_BITS / 8];
	bool exact;            /* basis itself (without tail) is taken */
	uint32_t run_start, run_len;
	bool found_run;
	uint32_t end_index;    /* index after the last entry the chain holds */
	uint32_t last_cluster;
};

static int scan_dir(struct fat_volume *v, uint32_t dir, const uint8_t *basis, uint32_t need,
		    struct scan *s)
{
	struct fat_dir d;
	bool ended = false; /* past the first never-used entry: all free */
	dir_init(v, &d, dir);
	memset(s, 0, sizeof(*s));
	s->last_cluster = dir;
	for (;;) {
		uint32_t sector;
		uint16_t off;
		int rc = dir_locate(&d, &sector, &off);
		if (rc < 0)
			return rc;
		if (rc == 0)
			break;
		int err;
		const uint8_t *p = fat__cache_get(v, sector, KIND_META, &err);
		if (p == NULL)
			return err;
		const uint8_t *de = p + off;
		ended = ended || de[0] == 0x00;
		if (ended || de[0] == 0xE5) {
			if (!s->found_run) {
				if (s->run_len == 0)
					s->run_start = d.index;
				if (++s->run_len >= need)
					s->found_run = true;
			}
		} else {
			if (!s->found_run)
				s->run_len = 0;
			if ((de[DE_ATTR] & ATTR_LFN_MASK) != ATTR_LFN && !(de[DE_ATTR] & FAT_ATTR_VOLUME_ID)) {
				int t;
				uint32_t n = memcmp(de + 8, basis + 8, 3) == 0 ? tail_of(de, &t) : 0;
				if (n > 0 && n < TAIL_BITS) {
					uint8_t cand[11];
					memcpy(cand, basis, 11);
					fat__short_tail(cand, n);
					if (memcmp(cand, de, 11) == 0)
						s->used[n / 8] |= (uint8_t)(1u << (n % 8));
				}
				if (memcmp(de, basis, 11) == 0)
					s->exact = true;
			}
		}
		if (d.first_cluster != 0)
			s->last_cluster = d.cluster;
		if ((rc = dir_advance(&d)) < 0)
			return rc;
	}
	s->end_index = d.index;
	return 0;
}

/* Whether short name sn exists in dir (for the rare hashed names). */
static int short_exists(struct fat_volume *v, uint32_t dir, const uint8_t *sn)
{
	struct scan s;
	int rc = scan_dir(v, dir, sn, 1, &s);
	return rc < 0 ? rc : s.exact;
}

/* Candidate k of the hashed short names for very many similar long
 * names: the basis shortened to two characters and four hex digits of a
 * hash of the long name, then "~1", as Windows does. */
static void hashed_short(const uint8_t *sn, const uint16_t *name, size_t n, uint32_t k, uint8_t *cand)
{
	static const char hex[] = "0123456789ABCDEF";
	uint32_t h = 0x811C9DC5u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ name[i]) * 0x01000193u;
	uint32_t x = (h + k * 0x9E3779B9u) & 0xFFFF;
	memcpy(cand, sn, 11);
	if (cand[1] == ' ')
		cand[1] = '_';
	for (int i = 0; i < 4; i++)
		cand[2 + i] = (uint8_t)hex[(x >> (12 - 4 * i)) & 0xF];
	cand[6] = ' ';
	cand[7] = ' ';
	fat__short_tail(cand, 1);
}

static int pick_short_name(struct fat_volume *v, uint32_t dir, const uint16_t *name, size_t n,
			   uint8_t *sn, const struct scan *s)
{
	for (uint32_t k = 1; k < TAIL_BITS; k++) {
		if (!(s->used[k / 8] & (1u << (k % 8)))) {
			fat__short_tail(sn, k);
			return 0;
		}
	}
	/* Very many similar names: shorten the basis with a hash of the long
	 * name and probe. */
	for (uint32_t k = 0; k < 64; k++) {
		uint8_t cand[11];
		hashed_short(sn, name, n, k, cand);
		int rc = short_exists(v, dir, cand);
		if (rc < 0)
			return rc;
		if (rc == 0) {
			memcpy(sn, cand, 11);
			return 0;
		}
	}
	return -EEXIST;
}

static int write_entry(struct fat_volume *v, uint32_t dir, uint32_t index, const uint8_t *de,
		       uint32_t *sector_out, uint16_t *off_out)
{
	uint32_t sector;
	uint16_t off;
	int err, rc = fat__dir_entry_sector(v, dir, index, &sector, &off);
	if (rc < 0)
		return rc;
	uint8_t *p = fat__cache_get(v, sector, KIND_META, &err);
	if (p == NULL)
		return err;
	memcpy(p + off, de, DIRENT_SIZE);
	fat__cache_mark(v, p);
	if (sector_out != NULL) {
		*sector_out = sector;
		*off_out = off;
	}
	return 0;
}

/* Place `need` entries in the hinted folder dir without reading it:
 * after its last used entry, growing its chain when that is full. The
 * short name sn gets a tail the filter says is free. Returns 0 with
 * *start, 1 when the filter cannot rule a clash out (or the room is only
 * in holes) and the folder must be read, or an error. */
static int place_hinted(struct fat_volume *v, uint32_t dir, const uint16_t *name, size_t n, int kind,
			uint8_t *sn, uint32_t need, uint32_t *start)
{
	struct fat_dir_hint *h = &v->hint;
	if (kind != 2) {
		if (filter_may_hold(h, hash_short(sn)))
			return 1;
	} else {
		/* The first free of ~1 to ~32, then hashed names (as the
		 * scanning path does after ~1023). */
		uint8_t cand[11];
		uint32_t k = 1;
		for (; k <= 32 + 64; k++) {
			if (k <= 32) {
				memcpy(cand, sn, 11);
				fat__short_tail(cand, k);
			} else {
				hashed_short(sn, name, n, k - 33, cand);
			}
			if (!filter_may_hold(h, hash_short(cand)))
				break;
		}
		if (k > 32 + 64)
			return 1;
		memcpy(sn, cand, 11);
	}
	if (h->end + need > DIR_MAX_ENTRIES)
		return 1;
	if (h->end + need > h->capacity) {
		if (dir == 0)
			return 1; /* the FAT12/16 root cannot grow; it may have holes */
		uint32_t per = v->cluster_size / DIRENT_SIZE;
		uint32_t more = (h->end + need - h->capacity + per - 1) / per, first;
		int rc = fat__alloc(v, h->last_cluster, more, true, &first);
		if (rc < 0)
			return rc;
		uint32_t last = first;
		for (uint32_t i = 1; i < more; i++) {
			int64_t nx = fat__next(v, last);
			if (nx < 0 || nx == FAT_EOC)
				return nx < 0 ? (int)nx : -EUCLEAN;
			last = (uint32_t)nx;
		}
		h->capacity += more * per;
		h->last_cluster = last;
	}
	*start = h->end;
	return 0;
}

/* Read the folder to place `need` entries: in the first run of free
 * ones, else at its end, growing it. */
static int place_scanned(struct fat_volume *v, uint32_t dir, const uint16_t *name, size_t n, int kind,
			 uint8_t *sn, uint32_t need, uint32_t *start)
{
	struct scan s;
	int rc = scan_dir(v, dir, sn, need, &s);
	if (rc < 0)
		return rc;
	if (kind == 0 && s.exact)
		return -EEXIST;
	/* A lossy basis always gets a tail (~1 first); an exact one only on
	 * a clash. */
	if ((kind == 2 || (kind == 1 && s.exact)) &&
	    (rc = pick_short_name(v, dir, name, n, sn, &s)) < 0)
		return rc;
	*start = s.found_run ? s.run_start : s.run_len > 0 ? s.run_start : s.end_index;
	if (*start + need > DIR_MAX_ENTRIES)
		return -ENOSPC;
	if (!s.found_run) {
		/* Grow the folder: zeroed clusters appended to its chain. */
		if (dir == 0)
			return -ENOSPC; /* the FAT12/16 root has a fixed size */
		uint32_t per = v->cluster_size / DIRENT_SIZE;
		uint32_t have = s.end_index - *start;
		uint32_t more = (need - have + per - 1) / per, first;
		if ((rc = fat__alloc(v, s.last_cluster, more, true, &first)) < 0)
			return rc;
		fat__hint_forget_dir(v, dir); /* its chain grew behind the hint */
	}
	return 0;
}

int fat__dir_add(struct fat_volume *v, uint32_t dir, const uint16_t *name, size_t n,
		 uint8_t de[DIRENT_SIZE], struct fat_loc *loc)
{
	uint8_t sn[11], ntres;
	int kind = fat__short_basis(name, n, sn, &ntres);
	bool lfn = kind != 0;
	uint32_t need = lfn ? (uint32_t)((n + LFN_CHARS - 1) / LFN_CHARS) + 1 : 1;
	uint32_t start = 0;
	int rc = hinted(v, dir) ? place_hinted(v, dir, name, n, kind, sn, need, &start) : 1;
	if (rc == 1)
		rc = place_scanned(v, dir, name, n, kind, sn, need, &start);
	if (rc < 0) {
		fat__hint_forget_dir(v, dir);
		return rc;
	}
	memcpy(de, sn, 11);
	de[DE_NTRES] = lfn ? 0 : ntres;
	uint8_t sum = fat__lfn_checksum(sn);
	for (uint32_t k = 0; k + 1 < need; k++) {
		uint32_t seq = need - 1 - k; /* the last part comes first on disk */
		uint8_t le[DIRENT_SIZE];
		memset(le, 0, sizeof(le));
		le[0] = (uint8_t)(seq | (k == 0 ? LFN_LAST : 0));
		le[DE_ATTR] = ATTR_LFN;
		le[13] = sum;
		for (int i = 0; i < LFN_CHARS; i++) {
			size_t at = (seq - 1) * LFN_CHARS + (size_t)i;
			uint16_t c = at < n ? name[at] : at == n ? 0x0000 : 0xFFFF;
			put16(le + lfn_pos[i], c);
		}
		if ((rc = write_entry(v, dir, start + k, le, NULL, NULL)) < 0)
			break;
	}
	loc->dir_cluster = dir;
	loc->first_cluster = 0; /* not known here: a removal walks the chain */
	loc->first_index = start;
	loc->index = start + need - 1;
	if (rc == 0)
		rc = write_entry(v, dir, loc->index, de, &loc->sector, &loc->offset);
	if (rc < 0) {
		fat__hint_forget_dir(v, dir);
		return rc;
	}
	if (hinted(v, dir)) {
		if (loc->index + 1 > v->hint.end)
			v->hint.end = loc->index + 1;
		filter_add_entry(&v->hint, de, name, lfn ? n : 0);
	}
	return 0;
}

int fat__dir_remove(struct fat_volume *v, const struct fat_loc *loc)
{
	fat__hint_forget_dir(v, loc->dir_cluster);
	/* From the cluster the search found the entry in when it is known,
	 * rather than walking the folder's chain again for each entry. */
	struct fat_dir d;
	bool direct = loc->dir_cluster != 0 && cluster_valid(v, loc->first_cluster);
	if (direct) {
		dir_init(v, &d, loc->dir_cluster);
		d.cluster = loc->first_cluster;
		d.index = loc->first_index;
	}
	for (uint32_t i = loc->first_index; i <= loc->index; i++) {
		uint32_t sector;
		uint16_t off;
		int err, rc;
		if (direct) {
			rc = dir_locate(&d, &sector, &off);
			rc = rc == 1 && d.index == i ? dir_advance(&d) : rc < 0 ? rc : -EUCLEAN;
		} else {
			rc = fat__dir_entry_sector(v, loc->dir_cluster, i, &sector, &off);
		}
		if (rc < 0)
			return rc;
		uint8_t *p = fat__cache_get(v, sector, KIND_META, &err);
		if (p == NULL)
			return err;
		p[off] = 0xE5;
		fat__cache_mark(v, p);
	}
	return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date, and back. */
static int64_t days_from_date(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void date_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

void fat__now(struct fat_volume *v, uint16_t *date, uint16_t *time, uint8_t *tenth)
{
	fat__now_from(v->clock, v->clock_arg, date, time, tenth);
}

void fat__now_from(fat_clock_fn clock, void *arg, uint16_t *date, uint16_t *time, uint8_t *tenth)
{
	int64_t ns = clock != NULL ? clock(arg) : 0;
	int64_t s = ns / 1000000000;
	int64_t days = s / 86400, rem = s % 86400;
	int64_t y;
	int m, d;
	date_from_days(days, &y, &m, &d);
	if (y < 1980 || ns <= 0) {
		*date = (1 << 5) | 1;
		*time = 0;
		*tenth = 0;
		return;
	}
	if (y > 2107) {
		y = 2107, m = 12, d = 31, rem = 86399;
	}
	*date = (uint16_t)((y - 1980) << 9 | m << 5 | d);
	*time = (uint16_t)((rem / 3600) << 11 | (rem / 60 % 60) << 5 | (rem % 60) / 2);
	*tenth = (uint8_t)((rem % 2) * 100 + (ns / 10000000) % 100);
}

int64_t fat__to_ns(uint16_t date, uint16_t time, uint8_t tenth)
{
	int m = date >> 5 & 0x0F, d = date & 0x1F;
	if (date == 0 || m < 1 || m > 12 || d < 1)
		return 0;
	int64_t days = days_from_date(1980 + (date >> 9), m, d);
	int64_t s = days * 86400 + (time >> 11) * 3600 + (time >> 5 & 0x3F) * 60 + (time & 0x1F) * 2;
	if (tenth > 199)
		tenth = 0;
	return s * 1000000000 + (int64_t)tenth * 10000000;
}

void fat__fill_stat(const uint8_t *de, struct fat_stat *st)
{
	memset(st, 0, sizeof(*st));
	st->attr = de[DE_ATTR];
	st->is_dir = (de[DE_ATTR] & FAT_ATTR_DIRECTORY) != 0;
	st->size = st->is_dir ? 0 : get32(de + DE_SIZE);
	st->first_cluster = entry_cluster(de);
	st->mtime_ns = fat__to_ns(get16(de + DE_MDATE), get16(de + DE_MTIME), 0);
	st->ctime_ns = fat__to_ns(get16(de + DE_CDATE), get16(de + DE_CTIME), de[DE_CTIME_TENTH]);
}
