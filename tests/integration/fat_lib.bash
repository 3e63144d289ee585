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
