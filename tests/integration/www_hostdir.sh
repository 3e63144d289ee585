#!/usr/bin/env bash
# www built with --kv=hostdir: the same checks as with the ramdisk, on a
# copy of the site read at run time, plus what only a live folder shows:
# a changed file is served changed with new validators, files larger than
# the output buffer stream correctly, and symlinks out of the folder or
# absolute links never serve what they point to. Usage: www_hostdir.sh [WWW_BINARY]
set -u
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/www_lib.bash"
www_setup hostdir "${1:-}"
site=$out/site
cp -r "$WWW_SITE" "$site"
www_start "$bin" --content-dir="$site" || finish
www_common_checks "$site"

# A file changed on disk is served changed, with a new ETag.
curl -s -o /dev/null -D "$out/h1" "$WWW_URL/about.html"
printf 'changed\n' >>"$site/about.html"
touch -d '2001-02-03 04:05:06 UTC' "$site/about.html"
curl -s -o "$out/body" -D "$out/h2" "$WWW_URL/about.html"
cmp -s "$out/body" "$site/about.html" || fail "changed file not served as changed"
[ "$(header ETag "$out/h1")" != "$(header ETag "$out/h2")" ] || fail "ETag did not change with the file"
[ "$(header Last-Modified "$out/h2")" = "Sat, 03 Feb 2001 04:05:06 GMT" ] ||
	fail "Last-Modified '$(header Last-Modified "$out/h2")' after touch"

# Large files (many output buffers), and an empty one.
head -c 3000000 /dev/urandom >"$site/big.bin"
: >"$site/empty.txt"
curl -s -o "$out/body" "$WWW_URL/big.bin" && cmp -s "$out/body" "$site/big.bin" || fail "3 MB file differs"
code=$(curl -s -o "$out/body" -D "$out/head" -w '%{http_code}' "$WWW_URL/empty.txt")
[ "$code" = 200 ] && [ ! -s "$out/body" ] && [ "$(header Content-Length "$out/head")" = 0 ] ||
	fail "empty file: status $code, Content-Length '$(header Content-Length "$out/head")'"
timeout 60 /usr/bin/python3 "$WWW_CLIENT" pipeline "$WWW_PORT" "$site" 40 || fail "pipelined requests with big files"

# Links that leave the folder are not followed.
echo "secret outside the site" >"$out/secret.txt"
ln -s "$out/secret.txt" "$site/abs-link.txt"
ln -s ../secret.txt "$site/rel-link.txt"
ln -s / "$site/root"
ln -s style.css "$site/inside-link.css"
for l in abs-link.txt rel-link.txt root/etc/passwd; do
	code=$(curl -s -o "$out/body" -w '%{http_code}' "$WWW_URL/$l")
	[ "$code" = 200 ] && fail "/$l (symlink out of the folder): status 200"
	grep -q 'secret\|root:' "$out/body" && fail "/$l served what is outside the folder"
done
code=$(curl -s -o "$out/body" -w '%{http_code}' "$WWW_URL/inside-link.css")
[ "$code" = 200 ] && cmp -s "$out/body" "$site/style.css" || fail "symlink inside the folder: status $code"

www_finish
