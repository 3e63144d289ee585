/* synth's plumbing: arena memory, growable strings, diagnostics, the table
 * of device kinds, paths, atomic file updates and running helper programs
 * (m4, make). Hosted C. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "synth/synth.h"

extern char **environ;

/* ---- arena ------------------------------------------------------------ */

struct arena_block {
	struct arena_block *next;
	size_t used, size;
	max_align_t data[];
};

#define ARENA_CHUNK (64 * 1024)

static void oom(void)
{
	fputs("synth: out of memory\n", stderr);
	abort();
}

void *arena_alloc(struct arena *a, size_t size)
{
	size = (size + 15) & ~(size_t)15;
	struct arena_block *b = a->head;
	if (!b || b->size - b->used < size) {
		size_t want = size > ARENA_CHUNK / 4 ? size : ARENA_CHUNK;
		b = malloc(sizeof *b + want);
		if (!b)
			oom();
		b->used = 0;
		b->size = want;
		/* A big one-off block goes behind the current one, so the
		 * current block keeps serving small allocations. */
		if (want != ARENA_CHUNK && a->head) {
			b->next = a->head->next;
			a->head->next = b;
		} else {
			b->next = a->head;
			a->head = b;
		}
	}
	void *p = (char *)b->data + b->used;
	b->used += size;
	memset(p, 0, size);
	return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);
	memcpy(p, s, n);
	p[n] = 0;
	return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

char *arena_printf(struct arena *a, const char *fmt, ...)
{
	struct buf b = { 0 };
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	char *p = arena_strndup(a, buf_cstr(&b), b.len);
	buf_free(&b);
	return p;
}

void arena_free(struct arena *a)
{
	struct arena_block *b = a->head;
	while (b) {
		struct arena_block *next = b->next;
		free(b);
		b = next;
	}
	a->head = NULL;
}

void vec_push(struct arena *a, struct vec *v, void *item)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 8;
		void **nv = arena_alloc(a, cap * sizeof *nv);
		if (v->n)
			memcpy(nv, v->v, v->n * sizeof *nv);
		v->v = nv;
		v->cap = cap;
	}
	v->v[v->n++] = item;
}

/* ---- buf -------------------------------------------------------------- */

static void buf_grow(struct buf *b, size_t extra)
{
	if (b->len + extra + 1 <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < b->len + extra + 1)
		cap *= 2;
	char *s = realloc(b->s, cap);
	if (!s)
		oom();
	b->s = s;
	b->cap = cap;
}

void buf_add(struct buf *b, const char *s, size_t n)
{
	buf_grow(b, n);
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = 0;
}

void buf_puts(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void buf_putc(struct buf *b, char c)
{
	buf_add(b, &c, 1);
}

void buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return;
	buf_grow(b, (size_t)n);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(b, fmt, ap);
	va_end(ap);
}

const char *buf_cstr(struct buf *b)
{
	return b->s ? b->s : "";
}

void buf_free(struct buf *b)
{
	free(b->s);
	b->s = NULL;
	b->len = b->cap = 0;
}

/* ---- diagnostics ------------------------------------------------------ */

static void diag_emit(struct diag *d, struct pos p, const char *what, const char *fmt, va_list ap)
{
	size_t start = d->text.len;
	if (p.file && p.line > 0)
		buf_printf(&d->text, "%s:%d:%d: %s: ", p.file, p.line, p.col, what);
	else if (p.file)
		buf_printf(&d->text, "%s: %s: ", p.file, what);
	else
		buf_printf(&d->text, "synth: %s: ", what);
	buf_vprintf(&d->text, fmt, ap);
	buf_putc(&d->text, '\n');
	if (d->echo)
		fwrite(d->text.s + start, 1, d->text.len - start, stderr);
}

void diag_error(struct diag *d, struct pos p, const char *fmt, ...)
{
	d->errors++;
	if (d->errors > DIAG_MAX_ERRORS)
		return;
	va_list ap;
	va_start(ap, fmt);
	if (d->errors == DIAG_MAX_ERRORS) {
		diag_emit(d, p, "error", "too many errors; stopping here", ap);
	} else {
		diag_emit(d, p, "error", fmt, ap);
	}
	va_end(ap);
}

void diag_note(struct diag *d, struct pos p, const char *fmt, ...)
{
	if (d->errors >= DIAG_MAX_ERRORS)
		return;
	va_list ap;
	va_start(ap, fmt);
	diag_emit(d, p, "note", fmt, ap);
	va_end(ap);
}

void diag_plain(struct diag *d, const char *fmt, ...)
{
	d->errors++;
	va_list ap;
	va_start(ap, fmt);
	diag_emit(d, (struct pos){ 0 }, "error", fmt, ap);
	va_end(ap);
}

void diag_free(struct diag *d)
{
	buf_free(&d->text);
	d->errors = 0;
}

/* ---- device kinds ----------------------------------------------------- */

/* The interfaces of devices/, in the order listings show them. A new kind
 * is one line here plus its header. */
const struct kind_info synth_kinds[] = {
	{ "console", "devices/console.h" },
	{ "clock", "devices/clock.h" },
	{ "random", "devices/random.h" },
	{ "netif", "devices/netif.h" },
	{ "stack", "devices/stack.h" },
	{ "block", "devices/block.h" },
	{ "kv", "devices/kv.h" },
	{ "fs", "devices/fs.h" },
};
const size_t synth_nkinds = sizeof synth_kinds / sizeof synth_kinds[0];

int kind_lookup(const char *name, size_t len)
{
	for (size_t i = 0; i < synth_nkinds; i++)
		if (strlen(synth_kinds[i].name) == len && memcmp(synth_kinds[i].name, name, len) == 0)
			return (int)i;
	return -1;
}

void kind_list(struct buf *b)
{
	for (size_t i = 0; i < synth_nkinds; i++)
		buf_printf(b, "%s%s", i ? ", " : "", synth_kinds[i].name);
}

/* ---- files ------------------------------------------------------------ */

char *file_read(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	struct stat st;
	if (fstat(fd, &st) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return NULL;
	}
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		errno = EISDIR;
		return NULL;
	}
	size_t cap = st.st_size > 0 ? (size_t)st.st_size + 1 : 4096, n = 0;
	char *p = malloc(cap + 1);
	if (!p)
		oom();
	for (;;) {
		if (n == cap) {
			cap *= 2;
			p = realloc(p, cap + 1);
			if (!p)
				oom();
		}
		ssize_t r = read(fd, p + n, cap - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			free(p);
			close(fd);
			errno = e;
			return NULL;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	p[n] = 0;
	*len = n;
	return p;
}

static bool same_content(const char *path, const char *data, size_t len)
{
	size_t have;
	char *old = file_read(path, &have);
	if (!old)
		return false;
	bool same = have == len && memcmp(old, data, len) == 0;
	free(old);
	return same;
}

int file_update(const char *path, const char *data, size_t len)
{
	if (same_content(path, data, len))
		return 0;
	size_t pl = strlen(path);
	char *tmp = malloc(pl + 32);
	if (!tmp)
		oom();
	snprintf(tmp, pl + 32, "%s.tmp%ld", path, (long)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		int e = errno;
		free(tmp);
		return -e;
	}
	size_t off = 0;
	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			close(fd);
			unlink(tmp);
			free(tmp);
			return -e;
		}
		off += (size_t)w;
	}
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		int e = errno;
		unlink(tmp);
		free(tmp);
		return -e;
	}
	free(tmp);
	return 1;
}

int mkdir_p(const char *path)
{
	char *p = strdup(path);
	if (!p)
		oom();
	for (char *s = p + 1; ; s++) {
		if (*s == '/' || *s == 0) {
			char c = *s;
			*s = 0;
			if (mkdir(p, 0755) < 0 && errno != EEXIST) {
				int e = errno;
				free(p);
				return -e;
			}
			*s = c;
			if (!c)
				break;
		}
	}
	free(p);
	return path_is_dir(path) ? 0 : -ENOTDIR;
}

bool path_is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

bool path_is_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

char *path_clean(struct arena *a, const char *path)
{
	size_t n = strlen(path);
	bool abs = path[0] == '/';
	/* Components kept so far, as offsets into out. */
	char *out = arena_alloc(a, n + 2);
	size_t *starts = malloc((n / 2 + 2) * sizeof *starts);
	if (!starts)
		oom();
	size_t depth = 0, len = 0, ups = 0;
	if (abs)
		out[len++] = '/';
	const char *s = path;
	while (*s) {
		while (*s == '/')
			s++;
		const char *e = s;
		while (*e && *e != '/')
			e++;
		size_t cl = (size_t)(e - s);
		if (cl == 0)
			break;
		if (cl == 1 && s[0] == '.') {
			/* skip */
		} else if (cl == 2 && s[0] == '.' && s[1] == '.') {
			if (depth > ups) {
				depth--;
				len = starts[depth];
			} else if (!abs) {
				starts[depth++] = len;
				ups++;
				if (len && out[len - 1] != '/')
					out[len++] = '/';
				out[len++] = '.';
				out[len++] = '.';
			}
		} else {
			starts[depth++] = len;
			if (len && out[len - 1] != '/')
				out[len++] = '/';
			memcpy(out + len, s, cl);
			len += cl;
		}
		s = e;
	}
	free(starts);
	if (len == 0)
		out[len++] = '.';
	out[len] = 0;
	return out;
}

char *path_join_abs(struct arena *a, const char *base, const char *rel)
{
	if (rel[0] == '/')
		return path_clean(a, rel);
	return path_clean(a, arena_printf(a, "%s/%s", base, rel));
}

char *path_abs(struct arena *a, const char *path)
{
	if (path[0] == '/')
		return path_clean(a, path);
	char cwd[PATH_MAX];
	if (!getcwd(cwd, sizeof cwd))
		return path_clean(a, path);
	return path_join_abs(a, cwd, path);
}

const char *path_under(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);
	while (n > 1 && prefix[n - 1] == '/')
		n--;
	if (strncmp(path, prefix, n) != 0)
		return NULL;
	if (path[n] == 0)
		return path + n;
	if (path[n] == '/')
		return path + n + 1;
	if (n == 1 && prefix[0] == '/')
		return path + 1;
	return NULL;
}

/* ---- processes -------------------------------------------------------- */

int run_capture(struct diag *d, char *const argv[], struct buf *out)
{
	int pfd[2] = { -1, -1 };
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	if (out) {
		if (pipe2(pfd, O_CLOEXEC) < 0) {
			diag_plain(d, "pipe: %s", strerror(errno));
			return -1;
		}
		posix_spawn_file_actions_adddup2(&fa, pfd[1], 1);
	}
	pid_t pid;
	int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (out)
		close(pfd[1]);
	if (rc != 0) {
		if (out)
			close(pfd[0]);
		diag_plain(d, "cannot run %s: %s", argv[0], strerror(rc));
		return -1;
	}
	if (out) {
		char tmp[65536];
		for (;;) {
			ssize_t r = read(pfd[0], tmp, sizeof tmp);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				break;
			buf_add(out, tmp, (size_t)r);
		}
		close(pfd[0]);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			diag_plain(d, "waitpid: %s", strerror(errno));
			return -1;
		}
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status)) {
		diag_plain(d, "%s was killed by signal %d", argv[0], WTERMSIG(status));
		return 128 + WTERMSIG(status);
	}
	return -1;
}
