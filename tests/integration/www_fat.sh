#!/usr/bin/env bash
# www built with --kv=fat: the site copied by mtools into FAT12, FAT16 and
# FAT32 images (and one written by synth's own FAT library), served from
# the image through the `file` block device: every file byte for byte and
# the same checks as with the ramdisk. Usage: www_fat.sh [WWW_BINARY]
set -u
source "$(dirname "$0")/lib.sh"
for t in mkfs.fat mcopy; do
	command -v $t >/dev/null 2>&1 || skip "$t is not installed (Debian packages dosfstools, mtools)"
done
source "$(dirname "$0")/www_lib.bash"
export MTOOLS_SKIP_CHECK=1
www_setup fat "${1:-}"

# stop the current server and check it exited cleanly
www_stop() {
	kill -TERM "$WWW_PID"
	wait "$WWW_PID" || fail "www exited with status $? after SIGTERM"
	WWW_PID=
}

for fat in 12 16 32; do
	img=$out/site$fat.img
	case $fat in 12) size=4M ;; 16) size=32M ;; 32) size=64M ;; esac
	truncate -s $size "$img"
	mkfs.fat -F $fat "$img" >/dev/null
	mcopy -s -m -i "$img" "$WWW_SITE"/* ::/ || { fail "mcopy the site into FAT$fat"; continue; }
	www_start "$bin" --content_block-path="$img" --content_block-read-only=true || finish
	grep -q "content from fat" "$out/www.stdout" "$out/www.stderr" || fail "FAT$fat: the content device is not fat"
	www_common_checks "$WWW_SITE"
	www_stop
done

# An image written by the FAT library itself (through the fatcheck driver).
source "$(dirname "$0")/fat_lib.bash"
FATCHECK=$(fatcheck_path "$out" 2>"$out/cc.log") || FATCHECK=
if [ -n "$FATCHECK" ]; then
	img=$out/synth.img
	truncate -s 8M "$img"
	"$FATCHECK" "$img" format 16 SITE && "$FATCHECK" "$img" load "$WWW_SITE" || fail "synth could not write the site"
	www_start "$bin" --content_block-path="$img" || finish
	www_common_checks "$WWW_SITE"
	www_stop
fi
www_finish
