/* Unit tests for protocols/http.c: every status the request parser can
 * return, the same answer whichever way the bytes are split, keep-alive
 * rules, the target-to-path mapping (traversal refused in every
 * spelling), HTTP dates and entity-tag matching. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "protocols/http.h"

static const struct http_limits lim = { .max_target = 64, .max_head = 512, .max_fields = 8 };

/* Parse text fed in one piece. */
static long parse_all(const char *text, size_t len, struct http_request *req)
{
	struct http_parser p;
	http_parser_init(&p);
	return http_parse(&p, text, len, &lim, req);
}

static long parse(const char *text, struct http_request *req)
{
	return parse_all(text, strlen(text), req);
}

/* Feed text one byte at a time, as a slow client would, into a buffer
 * that grows by one byte per call. Returns the first non-zero result, or
 * 0 if the bytes end first. Also checks that no prefix was reported
 * complete with a different length. */
static long parse_bytewise(const char *text, size_t len, struct http_request *req)
{
	struct http_parser p;
	http_parser_init(&p);
	char *buf = malloc(len + 1);
	long rc = 0;
	for (size_t n = 1; n <= len; n++) {
		buf[n - 1] = text[n - 1];
		rc = http_parse(&p, buf, n, &lim, req);
		if (rc != 0)
			break;
	}
	free(buf);
	return rc;
}

/* Split text in two at every position: the first call sees the prefix,
 * the second the whole. Every split must give the one-piece answer
 * (errors may be reported early, on the prefix, but must be the same). */
static void check_splits(const char *text, const char *what)
{
	size_t len = strlen(text);
	struct http_request whole, part;
	long want = parse_all(text, len, &whole);
	for (size_t k = 0; k <= len; k++) {
		struct http_parser p;
		http_parser_init(&p);
		long rc = http_parse(&p, text, k, &lim, &part);
		if (rc == 0)
			rc = http_parse(&p, text, len, &lim, &part);
		if (rc != want) {
			fprintf(stderr, "%s: split at %zu gives %ld, whole gives %ld\n", what, k, rc, want);
			CHECK(rc == want);
			return;
		}
		if (want > 0) {
			CHECK(part.target.len == whole.target.len &&
			      memcmp(part.target.p, whole.target.p, whole.target.len) == 0);
			CHECK_EQ_INT(part.keep_alive, whole.keep_alive);
		}
	}
	struct http_request one;
	CHECK_EQ_INT(parse_bytewise(text, len, &one), want);
}

static bool str_is(struct http_str s, const char *want)
{
	return s.len == strlen(want) && memcmp(s.p, want, s.len) == 0;
}

static void test_simple_get(void)
{
	struct http_request r;
	const char *t = "GET /index.html?x=1 HTTP/1.1\r\nHost: example.org\r\nUser-Agent: t\r\n\r\n";
	CHECK_EQ_INT(parse(t, &r), (long)strlen(t));
	CHECK_EQ_INT(r.method, HTTP_METHOD_GET);
	CHECK(str_is(r.method_text, "GET"));
	CHECK(str_is(r.target, "/index.html?x=1"));
	CHECK(str_is(r.host, "example.org"));
	CHECK_EQ_INT(r.version_minor, 1);
	CHECK(r.keep_alive);
	CHECK_EQ_INT(r.nfields, 2);
	CHECK_EQ_INT(r.content_length, 0);
	CHECK_EQ_INT(r.if_none_match.len, 0);
	CHECK_EQ_INT(r.head_len, strlen(t));

	t = "HEAD / HTTP/1.0\r\n\r\n";
	CHECK_EQ_INT(parse(t, &r), (long)strlen(t));
	CHECK_EQ_INT(r.method, HTTP_METHOD_HEAD);
	CHECK_EQ_INT(r.version_minor, 0);
	CHECK(!r.keep_alive);
	CHECK_EQ_INT(r.host.len, 0);

	t = "DELETE /x HTTP/1.1\r\nHost: h\r\n\r\n";
	CHECK_EQ_INT(parse(t, &r), (long)strlen(t));
	CHECK_EQ_INT(r.method, HTTP_METHOD_OTHER);
	CHECK(str_is(r.method_text, "DELETE"));
	/* Methods are case-sensitive: "get" is some other method. */
	t = "get / HTTP/1.1\r\nHost: h\r\n\r\n";
	CHECK_EQ_INT(parse(t, &r), (long)strlen(t));
	CHECK_EQ_INT(r.method, HTTP_METHOD_OTHER);
}

static void test_fields(void)
{
	struct http_request r;
	const char *t = "GET / HTTP/1.1\r\nhOsT:h:8080\r\nIf-None-Match:  \"a\", W/\"b\" \t\r\n"
	                "If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
	                "X-Empty:\r\nX-Obs: caf\xc3\xa9\r\n\r\n";
	CHECK_EQ_INT(parse(t, &r), (long)strlen(t));
	CHECK(str_is(r.host, "h:8080"));
	CHECK(str_is(r.if_none_match, "\"a\", W/\"b\""));
	CHECK(str_is(r.if_modified_since, "Sun, 06 Nov 1994 08:49:37 GMT"));
	CHECK_EQ_INT(r.nfields, 5);

	t = "GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 12\r\n\r\nhello world!";
	CHECK_EQ_INT(parse(t, &r), (long)strlen(t) - 12);
	CHECK_EQ_INT(r.content_length, 12);
	/* The same length twice is harmless. */
	t = "GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\ncontent-length: 3\r\n\r\n";
	CHECK_EQ_INT(parse(t, &r), (long)strlen(t));
	CHECK_EQ_INT(r.content_length, 3);
}

static void test_keep_alive(void)
{
	struct http_request r;
	CHECK(parse("GET / HTTP/1.1\r\nHost: h\r\n\r\n", &r) > 0 && r.keep_alive);
	CHECK(parse("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n", &r) > 0 && !r.keep_alive);
	CHECK(parse("GET / HTTP/1.1\r\nHost: h\r\nConnection: Upgrade, CLOSE\r\n\r\n", &r) > 0 &&
	      !r.keep_alive);
	CHECK(parse("GET / HTTP/1.1\r\nHost: h\r\nConnection: closed\r\n\r\n", &r) > 0 && r.keep_alive);
	CHECK(parse("GET / HTTP/1.0\r\n\r\n", &r) > 0 && !r.keep_alive);
	CHECK(parse("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", &r) > 0 && r.keep_alive);
	CHECK(parse("GET / HTTP/1.0\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n", &r) > 0 &&
	      !r.keep_alive);
	/* 1.2 is read as 1.1 (RFC 9110 2.5). */
	CHECK(parse("GET / HTTP/1.2\r\nHost: h\r\n\r\n", &r) > 0 && r.keep_alive && r.version_minor == 1);
}

static void test_target_forms(void)
{
	struct http_request r;
	CHECK(parse("GET http://Example.org:80/a/b?q HTTP/1.1\r\nHost: other\r\n\r\n", &r) > 0);
	CHECK(str_is(r.target, "/a/b?q"));
	CHECK(str_is(r.host, "Example.org:80"));
	CHECK(parse("GET HTTPS://example.org HTTP/1.1\r\nHost: x\r\n\r\n", &r) > 0);
	CHECK(str_is(r.target, "/"));
	CHECK(str_is(r.host, "example.org"));
	CHECK(parse("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n", &r) > 0);
	CHECK(str_is(r.target, "*"));
	CHECK_EQ_INT(parse("GET ftp://x/ HTTP/1.1\r\nHost: h\r\n\r\n", &r), -400);
	CHECK_EQ_INT(parse("GET index.html HTTP/1.1\r\nHost: h\r\n\r\n", &r), -400);
	CHECK_EQ_INT(parse("CONNECT example.org:443 HTTP/1.1\r\nHost: h\r\n\r\n", &r), -400);
}

/* Every malformed request, with the status it must get, fed whole, split
 * everywhere, and byte by byte. */
static const struct {
	const char *text;
	long want;
} bad[] = {
	/* 400: framing and syntax */
	{ "GET / HTTP/1.1\nHost: h\r\n\r\n", -400 },         /* bare LF ends the request line */
	{ "GET / HTTP/1.1\r\nHost: h\n\r\n", -400 },         /* bare LF ends a field */
	{ "GET / HTTP/1.1\r\nHost: h\r\n\n", -400 },         /* bare LF as the empty line */
	{ "GET / HTTP/1.1\r\nHost: h\rX: y\r\n\r\n", -400 }, /* CR inside a line */
	{ "GET  / HTTP/1.1\r\nHost: h\r\n\r\n", -400 },      /* two spaces */
	{ "GET / HTTP/1.1 \r\nHost: h\r\n\r\n", -400 },      /* trailing space */
	{ " GET / HTTP/1.1\r\nHost: h\r\n\r\n", -400 },      /* leading space */
	{ "GET\t/ HTTP/1.1\r\nHost: h\r\n\r\n", -400 },      /* tab is not a separator */
	{ "GET /\r\n\r\n", -400 },                           /* HTTP/0.9 form */
	{ "G(T / HTTP/1.1\r\nHost: h\r\n\r\n", -400 },       /* not a token */
	{ "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", -400 }, /* a TLS hello, early */
	{ "GET /a\x7f HTTP/1.1\r\nHost: h\r\n\r\n", -400 },  /* DEL in the target */
	{ "GET /\xc3\xa9 HTTP/1.1\r\nHost: h\r\n\r\n", -400 }, /* raw UTF-8 in the target */
	{ "GET / http/1.1\r\nHost: h\r\n\r\n", -400 },       /* version is case-sensitive */
	{ "GET / HTTP/1.10\r\nHost: h\r\n\r\n", -400 },
	{ "GET / HTTP/1\r\nHost: h\r\n\r\n", -400 },
	{ "GET / HTTP/a.1\r\nHost: h\r\n\r\n", -400 },
	{ "GET / HTTP/1.1\r\n\r\n", -400 },                  /* 1.1 without Host */
	{ "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", -400 },
	{ "GET / HTTP/1.1\r\nHost : h\r\n\r\n", -400 },      /* space before the colon */
	{ "GET / HTTP/1.1\r\nHost: h\r\n folded\r\n\r\n", -400 },
	{ "GET / HTTP/1.1\r\nHost: h\r\n\tfolded\r\n\r\n", -400 },
	{ "GET / HTTP/1.1\r\nHost: h\r\nNoColon\r\n\r\n", -400 },
	{ "GET / HTTP/1.1\r\nHost: h\r\n: empty-name\r\n\r\n", -400 },
	{ "GET / HTTP/1.1\r\nHost: h\r\nX: a\x01z\r\n\r\n", -400 },
	{ "GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 1x\r\n\r\n", -400 },
	{ "GET / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n", -400 },
	{ "GET / HTTP/1.1\r\nHost: h\r\nContent-Length:\r\n\r\n", -400 },
	{ "GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 1, 1\r\n\r\n", -400 },
	{ "GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 1234567890123456789\r\n\r\n", -400 },
	{ "GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", -400 },
	{ "GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", -400 },
	/* 414: the target alone is longer than max_target (64) */
	{ "GET /aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa HTTP/1.1\r\n"
	  "Host: h\r\n\r\n", -414 },
	{ "GET /aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", -414 },
	/* 431: too many fields (8), too many bytes (512) */
	{ "GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\nE: 5\r\nF: 6\r\nG: 7\r\nH: 8\r\n\r\n",
	  -431 },
	/* 501: chunked request bodies are not implemented */
	{ "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n", -501 },
	/* 505: another major version */
	{ "GET / HTTP/2.0\r\nHost: h\r\n\r\n", -505 },
	{ "GET / HTTP/0.9\r\n\r\n", -505 },
	{ "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", -505 },
};

static void test_bad(void)
{
	struct http_request r;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		const char *t = bad[i].text;
		long rc = parse_all(t, strlen(t), &r);
		if (rc != bad[i].want)
			fprintf(stderr, "bad[%zu]: got %ld, want %ld: %s\n", i, rc, bad[i].want, t);
		CHECK_EQ_INT(rc, bad[i].want);
		check_splits(t, t);
	}
	/* An embedded NUL in a field value (strlen cannot measure it). */
	static const char nul[] = "GET / HTTP/1.1\r\nHost: h\r\nX: a\0z\r\n\r\n";
	CHECK_EQ_INT(parse_all(nul, sizeof nul - 1, &r), -400);
	static const char nul_target[] = "GET /a\0b HTTP/1.1\r\nHost: h\r\n\r\n";
	CHECK_EQ_INT(parse_all(nul_target, sizeof nul_target - 1, &r), -400);
}

static void test_head_limit(void)
{
	struct http_request r;
	char big[2048];
	/* 431 from bytes: one long field, complete. */
	int n = snprintf(big, sizeof big, "GET / HTTP/1.1\r\nHost: h\r\nCookie: %0600d\r\n\r\n", 0);
	CHECK_EQ_INT(parse_all(big, (size_t)n, &r), -431);
	check_splits(big, "long field");
	/* ... and without the end: a full buffer is reported, not waited on. */
	CHECK_EQ_INT(parse_all(big, 512, &r), -431);
	CHECK_EQ_INT(parse_all(big, 511, &r), 0);
	/* Exactly max_head bytes is still fine; one more is not. */
	const char *head = "GET / HTTP/1.1\r\nHost: h\r\nX: ";
	size_t fixed = strlen(head) + 4;
	n = snprintf(big, sizeof big, "%s%0*d\r\n\r\n", head, (int)(512 - fixed), 0);
	CHECK_EQ_INT(n, 512);
	CHECK_EQ_INT(parse_all(big, (size_t)n, &r), 512);
	n = snprintf(big, sizeof big, "%s%0*d\r\n\r\n", head, (int)(513 - fixed), 0);
	CHECK_EQ_INT(parse_all(big, (size_t)n, &r), -431);
	/* Leading empty lines count too. */
	memset(big, 0, sizeof big);
	for (int i = 0; i < 300; i++)
		memcpy(big + 2 * i, "\r\n", 2);
	CHECK_EQ_INT(parse_all(big, 600, &r), -431);
	/* A target of exactly max_target bytes is fine. */
	n = snprintf(big, sizeof big, "GET /%063d HTTP/1.1\r\nHost: h\r\n\r\n", 0);
	CHECK_EQ_INT(parse_all(big, (size_t)n, &r), n);
	CHECK_EQ_INT(r.target.len, 64);
	check_splits(big, "target at the limit");
	/* 8 fields is fine, the 9th is not (the bad[] table has that). */
	const char *eight = "GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\nE: 5\r\nF: 6\r\nG: 7\r\n\r\n";
	CHECK_EQ_INT(parse(eight, &r), (long)strlen(eight));
}

static void test_good_splits(void)
{
	static const char *good[] = {
		"GET / HTTP/1.1\r\nHost: h\r\n\r\n",
		"\r\n\r\nGET /x HTTP/1.1\r\nHost: h\r\n\r\n",
		"HEAD /a/b.css HTTP/1.0\r\nConnection: keep-alive\r\nAccept: */*\r\n\r\n",
		"GET /x HTTP/1.1\r\nHost: h\r\nConnection: close\r\nIf-None-Match: \"1-2\"\r\n\r\n",
		"POST /form HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc",
		"GET http://h/p HTTP/1.1\r\nHost: h\r\n\r\n",
	};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		struct http_request r;
		CHECK(parse(good[i], &r) > 0);
		check_splits(good[i], good[i]);
	}
}

/* The caller may move the partial request between calls (to the front of
 * its buffer): offsets, not pointers, carry over. */
static void test_moved_buffer(void)
{
	const char *t = "GET /moved HTTP/1.1\r\nHost: h\r\nIf-None-Match: \"x\"\r\n\r\n";
	size_t len = strlen(t);
	char a[128], b[128];
	struct http_parser p;
	struct http_request r;
	http_parser_init(&p);
	memcpy(a, t, 30);
	CHECK_EQ_INT(http_parse(&p, a, 30, &lim, &r), 0);
	memset(a, 'Z', sizeof a);
	memcpy(b, t, len);
	CHECK_EQ_INT(http_parse(&p, b, len, &lim, &r), (long)len);
	CHECK(str_is(r.target, "/moved"));
	CHECK(str_is(r.if_none_match, "\"x\""));
	CHECK(r.target.p >= b && r.target.p < b + len);
}

/* Pipelining: one buffer, several requests; each parse consumes one. */
static void test_pipeline(void)
{
	const char *t = "GET /1 HTTP/1.1\r\nHost: h\r\n\r\nHEAD /2 HTTP/1.1\r\nHost: h\r\n\r\n"
	                "GET /3 HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\nGET /4 HT";
	size_t len = strlen(t), off = 0;
	const char *want[] = { "/1", "/2", "/3" };
	for (int i = 0; i < 3; i++) {
		struct http_parser p;
		struct http_request r;
		http_parser_init(&p);
		long rc = http_parse(&p, t + off, len - off, &lim, &r);
		CHECK(rc > 0);
		if (rc <= 0)
			return;
		CHECK(str_is(r.target, want[i]));
		CHECK_EQ_INT(r.keep_alive, i != 2);
		off += (size_t)rc;
	}
	struct http_parser p;
	struct http_request r;
	http_parser_init(&p);
	CHECK_EQ_INT(http_parse(&p, t + off, len - off, &lim, &r), 0);
}

/* http_target_to_path: good mappings, then refusals. */
static void check_path(const char *target, long want, const char *want_path, bool want_dir)
{
	char out[64];
	bool dir = false;
	long rc = http_target_to_path(target, strlen(target), out, sizeof out, &dir);
	if (rc != want || (rc >= 0 && (strcmp(out, want_path) != 0 || dir != want_dir)))
		fprintf(stderr, "path %s: got %ld '%s' dir=%d, want %ld '%s' dir=%d\n", target, rc,
		        rc >= 0 ? out : "", dir, want, want_path ? want_path : "", want_dir);
	CHECK_EQ_INT(rc, want);
	if (rc >= 0 && want >= 0) {
		CHECK_EQ_STR(out, want_path);
		CHECK_EQ_INT(dir, want_dir);
	}
}

static void test_paths(void)
{
	check_path("/", 0, "", true);
	check_path("/index.html", 10, "index.html", false);
	check_path("/docs/", 4, "docs", true);
	check_path("/docs", 4, "docs", false);
	check_path("/a/b/c.txt?x=/../..#f", 9, "a/b/c.txt", false);
	check_path("/a%20b", 3, "a b", false);
	check_path("/%41%62%63", 3, "Abc", false);
	check_path("/caf%C3%A9", 5, "caf\xc3\xa9", false);
	check_path("//a///b//", 3, "a/b", true);
	check_path("/...", 3, "...", false);
	check_path("/..a/a..", 7, "..a/a..", false);
	check_path("/.well-known/x", 13, ".well-known/x", false);
	check_path("/a+b", 3, "a+b", false);
	check_path("/?q", 0, "", true);

	static const char *refused[] = {
		"/..", "/../", "/../etc/passwd", "/a/../b", "/a/..", "/.", "/./a", "/a/./b",
		"/%2e%2e/etc/passwd", "/%2E%2E/", "/.%2e/x", "/%2e./x", "/a/%2e", "/%2e",
		"/a%2fb", "/a%2F..%2Fb", "/%2f%2fetc/passwd", "/a%5cb", "/a\\b", "/..\\x",
		"/a%00", "/a%00.html", "/%0a", "/%7f", "/%", "/%2", "/%zz", "/%g0",
		"", "a", "*", "http://x/", "?/x",
	};
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
		check_path(refused[i], -400, NULL, false);

	/* 63 bytes fit in out[64] (with the NUL); 64 do not. */
	char t[80];
	t[0] = '/';
	memset(t + 1, 'x', 63);
	t[64] = 0;
	char out[64];
	bool dir;
	CHECK_EQ_INT(http_target_to_path(t, 64, out, sizeof out, &dir), 63);
	t[64] = 'x';
	t[65] = 0;
	CHECK_EQ_INT(http_target_to_path(t, 65, out, sizeof out, &dir), -414);
	CHECK_EQ_INT(http_target_path_len("/a?b#c", 6), 2);
	CHECK_EQ_INT(http_target_path_len("/a#c?", 5), 2);
}

static void test_dates(void)
{
	char d[HTTP_DATE_LEN + 1] = { 0 };
	http_format_date(784111777, d);
	CHECK_EQ_STR(d, "Sun, 06 Nov 1994 08:49:37 GMT");
	http_format_date(0, d);
	CHECK_EQ_STR(d, "Thu, 01 Jan 1970 00:00:00 GMT");
	http_format_date(951782400, d); /* a leap day in a century year */
	CHECK_EQ_STR(d, "Tue, 29 Feb 2000 00:00:00 GMT");
	http_format_date(4133980799, d);
	CHECK_EQ_STR(d, "Fri, 31 Dec 2100 23:59:59 GMT");
	http_format_date(253402300799, d);
	CHECK_EQ_STR(d, "Fri, 31 Dec 9999 23:59:59 GMT");

	int64_t t = -1;
	CHECK_EQ_INT(http_parse_date("Sun, 06 Nov 1994 08:49:37 GMT", 29, &t), 0);
	CHECK_EQ_INT(t, 784111777);
	t = -1;
	CHECK_EQ_INT(http_parse_date("Sunday, 06-Nov-94 08:49:37 GMT", 30, &t), 0);
	CHECK_EQ_INT(t, 784111777);
	t = -1;
	CHECK_EQ_INT(http_parse_date("Sun Nov  6 08:49:37 1994", 24, &t), 0);
	CHECK_EQ_INT(t, 784111777);
	CHECK_EQ_INT(http_parse_date("Wednesday, 01-Jan-25 00:00:00 GMT", 33, &t), 0);
	CHECK_EQ_INT(t, 1735689600);

	/* Round trip every 7919 hours from 1970 to past 2100. */
	for (int64_t s = 0; s < 4200000000; s += 7919 * 3600 + 17) {
		int64_t back = -1;
		http_format_date(s, d);
		CHECK_EQ_INT(http_parse_date(d, HTTP_DATE_LEN, &back), 0);
		if (back != s) {
			fprintf(stderr, "date %lld -> %s -> %lld\n", (long long)s, d, (long long)back);
			CHECK_EQ_INT(back, s);
			break;
		}
	}

	static const char *invalid[] = {
		"Sun, 06 Nov 1994 08:49:37 UTC", "Sun, 31 Feb 1994 08:49:37 GMT",
		"Sun, 29 Feb 1900 08:49:37 GMT", "Sun, 06 Nov 1994 24:00:00 GMT",
		"Sun, 06 Nov 1994 08:60:37 GMT", "Sun, 00 Nov 1994 08:49:37 GMT",
		"Sun, 06 Nox 1994 08:49:37 GMT", "Xyz, 06 Nov 1994 08:49:37 GMT",
		"Sun, 06 Nov 1969 08:49:37 GMT", "Sun, 06 Nov 1994 08:49:37 GM",
		"Sun Nov 6 08:49:37 1994", "Sunday, 06-Nov-1994 08:49:37 GMT",
		"Sun,  6 Nov 1994 08:49:37 GMT", "", "0", "Sun, 06 Nov 1994 8:49:37  GMT",
	};
	for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
		if (http_parse_date(invalid[i], strlen(invalid[i]), &t) != -1)
			fprintf(stderr, "date accepted: %s\n", invalid[i]);
		CHECK_EQ_INT(http_parse_date(invalid[i], strlen(invalid[i]), &t), -1);
	}
}

static void test_etags(void)
{
	const char *e = "\"264-5f3a\"";
	size_t el = strlen(e);
#define M(list) http_etag_match(list, strlen(list), e, el)
	CHECK(M("\"264-5f3a\""));
	CHECK(M("W/\"264-5f3a\""));
	CHECK(M("\"x\", \"264-5f3a\""));
	CHECK(M("\"x\",W/\"264-5f3a\" ,\"y\""));
	CHECK(M("*"));
	CHECK(M(" * "));
	CHECK(!M("\"264-5f3b\""));
	CHECK(!M("264-5f3a"));
	CHECK(!M("\"264-5f3a"));
	CHECK(!M(""));
	CHECK(!M("\"x\", \"y\""));
	CHECK(!M("w/\"264-5f3a\""));
#undef M
	CHECK(http_etag_match("\"a\"", 3, "W/\"a\"", 5));
}

static void test_reasons(void)
{
	static const int codes[] = { 200, 301, 304, 400, 404, 405, 414, 431, 501, 505 };
	for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
		CHECK(http_reason(codes[i])[0] != 0);
	CHECK_EQ_STR(http_reason(431), "Request Header Fields Too Large");
	CHECK_EQ_STR(http_reason(299), "");
}

int main(void)
{
	test_simple_get();
	test_fields();
	test_keep_alive();
	test_target_forms();
	test_bad();
	test_head_limit();
	test_good_splits();
	test_moved_buffer();
	test_pipeline();
	test_paths();
	test_dates();
	test_etags();
	test_reasons();
	return check_report();
}
