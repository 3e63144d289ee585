#!/usr/bin/env bash
# synth's FAT library (through the fattool example) against mtools, side by
# side on tmpfs: sequential write and read of one large file in a FAT32
# image (goal: >= 5x mcopy), and the rate of creating many small files in
# one folder. Also times dd with the same block size doing the bare copy,
# the floor neither tool can go below on this machine.
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
for t in mkfs.fat mcopy fsck.fat; do
	command -v $t >/dev/null || { echo "$t is not installed (Debian packages dosfstools, mtools)" >&2; exit 1; }
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

head -c $((mib << 20)) /dev/urandom >"$work/src.bin"
mkdir "$work/small"
for i in $(seq 1 "$files"); do printf 'small file number %d\n' "$i" >"$work/small/f$i.txt"; done

# One run of each tool in turn, RUNS times, so that load from elsewhere
# on the machine falls on all of them alike.
declare -A t all
for _ in $(seq "$runs"); do
	for tool in dd mcopy fattool; do
		fresh_image
		rm -f "$work/out.bin"
		case $tool in
		dd)
			w=$(secs dd if="$work/src.bin" of="$work/img" bs=8M seek=8 conv=notrunc status=none)
			r=$(secs dd if="$work/img" of="$work/out.bin" bs=8M skip=8 count=$((mib / 8)) status=none) ;;
		mcopy)
			w=$(secs mcopy -i "$work/img" "$work/src.bin" ::/big.bin)
			r=$(secs mcopy -i "$work/img" ::/big.bin "$work/out.bin")
			cmp -s "$work/out.bin" "$work/src.bin" || { echo "mcopy read back other bytes" >&2; exit 1; }
			fresh_image
			all[$tool.create]+="$(secs mcopy -s -i "$work/img" "$work/small" ::/small) " ;;
		fattool)
			w=$(secs ft "cp host:src.bin /big.bin")
			r=$(secs ft "cp /big.bin host:out.bin")
			cmp -s "$work/out.bin" "$work/src.bin" || { echo "fattool read back other bytes" >&2; exit 1; }
			fsck.fat -n "$work/img" >/dev/null || { echo "fsck.fat finds fattool's image damaged" >&2; exit 1; }
			fresh_image
			all[$tool.create]+="$(secs ft "cp -r host:small /small") "
			fsck.fat -n "$work/img" >/dev/null || { echo "fsck.fat finds fattool's small files damaged" >&2; exit 1; } ;;
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
printf '%-28s %12s %12s %12s %10s\n' "" "dd (floor)" mcopy fattool "fattool vs mcopy"
for op in write read; do
	printf '%-28s %11ss %11ss %11ss %10s\n' "$op $mib MiB" "${t[dd.$op]}" "${t[mcopy.$op]}" "${t[fattool.$op]}" \
		"$(ratio "${t[mcopy.$op]}" "${t[fattool.$op]}")"
	printf '%-28s %12s %12s %12s\n' "  MB/s" "$(rate $((mib << 20)) "${t[dd.$op]}" | awk '{ printf "%.0f", $1 / 1e6 }')" \
		"$(rate $((mib << 20)) "${t[mcopy.$op]}" | awk '{ printf "%.0f", $1 / 1e6 }')" \
		"$(rate $((mib << 20)) "${t[fattool.$op]}" | awk '{ printf "%.0f", $1 / 1e6 }')"
done
printf '%-28s %12s %11ss %11ss %10s\n' "create $files files" - "${t[mcopy.create]}" "${t[fattool.create]}" \
	"$(ratio "${t[mcopy.create]}" "${t[fattool.create]}")"
printf '%-28s %12s %12s %12s\n' "  files/s" - "$(rate "$files" "${t[mcopy.create]}")" "$(rate "$files" "${t[fattool.create]}")"
