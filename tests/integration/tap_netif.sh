#!/usr/bin/env bash
# The tap netif and the wrapper's tools against the Linux kernel, with no
# TCP/IP of synth's in the way: tests/integration/tap_responder (an app on
# a bare netif that answers ARP, ping and UDP echo by hand) runs on a tap
# in a namespace of its own. Checked: ping (also MTU-sized), UDP echo byte
# for byte, a tap the app creates itself, the pcap capture read by tshark
# (no malformed frame, no bad checksum, every frame there), and fault
# injection: loss at about the asked rate, the same lost pings for the same
# seed, delay seen in the round-trip time, duplicates seen by ping.
set -u
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/tap_lib.bash"
tap_setup synthtap

"$SYNTH" build -t unix-tap -o "$out" "$TOP/tests/integration/tap_responder" >"$out/build.log" 2>&1 ||
	{ cat "$out/build.log"; fail "build"; finish; }
bin=$out/responder/unix-tap/responder
mac=02:00:00:5e:00:02

# start ARGS...: run the responder in the namespace, wait until it is ready.
start() {
	local ifname=tap0 a
	for a in "$@"; do case $a in --net-ifname=*) ifname=${a#--net-ifname=} ;; esac; done
	ip netns exec "$ns" "$bin" --net-mac=$mac "$@" >"$out/stdout" 2>"$out/stderr" &
	pid=$!
	for _ in $(seq 100); do
		# Ready, and the kernel sees the link up: the carrier-on event of a
		# tap reattached within a second of its last change is applied
		# late (linkwatch), and until then the kernel drops what it sends.
		# (A tap's operstate reads "unknown" once that event is applied,
		# "down" before.)
		if grep -q '^responder: ready' "$out/stdout" 2>/dev/null; then
			case $(nsx cat /sys/class/net/$ifname/operstate 2>/dev/null) in up | unknown) return 0 ;; esac
		fi
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	fail "responder did not start: $(cat "$out/stderr")"
	return 1
}

stop() { tap_stop responder "$out/stderr"; }

# ---- plain run, captured ----
if start --net-ifname=tap0 --net-pcap="$out/plain.pcap"; then
	nsx ping -c 5 -i 0.1 -W 2 10.0.0.2 >"$out/ping" 2>&1 || fail "ping: $(tail -n 3 "$out/ping")"
	grep -q ' 0% packet loss' "$out/ping" || fail "ping lost packets: $(grep loss "$out/ping")"
	nsx ping -c 2 -i 0.1 -W 2 -s 1472 -M do 10.0.0.2 >"$out/ping" 2>&1 || fail "MTU-sized ping: $(tail -n 3 "$out/ping")"
	# UDP echo: 50 datagrams of random bytes, each must come back as sent.
	nsx /usr/bin/python3 - >"$out/udp" 2>&1 <<'EOF' || fail "UDP echo: $(tail -n 3 "$out/udp")"
import os, socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
for i in range(50):
    data = os.urandom(1 + (i * 331) % 1472)
    s.sendto(data, ("10.0.0.2", 7))
    back, peer = s.recvfrom(2048)
    if back != data or peer != ("10.0.0.2", 7):
        sys.exit("datagram %d came back different" % i)
print("50 datagrams echoed")
EOF
	stop
	captured=$(sed -n 's/.*captured \([0-9]*\) frames.*/\1/p' "$out/stderr")
	[ -n "$captured" ] && [ "$captured" -ge 114 ] || fail "capture log: '$captured' frames ($(cat "$out/stderr"))"
	if command -v tshark >/dev/null; then
		n=$(tshark -r "$out/plain.pcap" -T fields -e frame.number 2>/dev/null | wc -l)
		[ "$n" = "$captured" ] || fail "tshark reads $n frames, the app captured $captured"
		bad=$(tshark -r "$out/plain.pcap" -o ip.check_checksum:TRUE -o udp.check_checksum:TRUE \
			-o tcp.check_checksum:TRUE -Y '_ws.malformed || _ws.expert.severity >= warning' 2>/dev/null)
		[ -z "$bad" ] || fail "tshark finds problems: $bad"
		n=$(tshark -r "$out/plain.pcap" -Y 'icmp.type == 0 && ip.src == 10.0.0.2' 2>/dev/null | wc -l)
		[ "$n" = 7 ] || fail "the capture holds $n echo replies, expected 7"
		n=$(tshark -r "$out/plain.pcap" -Y 'udp.srcport == 7' 2>/dev/null | wc -l)
		[ "$n" = 50 ] || fail "the capture holds $n UDP echoes, expected 50"
	else
		echo "tshark is not installed (Debian package tshark): capture not checked"
	fi
fi

# ---- a tap the app creates: up at once, gone when the app ends ----
if start --net-ifname=tapnew --net-ip=10.0.1.2; then
	nsx ip link show tapnew 2>/dev/null | grep -q '[<,]UP[,>]' || fail "the created tap is not up"
	nsx ip addr add 10.0.1.1/24 dev tapnew
	nsx ping -c 2 -i 0.1 -W 2 10.0.1.2 >"$out/ping" 2>&1 || fail "ping over a created tap: $(tail -n 3 "$out/ping")"
	stop
	nsx ip link show tapnew >/dev/null 2>&1 && fail "the created tap outlived the app"
fi

# ---- fault injection ----
# The kernel's neighbour entry is static, so nothing but the pings reaches
# the app: the same seed must lose the same pings.
nsx ip neigh replace 10.0.0.2 lladdr $mac dev tap0 nud permanent
lost_seqs() { # the icmp_seq numbers without a reply, of COUNT
	local count=$1
	nsx ping -c "$count" -i 0.02 -W 1 10.0.0.2 2>/dev/null | sed -n 's/.*icmp_seq=\([0-9]*\) .*/\1/p' |
		sort -u | comm -13 - <(seq 1 "$count" | sort) | sort -n | tr '\n' ' '
}
declare -a runs
for i in 1 2; do
	start --net-ifname=tap0 --net-fault=loss:30,seed:4242,dir:rx || break
	runs[$i]=$(lost_seqs 60)
	stop
	grep -q 'fault injection loss:30,dir:rx,seed:4242' "$out/stderr" || fail "the spec is not logged: $(cat "$out/stderr")"
	grep -q 'fault rx: 60 frames' "$out/stderr" || fail "rx counters: $(grep 'fault rx' "$out/stderr")"
done
nlost=$(wc -w <<<"${runs[1]:-}")
echo "lost with seed 4242: ${runs[1]:-} ($nlost of 60)"
[ "$nlost" -ge 8 ] && [ "$nlost" -le 30 ] || fail "30% loss lost $nlost of 60 pings"
[ "${runs[1]:-x}" = "${runs[2]:-y}" ] || fail "the same seed lost different pings: '${runs[1]:-}' then '${runs[2]:-}'"

if start --net-ifname=tap0 --net-fault=delay:40ms,dir:tx; then
	nsx ping -c 4 -i 0.05 -W 2 10.0.0.2 >"$out/ping" 2>&1 || fail "ping with delay: $(tail -n 3 "$out/ping")"
	min=$(sed -n 's|.*= \([0-9.]*\)/.*|\1|p' "$out/ping")
	awk -v m="${min:-0}" 'BEGIN { exit !(m >= 40 && m < 400) }' || fail "round trip $min ms with a 40 ms delay"
	stop
fi

if start --net-ifname=tap0 --net-fault=dup:100,dir:tx; then
	nsx ping -c 3 -i 0.1 -W 2 10.0.0.2 >"$out/ping" 2>&1
	# ping ends at the third reply, before the third duplicate can arrive.
	n=$(grep -c 'DUP!' "$out/ping")
	[ "$n" -ge 2 ] || fail "ping saw $n duplicates, expected 2 or 3: $(cat "$out/ping")"
	stop
fi

finish
