/* www connections: one fiber each. It reads into a fixed buffer, answers
 * every complete request found there in order (pipelining), sends the
 * batch of responses in one gather write, and waits for more until the
 * client closes, asks to close, errs, or stays idle too long. A file in
 * memory is sent straight from the store (zero copy); any other is read
 * in chunks through the connection's output buffer. */
#include <stdlib.h>
#include <string.h>

#include "lib/fmt.h"
#include "lib/log.h"
#include "www.h"

LOG_SOURCE(http);

struct conn {
	struct www *w;
	struct stack_flow *flow;
	uint64_t skip;      /* body bytes of the last request still to discard */
	size_t start, have; /* rbuf[start..have) is not parsed yet */
	uint64_t head_deadline; /* when the request being received must be complete, 0 = not set */
	bool close;         /* close once the queued responses are sent */
	uint16_t status;    /* of the last response, for the log */
	struct http_parser parser;
	unsigned niov;
	size_t oused;       /* obuf bytes queued */
	struct io_vec iov[WWW_OUT_IOV];
	char obuf[WWW_OBUF];
	char rbuf[WWW_RBUF];
};

static const struct http_limits limits = {
	.max_target = WWW_MAX_TARGET,
	.max_head = WWW_RBUF,
	.max_fields = WWW_MAX_FIELDS,
};

/* The most header bytes one response writes, apart from a Location. */
#define HDR_MAX 640u

/* Small bodies for the statuses that have one. */
#define PAGE(code, reason, text)                                                                   \
	"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" code " " reason                \
	"</title></head>\n<body><h1>" code " " reason "</h1>\n<p>" text "</p>\n<hr><p>synth www</p>" \
	"</body></html>\n"

static const struct {
	int status;
	const char *body;
} pages[] = {
	{ 301, PAGE("301", "Moved Permanently", "The document is a folder: add a slash.") },
	{ 400, PAGE("400", "Bad Request", "The server could not understand this request.") },
	{ 404, PAGE("404", "Not Found", "There is no such page here.") },
	{ 405, PAGE("405", "Method Not Allowed", "This server only answers GET and HEAD.") },
	{ 414, PAGE("414", "URI Too Long", "The requested address is too long.") },
	{ 431, PAGE("431", "Request Header Fields Too Large", "The request header is too large.") },
	{ 500, PAGE("500", "Internal Server Error", "The file could not be read.") },
	{ 501, PAGE("501", "Not Implemented", "Request bodies in chunks are not supported.") },
	{ 505, PAGE("505", "HTTP Version Not Supported", "This server speaks HTTP/1.0 and HTTP/1.1.") },
};

static const char *page_for(int status)
{
	for (size_t i = 0; i < sizeof pages / sizeof pages[0]; i++)
		if (pages[i].status == status)
			return pages[i].body;
	return page_for(500);
}

static char *put(char *o, const char *s, size_t n)
{
	memcpy(o, s, n);
	return o + n;
}
#define PUT(o, lit) put((o), lit, sizeof lit - 1)

void www_refresh_date(struct www *w)
{
	int64_t now = clock_wall_ns(w->clock) / 1000000000;
	if (now == w->date_s)
		return;
	w->date_s = now;
	char *o = PUT(w->server_date, "Server: synth\r\nDate: ");
	http_format_date(now, o);
	o = PUT(o + HTTP_DATE_LEN, "\r\n");
	w->server_date_len = (uint8_t)(o - w->server_date);
}

static uint64_t deadline(const struct conn *c)
{
	return clock_monotonic_ns(c->w->clock) + c->w->idle_ns;
}

/* ---- the output queue: header bytes in obuf, bodies by reference ------- */

static int out_flush(struct conn *c)
{
	if (c->niov == 0)
		return 0;
	long rc = stack_tcp_writev(c->w->net, c->flow, c->iov, c->niov, deadline(c));
	c->niov = 0;
	c->oused = 0;
	return rc < 0 ? (int)rc : 0;
}

/* Make room for n bytes in obuf and k more vector entries. */
static int out_reserve(struct conn *c, size_t n, unsigned k)
{
	if (c->oused + n > WWW_OBUF || c->niov + k > WWW_OUT_IOV)
		return out_flush(c);
	return 0;
}

/* n bytes were written at obuf + oused: queue them, growing the last
 * entry when it ends right there (headers of a pipelined batch). */
static void out_commit(struct conn *c, size_t n)
{
	char *p = c->obuf + c->oused;
	struct io_vec *last = c->niov ? &c->iov[c->niov - 1] : NULL;
	if (last && (const char *)last->base + last->len == p)
		last->len += n;
	else
		c->iov[c->niov++] = (struct io_vec){ p, n };
	c->oused += n;
}

/* Queue bytes that stay put until the next flush (static text, a file's
 * bytes in memory). */
static void out_ref(struct conn *c, const void *p, size_t n)
{
	if (n)
		c->iov[c->niov++] = (struct io_vec){ p, n };
}

/* A large body goes out in slices, each write with its own deadline, so
 * the idle timeout bounds a stalled client, not the whole transfer. */
#define SLICE (64u * 1024u)

static int out_ref_large(struct conn *c, const char *p, size_t n)
{
	while (n > SLICE) {
		out_ref(c, p, SLICE);
		int rc = out_flush(c);
		if (rc < 0)
			return rc;
		p += SLICE;
		n -= SLICE;
	}
	out_ref(c, p, n);
	return 0;
}

/* ---- responses ------------------------------------------------------------ */

static char *put_status(struct conn *c, char *o, int status)
{
	c->status = (uint16_t)status;
	const char *reason = http_reason(status);
	o = PUT(o, "HTTP/1.1 ");
	*o++ = (char)('0' + status / 100);
	*o++ = (char)('0' + status / 10 % 10);
	*o++ = (char)('0' + status % 10);
	*o++ = ' ';
	o = put(o, reason, strlen(reason));
	o = PUT(o, "\r\n");
	return put(o, c->w->server_date, c->w->server_date_len);
}

/* The Connection field and the empty line that ends the header. An
 * HTTP/1.0 client only keeps the connection when told so. */
static char *put_end(const struct conn *c, char *o, const struct http_request *req)
{
	if (c->close)
		o = PUT(o, "Connection: close\r\n");
	else if (req && req->version_minor == 0)
		o = PUT(o, "Connection: keep-alive\r\n");
	return PUT(o, "\r\n");
}

/* An error or redirect with its small HTML body. location (loc_len bytes)
 * is the Location of a 301. */
static int respond_status(struct conn *c, int status, const struct http_request *req,
                          const char *location, size_t loc_len, const char *query, size_t query_len)
{
	const char *body = page_for(status);
	size_t blen = strlen(body);
	int rc = out_reserve(c, HDR_MAX + loc_len + query_len, 2);
	if (rc < 0)
		return rc;
	char *o0 = c->obuf + c->oused, *o = put_status(c, o0, status);
	o = PUT(o, "Content-Type: text/html; charset=utf-8\r\nContent-Length: ");
	o += fmt_u64(o, blen);
	o = PUT(o, "\r\n");
	if (status == HTTP_METHOD_NOT_ALLOWED)
		o = PUT(o, "Allow: GET, HEAD\r\n");
	if (location) {
		o = PUT(o, "Location: ");
		o = put(o, location, loc_len);
		o = PUT(o, "/");
		o = put(o, query, query_len);
		o = PUT(o, "\r\n");
	}
	o = put_end(c, o, req);
	out_commit(c, (size_t)(o - o0));
	if (!req || req->method != HTTP_METHOD_HEAD)
		out_ref(c, body, blen);
	return 0;
}

/* If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2). */
static bool not_modified(const struct http_request *req, const struct www_file *e)
{
	if (req->if_none_match.len)
		return http_etag_match(req->if_none_match.p, req->if_none_match.len, e->etag, e->etag_len);
	int64_t since;
	return req->if_modified_since.len && e->mtime_s >= 0 &&
	       http_parse_date(req->if_modified_since.p, req->if_modified_since.len, &since) == 0 &&
	       e->mtime_s <= since;
}

/* Read a file that is not in memory through obuf, in chunks. */
static int stream(struct conn *c, struct www_file *e)
{
	uint64_t off = 0, size = e->f.size;
	while (off < size) {
		if (WWW_OBUF - c->oused < 1024 || c->niov >= WWW_OUT_IOV) {
			int rc = out_flush(c);
			if (rc < 0)
				return rc;
		}
		size_t room = WWW_OBUF - c->oused;
		size_t want = size - off < room ? (size_t)(size - off) : room;
		long n = kv_pread(c->w->kv, &e->f, c->obuf + c->oused, want, off);
		if (n <= 0) {
			/* The file shrank or failed under us: the promised length
			 * cannot be kept, so the connection must end. */
			log_warn(http, "reading a file at offset %llu failed: %ld", (unsigned long long)off, n);
			return n < 0 ? (int)n : -EIO;
		}
		out_commit(c, (size_t)n);
		off += (uint64_t)n;
	}
	return 0;
}

static int serve_file(struct conn *c, const struct http_request *req, struct www_file *e)
{
	bool fresh = !not_modified(req, e);
	int rc = out_reserve(c, HDR_MAX, 2);
	if (rc < 0)
		return rc;
	char *o0 = c->obuf + c->oused;
	char *o = put_status(c, o0, fresh ? HTTP_OK : HTTP_NOT_MODIFIED);
	if (fresh)
		o = put(o, e->hdr, e->hdr_len);
	else
		o = put(o, e->hdr + e->validators, e->hdr_len - e->validators);
	o = put_end(c, o, req);
	out_commit(c, (size_t)(o - o0));
	if (!fresh || req->method == HTTP_METHOD_HEAD || e->f.size == 0)
		return 0;
	if (e->f.data)
		return out_ref_large(c, e->f.data, (size_t)e->f.size);
	return stream(c, e);
}

/* A kv path for a request: "index.html" stands for a folder. */
static int answer(struct conn *c, const struct http_request *req)
{
	struct www *w = c->w;
	char path[KV_PATH_MAX + 16];
	bool dir;

	if (req->method == HTTP_METHOD_OTHER)
		return respond_status(c, HTTP_METHOD_NOT_ALLOWED, req, NULL, 0, NULL, 0);
	long n = http_target_to_path(req->target.p, req->target.len, path, KV_PATH_MAX, &dir);
	if (n < 0)
		return respond_status(c, (int)-n, req, NULL, 0, NULL, 0);
	if (dir) {
		if (n > 0)
			path[n++] = '/';
		memcpy(path + n, "index.html", 11);
		n += 10;
	}

	struct www_file *e = www_cache_find(w, path, (size_t)n);
	if (e)
		return serve_file(c, req, e);

	struct kv_file f;
	int rc = kv_open(w->kv, path, (size_t)n, &f);
	if (rc < 0) {
		if (rc != -ENOENT && rc != -ENOTDIR)
			log_debug(http, "opening '%s': error %d", path, rc);
		return respond_status(c, HTTP_NOT_FOUND, req, NULL, 0, NULL, 0);
	}
	if (f.flags & KV_DIR) {
		kv_close(w->kv, &f);
		if (dir)
			return respond_status(c, HTTP_NOT_FOUND, req, NULL, 0, NULL, 0);
		/* A folder named without its slash: send the client to the
		 * slashed name, so relative links in its index resolve. */
		size_t plen = http_target_path_len(req->target.p, req->target.len);
		return respond_status(c, HTTP_MOVED_PERMANENTLY, req, req->target.p, plen,
		                      req->target.p + plen, req->target.len - plen);
	}

	if (f.data && f.size > 0) {
		/* In memory: describe it once and keep it. */
		e = malloc(sizeof *e + (size_t)n + 1);
		if (e) {
			e->f = f;
			e->path_len = (uint32_t)n;
			memcpy(e->path, path, (size_t)n + 1);
			www_file_describe(e, path, (size_t)n);
			if (www_cache_add(w, e))
				return serve_file(c, req, e);
			free(e);
		}
	}
	struct www_file tmp;
	tmp.f = f;
	www_file_describe(&tmp, path, (size_t)n);
	rc = serve_file(c, req, &tmp);
	/* The queue may point into the file's memory: send before closing. */
	if (rc == 0 && f.data)
		rc = out_flush(c);
	kv_close(w->kv, &f);
	return rc;
}

static void log_request(const struct conn *c, const struct http_request *req)
{
	log_debug(http, "%.*s %.*s HTTP/1.%u -> %u%s", (int)req->method_text.len, req->method_text.p,
	          (int)req->target.len, req->target.p, req->version_minor, c->status,
	          c->close ? " (close)" : "");
}

/* After the last response of a connection the server closes: stop
 * sending, then read and drop what the client still sends for a while,
 * so that unread bytes do not make the kernel answer with a reset that
 * could destroy the response before the client has read it. */
static void linger(struct conn *c)
{
	uint64_t t = c->w->idle_ns < 2000000000u ? c->w->idle_ns : 2000000000u;
	uint64_t until = clock_monotonic_ns(c->w->clock) + t;
	size_t dropped = 0;

	if (stack_tcp_shutdown(c->w->net, c->flow, STACK_SHUT_WR) < 0)
		return;
	while (dropped < 1024 * 1024) {
		long n = stack_tcp_read(c->w->net, c->flow, c->rbuf, WWW_RBUF, until);
		if (n <= 0)
			break;
		dropped += (size_t)n;
	}
}

static void conn_main(void *arg)
{
	struct conn *c = arg;
	struct www *w = c->w;

	for (;;) {
		unsigned served = 0;
		www_refresh_date(w);
		while (!c->close && c->start < c->have) {
			if (c->skip) {
				size_t k = c->have - c->start;
				if (k > c->skip)
					k = (size_t)c->skip;
				c->start += k;
				c->skip -= k;
				continue;
			}
			struct http_request req;
			long n = http_parse(&c->parser, c->rbuf + c->start, c->have - c->start, &limits, &req);
			if (n == 0)
				break;
			http_parser_init(&c->parser);
			served++;
			if (n < 0) {
				log_debug(http, "bad request: %ld", -n);
				c->close = true;
				if (respond_status(c, (int)-n, NULL, NULL, 0, NULL, 0) < 0)
					goto drop;
				break;
			}
			c->start += (size_t)n;
			c->skip = req.content_length;
			c->head_deadline = 0; /* the next request's clock starts when it is awaited */
			if (!req.keep_alive)
				c->close = true;
			if (answer(c, &req) < 0)
				goto drop;
			log_request(c, &req);
		}
		if (out_flush(c) < 0)
			goto drop;
		if (c->close)
			break;
		if (c->start > 0) {
			memmove(c->rbuf, c->rbuf + c->start, c->have - c->start);
			c->have -= c->start;
			c->start = 0;
		}
		/* A client pipelining without pause never makes this fiber
		 * wait: let the others run now and then. */
		if (served >= 32)
			fiber_yield();
		/* A request must arrive whole within the idle timeout of its
		 * first byte: trickling bytes do not extend it. */
		if (c->head_deadline == 0)
			c->head_deadline = deadline(c);
		long n = stack_tcp_read(w->net, c->flow, c->rbuf + c->have, WWW_RBUF - c->have,
		                        c->head_deadline);
		if (n <= 0) {
			if (n < 0 && n != -ETIMEDOUT && n != -ECONNRESET)
				log_debug(http, "read: error %ld", n);
			goto drop;
		}
		c->have += (size_t)n;
	}
	linger(c);
drop:
	stack_tcp_close(w->net, c->flow);
	free(c);
	w->active--;
	cond_signal(&w->slot);
}

void www_conn_start(struct www *w, struct stack_flow *flow)
{
	struct conn *c = malloc(sizeof *c);
	struct fiber *f = NULL;

	if (c) {
		c->w = w;
		c->flow = flow;
		c->skip = 0;
		c->start = c->have = 0;
		c->head_deadline = 0;
		c->close = false;
		c->niov = 0;
		c->oused = 0;
		http_parser_init(&c->parser);
		f = fiber_spawn(conn_main, c, "www-conn", WWW_FIBER_STACK);
	}
	if (!f) {
		log_warn(http, "out of memory for a connection: closing it");
		stack_tcp_close(w->net, flow);
		free(c);
		return;
	}
	fiber_detach(f);
	w->active++;
}
