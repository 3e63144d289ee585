#!/usr/bin/env bash
# How long `synth configure` takes per example (goal: <= 20 ms) and how big
# each example's binary is. Run after `make matrix`:
#   bench/synth_configure.sh [RUNS]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
synth=${SYNTH:-$top/_build/synth/synth}
runs=${1:-50}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
printf '%-8s %-12s %14s %12s\n' app target "configure(ms)" "binary(KiB)"
for dir in "$top"/examples/*/; do
	app=$(basename "$dir")
	[ -f "$dir/app.synth" ] || continue
	"$synth" matrix --format text | awk -v a="$app" '$1 == a { print $2 }' | while read -r target; do
		"$synth" configure -t "$target" -o "$out" "$dir" >/dev/null
		start=$(date +%s%N)
		for _ in $(seq "$runs"); do "$synth" configure -t "$target" -o "$out" "$dir" >/dev/null; done
		ms=$(awk -v d="$(($(date +%s%N) - start))" -v r="$runs" 'BEGIN { printf "%.2f", d / 1e6 / r }')
		bin=$top/_build/$app/$target/$app
		size=-
		[ -f "$bin" ] && size=$(( $(stat -c %s "$bin") / 1024 ))
		printf '%-8s %-12s %14s %12s\n' "$app" "$target" "$ms" "$size"
	done
done
