/* The manifest parser: app.synth, one per application folder. Reports
 * every error it can as FILE:LINE:COL and returns NULL when there was
 * any, so nothing is generated from a broken manifest. The format is
 * described in docs/manifest.md. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "synth/lex.h"

/* Names the runtime's own options take (lib/runtime.c). */
static const char *const reserved_params[] = { "help", "log" };

enum block { B_NONE, B_APP, B_DEVICE, B_SKIP };

struct mp {
	struct lx x;
	struct manifest *m;
	enum block block;
	struct mdevice *dev;          /* current device block */
	struct pos app_pos;           /* of the app block, line 0 when none */
	struct pos summary_pos, entry_pos;
	bool warned_outside;
};

static void dup_error(struct lx *x, struct pos at, const char *what, struct pos first)
{
	lx_error_at(x, at, "duplicate '%s' (the first is at line %d)", what, first.line);
}

static void parse_app_header(struct mp *mp, struct pos kwpos)
{
	struct lx *x = &mp->x;
	if (mp->app_pos.line) {
		lx_error_at(x, kwpos, "second 'app' block (the first is at line %d; a manifest declares one app)",
		            mp->app_pos.line);
		mp->block = B_SKIP;
		return;
	}
	mp->app_pos = kwpos;
	mp->block = B_APP;
	const char *s;
	struct pos np = (lx_skip_blanks(x), lx_pos(x));
	size_t n = lx_word(x, &s);
	if (n == 0) {
		lx_expected(x, "an app name after 'app'");
		return;
	}
	if (!name_is_device(s, n)) {
		lx_error_at(x, np, "invalid app name '%.*s' (expected [a-z][a-z0-9_]*)", (int)n, s);
		return;
	}
	mp->m->name = arena_strndup(x->a, s, n);
	mp->m->name_pos = np;
	lx_end(x, "the app name");
}

static void parse_device_header(struct mp *mp)
{
	struct lx *x = &mp->x;
	mp->block = B_SKIP;
	const char *s;
	struct pos kp = (lx_skip_blanks(x), lx_pos(x));
	size_t n = lx_word(x, &s);
	if (n == 0) {
		lx_expected(x, "a device kind after 'device'");
		return;
	}
	int kind = kind_lookup(s, n);
	if (kind < 0) {
		struct buf kinds = { 0 };
		kind_list(&kinds);
		lx_error_at(x, kp, "unknown device kind '%.*s' (expected one of: %s)", (int)n, s, buf_cstr(&kinds));
		buf_free(&kinds);
		return;
	}
	struct pos np = (lx_skip_blanks(x), lx_pos(x));
	n = lx_word(x, &s);
	if (n == 0) {
		lx_expected(x, "a device name after the kind");
		return;
	}
	if (!name_is_device(s, n)) {
		lx_error_at(x, np, "invalid device name '%.*s' (expected a C identifier [a-z][a-z0-9_]*)", (int)n, s);
		return;
	}
	char *name = arena_strndup(x->a, s, n);
	if (name_is_c_keyword(name)) {
		lx_error_at(x, np, "invalid device name '%s': it is a C keyword", name);
		return;
	}
	if (!lx_end(x, "the device name"))
		return;
	for (size_t i = 0; i < mp->m->devices.n; i++) {
		struct mdevice *o = mp->m->devices.v[i];
		if (strcmp(o->name, name) == 0) {
			lx_error_at(x, np, "duplicate device '%s' (the first is at line %d)", name, o->pos.line);
			return;
		}
	}
	struct mdevice *dev = arena_alloc(x->a, sizeof *dev);
	dev->name = name;
	dev->kind = kind;
	dev->pos = np;
	dev->kind_pos = kp;
	vec_push(x->a, &mp->m->devices, dev);
	mp->dev = dev;
	mp->block = B_DEVICE;
}

/* sources FILE... / targets NAME...: one or more words. */
static void parse_words(struct mp *mp, struct vec *out, const char *kw, bool targets)
{
	struct lx *x = &mp->x;
	size_t before = out->n;
	while (!lx_at_eol(x)) {
		struct pos p = lx_pos(x);
		const char *s;
		size_t n;
		char *w;
		if (*x->p == '"') {
			w = lx_string(x);
			if (!w)
				return;
			n = strlen(w);
			s = w;
		} else {
			n = lx_word(x, &s);
			w = arena_strndup(x->a, s, n);
		}
		if (targets && !name_is_target(s, n)) {
			lx_error_at(x, p, "invalid target name '%s' (expected [a-z][a-z0-9-]*)", w);
			return;
		}
		for (size_t i = 0; i < out->n; i++) {
			struct word *o = out->v[i];
			if (strcmp(o->s, w) == 0) {
				lx_error_at(x, p, "'%s' is listed twice in '%s' (first at line %d)", w, kw, o->pos.line);
				return;
			}
		}
		struct word *wd = arena_alloc(x->a, sizeof *wd);
		wd->s = w;
		wd->pos = p;
		vec_push(x->a, out, wd);
	}
	if (out->n == before)
		lx_expected(x, "%s after '%s'", targets ? "one or more target names" : "one or more file names", kw);
}

static void parse_set(struct mp *mp)
{
	struct lx *x = &mp->x;
	struct setting *st = arena_alloc(x->a, sizeof *st);
	const char *s;
	lx_skip_blanks(x);
	st->pos = lx_pos(x);
	size_t n = lx_span(x, lx_is_param_char, &s);
	if (n == 0) {
		lx_expected(x, "a parameter name after 'set'");
		return;
	}
	if (!name_is_param(s, n)) {
		lx_error_at(x, st->pos, "invalid parameter name '%.*s' (expected [a-z][a-z0-9-]*)", (int)n, s);
		return;
	}
	st->name = arena_strndup(x->a, s, n);
	lx_skip_blanks(x);
	if (x->p >= x->eol || *x->p != '=') {
		lx_expected(x, "'=' after the parameter name");
		return;
	}
	x->p++;
	lx_skip_blanks(x);
	st->value_pos = lx_pos(x);
	st->value = lx_value(x, "a value after '='");
	if (!st->value || !lx_end(x, "the value"))
		return;
	for (size_t i = 0; i < mp->dev->sets.n; i++) {
		struct setting *o = mp->dev->sets.v[i];
		if (strcmp(o->name, st->name) == 0) {
			lx_error_at(x, st->pos, "'%s' is set twice for device '%s' (first at line %d)", st->name,
			            mp->dev->name, o->pos.line);
			return;
		}
	}
	vec_push(x->a, &mp->dev->sets, st);
}

/* Names that would not survive as a C field or a command-line option. */
static bool param_ok(struct lx *x, struct param_decl *p, bool app)
{
	if (name_is_c_keyword(p->cname)) {
		lx_error_at(x, p->pos, "invalid parameter name '%s': it is a C keyword", p->name);
		return false;
	}
	for (size_t r = 0; app && r < sizeof reserved_params / sizeof reserved_params[0]; r++) {
		if (strcmp(p->name, reserved_params[r]) == 0) {
			lx_error_at(x, p->pos, "parameter name '%s' is reserved for the runtime's own option --%s",
			            p->name, p->name);
			return false;
		}
	}
	return true;
}

static void parse_app_stmt(struct mp *mp, const char *kw, size_t n, struct pos kwpos)
{
	struct lx *x = &mp->x;
	struct manifest *m = mp->m;
#define KW(s) (n == sizeof(s) - 1 && memcmp(kw, s, n) == 0)
	if (KW("summary")) {
		if (mp->summary_pos.line) {
			dup_error(x, kwpos, "summary", mp->summary_pos);
			return;
		}
		mp->summary_pos = kwpos;
		char *s = lx_string(x);
		if (s && lx_end(x, "the summary"))
			m->summary = s;
	} else if (KW("entry")) {
		if (mp->entry_pos.line) {
			dup_error(x, kwpos, "entry", mp->entry_pos);
			return;
		}
		mp->entry_pos = kwpos;
		const char *s;
		struct pos p = (lx_skip_blanks(x), lx_pos(x));
		size_t len = lx_word(x, &s);
		if (len == 0) {
			lx_expected(x, "the name of the entry function after 'entry'");
			return;
		}
		char *e = arena_strndup(x->a, s, len);
		if (!name_is_c_ident(s, len) || name_is_c_keyword(e)) {
			lx_error_at(x, p, "invalid entry '%s' (expected a C function name)", e);
			return;
		}
		if (lx_end(x, "the entry function"))
			m->entry = e;
	} else if (KW("sources")) {
		parse_words(mp, &m->sources, "sources", false);
	} else if (KW("targets")) {
		parse_words(mp, &m->targets, "targets", true);
	} else if (KW("param")) {
		struct param_decl *pd = lx_param(x);
		if (pd && param_ok(x, pd, true))
			param_add(x, &m->params, pd, "the app block");
	} else {
		lx_error_at(x, kwpos, "unknown statement '%.*s' in the app block (expected one of: summary, entry, sources, targets, param)",
		            (int)n, kw);
	}
}

static void parse_device_stmt(struct mp *mp, const char *kw, size_t n, struct pos kwpos)
{
	struct lx *x = &mp->x;
	if (KW("param")) {
		struct param_decl *pd = lx_param(x);
		if (pd && param_ok(x, pd, false))
			param_add(x, &mp->dev->params, pd, "this device");
	} else if (KW("set")) {
		parse_set(mp);
	} else {
		lx_error_at(x, kwpos, "unknown statement '%.*s' in a device block (expected 'param' or 'set')",
		            (int)n, kw);
	}
#undef KW
}

/* Checks that need the whole file: required pieces, names that would
 * collide in the generated C or on the command line. */
static void check_manifest(struct mp *mp)
{
	struct manifest *m = mp->m;
	struct diag *d = mp->x.d;
	struct pos top = { mp->x.file, 1, 1 };
	if (!mp->app_pos.line) {
		diag_error(d, top, "missing 'app' block (expected a line 'app NAME' at column 1)");
		return;
	}
	if (!m->entry && !mp->entry_pos.line)
		diag_error(d, mp->app_pos, "missing 'entry' in the app block (expected 'entry FUNCTION')");
	if (!m->sources.n)
		diag_error(d, mp->app_pos, "missing 'sources' in the app block (expected 'sources FILE...')");
	for (size_t i = 0; i < m->sources.n; i++) {
		struct word *w = m->sources.v[i];
		size_t n = strlen(w->s);
		bool ok = n > 2 && w->s[0] != '/';
		for (size_t j = 0; ok && j < n; j++) {
			unsigned char c = (unsigned char)w->s[j];
			if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			      c == '.' || c == '_' || c == '-' || c == '+' || c == '/'))
				ok = false;
		}
		if (!ok) {
			diag_error(d, w->pos, "invalid source file name '%s' (expected a relative path of letters, digits and . _ - + /)",
			           w->s);
			continue;
		}
		const char *ext = strrchr(w->s, '.');
		if (!ext || (strcmp(ext, ".c") != 0 && strcmp(ext, ".S") != 0 && strcmp(ext, ".s") != 0)) {
			diag_error(d, w->pos, "source file '%s' is neither C (.c) nor assembly (.S, .s)", w->s);
			continue;
		}
	}
	for (size_t i = 0; i < m->params.n; i++) {
		struct param_decl *p = m->params.v[i];
		for (size_t j = 0; j < m->devices.n; j++) {
			struct mdevice *dev = m->devices.v[j];
			if (strcmp(dev->name, p->cname) == 0)
				diag_error(d, p->pos, "app parameter '%s' has the name of device '%s' (line %d); both would be fields of struct app_params",
				           p->name, dev->name, dev->pos.line);
		}
	}
	for (size_t j = 0; j < m->devices.n; j++) {
		struct mdevice *dev = m->devices.v[j];
		for (size_t i = 0; i < dev->params.n; i++) {
			struct param_decl *p = dev->params.v[i];
			for (size_t k = 0; k < dev->sets.n; k++) {
				struct setting *s = dev->sets.v[k];
				if (strcmp(s->name, p->name) == 0)
					diag_error(d, s->pos, "'%s' is declared by 'param' (line %d) and bound by 'set'; a set binds a parameter of the implementation",
					           s->name, p->pos.line);
			}
			/* --DEV-PARAM must not also be an app parameter's --NAME. */
			for (size_t k = 0; k < m->params.n; k++) {
				struct param_decl *ap = m->params.v[k];
				size_t dl = strlen(dev->name);
				if (strncmp(ap->name, dev->name, dl) == 0 && ap->name[dl] == '-' &&
				    strcmp(ap->name + dl + 1, p->name) == 0)
					diag_error(d, ap->pos, "app parameter '%s' has the same command-line name as parameter '%s' of device '%s' (line %d)",
					           ap->name, p->name, dev->name, p->pos.line);
			}
		}
	}
}

struct manifest *manifest_parse(struct arena *a, struct diag *d, const char *file, const char *text,
                                size_t len, const char *dir)
{
	struct mp mp = { 0 };
	unsigned errors_before = d->errors;
	lx_init(&mp.x, a, d, file, text, len);
	struct lx *x = &mp.x;
	mp.m = arena_alloc(a, sizeof *mp.m);
	mp.m->path = arena_strdup(a, file);
	mp.m->dir = dir ? arena_strdup(a, dir) : NULL;
	while (lx_next_line(x)) {
		struct pos kwpos = lx_pos(x);
		const char *kw;
		size_t n = lx_word(x, &kw);
		if (!x->indented) {
			mp.warned_outside = false;
			if (n == 3 && memcmp(kw, "app", 3) == 0) {
				parse_app_header(&mp, kwpos);
			} else if (n == 6 && memcmp(kw, "device", 6) == 0) {
				parse_device_header(&mp);
			} else {
				mp.block = B_SKIP;
				x->p = kwpos.col - 1 + x->line;
				lx_expected(x, "'app' or 'device' at the start of a block");
			}
			continue;
		}
		switch (mp.block) {
		case B_NONE:
			if (!mp.warned_outside)
				lx_error_at(x, kwpos, "indented statement outside a block (expected 'app NAME' or 'device KIND NAME' at column 1 first)");
			mp.warned_outside = true;
			break;
		case B_SKIP:
			break;
		case B_APP:
		case B_DEVICE:
			if (n == 0) {
				x->p = kwpos.col - 1 + x->line;
				lx_expected(x, "a statement keyword");
				break;
			}
			if (mp.block == B_APP)
				parse_app_stmt(&mp, kw, n, kwpos);
			else
				parse_device_stmt(&mp, kw, n, kwpos);
			break;
		}
	}
	check_manifest(&mp);
	return d->errors == errors_before ? mp.m : NULL;
}

struct manifest *manifest_load(struct arena *a, struct diag *d, const char *path)
{
	size_t len;
	char *text = file_read(path, &len);
	if (!text) {
		diag_error(d, (struct pos){ path, 0, 0 }, "cannot read the manifest: %s", strerror(errno));
		return NULL;
	}
	const char *abs = path_abs(a, path);
	char *dir = arena_strdup(a, abs);
	char *slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = 0;
	else if (slash)
		*slash = 0;
	struct manifest *m = manifest_parse(a, d, arena_strdup(a, path), text, len, dir);
	free(text);
	return m && manifest_check_sources(d, m) ? m : NULL;
}

bool manifest_check_sources(struct diag *d, struct manifest *m)
{
	unsigned before = d->errors;
	struct arena tmp = { 0 };
	for (size_t i = 0; i < m->sources.n && m->dir; i++) {
		struct word *w = m->sources.v[i];
		const char *abs = path_join_abs(&tmp, m->dir, w->s);
		if (!path_is_file(abs))
			diag_error(d, w->pos, "source file '%s' not found (looked for %s)", w->s, abs);
	}
	arena_free(&tmp);
	return d->errors == before;
}
