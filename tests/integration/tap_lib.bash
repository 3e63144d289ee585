# Helpers for the tap integration scripts (sourced after lib.sh, not run by
# tests/run: only *.sh files are tests). tap_setup checks what the scripts
# need, makes $out (a temporary folder) and the namespace $ns with tap0 at
# 10.0.0.1/24, and removes both (and the app in $pid) at exit.

# tap_setup PREFIX: skip unless root with /dev/net/tun, ip and ping (which
# it installs when it can); then the namespace PREFIX<pid>.
tap_setup() {
	[ "$(id -u)" = 0 ] || skip "needs root (network namespaces and taps)"
	[ -c /dev/net/tun ] || skip "no /dev/net/tun"
	command -v ip >/dev/null || skip "ip is not installed (Debian package iproute2)"
	if ! command -v ping >/dev/null; then
		timeout 120 apt-get install -y iputils-ping >/dev/null 2>&1 ||
			skip "ping is not installed (Debian package iputils-ping)"
	fi
	ns=$1$$
	out=$(mktemp -d)
	pid=
	trap tap_cleanup EXIT
	ip netns add "$ns" || skip "cannot create a network namespace"
	# No IPv6 chatter (MLD, router solicitations): only the test's own
	# frames reach the app, so captures are small and seeds replay.
	nsx sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	ip -n "$ns" link set lo up
	nsx ip tuntap add dev tap0 mode tap
	ip -n "$ns" addr add 10.0.0.1/24 dev tap0
	ip -n "$ns" link set tap0 up
}

tap_cleanup() {
	[ -n "$pid" ] && stop_pid "$pid"
	ip netns del "$ns" 2>/dev/null
	rm -rf "$out"
}

# nsx COMMAND...: run it in the namespace. Not for a background app whose
# PID is wanted: `nsx app &` gives the PID of a subshell; use
# `ip netns exec "$ns" app &` there.
nsx() { ip netns exec "$ns" "$@"; }

# tap_stop NAME STDERR: SIGTERM the app in $pid, which must end with status
# 0 within 5 s (and write its closing logs).
tap_stop() {
	local rc
	kill -TERM "$pid"
	for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
	if kill -0 "$pid" 2>/dev/null; then
		fail "$1 did not stop on SIGTERM"
		stop_pid "$pid"
	else
		wait "$pid"
		rc=$?
		[ $rc -eq 0 ] || fail "$1 exited with status $rc: $(tail -n 3 "$2")"
	fi
	pid=
}

# tap_build APP...: build examples/APP for unix-tap into $out, or end the
# script with a failure.
tap_build() {
	local app
	for app in "$@"; do
		"$SYNTH" build -t unix-tap -o "$out" "$TOP/examples/$app" >"$out/build.log" 2>&1 ||
			{ cat "$out/build.log"; fail "build $app"; finish; }
	done
}

# tap_start APP PORT ARGS...: run $out/APP/unix-tap/APP (built by the
# script) on tap0 at 10.0.0.2/24 listening on PORT, with ARGS; wait until
# it accepts. Its output goes to $out/APP.stdout and .stderr, its PID to
# $pid. Returns 1 (with a failed check) when it does not come up.
tap_start() {
	local app=$1 port=$2
	shift 2
	# Not through nsx: $! must be the app itself, not a subshell.
	ip netns exec "$ns" "$out/$app/unix-tap/$app" --net-ip=10.0.0.2/24 --net-addr=0.0.0.0 --net-port="$port" \
		--net_netif-ifname=tap0 "$@" >"$out/$app.stdout" 2>"$out/$app.stderr" &
	pid=$!
	for _ in $(seq 100); do
		nsx bash -c "exec 3<>/dev/tcp/10.0.0.2/$port" 2>/dev/null && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	fail "$app did not start: $(tail -n 5 "$out/$app.stderr")"
	stop_pid "$pid"
	pid=
	return 1
}

# tap_judge PCAP LOG [EXCEPT]: tshark must read every frame the app captured
# (the count LOG reports) and find nothing malformed, no bad IP, TCP or UDP
# checksum and no expert warning or error, except what the tshark filter
# EXCEPT matches. Port 7777 is decoded as plain data: tshark's heuristics
# take an echo's random bytes for other protocols and call them malformed.
# A TCP checksum of 0xffff in the kernel's frames is no fault of the app's:
# Linux's software checksum (skb_checksum_help) writes 0xffff for a zero
# sum, which RFC 1624 allows and tshark warns about.
tap_judge() {
	local pcap=$1 log=$2 except=${3:-} n captured bad
	command -v tshark >/dev/null || { echo "tshark is not installed (Debian package tshark): $pcap not checked"; return; }
	captured=$(sed -n 's/.*captured \([0-9]*\) frames.*/\1/p' "$log")
	n=$(tshark -r "$pcap" -T fields -e frame.number 2>/dev/null | wc -l)
	[ -n "$captured" ] && [ "$n" = "$captured" ] || fail "tshark reads $n frames of ${pcap##*/}, the app captured '$captured'"
	bad=$(tshark -r "$pcap" -d tcp.port==7777,data -o ip.check_checksum:TRUE -o tcp.check_checksum:TRUE \
		-o udp.check_checksum:TRUE \
		-Y "_ws.malformed || (_ws.expert.severity >= warning && !(tcp.checksum.ffff && ip.src == 10.0.0.1)${except:+ && !($except)})" 2>/dev/null)
	[ -z "$bad" ] || fail "tshark finds problems in ${pcap##*/}: $(head -n 10 <<<"$bad")"
	echo "tshark: $n frames of ${pcap##*/}, nothing malformed, no bad checksum, no expert warning${except:+ but the excepted}"
}
