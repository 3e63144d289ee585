/* mksite: builds the www example's website from the project's own
 * documentation. Each page of the table below is converted from its
 * source (Markdown, or the roff of a man page) into HTML inside one common
 * template with the site's navigation. A build tool, compiled hosted:
 *
 *     cc -O2 -o mksite examples/www/tools/mksite.c
 *     ./mksite [-C TOPDIR] OUTDIR       (OUTDIR: examples/www/site)
 *
 * (examples/www/tools/mksite.sh does both.)
 * The output is committed; tests/integration/www_site.sh regenerates it
 * and compares, so the site cannot drift from the docs. The Markdown
 * understood is the subset the docs use: ATX headings, paragraphs, nested
 * lists, fenced and indented code, block quotes, tables, rules, and inline
 * code, emphasis, links, images and autolinks. Links between documented
 * files become links between pages; links to other files of the tree (a
 * source file, say) keep their text and lose the link, since the site
 * does not serve them. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the site ------------------------------------------------------------ */

enum format { MARKDOWN, ROFF };

static const struct page {
	const char *out;   /* file written into OUTDIR */
	const char *src;   /* source, relative to TOPDIR */
	const char *label; /* navigation text */
	enum format format;
} pages[] = {
	{ "index.html", "README.md", "Home", MARKDOWN },
	{ "architecture.html", "docs/architecture.md", "Architecture", MARKDOWN },
	{ "manifest.html", "docs/manifest.md", "Manifest", MARKDOWN },
	{ "devices.html", "docs/devices.md", "Devices", MARKDOWN },
	{ "network.html", "docs/network.md", "Network", MARKDOWN },
	{ "storage.html", "docs/storage.md", "Storage", MARKDOWN },
	{ "synth.html", "docs/synth.1", "The synth command", ROFF },
	{ "testing.html", "docs/testing.md", "Testing", MARKDOWN },
	{ "about.html", "examples/www/about.md", "About this site", MARKDOWN },
};
#define NPAGES (sizeof pages / sizeof pages[0])

static const char *const tool = "examples/www/tools/mksite.c";

/* ---- growing strings ------------------------------------------------------ */

struct buf {
	char *p;
	size_t len, cap;
};

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p) {
		fprintf(stderr, "mksite: out of memory\n");
		exit(1);
	}
	return p;
}

static void put(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->p = xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = 0;
}

static void puts_(struct buf *b, const char *s)
{
	put(b, s, strlen(s));
}

static void putf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(struct buf *b, const char *fmt, ...)
{
	char tmp[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	put(b, tmp, n < (int)sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* HTML-escaped text. */
static void esc(struct buf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		switch (s[i]) {
		case '&': puts_(b, "&amp;"); break;
		case '<': puts_(b, "&lt;"); break;
		case '>': puts_(b, "&gt;"); break;
		case '"': puts_(b, "&quot;"); break;
		default: put(b, s + i, 1);
		}
	}
}

/* ---- the document being converted ---------------------------------------- */

struct doc {
	const struct page *page;
	char title[256];  /* the first level-1 heading, as plain text */
	char ids[200][64]; /* heading ids given out so far */
	int nids;
};

/* Resolve a link target written in src (relative to src's folder) to the
 * page that renders it. Returns false when the target is not part of the
 * site; *out then holds nothing. */
static bool map_link(const struct doc *d, const char *url, size_t n, struct buf *out)
{
	const char *hash = memchr(url, '#', n);
	size_t path_len = hash ? (size_t)(hash - url) : n;

	if (path_len == 0) { /* "#anchor" on this page */
		esc(out, url, n);
		return true;
	}
	for (size_t i = 0; i < path_len; i++) {
		if (url[i] == ':') { /* has a scheme: http:, mailto: ... */
			esc(out, url, n);
			return true;
		}
		if (url[i] == '/' || url[i] == '?')
			break;
	}
	/* Join with the source's folder, folding "." and "..". */
	char path[512];
	size_t pl = 0;
	const char *slash = strrchr(d->page->src, '/');
	if (slash) {
		pl = (size_t)(slash - d->page->src);
		memcpy(path, d->page->src, pl);
	}
	size_t i = 0;
	while (i < path_len) {
		size_t j = i;
		while (j < path_len && url[j] != '/')
			j++;
		size_t seg = j - i;
		if (seg == 2 && url[i] == '.' && url[i + 1] == '.') {
			while (pl > 0 && path[pl - 1] != '/')
				pl--;
			if (pl > 0)
				pl--;
		} else if (seg > 0 && !(seg == 1 && url[i] == '.')) {
			if (pl + seg + 2 >= sizeof path)
				return false;
			if (pl > 0)
				path[pl++] = '/';
			memcpy(path + pl, url + i, seg);
			pl += seg;
		}
		i = j + 1;
	}
	path[pl] = 0;
	for (size_t k = 0; k < NPAGES; k++) {
		if (strcmp(pages[k].src, path) == 0) {
			puts_(out, pages[k].out);
			if (hash)
				esc(out, hash, n - path_len);
			return true;
		}
	}
	return false;
}

/* A heading's id: its text in lower case, runs of other characters as
 * one '-', made unique on the page. */
static void heading_id(struct doc *d, const char *text, char out[64])
{
	size_t o = 0;
	bool dash = false;
	for (const char *p = text; *p && o < 48; p++) {
		unsigned char c = (unsigned char)*p;
		if (isalnum(c) || c >= 0x80) {
			if (dash && o > 0)
				out[o++] = '-';
			out[o++] = (char)tolower(c);
			dash = false;
		} else {
			dash = true;
		}
	}
	out[o] = 0;
	if (o == 0)
		strcpy(out, "section");
	char base[64];
	strcpy(base, out);
	for (int n = 2;; n++) {
		bool taken = false;
		for (int k = 0; k < d->nids; k++)
			taken |= strcmp(d->ids[k], out) == 0;
		if (!taken)
			break;
		snprintf(out, 64, "%s-%d", base, n);
	}
	if (d->nids < (int)(sizeof d->ids / sizeof d->ids[0]))
		strcpy(d->ids[d->nids++], out);
}

/* ---- Markdown: inline ------------------------------------------------------ */

static void inline_md(struct doc *d, struct buf *b, const char *s, size_t n);

/* Where the code span opened by the k backticks at s[i] ends (the index of
 * its closing run), or 0 when it is not closed. */
static size_t code_span_end(const char *s, size_t n, size_t i, size_t k)
{
	for (size_t j = i + k; j < n; j++) {
		if (s[j] != '`')
			continue;
		size_t r = j;
		while (r < n && s[r] == '`')
			r++;
		if (r - j == k)
			return j;
		j = r;
	}
	return 0;
}

/* The index of the ']' closing the '[' at s[i], or 0. */
static size_t bracket_end(const char *s, size_t n, size_t i)
{
	int depth = 0;
	for (size_t j = i; j < n; j++) {
		if (s[j] == '\\') {
			j++;
		} else if (s[j] == '`') {
			size_t k = 1;
			while (j + k < n && s[j + k] == '`')
				k++;
			size_t e = code_span_end(s, n, j, k);
			if (e)
				j = e + k - 1;
		} else if (s[j] == '[') {
			depth++;
		} else if (s[j] == ']' && --depth == 0) {
			return j;
		}
	}
	return 0;
}

/* After "]" at s[i]: "(url)" or "(url "title")". Sets the url and returns
 * the index past ')', or 0. */
static size_t link_dest(const char *s, size_t n, size_t i, size_t *u0, size_t *u1)
{
	if (i + 1 >= n || s[i + 1] != '(')
		return 0;
	size_t j = i + 2;
	while (j < n && s[j] == ' ')
		j++;
	*u0 = j;
	int depth = 0;
	while (j < n && s[j] != ' ' && !(s[j] == ')' && depth == 0)) {
		depth += s[j] == '(' ? 1 : s[j] == ')' ? -1 : 0;
		j++;
	}
	*u1 = j;
	while (j < n && s[j] != ')') /* a title: accepted, not shown */
		j++;
	return j < n ? j + 1 : 0;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

/* Emphasis closed by the same run of k delimiters c: its index or 0. */
static size_t emph_end(const char *s, size_t n, size_t i, char c, size_t k)
{
	for (size_t j = i + k; j + k <= n; j++) {
		if (s[j] == '\\') {
			j++;
			continue;
		}
		if (s[j] == '`') {
			size_t r = 1;
			while (j + r < n && s[j + r] == '`')
				r++;
			size_t e = code_span_end(s, n, j, r);
			if (e)
				j = e + r - 1;
			continue;
		}
		if (s[j] != c)
			continue;
		size_t r = j;
		while (r < n && s[r] == c)
			r++;
		bool after_ok = c != '_' || r >= n || !isalnum((unsigned char)s[r]);
		if (r - j == k && !is_space(s[j - 1]) && after_ok)
			return j;
		j = r - 1;
	}
	return 0;
}

static void inline_md(struct doc *d, struct buf *b, const char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		char c = s[i];
		if (c == '\\' && i + 1 < n && ispunct((unsigned char)s[i + 1])) {
			esc(b, s + i + 1, 1);
			i += 2;
		} else if (c == '`') {
			size_t k = 1;
			while (i + k < n && s[i + k] == '`')
				k++;
			size_t e = code_span_end(s, n, i, k);
			if (!e) {
				put(b, s + i, k);
				i += k;
				continue;
			}
			size_t a = i + k, z = e;
			if (z - a >= 2 && s[a] == ' ' && s[z - 1] == ' ') {
				a++;
				z--;
			}
			puts_(b, "<code>");
			for (size_t q = a; q < z; q++)
				esc(b, s[q] == '\n' ? " " : s + q, 1);
			puts_(b, "</code>");
			i = e + k;
		} else if ((c == '[' || (c == '!' && i + 1 < n && s[i + 1] == '['))) {
			size_t open = c == '!' ? i + 1 : i;
			size_t close = bracket_end(s, n, open), u0, u1, after;
			if (!close || !(after = link_dest(s, n, close, &u0, &u1))) {
				esc(b, s + i, 1);
				i++;
				continue;
			}
			struct buf href = { 0 };
			bool ok = map_link(d, s + u0, u1 - u0, &href);
			if (c == '!') {
				puts_(b, "<img src=\"");
				if (ok)
					put(b, href.p, href.len);
				puts_(b, "\" alt=\"");
				esc(b, s + open + 1, close - open - 1);
				puts_(b, "\">");
			} else if (ok) {
				puts_(b, "<a href=\"");
				put(b, href.p, href.len);
				puts_(b, "\">");
				inline_md(d, b, s + open + 1, close - open - 1);
				puts_(b, "</a>");
			} else {
				inline_md(d, b, s + open + 1, close - open - 1);
			}
			free(href.p);
			i = after;
		} else if (c == '<' && (strncmp(s + i + 1, "http://", 7) == 0 ||
		                        strncmp(s + i + 1, "https://", 8) == 0)) {
			const char *gt = memchr(s + i, '>', n - i);
			if (!gt) {
				esc(b, s + i, 1);
				i++;
				continue;
			}
			size_t e = (size_t)(gt - s);
			puts_(b, "<a href=\"");
			esc(b, s + i + 1, e - i - 1);
			puts_(b, "\">");
			esc(b, s + i + 1, e - i - 1);
			puts_(b, "</a>");
			i = e + 1;
		} else if (c == '*' || c == '_') {
			size_t k = 1;
			while (i + k < n && s[i + k] == c)
				k++;
			bool open_ok = i + k < n && !is_space(s[i + k]) && k <= 3 &&
			               (c != '_' || i == 0 || !isalnum((unsigned char)s[i - 1]));
			size_t e = open_ok ? emph_end(s, n, i, c, k) : 0;
			if (!e) {
				put(b, s + i, k);
				i += k;
				continue;
			}
			static const char *const tags[4][2] = { { "", "" },
				                                { "<em>", "</em>" },
				                                { "<strong>", "</strong>" },
				                                { "<strong><em>", "</em></strong>" } };
			puts_(b, tags[k][0]);
			inline_md(d, b, s + i + k, e - i - k);
			puts_(b, tags[k][1]);
			i = e + k;
		} else {
			esc(b, s + i, 1);
			i++;
		}
	}
}

/* Plain text of inline Markdown (for ids and titles): markup dropped. */
static void plain_md(const char *s, size_t n, char *out, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0; i < n && o + 1 < cap; i++)
		if (s[i] != '`' && s[i] != '*' && s[i] != '\\')
			out[o++] = s[i];
	out[o] = 0;
}

/* ---- Markdown: blocks ------------------------------------------------------- */

struct lines {
	char **v;
	size_t n;
};

static void add_line(struct lines *l, const char *s, size_t n)
{
	l->v = xrealloc(l->v, (l->n + 1) * sizeof *l->v);
	char *c = xrealloc(NULL, n + 1);
	memcpy(c, s, n);
	c[n] = 0;
	l->v[l->n++] = c;
}

static void free_lines(struct lines *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

static size_t indent(const char *s)
{
	size_t i = 0;
	while (s[i] == ' ')
		i++;
	return i;
}

static bool blank(const char *s)
{
	return s[indent(s)] == 0;
}

/* Strip up to k leading spaces. */
static const char *dedent(const char *s, size_t k)
{
	size_t i = 0;
	while (i < k && s[i] == ' ')
		i++;
	return s + i;
}

static bool is_fence(const char *t)
{
	return strncmp(t, "```", 3) == 0 || strncmp(t, "~~~", 3) == 0;
}

static int heading_level(const char *t)
{
	int k = 0;
	while (t[k] == '#')
		k++;
	return k >= 1 && k <= 6 && (t[k] == ' ' || t[k] == 0) ? k : 0;
}

static bool is_rule(const char *t)
{
	char c = t[0];
	int count = 0;
	if (c != '-' && c != '*' && c != '_')
		return false;
	for (; *t; t++) {
		if (*t == c)
			count++;
		else if (*t != ' ')
			return false;
	}
	return count >= 3;
}

/* A list marker at t: sets ordered, its number, and the width of marker
 * plus following space; returns false when t does not start an item. */
static bool list_marker(const char *t, bool *ordered, long *num, size_t *width)
{
	size_t i = 0;
	if (t[0] == '-' || t[0] == '*' || t[0] == '+') {
		*ordered = false;
		i = 1;
	} else {
		while (isdigit((unsigned char)t[i]) && i < 9)
			i++;
		if (i == 0 || (t[i] != '.' && t[i] != ')'))
			return false;
		*ordered = true;
		*num = strtol(t, NULL, 10);
		i++;
	}
	if (t[i] != ' ' && t[i] != 0)
		return false;
	size_t sp = 0;
	while (t[i + sp] == ' ')
		sp++;
	*width = i + (sp >= 1 && sp <= 4 ? sp : 1);
	return true;
}

static bool is_table_sep(const char *t)
{
	bool dash = false;
	if (*t != '|')
		return false;
	for (; *t; t++) {
		if (*t == '-')
			dash = true;
		else if (*t != '|' && *t != ':' && *t != ' ')
			return false;
	}
	return dash;
}

/* Does line t start a block that ends a paragraph? */
static bool starts_block(const char *t)
{
	bool ordered;
	long num;
	size_t w;
	return is_fence(t) || heading_level(t) || is_rule(t) || t[0] == '>' ||
	       (list_marker(t, &ordered, &num, &w) && !blank(t + w) && (!ordered || num == 1));
}

static void blocks_md(struct doc *d, struct buf *b, char **v, size_t n, bool tight);

/* Cells of a table row "| a | b |" (pipes inside code spans kept). */
static size_t table_cells(const char *t, const char *cell[], size_t len[], size_t max)
{
	size_t nc = 0;
	const char *p = t;
	if (*p == '|')
		p++;
	while (*p && nc < max) {
		const char *s = p;
		bool code = false;
		while (*p && (code || *p != '|')) {
			if (*p == '\\' && p[1])
				p++;
			else if (*p == '`')
				code = !code;
			p++;
		}
		const char *e = p;
		while (s < e && *s == ' ')
			s++;
		while (e > s && e[-1] == ' ')
			e--;
		if (!*p && e == s)
			break; /* after the closing pipe */
		cell[nc] = s;
		len[nc++] = (size_t)(e - s);
		if (*p)
			p++;
	}
	return nc;
}

static size_t table_md(struct doc *d, struct buf *b, char **v, size_t n)
{
	const char *cell[32], *align_cell[32];
	size_t len[32], align_len[32];
	const char *align[32];
	size_t nh = table_cells(dedent(v[0], 3), cell, len, 32);
	size_t na = table_cells(dedent(v[1], 3), align_cell, align_len, 32);
	for (size_t k = 0; k < 32; k++) {
		align[k] = "";
		if (k < na && align_len[k] > 0) {
			bool l = align_cell[k][0] == ':', r = align_cell[k][align_len[k] - 1] == ':';
			align[k] = l && r ? " style=\"text-align:center\"" : r ? " style=\"text-align:right\"" : "";
		}
	}
	puts_(b, "<table>\n<thead>\n<tr>");
	for (size_t k = 0; k < nh; k++) {
		putf(b, "<th%s>", align[k]);
		inline_md(d, b, cell[k], len[k]);
		puts_(b, "</th>");
	}
	puts_(b, "</tr>\n</thead>\n<tbody>\n");
	size_t i = 2;
	for (; i < n && dedent(v[i], 3)[0] == '|'; i++) {
		size_t nc = table_cells(dedent(v[i], 3), cell, len, 32);
		puts_(b, "<tr>");
		for (size_t k = 0; k < nh; k++) {
			putf(b, "<td%s>", align[k]);
			if (k < nc)
				inline_md(d, b, cell[k], len[k]);
			puts_(b, "</td>");
		}
		puts_(b, "</tr>\n");
	}
	puts_(b, "</tbody>\n</table>\n");
	return i;
}

/* A list starting at v[0]; returns the lines it used. */
static size_t list_md(struct doc *d, struct buf *b, char **v, size_t n)
{
	bool ordered, o2;
	long num = 1, num2;
	size_t w, w2;
	size_t ind = indent(v[0]);
	list_marker(v[0] + ind, &ordered, &num, &w);
	char kind = v[0][ind + (ordered ? strspn(v[0] + ind, "0123456789") : 0)];

	struct lines items[256];
	size_t nitems = 0, i = 0;
	bool loose = false;
	while (i < n && nitems < 256) {
		size_t ci = indent(v[i]);
		if (ci < ind + 4 && (ci < ind || !list_marker(v[i] + ci, &o2, &num2, &w2) || o2 != ordered ||
		                     v[i][ci + (o2 ? strspn(v[i] + ci, "0123456789") : 0)] != kind))
			break;
		size_t content = ci + w;
		struct lines *it = &items[nitems++];
		*it = (struct lines){ 0 };
		size_t L = strlen(v[i]);
		if (content > L)
			content = L; /* an empty item: "-" alone */
		add_line(it, v[i] + content, L - content);
		i++;
		bool prev_blank = false;
		while (i < n) {
			if (blank(v[i])) {
				size_t k = i;
				while (k < n && blank(v[k]))
					k++;
				if (k == n || indent(v[k]) < content) {
					/* The item ends; a blank before the next item makes
					 * the list loose. */
					if (k < n && indent(v[k]) >= ind && list_marker(v[k] + indent(v[k]), &o2, &num2, &w2))
						loose = true;
					i = k;
					goto next_item;
				}
				add_line(it, "", 0);
				prev_blank = true;
				i++;
				continue;
			}
			size_t li = indent(v[i]);
			if (li >= content) {
				if (prev_blank)
					loose = loose || li < content + 4;
				add_line(it, v[i] + content, strlen(v[i]) - content);
			} else if (!prev_blank && !starts_block(v[i] + li) &&
			           !list_marker(v[i] + li, &o2, &num2, &w2) && dedent(v[i], 3)[0] != '|') {
				add_line(it, v[i] + li, strlen(v[i]) - li); /* lazy continuation */
			} else {
				break;
			}
			prev_blank = false;
			i++;
		}
	next_item:;
	}
	if (ordered && num != 1)
		putf(b, "<ol start=\"%ld\">\n", num);
	else
		puts_(b, ordered ? "<ol>\n" : "<ul>\n");
	for (size_t k = 0; k < nitems; k++) {
		puts_(b, "<li>");
		blocks_md(d, b, items[k].v, items[k].n, !loose);
		if (b->len && b->p[b->len - 1] == '\n')
			b->len--;
		puts_(b, "</li>\n");
		free_lines(&items[k]);
	}
	puts_(b, ordered ? "</ol>\n" : "</ul>\n");
	return i;
}

static void blocks_md(struct doc *d, struct buf *b, char **v, size_t n, bool tight)
{
	size_t i = 0;
	while (i < n) {
		const char *line = v[i];
		if (blank(line)) {
			i++;
			continue;
		}
		size_t ind = indent(line);
		const char *t = line + ind;
		if (ind >= 4) { /* indented code */
			size_t e = i;
			for (size_t k = i; k < n && (blank(v[k]) || indent(v[k]) >= 4); k++)
				if (!blank(v[k]))
					e = k + 1;
			puts_(b, "<pre><code>");
			for (size_t k = i; k < e; k++) {
				esc(b, dedent(v[k], 4), strlen(dedent(v[k], 4)));
				puts_(b, "\n");
			}
			puts_(b, "</code></pre>\n");
			i = e;
		} else if (is_fence(t)) {
			char fc = t[0];
			size_t fl = strspn(t, fc == '`' ? "`" : "~");
			const char *lang = t + fl;
			while (*lang == ' ')
				lang++;
			size_t langlen = strcspn(lang, " ");
			if (langlen)
				puts_(b, "<pre><code class=\"language-"), esc(b, lang, langlen), puts_(b, "\">");
			else
				puts_(b, "<pre><code>");
			i++;
			while (i < n) {
				const char *u = dedent(v[i], 3);
				if (u[0] == fc && strspn(u, fc == '`' ? "`" : "~") >= fl && blank(u + strspn(u, "`~")))
					break;
				const char *text = dedent(v[i], ind);
				esc(b, text, strlen(text));
				puts_(b, "\n");
				i++;
			}
			puts_(b, "</code></pre>\n");
			i++;
		} else if (heading_level(t)) {
			int level = heading_level(t);
			const char *h = t + level;
			while (*h == ' ')
				h++;
			size_t hl = strlen(h);
			while (hl > 0 && (h[hl - 1] == '#' || h[hl - 1] == ' '))
				hl--;
			char plain[256], id[64];
			plain_md(h, hl, plain, sizeof plain);
			if (level == 1 && !d->title[0])
				snprintf(d->title, sizeof d->title, "%s", plain);
			heading_id(d, plain, id);
			putf(b, "<h%d id=\"%s\">", level, id);
			inline_md(d, b, h, hl);
			putf(b, "</h%d>\n", level);
			i++;
		} else if (is_rule(t)) {
			puts_(b, "<hr>\n");
			i++;
		} else if (t[0] == '>') {
			struct lines q = { 0 };
			while (i < n && !blank(v[i]) && dedent(v[i], 3)[0] == '>') {
				const char *u = dedent(v[i], 3) + 1;
				if (*u == ' ')
					u++;
				add_line(&q, u, strlen(u));
				i++;
			}
			puts_(b, "<blockquote>\n");
			blocks_md(d, b, q.v, q.n, false);
			puts_(b, "</blockquote>\n");
			free_lines(&q);
		} else if (t[0] == '|' && i + 1 < n && is_table_sep(dedent(v[i + 1], 3))) {
			i += table_md(d, b, v + i, n - i);
		} else if (({
			           bool o;
			           long num;
			           size_t w;
			           list_marker(t, &o, &num, &w);
		           })) {
			i += list_md(d, b, v + i, n - i);
		} else { /* a paragraph */
			struct buf para = { 0 };
			while (i < n && !blank(v[i])) {
				const char *u = v[i] + indent(v[i]);
				if (para.len && (starts_block(u) || (u[0] == '|' && i + 1 < n &&
				                                     is_table_sep(dedent(v[i + 1], 3)))))
					break;
				if (para.len)
					puts_(&para, "\n");
				size_t ul = strlen(u);
				while (ul > 0 && u[ul - 1] == ' ')
					ul--;
				put(&para, u, ul);
				i++;
			}
			if (!tight)
				puts_(b, "<p>");
			inline_md(d, b, para.p, para.len);
			puts_(b, tight ? "\n" : "</p>\n");
			free(para.p);
		}
	}
}

/* ---- roff (man pages): the -man macros a manual page uses ------------------ */

/* Inline roff: font escapes \fB \fI \fR \fP, and the common specials. */
static void inline_roff(struct buf *b, const char *s, const char **font)
{
	for (; *s; s++) {
		if (*s != '\\') {
			esc(b, s, 1);
			continue;
		}
		s++;
		switch (*s) {
		case 'f': {
			char f = s[1];
			if (!f)
				return;
			s++;
			const char *want = f == 'B' ? "strong" : f == 'I' ? "em" : f == 'C' ? "code" : NULL;
			if (*font)
				putf(b, "</%s>", *font);
			*font = want;
			if (want)
				putf(b, "<%s>", want);
			break;
		}
		case '-': puts_(b, "-"); break;
		case 'e': case '\\': puts_(b, "\\"); break;
		case '&': case '/': case ',': break;
		case ' ': case '~': puts_(b, "&nbsp;"); break;
		case '(':
			if (s[1] && s[2]) {
				char sp[3] = { s[1], s[2], 0 };
				s += 2;
				puts_(b, !strcmp(sp, "em") ? "&mdash;" : !strcmp(sp, "en") ? "&ndash;" :
				         !strcmp(sp, "aq") ? "'" : !strcmp(sp, "dq") ? "&quot;" :
				         !strcmp(sp, "bu") ? "&bull;" : !strcmp(sp, "co") ? "&copy;" :
				         !strcmp(sp, "lq") ? "&ldquo;" : !strcmp(sp, "rq") ? "&rdquo;" :
				         !strcmp(sp, "ti") ? "~" : !strcmp(sp, "ha") ? "^" : "?");
			}
			break;
		case 0: return;
		default: esc(b, s, 1);
		}
	}
}

/* Arguments of a macro line, with "quoted words" kept whole. */
static int roff_args(const char *s, char args[][256], int max)
{
	int n = 0;
	while (*s && n < max) {
		while (*s == ' ')
			s++;
		if (!*s)
			break;
		size_t o = 0;
		if (*s == '"') {
			s++;
			while (*s && *s != '"' && o < 255)
				args[n][o++] = *s++;
			if (*s == '"')
				s++;
		} else {
			while (*s && *s != ' ' && o < 255)
				args[n][o++] = *s++;
		}
		args[n++][o] = 0;
	}
	return n;
}

struct roff {
	struct buf *b;
	const char *font;
	bool in_p, in_pre, in_dl, in_dd;
	bool fresh; /* nothing written yet in the current <dd> */
	int tp;  /* the next text line is a .TP tag */
	int rs;  /* .RS depth */
};

static void roff_close(struct roff *r)
{
	if (r->font) {
		putf(r->b, "</%s>", r->font);
		r->font = NULL;
	}
	if (r->in_p) {
		puts_(r->b, "</p>\n");
		r->in_p = false;
	}
	if (r->in_dd) {
		puts_(r->b, "</dd>\n");
		r->in_dd = false;
	}
}

static void roff_end_dl(struct roff *r)
{
	roff_close(r);
	if (r->in_dl) {
		puts_(r->b, "</dl>\n");
		r->in_dl = false;
	}
}

static void roff_text(struct roff *r, const char *s)
{
	if (r->in_pre) {
		inline_roff(r->b, s, &r->font);
		puts_(r->b, "\n");
		return;
	}
	if (r->tp) {
		r->tp = 0;
		roff_close(r);
		if (!r->in_dl) {
			puts_(r->b, "<dl>\n");
			r->in_dl = true;
		}
		puts_(r->b, "<dt>");
		inline_roff(r->b, s, &r->font);
		roff_close(r);
		puts_(r->b, "</dt>\n<dd>");
		r->in_dd = r->fresh = true;
		return;
	}
	if (!r->in_p && !r->in_dd) {
		puts_(r->b, "<p>");
		r->in_p = true;
	} else if (!r->fresh) {
		puts_(r->b, "\n");
	}
	r->fresh = false;
	inline_roff(r->b, s, &r->font);
}

/* .B .I .BR .IR .RB .BI ...: words in alternating fonts. */
static void roff_fonts(struct roff *r, const char *macro, char args[][256], int n)
{
	struct buf t = { 0 };
	size_t ml = strlen(macro);
	for (int k = 0; k < n; k++) {
		char f = macro[ml == 1 ? 0 : k % 2];
		if (ml == 1 && k > 0)
			puts_(&t, " ");
		putf(&t, "\\f%c%s", f, args[k]);
	}
	puts_(&t, "\\fR");
	roff_text(r, t.p ? t.p : "");
	free(t.p);
}

static void roff_to_html(struct doc *d, struct buf *b, char **v, size_t n)
{
	struct roff r = { .b = b };
	char args[9][256];
	for (size_t i = 0; i < n; i++) {
		const char *l = v[i];
		if (l[0] != '.' && l[0] != '\'') {
			if (!l[0] && !r.in_pre) {
				roff_close(&r);
				continue;
			}
			roff_text(&r, l);
			continue;
		}
		char macro[8] = { 0 };
		size_t k = 0;
		const char *p = l + 1;
		while (*p == ' ')
			p++;
		while (*p && *p != ' ' && k < sizeof macro - 1)
			macro[k++] = *p++;
		int na = roff_args(p, args, 9);
		if (!strcmp(macro, "\\\"") || macro[0] == '\\' || !macro[0]) {
			continue; /* a comment */
		} else if (!strcmp(macro, "TH")) {
			snprintf(d->title, sizeof d->title, "%.120s(%.20s)", na > 0 ? args[0] : "", na > 1 ? args[1] : "");
			for (char *c = d->title; *c; c++)
				*c = (char)tolower((unsigned char)*c);
			char id[64];
			heading_id(d, d->title, id);
			putf(b, "<h1 id=\"%s\">", id);
			esc(b, d->title, strlen(d->title));
			puts_(b, "</h1>\n");
		} else if (!strcmp(macro, "SH") || !strcmp(macro, "SS")) {
			roff_end_dl(&r);
			struct buf h = { 0 };
			for (int a = 0; a < na; a++)
				putf(&h, "%s%s", a ? " " : "", args[a]);
			if (na == 0 && i + 1 < n)
				puts_(&h, v[++i]);
			char id[64], plain[256];
			snprintf(plain, sizeof plain, "%s", h.p ? h.p : "");
			heading_id(d, plain, id);
			int level = macro[1] == 'H' ? 2 : 3;
			putf(b, "<h%d id=\"%s\">", level, id);
			/* Section names are upper case by convention; show them as
			 * a sentence. */
			for (char *c = h.p; c && *c; c++)
				if (c != h.p)
					*c = (char)tolower((unsigned char)*c);
			inline_roff(b, h.p ? h.p : "", &r.font);
			roff_close(&r);
			putf(b, "</h%d>\n", level);
			free(h.p);
		} else if (!strcmp(macro, "PP") || !strcmp(macro, "LP") || !strcmp(macro, "P")) {
			roff_end_dl(&r);
		} else if (!strcmp(macro, "TP")) {
			r.tp = 1;
		} else if (!strcmp(macro, "IP")) {
			roff_close(&r);
			if (na > 0 && args[0][0]) {
				r.tp = 1;
				roff_text(&r, args[0]);
			} else if (r.in_dl) {
				puts_(b, "<dd>");
				r.in_dd = r.fresh = true;
			}
		} else if (!strcmp(macro, "nf") || !strcmp(macro, "EX")) {
			roff_close(&r);
			puts_(b, "<pre><code>");
			r.in_pre = true;
		} else if (!strcmp(macro, "fi") || !strcmp(macro, "EE")) {
			if (r.font) {
				putf(b, "</%s>", r.font);
				r.font = NULL;
			}
			if (r.in_pre)
				puts_(b, "</code></pre>\n");
			r.in_pre = false;
		} else if (!strcmp(macro, "RS")) {
			roff_close(&r);
			puts_(b, "<div class=\"indent\">\n");
			r.rs++;
		} else if (!strcmp(macro, "RE")) {
			roff_end_dl(&r);
			if (r.rs > 0) {
				puts_(b, "</div>\n");
				r.rs--;
			}
		} else if (!strcmp(macro, "br")) {
			puts_(b, r.in_pre ? "\n" : "<br>");
		} else if (!strcmp(macro, "sp")) {
			roff_close(&r);
		} else if (strspn(macro, "BIR") == strlen(macro) && strlen(macro) <= 2) {
			roff_fonts(&r, macro, args, na);
		}
		/* Other requests (.ad, .hy, .ne, .in ...) only steer layout. */
	}
	roff_end_dl(&r);
	while (r.rs-- > 0)
		puts_(b, "</div>\n");
}

/* ---- pages ------------------------------------------------------------------ */

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	struct buf b = { 0 };
	char tmp[65536];
	size_t n;
	while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
		put(&b, tmp, n);
	fclose(f);
	*len = b.len;
	if (!b.p)
		b.p = xrealloc(NULL, 1), b.p[0] = 0;
	return b.p;
}

/* Split into lines, tabs expanded to 4-column stops, CRs dropped. */
static void split_lines(const char *text, size_t len, struct lines *out)
{
	size_t i = 0;
	while (i < len) {
		struct buf l = { 0 };
		size_t col = 0;
		while (i < len && text[i] != '\n') {
			if (text[i] == '\t') {
				do
					put(&l, " ", 1);
				while (++col % 4);
			} else if (text[i] != '\r') {
				put(&l, text + i, 1);
				col++;
			}
			i++;
		}
		i++;
		add_line(out, l.p ? l.p : "", l.len);
		free(l.p);
	}
}

static void page_html(const struct page *pg, struct buf *body, const char *title, struct buf *out)
{
	putf(out, "<!-- generated by %s from %s: edit that file, then run %s -->\n", tool, pg->src,
	     "examples/www/tools/mksite.sh");
	puts_(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	           "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>");
	esc(out, title, strlen(title));
	if (strcmp(pg->out, "index.html") != 0)
		puts_(out, " &middot; synth");
	puts_(out, "</title>\n<link rel=\"stylesheet\" href=\"style.css\">\n"
	           "<link rel=\"icon\" href=\"favicon.ico\">\n</head>\n<body>\n<header>\n"
	           "<a class=\"brand\" href=\"index.html\"><img src=\"logo.png\" alt=\"\" width=\"32\" "
	           "height=\"32\">synth</a>\n<nav>\n");
	for (size_t k = 0; k < NPAGES; k++) {
		putf(out, "<a href=\"%s\"%s>", pages[k].out, &pages[k] == pg ? " class=\"here\"" : "");
		esc(out, pages[k].label, strlen(pages[k].label));
		puts_(out, "</a>\n");
	}
	puts_(out, "</nav>\n</header>\n<main>\n");
	put(out, body->p ? body->p : "", body->len);
	puts_(out, "</main>\n<footer>\n<p>This page is <code>");
	esc(out, pg->src, strlen(pg->src));
	puts_(out, "</code> of the synth source tree, served by <code>examples/www</code>: a synth app "
	           "built from one manifest for the target you are running.</p>\n</footer>\n"
	           "</body>\n</html>\n");
}

static int write_if_changed(const char *path, const struct buf *b)
{
	size_t oldlen;
	char *old = read_file(path, &oldlen);
	bool same = old && oldlen == b->len && memcmp(old, b->p, b->len) == 0;
	free(old);
	if (same)
		return 0;
	char tmp[4096];
	snprintf(tmp, sizeof tmp, "%.4000s.tmp", path);
	FILE *f = fopen(tmp, "wb");
	if (!f || fwrite(b->p, 1, b->len, f) != b->len || fclose(f) != 0 || rename(tmp, path) != 0) {
		fprintf(stderr, "mksite: cannot write %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *top = ".", *outdir = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-C") && i + 1 < argc)
			top = argv[++i];
		else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			printf("usage: mksite [-C TOPDIR] OUTDIR\n"
			       "Converts the project's docs into the www example's pages in OUTDIR.\n");
			return 0;
		} else if (!outdir && argv[i][0] != '-')
			outdir = argv[i];
		else {
			fprintf(stderr, "mksite: unexpected argument '%s' (try --help)\n", argv[i]);
			return 2;
		}
	}
	if (!outdir) {
		fprintf(stderr, "usage: mksite [-C TOPDIR] OUTDIR\n");
		return 2;
	}
	int rc = 0;
	for (size_t k = 0; k < NPAGES; k++) {
		const struct page *pg = &pages[k];
		char path[4096];
		snprintf(path, sizeof path, "%s/%s", top, pg->src);
		size_t len;
		char *text = read_file(path, &len);
		bool placeholder = !text && errno == ENOENT;
		if (placeholder) {
			/* A page whose doc is not written yet: say so, rather than
			 * leave a navigation link that leads nowhere. */
			fprintf(stderr, "mksite: warning: %s is missing: writing a placeholder page\n", path);
			struct buf md = { 0 };
			putf(&md, "# %s\n\nThis page is made from `%s`, which is not written yet.\n", pg->label,
			     pg->src);
			text = md.p;
			len = md.len;
		} else if (!text) {
			fprintf(stderr, "mksite: %s: %s\n", path, strerror(errno));
			rc = 1;
			continue;
		}
		struct lines lines = { 0 };
		split_lines(text, len, &lines);
		struct doc d = { .page = pg };
		struct buf body = { 0 }, out = { 0 };
		if (pg->format == ROFF && !placeholder)
			roff_to_html(&d, &body, lines.v, lines.n);
		else
			blocks_md(&d, &body, lines.v, lines.n, false);
		page_html(pg, &body, d.title[0] ? d.title : pg->label, &out);
		snprintf(path, sizeof path, "%s/%s", outdir, pg->out);
		if (write_if_changed(path, &out) < 0)
			rc = 1;
		free(text);
		free(body.p);
		free(out.p);
		free_lines(&lines);
	}
	return rc;
}
