# Shared by the tap benchmarks (sourced, not run): building an example for
# a target, two namespaces (the client's, with the app's tap, and a Linux
# peer's, reached over a veth pair), pinning, and cleaning all of it up at
# exit. Nothing here is part of the test suite.
#
#   BENCH_PREFIX  namespace/link name prefix (default: the script's + pid)
#   SERVER_CPU    core for the server under test (0); CLIENT_CPU for the client (1)
#   B             build folder of the synthesizer and libraries (_build)

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
B=${B:-_build}
case $B in /*) ;; *) B=$top/$B ;; esac
SYNTH=${SYNTH:-$B/synth/synth}
export SYNTH_LIBDIR=${SYNTH_LIBDIR:-$B/lib}
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}

bench_die() {
	echo "${0##*/}: $*" >&2
	exit 1
}

bench_need() {
	local t
	[ "$(id -u)" = 0 ] || bench_die "needs root (network namespaces and taps)"
	[ -c /dev/net/tun ] || bench_die "no /dev/net/tun"
	for t in ip taskset "$@"; do
		command -v "$t" >/dev/null || bench_die "$t is missing"
	done
	[ -x "$SYNTH" ] || bench_die "$SYNTH is missing: run make first (or set B=)"
}

# bench_build APP TARGET: synthesize and build into $tmp; prints the binary.
bench_build() {
	"$SYNTH" build -t "$2" -o "$tmp/build" "$top/examples/$1" >"$tmp/build-$1-$2.log" 2>&1 ||
		{ cat "$tmp/build-$1-$2.log" >&2; bench_die "cannot build $1 for $2"; }
	echo "$tmp/build/$1/$2/$1"
}

# Processes started here (killed at exit, by PID) and the namespaces.
bench_pids=()
bench_ns=()

# bench_cleanup_round: stop every process and remove the namespaces.
bench_cleanup_round() {
	local p
	for p in "${bench_pids[@]}"; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in "${bench_pids[@]}"; do
		for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	[ -n "${nginx_pidfile:-}" ] && [ -s "$nginx_pidfile" ] && kill -QUIT "$(cat "$nginx_pidfile")" 2>/dev/null
	sleep 0.2
	nginx_pidfile=
	for p in "${bench_ns[@]}"; do
		ip netns del "$p" 2>/dev/null
	done
	bench_pids=()
	bench_ns=()
}

bench_cleanup() {
	bench_cleanup_round
	[ -n "${tmp:-}" ] && rm -rf "$tmp"
}

# bench_start: the temporary folder $tmp, the cleanup trap.
bench_start() {
	tmp=$(mktemp -d "/tmp/${0##*/}.XXXXXX")
	chmod 755 "$tmp" # nginx workers started by root run as another user
	trap bench_cleanup EXIT
	trap 'exit 1' INT TERM
}

# bench_netns MTU: $cns, the client's namespace with tap0 (Linux side
# 10.0.0.1/24, the app is 10.0.0.2), and $lns, a Linux peer at 10.1.0.2
# over the veth pair va (10.1.0.1, in $cns) / vb (in $lns); every link at
# MTU. No IPv6 chatter on either.
bench_netns() {
	local mtu=$1 pfx=${BENCH_PREFIX:-b$$}
	cns=${pfx}c
	lns=${pfx}l
	ip netns add "$cns" || bench_die "cannot create a namespace"
	bench_ns+=("$cns")
	ip netns add "$lns" || bench_die "cannot create a namespace"
	bench_ns+=("$lns")
	for n in "$cns" "$lns"; do
		ip netns exec "$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
		ip -n "$n" link set lo up
	done
	ip netns exec "$cns" ip tuntap add dev tap0 mode tap || bench_die "cannot create the tap"
	ip -n "$cns" link set tap0 mtu "$mtu"
	ip -n "$cns" addr add 10.0.0.1/24 dev tap0
	ip -n "$cns" link set tap0 up
	ip -n "$cns" link add va mtu "$mtu" type veth peer name vb mtu "$mtu" netns "$lns" ||
		bench_die "cannot create the veth pair"
	ip -n "$cns" addr add 10.1.0.1/24 dev va
	ip -n "$lns" addr add 10.1.0.2/24 dev vb
	ip -n "$cns" link set va up
	ip -n "$lns" link set vb up
}

# bench_bg NS CPU LOG COMMAND...: start COMMAND in NS pinned to CPU, in
# the background; its PID goes to bench_pids and $bench_last.
bench_bg() {
	local ns=$1 cpu=$2 log=$3
	shift 3
	ip netns exec "$ns" taskset -c "$cpu" "$@" >"$log" 2>&1 &
	bench_last=$!
	bench_pids+=("$bench_last")
}

# bench_wait_port NS ADDR PORT: until something accepts there (10 s).
bench_wait_port() {
	for _ in $(seq 100); do
		ip netns exec "$1" bash -c "exec 3<>/dev/tcp/$2/$3" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# cpu_ns PID: nanoseconds the process has run so far, every thread
# (schedstat; the kernel work done in its system calls, softirqs included
# on this kernel, counts). The machine is shared: CPU per unit of work
# moves less with the load than a rate does.
cpu_ns() {
	local t sum=0
	for t in /proc/"$1"/task/*/schedstat; do
		read -r run _ <"$t" && sum=$((sum + run))
	done
	echo "$sum"
}

# median: of the numbers on stdin, one per line.
median() {
	sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# bench_load: the machine's load average and the busiest other processes,
# since the machine is shared and the figures depend on it.
bench_load() {
	echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
}
