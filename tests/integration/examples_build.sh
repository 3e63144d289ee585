#!/usr/bin/env bash
# Every example builds for every target it allows (synth matrix), and each
# binary answers --help with its parameters.
set -u
source "$(dirname "$0")/lib.sh"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
list=$("$SYNTH" matrix --format text) || { fail "synth matrix failed"; finish; }
n=0
while read -r app target _; do
	[ -n "$app" ] || continue
	n=$((n + 1))
	if ! "$SYNTH" build -t "$target" -o "$out" "$TOP/examples/$app" >"$out/log" 2>&1; then
		fail "$app for $target did not build"; tail -n 20 "$out/log"; continue
	fi
	bin=$out/$app/$target/$app
	[ -x "$bin" ] || { fail "$app for $target: no binary at $bin"; continue; }
	if ! "$bin" --help >"$out/help" 2>&1; then fail "$app --help exited non-zero"; fi
	grep -q -- '--help' "$out/help" || fail "$app --help does not list options"
done <<<"$list"
[ "$n" -ge 3 ] || fail "synth matrix listed $n builds, expected at least hello, echo and www"
finish
