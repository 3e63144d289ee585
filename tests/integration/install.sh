#!/usr/bin/env bash
# `make install` under a private prefix gives a working synth: the installed
# binary finds its templates, catalogues, headers and runtime library, and
# builds and runs an app outside the source tree; the man page and the
# pkg-config file are in place.
set -u
source "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix
make -C "$TOP" --no-print-directory B="$B" PREFIX="$prefix" install >"$tmp/log" 2>&1 ||
	{ tail -n 20 "$tmp/log"; fail "make install failed"; finish; }
for f in bin/synth share/man/man1/synth.1 lib/pkgconfig/synth-unix-socket.pc lib/synth/libsynth-unix.a \
	share/synth/config.mk share/synth/lib/sched.h share/synth/devices/stack.h share/synth/lib/libc/stdint.h; do
	[ -e "$prefix/$f" ] || fail "$f was not installed"
done
grep -q "$TOP" "$prefix/share/synth/config.mk" && fail "the installed config.mk still points into the source tree"
# A copy of hello outside the tree, built by the installed synth alone.
cp -r "$TOP/examples/hello" "$tmp/hello"
(cd "$tmp" && env -u SYNTH_HOME -u SYNTH_LIBDIR -u SYNTH_CONFIG -u MAKEFLAGS -u MAKELEVEL \
	"$prefix/bin/synth" build -t unix-socket "$tmp/hello") >"$tmp/build.log" 2>&1 ||
	{ cat "$tmp/build.log"; fail "the installed synth could not build hello"; finish; }
grep -q "$TOP" "$tmp/_build/hello/unix-socket/build.mk" && fail "build.mk from the installed synth refers to the source tree"
"$tmp/_build/hello/unix-socket/hello" --count=1 | grep -q '^hello from synth' || fail "the installed build of hello does not run"
PKG_CONFIG_PATH=$prefix/lib/pkgconfig pkg-config --cflags --libs synth-unix-socket >/dev/null ||
	fail "pkg-config does not accept synth-unix-socket.pc"
if command -v groff >/dev/null; then
	groff -man -Tutf8 -ww "$prefix/share/man/man1/synth.1" >/dev/null 2>"$tmp/groff" || fail "groff failed on synth.1"
	[ -s "$tmp/groff" ] && { fail "groff warns about synth.1"; cat "$tmp/groff"; }
fi
finish
