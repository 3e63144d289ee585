#!/usr/bin/env bash
# www built for unix-tap (synth's own TCP/IP on a tap) against nginx with
# one worker on the Linux stack, both serving the same 612-byte file,
# keep-alive, loaded by the same wrk in the same run: wrk runs in the
# namespace that holds the tap (www at 10.0.0.2) and one end of a veth
# pair whose other end, in a second namespace, has nginx (10.1.0.2).
# Servers pinned to SERVER_CPU (0), wrk to CLIENT_CPU (1); with ROUNDS > 1
# they alternate and the medians are compared. A second www on a second
# tap runs without the tap's offloads (--net_netif-offload=false), for
# their effect in the same run. Prints the request rates and the ratios
# (goal: >= 1.0x nginx over veth), and the server's CPU time per request
# (its own and the kernel's work in its system calls), which moves less
# than a rate when the shared machine is busy. Not part of the test
# suite; as root.
#
#   bench/tap_www_vs_nginx.sh
#   DURATION=10s CONNECTIONS=30 ROUNDS=3 MTU=1500 B=_build bench/tap_www_vs_nginx.sh
#   WWW_ARGS='--net_netif-pcap=/tmp/w.pcap' bench/tap_www_vs_nginx.sh   (extra app options)
#
# Needs nginx (Debian nginx-light), wrk and curl.
set -u
source "$(dirname "$0")/nginx.bash"
source "$(dirname "$0")/tap_lib.bash"
DURATION=${DURATION:-5s}
CONNECTIONS=${CONNECTIONS:-30}
ROUNDS=${ROUNDS:-3}
MTU=${MTU:-1500}
WWW_ARGS=${WWW_ARGS:-}
PAGE=$top/examples/www/site/bench/index.html

bench_need nginx wrk curl
[ "$(wc -c <"$PAGE")" -eq 612 ] || bench_die "$PAGE is not 612 bytes"
bench_start
www=$(bench_build www unix-tap)
bench_netns "$MTU"

# nginx: a private prefix, one worker, the same file under the same path,
# in the Linux peer's namespace.
nginx_prepare "$tmp" 10.1.0.2:80 "$PAGE"
nginx_pidfile=$tmp/nginx.pid
ip netns exec "$lns" taskset -c "$SERVER_CPU" nginx -p "$tmp" -c "$tmp/nginx.conf" -e "$tmp/logs/error.log" ||
	{ cat "$tmp/logs/error.log" >&2; bench_die "nginx did not start"; }
bench_wait_port "$cns" 10.1.0.2 80 || bench_die "nginx does not answer over the veth"

bench_bg "$cns" "$SERVER_CPU" "$tmp/www.log" "$www" --net-ip=10.0.0.2/24 --net-addr=0.0.0.0 --net-port=80 \
	--net_netif-ifname=tap0 --log='*:warn' $WWW_ARGS
www_pid=$bench_last
ip netns exec "$cns" ip tuntap add dev tap1 mode tap
ip -n "$cns" link set tap1 mtu "$MTU"
ip -n "$cns" addr add 10.2.0.1/24 dev tap1
ip -n "$cns" link set tap1 up
bench_bg "$cns" "$SERVER_CPU" "$tmp/www1.log" "$www" --net-ip=10.2.0.2/24 --net-addr=0.0.0.0 --net-port=80 \
	--net_netif-ifname=tap1 --net_netif-offload=false --log='*:warn' $WWW_ARGS
www1_pid=$bench_last
nginx_worker=$(pgrep -P "$(cat "$nginx_pidfile")" | head -n 1)
[ -n "$nginx_worker" ] || bench_die "no nginx worker"
bench_wait_port "$cns" 10.0.0.2 80 || { cat "$tmp/www.log" >&2; bench_die "www does not answer on the tap"; }
bench_wait_port "$cns" 10.2.0.2 80 || { cat "$tmp/www1.log" >&2; bench_die "www does not answer on tap1"; }

# All must send the very same body before their speed means anything.
for host in 10.1.0.2 10.0.0.2 10.2.0.2; do
	ip netns exec "$cns" curl -s -m 10 "http://$host/bench/index.html" | cmp -s - "$PAGE" ||
		bench_die "$host does not serve the 612-byte page"
done

# rate HOST PID: requests per second wrk measured, and the server's
# microseconds of CPU per request.
rate() {
	local c0 c1
	c0=$(cpu_ns "$2")
	ip netns exec "$cns" taskset -c "$CLIENT_CPU" wrk -t1 -c"$CONNECTIONS" -d"$DURATION" \
		"http://$1/bench/index.html" >"$tmp/wrk.out" 2>&1
	c1=$(cpu_ns "$2")
	if grep -q 'Non-2xx\|Socket errors' "$tmp/wrk.out"; then
		echo "errors while loading $1:" >&2
		cat "$tmp/wrk.out" >&2
	fi
	awk -v c=$((c1 - c0)) '/ requests in / { n = $1 } /^Requests\/sec:/ { r = $2 } END { if (r && n) printf "%s %.2f\n", r, c / 1000 / n }' "$tmp/wrk.out"
}

bench_load
echo "wrk -t1 -c$CONNECTIONS -d$DURATION, keep-alive, 612-byte file, MTU $MTU; servers on cpu $SERVER_CPU, wrk on cpu $CLIENT_CPU"
: >"$tmp/nginx.rates"
: >"$tmp/www.rates"
: >"$tmp/plain.rates"
for round in $(seq "$ROUNDS"); do
	n=$(rate 10.1.0.2 "$nginx_worker")
	w=$(rate 10.0.0.2 "$www_pid")
	p=$(rate 10.2.0.2 "$www1_pid")
	[ -n "$n" ] && [ -n "$w" ] && [ -n "$p" ] || { cat "$tmp/wrk.out" >&2; bench_die "wrk reported no rate"; }
	echo "$n" >>"$tmp/nginx.rates"
	echo "$w" >>"$tmp/www.rates"
	echo "$p" >>"$tmp/plain.rates"
	[ "$ROUNDS" -gt 1 ] &&
		echo "$n $w $p" | awk -v r="$round" '{ printf "round %d: nginx/veth %.0f req/s %.2f us/req, www/tap %.0f req/s %.2f us/req, www/tap without offloads %.0f req/s %.2f us/req\n", r, $1, $2, $3, $4, $5, $6 }'
done
kill -0 "$www_pid" 2>/dev/null || { cat "$tmp/www.log" >&2; bench_die "www died"; }
# Medians of the rates and of the CPU per request, each on its own.
med() { awk -v f="$1" '{ print $f }' "$2" | median; }
n=$(med 1 "$tmp/nginx.rates"); nc=$(med 2 "$tmp/nginx.rates")
w=$(med 1 "$tmp/www.rates"); wc=$(med 2 "$tmp/www.rates")
p=$(med 1 "$tmp/plain.rates"); pc=$(med 2 "$tmp/plain.rates")
line() { awk -v l="$1" -v r="$2" -v c="$3" -v n="$n" -v nc="$nc" 'BEGIN { printf "%-42s %9.0f req/s  %5.2fx   %6.2f us/req  %5.2fx\n", l, r, r / n, c, nc / c }'; }
printf '%-42s %15s  %6s   %13s  %6s\n' "" "rate" "ratio" "server CPU" "ratio"
line "nginx (1 worker, Linux TCP over veth)" "$n" "$nc"
line "www (unix-tap: synth TCP/IP on a tap)" "$w" "$wc"
line "www (unix-tap, tap offloads off)" "$p" "$pc"
echo "(ratios to nginx: rate / nginx's, and nginx's CPU per request / this one's; goal >= 1.0)"
bench_load
