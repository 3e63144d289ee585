#!/usr/bin/env bash
# hello prints its lines with pauses and exits 0; its parameters work and a
# bad value is refused with exit status 2.
set -u
source "$(dirname "$0")/lib.sh"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$SYNTH" build -t unix-socket -o "$out" "$TOP/examples/hello" >"$out/log" 2>&1 || { cat "$out/log"; fail "build"; finish; }
bin=$out/hello/unix-socket/hello
start=$(date +%s%N)
"$bin" --count=4 --pause=100ms >"$out/stdout" 2>"$out/stderr"; rc=$?
took_ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ $rc -eq 0 ] || fail "exit status $rc, expected 0"
[ "$(grep -c '^hello from synth' "$out/stdout")" -eq 4 ] || { fail "expected 4 lines"; cat "$out/stdout"; }
[ "$took_ms" -ge 300 ] || fail "4 lines with 100 ms pauses took only ${took_ms} ms"
"$bin" --count=many >"$out/o" 2>"$out/e"; rc=$?
[ $rc -eq 2 ] || fail "a bad --count gave exit $rc, expected 2"
grep -q -- '--count' "$out/e" || { fail "the error does not name --count"; cat "$out/e"; }
"$bin" --no-such-option >/dev/null 2>&1; [ $? -eq 2 ] || fail "an unknown option did not give exit 2"
"$bin" --help >"$out/help" 2>&1 || fail "--help failed"
grep -q -- '--pause' "$out/help" || fail "--help does not list --pause"
grep -q '200ms' "$out/help" || fail "--help does not show the default of --pause"
finish
