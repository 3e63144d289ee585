#!/usr/bin/env bash
# The stack's DHCP client (--net-dhcp=true) against a real server: dnsmasq
# (Debian's dnsmasq-base) on the Linux side of the tap, in the test's own
# namespace, with a private configuration, lease file and pidfile, stopped
# by its PID. Checked:
# - echo gets a lease from the server's range (the one dnsmasq records for
#   the app's MAC), answers ping and echoes 1 MiB at that address;
# - it renews at T1 (3 s, sent by the server) and keeps the address;
# - a new server with another range refuses the next renewal (DHCPNAK):
#   the app drops the address and gets one from the new range, where echo
#   works again;
# - on SIGTERM the app releases its lease (dnsmasq logs DHCPRELEASE);
# - tshark finds nothing wrong in the capture;
# - with no server, the app fails to start after --net-dhcp-timeout with a
#   clear message.
# About 15 s.
set -u
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/tap_lib.bash"
command -v dnsmasq >/dev/null || skip "dnsmasq is not installed (Debian package dnsmasq-base)"
command -v /usr/bin/python3 >/dev/null || skip "python3 is not installed (Debian package python3)"
tap_setup synthdhcp
client=$TOP/tests/integration/tap_client.py
dns=
cleanup() {
	[ -n "$dns" ] && stop_pid "$dns"
	tap_cleanup
}
trap cleanup EXIT

tap_build echo

# dnsmasq_start FIRST LAST: a DHCP server for 10.0.0.FIRST-LAST, leases
# of 2 minutes (dnsmasq's least) with T1 at 3 s, authoritative (so it
# refuses addresses outside its range), no DNS, no ping before offering.
dnsmasq_start() {
	cat >"$out/dnsmasq.conf" <<CONF
port=0
interface=tap0
bind-interfaces
dhcp-range=10.0.0.$1,10.0.0.$2,255.255.255.0,2m
dhcp-option=option:router,10.0.0.1
dhcp-option=option:T1,3s
dhcp-authoritative
no-ping
dhcp-leasefile=$out/leases
pid-file=$out/dnsmasq.pid
log-facility=$out/dnsmasq.log
log-dhcp
user=root
group=root
CONF
	: >"$out/leases"
	ip netns exec "$ns" dnsmasq --keep-in-foreground --conf-file="$out/dnsmasq.conf" 2>>"$out/dnsmasq.err" &
	dns=$!
	for _ in $(seq 50); do
		grep -qs 'sockets bound exclusively to interface tap0' "$out/dnsmasq.log" && return 0
		sleep 0.1
	done
	fail "dnsmasq did not start: $(cat "$out/dnsmasq.err")"
	return 1
}

dnsmasq_stop() {
	stop_pid "$dns"
	dns=
	rm -f "$out/dnsmasq.log"
}

# wait_log PATTERN SECONDS: until the app's stderr matches.
wait_log() {
	for _ in $(seq $(($2 * 10))); do
		grep -Eq "$1" "$out/echo.stderr" && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# check_addr FIRST LAST: the address the app was last bound to, in range,
# reachable by ping and echo. Prints it.
check_addr() {
	local a
	a=$(sed -n 's/.*dhcp: bound to \([0-9.]*\)\/24 from 10.0.0.1, gateway 10.0.0.1, lease 120 s.*/\1/p' \
		"$out/echo.stderr" | tail -n 1)
	local last=${a##*.}
	if [ -z "$a" ] || [ "${a%.*}" != 10.0.0 ] || [ "$last" -lt "$1" ] || [ "$last" -gt "$2" ]; then
		fail "bound to '$a', not an address of 10.0.0.$1-$2: $(grep dhcp "$out/echo.stderr" | tail -n 3)"
		return 1
	fi
	nsx ping -c 2 -i 0.1 -W 2 "$a" >"$out/ping" 2>&1 || fail "ping $a: $(tail -n 2 "$out/ping")"
	nsx timeout 30 /usr/bin/python3 "$client" bulk "$a" 7777 $((1 << 20)) 2 2 20 >"$out/bulk" ||
		fail "echo at $a: $(cat "$out/bulk")"
	echo "$a"
}

# ---- lease, renewal, refusal, release ----
if dnsmasq_start 50 99; then
	ip netns exec "$ns" "$out/echo/unix-tap/echo" --net-dhcp=true --net-dhcp-timeout=20s --net-addr=0.0.0.0 \
		--net_netif-ifname=tap0 --net_netif-pcap="$out/echo.pcap" >"$out/echo.stdout" 2>"$out/echo.stderr" &
	pid=$!
	if wait_log 'dhcp: bound to' 20; then
		addr=$(check_addr 50 99) && echo "lease: $addr"
		mac=$(sed -n 's/.*tap tap0, mac \([0-9a-f:]*\),.*/\1/p' "$out/echo.stderr")
		grep -q "$mac ${addr:-none} " "$out/leases" || fail "dnsmasq's leases do not give $addr to $mac: $(cat "$out/leases")"
		wait_log 'dhcp: renewed' 10 || fail "no renewal within 10 s"
		n=$(grep -c "DHCPACK(tap0) ${addr:-none} $mac" "$out/dnsmasq.log")
		[ "$n" -ge 2 ] || fail "dnsmasq acknowledged $n requests, not at least 2"
		echo "renewed: $n acknowledgements from dnsmasq"
		# Another server, another range: the next renewal is refused.
		dnsmasq_stop
		if dnsmasq_start 150 199; then
			wait_log 'dhcp: lease lost' 10 || fail "the address was not dropped after the server changed"
			grep -q "DHCPNAK(tap0) ${addr:-none} $mac" "$out/dnsmasq.log" || fail "dnsmasq sent no DHCPNAK"
			wait_log 'dhcp: bound to 10.0.0.1[5-9][0-9]/' 10 || fail "no new lease from the second server"
			addr=$(check_addr 150 199) && echo "new lease after a DHCPNAK: $addr"
		fi
	else
		fail "no lease within 20 s: $(tail -n 3 "$out/echo.stderr")"
	fi
	tap_stop echo "$out/echo.stderr"
	for _ in $(seq 20); do
		grep -q "DHCPRELEASE(tap0) ${addr:-none} $mac" "$out/dnsmasq.log" 2>/dev/null && break
		sleep 0.1
	done
	grep -q "DHCPRELEASE(tap0) ${addr:-none} $mac" "$out/dnsmasq.log" 2>/dev/null ||
		fail "dnsmasq saw no DHCPRELEASE of $addr"
	dnsmasq_stop
	tap_judge "$out/echo.pcap" "$out/echo.stderr" 'tcp.analysis.window_full || tcp.analysis.zero_window'
fi

# ---- no server: a clear failure, in time ----
t0=$SECONDS
nsx timeout 20 "$out/echo/unix-tap/echo" --net-dhcp=true --net-dhcp-timeout=1s --net_netif-ifname=tap0 \
	>"$out/echo.stdout" 2>"$out/echo.stderr"
rc=$?
[ $rc = 1 ] || fail "without a server echo exited with status $rc, not 1"
grep -q 'dhcp: no lease within 1000 ms' "$out/echo.stderr" || fail "no clear message: $(cat "$out/echo.stderr")"
grep -q "cannot connect device 'net'.*ETIMEDOUT" "$out/echo.stderr" || fail "no ETIMEDOUT: $(cat "$out/echo.stderr")"
[ $((SECONDS - t0)) -le 5 ] || fail "giving up took $((SECONDS - t0)) s"
echo "no server: $(grep -o 'dhcp: no lease.*' "$out/echo.stderr")"

finish
