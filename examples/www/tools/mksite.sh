#!/bin/sh
# Regenerate the www example's pages from the docs: builds mksite.c with the
# host compiler and writes into OUTDIR (default: examples/www/site, the
# committed copy). Run it after editing README.md, docs/*.md, docs/synth.1
# or examples/www/about.md; tests/integration/www_site.sh fails until then.
set -eu
top=$(cd "$(dirname "$0")/../../.." && pwd)
out=${1:-$top/examples/www/site}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
${CC:-cc} -std=gnu11 -Wall -Wextra -Werror -O2 -o "$tmp/mksite" "$top/examples/www/tools/mksite.c"
"$tmp/mksite" -C "$top" "$out"
