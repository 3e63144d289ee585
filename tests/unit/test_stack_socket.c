/* Unit test of stack "socket" over 127.0.0.1 inside the real scheduler and
 * the UNIX platform's epoll: the stack conformance suite (stack_suite.h,
 * shared with the own TCP/IP stack), plus what only the kernel-socket
 * implementation can get wrong: end of stream arriving with the last data
 * under edge-triggered epoll, and writing to a peer that is gone. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/unix/stack_socket.h"
#include "check.h"
#include "stack_suite.h"

#define LOOPBACK 0x7f000001u

static struct stack net = { .name = "net" };
static struct stack_socket net_state;

static void disconnect_net(void)
{
	stack_socket_disconnect(&net_state);
}

/* Data and FIN back to back, read only after both arrived: the short read
 * must not make the next read wait for an epoll edge that never comes. */
static void test_fin_with_data(void)
{
	uint16_t port;
	struct stack_listener *l = listen_any(&port);
	struct stack_flow *c = connect_to(port), *srv = NULL;
	char buf[64];
	CHECK_EQ_INT(stack_tcp_accept(&net, l, &srv, NULL, after_ms(1000)), 0);
	if (!c || !srv)
		return;
	CHECK_EQ_INT(stack_tcp_write(&net, c, "bye", 3, after_ms(1000)), 3);
	CHECK_EQ_INT(stack_tcp_shutdown(&net, c, STACK_SHUT_WR), 0);
	fiber_sleep_ns(20 * MS);
	CHECK_EQ_INT(stack_tcp_read(&net, srv, buf, sizeof buf, after_ms(1000)), 3);
	CHECK_EQ_INT(stack_tcp_read(&net, srv, buf, sizeof buf, after_ms(1000)), 0);
	CHECK_EQ_INT(stack_tcp_read(&net, srv, buf, sizeof buf, after_ms(1000)), 0);
	/* The other direction still works after a half-close. */
	CHECK_EQ_INT(stack_tcp_write(&net, srv, "ok", 2, after_ms(1000)), 2);
	CHECK_EQ_INT(read_full(&net, c, buf, 2, after_ms(1000)), 2);

	/* Writing to a peer that is gone fails with an error, not SIGPIPE. */
	stack_tcp_close(&net, c);
	fiber_sleep_ns(20 * MS);
	long rc = 0;
	for (int i = 0; i < 50 && rc >= 0; i++)
		rc = stack_tcp_write(&net, srv, buf, sizeof buf, after_ms(1000));
	CHECK(rc == -EPIPE || rc == -ECONNRESET);
	stack_tcp_close(&net, srv);
	stack_tcp_listener_close(&net, l);
}

static void run_all(void *arg)
{
	(void)arg;
	suite_echo();
	suite_many();
	suite_bulk();
	test_fin_with_data();
	suite_deadlines();
	suite_udp();
	suite_close_while_waiting();
	suite_disconnect();
}

int main(void)
{
	struct stack_socket_config cfg = { 0 };
	CHECK_EQ_INT(stack_socket_connect(&net, &net_state, &cfg), 0);
	CHECK_EQ_STR(net.ops->name, "socket");
	S.srv = S.cli = &net;
	S.srv_addr = LOOPBACK;
	S.cli_addr = LOOPBACK;
	S.nclients = 200;
	S.disconnect = disconnect_net;
	struct fiber *f = fiber_spawn(run_all, NULL, "tests", 0);
	CHECK(f != NULL);
	fiber_detach(f);
	CHECK_EQ_INT(sched_run(), 0);
	return check_report();
}
