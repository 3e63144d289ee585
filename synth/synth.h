/* Internal interface of the synth synthesizer: the manifest and catalogue
 * model, the parser, the resolver and the renderer, shared by synth's own
 * source files and by its unit tests and fuzz harness (hosted C). */
#ifndef SYNTH_SYNTH_H
#define SYNTH_SYNTH_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/param.h"
#include "synth/version.h"

/* Exit statuses of every command. */
enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

/* ---- memory: one arena per run, freed at once ------------------------ */

struct arena {
	struct arena_block *head;
};

void *arena_alloc(struct arena *a, size_t size);   /* zeroed; aborts when out of memory */
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_strdup(struct arena *a, const char *s);
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void arena_free(struct arena *a);

/* A growable array of pointers living in an arena. */
struct vec {
	void **v;
	size_t n, cap;
};
void vec_push(struct arena *a, struct vec *v, void *item);

/* A growable byte string on the heap (not the arena: it may get big). */
struct buf {
	char *s;
	size_t len, cap;
};
void buf_add(struct buf *b, const char *s, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap);
const char *buf_cstr(struct buf *b);   /* NUL-terminated view ("" when empty) */
void buf_free(struct buf *b);

/* ---- diagnostics ------------------------------------------------------ */

/* Errors are collected as "FILE:LINE:COL: error: MESSAGE\n" lines. The
 * command-line tool prints them to stderr; tests read them from text. */
struct diag {
	struct buf text;
	unsigned errors;
	bool echo;        /* also write each line to stderr as it comes */
};

/* A place in an input file; line and column count from 1 (columns in
 * bytes). line 0 means "the file as a whole". */
struct pos {
	const char *file;
	int line, col;
};

#define DIAG_MAX_ERRORS 50

void diag_error(struct diag *d, struct pos p, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void diag_note(struct diag *d, struct pos p, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* An error not tied to an input position: "synth: error: ...". */
void diag_plain(struct diag *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void diag_free(struct diag *d);

/* ---- device kinds: the one table of the interfaces in devices/ -------- */

struct kind_info {
	const char *name;    /* "stack": also the struct tag and the header devices/stack.h */
	const char *header;
};
extern const struct kind_info synth_kinds[];
extern const size_t synth_nkinds;
int kind_lookup(const char *name, size_t len);   /* index or -1 */
/* "console, clock, ..." into b. */
void kind_list(struct buf *b);

/* ---- the model -------------------------------------------------------- */

/* A typed parameter as a manifest or a catalogue declares it:
 *   param NAME: TYPE = VALUE [fixed] "HELP" */
struct param_decl {
	char *name;            /* as written: [a-z][a-z0-9-]* */
	char *cname;           /* C field name: '-' -> '_' */
	enum param_type type;
	char *def;             /* default value text (unescaped) */
	bool fixed;            /* not overridable at run time */
	char *help;
	struct pos pos;        /* of the name */
	struct pos def_pos;    /* of the value */
};

/* set NAME = VALUE: binds a parameter of the chosen implementation. */
struct setting {
	char *name;
	char *value;
	struct pos pos, value_pos;
	bool used;
};

struct word {
	char *s;
	struct pos pos;
};

struct mdevice {
	char *name;
	int kind;              /* index into synth_kinds */
	struct pos pos;        /* of the name */
	struct pos kind_pos;
	struct vec params;     /* struct param_decl * */
	struct vec sets;       /* struct setting * */
};

struct manifest {
	char *path;            /* as opened */
	char *dir;             /* absolute folder of the manifest */
	char *name;
	struct pos name_pos;
	char *summary;
	char *entry;
	struct vec sources;    /* struct word * */
	struct vec targets;    /* struct word *: empty = every target */
	struct vec params;     /* struct param_decl * */
	struct vec devices;    /* struct mdevice * */
};

struct target {
	char *name;
	struct pos pos;
	char *summary;
	char *backend;
	char *runtime;
	struct word *defaults[16];   /* per kind: implementation name, or NULL */
};

struct impl {
	int kind;
	char *name;
	struct pos pos;
	char *summary;
	struct vec targets;    /* struct word * */
	char *header;
	char *symbol;
	struct vec needs;      /* struct word *: kind names (validated) */
	int needs_kind[16];
	struct vec params;     /* struct param_decl * */
	struct vec layers;     /* struct word *: protocol layers inside, top first (describe only) */
	char *gen;             /* generator name or NULL */
	char *gen_param;
	struct pos gen_pos;
};

struct catalogue {
	struct vec files;      /* char *: catalogue files read, in order */
	struct vec targets;    /* struct target * */
	struct vec impls;      /* struct impl * */
};

/* ---- parsing ---------------------------------------------------------- */

/* Parse a manifest held in memory (need not be NUL-terminated). dir is
 * the absolute folder relative paths resolve against. Returns NULL when
 * any error was reported (all of them go to d). */
struct manifest *manifest_parse(struct arena *a, struct diag *d, const char *file,
                                const char *text, size_t len, const char *dir);
/* Read and parse a file, then check that its sources exist. */
struct manifest *manifest_load(struct arena *a, struct diag *d, const char *path);
bool manifest_check_sources(struct diag *d, struct manifest *m);

/* Add one catalogue file's entries to c; returns false on errors. */
bool catalogue_parse(struct arena *a, struct diag *d, struct catalogue *c, const char *file,
                     const char *text, size_t len);
bool catalogue_load_file(struct arena *a, struct diag *d, struct catalogue *c, const char *path);
/* Every catalogue.synth of a synth home: devices/, backends/NAME/,
 * protocols/ and protocols/NAME/, in sorted order. */
bool catalogue_load_home(struct arena *a, struct diag *d, struct catalogue *c, const char *home);
/* Cross-file checks once every file is in (duplicates, target defaults). */
bool catalogue_check(struct diag *d, struct catalogue *c);

struct target *catalogue_target(struct catalogue *c, const char *name);
struct impl *catalogue_impl(struct catalogue *c, int kind, const char *name);
bool impl_on_target(const struct impl *im, const char *target);
struct param_decl *param_find(struct vec *params, const char *name);

/* Validate a value for a parameter type with lib/param.c; NULL when fine,
 * else the parser's reason. */
const char *param_check(enum param_type t, const char *value);
void param_type_list(struct buf *b);

/* ---- resolution ------------------------------------------------------- */

/* One --NAME=IMPL choice from the command line. */
struct override {
	char *key;
	char *impl;
	bool used;
};

struct rparam {
	struct param_decl *decl;
	const char *value;     /* effective default (set value, absolute path ...) */
	const char *runtime_name;  /* DEV-PARAM or PARAM */
	bool from_set;
	const char *set_on;    /* from_set by another device's set line (the one it serves), else NULL */
};

struct rdevice {
	char *name;
	int kind;
	struct impl *impl;
	struct mdevice *m;     /* NULL for a device added for a dependency */
	struct rdevice *parent;
	struct rdevice **deps; /* one per impl->needs */
	struct vec iparams;    /* struct rparam *: the implementation's */
	struct vec mparams;    /* struct rparam *: declared in the manifest */
	int order;             /* position in connect order */
	const char *chosen_by; /* "default", "--net", "--stack" */
	bool visiting, done;
};

struct graph {
	struct manifest *m;
	struct catalogue *cat;
	struct target *target;
	struct vec devices;    /* struct rdevice *, discovery order */
	struct vec order;      /* struct rdevice *, connect order */
	struct vec aparams;    /* struct rparam *: app params */
};

/* Resolve m for target with the given overrides. Returns NULL on error. */
struct graph *resolve(struct arena *a, struct diag *d, struct manifest *m, struct catalogue *cat,
                      const char *target, struct override *ov, size_t nov);

/* ---- output ----------------------------------------------------------- */

struct gen_opts {
	const char *home;         /* SYNTH_HOME, absolute */
	const char *outdir;       /* absolute */
	const char *config_mk;    /* absolute path build.mk includes */
	const char *m4;           /* m4 program */
	const char *synth_bin;    /* absolute path of this program (for re-running) */
	const char *reconfigure;  /* the configure arguments to re-run with (shell-quoted) */
	const char *templates;    /* folder of the *.m4 templates */
};

/* Writes every file for g into opts->outdir. Returns an exit status. */
int generate(struct arena *a, struct diag *d, struct graph *g, const struct gen_opts *opts);

/* Text and Graphviz views of a resolved graph. */
void describe_text(struct graph *g, struct buf *out);
void describe_dot(struct graph *g, struct buf *out);

/* ---- ramdisk generator ------------------------------------------------ */

struct rd_entry {
	char *rel;             /* relative path, '/'-separated */
	size_t rel_len;
	char *abs;             /* what .incbin reads (NULL for a folder) */
	uint64_t size;
	int64_t mtime_ns;
	bool dir;
};

struct rd_tree {
	struct rd_entry **e;
	size_t n;
	struct vec dirs;       /* char *: absolute folders scanned (for make) */
};

/* Scan root recursively; entries sorted bytewise by relative path.
 * Messages name the generator gen; ramdisk_scan is gen "ramdisk". */
bool tree_scan(struct arena *a, struct diag *d, struct pos where, const char *gen, const char *root,
               struct rd_tree *out);
bool ramdisk_scan(struct arena *a, struct diag *d, struct pos where, const char *root,
                  struct rd_tree *out);

/* ---- fatimage generator ----------------------------------------------- */

struct fi_image {
	uint8_t *data;         /* heap (free): the volume's bytes up to its last non-zero sector */
	size_t size;
	uint64_t disk_size;    /* bytes of the whole volume */
	int type;              /* 12, 16 or 32 */
};

/* Make a FAT volume holding tree's files and folders: size bytes (0: the
 * smallest that holds them), of FAT type fat (0: chosen by size as
 * mkfs.fat does). Errors go to d at where. */
bool fatimage_build(struct diag *d, struct pos where, const struct rd_tree *tree, uint64_t size, uint32_t fat,
                    struct fi_image *out);

/* ---- files and processes ---------------------------------------------- */

/* Read a whole file; NULL (errno set) on failure. *len excludes the NUL
 * that is appended. */
char *file_read(const char *path, size_t *len);
/* Write atomically (temp file + rename); a file whose content is already
 * equal is left untouched. Returns 0, 1 when the file changed, -errno. */
int file_update(const char *path, const char *data, size_t len);
/* mkdir -p. Returns 0 or -errno. */
int mkdir_p(const char *path);
/* Lexically clean an absolute or relative path (no "." or "x/.."). */
char *path_clean(struct arena *a, const char *path);
/* Absolute, cleaned: rel against base (which is absolute). */
char *path_join_abs(struct arena *a, const char *base, const char *rel);
char *path_abs(struct arena *a, const char *path);   /* against the current folder */
/* Path relative to prefix when it lies beneath it, else NULL. */
const char *path_under(const char *path, const char *prefix);
bool path_is_dir(const char *path);
bool path_is_file(const char *path);

/* Run argv; stdout into out (when non-NULL). Returns the exit status, or
 * -1 when it could not run (message in d). */
int run_capture(struct diag *d, char *const argv[], struct buf *out);

#endif
