/* The synth command line: configure, build, run, clean, describe,
 * targets, devices and matrix (see docs/synth.1). Exit status 0 on
 * success, 1 on a failure (a build, a file that cannot be written), 2 on
 * a usage or input error (a bad manifest, an unknown target ...). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "synth/synth.h"

#ifndef SYNTH_SRCDIR
#define SYNTH_SRCDIR "."
#endif

static const char *prog = "synth";

struct cmd;

struct opts {
	const struct cmd *cmd;
	const char *target;
	const char *root;          /* the build root (-o), default _build */
	const char *appdir;
	bool dot;
	const char *format;
	const char *kind;          /* devices KIND */
	struct override ov[64];
	size_t nov;
	char **run_args;           /* after -- */
	int nrun_args;
};

struct env {
	struct arena a;
	struct diag d;
	const char *home;
	const char *config_mk;
	const char *m4;
	const char *self;
	struct catalogue cat;
};

struct cmd {
	const char *name;
	int (*fn)(struct env *, struct opts *);
	const char *usage;
	const char *help;
	unsigned flags;
};

enum { F_APP = 1, F_TARGET = 2, F_OVERRIDES = 4, F_OUT = 8, F_DOT = 16, F_FORMAT = 32, F_KIND = 64, F_RUNARGS = 128 };

/* ---- environment ------------------------------------------------------ */

static const char *self_path(struct arena *a)
{
	char buf[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
	if (n <= 0)
		return NULL;
	buf[n] = 0;
	return arena_strdup(a, buf);
}

/* SYNTH_HOME, else an installed layout beside the binary, else the source
 * tree synth was built from. */
static const char *find_home(struct env *e)
{
	const char *h = getenv("SYNTH_HOME");
	if (h && *h)
		return path_abs(&e->a, h);
	if (e->self) {
		char *bin = arena_strdup(&e->a, e->self);
		char *slash = strrchr(bin, '/');
		if (slash) {
			*slash = 0;
			char *share = path_clean(&e->a, arena_printf(&e->a, "%s/../share/synth", bin));
			if (path_is_dir(share))
				return share;
		}
	}
	return path_abs(&e->a, SYNTH_SRCDIR);
}

/* The value of VAR in config.mk ("VAR = value", ":=", "?="), or NULL. */
static const char *config_var(struct env *e, const char *var)
{
	size_t len;
	char *text = file_read(e->config_mk, &len);
	if (!text)
		return NULL;
	const char *found = NULL;
	size_t vl = strlen(var);
	for (char *line = text; line && *line;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = 0;
		char *p = line;
		while (*p == ' ' || *p == '\t')
			p++;
		if (strncmp(p, var, vl) == 0) {
			p += vl;
			while (*p == ' ' || *p == '\t')
				p++;
			if (p[0] == ':' && p[1] == '=')
				p += 2;
			else if (p[0] == '?' && p[1] == '=')
				p += 2;
			else if (p[0] == '=')
				p += 1;
			else
				p = NULL;
			if (p) {
				while (*p == ' ' || *p == '\t')
					p++;
				char *end = p + strlen(p);
				while (end > p && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
					*--end = 0;
				if (*p)
					found = arena_strdup(&e->a, p);
			}
		}
		line = nl ? nl + 1 : NULL;
	}
	free(text);
	return found;
}

static const char *templates_dir(struct env *e)
{
	const char *t = arena_printf(&e->a, "%s/synth/templates", e->home);
	if (!path_is_dir(t)) {
		const char *alt = arena_printf(&e->a, "%s/templates", e->home);
		if (path_is_dir(alt))
			return alt;
	}
	return t;
}

/* The catalogues of SYNTH_HOME, or the files SYNTH_CATALOGUE lists
 * (colon-separated; the golden tests use it for a fixture catalogue). */
static int load_catalogue(struct env *e)
{
	if (e->cat.files.n)
		return EXIT_OK;
	const char *list = getenv("SYNTH_CATALOGUE");
	if (list && *list) {
		bool ok = true;
		char *copy = arena_strdup(&e->a, list);
		for (char *f = strtok(copy, ":"); f; f = strtok(NULL, ":"))
			ok &= catalogue_load_file(&e->a, &e->d, &e->cat, f);
		return ok && catalogue_check(&e->d, &e->cat) ? EXIT_OK : EXIT_USAGE;
	}
	if (!catalogue_load_home(&e->a, &e->d, &e->cat, e->home))
		return EXIT_USAGE;
	return EXIT_OK;
}

/* APPDIR may be a folder holding app.synth, a manifest file, or the name
 * of an example under SYNTH_HOME/examples. */
static const char *manifest_path(struct env *e, const char *appdir)
{
	if (path_is_file(appdir))
		return appdir;
	const char *m = arena_printf(&e->a, "%s/app.synth", appdir);
	if (path_is_dir(appdir)) {
		if (path_is_file(m))
			return m;
		diag_plain(&e->d, "%s has no app.synth", appdir);
		return NULL;
	}
	if (!strchr(appdir, '/')) {
		const char *ex = arena_printf(&e->a, "%s/examples/%s/app.synth", e->home, appdir);
		if (path_is_file(ex))
			return ex;
	}
	diag_plain(&e->d, "no app folder or manifest '%s'", appdir);
	return NULL;
}

static struct graph *load_graph(struct env *e, struct opts *o, struct manifest **mp)
{
	if (load_catalogue(e) != EXIT_OK)
		return NULL;
	const char *path = manifest_path(e, o->appdir);
	if (!path)
		return NULL;
	struct manifest *m = manifest_load(&e->a, &e->d, path);
	if (!m)
		return NULL;
	if (mp)
		*mp = m;
	if (!o->target) {
		struct buf b = { 0 };
		for (size_t i = 0; i < e->cat.targets.n; i++)
			buf_printf(&b, "%s%s", i ? ", " : "", ((struct target *)e->cat.targets.v[i])->name);
		diag_plain(&e->d, "no target given (use -t TARGET; targets: %s)", buf_cstr(&b));
		buf_free(&b);
		return NULL;
	}
	return resolve(&e->a, &e->d, m, &e->cat, o->target, o->ov, o->nov);
}

static const char *outdir(struct env *e, struct opts *o, struct manifest *m, const char *target)
{
	return path_abs(&e->a, arena_printf(&e->a, "%s/%s/%s", o->root, m->name, target));
}

/* ---- commands --------------------------------------------------------- */

/* Configure; *bin (when asked) is the binary build.mk makes. */
static int do_configure_into(struct env *e, struct opts *o, const char **bin)
{
	struct manifest *m = NULL;
	struct graph *g = load_graph(e, o, &m);
	if (!g)
		return EXIT_USAGE;
	if (!path_is_file(e->config_mk)) {
		diag_plain(&e->d, "%s not found: run ./configure in %s first, or point SYNTH_CONFIG at a config.mk",
		           e->config_mk, e->home);
		return EXIT_FAIL;
	}
	struct gen_opts go = { 0 };
	go.home = e->home;
	go.outdir = outdir(e, o, m, o->target);
	go.config_mk = e->config_mk;
	go.m4 = e->m4;
	go.synth_bin = e->self;
	go.templates = templates_dir(e);
	struct buf re = { 0 };
	buf_printf(&re, "-t %s -o %s", o->target, path_abs(&e->a, o->root));
	for (size_t i = 0; i < o->nov; i++)
		buf_printf(&re, " --%s=%s", o->ov[i].key, o->ov[i].impl);
	buf_printf(&re, " %s", path_abs(&e->a, m->path));
	go.reconfigure = arena_strdup(&e->a, buf_cstr(&re));
	buf_free(&re);
	/* Overrides and the manifest path end up in a shell command line. */
	for (size_t i = 0; i < o->nov; i++)
		for (const char *s = o->ov[i].impl; *s; s++)
			if (!strchr("abcdefghijklmnopqrstuvwxyz0123456789_", *s)) {
				diag_plain(&e->d, "invalid implementation name '%s' in --%s", o->ov[i].impl, o->ov[i].key);
				return EXIT_USAGE;
			}
	if (bin)
		*bin = arena_printf(&e->a, "%s/%s", go.outdir, m->name);
	return generate(&e->a, &e->d, g, &go);
}

static int cmd_configure(struct env *e, struct opts *o)
{
	return do_configure_into(e, o, NULL);
}

static const char *make_prog(void)
{
	const char *m = getenv("MAKE");
	return m && *m ? m : "make";
}

static int do_build(struct env *e, struct opts *o, const char **bin)
{
	int rc = do_configure_into(e, o, bin);
	if (rc != EXIT_OK)
		return rc;
	const char *slash = strrchr(*bin, '/');
	char *mk = arena_printf(&e->a, "%.*s/build.mk", (int)(slash - *bin), *bin);
	/* -s hides "Nothing to be done"; build.mk prints its own short lines
	 * unless V=1, which wants the commands echoed. */
	const char *v = getenv("V");
	bool verbose = v && strcmp(v, "1") == 0;
	char *argv[] = { (char *)make_prog(), "--no-print-directory", "-f", mk, verbose ? NULL : "-s", NULL };
	int st = run_capture(&e->d, argv, NULL);
	if (st != 0) {
		if (st > 0)
			diag_plain(&e->d, "the build failed (make -f %s)", mk);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

static int cmd_build(struct env *e, struct opts *o)
{
	const char *bin;
	return do_build(e, o, &bin);
}

static int cmd_run(struct env *e, struct opts *o)
{
	const char *bin;
	int rc = do_build(e, o, &bin);
	if (rc != EXIT_OK)
		return rc;
	char **argv = arena_alloc(&e->a, (size_t)(o->nrun_args + 2) * sizeof *argv);
	argv[0] = (char *)bin;
	for (int i = 0; i < o->nrun_args; i++)
		argv[i + 1] = o->run_args[i];
	fflush(NULL);
	execv(bin, argv);
	diag_plain(&e->d, "cannot run %s: %s", bin, strerror(errno));
	return EXIT_FAIL;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	int rc = flag == FTW_DP ? rmdir(path) : unlink(path);
	if (rc < 0 && errno != ENOENT) {
		fprintf(stderr, "%s: cannot remove %s: %s\n", prog, path, strerror(errno));
		return 1;
	}
	return 0;
}

/* Remove an output folder, but only one synth made. */
static int clean_dir(struct env *e, const char *dir)
{
	char *mk = arena_printf(&e->a, "%s/build.mk", dir);
	size_t len;
	char *text = file_read(mk, &len);
	bool ours = text && strncmp(text, "# Generated by synth ", 21) == 0;
	free(text);
	if (!path_is_dir(dir))
		return EXIT_OK;
	if (!ours) {
		diag_plain(&e->d, "%s does not look like a synth output folder (no generated build.mk); not removing it", dir);
		return EXIT_FAIL;
	}
	return nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS) == 0 ? EXIT_OK : EXIT_FAIL;
}

static int cmd_clean(struct env *e, struct opts *o)
{
	const char *path = manifest_path(e, o->appdir);
	if (!path)
		return EXIT_USAGE;
	struct manifest *m = manifest_load(&e->a, &e->d, path);
	if (!m)
		return EXIT_USAGE;
	if (o->target)
		return clean_dir(e, outdir(e, o, m, o->target));
	const char *appout = path_abs(&e->a, arena_printf(&e->a, "%s/%s", o->root, m->name));
	DIR *dp = opendir(appout);
	if (!dp)
		return EXIT_OK;
	struct vec subs = { 0 };
	struct dirent *de;
	while ((de = readdir(dp)))
		if (de->d_name[0] != '.')
			vec_push(&e->a, &subs, arena_printf(&e->a, "%s/%s", appout, de->d_name));
	closedir(dp);
	int rc = EXIT_OK;
	for (size_t i = 0; i < subs.n; i++)
		if (path_is_dir(subs.v[i]) && clean_dir(e, subs.v[i]) != EXIT_OK)
			rc = EXIT_FAIL;
	rmdir(appout);   /* only when empty */
	return rc;
}

static int cmd_describe(struct env *e, struct opts *o)
{
	struct graph *g = load_graph(e, o, NULL);
	if (!g)
		return EXIT_USAGE;
	struct buf out = { 0 };
	if (o->dot)
		describe_dot(g, &out);
	else
		describe_text(g, &out);
	fwrite(buf_cstr(&out), 1, out.len, stdout);
	buf_free(&out);
	return EXIT_OK;
}

static int cmd_targets(struct env *e, struct opts *o)
{
	(void)o;
	int rc = load_catalogue(e);
	if (rc != EXIT_OK)
		return rc;
	for (size_t i = 0; i < e->cat.targets.n; i++) {
		struct target *t = e->cat.targets.v[i];
		printf("%s%s%s\n", t->name, t->summary ? "  " : "", t->summary ? t->summary : "");
		printf("    backend %s, runtime library %s (%s:%d)\n", t->backend ? t->backend : "-", t->runtime,
		       t->pos.file, t->pos.line);
		printf("    defaults:");
		for (size_t k = 0; k < synth_nkinds; k++)
			if (t->defaults[k]) {
				struct impl *im = catalogue_impl(&e->cat, (int)k, t->defaults[k]->s);
				printf(" %s=%s%s", synth_kinds[k].name, t->defaults[k]->s,
				       !im ? " (undefined)" : !impl_on_target(im, t->name) ? " (not offered here)" : "");
			}
		printf("\n");
	}
	return EXIT_OK;
}

static void print_param(struct param_decl *p)
{
	printf("        param %s: %s = %s%s \"%s\"\n", p->name, param_type_name(p->type), p->def, p->fixed ? " fixed" : "",
	       p->help);
}

static int cmd_devices(struct env *e, struct opts *o)
{
	int rc = load_catalogue(e);
	if (rc != EXIT_OK)
		return rc;
	int only = -1;
	if (o->kind) {
		only = kind_lookup(o->kind, strlen(o->kind));
		if (only < 0) {
			struct buf b = { 0 };
			kind_list(&b);
			diag_plain(&e->d, "unknown device kind '%s' (kinds: %s)", o->kind, buf_cstr(&b));
			buf_free(&b);
			return EXIT_USAGE;
		}
	}
	for (size_t k = 0; k < synth_nkinds; k++) {
		if (only >= 0 && (size_t)only != k)
			continue;
		printf("%s (%s)\n", synth_kinds[k].name, synth_kinds[k].header);
		size_t n = 0;
		for (size_t i = 0; i < e->cat.impls.n; i++) {
			struct impl *im = e->cat.impls.v[i];
			if (im->kind != (int)k)
				continue;
			n++;
			printf("    %-12s %s\n", im->name, im->summary ? im->summary : "");
			printf("        targets:");
			for (size_t j = 0; j < im->targets.n; j++)
				printf(" %s", ((struct word *)im->targets.v[j])->s);
			printf("\n");
			if (im->needs.n) {
				printf("        needs:");
				for (size_t j = 0; j < im->needs.n; j++)
					printf(" %s", ((struct word *)im->needs.v[j])->s);
				printf("\n");
			}
			for (size_t j = 0; j < im->params.n; j++)
				print_param(im->params.v[j]);
			if (im->gen)
				printf("        generate %s %s\n", im->gen, im->gen_param);
		}
		if (!n)
			printf("    (no implementation yet)\n");
	}
	return EXIT_OK;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmd_matrix(struct env *e, struct opts *o)
{
	const char *fmt = o->format ? o->format : "text";
	if (strcmp(fmt, "text") != 0 && strcmp(fmt, "make") != 0) {
		diag_plain(&e->d, "unknown format '%s' (expected text or make)", fmt);
		return EXIT_USAGE;
	}
	int rc = load_catalogue(e);
	if (rc != EXIT_OK)
		return rc;
	const char *exdir = o->appdir ? path_abs(&e->a, o->appdir) : arena_printf(&e->a, "%s/examples", e->home);
	DIR *dp = opendir(exdir);
	if (!dp) {
		diag_plain(&e->d, "cannot read %s: %s", exdir, strerror(errno));
		return EXIT_USAGE;
	}
	struct vec names = { 0 };
	struct dirent *de;
	while ((de = readdir(dp)))
		if (de->d_name[0] != '.')
			vec_push(&e->a, &names, arena_strdup(&e->a, de->d_name));
	closedir(dp);
	if (names.n)
		qsort(names.v, names.n, sizeof names.v[0], cmp_str);
	struct buf rows = { 0 }, skipped = { 0 }, presets = { 0 }, vars = { 0 };
	for (size_t i = 0; i < names.n; i++) {
		const char *dir = arena_printf(&e->a, "%s/%s", exdir, (char *)names.v[i]);
		const char *mpath = arena_printf(&e->a, "%s/app.synth", dir);
		if (!path_is_file(mpath))
			continue;
		struct manifest *m = manifest_load(&e->a, &e->d, mpath);
		if (!m)
			continue;
		const char *shown = path_under(dir, e->home);
		shown = shown && *shown ? shown : dir;
		for (size_t t = 0; t < e->cat.targets.n; t++) {
			struct target *tg = e->cat.targets.v[t];
			struct diag quiet = { 0 };
			struct graph *g = resolve(&e->a, &quiet, m, &e->cat, tg->name, NULL, 0);
			bool restricted = false;
			if (m->targets.n) {
				restricted = true;
				for (size_t k = 0; k < m->targets.n; k++)
					if (strcmp(((struct word *)m->targets.v[k])->s, tg->name) == 0)
						restricted = false;
			}
			if (g) {
				buf_printf(&rows, "%-12s %-16s %s\n", m->name, tg->name, shown);
				buf_printf(&presets, " %s-%s", m->name, tg->name);
				buf_printf(&vars, "MATRIX_APP_%s-%s := %s\nMATRIX_TARGET_%s-%s := %s\nMATRIX_DIR_%s-%s := %s\n",
				           m->name, tg->name, m->name, m->name, tg->name, tg->name, m->name, tg->name, dir);
			} else if (!restricted) {
				/* The first line of the reason, without the position. */
				const char *why = buf_cstr(&quiet.text);
				const char *err = strstr(why, "error: ");
				why = err ? err + 7 : why;
				const char *nl = strchr(why, '\n');
				buf_printf(&skipped, "# skipped %s on %s: %.*s\n", m->name, tg->name,
				           (int)(nl ? nl - why : (long)strlen(why)), why);
			}
			diag_free(&quiet);
		}
	}
	if (e->d.errors) {
		rc = EXIT_USAGE;
	} else if (strcmp(fmt, "text") == 0) {
		/* One "APP TARGET DIR" line per pair, for scripts; why a pair is
		 * left out goes to stderr. */
		fputs(buf_cstr(&rows), stdout);
		fputs(buf_cstr(&skipped), stderr);
	} else {
		printf("# Generated by synth %s matrix. Do not edit.\n", SYNTH_VERSION);
		printf("MATRIX :=%s\n%s%s", buf_cstr(&presets), buf_cstr(&vars), buf_cstr(&skipped));
	}
	buf_free(&rows);
	buf_free(&skipped);
	buf_free(&presets);
	buf_free(&vars);
	return rc;
}

static const struct cmd cmds[] = {
	{ "configure", cmd_configure, "configure -t TARGET [-o DIR] [--DEVICE=IMPL | --KIND=IMPL]... APPDIR",
	  "Resolve the app's devices for TARGET and generate devtab.c, devices.h and\n"
	  "build.mk (and any build-time data) into DIR/APP/TARGET (DIR: _build).",
	  F_APP | F_TARGET | F_OVERRIDES | F_OUT },
	{ "build", cmd_build, "build -t TARGET [-o DIR] [--DEVICE=IMPL | --KIND=IMPL]... APPDIR",
	  "Configure, then run make -f DIR/APP/TARGET/build.mk; the binary is\nDIR/APP/TARGET/APP.",
	  F_APP | F_TARGET | F_OVERRIDES | F_OUT },
	{ "run", cmd_run, "run -t TARGET [-o DIR] [--DEVICE=IMPL | --KIND=IMPL]... APPDIR [-- ARGS...]",
	  "Build, then run the binary with ARGS (e.g. -- --net-port=9090).",
	  F_APP | F_TARGET | F_OVERRIDES | F_OUT | F_RUNARGS },
	{ "clean", cmd_clean, "clean [-t TARGET] [-o DIR] APPDIR",
	  "Remove DIR/APP/TARGET, or every target's folder of the app without -t.", F_APP | F_TARGET | F_OUT },
	{ "describe", cmd_describe, "describe -t TARGET [--dot] [--DEVICE=IMPL | --KIND=IMPL]... APPDIR",
	  "Print the resolved device graph: devices in connect order, implementations,\n"
	  "dependencies and parameters; --dot prints it for Graphviz.",
	  F_APP | F_TARGET | F_OVERRIDES | F_DOT },
	{ "targets", cmd_targets, "targets", "List the targets the catalogues define, with their defaults.", 0 },
	{ "devices", cmd_devices, "devices [KIND]", "List the device implementations of every kind (or of KIND).",
	  F_KIND },
	{ "matrix", cmd_matrix, "matrix [--format text|make] [EXAMPLES]",
	  "List every example (under SYNTH_HOME/examples, or EXAMPLES) with every\n"
	  "target it can be built for; make format defines MATRIX (preset\n"
	  "names such as www-unix-socket) and per-preset variables.",
	  F_FORMAT },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: %s COMMAND [OPTIONS]\n       %s --help | --version\n\ncommands:\n", prog, prog);
	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
		fprintf(f, "  %s\n", cmds[i].usage);
	fprintf(f, "\n%s COMMAND --help describes one command; man synth tells everything.\n"
	           "Environment: SYNTH_HOME (source tree or installed share/synth), SYNTH_CONFIG\n"
	           "(the config.mk build.mk includes), SYNTH_TARGET (default for -t),\n"
	           "SYNTH_CATALOGUE (catalogue files to read instead of SYNTH_HOME's).\n", prog);
}

static void cmd_usage(const struct cmd *c, FILE *f)
{
	fprintf(f, "usage: %s %s\n\n%s\n", prog, c->usage, c->help);
	if (c->flags & F_TARGET)
		fprintf(f, "\n  -t, --target TARGET   the target (synth targets lists them)");
	if (c->flags & F_OUT)
		fprintf(f, "\n  -o, --build-dir DIR   build root instead of ./_build");
	if (c->flags & F_OVERRIDES)
		fprintf(f, "\n  --DEVICE=IMPL         implementation for the device named DEVICE\n"
		           "  --KIND=IMPL           implementation for every device of KIND");
	if (c->flags & F_DOT)
		fprintf(f, "\n  --dot                 Graphviz output (dot -Tsvg)");
	if (c->flags & F_FORMAT)
		fprintf(f, "\n  --format text|make    output format (default text)");
	fprintf(f, "\n  -h, --help            this help\n");
}

static int usage_error(const struct cmd *c, const char *fmt, const char *arg)
{
	fprintf(stderr, "%s: ", prog);
	fprintf(stderr, fmt, arg);
	if (c)
		fprintf(stderr, "\nusage: %s %s\n", prog, c->usage);
	else
		fprintf(stderr, "\n(%s --help lists the commands)\n", prog);
	return EXIT_USAGE;
}

static bool valid_key(const char *s, size_t n)
{
	if (n == 0 || !(s[0] >= 'a' && s[0] <= 'z'))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

/* Option value: "--opt=V", "--opt V", "-xV", "-x V". */
static const char *opt_value(int argc, char **argv, int *i, const char *arg, size_t skip)
{
	if (arg[skip] == '=')
		return arg + skip + 1;
	if (arg[skip] && arg[1] != '-')
		return arg + skip;
	if (arg[skip])
		return NULL;
	if (*i + 1 < argc)
		return argv[++*i];
	return NULL;
}

static int parse_args(const struct cmd *c, int argc, char **argv, struct opts *o)
{
	const char *positional = NULL;
	for (int i = 0; i < argc; i++) {
		const char *arg = argv[i];
		if (strcmp(arg, "--") == 0) {
			if (!(c->flags & F_RUNARGS))
				return usage_error(c, "'--' takes no arguments after it for %s", c->name);
			o->run_args = argv + i + 1;
			o->nrun_args = argc - i - 1;
			break;
		}
		if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
			cmd_usage(c, stdout);
			return -1;
		}
		if ((c->flags & F_TARGET) && (strncmp(arg, "-t", 2) == 0 || strncmp(arg, "--target", 8) == 0)) {
			bool longf = arg[1] == '-';
			if (!longf || arg[8] == 0 || arg[8] == '=') {
				o->target = opt_value(argc, argv, &i, arg, longf ? 8 : 2);
				if (!o->target)
					return usage_error(c, "%s needs a target name", arg);
				continue;
			}
		}
		if ((c->flags & F_OUT) && (strncmp(arg, "-o", 2) == 0 || strncmp(arg, "--build-dir", 11) == 0)) {
			bool longf = arg[1] == '-';
			if (!longf || arg[11] == 0 || arg[11] == '=') {
				o->root = opt_value(argc, argv, &i, arg, longf ? 11 : 2);
				if (!o->root || !*o->root)
					return usage_error(c, "%s needs a folder", arg);
				continue;
			}
		}
		if ((c->flags & F_DOT) && strcmp(arg, "--dot") == 0) {
			o->dot = true;
			continue;
		}
		if ((c->flags & F_FORMAT) && strncmp(arg, "--format", 8) == 0 && (arg[8] == 0 || arg[8] == '=')) {
			o->format = opt_value(argc, argv, &i, arg, 8);
			if (!o->format)
				return usage_error(c, "%s needs text or make", arg);
			continue;
		}
		if ((c->flags & F_OVERRIDES) && arg[0] == '-' && arg[1] == '-' && strchr(arg, '=')) {
			const char *key = arg + 2, *eq = strchr(arg, '=');
			if (!valid_key(key, (size_t)(eq - key)) || !eq[1])
				return usage_error(c, "bad option '%s' (expected --DEVICE=IMPL or --KIND=IMPL)", arg);
			if (o->nov == sizeof o->ov / sizeof o->ov[0])
				return usage_error(c, "too many overrides at '%s'", arg);
			struct override *ov = &o->ov[o->nov++];
			ov->key = strndup(key, (size_t)(eq - key));
			ov->impl = (char *)eq + 1;
			continue;
		}
		if (arg[0] == '-' && arg[1])
			return usage_error(c, "unknown option '%s'", arg);
		if (positional)
			return usage_error(c, "unexpected argument '%s'", arg);
		positional = arg;
	}
	if (c->flags & F_APP) {
		if (!positional)
			return usage_error(c, "%s needs an app folder", c->name);
		o->appdir = positional;
	} else if (c->flags & F_KIND) {
		o->kind = positional;
	} else if (c->flags & F_FORMAT) {
		o->appdir = positional;
	} else if (positional) {
		return usage_error(c, "unexpected argument '%s'", positional);
	}
	if ((c->flags & F_TARGET) && !o->target) {
		const char *t = getenv("SYNTH_TARGET");
		if (t && *t)
			o->target = t;
	}
	if (!o->root)
		o->root = "_build";
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	const char *name = argv[1];
	if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
		if (argc > 2) {
			for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
				if (strcmp(cmds[i].name, argv[2]) == 0) {
					cmd_usage(&cmds[i], stdout);
					return EXIT_OK;
				}
		}
		usage(stdout);
		return EXIT_OK;
	}
	if (strcmp(name, "--version") == 0 || strcmp(name, "-V") == 0) {
		printf("synth %s\n", SYNTH_VERSION);
		return EXIT_OK;
	}
	const struct cmd *c = NULL;
	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
		if (strcmp(cmds[i].name, name) == 0)
			c = &cmds[i];
	if (!c)
		return usage_error(NULL, "unknown command '%s'", name);
	struct opts o = { .cmd = c };
	int rc = parse_args(c, argc - 2, argv + 2, &o);
	if (rc != 0)
		return rc < 0 ? EXIT_OK : rc;

	struct env e = { 0 };
	e.d.echo = true;
	e.self = self_path(&e.a);
	e.home = find_home(&e);
	const char *cfg = getenv("SYNTH_CONFIG");
	e.config_mk = cfg && *cfg ? path_abs(&e.a, cfg) : arena_printf(&e.a, "%s/config.mk", e.home);
	e.m4 = config_var(&e, "M4");
	if (!e.m4)
		e.m4 = "m4";
	if (!path_is_dir(e.home)) {
		fprintf(stderr, "%s: SYNTH_HOME %s is not a folder\n", prog, e.home);
		return EXIT_USAGE;
	}
	rc = c->fn(&e, &o);
	if (rc == EXIT_OK && e.d.errors)
		rc = EXIT_FAIL;
	for (size_t i = 0; i < o.nov; i++)
		free(o.ov[i].key);
	arena_free(&e.a);
	diag_free(&e.d);
	return rc;
}
