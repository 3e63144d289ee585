#!/usr/bin/env bash
# synth describe prints the resolved graph; its --dot output is accepted
# by Graphviz's dot and names every device of the app.
set -u
source "$(dirname "$0")/lib.sh"
command -v dot >/dev/null || skip "dot is not installed (Debian package graphviz)"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for app in hello echo www; do
	"$SYNTH" describe -t unix-socket "$TOP/examples/$app" >"$out/$app.txt" 2>&1 || { fail "describe $app"; cat "$out/$app.txt"; }
	"$SYNTH" describe --dot -t unix-socket "$TOP/examples/$app" >"$out/$app.dot" 2>"$out/err" || { fail "describe --dot $app"; cat "$out/err"; continue; }
	dot -Tsvg "$out/$app.dot" >"$out/$app.svg" 2>"$out/dot-err" || { fail "dot rejected the graph of $app"; cat "$out/dot-err"; }
	[ -s "$out/dot-err" ] && { fail "dot warned about the graph of $app"; cat "$out/dot-err"; }
done
for dev in console clock net content; do
	grep -q "$dev" "$out/www.dot" || fail "www's graph does not name device $dev"
	grep -q "$dev" "$out/www.txt" || fail "www's description does not name device $dev"
done
grep -q ramdisk "$out/www.txt" || fail "www's description does not show the ramdisk implementation"
"$SYNTH" describe -t unix-socket --kv=hostdir "$TOP/examples/www" | grep -q hostdir || fail "--kv=hostdir not reflected by describe"
finish
