#!/usr/bin/env bash
# echo built for unix-tap (synth's own TCP/IP on a tap) against the Linux
# kernel in a namespace of its own, on a clean link:
# - ping at sizes around every fragmentation boundary up to the largest
#   datagram (65507 bytes), and 200 pings 2 ms apart without a loss;
# - a captured run: 2 transfers of 10 MiB each way at once and 200
#   connections open at the same time, then tshark over the capture: no
#   malformed frame, no bad checksum, no expert warning but those about the
#   receiver's window being full (flow control doing its job);
# - 20 transfers of 10 MiB each way (4 connections at a time), SHA-256 of
#   every echo checked, within 60 s (about 1 s here), and 200 connections
#   at once again, all uncaptured.
# The client is tests/integration/tap_client.py (python3, standard library).
set -u
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/tap_lib.bash"
command -v /usr/bin/python3 >/dev/null || skip "python3 is not installed (Debian package python3)"
tap_setup synthbulk
client=$TOP/tests/integration/tap_client.py

tap_build echo

# ---- captured ----
if tap_start echo 7777 --net_netif-pcap="$out/echo.pcap"; then
	for size in 0 56 1472 1473 1480 2952 2953 8000 16384 65507; do
		nsx ping -c 2 -i 0.05 -W 2 -s $size 10.0.0.2 >"$out/ping" 2>&1 ||
			fail "$size-byte ping: $(tail -n 2 "$out/ping")"
	done
	nsx ping -c 200 -i 0.002 -W 2 10.0.0.2 >"$out/ping" 2>&1 || fail "200 pings: $(tail -n 2 "$out/ping")"
	grep -q ' 0% packet loss' "$out/ping" || fail "pings lost: $(grep loss "$out/ping")"
	echo "ping: sizes 0 to 65507 both ways, 200 pings 2 ms apart: $(grep -o '[0-9]*% packet loss' "$out/ping")"
	nsx timeout 90 /usr/bin/python3 "$client" bulk 10.0.0.2 7777 $((10 << 20)) 2 2 60 || fail "2 transfers, captured"
	nsx timeout 90 /usr/bin/python3 "$client" conns 10.0.0.2 7777 200 30 || fail "200 connections, captured"
	tap_stop echo "$out/echo.stderr"
	tap_judge "$out/echo.pcap" "$out/echo.stderr" 'tcp.analysis.window_full || tcp.analysis.zero_window'
	rm -f "$out/echo.pcap"
fi

# ---- 20 x 10 MiB each way, uncaptured ----
if tap_start echo 7777; then
	nsx timeout 120 /usr/bin/python3 "$client" bulk 10.0.0.2 7777 $((10 << 20)) 20 4 60 || fail "20 transfers"
	nsx timeout 90 /usr/bin/python3 "$client" conns 10.0.0.2 7777 200 30 || fail "200 connections"
	tap_stop echo "$out/echo.stderr"
fi

finish
