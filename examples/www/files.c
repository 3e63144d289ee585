/* www content: Content-Type by file extension, the header fields and
 * validators (ETag, Last-Modified) of a file, and the cache that keeps
 * in-memory files open with those fields formatted once, so that serving
 * one costs a hash lookup and a copy of a few hundred bytes. */
#include <stdlib.h>
#include <string.h>

#include "lib/fmt.h"
#include "www.h"

static const struct {
	const char *ext;
	const char *type;
} content_types[] = {
	{ "html", "text/html; charset=utf-8" },
	{ "htm", "text/html; charset=utf-8" },
	{ "css", "text/css; charset=utf-8" },
	{ "js", "text/javascript; charset=utf-8" },
	{ "mjs", "text/javascript; charset=utf-8" },
	{ "json", "application/json" },
	{ "map", "application/json" },
	{ "txt", "text/plain; charset=utf-8" },
	{ "md", "text/markdown; charset=utf-8" },
	{ "csv", "text/csv; charset=utf-8" },
	{ "xml", "application/xml" },
	{ "rss", "application/rss+xml" },
	{ "atom", "application/atom+xml" },
	{ "svg", "image/svg+xml" },
	{ "png", "image/png" },
	{ "jpg", "image/jpeg" },
	{ "jpeg", "image/jpeg" },
	{ "gif", "image/gif" },
	{ "webp", "image/webp" },
	{ "avif", "image/avif" },
	{ "ico", "image/vnd.microsoft.icon" },
	{ "bmp", "image/bmp" },
	{ "woff", "font/woff" },
	{ "woff2", "font/woff2" },
	{ "ttf", "font/ttf" },
	{ "otf", "font/otf" },
	{ "pdf", "application/pdf" },
	{ "wasm", "application/wasm" },
	{ "zip", "application/zip" },
	{ "gz", "application/gzip" },
	{ "tar", "application/x-tar" },
	{ "mp3", "audio/mpeg" },
	{ "ogg", "audio/ogg" },
	{ "wav", "audio/wav" },
	{ "mp4", "video/mp4" },
	{ "webm", "video/webm" },
};

static const char default_type[] = "application/octet-stream";

const char *www_content_type(const char *path, size_t len)
{
	size_t dot = len;
	while (dot > 0 && path[dot - 1] != '.' && path[dot - 1] != '/')
		dot--;
	if (dot == 0 || path[dot - 1] != '.')
		return default_type;
	const char *ext = path + dot;
	size_t elen = len - dot;
	for (size_t i = 0; i < sizeof content_types / sizeof content_types[0]; i++) {
		const char *t = content_types[i].ext;
		size_t k = 0;
		/* Extensions compare case-insensitively: INDEX.HTM is HTML too. */
		while (k < elen && t[k] && (ext[k] | 0x20) == t[k])
			k++;
		if (k == elen && t[k] == 0)
			return content_types[i].type;
	}
	return default_type;
}

static uint32_t path_hash(const char *p, size_t len)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)p[i]) * 16777619u;
	return h;
}

int www_cache_init(struct www *w, uint32_t max_files)
{
	uint32_t buckets = 64;
	while (buckets < max_files && buckets < (1u << 16))
		buckets <<= 1;
	w->cache = calloc(buckets, sizeof *w->cache);
	if (!w->cache)
		return -ENOMEM;
	w->cache_buckets = buckets;
	w->cache_max = max_files;
	w->cached = 0;
	return 0;
}

struct www_file *www_cache_find(struct www *w, const char *path, size_t len)
{
	uint32_t h = path_hash(path, len);
	for (struct www_file *e = w->cache[h & (w->cache_buckets - 1)]; e; e = e->next)
		if (e->hash == h && e->path_len == len && memcmp(e->path, path, len) == 0)
			return e;
	return NULL;
}

bool www_cache_add(struct www *w, struct www_file *e)
{
	if (w->cached >= w->cache_max)
		return false;
	e->hash = path_hash(e->path, e->path_len);
	struct www_file **b = &w->cache[e->hash & (w->cache_buckets - 1)];
	e->next = *b;
	*b = e;
	w->cached++;
	return true;
}

static size_t put(char *o, const char *s)
{
	size_t n = strlen(s);
	memcpy(o, s, n);
	return n;
}

static size_t put_hex(char *o, uint64_t v)
{
	char tmp[16];
	size_t n = 0;
	do {
		tmp[n++] = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v);
	for (size_t i = 0; i < n; i++)
		o[i] = tmp[n - 1 - i];
	return n;
}

void www_file_describe(struct www_file *e, const char *path, size_t len)
{
	char *o = e->hdr;
	o += put(o, "Content-Type: ");
	o += put(o, www_content_type(path, len));
	o += put(o, "\r\nContent-Length: ");
	o += fmt_u64(o, e->f.size);
	o += put(o, "\r\n");
	e->validators = (uint16_t)(o - e->hdr);

	/* ETag from size and modification time: it changes whenever either
	 * does, and costs no read of the content. */
	char *t = e->etag;
	*t++ = '"';
	t += put_hex(t, e->f.size);
	*t++ = '-';
	t += put_hex(t, (uint64_t)e->f.mtime_ns);
	*t++ = '"';
	e->etag_len = (uint8_t)(t - e->etag);

	e->mtime_s = e->f.mtime_ns > 0 ? e->f.mtime_ns / 1000000000 : -1;
	if (e->mtime_s >= 0) {
		o += put(o, "Last-Modified: ");
		http_format_date(e->mtime_s, o);
		o += HTTP_DATE_LEN;
		o += put(o, "\r\n");
	}
	o += put(o, "ETag: ");
	memcpy(o, e->etag, e->etag_len);
	o += e->etag_len;
	o += put(o, "\r\n");
	e->hdr_len = (uint16_t)(o - e->hdr);
}
