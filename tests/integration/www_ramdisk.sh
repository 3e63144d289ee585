#!/usr/bin/env bash
# www on unix-socket with the default kv (ramdisk: the site baked into the
# binary), answered by curl and a raw client: every file byte for byte,
# headers, HEAD, folders, 404/405, traversal, 400/414/431/501/505,
# conditional GET, keep-alive. Usage: www_ramdisk.sh [WWW_BINARY]
set -u
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/www_lib.bash"
www_setup ramdisk "${1:-}"
www_start "$bin" || finish
grep -q "^www: listening on http://127.0.0.1:$WWW_PORT/" "$out/www.stdout" ||
	fail "no 'listening on' line on the console: $(cat "$out/www.stdout")"
www_common_checks "$WWW_SITE"
# The ramdisk is baked in: what a running server sends does not change
# when the folder does, and its validators are stable across requests.
e1=$(curl -s -o /dev/null -D - "$WWW_URL/index.html" | grep -i '^ETag')
e2=$(curl -s -o /dev/null -D - "$WWW_URL/index.html" | grep -i '^ETag')
[ "$e1" = "$e2" ] || fail "ETag changed between two requests: $e1 / $e2"
www_finish
