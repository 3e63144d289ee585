# Shared helpers for the integration scripts (sourced, not run).
# Each script gets TOP, B and SYNTH from tests/run.

: "${TOP:?run me through tests/run}" "${B:?}" "${SYNTH:?}"

fails=0
# fail MESSAGE: record one failed check and say which.
fail() {
	echo "FAIL: $*"
	fails=$((fails + 1))
}

# skip REASON: end the script as skipped; the last line says why.
skip() {
	echo "skipped: $*"
	exit 77
}

# free_port: a TCP port on 127.0.0.1 nobody listens on right now.
free_port() {
	/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_port PORT [SECONDS]: wait until something accepts on 127.0.0.1:PORT.
wait_port() {
	local port=$1 limit=${2:-10} i
	for ((i = 0; i < limit * 20; i++)); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
		sleep 0.05
	done
	return 1
}

# stop_pid PID: end a process this script started, and reap it.
stop_pid() {
	local pid=$1 i
	kill -TERM "$pid" 2>/dev/null || return 0
	for ((i = 0; i < 100; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
}

# finish: the script's exit status from the failed checks.
finish() {
	[ "$fails" -eq 0 ] && exit 0
	echo "$fails check(s) failed"
	exit 1
}
