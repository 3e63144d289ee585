/* The generators' folder scan (ramdisk, fatimage): every regular file
 * and folder beneath a root, with the layout rules of
 * devices/kv_ramdisk.h (sorted bytewise by relative path, the root
 * implied). Symbolic links are followed only while they stay inside the
 * root; names holding a newline are refused (no tool downstream would
 * cope with them). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "synth/synth.h"

#define RD_PATH_MAX 1024   /* KV_PATH_MAX of devices/kv.h */
#define RD_DEPTH_MAX 64

struct scan {
	const char *gen;        /* the generator, for messages */
	struct arena *a;
	struct diag *d;
	struct pos where;
	const char *root;       /* as given, absolute */
	const char *real_root;  /* symlinks resolved */
	struct vec entries;
	struct vec *dirs;
	int64_t clamp_ns;       /* SOURCE_DATE_EPOCH in ns, or -1 */
	struct { dev_t dev; ino_t ino; } up[RD_DEPTH_MAX + 1];
	int depth;
};

static int64_t mtime_of(struct scan *s, const struct stat *st)
{
	int64_t ns = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
	if (s->clamp_ns >= 0 && ns > s->clamp_ns)
		ns = s->clamp_ns;
	return ns;
}

/* Does a link at path resolve to somewhere inside the root? */
static bool inside_root(struct scan *s, const char *path)
{
	char *real = realpath(path, NULL);
	if (!real)
		return false;
	bool in = path_under(real, s->real_root) != NULL;
	free(real);
	return in;
}

static void add(struct scan *s, const char *rel, const char *abs, const struct stat *st, bool dir)
{
	struct rd_entry *e = arena_alloc(s->a, sizeof *e);
	e->rel = arena_strdup(s->a, rel);
	e->rel_len = strlen(rel);
	e->abs = dir ? NULL : arena_strdup(s->a, abs);
	e->size = dir ? 0 : (uint64_t)st->st_size;
	e->mtime_ns = mtime_of(s, st);
	e->dir = dir;
	vec_push(s->a, &s->entries, e);
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void walk(struct scan *s, const char *abs, const char *rel)
{
	DIR *dp = opendir(abs);
	if (!dp) {
		diag_error(s->d, s->where, "%s: cannot read folder %s: %s", s->gen, abs, strerror(errno));
		return;
	}
	vec_push(s->a, s->dirs, arena_strdup(s->a, abs));
	struct vec names = { 0 };
	struct dirent *de;
	while ((de = readdir(dp))) {
		const char *n = de->d_name;
		if (strcmp(n, ".") == 0 || strcmp(n, "..") == 0)
			continue;
		vec_push(s->a, &names, arena_strdup(s->a, n));
	}
	closedir(dp);
	if (names.n)
		qsort(names.v, names.n, sizeof names.v[0], cmp_name);
	for (size_t i = 0; i < names.n; i++) {
		const char *n = names.v[i];
		char *child = arena_printf(s->a, "%s/%s", abs, n);
		char *crel = *rel ? arena_printf(s->a, "%s/%s", rel, n) : arena_strdup(s->a, n);
		if (strchr(n, '\n')) {
			diag_error(s->d, s->where, "%s: file name with a newline in it: %s (rename it; it cannot be embedded)",
			           s->gen, child);
			continue;
		}
		if (strlen(crel) > RD_PATH_MAX) {
			diag_error(s->d, s->where, "%s: path longer than %d bytes: %s", s->gen, RD_PATH_MAX, crel);
			continue;
		}
		struct stat st;
		if (lstat(child, &st) < 0)
			continue;   /* gone meanwhile */
		if (S_ISLNK(st.st_mode)) {
			if (!inside_root(s, child) || stat(child, &st) < 0)
				continue;
		}
		if (S_ISREG(st.st_mode)) {
			add(s, crel, child, &st, false);
		} else if (S_ISDIR(st.st_mode)) {
			bool loop = false;
			for (int k = 0; k < s->depth; k++)
				if (s->up[k].dev == st.st_dev && s->up[k].ino == st.st_ino)
					loop = true;
			if (loop)
				continue;   /* a link back up the tree */
			if (s->depth >= RD_DEPTH_MAX) {
				diag_error(s->d, s->where, "%s: folders nested deeper than %d levels at %s", s->gen,
				           RD_DEPTH_MAX, child);
				continue;
			}
			add(s, crel, child, &st, true);
			s->up[s->depth].dev = st.st_dev;
			s->up[s->depth].ino = st.st_ino;
			s->depth++;
			walk(s, child, crel);
			s->depth--;
		}
		/* Sockets, pipes and devices have no content to bake in. */
	}
}

static int cmp_entry(const void *a, const void *b)
{
	const struct rd_entry *x = *(struct rd_entry *const *)a, *y = *(struct rd_entry *const *)b;
	return strcmp(x->rel, y->rel);
}

bool ramdisk_scan(struct arena *a, struct diag *d, struct pos where, const char *root, struct rd_tree *out)
{
	return tree_scan(a, d, where, "ramdisk", root, out);
}

bool tree_scan(struct arena *a, struct diag *d, struct pos where, const char *gen, const char *root,
               struct rd_tree *out)
{
	unsigned before = d->errors;
	struct scan s = { .gen = gen, .a = a, .d = d, .where = where, .root = root, .clamp_ns = -1 };
	memset(out, 0, sizeof *out);
	s.dirs = &out->dirs;
	struct stat st;
	if (stat(root, &st) < 0) {
		diag_error(d, where, "%s folder %s: %s", gen, root, errno == ENOENT ? "does not exist" : strerror(errno));
		return false;
	}
	if (!S_ISDIR(st.st_mode)) {
		diag_error(d, where, "%s folder %s is not a folder", gen, root);
		return false;
	}
	char *real = realpath(root, NULL);
	if (!real) {
		diag_error(d, where, "%s folder %s: %s", gen, root, strerror(errno));
		return false;
	}
	s.real_root = arena_strdup(a, real);
	free(real);
	const char *epoch = getenv("SOURCE_DATE_EPOCH");
	if (epoch && *epoch) {
		char *end;
		long long v = strtoll(epoch, &end, 10);
		if (*end == 0 && v >= 0 && v < INT64_MAX / 1000000000)
			s.clamp_ns = (int64_t)v * 1000000000;
	}
	s.up[0].dev = st.st_dev;
	s.up[0].ino = st.st_ino;
	s.depth = 1;
	walk(&s, root, "");
	out->e = (struct rd_entry **)s.entries.v;
	out->n = s.entries.n;
	if (out->n)
		qsort(out->e, out->n, sizeof out->e[0], cmp_entry);
	return d->errors == before;
}
