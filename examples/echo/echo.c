/* echo: a TCP echo server. One fiber accepts; each connection gets its own
 * fiber that writes back every byte it reads until the peer closes. */
#include "devices.h"
#include "lib/log.h"
#include <stdlib.h>

#include "lib/sched.h"

LOG_SOURCE(echo);

struct echo_conn {
	struct stack *stack;
	struct stack_flow *flow;
};

static void echo_serve(void *arg)
{
	struct echo_conn *c = arg;
	char buf[4096];

	for (;;) {
		long n = stack_tcp_read(c->stack, c->flow, buf, sizeof buf, SCHED_FOREVER);
		if (n <= 0)
			break;
		if (stack_tcp_write(c->stack, c->flow, buf, (size_t)n, SCHED_FOREVER) < 0)
			break;
	}
	stack_tcp_close(c->stack, c->flow);
	free(c);
}

int echo_main(struct app_devices *devs, const struct app_params *params)
{
	struct ip_endpoint local = { .addr = params->net.addr, .port = params->net.port };
	struct stack_listener *l;
	int rc = stack_tcp_listen(devs->net, &local, 128, &l);

	if (rc < 0) {
		console_printf(devs->console, "echo: cannot listen on port %u: error %d\n",
		               (unsigned)params->net.port, rc);
		return 1;
	}
	console_printf(devs->console, "echo: listening on port %u\n", (unsigned)params->net.port);
	for (;;) {
		struct echo_conn *c = malloc(sizeof *c);
		if (!c)
			return 1;
		c->stack = devs->net;
		rc = stack_tcp_accept(devs->net, l, &c->flow, NULL, SCHED_FOREVER);
		if (rc < 0) {
			free(c);
			log_warn(echo, "accept failed: %d", rc);
			fiber_sleep_ns(10 * 1000 * 1000);
			continue;
		}
		struct fiber *f = fiber_spawn(echo_serve, c, "echo-conn", 0);
		if (!f) {
			stack_tcp_close(devs->net, c->flow);
			free(c);
			continue;
		}
		fiber_detach(f);
	}
}
