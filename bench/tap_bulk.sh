#!/usr/bin/env bash
# Bulk TCP receive: a Linux sender in a namespace -> the sink example built
# for unix-tap (synth's own TCP/IP on a tap), at MTU 1500 and 9000, with
# the tap's offloads (the default: TCP super-frames and no checksums
# through IFF_VNET_HDR) and without them (one read() per MTU-sized frame),
# beside Linux -> Linux over a veth pair (iperf3, and the same sink built
# for unix-socket, so that the same app and the same sender meet the
# kernel's stack). Receivers pinned to SERVER_CPU (0), senders to
# CLIENT_CPU (1); with ROUNDS > 1 the cases alternate and medians are
# compared. Prints, per case, Gb/s and the receiver's CPU time per GB
# (its own and the kernel's work in its system calls), which moves less
# than a rate when the shared machine is busy, with ratios to iperf3.
# Not part of the test suite; as root.
#
#   bench/tap_bulk.sh
#   DURATION=5 ROUNDS=3 MTUS="1500 9000" B=_build bench/tap_bulk.sh
#   SINK_ARGS='--net_netif-pcap=/tmp/x.pcap' bench/tap_bulk.sh   (extra app options)
#
# Needs iperf3 and /usr/bin/python3 (bench/bulk_send.py is the sender).
set -u
source "$(dirname "$0")/tap_lib.bash"
DURATION=${DURATION:-5}
ROUNDS=${ROUNDS:-3}
MTUS=${MTUS:-1500 9000}
SINK_ARGS=${SINK_ARGS:-}

bench_need iperf3 /usr/bin/python3
bench_start
sink_tap=$(bench_build sink unix-tap)
sink_sock=$(bench_build sink unix-socket)
send=$top/bench/bulk_send.py

# measure CASE HOST PID: one run against HOST (iperf3 for the iperf3 case,
# bulk_send.py otherwise) whose receiver is PID; appends "Gb/s s/GB" to
# $tmp/CASE.
measure() {
	local c0 c1 bytes gbits
	c0=$(cpu_ns "$3")
	if [ "$1" = iperf3 ]; then
		ip netns exec "$cns" taskset -c "$CLIENT_CPU" iperf3 -c "$2" -p 5201 -t "$DURATION" -J >"$tmp/iperf.json" 2>&1 ||
			{ cat "$tmp/iperf.json" >&2; bench_die "iperf3 failed"; }
		read -r bytes gbits < <(/usr/bin/python3 -c 'import json,sys; r = json.load(sys.stdin)["end"]["sum_received"]; print(r["bytes"], r["bits_per_second"] / 1e9)' <"$tmp/iperf.json")
	else
		read -r bytes _ gbits < <(ip netns exec "$cns" taskset -c "$CLIENT_CPU" timeout $((DURATION + 60)) \
			/usr/bin/python3 "$send" "$2" 9 "$DURATION" 2>"$tmp/send.err") ||
			bench_die "sender to $2 ($1) failed: $(tail -n 2 "$tmp/send.err")"
	fi
	c1=$(cpu_ns "$3")
	[ -n "$bytes" ] && [ "$bytes" -gt 0 ] || bench_die "no bytes reached $2 ($1)"
	awk -v g="$gbits" -v c=$((c1 - c0)) -v b="$bytes" 'BEGIN { printf "%.2f %.3f\n", g, c / b }' >>"$tmp/$1"
}

bench_load
echo "sender: bench/bulk_send.py (iperf3 -c for iperf3), ${DURATION} s per run, $ROUNDS round(s); receivers on cpu $SERVER_CPU, senders on cpu $CLIENT_CPU"
for mtu in $MTUS; do
	bench_netns "$mtu"
	# synth's sink on tap0 (offloads) and tap1 (none); the Linux sink and
	# iperf3 on the veth's far side.
	ip netns exec "$cns" ip tuntap add dev tap1 mode tap
	ip -n "$cns" link set tap1 mtu "$mtu"
	ip -n "$cns" addr add 10.2.0.1/24 dev tap1
	ip -n "$cns" link set tap1 up
	bench_bg "$cns" "$SERVER_CPU" "$tmp/tap.log" "$sink_tap" --net-ip=10.0.0.2/24 --net-addr=0.0.0.0 \
		--net-port=9 --net_netif-ifname=tap0 --log='*:warn' $SINK_ARGS
	tap_pid=$bench_last
	bench_bg "$cns" "$SERVER_CPU" "$tmp/plain.log" "$sink_tap" --net-ip=10.2.0.2/24 --net-addr=0.0.0.0 \
		--net-port=9 --net_netif-ifname=tap1 --net_netif-offload=false --log='*:warn' $SINK_ARGS
	plain_pid=$bench_last
	bench_bg "$lns" "$SERVER_CPU" "$tmp/sock.log" "$sink_sock" --net-addr=0.0.0.0 --net-port=9 --log='*:warn'
	sock_pid=$bench_last
	bench_bg "$lns" "$SERVER_CPU" "$tmp/iperf3.log" iperf3 -s -B 10.1.0.2 -p 5201
	iperf_pid=$bench_last
	bench_wait_port "$cns" 10.0.0.2 9 || { cat "$tmp/tap.log" >&2; bench_die "the sink on tap0 does not answer"; }
	bench_wait_port "$cns" 10.2.0.2 9 || { cat "$tmp/plain.log" >&2; bench_die "the sink on tap1 does not answer"; }
	bench_wait_port "$cns" 10.1.0.2 9 || bench_die "the sink on veth does not answer"
	bench_wait_port "$cns" 10.1.0.2 5201 || bench_die "iperf3 does not answer"
	: >"$tmp/iperf3"; : >"$tmp/sock"; : >"$tmp/tap"; : >"$tmp/plain"
	for round in $(seq "$ROUNDS"); do
		measure iperf3 10.1.0.2 "$iperf_pid"
		measure sock 10.1.0.2 "$sock_pid"
		measure tap 10.0.0.2 "$tap_pid"
		measure plain 10.2.0.2 "$plain_pid"
		[ "$ROUNDS" -gt 1 ] && printf '  mtu %s round %s (Gb/s, CPU s/GB): iperf3 %s, sink/veth %s, sink/tap %s, sink/tap offloads off %s\n' \
			"$mtu" "$round" "$(tail -n 1 "$tmp/iperf3")" "$(tail -n 1 "$tmp/sock")" "$(tail -n 1 "$tmp/tap")" "$(tail -n 1 "$tmp/plain")"
	done
	for p in "$tap_pid" "$plain_pid"; do
		kill -0 "$p" 2>/dev/null || { cat "$tmp/tap.log" "$tmp/plain.log" >&2; bench_die "a sink on a tap died"; }
	done
	med() { awk -v f="$1" '{ print $f }' "$tmp/$2" | median; }
	ig=$(med 1 iperf3); ic=$(med 2 iperf3)
	line() {
		awk -v l="$1" -v g="$(med 1 "$2")" -v c="$(med 2 "$2")" -v ig="$ig" -v ic="$ic" -v m="$mtu" \
			'BEGIN { printf "MTU %-5s %-36s %6.2f Gb/s  %5.2fx   %6.3f s/GB  %5.2fx\n", m, l, g, g / ig, c, ic / c }'
	}
	printf '%-46s %10s  %6s   %11s  %6s\n' "" "rate" "ratio" "receiver CPU" "ratio"
	line "Linux->Linux over veth (iperf3)" iperf3
	line "Linux->sink unix-socket over veth" sock
	line "Linux->sink unix-tap (synth TCP/IP)" tap
	line "Linux->sink unix-tap, offloads off" plain
	# Next MTU: fresh namespaces and processes.
	bench_cleanup_round
done
echo "(ratios to iperf3: rate / iperf3's, and iperf3's receiver CPU per GB / this one's)"
bench_load
