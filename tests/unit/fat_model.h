/* Shared by the FAT model and power-cut tests: an in-memory model of a
 * tree of files (what the volume should hold), and a check that a mounted
 * volume holds exactly that. Header-only so each test stays one program. */
#ifndef SYNTH_TESTS_UNIT_FAT_MODEL_H
#define SYNTH_TESTS_UNIT_FAT_MODEL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "check.h"
#include "protocols/fat/fat.h"

#define MODEL_MAX 96

struct mfile {
	char path[256];   /* as created (case kept); compared without case */
	uint8_t *data;
	size_t size;
	bool dir;
	bool used;
};

struct model {
	struct mfile f[MODEL_MAX];
};

static inline struct mfile *model_find(struct model *m, const char *path)
{
	for (int i = 0; i < MODEL_MAX; i++)
		if (m->f[i].used && !strcasecmp(m->f[i].path, path))
			return &m->f[i];
	return NULL;
}

/* dst = a + sep + b, cut to cap (no format-truncation games). */
static inline void model_join(char *dst, size_t cap, const char *a, const char *sep, const char *b)
{
	size_t n = 0;
	for (const char *const *part = (const char *const[]){ a, sep, b, NULL }; *part; part++)
		for (const char *c = *part; *c && n + 1 < cap; c++)
			dst[n++] = *c;
	dst[n] = 0;
}

/* path with its folder part spelt as the folder was created. */
static inline void model_canon(struct model *m, const char *path, char *out, size_t cap)
{
	const char *s = strrchr(path, '/');
	if (s == NULL) {
		model_join(out, cap, path, "", "");
		return;
	}
	char parent[256], canon[256];
	size_t n = (size_t)(s - path) < sizeof(parent) ? (size_t)(s - path) : sizeof(parent) - 1;
	memcpy(parent, path, n);
	parent[n] = 0;
	struct mfile *d = model_find(m, parent);
	if (d != NULL)
		model_canon(m, d->path, canon, sizeof(canon));
	else
		model_join(canon, sizeof(canon), parent, "", "");
	model_join(out, cap, canon, "/", s + 1);
}

static inline struct mfile *model_add(struct model *m, const char *path, bool dir)
{
	char canon[520];
	model_canon(m, path, canon, sizeof(canon));
	path = canon;
	for (int i = 0; i < MODEL_MAX; i++) {
		if (!m->f[i].used) {
			memset(&m->f[i], 0, sizeof(m->f[i]));
			m->f[i].used = true;
			m->f[i].dir = dir;
			snprintf(m->f[i].path, sizeof(m->f[i].path), "%.255s", path);
			return &m->f[i];
		}
	}
	return NULL;
}

static inline void model_del(struct mfile *f)
{
	free(f->data);
	f->data = NULL;
	f->used = false;
}

static inline void model_copy(struct model *dst, const struct model *src)
{
	for (int i = 0; i < MODEL_MAX; i++) {
		dst->f[i] = src->f[i];
		if (src->f[i].used && src->f[i].size > 0) {
			dst->f[i].data = malloc(src->f[i].size);
			memcpy(dst->f[i].data, src->f[i].data, src->f[i].size);
		} else {
			dst->f[i].data = NULL;
		}
	}
}

static inline void model_free(struct model *m)
{
	for (int i = 0; i < MODEL_MAX; i++)
		if (m->f[i].used)
			model_del(&m->f[i]);
}

/* The parent folder part of path ("" for the root). */
static inline void model_parent(const char *path, char *out, size_t cap)
{
	const char *s = strrchr(path, '/');
	size_t n = s ? (size_t)(s - path) : 0;
	if (n >= cap)
		n = cap - 1;
	memcpy(out, path, n);
	out[n] = 0;
}

static inline bool model_parent_ok(struct model *m, const char *path)
{
	char p[256];
	model_parent(path, p, sizeof(p));
	if (!p[0])
		return true;
	struct mfile *d = model_find(m, p);
	return d != NULL && d->dir;
}

/* Compare one file's bytes on the volume with the model. */
static inline bool volume_file_is(struct fat_volume *v, const char *path, const uint8_t *data, size_t size)
{
	struct fat_file f;
	if (fat_open(v, &f, path, FAT_O_READ) < 0)
		return false;
	uint8_t *buf = malloc(size + 1);
	long n = fat_pread(&f, buf, size + 1, 0);
	bool same = n == (long)size && (size == 0 || memcmp(buf, data, size) == 0);
	free(buf);
	fat_close(&f);
	return same;
}

/* Walk the volume: every entry must be in the model with the same
 * contents, and every model entry must be seen. skip (may be NULL) names
 * paths whose state is unknown (an interrupted operation's). */
static inline int volume_matches(struct fat_volume *v, struct model *m, const char *dir, bool *seen,
				 const char *const *skip)
{
	struct fat_dir d;
	struct fat_dirent e;
	int bad = 0;
	int rc = fat_dir_open(v, &d, dir);
	if (rc < 0) {
		fprintf(stderr, "dir_open %s: %d\n", dir, rc);
		return 1;
	}
	while ((rc = fat_dir_read(&d, &e)) > 0) {
		char path[1200];
		snprintf(path, sizeof(path), "%s%s%s", dir, *dir ? "/" : "", e.name);
		bool skipped = false;
		for (int k = 0; skip != NULL && skip[k] != NULL; k++)
			if (!strcasecmp(skip[k], path) ||
			    (!strncasecmp(skip[k], path, strlen(skip[k])) && path[strlen(skip[k])] == '/'))
				skipped = true;
		struct mfile *mf = model_find(m, path);
		if (mf == NULL) {
			if (!skipped) {
				fprintf(stderr, "unexpected entry %s\n", path);
				bad++;
			}
			continue;
		}
		seen[mf - m->f] = true;
		if (skipped)
			continue;
		if (strcmp(mf->path, path) != 0) {
			fprintf(stderr, "name %s listed as %s\n", mf->path, path);
			bad++;
		}
		if (mf->dir != e.st.is_dir) {
			fprintf(stderr, "type of %s\n", path);
			bad++;
		} else if (mf->dir) {
			bad += volume_matches(v, m, path, seen, skip);
		} else if (!volume_file_is(v, path, mf->data, mf->size)) {
			fprintf(stderr, "contents of %s (model %zu bytes, volume %llu)\n", path, mf->size,
				(unsigned long long)e.st.size);
			bad++;
		}
	}
	if (rc < 0) {
		fprintf(stderr, "dir_read %s: %d\n", dir, rc);
		bad++;
	}
	return bad;
}

static inline int volume_check(struct fat_volume *v, struct model *m, const char *const *skip)
{
	bool seen[MODEL_MAX] = { 0 };
	int bad = volume_matches(v, m, "", seen, skip);
	for (int i = 0; i < MODEL_MAX; i++) {
		if (!m->f[i].used || seen[i])
			continue;
		bool skipped = false;
		for (int k = 0; skip != NULL && skip[k] != NULL; k++)
			if (!strncasecmp(skip[k], m->f[i].path, strlen(skip[k])))
				skipped = true;
		if (!skipped) {
			fprintf(stderr, "missing %s\n", m->f[i].path);
			bad++;
		}
	}
	return bad;
}

#endif
