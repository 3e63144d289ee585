#!/usr/bin/env bash
# The FAT library against real peers: for FAT12, FAT16 and FAT32, images
# made by mkfs.fat and filled by mtools (nested folders, long and
# non-ASCII names, empty files, many-cluster and fragmented files, a full
# volume) are read by synth byte-exact; trees synth writes into images it
# formatted itself, or that mkfs.fat made, are read back byte-exact by
# mtools and pass `fsck.fat -n`; renames, deletions and truncation by
# synth leave fsck.fat clean.
set -u
: "${TOP:?} ${B:?}"
for t in mkfs.fat fsck.fat mcopy mmd mdel; do
	command -v "$t" >/dev/null 2>&1 || { echo "SKIP: $t is not installed (Debian packages dosfstools, mtools)"; exit 77; }
done
export MTOOLS_SKIP_CHECK=1 MTOOLS_NO_VFAT=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

source "$(dirname "$0")/fat_lib.bash"
FATCHECK=$(fatcheck_path "$tmp") || exit 1

fail=0
bad() { echo "FAIL: $*"; fail=1; }

# A tree with every kind of entry the tests care about.
src=$tmp/src
fat_make_tree "$src"

for fat in 12 16 32; do
	img=$tmp/m$fat.img
	truncate -s "$(fat_size_of $fat)" "$img"
	mkfs.fat -F $fat -n MTOOLS "$img" >/dev/null || { bad "mkfs.fat -F $fat"; continue; }
	mcopy -s -i "$img" "$src"/* ::/ || bad "mcopy into FAT$fat"
	# Fragment: many small files, every other one deleted, then a big file
	# written into the holes.
	mmd -i "$img" ::/frag
	for i in $(seq 1 60); do head -c 3000 /dev/urandom >"$tmp/f$i"; mcopy -i "$img" "$tmp/f$i" "::/frag/f$i"; done
	for i in $(seq 1 2 60); do mdel -i "$img" "::/frag/f$i"; done
	head -c 150000 /dev/urandom >"$tmp/fragmented.bin"
	mcopy -i "$img" "$tmp/fragmented.bin" ::/frag/fragmented.bin
	exp=$tmp/exp$fat
	rm -rf "$exp"; mkdir -p "$exp"; cp -r "$src"/. "$exp"/; mkdir "$exp/frag"
	for i in $(seq 2 2 60); do cp "$tmp/f$i" "$exp/frag/f$i"; done
	cp "$tmp/fragmented.bin" "$exp/frag/"
	out=$tmp/out$fat
	mkdir "$out"
	"$FATCHECK" "$img" extract "$out" || bad "synth could not extract FAT$fat"
	diff -r "$exp" "$out" >/dev/null || { bad "FAT$fat made by mtools: synth's copy differs"; diff -r "$exp" "$out" | head -5; }

	# A full volume: one file takes every free byte.
	full=$tmp/full$fat.img
	truncate -s "$(fat_size_of $fat)" "$full"
	mkfs.fat -F $fat "$full" >/dev/null
	free=$(mdir -i "$full" ::/ 2>/dev/null | grep 'bytes free' | tr -d ' ' | sed -n 's/^\([0-9]*\)bytesfree$/\1/p')
	if [ -n "$free" ]; then
		head -c "$free" /dev/urandom >"$tmp/fill.bin"
		mcopy -i "$full" "$tmp/fill.bin" ::/fill.bin || bad "mcopy could not fill FAT$fat"
		"$FATCHECK" "$full" cat fill.bin | cmp -s - "$tmp/fill.bin" || bad "FAT$fat full volume: synth's read differs"
		"$FATCHECK" "$full" info | grep -q ' free 0 ' || bad "FAT$fat full volume: synth counts free clusters"
	else
		bad "could not read the free space of FAT$fat from mdir"
	fi

	# Synth writes: into a volume it formats, and into one mkfs.fat made.
	for how in synth mkfs; do
		w=$tmp/w$fat$how.img
		truncate -s "$(fat_size_of $fat)" "$w"
		if [ $how = synth ]; then
			"$FATCHECK" "$w" format $fat SYNTH || { bad "synth format FAT$fat"; continue; }
			fsck.fat -n "$w" >"$tmp/fsck.log" 2>&1 || { bad "fsck.fat on the volume synth formatted as FAT$fat"; cat "$tmp/fsck.log"; }
			minfo -i "$w" :: >/dev/null 2>&1 || bad "mtools cannot read the FAT$fat volume synth formatted"
		else
			mkfs.fat -F $fat "$w" >/dev/null
		fi
		"$FATCHECK" "$w" load "$src" || { bad "synth load into FAT$fat ($how)"; continue; }
		fsck.fat -n "$w" >"$tmp/fsck.log" 2>&1 || { bad "fsck.fat after synth wrote FAT$fat ($how)"; cat "$tmp/fsck.log"; }
		back=$tmp/back$fat$how
		mkdir "$back"
		mcopy -s -i "$w" '::/*' "$back/" || bad "mcopy out of FAT$fat ($how)"
		diff -r "$src" "$back" >/dev/null || { bad "FAT$fat written by synth ($how): mtools' copy differs"; diff -r "$src" "$back" | head -5; }
		# Name-space changes, then mtools and fsck.fat judge again.
		"$FATCHECK" "$w" mv "Sub Folder/deeper" "moved deeper" || bad "mv folder FAT$fat"
		"$FATCHECK" "$w" mv "hello.txt" "UPPER/hello again.txt" || bad "mv file FAT$fat"
		"$FATCHECK" "$w" mv "lower.txt" "MiXeD.Txt" || bad "mv over a file FAT$fat"
		"$FATCHECK" "$w" rm "UPPER/numbered file 7.txt" || bad "rm FAT$fat"
		"$FATCHECK" "$w" rmdir "empty dir" || bad "rmdir FAT$fat"
		"$FATCHECK" "$w" truncate "moved deeper/big.bin" 1000 || bad "truncate FAT$fat"
		"$FATCHECK" "$w" rmdir "UPPER" 2>/dev/null && bad "rmdir of a non-empty folder worked"
		fsck.fat -n "$w" >"$tmp/fsck.log" 2>&1 || { bad "fsck.fat after synth's changes FAT$fat ($how)"; cat "$tmp/fsck.log"; }
		ref=$tmp/ref$fat$how
		cp -r "$src" "$ref"
		mv "$ref/Sub Folder/deeper" "$ref/moved deeper"
		mv "$ref/hello.txt" "$ref/UPPER/hello again.txt"
		mv "$ref/lower.txt" "$ref/MiXeD.Txt"
		rm "$ref/UPPER/numbered file 7.txt"
		rmdir "$ref/empty dir"
		truncate -s 1000 "$ref/moved deeper/big.bin"
		back2=$tmp/back2$fat$how
		mkdir "$back2"
		mcopy -s -i "$w" '::/*' "$back2/" || bad "mcopy out of FAT$fat ($how) after changes"
		diff -r "$ref" "$back2" >/dev/null || { bad "FAT$fat after synth's changes ($how): mtools' copy differs"; diff -r "$ref" "$back2" | head -5; }
	done
done

# Geometry: synth's format picks what mkfs.fat picks.
for size in 1440K 4M 16M 32M 256M 600M; do
	a=$tmp/ga.img b=$tmp/gb.img
	rm -f "$a" "$b"
	truncate -s $size "$a"; truncate -s $size "$b"
	mkfs.fat "$a" >/dev/null
	"$FATCHECK" "$b" format 0 >/dev/null || { bad "synth format $size"; continue; }
	# Compare the fields that describe the layout.
	pat='^(cluster size|reserved \(boot\) sectors|fats|max available root directory slots|sectors per fat|media descriptor byte|disk type|big size|small size)'
	fa=$(minfo -i "$a" :: | grep -E "$pat")
	fb=$(minfo -i "$b" :: | grep -E "$pat")
	[ "$fa" = "$fb" ] || { bad "format $size: geometry differs from mkfs.fat"; diff <(echo "$fa") <(echo "$fb"); }
	fsck.fat -n "$b" >/dev/null 2>&1 || bad "fsck.fat on synth's $size volume"
done

[ $fail = 0 ] && echo "FAT12/16/32: mtools and fsck.fat agree with synth"
exit $fail
