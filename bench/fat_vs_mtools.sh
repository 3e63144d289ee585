#!/usr/bin/env bash
# synth's FAT library (through the fattool example) against mtools, side by
# side on tmpfs: sequential write and read of one large file in a FAT32
# image (goal: >= 5x mcopy), and many small files in one folder: created,
# copied out, removed. Two floors are timed beside them, moving the same bytes
# between the same places with no file system in the way: dd (through a
# user buffer, as mcopy and fattool both do) and copy_file_range(2) (the
# kernel copies page to page with no user copy: the least any tool can
# spend to put the file into tmpfs pages or take it out).
#
#   bench/fat_vs_mtools.sh [MIB] [FILES] [RUNS]     (defaults 256 10000 3)
#
# Each figure is the best of RUNS runs (the machine's other work only ever
# adds time; BENCH_VERBOSE=1 prints every run), each on a fresh image.
# Needs mkfs.fat, mcopy (dosfstools, mtools); builds fattool (synth build).
# BENCH_DIR chooses the tmpfs folder (default /dev/shm).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
synth=${SYNTH:-$top/_build/synth/synth}
mib=${1:-256}
files=${2:-10000}
runs=${3:-3}
for t in mkfs.fat mcopy mdeltree fsck.fat python3; do
	command -v $t >/dev/null || { echo "$t is not installed (Debian packages dosfstools, mtools, python3)" >&2; exit 1; }
done
export MTOOLS_SKIP_CHECK=1
work=$(mktemp -d "${BENCH_DIR:-/dev/shm}/fat-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
fattool=$top/_build/fattool/unix-socket/fattool
"$synth" build -t unix-socket -o "$top/_build" "$top/examples/fattool" >"$work/build.log" 2>&1 ||
	{ cat "$work/build.log" >&2; exit 1; }
ft() { "$fattool" --image-path="$work/img" --host-dir="$work" --cmd="$1"; }

# The image: FAT32 as mkfs.fat makes it, twice the file's size (sparse).
fresh_image() {
	rm -f "$work/img"
	truncate -s $((mib * 2 + 64))M "$work/img"
	mkfs.fat -F 32 "$work/img" >/dev/null
}

# secs COMMAND...: wall time of one run, in seconds.
secs() {
	local start end
	start=$(date +%s%N)
	"$@" >/dev/null
	end=$(date +%s%N)
	awk -v d=$((end - start)) 'BEGIN { printf "%.4f", d / 1e9 }'
}

best() { sort -n | head -n 1; }

# kcopy SRC SRC_OFFSET DST DST_OFFSET BYTES: the copy by copy_file_range(2)
# alone; prints its seconds (python3's start-up is not in them).
kcopy() {
	python3 -c '
import os, sys, time
src, soff, dst, doff, n = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
i = os.open(src, os.O_RDONLY)
o = os.open(dst, os.O_WRONLY | os.O_CREAT, 0o644)
t = time.monotonic()
while n > 0:
    k = os.copy_file_range(i, o, n, soff, doff)
    if k <= 0:
        sys.exit("copy_file_range stopped early")
    soff, doff, n = soff + k, doff + k, n - k
print("%.4f" % (time.monotonic() - t))' "$@"
}

head -c $((mib << 20)) /dev/urandom >"$work/src.bin"
mkdir "$work/small"
for i in $(seq 1 "$files"); do printf 'small file number %d\n' "$i" >"$work/small/f$i.txt"; done

# One run of each tool in turn, RUNS times, so that load from elsewhere
# on the machine falls on all of them alike.
declare -A t all
for _ in $(seq "$runs"); do
	for tool in kcopy dd mcopy fattool; do
		fresh_image
		rm -f "$work/out.bin"
		case $tool in
		kcopy)
			w=$(kcopy "$work/src.bin" 0 "$work/img" $((8 << 20)) $((mib << 20)))
			r=$(kcopy "$work/img" $((8 << 20)) "$work/out.bin" 0 $((mib << 20))) ;;
		dd)
			w=$(secs dd if="$work/src.bin" of="$work/img" bs=8M seek=8 conv=notrunc status=none)
			r=$(secs dd if="$work/img" of="$work/out.bin" bs=8M skip=8 count=$((mib / 8)) status=none) ;;
		mcopy)
			w=$(secs mcopy -i "$work/img" "$work/src.bin" ::/big.bin)
			r=$(secs mcopy -i "$work/img" ::/big.bin "$work/out.bin")
			cmp -s "$work/out.bin" "$work/src.bin" || { echo "mcopy read back other bytes" >&2; exit 1; }
			fresh_image
			all[$tool.create]+="$(secs mcopy -s -i "$work/img" "$work/small" ::/small) "
			rm -rf "$work/small.out"
			all[$tool.out]+="$(secs mcopy -s -i "$work/img" ::/small "$work/small.out") "
			diff -r "$work/small" "$work/small.out" >/dev/null || { echo "mcopy copied other files out" >&2; exit 1; }
			all[$tool.remove]+="$(secs mdeltree -i "$work/img" ::/small) " ;;
		fattool)
			w=$(secs ft "cp host:src.bin /big.bin")
			r=$(secs ft "cp /big.bin host:out.bin")
			cmp -s "$work/out.bin" "$work/src.bin" || { echo "fattool read back other bytes" >&2; exit 1; }
			fsck.fat -n "$work/img" >/dev/null || { echo "fsck.fat finds fattool's image damaged" >&2; exit 1; }
			fresh_image
			all[$tool.create]+="$(secs ft "cp -r host:small /small") "
			fsck.fat -n "$work/img" >/dev/null || { echo "fsck.fat finds fattool's small files damaged" >&2; exit 1; }
			rm -rf "$work/small.out"
			all[$tool.out]+="$(secs ft "cp -r /small host:small.out") "
			diff -r "$work/small" "$work/small.out" >/dev/null || { echo "fattool copied other files out" >&2; exit 1; }
			all[$tool.remove]+="$(secs ft "rm -r /small") "
			fsck.fat -n "$work/img" >/dev/null || { echo "fsck.fat finds the image damaged after rm -r" >&2; exit 1; } ;;
		esac
		all[$tool.write]+="$w "
		all[$tool.read]+="$r "
	done
done
[ -n "${BENCH_VERBOSE:-}" ] && for k in "${!all[@]}"; do echo "$k: ${all[$k]}"; done | sort
for k in "${!all[@]}"; do
	t[$k]=$(printf '%s\n' ${all[$k]} | best)
done

rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", n / s }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'; }
echo "FAT32 image on $(df --output=fstype "$work" | tail -n 1) ($work), best of $runs runs"
mbs() { rate $((mib << 20)) "$1" | awk '{ printf "%.0f", $1 / 1e6 }'; }
row() { printf '%-20s %15s %9s %9s %9s %9s %9s\n' "$@"; }
row "" copy_file_range dd mcopy fattool fattool "mcopy"
row "" "(kernel floor)" "(floor)" "" "" "vs mcopy" "vs floor"
for op in write read; do
	row "$op $mib MiB" "${t[kcopy.$op]}s" "${t[dd.$op]}s" "${t[mcopy.$op]}s" "${t[fattool.$op]}s" \
		"$(ratio "${t[mcopy.$op]}" "${t[fattool.$op]}")" "$(ratio "${t[mcopy.$op]}" "${t[kcopy.$op]}")"
	row "  MB/s" "$(mbs "${t[kcopy.$op]}")" "$(mbs "${t[dd.$op]}")" "$(mbs "${t[mcopy.$op]}")" "$(mbs "${t[fattool.$op]}")"
done
row "create $files files" - - "${t[mcopy.create]}s" "${t[fattool.create]}s" "$(ratio "${t[mcopy.create]}" "${t[fattool.create]}")"
row "  files/s" - - "$(rate "$files" "${t[mcopy.create]}")" "$(rate "$files" "${t[fattool.create]}")"
row "copy them out" - - "${t[mcopy.out]}s" "${t[fattool.out]}s" "$(ratio "${t[mcopy.out]}" "${t[fattool.out]}")"
row "remove them" - - "${t[mcopy.remove]}s" "${t[fattool.remove]}s" \
	"$(ratio "${t[mcopy.remove]}" "${t[fattool.remove]}")"
echo "(mtools' figures: mcopy -s in and out, mdeltree to remove; fattool's: cp -r and rm -r.)"
echo "fattool vs mcopy: how many times faster fattool is than mcopy."
echo "mcopy vs floor: the most any tool could gain over mcopy by copying less (copy_file_range moves no byte through user space)."
