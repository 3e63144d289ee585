/* HTTP/1.x request parsing for servers: an incremental, zero-copy parser
 * of the request head (request line and header fields) over a byte
 * buffer, the request-target to kv-path mapping that refuses traversal,
 * HTTP dates and entity-tag matching. Pure functions over bytes: no
 * device, no allocation, no OS. */
#ifndef SYNTH_PROTOCOLS_HTTP_H
#define SYNTH_PROTOCOLS_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Status codes the parser and the path mapping return (negated). */
enum http_status {
	HTTP_OK = 200,
	HTTP_MOVED_PERMANENTLY = 301,
	HTTP_NOT_MODIFIED = 304,
	HTTP_BAD_REQUEST = 400,
	HTTP_NOT_FOUND = 404,
	HTTP_METHOD_NOT_ALLOWED = 405,
	HTTP_URI_TOO_LONG = 414,
	HTTP_FIELDS_TOO_LARGE = 431,
	HTTP_NOT_IMPLEMENTED = 501,
	HTTP_VERSION_NOT_SUPPORTED = 505
};

/* The reason phrase of a status ("Not Found"), "" for one not listed. */
const char *http_reason(int status);

enum http_method {
	HTTP_METHOD_OTHER = 0, /* any other token: the raw text is in req->method */
	HTTP_METHOD_GET,
	HTTP_METHOD_HEAD
};

/* Bounds on one request head. A head that breaks one is answered with
 * the status shown; the parser reports it as soon as the bytes received
 * prove it, without waiting for the rest. */
struct http_limits {
	uint32_t max_target; /* request-target bytes -> 414 */
	uint32_t max_head;   /* request line + fields + the empty line -> 431 */
	uint32_t max_fields; /* header field lines -> 431 */
};

/* A piece of the caller's buffer. */
struct http_str {
	const char *p;
	size_t len;
};

/* A parsed request head. Every http_str points into the buffer given to
 * http_parse (or is empty), so it is valid while those bytes stay put. */
struct http_request {
	enum http_method method;
	struct http_str method_text;
	struct http_str target;        /* origin-form path and query; for an absolute-form
	                                  target, its path and query ("/" when it has none) */
	struct http_str host;          /* Host field, or the authority of an absolute-form target */
	struct http_str if_none_match; /* first If-None-Match field, empty when absent */
	struct http_str if_modified_since;
	uint8_t version_minor;         /* HTTP/1.x: 0 or 1 (1.2+ are treated as 1.1) */
	bool keep_alive;               /* the connection persists after the response */
	uint64_t content_length;       /* body bytes that follow the head */
	uint32_t nfields;
	size_t head_len;               /* bytes of the head, the empty line included */
};

/* Resume state of one request being parsed. Offsets are relative to the
 * start of the request, so the caller may move the bytes between calls
 * (to the front of its buffer, say) as long as the request keeps its
 * first byte at buf[0]. */
struct http_parser {
	uint32_t line;    /* where the line being parsed starts */
	uint32_t scanned; /* bytes from line on known to hold no LF */
	uint8_t in_fields;
	uint8_t minor;
	uint8_t flags;
	uint8_t method;
	uint32_t method_off, method_len;
	uint32_t target_off, target_len;
	uint32_t host_off, host_len;
	uint32_t inm_off, inm_len;
	uint32_t ims_off, ims_len;
	uint32_t nfields;
	uint64_t content_length;
};

void http_parser_init(struct http_parser *p);

/* Parse the request head in buf[0..len), resuming where the previous call
 * on p stopped. Returns:
 *   > 0  the head is complete and is that many bytes; *req is filled
 *        (its body, content_length bytes, follows);
 *     0  more bytes are needed: call again with these bytes and more;
 *   < 0  the request is malformed: the negated status to answer with
 *        (400, 414, 431, 501 for Transfer-Encoding, 505), after which the
 *        connection cannot be trusted and should be closed.
 * Leading empty lines before the request line are skipped (RFC 9112 2.2).
 * After a result other than 0, call http_parser_init before the next
 * request. */
long http_parse(struct http_parser *p, const char *buf, size_t len, const struct http_limits *lim,
                struct http_request *req);

/* Map a request-target's path to a kv path: the query is dropped,
 * %XX escapes are decoded, empty segments ("//") are merged, and the
 * leading '/' is removed, so "/docs/a%20b.html?x" gives "docs/a b.html".
 * Refuses, never repairs: "." and ".." segments (also written %2e), an
 * encoded '/' or '\\', a raw '\\', NUL and other control bytes, a bad
 * escape, or a target not starting with '/' give -400; a result that
 * does not fit in outsz-1 bytes gives -414. On success returns the length
 * (out is NUL-terminated) and sets *dir when the path ends with '/' (it
 * names a folder; "/" gives "" with *dir set). */
long http_target_to_path(const char *target, size_t len, char *out, size_t outsz, bool *dir);

/* The length of target's path, the part before any '?' or '#'. */
size_t http_target_path_len(const char *target, size_t len);

/* IMF-fixdate, e.g. "Sun, 06 Nov 1994 08:49:37 GMT": exactly
 * HTTP_DATE_LEN bytes (no NUL is written). */
#define HTTP_DATE_LEN 29
void http_format_date(int64_t unix_seconds, char out[HTTP_DATE_LEN]);

/* Parse an HTTP-date in any of the three forms RFC 9110 5.6.7 requires a
 * recipient to accept (IMF-fixdate, RFC 850, asctime). Returns 0 and the
 * UNIX time, or -1 when the text is not a valid date. */
int http_parse_date(const char *s, size_t len, int64_t *unix_seconds);

/* Whether an If-None-Match field value (a list of entity-tags, or "*")
 * matches etag (with its quotes, e.g. "\"264-5f3a\""), using the weak
 * comparison RFC 9110 13.1.2 prescribes for GET and HEAD. */
bool http_etag_match(const char *list, size_t len, const char *etag, size_t etag_len);

#endif
