#!/usr/bin/env bash
# www and echo built for unix-tap (synth's own TCP/IP on a tap) against the
# Linux kernel in a namespace of their own: ping (also 8000 bytes, so
# fragmented both ways), every file of the site by curl byte for byte,
# echo with socat (one large transfer and many clients at once), the same
# transfer under the netif's own fault injection (loss, reordering,
# duplication) and under nftables dropping 5% of the frames the kernel
# receives, and tshark over the captures of the clean runs: no malformed
# frame, no bad checksum, no expert warning.
set -u
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/tap_lib.bash"
command -v curl >/dev/null || skip "curl is not installed (Debian package curl)"
command -v socat >/dev/null || skip "socat is not installed (Debian package socat)"
tap_setup synthwww

tap_build www echo

start() { tap_start "$@"; }
stop() { tap_stop "$1" "$out/$1.stderr"; }

judge() { tap_judge "$@"; }

# ---- www ----
if start www 80 --net_netif-pcap="$out/www.pcap"; then
	nsx ping -c 3 -i 0.1 -W 2 10.0.0.2 >"$out/ping" 2>&1 || fail "ping: $(tail -n 2 "$out/ping")"
	nsx ping -c 2 -i 0.2 -W 2 -s 8000 10.0.0.2 >"$out/ping" 2>&1 || fail "8000-byte ping: $(tail -n 2 "$out/ping")"
	site=$TOP/examples/www/site
	nfiles=0
	while IFS= read -r f; do
		rel=${f#"$site"/}
		nfiles=$((nfiles + 1))
		code=$(nsx curl -s -m 10 -o "$out/body" -w '%{http_code}' "http://10.0.0.2/$rel")
		[ "$code" = 200 ] || { fail "GET /$rel: status $code"; continue; }
		cmp -s "$f" "$out/body" || fail "GET /$rel: body differs ($(stat -c %s "$out/body") of $(stat -c %s "$f") bytes)"
	done < <(find "$site" -type f | sort)
	[ "$nfiles" -ge 5 ] || fail "only $nfiles files in the site"
	# Every file again on one keep-alive connection.
	urls=()
	while IFS= read -r f; do urls+=("http://10.0.0.2/${f#"$site"/}"); done < <(find "$site" -type f | sort)
	nsx curl -s -m 30 "${urls[@]}" >"$out/all" || fail "keep-alive run"
	find "$site" -type f | sort | xargs cat | cmp -s - "$out/all" || fail "keep-alive bodies differ"
	echo "www: $nfiles files byte for byte, twice"
	stop www
	judge "$out/www.pcap" "$out/www.stderr"
fi

# ---- echo ----
head -c 2000000 /dev/urandom >"$out/in"
if start echo 7777 --net_netif-pcap="$out/echo.pcap"; then
	nsx timeout 30 socat -t 5 -T 20 - TCP:10.0.0.2:7777,shut-down <"$out/in" >"$out/back" || fail "socat failed"
	cmp -s "$out/in" "$out/back" || fail "2 MB came back different ($(stat -c %s "$out/back") bytes)"
	for i in $(seq 30); do
		(printf 'client %s says hello\n' "$i" | nsx timeout 10 socat -t 2 - TCP:10.0.0.2:7777 >"$out/c$i") &
	done
	wait $(jobs -p | grep -v "^$pid\$") 2>/dev/null
	for i in $(seq 30); do
		[ "$(cat "$out/c$i")" = "client $i says hello" ] || { fail "client $i got '$(cat "$out/c$i")'"; break; }
	done
	stop echo
	# An echo server's peer that sends 2 MB before reading fills both
	# windows: tshark flags the flow control itself (warnings about full
	# and zero windows), which is the protocol working, not failing.
	judge "$out/echo.pcap" "$out/echo.stderr" \
		'tcp.analysis.window_full || tcp.analysis.zero_window || tcp.analysis.zero_window_probe || tcp.analysis.zero_window_probe_ack' 
fi

# ---- echo under the netif's fault injection ----
seed=${TAP_FAULT_SEED:-$RANDOM}
spec=loss:5,reorder:10,dup:1,delay:2ms,seed:$seed
if start echo 7778 --net_netif-fault="$spec"; then
	t0=$SECONDS
	nsx timeout 60 socat -t 10 -T 30 - TCP:10.0.0.2:7778,shut-down <"$out/in" >"$out/back" ||
		fail "socat failed with --net_netif-fault=$spec"
	cmp -s "$out/in" "$out/back" ||
		fail "2 MB came back different with --net_netif-fault=$spec ($(stat -c %s "$out/back") bytes)"
	echo "echo: 2 MB each way with $spec in $((SECONDS - t0)) s"
	stop echo
	grep 'fault' "$out/echo.stderr"
	grep -q 'fault rx: [1-9][0-9]* frames, [1-9][0-9]* lost' "$out/echo.stderr" || fail "no rx losses counted"
fi

# ---- echo with the kernel dropping 5% of what it receives from the tap ----
if command -v nft >/dev/null && nsx nft add table netdev loss 2>/dev/null &&
	nsx nft add chain netdev loss in '{ type filter hook ingress device tap0 priority 0; }' &&
	nsx nft add rule netdev loss in numgen random mod 100 '<' 5 counter drop; then
	if start echo 7779; then
		t0=$SECONDS
		nsx timeout 60 socat -t 10 -T 30 - TCP:10.0.0.2:7779,shut-down <"$out/in" >"$out/back" ||
			fail "socat failed under nftables loss"
		cmp -s "$out/in" "$out/back" || fail "2 MB came back different under nftables loss"
		dropped=$(nsx nft list chain netdev loss in | sed -n 's/.*counter packets \([0-9]*\).*/\1/p')
		echo "echo: 2 MB each way with nftables dropping ${dropped:-?} frames in $((SECONDS - t0)) s"
		[ "${dropped:-0}" -gt 0 ] || fail "nftables dropped nothing"
		stop echo
	fi
	nsx nft delete table netdev loss
else
	echo "nftables netdev hooks are not available here: that part is skipped"
fi

finish
