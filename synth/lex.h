/* The line-oriented lexer shared by manifests (app.synth) and catalogues
 * (catalogue.synth): blocks start at column 1, their statements are
 * indented, '#' starts a comment, values are bare words or "quoted
 * strings" with \" and \\ escapes. Internal to synth/. */
#ifndef SYNTH_LEX_H
#define SYNTH_LEX_H

#include "synth/synth.h"

struct lx {
	struct arena *a;
	struct diag *d;
	const char *file;
	const char *text, *end;   /* the whole input */
	const char *next;         /* start of the line after the current one */
	const char *line, *eol;   /* the current line, without its newline */
	const char *p;            /* cursor inside the current line */
	int lineno;
	bool indented;            /* the current line starts with a blank */
	bool failed;              /* an error was reported on this line */
	char found[80];           /* lx_found's text */
};

void lx_init(struct lx *x, struct arena *a, struct diag *d, const char *file, const char *text,
             size_t len);
/* Move to the next line that holds more than blanks and a comment.
 * Returns false at the end of the input. */
bool lx_next_line(struct lx *x);

struct pos lx_pos(const struct lx *x);
void lx_skip_blanks(struct lx *x);
/* After blanks: at the end of the line or at a comment. */
bool lx_at_eol(struct lx *x);
/* A bare word: the run of bytes up to a blank, a '"' or the line's end.
 * Returns its length (0 when none) and sets *start. */
size_t lx_word(struct lx *x, const char **start);
/* The run of bytes from class ("a-z0-9_" style ranges are not parsed:
 * the function tests each byte with the predicate). */
size_t lx_span(struct lx *x, bool (*in)(unsigned char c), const char **start);
/* A "quoted string" at the cursor, unescaped into the arena. Reports an
 * error and returns NULL when malformed. */
char *lx_string(struct lx *x);
/* A value: a quoted string or a bare word. NULL (with an error naming
 * what) when there is none. */
char *lx_value(struct lx *x, const char *what);
/* Report an error at the cursor: "expected WHAT, found X". */
void lx_expected(struct lx *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void lx_error_at(struct lx *x, struct pos p, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Require the end of the line after a statement. */
bool lx_end(struct lx *x, const char *after);

/* Character classes. */
bool lx_is_lower_ident(unsigned char c);   /* a-z 0-9 _ */
bool lx_is_param_char(unsigned char c);    /* a-z 0-9 - */

/* Name checks: each returns true when s (n bytes) is well-formed. */
bool name_is_device(const char *s, size_t n);  /* [a-z][a-z0-9_]* */
bool name_is_param(const char *s, size_t n);   /* [a-z][a-z0-9-]* */
bool name_is_target(const char *s, size_t n);  /* [a-z][a-z0-9-]* */
bool name_is_c_ident(const char *s, size_t n); /* [A-Za-z_][A-Za-z0-9_]* */
bool name_is_c_keyword(const char *s);

/* param NAME: TYPE = VALUE [fixed] "HELP" -- the cursor is after the
 * keyword. Returns NULL after reporting an error. */
struct param_decl *lx_param(struct lx *x);
/* Append pd to params unless the name is taken there (an error). */
bool param_add(struct lx *x, struct vec *params, struct param_decl *pd, const char *scope);

/* A short printable rendering of the token at the cursor, for messages:
 * "end of line", "'x'", "'word'". Valid until the next call on x. */
const char *lx_found(struct lx *x);

#endif
