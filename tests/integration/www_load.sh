#!/usr/bin/env bash
# www under load shapes a browser or a benchmark produces: 100 pipelined
# requests on one connection, 500 connections at once (raw, and curl
# --parallel), a connection limit that makes clients wait rather than
# fail, and the idle timeout (also for a request that trickles in). Usage: www_load.sh [WWW_BINARY]
set -u
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/www_lib.bash"
www_setup ramdisk "${1:-}"
[ "$(ulimit -n)" -ge 1100 ] || ulimit -n 4096 2>/dev/null || skip "cannot raise the descriptor limit to 1100"

www_start "$bin" --idle-timeout=2s || finish
timeout 60 /usr/bin/python3 "$WWW_CLIENT" pipeline "$WWW_PORT" "$WWW_SITE" 100 || fail "100 pipelined requests"
timeout 60 /usr/bin/python3 "$WWW_CLIENT" pipeline "$WWW_PORT" "$WWW_SITE" 1000 || fail "1000 pipelined requests"
timeout 120 /usr/bin/python3 "$WWW_CLIENT" concurrent "$WWW_PORT" "$WWW_SITE" 500 || fail "500 concurrent connections"
# curl's own parallel mode: 500 transfers, up to 500 at once.
for i in $(seq 500); do
	echo "url = \"$WWW_URL/style.css?n=$i\""
	echo "output = \"$out/p$i\""
done >"$out/curl.cfg"
timeout 120 curl -s --no-progress-meter --parallel --parallel-max 500 --parallel-immediate -K "$out/curl.cfg" 2>"$out/curl.err" ||
	fail "curl --parallel: $(tail -n 3 "$out/curl.err")"
bad=0
for i in $(seq 500); do cmp -s "$out/p$i" "$WWW_SITE/style.css" || bad=$((bad + 1)); done
[ "$bad" = 0 ] || fail "curl --parallel: $bad of 500 bodies differ"
timeout 30 /usr/bin/python3 "$WWW_CLIENT" idle "$WWW_PORT" 2 || fail "idle timeout"
timeout 30 /usr/bin/python3 "$WWW_CLIENT" trickle "$WWW_PORT" 2 || fail "slow request"
kill -0 "$WWW_PID" 2>/dev/null || fail "www died under load: $(tail -n 5 "$out/www.stderr")"
stop_pid "$WWW_PID"

# At most 8 connections at once: 100 clients still all get served, the
# others waiting in the backlog until a slot frees.
www_start "$bin" --max-connections=8 --idle-timeout=2s || finish
timeout 120 /usr/bin/python3 "$WWW_CLIENT" concurrent "$WWW_PORT" "$WWW_SITE" 100 || fail "100 clients with 8 slots"
www_finish
