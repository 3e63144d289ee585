#!/usr/bin/env bash
# The whole tree (synth, the runtime library, every example) builds with
# clang as well as gcc, warning-free (-Werror), in a build folder of its own.
set -u
source "$(dirname "$0")/lib.sh"
command -v clang >/dev/null || skip "clang is not installed (Debian package clang)"
other=clang
case $(grep '^CC :=' "$TOP/config.mk" 2>/dev/null) in *clang*) other=gcc ;; esac
command -v $other >/dev/null || skip "$other is not installed"
make -C "$TOP" --no-print-directory -j2 B="$B/cc-$other" CC=$other synth lib examples >"$B/cc-$other.log" 2>&1 ||
	{ tail -n 30 "$B/cc-$other.log"; fail "the build with $other failed"; }
finish
