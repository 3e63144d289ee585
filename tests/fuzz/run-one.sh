#!/usr/bin/env bash
# Run one libFuzzer harness for a bounded time over its seed corpus
# (tests/fuzz/corpus/NAME) plus what earlier runs found (kept in the build
# folder, never in the source tree). Usage: run-one.sh HARNESS [SECONDS]
set -eu
h=$1 seconds=${2:-10}
top=$(cd "$(dirname "$0")/../.." && pwd)
name=${h##*/}; name=${name#fuzz_}
corpus=$top/tests/fuzz/corpus/$name
found=$(dirname "$h")/found/$name
mkdir -p "$found"
exec "$h" -max_total_time="$seconds" -timeout=5 -rss_limit_mb=2048 -print_final_stats=1 \
	-artifact_prefix="$(dirname "$h")/" "$found" "$corpus"
