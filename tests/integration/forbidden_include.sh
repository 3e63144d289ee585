#!/usr/bin/env bash
# An app that includes a host OS header (<sys/socket.h>) must fail to
# build, with a message that names the header and the device to use; the
# same app without that include must build.
set -u
: "${TOP:?} ${B:?} ${SYNTH:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/bad"
cat >"$tmp/bad/app.synth" <<'M'
app bad
  entry bad_main
  sources bad.c
device console console
M
cat >"$tmp/bad/bad.c" <<'C'
#include <sys/socket.h>
#include "devices.h"
int bad_main(struct app_devices *d, const struct app_params *p) { (void)d; (void)p; return socket(0, 0, 0); }
C
fail=0
if "$SYNTH" build -t unix-socket -o "$tmp/build" "$tmp/bad" >"$tmp/out" 2>&1; then
	echo "FAIL: an app including <sys/socket.h> built"; fail=1
fi
if ! grep -q 'sys/socket.h' "$tmp/out" || ! grep -q 'stack' "$tmp/out"; then
	echo "FAIL: the error does not name the header and the stack device:"; cat "$tmp/out"; fail=1
fi
# Control: the same app without the host header builds.
sed -i '1d; s/return socket(0, 0, 0);/return 0;/' "$tmp/bad/bad.c"
if ! "$SYNTH" build -t unix-socket -o "$tmp/build" "$tmp/bad" >"$tmp/out2" 2>&1; then
	echo "FAIL: the control app did not build:"; cat "$tmp/out2"; fail=1
fi
exit $fail
