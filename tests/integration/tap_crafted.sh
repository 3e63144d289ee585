#!/usr/bin/env bash
# Crafted segments from scapy against synth's own TCP/IP on a tap
# (tests/integration/tap_crafted.py plays a host the kernel knows nothing
# of, on the tap's Linux side):
# - echo: a SYN to a closed port is answered by RST|ACK, an ACK there by a
#   RST at its sequence number; segments with a bad TCP or IP checksum are
#   ignored (also a SYN); data beyond the window and old data are answered
#   by an ACK and not taken; an in-window RST at the wrong sequence number,
#   and a SYN, on an established flow get a challenge ACK (RFC 5961) and
#   the flow lives on; an out-of-window RST is ignored; the exact RST
#   resets;
# - www under a SYN flood (spoofed sources beyond the gateway, which does
#   not forward the answers, 3 s at whatever rate one process sends): 20
#   requests from curl during the flood and one after it all get the page
#   byte for byte, each within 5 s.
set -u
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/tap_lib.bash"
/usr/bin/python3 -c 'import scapy.all' 2>/dev/null || skip "scapy is not installed (Debian package python3-scapy)"
command -v curl >/dev/null || skip "curl is not installed (Debian package curl)"
tap_setup synthcraft
crafted=$TOP/tests/integration/tap_crafted.py
mac=02:00:00:00:00:02

tap_build echo www

# ---- crafted segments against echo ----
if tap_start echo 7777 --net_netif-mac=$mac; then
	nsx timeout 60 /usr/bin/python3 "$crafted" segments tap0 10.0.0.2 $mac 7777 7778 || fail "crafted segments"
	tap_stop echo "$out/echo.stderr"
fi

# ---- www under a SYN flood ----
page=$TOP/examples/www/site/index.html
if tap_start www 80 --net_netif-mac=$mac --net-gateway=10.0.0.1; then
	before=$(nsx cat /sys/class/net/tap0/statistics/tx_packets)
	ip netns exec "$ns" timeout 30 /usr/bin/python3 "$crafted" flood tap0 10.0.0.2 $mac 80 3 >"$out/flood" 2>&1 &
	flood=$!
	sleep 0.5
	ok=0 slow=0
	for i in $(seq 20); do
		r=$(nsx curl -s -m 5 -o "$out/body" -w '%{http_code} %{time_total}' http://10.0.0.2/index.html)
		if [ "${r%% *}" = 200 ] && cmp -s "$page" "$out/body"; then
			ok=$((ok + 1))
		else
			fail "request $i during the flood: '$r'"
		fi
		sleep 0.05
	done
	wait "$flood" || fail "the flood failed: $(tail -n 3 "$out/flood")"
	after=$(nsx cat /sys/class/net/tap0/statistics/tx_packets)
	echo "$(cat "$out/flood"); $((after - before)) frames reached the app; $ok of 20 requests answered during it"
	r=$(nsx curl -s -m 5 -o "$out/body" -w '%{http_code}' http://10.0.0.2/index.html)
	[ "$r" = 200 ] && cmp -s "$page" "$out/body" || fail "request after the flood: '$r'"
	tap_stop www "$out/www.stderr"
fi

finish
