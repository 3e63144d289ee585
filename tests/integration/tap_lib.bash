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
