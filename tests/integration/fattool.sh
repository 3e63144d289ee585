#!/usr/bin/env bash
# The fattool example against mtools and fsck.fat, on FAT12, FAT16 and
# FAT32: trees mcopy wrote (nested, long and non-ASCII names, empty and
# many-cluster files) are copied out by fattool byte-exact; trees fattool
# copies in (then changes with mkdir, write, mv, rm, rm -r) are read back
# by mcopy byte-exact and pass `fsck.fat -n`; volumes fattool formats are
# clean for fsck.fat and take files from mcopy that fattool reads back;
# and the command line's quoting, errors and exit statuses.
set -u
source "$(dirname "$0")/lib.sh"
for t in mkfs.fat fsck.fat mcopy mdir; do
	command -v $t >/dev/null 2>&1 || skip "$t is not installed (Debian packages dosfstools, mtools)"
done
export MTOOLS_SKIP_CHECK=1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

dir=$B/tests/fattool
mkdir -p "$dir"
"$SYNTH" build -t unix-socket -o "$dir" "$TOP/examples/fattool" >"$dir/build.log" 2>&1 ||
	{ cat "$dir/build.log"; fail "build"; finish; }
F=$dir/fattool/unix-socket/fattool

# ft IMAGE COMMANDS: run fattool on an image with the host side at $tmp.
ft() {
	local img=$1
	shift
	"$F" --image-path="$img" --host-dir="$tmp" --cmd="$*"
}

# A tree with the entries FAT finds hard.
source "$(dirname "$0")/fat_lib.bash"
src=$tmp/src
fat_make_tree "$src"

for fat in 12 16 32; do
	# mcopy writes, fattool reads.
	img=$tmp/m$fat.img
	truncate -s "$(fat_size_of $fat)" "$img"
	mkfs.fat -F $fat -n MTOOLS "$img" >/dev/null || { fail "mkfs.fat -F $fat"; continue; }
	mcopy -s -i "$img" "$src"/* ::/ || fail "mcopy into FAT$fat"
	rm -rf "$tmp/out"
	ft "$img" "cp -r / host:out" >"$tmp/log" 2>&1 || { fail "FAT$fat: fattool cp -r / host:out"; cat "$tmp/log"; }
	diff -r "$src" "$tmp/out" >"$tmp/diff" || { fail "FAT$fat made by mtools: fattool's copy differs"; head -5 "$tmp/diff"; }
	ft "$img" "cat '/Sub Folder/Grüße ünïcödé.txt'" >"$tmp/cat" && [ "$(cat "$tmp/cat")" = grüße ] ||
		fail "FAT$fat: cat of a non-ASCII name: $(cat "$tmp/cat")"
	ft "$img" "ls -R /" >"$tmp/ls" || fail "FAT$fat: ls -R"
	(cd "$src" && find . -mindepth 1 | sed 's|.*/||' | sort) >"$tmp/names.want"
	grep -v -e ':$' -e '^$' "$tmp/ls" | sed 's|/$||' | sort >"$tmp/names.got"
	diff "$tmp/names.want" "$tmp/names.got" >/dev/null || { fail "FAT$fat: ls -R names"; diff "$tmp/names.want" "$tmp/names.got" | head -5; }
	ft "$img" info >"$tmp/info" && grep -q "type: *FAT$fat" "$tmp/info" && grep -q 'label: *MTOOLS' "$tmp/info" ||
		{ fail "FAT$fat: info"; cat "$tmp/info"; }

	# fattool writes (into the volume mkfs.fat made), mcopy reads.
	ft "$img" "mkdir /new; cp -r host:src /new/tree; write /new/note.txt 'a note'; write -a /new/note.txt ', longer';" \
		"mkdir -p /new/a/b/c; mv /new/tree/hello.txt /new/a/b/c/; mv /new/tree/UPPER /new/up;" \
		"rm '/new/tree/empty.txt' '/new/up/numbered file 3.txt'; rm -r '/new/tree/Sub Folder'; rmdir '/new/tree/empty dir'" \
		>"$tmp/log" 2>&1 || { fail "FAT$fat: fattool's changes"; cat "$tmp/log"; }
	exp=$tmp/exp
	rm -rf "$exp" "$tmp/mt"
	mkdir -p "$exp/a/b/c"
	cp -r "$src" "$exp/tree"
	printf 'a note, longer' >"$exp/note.txt"
	mv "$exp/tree/hello.txt" "$exp/a/b/c/"
	mv "$exp/tree/UPPER" "$exp/up"
	rm -r "$exp/tree/empty.txt" "$exp/up/numbered file 3.txt" "$exp/tree/Sub Folder"
	rmdir "$exp/tree/empty dir"
	mkdir "$tmp/mt"
	mcopy -s -n -i "$img" ::/new/* "$tmp/mt/" || fail "FAT$fat: mcopy out of what fattool wrote"
	diff -r "$exp" "$tmp/mt" >"$tmp/diff" || { fail "FAT$fat: mtools reads another tree than fattool wrote"; head -5 "$tmp/diff"; }
	fsck.fat -n "$img" >"$tmp/fsck" 2>&1 || { fail "FAT$fat: fsck.fat -n after fattool's changes"; cat "$tmp/fsck"; }

	# fattool formats; mtools writes into that volume; fattool reads.
	w=$tmp/f$fat.img
	rm -f "$w"
	"$F" --image-path="$w" --image-size="$(fat_size_of $fat)" --cmd="format -F $fat -n FATTOOL" >"$tmp/log" 2>&1 ||
		{ fail "FAT$fat: format"; cat "$tmp/log"; continue; }
	grep -q "formatted: FAT$fat" "$tmp/log" || fail "FAT$fat: format said $(cat "$tmp/log")"
	fsck.fat -n "$w" >"$tmp/fsck" 2>&1 || { fail "FAT$fat: fsck.fat -n on fattool's format"; cat "$tmp/fsck"; }
	mdir -i "$w" ::/ >"$tmp/mdir" 2>&1 && grep -q 'is FATTOOL' "$tmp/mdir" || { fail "FAT$fat: mdir of fattool's format"; cat "$tmp/mdir"; }
	mcopy -s -i "$w" "$src"/* ::/ || fail "FAT$fat: mcopy into fattool's format"
	rm -rf "$tmp/out"
	ft "$w" "cp -r / host:out" >"$tmp/log" 2>&1 || { fail "FAT$fat: fattool cp out"; cat "$tmp/log"; }
	diff -r "$src" "$tmp/out" >/dev/null || fail "FAT$fat: fattool reads another tree than mcopy wrote into its format"
	fsck.fat -n "$w" >/dev/null 2>&1 || fail "FAT$fat: fsck.fat -n after reading"
done

# A crowded folder written by fattool (entries added one after another
# without rereading the folder): mcopy reads it back, fsck.fat is clean.
mkdir "$tmp/crowd"
for i in $(seq 1 400); do
	printf '%d' $i >"$tmp/crowd/similar long name $i.txt"
	printf '%d' $i >"$tmp/crowd/f$i.txt"
	printf '%d' $i >"$tmp/crowd/MiX$i.Txt"
done
img=$tmp/crowd.img
truncate -s 64M "$img"
mkfs.fat -F 32 "$img" >/dev/null
ft "$img" "cp -r host:crowd /crowd" >"$tmp/log" 2>&1 || { fail "crowded folder: fattool cp"; cat "$tmp/log"; }
rm -rf "$tmp/crowd.out"
mkdir "$tmp/crowd.out"
mcopy -s -n -i "$img" ::/crowd "$tmp/crowd.out/" || fail "crowded folder: mcopy out"
diff -r "$tmp/crowd" "$tmp/crowd.out/crowd" >/dev/null || fail "crowded folder: mtools reads another tree"
fsck.fat -n "$img" >"$tmp/fsck" 2>&1 || { fail "crowded folder: fsck.fat -n"; head "$tmp/fsck"; }

# The command line: help, quoting, errors and exit statuses.
img=$tmp/m16.img
"$F" --image-path="$img" --cmd=help >"$tmp/help" || fail "--cmd=help"
for c in ls cat write cp mkdir rm rmdir mv stat format info help; do
	grep -q "^  $c" "$tmp/help" || fail "help does not list $c"
done
"$F" --help | grep -q -- '--cmd=string' || fail "--help does not list --cmd"
ft "$img" "write \"/it's got spaces.txt\" 'a;b'; cat /it\\'s\\ got\\ spaces.txt" >"$tmp/out.txt" &&
	[ "$(cat "$tmp/out.txt")" = 'a;b' ] || fail "quoting: $(cat "$tmp/out.txt")"
ft "$img" "cat /no-such-file" >"$tmp/log" 2>&1
[ $? = 1 ] && grep -q 'no-such-file: no such file' "$tmp/log" || fail "a missing file: $(cat "$tmp/log")"
ft "$img" "frobnicate" >"$tmp/log" 2>&1
[ $? = 2 ] && grep -q "unknown command 'frobnicate'" "$tmp/log" || fail "an unknown command: $(cat "$tmp/log")"
ft "$img" "ls 'open" >/dev/null 2>&1
[ $? = 2 ] || fail "an unclosed quote is not a usage error"
ft "$img" "mkdir /stop; cat /missing; mkdir /never" >/dev/null 2>&1
ft "$img" "stat /stop" >/dev/null 2>&1 || fail "the command before a failure did not run"
ft "$img" "stat /never" >/dev/null 2>&1 && fail "a command after a failure ran"
ft "$img" "mv /stop host:stop" >"$tmp/log" 2>&1 && fail "mv across sides succeeded"
ft "$img" "cp -r /new /new/inside" >"$tmp/log" 2>&1 && fail "copying a folder into itself succeeded"
ft "$img" "rm -r /" >"$tmp/log" 2>&1 && fail "rm -r / succeeded"
ft "$img" "ls host:../" >"$tmp/log" 2>&1 && fail "the host side let ls leave its folder"
truncate -s 1M "$tmp/blank.img"
"$F" --image-path="$tmp/blank.img" --cmd="ls" >"$tmp/log" 2>&1
[ $? = 1 ] && grep -q 'no FAT volume' "$tmp/log" || fail "an image without a volume: $(cat "$tmp/log")"
fsck.fat -n "$img" >/dev/null 2>&1 || fail "fsck.fat -n after the command-line checks"
finish
