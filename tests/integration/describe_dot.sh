#!/usr/bin/env bash
# synth describe prints the resolved graph; its --dot output is accepted
# by Graphviz's dot and names every device of the app.
set -u
source "$(dirname "$0")/lib.sh"
command -v dot >/dev/null || skip "dot is not installed (Debian package graphviz)"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for app in hello echo www; do
	"$SYNTH" describe -t unix-socket "$TOP/examples/$app" >"$out/$app.txt" 2>&1 || { fail "describe $app"; cat "$out/$app.txt"; }
	"$SYNTH" describe --dot -t unix-socket "$TOP/examples/$app" >"$out/$app.dot" 2>"$out/err" || { fail "describe --dot $app"; cat "$out/err"; continue; }
	dot -Tsvg "$out/$app.dot" >"$out/$app.svg" 2>"$out/dot-err" || { fail "dot rejected the graph of $app"; cat "$out/dot-err"; }
	[ -s "$out/dot-err" ] && { fail "dot warned about the graph of $app"; cat "$out/dot-err"; }
done
for dev in console clock net content; do
	grep -q "$dev" "$out/www.dot" || fail "www's graph does not name device $dev"
	grep -q "$dev" "$out/www.txt" || fail "www's description does not name device $dev"
done
grep -q ramdisk "$out/www.txt" || fail "www's description does not show the ramdisk implementation"
"$SYNTH" describe -t unix-socket --kv=hostdir "$TOP/examples/www" | grep -q hostdir || fail "--kv=hostdir not reflected by describe"
# On unix-tap the stack is synth's own: its protocol chain down to the tap.
if "$SYNTH" targets | grep -q unix-tap; then
	"$SYNTH" describe --dot -t unix-tap "$TOP/examples/www" >"$out/tap.dot" || fail "describe --dot on unix-tap"
	dot -Tsvg "$out/tap.dot" >/dev/null 2>&1 || fail "dot rejected the unix-tap graph"
	for layer in tcp/udp ipv4 arp/ethernet net_netif; do
		grep -q "$layer" "$out/tap.dot" || fail "the unix-tap graph does not show $layer"
	done
	"$SYNTH" describe -t unix-tap "$TOP/examples/www" | grep -q 'layers: tcp/udp -> ipv4/icmp -> arp/ethernet -> net_netif' ||
		fail "describe on unix-tap does not print the protocol chain"
fi
finish
