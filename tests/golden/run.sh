#!/usr/bin/env bash
# Golden test of synth's generated files: runs `synth configure` for every
# line of tests/golden/runs into a temporary folder and compares the
# results with the checked-in files under tests/golden/expected/, after
# replacing the paths that depend on the machine (@SRCDIR@, @OUT@,
# @SYNTH@) and synth's version (@VERSION@).
#
#   tests/golden/run.sh [SYNTH]            compare (exit 0 when all match)
#   tests/golden/run.sh --update [SYNTH]   rewrite the expected files
#
# SYNTH defaults to $SYNTH, then _build/synth/synth.
set -u
here=$(cd "$(dirname "$0")" && pwd -P)
top=$(cd "$here/../.." && pwd -P)
update=0
if [ "${1:-}" = --update ]; then update=1; shift; fi
synth=${1:-${SYNTH:-$top/_build/synth/synth}}
if [ ! -x "$synth" ]; then
	echo "golden: no synth program at $synth (build it with make, or pass its path)" >&2
	exit 1
fi
synth=$(readlink -f "$synth")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

export SYNTH_HOME=$top SYNTH_CONFIG=$here/config.mk SOURCE_DATE_EPOCH=1000000000
unset SYNTH_CATALOGUE SYNTH_TARGET
export G_SYNTH=$synth G_OUT=$tmp/out G_TOP=$top
G_VERSION=$("$synth" --version | sed -n 's/^synth //p')
export G_VERSION

normalize() {
	perl -pe 's/\Q$ENV{G_SYNTH}\E/\@SYNTH\@/g; s/\Q$ENV{G_OUT}\E/\@OUT\@/g;
	          s/\Q$ENV{G_TOP}\E/\@SRCDIR\@/g; s/synth \Q$ENV{G_VERSION}\E\b/synth \@VERSION\@/g'
}

fails=0 runs=0
# check NAME FILE ACTUAL: compare (or update) one expected file.
check() {
	local name=$1 file=$2 actual=$3 want=$here/expected/$1/$2
	if [ $update = 1 ]; then
		mkdir -p "$here/expected/$name"
		normalize <"$actual" >"$want"
		return
	fi
	if ! normalize <"$actual" | diff -u "$want" - >"$tmp/diff"; then
		echo "FAIL: $name: $file differs from tests/golden/expected/$name/$file:"
		sed 's/^/    /' "$tmp/diff" | head -n 60
		fails=$((fails + 1))
	fi
}

while read -r name catalogue app args; do
	case $name in '' | '#'*) continue ;; esac
	runs=$((runs + 1))
	if [ "$catalogue" = fixture ]; then
		export SYNTH_CATALOGUE=$top/tests/synth/fixtures/catalogue.synth
	else
		unset SYNTH_CATALOGUE
	fi
	exp=$here/expected/$name
	rm -rf "$tmp/out"
	# shellcheck disable=SC2086 # args are words on purpose
	"$synth" configure $args -o "$tmp/out" "$top/$app" >"$tmp/stdout" 2>"$tmp/stderr"
	status=$?
	want_status=0
	[ -f "$exp/status" ] && want_status=$(cat "$exp/status")
	[ $update = 1 ] && [ $status != 0 ] && { mkdir -p "$exp"; echo $status >"$exp/status"; want_status=$status; }
	if [ $status != "$want_status" ]; then
		echo "FAIL: $name: synth configure exited $status, expected $want_status"
		sed 's/^/    /' "$tmp/stderr"
		fails=$((fails + 1))
		continue
	fi
	if [ $status != 0 ]; then
		check "$name" stderr.txt "$tmp/stderr"
		continue
	fi
	out=$(find "$tmp/out" -name build.mk -printf '%h\n' | head -n 1)
	files=
	[ -d "$exp" ] && files=$(cd "$exp" && ls | grep -v -e '^status$' -e '^stderr.txt$')
	[ -z "$files" ] && [ $update = 1 ] && files="devtab.c devices.h build.mk"
	for f in $files; do
		case $f in
		describe.txt) "$synth" describe $args "$top/$app" >"$tmp/$f" 2>&1 ;;
		describe.dot) "$synth" describe --dot $args "$top/$app" >"$tmp/$f" 2>&1 ;;
		*)
			if [ ! -f "$out/$f" ]; then
				echo "FAIL: $name: synth did not generate $f"
				fails=$((fails + 1))
				continue
			fi
			cp "$out/$f" "$tmp/$f" ;;
		esac
		check "$name" "$f" "$tmp/$f"
	done
done <"$here/runs"

if [ $update = 1 ]; then
	echo "golden: updated the expected files of $runs runs"
	exit 0
fi
echo "golden: $runs runs, $fails differences"
[ $fails = 0 ]
