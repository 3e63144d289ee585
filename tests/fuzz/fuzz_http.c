/* libFuzzer harness for protocols/http.c: the request parser must give
 * the same answer however the bytes are split, never read outside them,
 * and every path it lets through must be a safe kv path. The date and
 * entity-tag helpers get the same bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "protocols/http.h"

static const struct http_limits lim = { .max_target = 256, .max_head = 2048, .max_fields = 32 };

static void check_path(const struct http_request *r)
{
	char out[300];
	bool dir;
	long n = http_target_to_path(r->target.p, r->target.len, out, sizeof out, &dir);
	if (n < 0) {
		if (n != -400 && n != -414)
			abort();
		return;
	}
	if ((size_t)n != strlen(out) || (n > 0 && out[0] == '/'))
		abort();
	/* No empty, "." or ".." segment; no backslash or control byte. */
	const char *s = out;
	for (;;) {
		const char *e = strchr(s, '/');
		size_t len = e ? (size_t)(e - s) : strlen(s);
		if ((len == 0 && n > 0) || (len == 1 && s[0] == '.') || (len == 2 && s[0] == '.' && s[1] == '.'))
			abort();
		for (size_t i = 0; i < len; i++)
			if (s[i] == '\\' || (unsigned char)s[i] < 0x20 || s[i] == 0x7f)
				abort();
		if (!e)
			break;
		s = e + 1;
	}
}

static void within(const char *buf, size_t len, struct http_str s)
{
	if (s.len && (s.p < buf || s.p + s.len > buf + len)) {
		/* Only the absolute-form "/" lives elsewhere. */
		if (!(s.len == 1 && s.p[0] == '/'))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size copy, so reading one byte too far trips ASan. */
	char *buf = malloc(size ? size : 1);
	memcpy(buf, data, size);

	struct http_parser p;
	struct http_request whole, part;
	http_parser_init(&p);
	long want = http_parse(&p, buf, size, &lim, &whole);
	if (want > (long)size || (want < 0 && want != -400 && want != -414 && want != -431 &&
	                          want != -501 && want != -505))
		abort();
	if (want > 0) {
		if ((size_t)want != whole.head_len)
			abort();
		within(buf, size, whole.target);
		within(buf, size, whole.host);
		within(buf, size, whole.method_text);
		within(buf, size, whole.if_none_match);
		within(buf, size, whole.if_modified_since);
		check_path(&whole);
	}

	/* Feed the same bytes in pieces whose sizes come from the input. */
	http_parser_init(&p);
	long rc = 0;
	size_t have = 0, step = 1;
	while (have < size && rc == 0) {
		step = (step * 7 + (unsigned char)buf[have]) % 61 + 1;
		have = have + step > size ? size : have + step;
		rc = http_parse(&p, buf, have, &lim, &part);
	}
	/* The answer depends only on the bytes, never on how they came in
	 * (an error may be seen on a prefix, but it is the same error). */
	if (rc != want)
		abort();
	if (want > 0 && (part.target.len != whole.target.len || part.keep_alive != whole.keep_alive ||
	                 part.content_length != whole.content_length))
		abort();

	int64_t t;
	if (http_parse_date(buf, size, &t) == 0) {
		char d[HTTP_DATE_LEN];
		int64_t back;
		http_format_date(t, d);
		if (http_parse_date(d, sizeof d, &back) != 0 || back != t)
			abort();
	}
	http_etag_match(buf, size, "\"264-5f3a\"", 10);
	free(buf);
	return 0;
}
