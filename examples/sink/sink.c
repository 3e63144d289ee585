/* sink: a TCP discard server. One fiber accepts; each connection gets a
 * fiber that reads and drops everything until the peer's end of stream,
 * then (with the report parameter) answers with the number of bytes it
 * received as one decimal line and closes. A sender that waits for that
 * line knows its bytes reached the app, not just a buffer on the way, so
 * the time it measures is a receive rate. */
#include <stdlib.h>

#include "devices.h"
#include "lib/fmt.h"
#include "lib/log.h"
#include "lib/sched.h"

LOG_SOURCE(sink);

/* Large reads: the stack copies out as much as it holds per call. */
#define SINK_BUF (256u * 1024u)

struct sink_conn {
	struct app_devices *devs;
	bool report;
	struct stack_flow *flow;
	struct ip_endpoint peer;
};

static void sink_serve(void *arg)
{
	struct sink_conn *c = arg;
	struct stack *net = c->devs->net;
	uint8_t *buf = malloc(SINK_BUF);
	uint64_t total = 0, start = clock_monotonic_ns(c->devs->clock);
	long n = -ENOMEM;

	while (buf) {
		n = stack_tcp_read(net, c->flow, buf, SINK_BUF, SCHED_FOREVER);
		if (n <= 0)
			break;
		total += (uint64_t)n;
	}
	uint64_t ns = clock_monotonic_ns(c->devs->clock) - start;
	uint32_t a = c->peer.addr.v;
	/* Bits per nanosecond are gigabits per second; in hundredths here. */
	uint64_t centi = ns ? total * 800 / ns : 0;
	log_info(sink, "%u.%u.%u.%u:%u: %llu bytes in %llu ms (%llu.%02llu Gb/s)%s", a >> 24, a >> 16 & 255,
	         a >> 8 & 255, a & 255, (unsigned)c->peer.port, (unsigned long long)total,
	         (unsigned long long)(ns / 1000000), (unsigned long long)(centi / 100),
	         (unsigned long long)(centi % 100), n < 0 ? ", ended by an error" : "");
	if (n == 0 && c->report) {
		char line[32];
		size_t len = fmt_u64(line, total);
		line[len++] = '\n';
		stack_tcp_write(net, c->flow, line, len, SCHED_FOREVER);
	}
	free(buf);
	stack_tcp_close(net, c->flow);
	free(c);
}

int sink_main(struct app_devices *devs, const struct app_params *params)
{
	struct ip_endpoint local = { .addr = params->net.addr, .port = params->net.port };
	struct stack_listener *l;
	int rc = stack_tcp_listen(devs->net, &local, 128, &l);

	if (rc < 0) {
		console_printf(devs->console, "sink: cannot listen on port %u: error %d\n",
		               (unsigned)params->net.port, rc);
		return 1;
	}
	console_printf(devs->console, "sink: listening on port %u\n", (unsigned)params->net.port);
	console_flush(devs->console);
	for (;;) {
		struct sink_conn *c = malloc(sizeof *c);
		if (!c)
			return 1;
		c->devs = devs;
		c->report = params->report;
		rc = stack_tcp_accept(devs->net, l, &c->flow, &c->peer, SCHED_FOREVER);
		if (rc == -ECANCELED || rc == -ENETDOWN) {
			free(c);
			break; /* the stack is going down: the program is stopping */
		}
		if (rc < 0) {
			free(c);
			log_warn(sink, "accept failed: %d", rc);
			fiber_sleep_ns(10 * 1000 * 1000);
			continue;
		}
		struct fiber *f = fiber_spawn(sink_serve, c, "sink-conn", 0);
		if (!f) {
			stack_tcp_close(devs->net, c->flow);
			free(c);
			continue;
		}
		fiber_detach(f);
	}
	stack_tcp_listener_close(devs->net, l);
	return 0;
}
