# Helpers for the www integration scripts (sourced after lib.sh, not run by
# tests/run: only *.sh files are tests). Each script starts its own www on
# a free 127.0.0.1 port and stops only that process.

WWW_CLIENT=$TOP/tests/integration/www_client.py
WWW_SITE=$TOP/examples/www/site
command -v curl >/dev/null || skip "curl is not installed (Debian package curl)"
[ -x /usr/bin/python3 ] || skip "/usr/bin/python3 is missing (Debian package python3)"

# www_setup KV [BINARY]: a temporary folder $out removed at exit (with the
# server stopped), and $bin: BINARY, or www built with that kv.
www_setup() {
	out=$(mktemp -d)
	WWW_PID=
	trap '[ -n "$WWW_PID" ] && stop_pid $WWW_PID; rm -rf "$out"' EXIT
	bin=${2:-$(www_build "$1" "$B/tests/www-$1")} || { fail "build"; finish; }
}

# www_finish: the server must have survived the checks and must stop
# cleanly (exit 0) on SIGTERM, open connections or not; then exit.
www_finish() {
	local rc i
	if [ -n "$WWW_PID" ]; then
		kill -0 "$WWW_PID" 2>/dev/null || fail "www died during the checks: $(tail -n 5 "$out/www.stderr")"
		kill -TERM "$WWW_PID"
		for ((i = 0; i < 100; i++)); do
			kill -0 "$WWW_PID" 2>/dev/null || break
			sleep 0.05
		done
		if kill -0 "$WWW_PID" 2>/dev/null; then
			fail "www did not stop within 5 s of SIGTERM"
			stop_pid "$WWW_PID"
		else
			wait "$WWW_PID"
			rc=$?
			[ $rc -eq 0 ] || fail "www exited with status $rc after SIGTERM"
		fi
		WWW_PID=
	fi
	finish
}

# www_build KV DIR: synthesize and build www with that kv into DIR (reused
# when nothing changed); prints the binary's path. An explicit binary can
# be given to a script as its first argument instead.
www_build() {
	local kv=$1 dir=$2 opt=
	[ "$kv" = ramdisk ] || opt=--kv=$kv
	mkdir -p "$dir"
	"$SYNTH" build -t unix-socket $opt -o "$dir" "$TOP/examples/www" >"$dir/build.log" 2>&1 ||
		{ cat "$dir/build.log" >&2; return 1; }
	echo "$dir/www/unix-socket/www"
}

# www_start BINARY ARGS...: run it on a free port; sets WWW_PID, WWW_PORT
# and WWW_URL. Retries on another port if the first was taken meanwhile.
www_start() {
	local bin=$1 try
	shift
	for try in 1 2 3; do
		WWW_PORT=$(free_port)
		"$bin" --net-port="$WWW_PORT" "$@" >"$out/www.stdout" 2>"$out/www.stderr" &
		WWW_PID=$!
		if wait_port "$WWW_PORT" 10; then
			WWW_URL=http://127.0.0.1:$WWW_PORT
			return 0
		fi
		stop_pid "$WWW_PID"
		WWW_PID=
	done
	fail "www did not start listening"
	cat "$out/www.stdout" "$out/www.stderr"
	return 1
}

# raw: send stdin on a fresh connection, print what comes back.
raw() {
	timeout 30 /usr/bin/python3 "$WWW_CLIENT" raw "$WWW_PORT"
}

# status_of: the status code of the first response read on stdin.
status_of() {
	head -n 1 | cut -d ' ' -f 2
}

# expect_raw WANT_STATUS DESCRIPTION REQUEST(printf format): one raw
# request, its status checked; the body is kept in $out/raw.
expect_raw() {
	local want=$1 what=$2 got
	shift 2
	printf "$@" | raw >"$out/raw"
	got=$(status_of <"$out/raw" | tr -d '\r')
	[ "$got" = "$want" ] || fail "$what: status '$got', want $want"
}

# header NAME FILE: the value of a header field in a dumped header.
header() {
	grep -i "^$1:" "$2" | head -n 1 | cut -d ' ' -f 2- | tr -d '\r'
}

# The checks both kv implementations must pass, against the running www
# serving SITE (a copy of examples/www/site or the baked-in original).
www_common_checks() {
	local site=$1 f n=0 code

	# Every file, byte for byte, with its size and a content type.
	while IFS= read -r f; do
		n=$((n + 1))
		code=$(curl -s -o "$out/body" -D "$out/head" -w '%{http_code}' "$WWW_URL/$f")
		[ "$code" = 200 ] || { fail "/$f: status $code"; continue; }
		cmp -s "$out/body" "$site/$f" || fail "/$f: body differs from the file"
		[ "$(header Content-Length "$out/head")" = "$(stat -c %s "$site/$f")" ] ||
			fail "/$f: Content-Length $(header Content-Length "$out/head")"
	done < <(cd "$site" && find . -type f | sed 's|^\./||' | sort)
	[ "$n" -ge 10 ] || fail "only $n site files found in $site"

	# Headers.
	curl -s -o /dev/null -D "$out/head" "$WWW_URL/index.html"
	head -n 1 "$out/head" | grep -q '^HTTP/1.1 200 OK' || fail "status line: $(head -n 1 "$out/head")"
	[ "$(header Content-Type "$out/head")" = "text/html; charset=utf-8" ] ||
		fail "index.html Content-Type: $(header Content-Type "$out/head")"
	header ETag "$out/head" | grep -qE '^"[0-9a-f]+-[0-9a-f]+"$' || fail "ETag: $(header ETag "$out/head")"
	local lm date now
	lm=$(header Last-Modified "$out/head")
	date=$(header Date "$out/head")
	[[ $lm =~ ^[A-Z][a-z]{2},\ [0-9]{2}\ [A-Z][a-z]{2}\ [0-9]{4}\ [0-9:]{8}\ GMT$ ]] || fail "Last-Modified: '$lm'"
	now=$(date +%s)
	[ $(( $(date -d "$date" +%s) - now )) -le 2 ] && [ $(( now - $(date -d "$date" +%s) )) -le 2 ] ||
		fail "Date '$date' is not now"
	local -A types=([style.css]="text/css; charset=utf-8" [logo.png]=image/png
		[favicon.ico]=image/vnd.microsoft.icon [img/layers.png]=image/png [bench/index.html]="text/html; charset=utf-8")
	for f in "${!types[@]}"; do
		curl -s -o /dev/null -D "$out/head" "$WWW_URL/$f"
		[ "$(header Content-Type "$out/head")" = "${types[$f]}" ] ||
			fail "/$f Content-Type '$(header Content-Type "$out/head")', want '${types[$f]}'"
	done

	# Folders: index.html, and a redirect to the slashed name.
	curl -s -o "$out/body" "$WWW_URL/" && cmp -s "$out/body" "$site/index.html" || fail "/ is not index.html"
	curl -s -o "$out/body" "$WWW_URL/bench/" && cmp -s "$out/body" "$site/bench/index.html" ||
		fail "/bench/ is not bench/index.html"
	code=$(curl -s -o /dev/null -D "$out/head" -w '%{http_code}' "$WWW_URL/bench?x=1")
	[ "$code" = 301 ] && [ "$(header Location "$out/head")" = "/bench/?x=1" ] ||
		fail "/bench: status $code, Location '$(header Location "$out/head")'"
	[ "$(curl -sL -o /dev/null -w '%{http_code}' "$WWW_URL/bench")" = 200 ] || fail "following /bench"
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$WWW_URL/img/")" = 404 ] || fail "/img/ (no index) is not 404"
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$WWW_URL/index.html/")" = 404 ] || fail "/index.html/ is not 404"
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$WWW_URL/about.html?q=1#x")" = 200 ] || fail "query string"

	# HEAD: the same header, no body.
	curl -s -I -o /dev/null -D "$out/head" "$WWW_URL/style.css"
	[ "$(header Content-Length "$out/head")" = "$(stat -c %s "$site/style.css")" ] || fail "HEAD Content-Length"
	timeout 30 /usr/bin/python3 "$WWW_CLIENT" headonly "$WWW_PORT" img/layers.png || fail "HEAD sent a body"

	# 404, 405.
	code=$(curl -s -o "$out/body" -w '%{http_code}' "$WWW_URL/no-such-page.html")
	[ "$code" = 404 ] && grep -q '404 Not Found' "$out/body" || fail "missing page: $code"
	for m in POST PUT DELETE OPTIONS PATCH; do
		code=$(curl -s -o /dev/null -D "$out/head" -w '%{http_code}' -X "$m" -d 'some=body' "$WWW_URL/index.html")
		[ "$code" = 405 ] || fail "$m: status $code, want 405"
		[ "$(header Allow "$out/head")" = "GET, HEAD" ] || fail "$m: Allow '$(header Allow "$out/head")'"
	done
	# The connection stays usable after a 405 with a body (the body is skipped).
	printf 'POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhelloGET /logo.png HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n' |
		raw >"$out/raw"
	[ "$(grep -c '^HTTP/1.1 ' "$out/raw")" = 2 ] && grep -q '^HTTP/1.1 200' "$out/raw" ||
		fail "request after a skipped body: $(grep -a '^HTTP/' "$out/raw" | tr '\r\n' '  ')"

	# Traversal, in every spelling: never a file from outside the site.
	local t
	for t in '/../../../../etc/passwd' '/%2e%2e/%2e%2e/%2e%2e/etc/passwd' '/%2E%2E/%2E%2E/etc/passwd' \
		'//etc/passwd' '///etc/passwd' '/..%2f..%2f..%2fetc/passwd' '/img/..%5c..%5cetc/passwd' \
		'/img/..\..\etc/passwd' '/index.html%00' '/index.html%00.png' '/%00' '/./index.html' \
		'/img/../index.html' '/.%2e/etc/passwd' '/%2e%2e%2fetc%2fpasswd' '/..' '/.' \
		'/bench/../../etc/passwd' 'http://t/../../etc/passwd' '/%25%32%65%25%32%65/etc/passwd'; do
		printf 'GET %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n' "$t" | raw >"$out/raw"
		code=$(status_of <"$out/raw" | tr -d '\r')
		case $code in 400 | 404) ;; *) fail "traversal '$t': status '$code', want 400 or 404" ;; esac
		grep -aq 'root:' "$out/raw" && fail "traversal '$t' returned /etc/passwd"
	done
	for t in '/../../../../etc/passwd' '/%2e%2e/%2e%2e/etc/passwd' '//etc/passwd' '/%00'; do
		code=$(curl -s --path-as-is -o "$out/body" -w '%{http_code}' "$WWW_URL$t")
		case $code in 400 | 404) ;; *) fail "curl --path-as-is '$t': status $code" ;; esac
		grep -q 'root:' "$out/body" && fail "curl '$t' returned /etc/passwd"
	done

	# Limits: 431 (header bytes, field count), 414 (target), 505, 400.
	code=$(curl -s -o /dev/null -w '%{http_code}' -H "X-Big: $(head -c 10000 /dev/zero | tr '\0' a)" "$WWW_URL/")
	[ "$code" = 431 ] || fail "10 KB header: status $code, want 431"
	local many=()
	for n in $(seq 120); do many+=(-H "X-F$n: v"); done
	code=$(curl -s -o /dev/null -w '%{http_code}' "${many[@]}" "$WWW_URL/")
	[ "$code" = 431 ] || fail "120 header fields: status $code, want 431"
	code=$(curl -s -o /dev/null -w '%{http_code}' "$WWW_URL/$(head -c 5000 /dev/zero | tr '\0' a)")
	[ "$code" = 414 ] || fail "5000-byte target: status $code, want 414"
	code=$(curl -s -o /dev/null -w '%{http_code}' "$WWW_URL/$(head -c 1000 /dev/zero | tr '\0' a)?$(head -c 2500 /dev/zero | tr '\0' q)")
	[ "$code" = 404 ] || fail "1000-byte path with a 2500-byte query: status $code, want 404"
	expect_raw 505 "HTTP/2.0" 'GET / HTTP/2.0\r\nHost: t\r\n\r\n'
	expect_raw 505 "HTTP/3.0" 'GET / HTTP/3.0\r\nHost: t\r\n\r\n'
	expect_raw 400 "no Host" 'GET / HTTP/1.1\r\n\r\n'
	expect_raw 400 "bare LF" 'GET / HTTP/1.1\nHost: t\n\n'
	expect_raw 400 "space before colon" 'GET / HTTP/1.1\r\nHost : t\r\n\r\n'
	expect_raw 400 "garbage" '\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03'
	expect_raw 501 "chunked body" 'POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'
	expect_raw 200 "HTTP/1.0" 'GET /style.css HTTP/1.0\r\n\r\n'
	grep -qi '^Connection: keep-alive' "$out/raw" && fail "HTTP/1.0 without keep-alive was kept alive"
	expect_raw 200 "absolute-form" 'GET http://t/style.css HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n'

	# Conditional GET.
	curl -s -o /dev/null -D "$out/head" "$WWW_URL/about.html"
	local etag
	etag=$(header ETag "$out/head")
	lm=$(header Last-Modified "$out/head")
	rm -f "$out/body"
	code=$(curl -s -o "$out/body" -D "$out/head" -w '%{http_code}' -H "If-None-Match: $etag" "$WWW_URL/about.html")
	[ "$code" = 304 ] && [ ! -s "$out/body" ] || fail "If-None-Match: status $code, $(cat "$out/body" 2>/dev/null | wc -c) bytes"
	[ "$(header ETag "$out/head")" = "$etag" ] || fail "304 without the ETag"
	code=$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: \"x\", W/$etag" "$WWW_URL/about.html")
	[ "$code" = 304 ] || fail "If-None-Match list with a weak tag: $code"
	code=$(curl -s -o /dev/null -w '%{http_code}' -H 'If-None-Match: "nope"' "$WWW_URL/about.html")
	[ "$code" = 200 ] || fail "If-None-Match mismatch: $code"
	code=$(curl -s -o /dev/null -w '%{http_code}' -H "If-Modified-Since: $lm" "$WWW_URL/about.html")
	[ "$code" = 304 ] || fail "If-Modified-Since Last-Modified: $code"
	code=$(curl -s -o /dev/null -w '%{http_code}' -H 'If-Modified-Since: Thu, 01 Jan 1970 00:00:01 GMT' "$WWW_URL/about.html")
	[ "$code" = 200 ] || fail "If-Modified-Since 1970: $code"
	code=$(curl -s -o /dev/null -w '%{http_code}' -H 'If-None-Match: "nope"' -H "If-Modified-Since: $lm" "$WWW_URL/about.html")
	[ "$code" = 200 ] || fail "If-None-Match must win over If-Modified-Since: $code"

	# Keep-alive: curl reuses one connection for several URLs; Connection:
	# close is honoured.
	curl -sv -o /dev/null -o /dev/null -o /dev/null "$WWW_URL/" "$WWW_URL/style.css" "$WWW_URL/logo.png" 2>"$out/verbose"
	[ "$(grep -c 'Re-using existing connection' "$out/verbose")" = 2 ] || fail "keep-alive: connection not reused"
	printf 'GET /style.css HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /style.css HTTP/1.0\r\n\r\n' | raw >"$out/raw"
	[ "$(grep -ac '^HTTP/1.1 200' "$out/raw")" = 2 ] && grep -aqi '^Connection: keep-alive' "$out/raw" ||
		fail "HTTP/1.0 keep-alive: $(grep -a '^HTTP/\|^Connection' "$out/raw" | tr '\r\n' '  ')"
	printf 'GET /style.css HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\nGET /style.css HTTP/1.1\r\nHost: t\r\n\r\n' |
		raw >"$out/raw"
	[ "$(grep -ac '^HTTP/1.1 200' "$out/raw")" = 1 ] && grep -aqi '^Connection: close' "$out/raw" ||
		fail "Connection: close was not honoured"
	return 0
}
