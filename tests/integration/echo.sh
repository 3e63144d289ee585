#!/usr/bin/env bash
# echo on unix-socket answers real clients (socat, and many at once) with
# exactly the bytes they sent, and stops cleanly on SIGTERM.
set -u
source "$(dirname "$0")/lib.sh"
command -v socat >/dev/null || skip "socat is not installed (Debian package socat)"
out=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && stop_pid $pid; rm -rf "$out"' EXIT
"$SYNTH" build -t unix-socket -o "$out" "$TOP/examples/echo" >"$out/log" 2>&1 || { cat "$out/log"; fail "build"; finish; }
port=$(free_port)
"$out/echo/unix-socket/echo" --net-port="$port" >"$out/stdout" 2>"$out/stderr" &
pid=$!
wait_port "$port" || { fail "echo did not listen on $port"; cat "$out/stderr"; finish; }
head -c 3000000 /dev/urandom >"$out/in"
timeout 20 socat -t 5 -T 10 - "TCP:127.0.0.1:$port,shut-down" <"$out/in" >"$out/back" || fail "socat failed"
cmp -s "$out/in" "$out/back" || fail "3 MB came back different ($(stat -c %s "$out/back") bytes)"
# 50 clients at once, each with its own text.
for i in $(seq 50); do
	(printf 'client %s says hello\n' "$i" | timeout 10 socat -t 2 - "TCP:127.0.0.1:$port" >"$out/c$i") &
done
wait $(jobs -p | grep -v "^$pid\$") 2>/dev/null
for i in $(seq 50); do
	[ "$(cat "$out/c$i")" = "client $i says hello" ] || { fail "client $i got '$(cat "$out/c$i")'"; break; }
done
kill -TERM "$pid"
for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
if kill -0 "$pid" 2>/dev/null; then fail "echo did not stop on SIGTERM"; else
	wait "$pid"; rc=$?; [ $rc -eq 0 ] || fail "exit status $rc after SIGTERM"; fi
pid=
finish
