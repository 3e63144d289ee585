#!/usr/bin/env bash
# www built with --kv=fat --block=fatimage: synth makes a FAT volume of the
# site at build time and bakes it into the binary, so www serves FAT with
# no file beside it: every file byte for byte and the same checks as with
# the ramdisk. The volume synth made is clean for fsck.fat and mtools
# reads the site back from it (when they are installed), and a change to a
# site file reaches the binary through make alone.
# Usage: www_fatimage.sh [WWW_BINARY]
set -u
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/www_lib.bash"
export MTOOLS_SKIP_CHECK=1

# build_fatimage APPDIR OUT: synth build with the site baked into a FAT
# volume; prints the binary's path.
build_fatimage() {
	mkdir -p "$2"
	"$SYNTH" build -t unix-socket --kv=fat --block=fatimage -o "$2" "$1" >"$2/build.log" 2>&1 ||
		{ cat "$2/build.log" >&2; return 1; }
	echo "$2/www/unix-socket/www"
}

built=${1:-}
if [ -z "$built" ]; then
	built=$(build_fatimage "$TOP/examples/www" "$B/tests/www-fatimage") || { fail "build"; finish; }
fi
www_setup fat "$built"
gen=$(dirname "$bin")

www_start "$bin" || finish
grep -q "content from fat" "$out/www.stdout" "$out/www.stderr" || fail "the content device is not fat"
www_common_checks "$WWW_SITE"
kill -TERM "$WWW_PID"
wait "$WWW_PID" || fail "www exited with status $? after SIGTERM"
WWW_PID=

# The volume as synth made it: the stored bytes, then zeros to its size.
img=$gen/fatimage_content_block.img
disk=$(sed -n 's/^[[:space:]]*\.quad[[:space:]]*\.Ldata, \.Lend - \.Ldata, \([0-9]*\)$/\1/p' "$gen/fatimage_content_block.S")
if [ -f "$img" ] && [ -n "$disk" ]; then
	cp "$img" "$out/volume.img"
	truncate -s "$disk" "$out/volume.img"
	if command -v fsck.fat >/dev/null; then
		fsck.fat -n "$out/volume.img" >"$out/fsck.log" 2>&1 || { fail "fsck.fat -n on synth's volume"; cat "$out/fsck.log"; }
	fi
	if command -v mcopy >/dev/null; then
		mkdir "$out/mt"
		mcopy -s -n -i "$out/volume.img" '::/*' "$out/mt/" || fail "mcopy out of synth's volume"
		diff -r "$out/mt" "$WWW_SITE" >"$out/diff.log" || { fail "mtools reads another tree"; head "$out/diff.log"; }
	fi
else
	fail "no volume image or size in $gen"
fi

# A change to a site file reaches the binary through make: synth runs
# again and makes a new volume.
cp -r "$TOP/examples/www" "$out/app"
bin2=$(build_fatimage "$out/app" "$out/b") || fail "build of the copy"
if [ -n "$bin2" ]; then
	echo '<p>changed after the first build</p>' >>"$out/app/site/index.html"
	touch -d '+2 seconds' "$out/app/site/index.html"
	make -f "$out/b/www/unix-socket/build.mk" >"$out/make.log" 2>&1 || { fail "make after the change"; cat "$out/make.log"; }
	grep -q SYNTH "$out/make.log" || fail "make did not run synth again: $(cat "$out/make.log")"
	www_start "$bin2" || finish
	curl -s -o "$out/body" "$WWW_URL/index.html"
	cmp -s "$out/body" "$out/app/site/index.html" || fail "the rebuilt binary serves the old index.html"
fi
www_finish
