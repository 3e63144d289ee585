/* Catalogues: the data that says which targets exist and which device
 * implementations each offers, read from every catalogue.synth of the
 * synth home. Nothing about a particular implementation lives in synth's
 * C code; a new backend only adds a catalogue file. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "synth/lex.h"

/* Build-time generators an implementation may ask for, with the type of
 * the parameter each one reads. */
static const struct {
	const char *name;
	enum param_type type;
} generators[] = {
	{ "ramdisk", PARAM_PATH },
	{ "fatimage", PARAM_PATH },
};

enum cblock { C_NONE, C_TARGET, C_IMPL, C_SKIP };

struct cp {
	struct lx x;
	struct catalogue *c;
	enum cblock block;
	struct target *t;
	struct impl *im;
	struct pos seen[8];     /* first position of single statements in the block */
	bool warned_outside;
};

enum { S_SUMMARY, S_BACKEND, S_RUNTIME, S_HEADER, S_SYMBOL, S_GENERATE };

static const char *const single_names[] = { "summary", "backend", "runtime", "header", "symbol",
	                                     "generate" };

static bool once(struct cp *cp, int which, struct pos kwpos)
{
	if (cp->seen[which].line) {
		lx_error_at(&cp->x, kwpos, "duplicate '%s' (the first is at line %d)", single_names[which],
		            cp->seen[which].line);
		return false;
	}
	cp->seen[which] = kwpos;
	return true;
}

static bool is_path_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
	       c == '_' || c == '-' || c == '+' || c == '/';
}

/* A word from a class checked by ok(); NULL after an error. */
static char *word_of(struct lx *x, const char *what, bool (*ok)(const char *, size_t), const char *form,
                     struct pos *at)
{
	const char *s;
	lx_skip_blanks(x);
	struct pos p = lx_pos(x);
	size_t n = lx_word(x, &s);
	if (n == 0) {
		lx_expected(x, "%s", what);
		return NULL;
	}
	if (ok && !ok(s, n)) {
		lx_error_at(x, p, "invalid %s '%.*s' (expected %s)", what, (int)n, s, form);
		return NULL;
	}
	if (at)
		*at = p;
	return arena_strndup(x->a, s, n);
}

/* The rest of the line as words of one class, each kept with its
 * position (struct word) in out; at least one is required. */
static void words_to_eol(struct lx *x, struct vec *out, const char *what, bool (*ok)(const char *, size_t),
                         const char *form, const char *none)
{
	size_t before = out->n;
	while (!lx_at_eol(x)) {
		struct pos p;
		char *s = word_of(x, what, ok, form, &p);
		if (!s)
			return;
		struct word *w = arena_alloc(x->a, sizeof *w);
		w->s = s;
		w->pos = p;
		vec_push(x->a, out, w);
	}
	if (out->n == before)
		lx_expected(x, "%s", none);
}

static bool ok_path(const char *s, size_t n)
{
	if (s[0] == '/')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_path_char((unsigned char)s[i]))
			return false;
	return true;
}

static bool ok_libname(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!is_path_char((unsigned char)s[i]) || s[i] == '/')
			return false;
	return true;
}

static int kind_word(struct lx *x, const char *what, struct pos *at)
{
	const char *s;
	lx_skip_blanks(x);
	struct pos p = lx_pos(x);
	size_t n = lx_word(x, &s);
	if (n == 0) {
		lx_expected(x, "%s", what);
		return -1;
	}
	int k = kind_lookup(s, n);
	if (k < 0) {
		struct buf kinds = { 0 };
		kind_list(&kinds);
		lx_error_at(x, p, "unknown device kind '%.*s' (expected one of: %s)", (int)n, s, buf_cstr(&kinds));
		buf_free(&kinds);
	}
	if (at)
		*at = p;
	return k;
}

static void header(struct cp *cp, const char *kw, size_t n, struct pos kwpos)
{
	struct lx *x = &cp->x;
	memset(cp->seen, 0, sizeof cp->seen);
	cp->block = C_SKIP;
	cp->t = NULL;
	cp->im = NULL;
	if (n == 6 && memcmp(kw, "target", 6) == 0) {
		struct pos p;
		char *name = word_of(x, "target name", name_is_target, "[a-z][a-z0-9-]*", &p);
		if (!name || !lx_end(x, "the target name"))
			return;
		struct target *t = arena_alloc(x->a, sizeof *t);
		t->name = name;
		t->pos = p;
		vec_push(x->a, &cp->c->targets, t);
		cp->t = t;
		cp->block = C_TARGET;
	} else if (n == 4 && memcmp(kw, "impl", 4) == 0) {
		int kind = kind_word(x, "a device kind after 'impl'", NULL);
		if (kind < 0)
			return;
		struct pos p;
		char *name = word_of(x, "implementation name", name_is_device, "[a-z][a-z0-9_]*", &p);
		if (!name || !lx_end(x, "the implementation name"))
			return;
		struct impl *im = arena_alloc(x->a, sizeof *im);
		im->kind = kind;
		im->name = name;
		im->pos = p;
		vec_push(x->a, &cp->c->impls, im);
		cp->im = im;
		cp->block = C_IMPL;
	} else {
		x->p = x->line + kwpos.col - 1;
		lx_expected(x, "'target' or 'impl' at the start of a block");
	}
}

/* A statement allowed once per block that takes one word checked by ok,
 * or a quoted string when ok is NULL. */
static void single(struct cp *cp, int which, struct pos kwpos, const char *what,
                   bool (*ok)(const char *, size_t), const char *form, char **dest)
{
	struct lx *x = &cp->x;
	if (!once(cp, which, kwpos))
		return;
	char *s = ok ? word_of(x, what, ok, form, NULL) : lx_string(x);
	if (s && lx_end(x, arena_printf(x->a, "the %s", what)))
		*dest = s;
}

static void target_stmt(struct cp *cp, const char *kw, size_t n, struct pos kwpos)
{
	struct lx *x = &cp->x;
	struct target *t = cp->t;
#define KW(s) (n == sizeof(s) - 1 && memcmp(kw, s, n) == 0)
	if (KW("summary")) {
		single(cp, S_SUMMARY, kwpos, "summary", NULL, NULL, &t->summary);
	} else if (KW("backend")) {
		single(cp, S_BACKEND, kwpos, "backend name", name_is_device, "[a-z][a-z0-9_]*", &t->backend);
	} else if (KW("runtime")) {
		single(cp, S_RUNTIME, kwpos, "runtime library name", ok_libname, "letters, digits, . _ - +",
		       &t->runtime);
	} else if (KW("default")) {
		struct pos kp;
		int kind = kind_word(x, "a device kind after 'default'", &kp);
		if (kind < 0)
			return;
		struct pos ip;
		char *impl = word_of(x, "implementation name", name_is_device, "[a-z][a-z0-9_]*", &ip);
		if (!impl || !lx_end(x, "the implementation name"))
			return;
		if (t->defaults[kind]) {
			lx_error_at(x, kp, "second default for kind %s (the first is at line %d)", synth_kinds[kind].name,
			            t->defaults[kind]->pos.line);
			return;
		}
		struct word *w = arena_alloc(x->a, sizeof *w);
		w->s = impl;
		w->pos = ip;
		t->defaults[kind] = w;
	} else {
		lx_error_at(x, kwpos, "unknown statement '%.*s' in a target block (expected one of: summary, backend, runtime, default)",
		            (int)n, kw);
	}
}

/* A protocol layer as `layers` names it: tcp, or alternatives side by
 * side such as tcp/udp. */
static bool name_is_layer(const char *s, size_t n)
{
	bool start = true;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '/' && !start) {
			start = true;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (!start && c >= '0' && c <= '9')))
			return false;
		start = false;
	}
	return n > 0 && !start;
}

static void impl_stmt(struct cp *cp, const char *kw, size_t n, struct pos kwpos)
{
	struct lx *x = &cp->x;
	struct impl *im = cp->im;
	if (KW("summary")) {
		single(cp, S_SUMMARY, kwpos, "summary", NULL, NULL, &im->summary);
	} else if (KW("targets")) {
		words_to_eol(x, &im->targets, "target name", name_is_target, "[a-z][a-z0-9-]*",
		             "one or more target names after 'targets'");
	} else if (KW("layers")) {
		words_to_eol(x, &im->layers, "protocol layer", name_is_layer,
		             "[a-z][a-z0-9]*, alternatives joined by '/'", "one or more protocol layers after 'layers'");
	} else if (KW("header")) {
		single(cp, S_HEADER, kwpos, "header path", ok_path, "a path relative to the synth home", &im->header);
	} else if (KW("symbol")) {
		single(cp, S_SYMBOL, kwpos, "symbol prefix", name_is_c_ident, "a C identifier", &im->symbol);
	} else if (KW("needs")) {
		struct pos p;
		int kind = kind_word(x, "a device kind after 'needs'", &p);
		if (kind < 0 || !lx_end(x, "the device kind"))
			return;
		if (im->needs.n >= sizeof im->needs_kind / sizeof im->needs_kind[0]) {
			lx_error_at(x, p, "too many 'needs' lines");
			return;
		}
		struct word *w = arena_alloc(x->a, sizeof *w);
		w->s = (char *)synth_kinds[kind].name;
		w->pos = p;
		im->needs_kind[im->needs.n] = kind;
		vec_push(x->a, &im->needs, w);
	} else if (KW("param")) {
		struct param_decl *pd = lx_param(x);
		if (pd)
			param_add(x, &im->params, pd, "this implementation");
	} else if (KW("generate")) {
		if (!once(cp, S_GENERATE, kwpos))
			return;
		struct pos gp;
		char *g = word_of(x, "generator name", name_is_device, "[a-z][a-z0-9_]*", &gp);
		if (!g)
			return;
		size_t gi = 0;
		while (gi < sizeof generators / sizeof generators[0] && strcmp(generators[gi].name, g) != 0)
			gi++;
		if (gi == sizeof generators / sizeof generators[0]) {
			lx_error_at(x, gp, "unknown generator '%s' (expected one of: ramdisk, fatimage)", g);
			return;
		}
		char *p = word_of(x, "parameter name the generator reads", name_is_param, "[a-z][a-z0-9-]*", NULL);
		if (!p || !lx_end(x, "the parameter name"))
			return;
		im->gen = g;
		im->gen_param = p;
		im->gen_pos = gp;
	} else {
		lx_error_at(x, kwpos, "unknown statement '%.*s' in an impl block (expected one of: summary, targets, header, symbol, needs, param, generate)",
		            (int)n, kw);
	}
#undef KW
}

/* Checks at the end of a block. */
static void end_block(struct cp *cp)
{
	struct diag *d = cp->x.d;
	if (cp->block == C_TARGET) {
		if (!cp->t->runtime)
			diag_error(d, cp->t->pos, "target '%s' has no 'runtime' (expected 'runtime LIBRARY')", cp->t->name);
		if (!cp->t->backend)
			diag_error(d, cp->t->pos, "target '%s' has no 'backend' (expected 'backend NAME')", cp->t->name);
	} else if (cp->block == C_IMPL) {
		struct impl *im = cp->im;
		if (!im->header)
			diag_error(d, im->pos, "implementation %s %s has no 'header' (expected 'header PATH')",
			           synth_kinds[im->kind].name, im->name);
		if (!im->symbol)
			diag_error(d, im->pos, "implementation %s %s has no 'symbol' (expected 'symbol PREFIX')",
			           synth_kinds[im->kind].name, im->name);
		if (!im->targets.n)
			diag_error(d, im->pos, "implementation %s %s has no 'targets' (expected 'targets TARGET...')",
			           synth_kinds[im->kind].name, im->name);
		if (im->gen) {
			struct param_decl *p = param_find(&im->params, im->gen_param);
			size_t gi = 0;
			while (strcmp(generators[gi].name, im->gen) != 0)
				gi++;
			if (!p)
				diag_error(d, im->gen_pos, "generator %s reads parameter '%s', which this implementation does not declare",
				           im->gen, im->gen_param);
			else if (p->type != generators[gi].type)
				diag_error(d, im->gen_pos, "generator %s reads a %s parameter, but '%s' is a %s", im->gen,
				           param_type_name(generators[gi].type), p->name, param_type_name(p->type));
		}
	}
	cp->block = C_NONE;
}

bool catalogue_parse(struct arena *a, struct diag *d, struct catalogue *c, const char *file,
                     const char *text, size_t len)
{
	struct cp cp = { 0 };
	unsigned before = d->errors;
	cp.c = c;
	lx_init(&cp.x, a, d, file, text, len);
	struct lx *x = &cp.x;
	vec_push(a, &c->files, (void *)file);
	while (lx_next_line(x)) {
		struct pos kwpos = lx_pos(x);
		const char *kw;
		size_t n = lx_word(x, &kw);
		if (!x->indented) {
			end_block(&cp);
			cp.warned_outside = false;
			header(&cp, kw, n, kwpos);
			continue;
		}
		if (cp.block == C_NONE) {
			if (!cp.warned_outside)
				lx_error_at(x, kwpos, "indented statement outside a block (expected 'target NAME' or 'impl KIND NAME' at column 1 first)");
			cp.warned_outside = true;
			continue;
		}
		if (cp.block == C_SKIP)
			continue;
		if (n == 0) {
			x->p = x->line + kwpos.col - 1;
			lx_expected(x, "a statement keyword");
			continue;
		}
		if (cp.block == C_TARGET)
			target_stmt(&cp, kw, n, kwpos);
		else
			impl_stmt(&cp, kw, n, kwpos);
	}
	end_block(&cp);
	return d->errors == before;
}

bool catalogue_load_file(struct arena *a, struct diag *d, struct catalogue *c, const char *path)
{
	size_t len;
	char *text = file_read(path, &len);
	if (!text) {
		diag_error(d, (struct pos){ path, 0, 0 }, "cannot read the catalogue: %s", strerror(errno));
		return false;
	}
	bool ok = catalogue_parse(a, d, c, arena_strdup(a, path), text, len);
	free(text);
	return ok;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* DIR/catalogue.synth and DIR/ * /catalogue.synth (sorted) when sub. */
static bool load_dir(struct arena *a, struct diag *d, struct catalogue *c, const char *dir, bool sub)
{
	bool ok = true;
	char *own = arena_printf(a, "%s/catalogue.synth", dir);
	if (path_is_file(own))
		ok &= catalogue_load_file(a, d, c, own);
	if (!sub)
		return ok;
	DIR *dp = opendir(dir);
	if (!dp)
		return ok;
	struct vec names = { 0 };
	struct dirent *de;
	while ((de = readdir(dp)))
		if (de->d_name[0] != '.')
			vec_push(a, &names, arena_strdup(a, de->d_name));
	closedir(dp);
	if (names.n)
		qsort(names.v, names.n, sizeof names.v[0], cmp_str);
	for (size_t i = 0; i < names.n; i++) {
		char *f = arena_printf(a, "%s/%s/catalogue.synth", dir, (char *)names.v[i]);
		if (path_is_file(f))
			ok &= catalogue_load_file(a, d, c, f);
	}
	return ok;
}

bool catalogue_load_home(struct arena *a, struct diag *d, struct catalogue *c, const char *home)
{
	bool ok = true;
	ok &= load_dir(a, d, c, arena_printf(a, "%s/devices", home), false);
	ok &= load_dir(a, d, c, arena_printf(a, "%s/backends", home), true);
	ok &= load_dir(a, d, c, arena_printf(a, "%s/protocols", home), true);
	if (ok && !c->files.n) {
		diag_plain(d, "no catalogue.synth found under %s (is SYNTH_HOME right?)", home);
		return false;
	}
	return ok && catalogue_check(d, c);
}

struct target *catalogue_target(struct catalogue *c, const char *name)
{
	for (size_t i = 0; i < c->targets.n; i++) {
		struct target *t = c->targets.v[i];
		if (strcmp(t->name, name) == 0)
			return t;
	}
	return NULL;
}

struct impl *catalogue_impl(struct catalogue *c, int kind, const char *name)
{
	for (size_t i = 0; i < c->impls.n; i++) {
		struct impl *im = c->impls.v[i];
		if (im->kind == kind && strcmp(im->name, name) == 0)
			return im;
	}
	return NULL;
}

bool impl_on_target(const struct impl *im, const char *target)
{
	for (size_t i = 0; i < im->targets.n; i++) {
		struct word *w = im->targets.v[i];
		if (strcmp(w->s, target) == 0)
			return true;
	}
	return false;
}

struct param_decl *param_find(struct vec *params, const char *name)
{
	for (size_t i = 0; i < params->n; i++) {
		struct param_decl *p = params->v[i];
		if (strcmp(p->name, name) == 0)
			return p;
	}
	return NULL;
}

bool catalogue_check(struct diag *d, struct catalogue *c)
{
	unsigned before = d->errors;
	for (size_t i = 0; i < c->targets.n; i++) {
		struct target *t = c->targets.v[i];
		for (size_t j = 0; j < i; j++) {
			struct target *o = c->targets.v[j];
			if (strcmp(o->name, t->name) == 0)
				diag_error(d, t->pos, "target '%s' is defined twice (first at %s:%d)", t->name, o->pos.file,
				           o->pos.line);
		}
	}
	for (size_t i = 0; i < c->impls.n; i++) {
		struct impl *im = c->impls.v[i];
		for (size_t j = 0; j < i; j++) {
			struct impl *o = c->impls.v[j];
			if (o->kind == im->kind && strcmp(o->name, im->name) == 0)
				diag_error(d, im->pos, "implementation %s %s is defined twice (first at %s:%d)",
				           synth_kinds[im->kind].name, im->name, o->pos.file, o->pos.line);
		}
		/* A target no catalogue defines is not an error: backend-free
		 * implementations list every target they run on, and an
		 * installation may lack some backends (xen, say). Such names are
		 * simply never offered; `synth devices` shows them as they are. */
	}
	/* A target default naming an implementation that is missing or not
	 * offered there is reported when an app needs it (resolve.c), so
	 * one unfinished entry does not stop every other app. */
	return d->errors == before;
}
