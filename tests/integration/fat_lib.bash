# Helper for the FAT integration scripts (sourced, not run by tests/run:
# only *.sh files are tests).

# fatcheck_path DIR: print the fatcheck driver's path: the one make built,
# else one built into DIR from the sources. Fails when it cannot build.
fatcheck_path() {
	local dir=$1 f srcs=()
	if [ -x "$B/tests/tools/fatcheck" ]; then
		echo "$B/tests/tools/fatcheck"
		return 0
	fi
	# The library without its device adapters (they need the scheduler).
	for f in "$TOP"/protocols/fat/*.c; do [ "${f##*/}" = fat_dev.c ] || srcs+=("$f"); done
	${CC:-cc} -std=gnu11 -O2 -D_GNU_SOURCE -I"$TOP" -o "$dir/fatcheck" "$TOP"/tests/tools/fatcheck.c \
		"${srcs[@]}" "$TOP"/devices/block.c "$TOP"/backends/unix/block_file.c >&2 || return 1
	echo "$dir/fatcheck"
}

# fat_make_tree DIR: a tree with every kind of entry the FAT tests care
# about: nested folders, an empty one, long, mixed-case and non-ASCII
# names, an empty file, files of one and of many clusters.
fat_make_tree() {
	local src=$1 i
	mkdir -p "$src/Sub Folder/deeper/deepest" "$src/empty dir" "$src/UPPER"
	printf 'hello\n' >"$src/hello.txt"
	: >"$src/empty.txt"
	printf 'x' >"$src/A Long File Name With Spaces.text"
	printf 'grüße' >"$src/Sub Folder/Grüße ünïcödé.txt"
	printf 'ελληνικά' >"$src/Sub Folder/ελληνικά.md"
	printf 'lower' >"$src/lower.txt"
	printf 'Mixed' >"$src/MiXeD.Txt"
	printf 'dots' >"$src/name.with.many.dots.tar.gz"
	printf 'deep' >"$src/Sub Folder/deeper/deepest/README"
	head -c 300000 /dev/urandom >"$src/Sub Folder/deeper/big.bin"
	head -c 4096 /dev/urandom >"$src/UPPER/EXACT.BIN"
	for i in $(seq 1 40); do printf 'file %d\n' "$i" >"$src/UPPER/numbered file $i.txt"; done
}

# fat_size_of TYPE: an image size that mkfs.fat makes that FAT type of.
fat_size_of() { case $1 in 12) echo 4M ;; 16) echo 32M ;; 32) echo 64M ;; esac; }
