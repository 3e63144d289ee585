/* Rendering: turns a resolved graph into the m4 data files the templates
 * in synth/templates/ read, runs m4 once per output, and writes the
 * results atomically (untouched when unchanged). This file computes every
 * name, type and escaped string; the templates only lay text out. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "synth/synth.h"

/* C type of each enum param_type, as a prefix of a declaration. */
static const char *const c_types[PARAM_TYPE_COUNT] = {
	[PARAM_STRING] = "const char *",
	[PARAM_PATH] = "const char *",
	[PARAM_BOOL] = "bool ",
	[PARAM_U16] = "uint16_t ",
	[PARAM_U32] = "uint32_t ",
	[PARAM_U64] = "uint64_t ",
	[PARAM_INT] = "int64_t ",
	[PARAM_IPV4] = "struct ipv4_addr ",
	[PARAM_CIDR] = "struct ipv4_cidr ",
	[PARAM_MAC] = "struct mac_addr ",
	[PARAM_DURATION] = "uint64_t ",
	[PARAM_SIZE] = "uint64_t ",
};

/* ---- escaping --------------------------------------------------------- */

static void octal(struct buf *b, unsigned char c)
{
	buf_printf(b, "\\%03o", c);
}

/* The inside of a C string literal. '[' and ']' never reach m4 raw (they
 * make its quotes), nor '$' (m4 would take "$1" in a macro body for an
 * argument); "??" is split so no trigraph can form. */
static void esc_c(struct buf *b, const char *s)
{
	unsigned char prev = 0;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			buf_printf(b, "\\%c", c);
		else if (c == '\n')
			buf_puts(b, "\\n");
		else if (c == '\t')
			buf_puts(b, "\\t");
		else if (c < 0x20 || c == 0x7f || c == '[' || c == ']' || c == '$')
			octal(b, c);
		else if (c == '?' && prev == '?')
			buf_puts(b, "\\?");
		else
			buf_putc(b, (char)c);
		prev = c;
	}
}

/* The inside of a GNU as string: only plain printable ASCII stays as it
 * is ('\'' too is escaped, for the C preprocessor that reads .S files). */
static void esc_asm(struct buf *b, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			buf_printf(b, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f || c == '[' || c == ']' || c == '$' || c == '\'' || c == '`')
			octal(b, c);
		else
			buf_putc(b, (char)c);
	}
}

/* Text for a C comment or a shown name: printable, no "*" "/" pair, no
 * brackets, no '$' (see esc_c). */
static void esc_comment(struct buf *b, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x20 || c == 0x7f)
			c = ' ';
		else if (c == '[')
			c = '(';
		else if (c == ']')
			c = ')';
		else if (c == '$')
			c = 'S';
		else if (c == '/' && b->len && b->s[b->len - 1] == '*')
			buf_putc(b, ' ');
		buf_putc(b, (char)c);
	}
}

/* Paths that go into make and shell text unquoted. */
static bool make_safe(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (!(isalnum(c) || c >= 0x80 || strchr("._+,@=/~-", c)))
			return false;
	}
	return true;
}

static bool need_make_safe(struct diag *d, const char *what, const char *path)
{
	if (make_safe(path))
		return true;
	diag_plain(d, "%s '%s' has characters make cannot handle (use only letters, digits and . _ + , @ = / ~ -)",
	           what, path);
	return false;
}

/* ---- m4 data ---------------------------------------------------------- */

/* Values are quoted twice: one level goes when m4 collects arguments, the
 * other keeps the value from being expanded when the body is rescanned. */
static void d_scalar(struct buf *b, const char *name, const char *value)
{
	buf_printf(b, "m4_define([[%s]], [[[[%s]]]])m4_dnl\n", name, value);
}

static void d_begin(struct buf *b, const char *name)
{
	buf_printf(b, "m4_define([[%s]], [[", name);
}

static void d_end(struct buf *b)
{
	buf_puts(b, "]])m4_dnl\n");
}

/* One call NAME(a1, a2, ...) inside a list; args end with NULL. Inside a
 * list the call is already in one level of quotes, so args get two more. */
static void d_call(struct buf *b, const char *macro, ...)
{
	va_list ap;
	va_start(ap, macro);
	buf_printf(b, "%s(", macro);
	const char *arg;
	bool first = true;
	while ((arg = va_arg(ap, const char *))) {
		buf_printf(b, "%s[[[[%s]]]]", first ? "" : ", ", arg);
		first = false;
	}
	va_end(ap);
	buf_puts(b, ")m4_dnl\n");
}

static const char *c_str(struct arena *a, const char *s)
{
	struct buf b = { 0 };
	esc_c(&b, s);
	char *r = arena_strdup(a, buf_cstr(&b));
	buf_free(&b);
	return r;
}

static const char *comment(struct arena *a, const char *s)
{
	struct buf b = { 0 };
	esc_comment(&b, s);
	char *r = arena_strdup(a, buf_cstr(&b));
	buf_free(&b);
	return r;
}

static const char *type_enum(struct arena *a, enum param_type t)
{
	char *s = arena_printf(a, "PARAM_%s", param_type_name(t));
	for (char *p = s; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	return s;
}

/* ---- outputs ---------------------------------------------------------- */

struct out {
	const char *name;      /* file name inside outdir */
	const char *template;
	const char *data;      /* the m4 data file it is rendered from */
	struct buf text;
};

struct rd {
	struct rdevice *dev;
	const char *dir;
	struct rd_tree tree;
	const char *symbol;
};

/* A device whose implementation runs the fatimage generator. */
struct fi {
	struct rdevice *dev;
	const char *dir;
	struct rd_tree tree;
	const char *symbol;
	struct fi_image img;
};

struct gen {
	struct arena *a;
	struct diag *d;
	struct graph *g;
	const struct gen_opts *o;
	const char *shown;     /* the manifest, as the header lines name it */
	struct buf common;     /* data every template sees */
	struct vec rds;        /* struct rd * */
	struct vec fis;        /* struct fi * */
	struct out outs[64];
	size_t nouts;
};

static const char *shown_manifest(struct gen *G)
{
	struct manifest *m = G->g->m;
	const char *abs = path_abs(G->a, m->path);
	const char *rel = path_under(abs, G->o->home);
	return comment(G->a, rel && *rel ? rel : abs);
}

/* Outputs are queued, then rendered together by one m4 run (starting a
 * process per file would cost more than the rest of synth); split.m4
 * prints a separator line between them. */
static bool queue(struct gen *G, const char *template, const char *data, const char *outname)
{
	if (G->nouts == sizeof G->outs / sizeof G->outs[0]) {
		diag_plain(G->d, "too many generated files");
		return false;
	}
	struct out *out = &G->outs[G->nouts++];
	memset(out, 0, sizeof *out);
	out->name = outname;
	out->template = arena_printf(G->a, "%s/%s", G->o->templates, template);
	out->data = data;
	return true;
}

#define SPLIT "\001synth-next-file\001\n"

static bool render_all(struct gen *G)
{
	const struct gen_opts *o = G->o;
	char **argv = arena_alloc(G->a, (3 * G->nouts + 4) * sizeof *argv);
	size_t n = 0;
	argv[n++] = (char *)o->m4;
	argv[n++] = "-P";
	argv[n++] = arena_printf(G->a, "%s/common.m4", o->templates);
	char *split = arena_printf(G->a, "%s/split.m4", o->templates);
	for (size_t i = 0; i < G->nouts; i++) {
		argv[n++] = (char *)G->outs[i].data;
		argv[n++] = (char *)G->outs[i].template;
		argv[n++] = split;
	}
	for (size_t i = 2; i < n; i++) {
		if (!path_is_file(argv[i])) {
			diag_plain(G->d, "template %s not found (is SYNTH_HOME right?)", argv[i]);
			return false;
		}
	}
	struct buf all = { 0 };
	int rc = run_capture(G->d, argv, &all);
	if (rc != 0) {
		if (rc > 0)
			diag_plain(G->d, "%s failed (status %d) on the templates of %s", o->m4, rc, o->templates);
		buf_free(&all);
		return false;
	}
	const char *p = buf_cstr(&all), *end = p + all.len;
	for (size_t i = 0; i < G->nouts; i++) {
		const char *cut = memmem(p, (size_t)(end - p), SPLIT, sizeof SPLIT - 1);
		if (!cut) {
			diag_plain(G->d, "m4 printed %zu of %zu files (a template in %s is broken)", i, G->nouts, o->templates);
			buf_free(&all);
			return false;
		}
		buf_add(&G->outs[i].text, p, (size_t)(cut - p));
		p = cut + sizeof SPLIT - 1;
	}
	buf_free(&all);
	return true;
}

/* Data files live in the output folder too: they are what m4 read, handy
 * when a template needs debugging, and rewritten only when they change. */
static const char *write_data(struct gen *G, const char *name, struct buf *b)
{
	char *path = arena_printf(G->a, "%s/%s", G->o->outdir, name);
	int rc = file_update(path, buf_cstr(b), b->len);
	if (rc < 0) {
		diag_plain(G->d, "cannot write %s: %s", path, strerror(-rc));
		return NULL;
	}
	return path;
}

static void common_data(struct gen *G)
{
	struct buf *b = &G->common;
	struct graph *g = G->g;
	buf_printf(b, "m4_dnl Generated by synth %s from %s for target %s: data for synth/templates. Do not edit.\n",
	           SYNTH_VERSION, G->shown, g->target->name);
	d_scalar(b, "SYN_VERSION", SYNTH_VERSION);
	d_scalar(b, "SYN_MANIFEST", G->shown);
	d_scalar(b, "SYN_APP", g->m->name);
	d_scalar(b, "SYN_TARGET", g->target->name);
}

static const char *config_init(struct gen *G, struct rdevice *r)
{
	for (size_t i = 0; i < G->rds.n; i++) {
		struct rd *rd = G->rds.v[i];
		if (rd->dev == r)
			return arena_printf(G->a, " = { .image = &%s }", rd->symbol);
	}
	for (size_t i = 0; i < G->fis.n; i++) {
		struct fi *fi = G->fis.v[i];
		if (fi->dev == r)
			return arena_printf(G->a, " = { .image = &%s }", fi->symbol);
	}
	return "";
}

static void devices_h_data(struct gen *G, struct buf *b)
{
	struct manifest *m = G->g->m;
	bool used[16] = { 0 };
	for (size_t i = 0; i < m->devices.n; i++)
		used[((struct mdevice *)m->devices.v[i])->kind] = true;
	d_begin(b, "SYN_KIND_INCLUDES");
	for (size_t k = 0; k < synth_nkinds; k++)
		if (used[k])
			d_call(b, "SYN_INCLUDE", synth_kinds[k].header, NULL);
	d_end(b);
	d_begin(b, "SYN_DEVICE_FIELDS");
	for (size_t i = 0; i < m->devices.n; i++) {
		struct mdevice *md = m->devices.v[i];
		d_call(b, "SYN_DEVICE_FIELD", synth_kinds[md->kind].name, md->name, NULL);
	}
	if (!m->devices.n)
		d_call(b, "SYN_FIELD", "\t", "char ", "unused_", " /* the app declares no device */", NULL);
	d_end(b);
	d_begin(b, "SYN_PARAM_FIELDS");
	size_t fields = 0;
	for (size_t i = 0; i < m->params.n; i++) {
		struct param_decl *p = m->params.v[i];
		d_call(b, "SYN_FIELD", "\t", c_types[p->type], p->cname,
		       arena_printf(G->a, " /* --%s: %s */", p->name, comment(G->a, p->help)), NULL);
		fields++;
	}
	for (size_t i = 0; i < m->devices.n; i++) {
		struct mdevice *md = m->devices.v[i];
		if (!md->params.n)
			continue;
		d_call(b, "SYN_GROUP_BEGIN", md->name, NULL);
		for (size_t j = 0; j < md->params.n; j++) {
			struct param_decl *p = md->params.v[j];
			d_call(b, "SYN_FIELD", "\t\t", c_types[p->type], p->cname,
			       arena_printf(G->a, " /* --%s-%s: %s */", md->name, p->name, comment(G->a, p->help)), NULL);
		}
		d_call(b, "SYN_GROUP_END", md->name, NULL);
		fields++;
	}
	if (!fields)
		d_call(b, "SYN_FIELD", "\t", "char ", "unused_", " /* the app declares no parameter */", NULL);
	d_end(b);
	d_scalar(b, "SYN_ENTRY", m->entry);
}

static void param_row(struct gen *G, struct buf *b, struct rparam *rp, const char *dest)
{
	struct param_decl *p = rp->decl;
	d_call(b, "SYN_PARAM", rp->runtime_name, type_enum(G->a, p->type), c_str(G->a, rp->value),
	       c_str(G->a, p->help), dest, p->fixed ? "false" : "true", NULL);
}

static void devtab_c_data(struct gen *G, struct buf *b)
{
	struct graph *g = G->g;
	struct arena *a = G->a;
	/* Kind headers, then each implementation's header once. */
	d_begin(b, "SYN_IMPL_INCLUDES");
	bool used[16] = { 0 };
	for (size_t i = 0; i < g->order.n; i++)
		used[((struct rdevice *)g->order.v[i])->kind] = true;
	for (size_t k = 0; k < synth_nkinds; k++)
		if (used[k])
			d_call(b, "SYN_INCLUDE", synth_kinds[k].header, NULL);
	for (size_t i = 0; i < g->order.n; i++) {
		struct rdevice *r = g->order.v[i];
		bool seen = false;
		for (size_t j = 0; j < i; j++)
			if (strcmp(((struct rdevice *)g->order.v[j])->impl->header, r->impl->header) == 0)
				seen = true;
		if (!seen)
			d_call(b, "SYN_INCLUDE", r->impl->header, NULL);
	}
	d_end(b);
	d_begin(b, "SYN_RAMDISK_DECLS");
	for (size_t i = 0; i < G->rds.n; i++)
		d_call(b, "SYN_RAMDISK_DECL", ((struct rd *)G->rds.v[i])->symbol, NULL);
	for (size_t i = 0; i < G->fis.n; i++)
		d_call(b, "SYN_FATIMAGE_DECL", ((struct fi *)G->fis.v[i])->symbol, NULL);
	d_end(b);

	d_begin(b, "SYN_STATES");
	for (size_t i = 0; i < g->order.n; i++) {
		struct rdevice *r = g->order.v[i];
		d_call(b, "SYN_STATE", r->name, synth_kinds[r->kind].name, r->impl->symbol, config_init(G, r), NULL);
	}
	d_end(b);

	size_t nparams = 0;
	d_begin(b, "SYN_PARAMS");
	for (size_t i = 0; i < g->aparams.n; i++) {
		struct rparam *rp = g->aparams.v[i];
		param_row(G, b, rp, arena_printf(a, "&app_params.%s", rp->decl->cname));
		nparams++;
	}
	for (size_t i = 0; i < g->order.n; i++) {
		struct rdevice *r = g->order.v[i];
		for (size_t j = 0; j < r->mparams.n; j++) {
			struct rparam *rp = r->mparams.v[j];
			param_row(G, b, rp, arena_printf(a, "&app_params.%s.%s", r->name, rp->decl->cname));
			nparams++;
		}
		for (size_t j = 0; j < r->iparams.n; j++) {
			struct rparam *rp = r->iparams.v[j];
			param_row(G, b, rp, arena_printf(a, "&%s_config.%s", r->name, rp->decl->cname));
			nparams++;
		}
	}
	d_end(b);
	d_scalar(b, "SYN_NPARAMS", arena_printf(a, "%zu", nparams));

	d_begin(b, "SYN_THUNKS");
	for (size_t i = 0; i < g->order.n; i++) {
		struct rdevice *r = g->order.v[i];
		struct buf deps = { 0 };
		for (size_t j = 0; j < r->impl->needs.n; j++)
			buf_printf(&deps, ", &%s_dev", r->deps[j]->name);
		d_call(b, "SYN_THUNK", r->name, r->impl->symbol, buf_cstr(&deps), NULL);
		buf_free(&deps);
	}
	d_end(b);
	d_begin(b, "SYN_ROWS");
	for (size_t i = 0; i < g->order.n; i++) {
		struct rdevice *r = g->order.v[i];
		d_call(b, "SYN_ROW", r->name, synth_kinds[r->kind].name, r->impl->name, NULL);
	}
	d_end(b);
	d_scalar(b, "SYN_NDEVICES", arena_printf(a, "%zu", g->order.n));
	d_begin(b, "SYN_APP_DEVICES");
	for (size_t i = 0; i < g->m->devices.n; i++)
		d_call(b, "SYN_APP_DEVICE", ((struct mdevice *)g->m->devices.v[i])->name, NULL);
	d_end(b);
	d_scalar(b, "SYN_ENTRY", g->m->entry);
	d_scalar(b, "SYN_SUMMARY", c_str(a, g->m->summary ? g->m->summary : ""));
}

/* Object name for a source: its relative path under obj/app/, with ".."
 * spelled "__" so objects stay inside the output folder. */
static const char *object_for(struct arena *a, const char *src)
{
	char *clean = path_clean(a, src);
	struct buf b = { 0 };
	buf_puts(&b, "app/");
	for (const char *s = clean; *s;) {
		if (s[0] == '.' && s[1] == '.' && (s[2] == '/' || s[2] == 0)) {
			buf_puts(&b, "__");
			s += 2;
		} else {
			buf_putc(&b, *s++);
		}
	}
	char *o = arena_strdup(a, buf_cstr(&b));
	buf_free(&b);
	char *dot = strrchr(o, '.');
	dot[1] = 'o';
	dot[2] = 0;
	return o;
}

static bool build_mk_data(struct gen *G, struct buf *b)
{
	struct graph *g = G->g;
	struct arena *a = G->a;
	const struct gen_opts *o = G->o;
	bool ok = need_make_safe(G->d, "SYNTH_HOME", o->home) &&
	          need_make_safe(G->d, "the config file", o->config_mk) &&
	          need_make_safe(G->d, "the app folder", g->m->dir) &&
	          need_make_safe(G->d, "the output folder", o->outdir);
	if (!ok)
		return false;
	/* Without a make-safe path to synth, build.mk cannot re-run it and
	 * says so instead. */
	const char *manifest = path_abs(a, g->m->path);
	bool rerun = o->synth_bin && o->reconfigure && make_safe(o->synth_bin) && make_safe(manifest);
	d_scalar(b, "SYN_HOME", o->home);
	d_scalar(b, "SYN_CONFIG", o->config_mk);
	d_scalar(b, "SYN_BACKEND", g->target->backend ? g->target->backend : "");
	d_scalar(b, "SYN_RUNTIME", g->target->runtime);
	d_scalar(b, "SYN_APPDIR", g->m->dir);

	struct vec objs = { 0 };
	d_begin(b, "SYN_OBJS");
	for (size_t i = 0; i < g->m->sources.n; i++) {
		struct word *w = g->m->sources.v[i];
		const char *obj = object_for(a, w->s);
		for (size_t j = 0; j < objs.n; j++)
			if (strcmp(objs.v[j], obj) == 0) {
				diag_error(G->d, w->pos, "source '%s' would build the same object as an earlier source", w->s);
				return false;
			}
		vec_push(a, &objs, (void *)obj);
		const char *ext = strrchr(w->s, '.');
		d_call(b, "SYN_OBJ", obj, arena_printf(a, "$(SYNTH_APPDIR)/%s", path_clean(a, w->s)),
		       arena_printf(a, "$(SYNTH_APP)/%s", path_clean(a, w->s)), strcmp(ext, ".c") == 0 ? "CC" : "AS",
		       NULL);
	}
	d_call(b, "SYN_OBJ", "devtab.o", "$(SYNTH_OUT)/devtab.c", "$(SYNTH_APP)/$(SYNTH_TARGET)/devtab.c", "CC", NULL);
	vec_push(a, &objs, "devtab.o");
	for (size_t i = 0; i < G->rds.n; i++) {
		struct rd *rd = G->rds.v[i];
		const char *obj = arena_printf(a, "ramdisk_%s.o", rd->dev->name);
		d_call(b, "SYN_OBJ", obj, arena_printf(a, "$(SYNTH_OUT)/ramdisk_%s.S", rd->dev->name),
		       arena_printf(a, "$(SYNTH_APP)/$(SYNTH_TARGET)/ramdisk_%s.S", rd->dev->name), "AS", NULL);
		vec_push(a, &objs, (void *)obj);
	}
	for (size_t i = 0; i < G->fis.n; i++) {
		struct fi *fi = G->fis.v[i];
		const char *obj = arena_printf(a, "fatimage_%s.o", fi->dev->name);
		d_call(b, "SYN_OBJ", obj, arena_printf(a, "$(SYNTH_OUT)/fatimage_%s.S", fi->dev->name),
		       arena_printf(a, "$(SYNTH_APP)/$(SYNTH_TARGET)/fatimage_%s.S", fi->dev->name), "AS", NULL);
		vec_push(a, &objs, (void *)obj);
	}
	d_end(b);
	d_begin(b, "SYN_OBJNAMES");
	for (size_t i = 0; i < objs.n; i++)
		d_call(b, "SYN_OBJNAME", (const char *)objs.v[i], NULL);
	d_end(b);
	d_begin(b, "SYN_RAMDISK_MKS");
	for (size_t i = 0; i < G->rds.n; i++)
		d_call(b, "SYN_RAMDISK_MK", arena_printf(a, "ramdisk_%s.mk", ((struct rd *)G->rds.v[i])->dev->name), NULL);
	for (size_t i = 0; i < G->fis.n; i++)
		d_call(b, "SYN_RAMDISK_MK", arena_printf(a, "fatimage_%s.mk", ((struct fi *)G->fis.v[i])->dev->name), NULL);
	d_end(b);

	/* What build.mk's own rule re-runs synth for. */
	d_begin(b, "SYN_RECONFIGURE_DEPS");
	if (make_safe(manifest))
		d_call(b, "SYN_DEP", manifest, NULL);
	for (size_t i = 0; i < g->cat->files.n; i++) {
		const char *f = path_abs(a, g->cat->files.v[i]);
		if (make_safe(f))
			d_call(b, "SYN_DEP", f, NULL);
	}
	d_end(b);
	if (rerun)
		d_scalar(b, "SYN_RECONFIGURE",
		         arena_printf(a, "SYNTH_HOME=%s SYNTH_CONFIG=%s %s configure %s", o->home, o->config_mk, o->synth_bin,
		                      o->reconfigure));
	else
		d_scalar(b, "SYN_RECONFIGURE", "echo 'synth: re-run synth configure' >&2; exit 1");
	return true;
}

static void ramdisk_data(struct gen *G, struct rd *rd, struct buf *sb, struct buf *mb)
{
	struct arena *a = G->a;
	struct buf tmp = { 0 };
	d_scalar(sb, "SYN_SYMBOL", rd->symbol);
	d_scalar(sb, "SYN_DEVICE", rd->dev->name);
	const char *rel = path_under(rd->dir, G->o->home);
	d_scalar(sb, "SYN_SHOWN_DIR", comment(a, rel && *rel ? rel : rd->dir));
	d_scalar(sb, "SYN_COUNT", arena_printf(a, "%zu", rd->tree.n));
	d_begin(sb, "SYN_ENTRIES");
	for (size_t i = 0; i < rd->tree.n; i++) {
		struct rd_entry *e = rd->tree.e[i];
		tmp.len = 0;
		esc_asm(&tmp, e->rel);
		char *path = arena_strdup(a, buf_cstr(&tmp));
		char idx[24], len[24], mt[24];
		snprintf(idx, sizeof idx, "%zu", i);
		snprintf(len, sizeof len, "%zu", e->rel_len);
		snprintf(mt, sizeof mt, "%lld", (long long)e->mtime_ns);
		if (e->dir) {
			d_call(sb, "SYN_DIR", idx, path, len, mt, NULL);
		} else {
			tmp.len = 0;
			esc_asm(&tmp, e->abs);
			d_call(sb, "SYN_FILE", idx, path, len, buf_cstr(&tmp), mt, NULL);
		}
	}
	d_end(sb);
	buf_free(&tmp);

	d_scalar(mb, "SYN_OBJECT", arena_printf(a, "ramdisk_%s.o", rd->dev->name));
	d_begin(mb, "SYN_FILES");
	for (size_t i = 0; i < rd->tree.n; i++) {
		struct rd_entry *e = rd->tree.e[i];
		if (!e->dir && make_safe(e->abs))
			d_call(mb, "SYN_DEP", e->abs, NULL);
	}
	d_end(mb);
	d_begin(mb, "SYN_DIRS");
	for (size_t i = 0; i < rd->tree.dirs.n; i++)
		if (make_safe(rd->tree.dirs.v[i]))
			d_call(mb, "SYN_DEP", (const char *)rd->tree.dirs.v[i], NULL);
	d_end(mb);
}

static void fatimage_data(struct gen *G, struct fi *fi, const char *img, struct buf *sb, struct buf *mb)
{
	struct arena *a = G->a;
	struct buf tmp = { 0 };
	size_t files = 0;
	for (size_t i = 0; i < fi->tree.n; i++)
		files += !fi->tree.e[i]->dir;
	d_scalar(sb, "SYN_SYMBOL", fi->symbol);
	d_scalar(sb, "SYN_DEVICE", fi->dev->name);
	const char *rel = path_under(fi->dir, G->o->home);
	d_scalar(sb, "SYN_SHOWN_DIR", comment(a, rel && *rel ? rel : fi->dir));
	d_scalar(sb, "SYN_FAT_TYPE", arena_printf(a, "%d", fi->img.type));
	d_scalar(sb, "SYN_FILES", arena_printf(a, "%zu", files));
	d_scalar(sb, "SYN_FOLDERS", arena_printf(a, "%zu", fi->tree.n - files));
	d_scalar(sb, "SYN_DISK_SIZE", arena_printf(a, "%llu", (unsigned long long)fi->img.disk_size));
	d_scalar(sb, "SYN_IMAGE_SIZE", arena_printf(a, "%zu", fi->img.size));
	esc_asm(&tmp, img);
	d_scalar(sb, "SYN_IMAGE", buf_cstr(&tmp));
	buf_free(&tmp);

	d_scalar(mb, "SYN_OBJECT", arena_printf(a, "fatimage_%s.o", fi->dev->name));
	d_scalar(mb, "SYN_IMAGE", img);
	/* A changed file means a new image: synth runs again. */
	d_begin(mb, "SYN_DEPS");
	for (size_t i = 0; i < fi->tree.n; i++) {
		struct rd_entry *e = fi->tree.e[i];
		if (!e->dir && make_safe(e->abs))
			d_call(mb, "SYN_DEP", e->abs, NULL);
	}
	for (size_t i = 0; i < fi->tree.dirs.n; i++)
		if (make_safe(fi->tree.dirs.v[i]))
			d_call(mb, "SYN_DEP", (const char *)fi->tree.dirs.v[i], NULL);
	d_end(mb);
}

/* The value of parameter name of r, as text. */
static const char *iparam_value(struct rdevice *r, const char *name)
{
	for (size_t j = 0; j < r->iparams.n; j++)
		if (strcmp(((struct rparam *)r->iparams.v[j])->decl->name, name) == 0)
			return ((struct rparam *)r->iparams.v[j])->value;
	return NULL;
}

/* Where an error about a generator's folder points: the set line that
 * chose it when there is one, else the device (or the one it serves). */
static struct pos gen_where(struct rdevice *r, const char *param)
{
	struct rdevice *u = r;
	while (u && !u->m)
		u = u->parent;
	struct pos where = { 0 };
	if (!u)
		return where;
	where = u->m->pos;
	for (size_t k = 0; k < u->m->sets.n; k++) {
		struct setting *s = u->m->sets.v[k];
		if (strcmp(s->name, param) == 0)
			where = s->value_pos;
	}
	return where;
}

/* Devices whose implementation asks for the fatimage generator: scan the
 * folder and make the volume (written out later, with the rest). */
static bool collect_fatimages(struct gen *G)
{
	struct graph *g = G->g;
	bool ok = true;
	for (size_t i = 0; i < g->order.n; i++) {
		struct rdevice *r = g->order.v[i];
		if (!r->impl->gen || strcmp(r->impl->gen, "fatimage") != 0)
			continue;
		struct fi *fi = arena_alloc(G->a, sizeof *fi);
		fi->dev = r;
		fi->dir = iparam_value(r, r->impl->gen_param);
		fi->symbol = arena_printf(G->a, "synth_fatimage_%s", r->name);
		struct pos where = gen_where(r, r->impl->gen_param);
		uint64_t size = 0;
		uint32_t fat = 0;
		const char *v;
		if ((v = iparam_value(r, "size")))
			param_parse(PARAM_SIZE, v, strlen(v), &size, NULL);
		if ((v = iparam_value(r, "fat")))
			param_parse(PARAM_U32, v, strlen(v), &fat, NULL);
		if (!tree_scan(G->a, G->d, where, "fatimage", fi->dir, &fi->tree) ||
		    !fatimage_build(G->d, where, &fi->tree, size, fat, &fi->img))
			ok = false;
		vec_push(G->a, &G->fis, fi);
	}
	return ok;
}

/* Devices whose implementation asks for the ramdisk generator. */
static bool collect_ramdisks(struct gen *G)
{
	struct graph *g = G->g;
	bool ok = true;
	for (size_t i = 0; i < g->order.n; i++) {
		struct rdevice *r = g->order.v[i];
		if (!r->impl->gen || strcmp(r->impl->gen, "ramdisk") != 0)
			continue;
		struct rparam *rp = NULL;
		for (size_t j = 0; j < r->iparams.n; j++)
			if (strcmp(((struct rparam *)r->iparams.v[j])->decl->name, r->impl->gen_param) == 0)
				rp = r->iparams.v[j];
		struct rd *rd = arena_alloc(G->a, sizeof *rd);
		rd->dev = r;
		rd->dir = rp->value;
		rd->symbol = arena_printf(G->a, "synth_ramdisk_%s", r->name);
		struct pos where = { 0 };
		if (r->m) {
			where = r->m->pos;
			for (size_t k = 0; k < r->m->sets.n; k++) {
				struct setting *s = r->m->sets.v[k];
				if (strcmp(s->name, rp->decl->name) == 0)
					where = s->value_pos;
			}
		}
		if (!ramdisk_scan(G->a, G->d, where, rd->dir, &rd->tree))
			ok = false;
		vec_push(G->a, &G->rds, rd);
	}
	return ok;
}

/* Whether n is PREFIX + a device of list + one of the generator's file
 * endings. */
static bool gen_file_kept(const char *n, const char *prefix, struct vec *list, bool fat)
{
	for (size_t i = 0; i < list->n; i++) {
		const char *dev = fat ? ((struct fi *)list->v[i])->dev->name : ((struct rd *)list->v[i])->dev->name;
		size_t pl = strlen(prefix), dl = strlen(dev);
		if (strncmp(n + pl, dev, dl) == 0 && n[pl + dl] == '.')
			return true;
	}
	return false;
}

/* Remove the generators' files of devices this configuration no longer
 * has (say after --kv=hostdir), so the folder holds only what build.mk
 * uses. */
static void remove_stale(struct gen *G)
{
	DIR *dp = opendir(G->o->outdir);
	if (!dp)
		return;
	struct dirent *de;
	while ((de = readdir(dp))) {
		const char *n = de->d_name;
		const char *dot = strrchr(n, '.');
		if (!dot || (strcmp(dot, ".m4") != 0 && strcmp(dot, ".S") != 0 && strcmp(dot, ".mk") != 0 &&
		             strcmp(dot, ".img") != 0))
			continue;
		bool keep;
		if (strncmp(n, "ramdisk_", 8) == 0 && strcmp(dot, ".img") != 0)
			keep = gen_file_kept(n, "ramdisk_", &G->rds, false);
		else if (strncmp(n, "fatimage_", 9) == 0)
			keep = gen_file_kept(n, "fatimage_", &G->fis, true);
		else
			continue;
		if (!keep)
			unlinkat(dirfd(dp), n, 0);
	}
	closedir(dp);
}

int generate(struct arena *a, struct diag *d, struct graph *g, const struct gen_opts *o)
{
	struct gen G = { .a = a, .d = d, .g = g, .o = o };
	int status = EXIT_FAIL;
	unsigned before = d->errors;
	struct buf b = { 0 }, mb = { 0 };
	G.shown = shown_manifest(&G);
	if (!collect_ramdisks(&G) || !collect_fatimages(&G)) {
		status = EXIT_USAGE;
		goto out;
	}
	int rc = mkdir_p(o->outdir);
	if (rc < 0) {
		diag_plain(d, "cannot create %s: %s", o->outdir, strerror(-rc));
		goto out;
	}
	common_data(&G);

	buf_add(&b, G.common.s, G.common.len);
	devices_h_data(&G, &b);
	devtab_c_data(&G, &b);
	if (!build_mk_data(&G, &b)) {
		status = EXIT_USAGE;
		goto out;
	}
	const char *data = write_data(&G, "synth-data.m4", &b);
	if (!data || !queue(&G, "devices.h.m4", data, "devices.h") || !queue(&G, "devtab.c.m4", data, "devtab.c") ||
	    !queue(&G, "build.mk.m4", data, "build.mk") || !queue(&G, "reconfigure.mk.m4", data, "reconfigure.mk"))
		goto out;
	for (size_t i = 0; i < G.rds.n; i++) {
		struct rd *rd = G.rds.v[i];
		b.len = 0;
		mb.len = 0;
		buf_add(&b, G.common.s, G.common.len);
		buf_add(&mb, G.common.s, G.common.len);
		ramdisk_data(&G, rd, &b, &mb);
		const char *n = rd->dev->name;
		const char *sd = write_data(&G, arena_printf(a, "ramdisk_%s.m4", n), &b);
		const char *md = write_data(&G, arena_printf(a, "ramdisk_%s.mk.m4", n), &mb);
		if (!sd || !md || !queue(&G, "ramdisk.S.m4", sd, arena_printf(a, "ramdisk_%s.S", n)) ||
		    !queue(&G, "ramdisk.mk.m4", md, arena_printf(a, "ramdisk_%s.mk", n)))
			goto out;
	}
	for (size_t i = 0; i < G.fis.n; i++) {
		struct fi *fi = G.fis.v[i];
		b.len = 0;
		mb.len = 0;
		buf_add(&b, G.common.s, G.common.len);
		buf_add(&mb, G.common.s, G.common.len);
		const char *n = fi->dev->name;
		const char *img = arena_printf(a, "%s/fatimage_%s.img", o->outdir, n);
		fatimage_data(&G, fi, img, &b, &mb);
		const char *sd = write_data(&G, arena_printf(a, "fatimage_%s.m4", n), &b);
		const char *md = write_data(&G, arena_printf(a, "fatimage_%s.mk.m4", n), &mb);
		if (!sd || !md || !queue(&G, "fatimage.S.m4", sd, arena_printf(a, "fatimage_%s.S", n)) ||
		    !queue(&G, "fatimage.mk.m4", md, arena_printf(a, "fatimage_%s.mk", n)))
			goto out;
	}
	if (!render_all(&G))
		goto out;
	/* The volumes, ahead of the files that name them. */
	for (size_t i = 0; i < G.fis.n; i++) {
		struct fi *fi = G.fis.v[i];
		char *path = arena_printf(a, "%s/fatimage_%s.img", o->outdir, fi->dev->name);
		rc = file_update(path, (const char *)fi->img.data, fi->img.size);
		if (rc < 0) {
			diag_plain(d, "cannot write %s: %s", path, strerror(-rc));
			goto out;
		}
	}
	/* Everything rendered: only now touch the real outputs, build.mk
	 * last so a build never sees it ahead of what it names. */
	for (size_t pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < G.nouts; i++) {
			struct out *ou = &G.outs[i];
			if ((strcmp(ou->name, "build.mk") == 0) != (pass == 1))
				continue;
			char *path = arena_printf(a, "%s/%s", o->outdir, ou->name);
			rc = file_update(path, buf_cstr(&ou->text), ou->text.len);
			if (rc < 0) {
				diag_plain(d, "cannot write %s: %s", path, strerror(-rc));
				goto out;
			}
		}
	}
	remove_stale(&G);
	status = d->errors == before ? EXIT_OK : EXIT_FAIL;
out:
	for (size_t i = 0; i < G.nouts; i++)
		buf_free(&G.outs[i].text);
	for (size_t i = 0; i < G.fis.n; i++)
		free(((struct fi *)G.fis.v[i])->img.data);
	buf_free(&b);
	buf_free(&mb);
	buf_free(&G.common);
	return status;
}
