/* HTTP/1.x request-head parser and the helpers a static file server needs
 * around it (see protocols/http.h). Grammar from RFC 9110 and RFC 9112;
 * strict where leniency would let two parsers disagree about where a
 * request ends (bare LF, whitespace before ':', folded lines, conflicting
 * lengths), and never rewriting a path it does not trust. */
#include <string.h>

#include "protocols/http.h"

/* Byte classes. */
#define C_TCHAR 1u  /* token character (method, field name) */
#define C_FIELD 2u  /* allowed inside a field value: VCHAR, obs-text, SP, HTAB */
#define C_TARGET 4u /* allowed in a request-target: VCHAR */
#define C_HEX 8u

static const uint8_t ctype[256] = {
	['\t'] = C_FIELD,
	[' '] = C_FIELD,
	['!'] = C_TCHAR | C_FIELD | C_TARGET,
	['"'] = C_FIELD | C_TARGET,
	['#'] = C_TCHAR | C_FIELD | C_TARGET,
	['$'] = C_TCHAR | C_FIELD | C_TARGET,
	['%'] = C_TCHAR | C_FIELD | C_TARGET,
	['&'] = C_TCHAR | C_FIELD | C_TARGET,
	['\''] = C_TCHAR | C_FIELD | C_TARGET,
	['('] = C_FIELD | C_TARGET,
	[')'] = C_FIELD | C_TARGET,
	['*'] = C_TCHAR | C_FIELD | C_TARGET,
	['+'] = C_TCHAR | C_FIELD | C_TARGET,
	[','] = C_FIELD | C_TARGET,
	['-'] = C_TCHAR | C_FIELD | C_TARGET,
	['.'] = C_TCHAR | C_FIELD | C_TARGET,
	['/'] = C_FIELD | C_TARGET,
	['0' ... '9'] = C_TCHAR | C_FIELD | C_TARGET | C_HEX,
	[':' ... '@'] = C_FIELD | C_TARGET,
	['A' ... 'F'] = C_TCHAR | C_FIELD | C_TARGET | C_HEX,
	['G' ... 'Z'] = C_TCHAR | C_FIELD | C_TARGET,
	['['] = C_FIELD | C_TARGET,
	['\\'] = C_FIELD | C_TARGET,
	[']'] = C_FIELD | C_TARGET,
	['^'] = C_TCHAR | C_FIELD | C_TARGET,
	['_'] = C_TCHAR | C_FIELD | C_TARGET,
	['`'] = C_TCHAR | C_FIELD | C_TARGET,
	['a' ... 'f'] = C_TCHAR | C_FIELD | C_TARGET | C_HEX,
	['g' ... 'z'] = C_TCHAR | C_FIELD | C_TARGET,
	['{'] = C_FIELD | C_TARGET,
	['|'] = C_TCHAR | C_FIELD | C_TARGET,
	['}'] = C_FIELD | C_TARGET,
	['~'] = C_TCHAR | C_FIELD | C_TARGET,
	[0x80 ... 0xff] = C_FIELD,
};

/* Parser flags. */
#define F_HOST 1u       /* a Host field was seen */
#define F_CLOSE 2u      /* Connection: close */
#define F_KEEPALIVE 4u  /* Connection: keep-alive */
#define F_LENGTH 8u     /* Content-Length was seen */
#define F_CHUNKED 16u   /* Transfer-Encoding was seen */
#define F_ABSOLUTE 32u  /* absolute-form target: its authority is the host */
#define F_ROOTPATH 64u  /* absolute-form target without a path: use "/" */

const char *http_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 301: return "Moved Permanently";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 414: return "URI Too Long";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	default: return "";
	}
}

static inline unsigned char lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

/* Case-insensitive comparison of s[0..len) with a lower-case literal. */
static bool ieq(const unsigned char *s, size_t len, const char *lit, size_t litlen)
{
	if (len != litlen)
		return false;
	for (size_t i = 0; i < len; i++)
		if (lower(s[i]) != (unsigned char)lit[i])
			return false;
	return true;
}
#define IEQ(s, len, lit) ieq((s), (len), lit, sizeof lit - 1)

void http_parser_init(struct http_parser *p)
{
	memset(p, 0, sizeof *p);
}

/* "http://" or "https://", case-insensitively; returns the length or 0. */
static size_t scheme_prefix(const unsigned char *t, size_t len)
{
	if (len >= 7 && IEQ(t, 7, "http://"))
		return 7;
	if (len >= 8 && IEQ(t, 8, "https://"))
		return 8;
	return 0;
}

/* The request line in b[s..e). When complete is false the line has no LF
 * yet: what is there is checked with the very same scan, so an error is
 * reported as soon as the bytes prove it (a TLS hello, a target over the
 * limit) and it is the error the whole line would get; a line that
 * merely stops early gives 0. */
static long parse_request_line(struct http_parser *p, const unsigned char *b, size_t s, size_t e,
                               bool complete, const struct http_limits *lim)
{
	if (!complete && e > s && b[e - 1] == '\r')
		e--; /* may be the CR of the line's CR LF */
	size_t i = s;
	while (i < e && (ctype[b[i]] & C_TCHAR))
		i++;
	if (i == e && !complete)
		return 0;
	if (i == s || i == e || b[i] != ' ')
		return -HTTP_BAD_REQUEST;
	size_t t = ++i;
	while (i < e && b[i] != ' ') {
		if (i - t >= lim->max_target)
			return -HTTP_URI_TOO_LONG;
		if (!(ctype[b[i]] & C_TARGET))
			return -HTTP_BAD_REQUEST;
		i++;
	}
	if (!complete)
		return 0;
	size_t tlen = i - t;
	if (tlen == 0 || i == e)
		return -HTTP_BAD_REQUEST;

	/* HTTP-version = "HTTP" "/" DIGIT "." DIGIT, case-sensitive. */
	const unsigned char *v = b + i + 1;
	if (e - (i + 1) != 8 || memcmp(v, "HTTP/", 5) != 0 || v[5] < '0' || v[5] > '9' || v[6] != '.' ||
	    v[7] < '0' || v[7] > '9')
		return -HTTP_BAD_REQUEST;
	if (v[5] != '1')
		return -HTTP_VERSION_NOT_SUPPORTED;
	p->minor = v[7] == '0' ? 0 : 1;

	size_t mlen = t - 1 - s;
	p->method_off = (uint32_t)s;
	p->method_len = (uint32_t)mlen;
	if (mlen == 3 && memcmp(b + s, "GET", 3) == 0)
		p->method = HTTP_METHOD_GET;
	else if (mlen == 4 && memcmp(b + s, "HEAD", 4) == 0)
		p->method = HTTP_METHOD_HEAD;
	else
		p->method = HTTP_METHOD_OTHER;

	p->target_off = (uint32_t)t;
	p->target_len = (uint32_t)tlen;
	if (b[t] == '/' || (tlen == 1 && b[t] == '*'))
		return 0;
	size_t sl = scheme_prefix(b + t, tlen);
	if (sl == 0)
		return -HTTP_BAD_REQUEST;
	/* absolute-form: the authority replaces Host; the path is the target. */
	size_t a = t + sl, ae = a;
	while (ae < t + tlen && b[ae] != '/' && b[ae] != '?' && b[ae] != '#')
		ae++;
	p->flags |= F_ABSOLUTE;
	p->host_off = (uint32_t)a;
	p->host_len = (uint32_t)(ae - a);
	if (ae < t + tlen && b[ae] == '/') {
		p->target_off = (uint32_t)ae;
		p->target_len = (uint32_t)(t + tlen - ae);
	} else {
		p->flags |= F_ROOTPATH;
	}
	return 0;
}

/* Connection = #connection-option: look for close and keep-alive. */
static void parse_connection(struct http_parser *p, const unsigned char *v, size_t len)
{
	size_t i = 0;
	while (i < len) {
		while (i < len && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		size_t s = i;
		while (i < len && v[i] != ',' && v[i] != ' ' && v[i] != '\t')
			i++;
		if (IEQ(v + s, i - s, "close"))
			p->flags |= F_CLOSE;
		else if (IEQ(v + s, i - s, "keep-alive"))
			p->flags |= F_KEEPALIVE;
	}
}

static long parse_content_length(struct http_parser *p, const unsigned char *v, size_t len)
{
	uint64_t n = 0;
	if (len == 0 || len > 18)
		return -HTTP_BAD_REQUEST;
	for (size_t i = 0; i < len; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -HTTP_BAD_REQUEST;
		n = n * 10 + (uint64_t)(v[i] - '0');
	}
	if ((p->flags & F_LENGTH) && n != p->content_length)
		return -HTTP_BAD_REQUEST;
	p->flags |= F_LENGTH;
	p->content_length = n;
	return 0;
}

static long parse_field(struct http_parser *p, const unsigned char *b, size_t s, size_t e,
                        const struct http_limits *lim)
{
	size_t i = s;
	while (i < e && (ctype[b[i]] & C_TCHAR))
		i++;
	/* Catches obs-fold (a line starting with whitespace), whitespace
	 * before the colon, and a missing colon: all 400 (RFC 9112 5.1, 5.2). */
	if (i == s || i == e || b[i] != ':')
		return -HTTP_BAD_REQUEST;
	const unsigned char *name = b + s;
	size_t nlen = i - s;

	size_t v = i + 1, ve = e;
	while (v < ve && (b[v] == ' ' || b[v] == '\t'))
		v++;
	while (ve > v && (b[ve - 1] == ' ' || b[ve - 1] == '\t'))
		ve--;
	for (size_t k = v; k < ve; k++)
		if (!(ctype[b[k]] & C_FIELD))
			return -HTTP_BAD_REQUEST;
	if (++p->nfields > lim->max_fields)
		return -HTTP_FIELDS_TOO_LARGE;

	switch (nlen) {
	case 4:
		if (IEQ(name, nlen, "host")) {
			if (p->flags & F_HOST)
				return -HTTP_BAD_REQUEST;
			p->flags |= F_HOST;
			if (!(p->flags & F_ABSOLUTE)) {
				p->host_off = (uint32_t)v;
				p->host_len = (uint32_t)(ve - v);
			}
		}
		break;
	case 10:
		if (IEQ(name, nlen, "connection"))
			parse_connection(p, b + v, ve - v);
		break;
	case 13:
		if (IEQ(name, nlen, "if-none-match") && p->inm_len == 0) {
			p->inm_off = (uint32_t)v;
			p->inm_len = (uint32_t)(ve - v);
		}
		break;
	case 14:
		if (IEQ(name, nlen, "content-length"))
			return parse_content_length(p, b + v, ve - v);
		break;
	case 17:
		if (IEQ(name, nlen, "if-modified-since") && p->ims_len == 0) {
			p->ims_off = (uint32_t)v;
			p->ims_len = (uint32_t)(ve - v);
		} else if (IEQ(name, nlen, "transfer-encoding")) {
			p->flags |= F_CHUNKED;
		}
		break;
	}
	return 0;
}

static long finish(const struct http_parser *p, const char *buf, size_t head_len,
                   struct http_request *req)
{
	/* RFC 9112 3.2: a 1.1 request without exactly one Host is a 400. */
	if (p->minor >= 1 && !(p->flags & F_HOST))
		return -HTTP_BAD_REQUEST;
	/* Both framings at once is the classic smuggling vector (RFC 9112
	 * 6.3); chunked bodies are not implemented by this server. */
	if (p->flags & F_CHUNKED)
		return (p->flags & F_LENGTH) ? -HTTP_BAD_REQUEST : -HTTP_NOT_IMPLEMENTED;

	req->method = (enum http_method)p->method;
	req->method_text = (struct http_str){ buf + p->method_off, p->method_len };
	req->target = (struct http_str){ buf + p->target_off, p->target_len };
	if (p->flags & F_ROOTPATH)
		req->target = (struct http_str){ "/", 1 };
	req->host = (struct http_str){ buf + p->host_off, p->host_len };
	req->if_none_match = (struct http_str){ buf + p->inm_off, p->inm_len };
	req->if_modified_since = (struct http_str){ buf + p->ims_off, p->ims_len };
	req->version_minor = p->minor;
	req->keep_alive = !(p->flags & F_CLOSE) && (p->minor >= 1 || (p->flags & F_KEEPALIVE));
	req->content_length = p->content_length;
	req->nfields = p->nfields;
	req->head_len = head_len;
	return (long)head_len;
}

long http_parse(struct http_parser *p, const char *buf, size_t len, const struct http_limits *lim,
                struct http_request *req)
{
	const unsigned char *b = (const unsigned char *)buf;
	/* Bytes past max_head are never looked at: the answer depends only
	 * on the first max_head bytes, however they were split. */
	size_t end = len < lim->max_head ? len : lim->max_head;

	for (;;) {
		size_t from = p->scanned;
		const unsigned char *lf = from < end ? memchr(b + from, '\n', end - from) : NULL;
		if (!lf) {
			p->scanned = (uint32_t)end;
			if (!p->in_fields) {
				long rc = parse_request_line(p, b, p->line, end, false, lim);
				if (rc < 0)
					return rc;
			}
			/* The head needs at least one more byte, so it cannot fit. */
			return len >= lim->max_head ? -HTTP_FIELDS_TOO_LARGE : 0;
		}
		size_t e = (size_t)(lf - b);
		size_t s = p->line;
		/* Lines end in CR LF; a bare LF is refused (RFC 9112 2.2 lets a
		 * server reject it, and accepting it is how smuggling starts). */
		if (e == s || b[e - 1] != '\r') {
			/* ... after whatever the bytes before it already prove. */
			long rc = p->in_fields ? 0 : parse_request_line(p, b, s, e, false, lim);
			return rc < 0 ? rc : -HTTP_BAD_REQUEST;
		}
		p->line = p->scanned = (uint32_t)(e + 1);

		long rc;
		if (!p->in_fields) {
			if (e - 1 == s)
				continue; /* an empty line before the request line */
			rc = parse_request_line(p, b, s, e - 1, true, lim);
			p->in_fields = 1;
		} else if (e - 1 == s) {
			return finish(p, buf, e + 1, req);
		} else {
			rc = parse_field(p, b, s, e - 1, lim);
		}
		if (rc < 0)
			return rc;
	}
}

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	return lower(c) - 'a' + 10;
}

size_t http_target_path_len(const char *target, size_t len)
{
	size_t n = 0;
	while (n < len && target[n] != '?' && target[n] != '#')
		n++;
	return n;
}

/* The segment out[s..e) as decoded: "." and ".." are refused rather than
 * resolved, so no spelling of a path can climb out of the root. */
static bool dot_segment(const char *out, size_t s, size_t e)
{
	return (e - s == 1 && out[s] == '.') || (e - s == 2 && out[s] == '.' && out[s + 1] == '.');
}

long http_target_to_path(const char *target, size_t len, char *out, size_t outsz, bool *dir)
{
	len = http_target_path_len(target, len);
	if (len == 0 || target[0] != '/' || outsz == 0)
		return -HTTP_BAD_REQUEST;

	size_t o = 0;      /* bytes written to out */
	size_t seg = 0;    /* where the current segment starts in out */
	bool slash = true; /* the last byte read was a '/' */
	for (size_t i = 1; i < len; i++) {
		unsigned char c = (unsigned char)target[i];
		if (c == '/') {
			if (!slash) {
				if (dot_segment(out, seg, o))
					return -HTTP_BAD_REQUEST;
				slash = true;
			}
			continue; /* "//" merges into one separator */
		}
		if (c == '%') {
			if (i + 2 >= len)
				return -HTTP_BAD_REQUEST;
			unsigned char h = (unsigned char)target[i + 1], l = (unsigned char)target[i + 2];
			if (!(ctype[h] & C_HEX) || !(ctype[l] & C_HEX))
				return -HTTP_BAD_REQUEST;
			c = (unsigned char)(hexval(h) << 4 | hexval(l));
			i += 2;
			/* An escaped separator would mean something different to the
			 * store than to us; NUL and controls have no place in names. */
			if (c == '/' || c == '\\' || c < 0x20 || c == 0x7f)
				return -HTTP_BAD_REQUEST;
		} else if (c == '\\' || c < 0x20 || c == 0x7f) {
			return -HTTP_BAD_REQUEST;
		}
		if (slash) {
			if (o > 0) {
				if (o + 1 >= outsz)
					return -HTTP_URI_TOO_LONG;
				out[o++] = '/';
			}
			seg = o;
			slash = false;
		}
		if (o + 1 >= outsz)
			return -HTTP_URI_TOO_LONG;
		out[o++] = (char)c;
	}
	if (!slash && dot_segment(out, seg, o))
		return -HTTP_BAD_REQUEST;
	out[o] = '\0';
	*dir = slash;
	return (long)o;
}

/* Dates: proleptic Gregorian calendar, UTC, years 1970 to 9999. */

static const char wday_names[7][4] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
static const char *const wday_long[7] = { "Sunday",   "Monday", "Tuesday", "Wednesday",
	                                  "Thursday", "Friday", "Saturday" };
static const char month_names[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
	                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

static bool leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int64_t y, int m) /* m: 0..11 */
{
	static const uint8_t d[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	return d[m] + (m == 1 && leap(y));
}

/* Leap days in the years [1, y). */
static int64_t leaps_before(int64_t y)
{
	y -= 1;
	return y / 4 - y / 100 + y / 400;
}

static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t days = 365 * (y - 1970) + leaps_before(y) - leaps_before(1970);
	for (int i = 0; i < m; i++)
		days += month_days(y, i);
	return days + d - 1;
}

static void put2(char *o, unsigned v)
{
	o[0] = (char)('0' + v / 10);
	o[1] = (char)('0' + v % 10);
}

void http_format_date(int64_t t, char out[HTTP_DATE_LEN])
{
	if (t < 0)
		t = 0;
	int64_t days = t / 86400, sec = t % 86400;
	int wd = (int)((days + 4) % 7); /* 1970-01-01 was a Thursday */
	/* 146097 days is one 400-year cycle; step through the rest by year. */
	int64_t y = 1970 + days / 146097 * 400;
	days %= 146097;
	for (;;) {
		int yd = leap(y) ? 366 : 365;
		if (days < yd)
			break;
		days -= yd;
		y++;
	}
	int m = 0;
	while (days >= month_days(y, m))
		days -= month_days(y, m++);

	memcpy(out, wday_names[wd], 3);
	out[3] = ',';
	out[4] = ' ';
	put2(out + 5, (unsigned)days + 1);
	out[7] = ' ';
	memcpy(out + 8, month_names[m], 3);
	out[11] = ' ';
	put2(out + 12, (unsigned)(y / 100 % 100));
	put2(out + 14, (unsigned)(y % 100));
	out[16] = ' ';
	put2(out + 17, (unsigned)(sec / 3600));
	out[19] = ':';
	put2(out + 20, (unsigned)(sec / 60 % 60));
	out[22] = ':';
	put2(out + 23, (unsigned)(sec % 60));
	memcpy(out + 25, " GMT", 4);
}

/* n decimal digits at s, or -1. */
static int digits(const char *s, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static int month_from_name(const char *s)
{
	for (int m = 0; m < 12; m++)
		if (memcmp(s, month_names[m], 3) == 0)
			return m;
	return -1;
}

/* "HH:MM:SS" -> seconds of the day, or -1. */
static int64_t time_of_day(const char *s)
{
	int h = digits(s, 2), mi = digits(s + 3, 2), se = digits(s + 6, 2);
	if (h < 0 || mi < 0 || se < 0 || s[2] != ':' || s[5] != ':' || h > 23 || mi > 59 || se > 60)
		return -1;
	return (int64_t)h * 3600 + mi * 60 + se;
}

/* The length of the day name s starts with, or -1. */
static int day_name(const char *s, size_t len, bool long_form)
{
	for (int i = 0; i < 7; i++) {
		const char *n = long_form ? wday_long[i] : wday_names[i];
		size_t nl = strlen(n);
		if (len >= nl && memcmp(s, n, nl) == 0)
			return (int)nl;
	}
	return -1;
}

int http_parse_date(const char *s, size_t len, int64_t *out)
{
	int64_t y, tod;
	int m, d;

	if (len == 29 && s[3] == ',') { /* Sun, 06 Nov 1994 08:49:37 GMT */
		if (day_name(s, 3, false) != 3 || s[4] != ' ' || s[7] != ' ' || s[11] != ' ' ||
		    s[16] != ' ' || memcmp(s + 25, " GMT", 4) != 0)
			return -1;
		d = digits(s + 5, 2);
		m = month_from_name(s + 8);
		y = digits(s + 12, 4);
		tod = time_of_day(s + 17);
	} else if (len == 24 && s[3] == ' ') { /* Sun Nov  6 08:49:37 1994 */
		if (day_name(s, 3, false) != 3 || s[7] != ' ' || s[10] != ' ' || s[19] != ' ')
			return -1;
		m = month_from_name(s + 4);
		d = s[8] == ' ' ? digits(s + 9, 1) : digits(s + 8, 2);
		tod = time_of_day(s + 11);
		y = digits(s + 20, 4);
	} else { /* Sunday, 06-Nov-94 08:49:37 GMT */
		int n = day_name(s, len, true);
		if (n < 0 || len != (size_t)n + 24)
			return -1;
		s += n;
		if (s[0] != ',' || s[1] != ' ' || s[4] != '-' || s[8] != '-' || s[11] != ' ' ||
		    memcmp(s + 20, " GMT", 4) != 0)
			return -1;
		d = digits(s + 2, 2);
		m = month_from_name(s + 5);
		y = digits(s + 9, 2);
		tod = time_of_day(s + 12);
		/* RFC 9110 5.6.7 reads a two-digit year as the nearest one not
		 * more than 50 years ahead; with dates from 1970 on, 70-99 are
		 * 19xx and the rest 20xx. */
		if (y >= 0)
			y += y >= 70 ? 1900 : 2000;
	}
	if (y < 1970 || m < 0 || d < 1 || tod < 0 || d > month_days(y, m))
		return -1;
	*out = days_from_civil(y, m, d) * 86400 + tod;
	return 0;
}

bool http_etag_match(const char *list, size_t len, const char *etag, size_t etag_len)
{
	/* Weak comparison: the opaque tags, without any W/ prefix. */
	if (etag_len >= 2 && etag[0] == 'W' && etag[1] == '/') {
		etag += 2;
		etag_len -= 2;
	}
	size_t i = 0;
	while (i < len) {
		while (i < len && (list[i] == ' ' || list[i] == '\t' || list[i] == ','))
			i++;
		if (i == len)
			break;
		if (list[i] == '*')
			return true;
		if (len - i >= 2 && list[i] == 'W' && list[i + 1] == '/')
			i += 2;
		size_t s = i;
		if (i < len && list[i] == '"') {
			i++;
			while (i < len && list[i] != '"')
				i++;
			if (i < len)
				i++;
		}
		if (i - s == etag_len && memcmp(list + s, etag, etag_len) == 0)
			return true;
		while (i < len && list[i] != ',')
			i++;
	}
	return false;
}
