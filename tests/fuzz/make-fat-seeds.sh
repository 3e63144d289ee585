#!/usr/bin/env bash
# Regenerates the seed corpus of tests/fuzz/fuzz_fat.c from real peers:
# mkfs.fat images filled by mtools, cut after their last non-zero sector
# (the harness reads the rest as zeros), and a real FAT32 volume (65525+
# clusters, so a 256 KiB FAT) in the harness's sparse form.
# Usage: tests/fuzz/make-fat-seeds.sh [OUTDIR]   (default tests/fuzz/corpus/fat)
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$top/tests/fuzz/corpus/fat}
export MTOOLS_SKIP_CHECK=1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out" "$tmp/src/Folder One/Nested" "$tmp/src/e"
printf 'hi\n' >"$tmp/src/a.txt"
: >"$tmp/src/empty"
printf 'grüße' >"$tmp/src/Folder One/Ünïcödé name.txt"
head -c 5000 /dev/zero | tr '\0' 'q' >"$tmp/src/Folder One/Nested/A long multi-cluster file.bin"
printf 'Mixed' >"$tmp/src/MiXeD.Txt"

# encode RAW|SPARSE IMAGE OUT
encode() {
	/usr/bin/python3 - "$@" <<'P'
import sys
mode, img, out = sys.argv[1:4]
d = open(img, 'rb').read()
S = 512
if mode == 'raw':
    n = len(d.rstrip(b'\0'))
    open(out, 'wb').write(d[:(n + S - 1) // S * S])
    sys.exit(0)
recs, i, total = [], 0, len(d) // S
while i < total:
    if i != 0 and d[i*S:(i+1)*S] == bytes(S):
        i += 1
        continue
    j = i
    while j < total and j - i < 65535 and (j == 0 or d[j*S:(j+1)*S] != bytes(S)):
        j += 1
    recs.append(i.to_bytes(4, 'little') + (j - i).to_bytes(2, 'little') + d[i*S:j*S])
    i = j
open(out, 'wb').write(b'SPARSEFAT\n' + b''.join(recs))
P
}

mkimg() { # NAME SIZE MKFS-ARGS...
	local name=$1 size=$2
	shift 2
	rm -f "$tmp/$name"
	truncate -s "$size" "$tmp/$name"
	mkfs.fat "$@" -n SEED "$tmp/$name" >/dev/null 2>&1
}
mkimg fat12.img 128K -F 12 -s 1
mcopy -s -i "$tmp/fat12.img" "$tmp/src"/* ::/
encode raw "$tmp/fat12.img" "$out/fat12.img"
mkimg fat16.img 2200K -F 16 -s 1
mcopy -s -i "$tmp/fat16.img" "$tmp/src"/* ::/
encode raw "$tmp/fat16.img" "$out/fat16.img"
mkimg fat32.img 34M -F 32 -s 1
mcopy -s -i "$tmp/fat32.img" "$tmp/src"/* ::/
encode sparse "$tmp/fat32.img" "$out/fat32.sparse"
# FAT32 laid out on too few clusters (mkfs.fat -F 32 allows it); mtools
# cannot write it, so it stays empty but for its root.
mkimg fat32-small.img 2M -F 32 -s 1
encode sparse "$tmp/fat32-small.img" "$out/fat32-small.sparse"
ls -l "$out"
