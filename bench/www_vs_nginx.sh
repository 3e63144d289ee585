#!/usr/bin/env bash
# www (unix-socket, ramdisk) against nginx with one worker, both serving the
# same 612-byte file on 127.0.0.1, keep-alive: each server pinned to core
# 0, wrk pinned to core 1, run one after the other in the same run. Prints
# both request rates and their ratio. Not part of the test suite.
#
#   bench/www_vs_nginx.sh [WWW_BINARY]
#   DURATION=10s CONNECTIONS=30 ROUNDS=3 bench/www_vs_nginx.sh
#
# Without WWW_BINARY it builds `make www-unix-socket` and uses
# _build/www/unix-socket/www. Needs nginx (Debian nginx-light) and wrk.
# With ROUNDS > 1 the two servers alternate and the medians are compared.
set -u
source "$(dirname "$0")/nginx.bash"
top=$(cd "$(dirname "$0")/.." && pwd)
DURATION=${DURATION:-5s}
CONNECTIONS=${CONNECTIONS:-30}
ROUNDS=${ROUNDS:-1}
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
PAGE=$top/examples/www/site/bench/index.html

for tool in nginx wrk taskset; do
	command -v "$tool" >/dev/null || { echo "www_vs_nginx: $tool is missing (apt-get install nginx-light wrk util-linux)" >&2; exit 1; }
done
[ "$(wc -c <"$PAGE")" -eq 612 ] || { echo "www_vs_nginx: $PAGE is not 612 bytes" >&2; exit 1; }

www=${1:-}
if [ -z "$www" ]; then
	make -C "$top" --no-print-directory www-unix-socket >&2 || exit 1
	www=$top/_build/www/unix-socket/www
fi
[ -x "$www" ] || { echo "www_vs_nginx: $www is not an executable" >&2; exit 1; }

tmp=$(mktemp -d /tmp/www-vs-nginx.XXXXXX)
chmod 755 "$tmp" # nginx workers started by root run as another user
www_pid= nginx_started=
cleanup() {
	[ -n "$www_pid" ] && kill "$www_pid" 2>/dev/null && wait "$www_pid" 2>/dev/null
	if [ -n "$nginx_started" ] && [ -s "$tmp/nginx.pid" ]; then
		kill -QUIT "$(cat "$tmp/nginx.pid")" 2>/dev/null
		for _ in $(seq 50); do [ -e "$tmp/nginx.pid" ] || break; sleep 0.1; done
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

free_port() {
	/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
wait_port() {
	for _ in $(seq 100); do
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# nginx: a private prefix, one worker, the same file under the same path.
nginx_port=$(free_port)
nginx_prepare "$tmp" "127.0.0.1:$nginx_port" "$PAGE"
taskset -c "$SERVER_CPU" nginx -p "$tmp" -c "$tmp/nginx.conf" -e "$tmp/logs/error.log" ||
	{ echo "www_vs_nginx: nginx did not start" >&2; cat "$tmp/logs/error.log" >&2; exit 1; }
nginx_started=1
wait_port "$nginx_port" || { echo "www_vs_nginx: nginx does not listen" >&2; exit 1; }

www_port=$(free_port)
taskset -c "$SERVER_CPU" "$www" --net-port="$www_port" --log='*:warn' >"$tmp/www.out" 2>&1 &
www_pid=$!
wait_port "$www_port" || { echo "www_vs_nginx: www does not listen" >&2; cat "$tmp/www.out" >&2; exit 1; }

# Both must send the very same body before their speed means anything.
for port in "$nginx_port" "$www_port"; do
	curl -s "http://127.0.0.1:$port/bench/index.html" | cmp -s - "$PAGE" ||
		{ echo "www_vs_nginx: port $port does not serve the 612-byte page" >&2; exit 1; }
done

# rate PORT: requests per second wrk measured.
rate() {
	taskset -c "$CLIENT_CPU" wrk -t1 -c"$CONNECTIONS" -d"$DURATION" \
		"http://127.0.0.1:$1/bench/index.html" >"$tmp/wrk.out" 2>&1
	if grep -q 'Non-2xx\|Socket errors' "$tmp/wrk.out"; then
		echo "www_vs_nginx: errors while loading port $1:" >&2
		cat "$tmp/wrk.out" >&2
	fi
	awk '/^Requests\/sec:/ { print $2 }' "$tmp/wrk.out"
}

median() {
	sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

echo "wrk -t1 -c$CONNECTIONS -d$DURATION, keep-alive, 612-byte file; servers on cpu $SERVER_CPU, wrk on cpu $CLIENT_CPU"
: >"$tmp/nginx.rates"
: >"$tmp/www.rates"
for round in $(seq "$ROUNDS"); do
	n=$(rate "$nginx_port")
	w=$(rate "$www_port")
	[ -n "$n" ] && [ -n "$w" ] || { echo "www_vs_nginx: wrk reported no rate" >&2; cat "$tmp/wrk.out" >&2; exit 1; }
	echo "$n" >>"$tmp/nginx.rates"
	echo "$w" >>"$tmp/www.rates"
	[ "$ROUNDS" -gt 1 ] && printf 'round %d: nginx %.0f req/s, www %.0f req/s\n' "$round" "$n" "$w"
done
n=$(median <"$tmp/nginx.rates")
w=$(median <"$tmp/www.rates")
printf 'nginx (1 worker): %10.0f req/s\n' "$n"
printf 'www (ramdisk):    %10.0f req/s\n' "$w"
awk -v w="$w" -v n="$n" 'BEGIN { printf "ratio www/nginx:  %10.2f (goal >= 1.30)\n", w / n }'
