/* Bounds-checked views over bytes for protocol code. A view is a pointer
 * and a length passed by value; every access names an offset and fails
 * (returns false) instead of reading or writing outside the view.
 *
 * Two styles:
 *  - random access: buf_get_be16(v, off, &x) / buf_set_be16(w, off, x),
 *    for headers whose fields sit at fixed offsets;
 *  - cursors: struct buf_reader / buf_writer with a sticky error flag,
 *    for parsing or building a sequence of fields: read them all, then
 *    check r.err once. A failed read returns 0 and consumes nothing.
 *
 * Byte order helpers without checks (buf_load_be16 ...) are for code that
 * has already checked the length. */
#ifndef SYNTH_LIB_BUF_H
#define SYNTH_LIB_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* A read-only view. */
struct buf_view {
	const uint8_t *p;
	size_t len;
};

/* A writable view. */
struct buf_mview {
	uint8_t *p;
	size_t len;
};

static inline struct buf_view buf_view(const void *p, size_t len)
{
	struct buf_view v = { (const uint8_t *)p, len };
	return v;
}

static inline struct buf_mview buf_mview(void *p, size_t len)
{
	struct buf_mview v = { (uint8_t *)p, len };
	return v;
}

static inline struct buf_view buf_ro(struct buf_mview w)
{
	return buf_view(w.p, w.len);
}

/* true when [off, off + n) lies inside a view of len bytes (no overflow). */
static inline bool buf_fits(size_t len, size_t off, size_t n)
{
	return off <= len && n <= len - off;
}

/* ---- unchecked loads and stores ---- */

static inline uint16_t buf_load_be16(const uint8_t *p)
{
	return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static inline uint32_t buf_load_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t buf_load_be64(const uint8_t *p)
{
	return (uint64_t)buf_load_be32(p) << 32 | buf_load_be32(p + 4);
}

static inline uint16_t buf_load_le16(const uint8_t *p)
{
	return (uint16_t)((unsigned)p[1] << 8 | p[0]);
}

static inline uint32_t buf_load_le32(const uint8_t *p)
{
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static inline void buf_store_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void buf_store_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline void buf_store_be64(uint8_t *p, uint64_t v)
{
	buf_store_be32(p, (uint32_t)(v >> 32));
	buf_store_be32(p + 4, (uint32_t)v);
}

static inline void buf_store_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void buf_store_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* ---- checked random access: false (and *out untouched) when out of bounds ---- */

#define BUF__GET(name, type, size, load)                                              \
	static inline bool buf_get_##name(struct buf_view v, size_t off, type *out)   \
	{                                                                             \
		if (!buf_fits(v.len, off, size))                                      \
			return false;                                                 \
		*out = load(v.p + off);                                               \
		return true;                                                          \
	}                                                                             \
	static inline bool buf_set_##name(struct buf_mview v, size_t off, type val)   \
	{                                                                             \
		if (!buf_fits(v.len, off, size))                                      \
			return false;                                                 \
		BUF__STORE_##name(v.p + off, val);                                    \
		return true;                                                          \
	}

static inline uint8_t buf__load_u8(const uint8_t *p)
{
	return *p;
}
#define BUF__STORE_u8(p, v) (*(p) = (v))
#define BUF__STORE_be16 buf_store_be16
#define BUF__STORE_be32 buf_store_be32
#define BUF__STORE_be64 buf_store_be64
#define BUF__STORE_le16 buf_store_le16
#define BUF__STORE_le32 buf_store_le32

BUF__GET(u8, uint8_t, 1, buf__load_u8)
BUF__GET(be16, uint16_t, 2, buf_load_be16)
BUF__GET(be32, uint32_t, 4, buf_load_be32)
BUF__GET(be64, uint64_t, 8, buf_load_be64)
BUF__GET(le16, uint16_t, 2, buf_load_le16)
BUF__GET(le32, uint32_t, 4, buf_load_le32)

/* Copy n bytes at off out of / into a view. */
static inline bool buf_get_bytes(struct buf_view v, size_t off, void *dst, size_t n)
{
	if (!buf_fits(v.len, off, n))
		return false;
	if (n)
		memcpy(dst, v.p + off, n);
	return true;
}

static inline bool buf_set_bytes(struct buf_mview v, size_t off, const void *src, size_t n)
{
	if (!buf_fits(v.len, off, n))
		return false;
	if (n)
		memcpy(v.p + off, src, n);
	return true;
}

/* Sub-views: [off, off + n). On failure *out is an empty view. */
static inline bool buf_sub(struct buf_view v, size_t off, size_t n, struct buf_view *out)
{
	if (!buf_fits(v.len, off, n)) {
		*out = buf_view(NULL, 0);
		return false;
	}
	*out = buf_view(v.p + off, n);
	return true;
}

static inline bool buf_msub(struct buf_mview v, size_t off, size_t n, struct buf_mview *out)
{
	if (!buf_fits(v.len, off, n)) {
		*out = buf_mview(NULL, 0);
		return false;
	}
	*out = buf_mview(v.p + off, n);
	return true;
}

/* Everything from off to the end (empty when off is past it). */
static inline struct buf_view buf_tail(struct buf_view v, size_t off)
{
	return off < v.len ? buf_view(v.p + off, v.len - off) : buf_view(NULL, 0);
}

/* ---- reader cursor ---- */

struct buf_reader {
	struct buf_view v;
	size_t pos;
	bool err; /* sticky: set by the first read that did not fit */
};

static inline struct buf_reader buf_reader(struct buf_view v)
{
	struct buf_reader r = { v, 0, false };
	return r;
}

static inline size_t buf_remaining(const struct buf_reader *r)
{
	return r->v.len - r->pos;
}

/* Reserve n bytes at the cursor: their start, or NULL (and err set). */
static inline const uint8_t *buf__advance(struct buf_reader *r, size_t n)
{
	if (r->err || n > r->v.len - r->pos) {
		r->err = true;
		return NULL;
	}
	const uint8_t *p = r->v.p + r->pos;
	r->pos += n;
	return p;
}

/* buf_read_u8, buf_read_be16 ... : the value, or 0 (and err set) when
 * fewer bytes remain; buf_write_u8 ... store or set err. Generated for
 * every type at the end of this file. */

static inline void buf_read_bytes(struct buf_reader *r, void *dst, size_t n)
{
	const uint8_t *p = buf__advance(r, n);
	if (p && n)
		memcpy(dst, p, n);
}

static inline void buf_skip(struct buf_reader *r, size_t n)
{
	(void)buf__advance(r, n);
}

/* The next n bytes as a view (empty on error). */
static inline struct buf_view buf_take(struct buf_reader *r, size_t n)
{
	const uint8_t *p = buf__advance(r, n);
	return p ? buf_view(p, n) : buf_view(NULL, 0);
}

/* Everything left, consumed. */
static inline struct buf_view buf_take_rest(struct buf_reader *r)
{
	return buf_take(r, r->err ? 0 : buf_remaining(r));
}

/* ---- writer cursor ---- */

struct buf_writer {
	struct buf_mview v;
	size_t pos; /* bytes written so far */
	bool err;   /* sticky: set by the first write that did not fit */
};

static inline struct buf_writer buf_writer(struct buf_mview v)
{
	struct buf_writer w = { v, 0, false };
	return w;
}

static inline size_t buf_room(const struct buf_writer *w)
{
	return w->v.len - w->pos;
}

static inline uint8_t *buf__wadvance(struct buf_writer *w, size_t n)
{
	if (w->err || n > w->v.len - w->pos) {
		w->err = true;
		return NULL;
	}
	uint8_t *p = w->v.p + w->pos;
	w->pos += n;
	return p;
}

static inline void buf_write_bytes(struct buf_writer *w, const void *src, size_t n)
{
	uint8_t *p = buf__wadvance(w, n);
	if (p && n)
		memcpy(p, src, n);
}

static inline void buf_write_fill(struct buf_writer *w, uint8_t c, size_t n)
{
	uint8_t *p = buf__wadvance(w, n);
	if (p && n)
		memset(p, c, n);
}

/* Reserve n bytes to fill in later (a length or checksum field): their
 * position as a writable view, empty on error. */
static inline struct buf_mview buf_reserve(struct buf_writer *w, size_t n)
{
	uint8_t *p = buf__wadvance(w, n);
	return p ? buf_mview(p, n) : buf_mview(NULL, 0);
}

/* What has been written so far. */
static inline struct buf_view buf_written(const struct buf_writer *w)
{
	return buf_view(w->v.p, w->pos);
}

#define BUF__CURSOR(name, type, size, load)                                    \
	static inline type buf_read_##name(struct buf_reader *r)               \
	{                                                                      \
		const uint8_t *p = buf__advance(r, size);                      \
		return p ? load(p) : 0;                                        \
	}                                                                      \
	static inline void buf_write_##name(struct buf_writer *w, type v)      \
	{                                                                      \
		uint8_t *p = buf__wadvance(w, size);                           \
		if (p)                                                         \
			BUF__STORE_##name(p, v);                               \
	}

BUF__CURSOR(u8, uint8_t, 1, buf__load_u8)
BUF__CURSOR(be16, uint16_t, 2, buf_load_be16)
BUF__CURSOR(be32, uint32_t, 4, buf_load_be32)
BUF__CURSOR(be64, uint64_t, 8, buf_load_be64)
BUF__CURSOR(le16, uint16_t, 2, buf_load_le16)
BUF__CURSOR(le32, uint32_t, 4, buf_load_le32)

#endif
