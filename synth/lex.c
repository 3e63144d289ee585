/* The lexer and the statement pieces manifests and catalogues share: line
 * iteration, words, quoted strings, name checks and the `param` line.
 * Every byte is bounded by the current line's end, so any input is safe
 * (the fuzz harness in tests/fuzz/ drives this file). */
#include <string.h>

#include "synth/lex.h"

void lx_init(struct lx *x, struct arena *a, struct diag *d, const char *file, const char *text,
             size_t len)
{
	memset(x, 0, sizeof *x);
	x->a = a;
	x->d = d;
	x->file = file;
	x->text = text;
	x->end = text + len;
	x->next = text;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

bool lx_next_line(struct lx *x)
{
	while (x->next < x->end) {
		x->line = x->next;
		const char *nl = memchr(x->line, '\n', (size_t)(x->end - x->line));
		x->eol = nl ? nl : x->end;
		x->next = nl ? nl + 1 : x->end;
		x->lineno++;
		x->failed = false;
		x->p = x->line;
		const char *nul = memchr(x->line, 0, (size_t)(x->eol - x->line));
		if (nul) {
			x->p = nul;
			lx_error_at(x, lx_pos(x), "NUL byte in the file (expected text)");
			continue;
		}
		x->indented = x->line < x->eol && is_blank(*x->line);
		if (!lx_at_eol(x))
			return true;
	}
	x->line = x->eol = x->p = x->end;
	return false;
}

struct pos lx_pos(const struct lx *x)
{
	return (struct pos){ x->file, x->lineno, (int)(x->p - x->line) + 1 };
}

void lx_skip_blanks(struct lx *x)
{
	while (x->p < x->eol && is_blank(*x->p))
		x->p++;
}

bool lx_at_eol(struct lx *x)
{
	lx_skip_blanks(x);
	return x->p == x->eol || *x->p == '#';
}

size_t lx_word(struct lx *x, const char **start)
{
	lx_skip_blanks(x);
	*start = x->p;
	if (x->p < x->eol && *x->p == '#')
		return 0;
	while (x->p < x->eol && !is_blank(*x->p) && *x->p != '"')
		x->p++;
	return (size_t)(x->p - *start);
}

size_t lx_span(struct lx *x, bool (*in)(unsigned char c), const char **start)
{
	lx_skip_blanks(x);
	*start = x->p;
	while (x->p < x->eol && in((unsigned char)*x->p))
		x->p++;
	return (size_t)(x->p - *start);
}

const char *lx_found(struct lx *x)
{
	lx_skip_blanks(x);
	if (x->p == x->eol || *x->p == '#')
		return "end of line";
	if (*x->p == '"')
		return "a quoted string";
	const char *s = x->p;
	size_t n = 0;
	while (s + n < x->eol && !is_blank(s[n]) && s[n] != '"')
		n++;
	char *o = x->found;
	size_t room = sizeof x->found - 8;
	*o++ = '\'';
	for (size_t i = 0; i < n && (size_t)(o - x->found) < room; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f) {
			static const char hex[] = "0123456789abcdef";
			*o++ = '\\';
			*o++ = 'x';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 15];
		} else {
			*o++ = (char)c;
		}
		if (i == 23 && n > 24) {
			memcpy(o, "...", 3);
			o += 3;
			break;
		}
	}
	*o++ = '\'';
	*o = 0;
	return x->found;
}

void lx_error_at(struct lx *x, struct pos p, const char *fmt, ...)
{
	struct buf b = { 0 };
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	diag_error(x->d, p, "%s", buf_cstr(&b));
	buf_free(&b);
	x->failed = true;
}

void lx_expected(struct lx *x, const char *fmt, ...)
{
	struct buf b = { 0 };
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	const char *found = lx_found(x);
	diag_error(x->d, lx_pos(x), "expected %s, found %s", buf_cstr(&b), found);
	buf_free(&b);
	x->failed = true;
}

bool lx_end(struct lx *x, const char *after)
{
	if (lx_at_eol(x))
		return true;
	lx_expected(x, "end of line after %s", after);
	return false;
}

char *lx_string(struct lx *x)
{
	lx_skip_blanks(x);
	struct pos open = lx_pos(x);
	if (x->p >= x->eol || *x->p != '"') {
		lx_expected(x, "a \"quoted string\"");
		return NULL;
	}
	const char *s = x->p + 1;
	/* The unescaped text is never longer than the quoted one. */
	char *out = arena_alloc(x->a, (size_t)(x->eol - s) + 1);
	size_t n = 0;
	while (s < x->eol) {
		if (*s == '"') {
			x->p = s + 1;
			out[n] = 0;
			return out;
		}
		if (*s == '\\') {
			if (s + 1 < x->eol && (s[1] == '"' || s[1] == '\\')) {
				out[n++] = s[1];
				s += 2;
				continue;
			}
			if (s + 1 < x->eol) {
				x->p = s;
				struct pos p = lx_pos(x);
				unsigned char c = (unsigned char)s[1];
				if (c >= 0x20 && c < 0x7f)
					lx_error_at(x, p, "unknown escape '\\%c' in string (expected \\\" or \\\\)", c);
				else
					lx_error_at(x, p, "unknown escape in string (expected \\\" or \\\\)");
				x->p = x->eol;
				return NULL;
			}
		}
		out[n++] = *s++;
	}
	lx_error_at(x, open, "unterminated string (expected a closing '\"' on the same line)");
	x->p = x->eol;
	return NULL;
}

char *lx_value(struct lx *x, const char *what)
{
	if (lx_at_eol(x)) {
		lx_expected(x, "%s", what);
		return NULL;
	}
	if (*x->p == '"')
		return lx_string(x);
	const char *s;
	size_t n = lx_word(x, &s);
	return arena_strndup(x->a, s, n);
}

/* ---- names ------------------------------------------------------------ */

static bool is_lower(unsigned char c)
{
	return c >= 'a' && c <= 'z';
}

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

bool lx_is_lower_ident(unsigned char c)
{
	return is_lower(c) || is_digit(c) || c == '_';
}

bool lx_is_param_char(unsigned char c)
{
	return is_lower(c) || is_digit(c) || c == '-';
}

static bool is_type_char(unsigned char c)
{
	return is_lower(c) || is_digit(c) || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool name_ok(const char *s, size_t n, bool (*in)(unsigned char))
{
	if (n == 0 || !is_lower((unsigned char)s[0]))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!in((unsigned char)s[i]))
			return false;
	return true;
}

bool name_is_device(const char *s, size_t n)
{
	return name_ok(s, n, lx_is_lower_ident);
}

bool name_is_param(const char *s, size_t n)
{
	return name_ok(s, n, lx_is_param_char);
}

bool name_is_target(const char *s, size_t n)
{
	return name_ok(s, n, lx_is_param_char);
}

bool name_is_c_ident(const char *s, size_t n)
{
	if (n == 0 || is_digit((unsigned char)s[0]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_type_char((unsigned char)s[i]))
			return false;
	return true;
}

bool name_is_c_keyword(const char *s)
{
	static const char *const kw[] = {
		"auto", "break", "case", "char", "const", "continue", "default", "do", "double",
		"else", "enum", "extern", "float", "for", "goto", "if", "inline", "int", "long",
		"register", "restrict", "return", "short", "signed", "sizeof", "static", "struct",
		"switch", "typedef", "union", "unsigned", "void", "volatile", "while", "asm",
		"typeof", "bool", "true", "false", "main",
	};
	for (size_t i = 0; i < sizeof kw / sizeof kw[0]; i++)
		if (strcmp(kw[i], s) == 0)
			return true;
	return false;
}

/* ---- parameters ------------------------------------------------------- */

void param_type_list(struct buf *b)
{
	for (int t = 0; t < PARAM_TYPE_COUNT; t++)
		buf_printf(b, "%s%s", t ? ", " : "", param_type_name((enum param_type)t));
}

const char *param_check(enum param_type t, const char *value)
{
	union {
		uint64_t u;
		int64_t i;
		bool b;
		const char *s;
		struct ipv4_addr ip;
		struct ipv4_cidr cidr;
		struct mac_addr mac;
		unsigned char space[64];
	} dest;
	const char *why = NULL;
	memset(&dest, 0, sizeof dest);
	if (param_parse(t, value, strlen(value), &dest, &why) == 0)
		return NULL;
	return why ? why : "not a valid value";
}

static char *c_name(struct arena *a, const char *name)
{
	char *c = arena_strdup(a, name);
	for (char *p = c; *p; p++)
		if (*p == '-')
			*p = '_';
	return c;
}

struct param_decl *lx_param(struct lx *x)
{
	struct param_decl *pd = arena_alloc(x->a, sizeof *pd);
	const char *s;
	lx_skip_blanks(x);
	pd->pos = lx_pos(x);
	size_t n = lx_span(x, lx_is_param_char, &s);
	if (n == 0) {
		lx_expected(x, "a parameter name ([a-z][a-z0-9-]*)");
		return NULL;
	}
	if (!name_is_param(s, n)) {
		lx_error_at(x, pd->pos, "invalid parameter name '%.*s' (expected [a-z][a-z0-9-]*)", (int)n, s);
		return NULL;
	}
	pd->name = arena_strndup(x->a, s, n);
	pd->cname = c_name(x->a, pd->name);
	lx_skip_blanks(x);
	if (x->p >= x->eol || *x->p != ':') {
		lx_expected(x, "':' after parameter name");
		return NULL;
	}
	x->p++;
	lx_skip_blanks(x);
	struct pos tpos = lx_pos(x);
	n = lx_span(x, is_type_char, &s);
	if (n == 0) {
		lx_expected(x, "a parameter type after ':'");
		return NULL;
	}
	if (param_type_from_name(s, n, &pd->type) != 0) {
		struct buf types = { 0 };
		param_type_list(&types);
		lx_error_at(x, tpos, "unknown parameter type '%.*s' (expected one of: %s)", (int)n, s,
		            buf_cstr(&types));
		buf_free(&types);
		return NULL;
	}
	lx_skip_blanks(x);
	if (x->p >= x->eol || *x->p != '=') {
		lx_expected(x, "'=' and a default value after the parameter type");
		return NULL;
	}
	x->p++;
	lx_skip_blanks(x);
	pd->def_pos = lx_pos(x);
	pd->def = lx_value(x, "a default value after '='");
	if (!pd->def)
		return NULL;
	const char *save = x->p;
	n = lx_word(x, &s);
	if (n == 5 && memcmp(s, "fixed", 5) == 0)
		pd->fixed = true;
	else
		x->p = save;
	if (lx_at_eol(x) || *x->p != '"') {
		lx_expected(x, "help text (a \"quoted string\") after the default value%s",
		            pd->fixed ? " and 'fixed'" : "");
		return NULL;
	}
	pd->help = lx_string(x);
	if (!pd->help || !lx_end(x, "the help text"))
		return NULL;
	const char *why = param_check(pd->type, pd->def);
	if (why) {
		lx_error_at(x, pd->def_pos, "invalid default '%s' for %s parameter '%s': %s", pd->def,
		            param_type_name(pd->type), pd->name, why);
		return NULL;
	}
	return pd;
}

bool param_add(struct lx *x, struct vec *params, struct param_decl *pd, const char *scope)
{
	struct param_decl *q = param_find(params, pd->name);
	if (q) {
		lx_error_at(x, pd->pos, "duplicate parameter '%s' in %s (first declared at line %d)", pd->name, scope,
		            q->pos.line);
		return false;
	}
	vec_push(x->a, params, pd);
	return true;
}
