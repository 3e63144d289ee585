/* A conformance suite for implementations of the stack device (what apps
 * rely on whichever stack a target picks): echo through fibers, many
 * concurrent flows, a bulk transfer with back-pressure, deadlines and
 * refusals, UDP, and closing or disconnecting while fibers wait (which
 * must wake them with -ECANCELED and never touch freed memory). A test
 * fills S with its stacks (server and client may be one) and calls the
 * suite_* functions from a fiber inside the scheduler. Header-only:
 * include it in exactly one test program. */
#ifndef SYNTH_TESTS_UNIT_STACK_SUITE_H
#define SYNTH_TESTS_UNIT_STACK_SUITE_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "devices/stack.h"
#include "lib/platform.h"
#include "lib/sched.h"

#define MS 1000000ull
#define SUITE_MAX_CLIENTS 256

static struct {
	struct stack *srv, *cli; /* servers listen on srv, clients use cli */
	uint32_t srv_addr;       /* where clients reach srv */
	uint32_t cli_addr;       /* what srv sees as the clients' address; 0: not checked */
	int nclients;            /* concurrent flows in suite_many */
	void (*disconnect)(void); /* stop every stack */
} S;

static uint64_t after_ms(uint64_t ms)
{
	return plat_monotonic_ns() + ms * MS;
}

static struct stack_listener *listen_any(uint16_t *port)
{
	struct ip_endpoint local = { { 0 }, 0 }, bound;
	struct stack_listener *l = NULL;
	CHECK_EQ_INT(stack_tcp_listen(S.srv, &local, 256, &l), 0);
	CHECK_EQ_INT(stack_tcp_listener_local(S.srv, l, &bound), 0);
	CHECK(bound.port != 0);
	*port = bound.port;
	return l;
}

static struct stack_flow *connect_to(uint16_t port)
{
	struct ip_endpoint remote = { { S.srv_addr }, port };
	struct stack_flow *f = NULL;
	int rc = stack_tcp_connect(S.cli, &remote, &f, after_ms(3000));
	CHECK_EQ_INT(rc, 0);
	return rc == 0 ? f : NULL;
}

static long read_full(struct stack *s, struct stack_flow *f, void *buf, size_t len, uint64_t deadline)
{
	size_t got = 0;
	while (got < len) {
		long n = stack_tcp_read(s, f, (char *)buf + got, len - got, deadline);
		if (n <= 0)
			return n < 0 ? n : (long)got;
		got += (size_t)n;
	}
	return (long)got;
}

/* ---- an echo server on A ---- */

struct server {
	struct stack_listener *l;
	int accepted;
	int accept_rc;
};

static void echo_flow(void *arg)
{
	struct stack_flow *f = arg;
	char buf[3000];
	for (;;) {
		long n = stack_tcp_read(S.srv, f, buf, sizeof buf, after_ms(5000));
		if (n <= 0)
			break;
		struct io_vec v[2] = { { buf, (size_t)n / 3 }, { buf + n / 3, (size_t)n - (size_t)n / 3 } };
		if (stack_tcp_writev(S.srv, f, v, 2, after_ms(5000)) != n)
			break;
	}
	stack_tcp_close(S.srv, f);
}

static void acceptor(void *arg)
{
	struct server *s = arg;
	for (;;) {
		struct stack_flow *f;
		struct ip_endpoint peer;
		int rc = stack_tcp_accept(S.srv, s->l, &f, &peer, SCHED_FOREVER);
		if (rc < 0) {
			s->accept_rc = rc;
			return;
		}
		s->accepted++;
		if ((S.cli_addr && peer.addr.v != S.cli_addr) || peer.port == 0)
			s->accept_rc = -EPROTO;
		fiber_detach(fiber_spawn(echo_flow, f, "echo", 0));
	}
}

static void suite_echo(void)
{
	struct server s = { 0 };
	uint16_t port;
	s.l = listen_any(&port);
	struct fiber *acc = fiber_spawn(acceptor, &s, "acceptor", 0);
	struct stack_flow *c = connect_to(port);
	if (c) {
		char buf[64];
		CHECK_EQ_INT(stack_tcp_write(S.cli, c, "hello", 5, after_ms(1000)), 5);
		CHECK_EQ_INT(read_full(S.cli, c, buf, 5, after_ms(1000)), 5);
		CHECK_EQ_MEM(buf, "hello", 5);
		struct io_vec v[4] = { { "ab", 2 }, { "", 0 }, { "cdef", 4 }, { "g", 1 } };
		CHECK_EQ_INT(stack_tcp_writev(S.cli, c, v, 4, after_ms(1000)), 7);
		CHECK_EQ_INT(read_full(S.cli, c, buf, 7, after_ms(1000)), 7);
		CHECK_EQ_MEM(buf, "abcdefg", 7);
		CHECK_EQ_INT(stack_tcp_set_option(S.cli, c, STACK_OPT_NODELAY, 0), 0);
		CHECK_EQ_INT(stack_tcp_set_option(S.cli, c, STACK_OPT_KEEPALIVE, 1), 0);
		CHECK_EQ_INT(stack_tcp_set_option(S.cli, c, (enum stack_option)99, 1), -ENOPROTOOPT);
		CHECK_EQ_INT(stack_tcp_shutdown(S.cli, c, STACK_SHUT_WR), 0);
		CHECK_EQ_INT(stack_tcp_read(S.cli, c, buf, sizeof buf, after_ms(1000)), 0);
		stack_tcp_close(S.cli, c);
	}
	CHECK_EQ_INT(s.accepted, 1);
	stack_tcp_listener_close(S.srv, s.l);
	CHECK_EQ_INT(fiber_join(acc), 0);
	CHECK_EQ_INT(s.accept_rc, -ECANCELED);
}

/* ---- many flows at once ---- */

#define ROUNDS 10

static int clients_ok;

static void client(void *arg)
{
	uint16_t port = (uint16_t)(uintptr_t)arg;
	struct stack_flow *c = connect_to(port);
	char out[2500], in[2500];
	bool ok = c != NULL;
	for (int r = 0; ok && r < ROUNDS; r++) {
		size_t len = 1 + (size_t)(r * 613 + port) % sizeof out;
		for (size_t i = 0; i < len; i++)
			out[i] = (char)(i * 7 + (size_t)r);
		ok = stack_tcp_write(S.cli, c, out, len, after_ms(5000)) == (long)len &&
		     read_full(S.cli, c, in, len, after_ms(5000)) == (long)len && memcmp(in, out, len) == 0;
	}
	if (c)
		stack_tcp_close(S.cli, c);
	if (ok)
		clients_ok++;
}

static void suite_many(void)
{
	struct server s = { 0 };
	uint16_t port;
	struct fiber *fs[SUITE_MAX_CLIENTS];
	s.l = listen_any(&port);
	struct fiber *acc = fiber_spawn(acceptor, &s, "acceptor", 0);
	clients_ok = 0;
	for (int i = 0; i < S.nclients; i++)
		fs[i] = fiber_spawn(client, (void *)(uintptr_t)port, "client", 0);
	for (int i = 0; i < S.nclients; i++)
		fiber_join(fs[i]);
	CHECK_EQ_INT(clients_ok, S.nclients);
	CHECK_EQ_INT(s.accepted, S.nclients);
	stack_tcp_listener_close(S.srv, s.l);
	fiber_join(acc);
}

/* ---- bulk with back-pressure ---- */

#define BULK (4u << 20) /* the most suite_bulk moves */

struct bulk {
	struct stack_flow *f;
	long rc;
};

static uint8_t pattern(size_t i)
{
	return (uint8_t)(i * 2654435761u >> 13);
}

static void bulk_writer(void *arg)
{
	struct bulk *b = arg;
	static uint8_t src[BULK];
	for (size_t i = 0; i < BULK; i++)
		src[i] = pattern(i);
	enum { NV = 100 };
	static struct io_vec v[NV];
	size_t per = BULK / NV;
	for (unsigned i = 0; i < NV; i++) {
		v[i].base = src + i * per;
		v[i].len = i == NV - 1 ? BULK - i * per : per;
	}
	b->rc = stack_tcp_writev(S.srv, b->f, v, NV, after_ms(20000));
	stack_tcp_shutdown(S.srv, b->f, STACK_SHUT_WR);
}

static void suite_bulk(void)
{
	uint16_t port;
	struct stack_listener *l = listen_any(&port);
	struct stack_flow *c = connect_to(port), *srv = NULL;
	CHECK_EQ_INT(stack_tcp_accept(S.srv, l, &srv, NULL, after_ms(1000)), 0);
	if (!c || !srv)
		return;
	struct bulk b = { .f = srv };
	struct fiber *w = fiber_spawn(bulk_writer, &b, "bulk-writer", 0);
	static uint8_t buf[70000];
	size_t got = 0;
	bool same = true;
	int reads = 0;
	uint64_t t0 = plat_monotonic_ns();
	for (;;) {
		size_t want = 1 + (size_t)(reads * 7919) % sizeof buf;
		long n = stack_tcp_read(S.cli, c, buf, want, after_ms(20000));
		if (n <= 0) {
			CHECK_EQ_INT(n, 0);
			break;
		}
		for (long i = 0; i < n; i++)
			same &= buf[i] == pattern(got + (size_t)i);
		got += (size_t)n;
		if (++reads % 100 == 0)
			fiber_sleep_ns(MS);
	}
	uint64_t dt = plat_monotonic_ns() - t0;
	fiber_join(w);
	CHECK_EQ_INT(b.rc, BULK);
	CHECK_EQ_UINT(got, BULK);
	CHECK(same);
	printf("bulk: %u bytes in %.1f ms (%.0f Mb/s)\n", BULK, (double)dt / 1e6,
	       (double)BULK * 8 / ((double)dt / 1e9) / 1e6);
	stack_tcp_close(S.cli, c);
	stack_tcp_close(S.srv, srv);
	stack_tcp_listener_close(S.srv, l);
}

/* ---- deadlines and refusals ---- */

static void suite_deadlines(void)
{
	uint16_t port;
	struct stack_listener *l = listen_any(&port);
	struct stack_flow *c, *srv = NULL;
	char buf[16];

	uint64_t t0 = plat_monotonic_ns();
	CHECK_EQ_INT(stack_tcp_accept(S.srv, l, &srv, NULL, after_ms(30)), -ETIMEDOUT);
	uint64_t dt = plat_monotonic_ns() - t0;
	CHECK(dt >= 30 * MS && dt < 1000 * MS);

	c = connect_to(port);
	CHECK_EQ_INT(stack_tcp_accept(S.srv, l, &srv, NULL, after_ms(1000)), 0);
	if (!c || !srv)
		return;
	t0 = plat_monotonic_ns();
	CHECK_EQ_INT(stack_tcp_read(S.srv, srv, buf, sizeof buf, after_ms(40)), -ETIMEDOUT);
	dt = plat_monotonic_ns() - t0;
	CHECK(dt >= 40 * MS && dt < 1000 * MS);
	CHECK_EQ_INT(stack_tcp_write(S.cli, c, "x", 1, after_ms(1000)), 1);
	fiber_sleep_ns(10 * MS);
	CHECK_EQ_INT(stack_tcp_read(S.srv, srv, buf, sizeof buf, 1), 1);
	CHECK_EQ_INT(stack_tcp_read(S.srv, srv, buf, sizeof buf, 1), -ETIMEDOUT);
	CHECK_EQ_INT(stack_tcp_read(S.srv, srv, buf, 0, SCHED_FOREVER), -EINVAL);

	/* The peer never reads: its window and our buffer fill, and a write
	 * times out (kernel buffers on loopback can take a few MiB first). */
	static char big[1 << 20];
	long rc = 0;
	for (int i = 0; i < 64 && rc >= 0; i++)
		rc = stack_tcp_write(S.srv, srv, big, sizeof big, after_ms(100));
	CHECK_EQ_INT(rc, -ETIMEDOUT);
	stack_tcp_close(S.cli, c);
	stack_tcp_close(S.srv, srv);
	stack_tcp_listener_close(S.srv, l);

	/* Nobody listens: refused. */
	struct ip_endpoint remote = { { S.srv_addr }, port };
	CHECK_EQ_INT(stack_tcp_connect(S.cli, &remote, &c, after_ms(1000)), -ECONNREFUSED);
}

/* ---- UDP ---- */

struct udp_echo {
	struct stack_udp *u;
	int rc;
};

static void udp_echo_fiber(void *arg)
{
	struct udp_echo *e = arg;
	char buf[9000];
	struct ip_endpoint from;
	for (;;) {
		long n = stack_udp_recvfrom(S.srv, e->u, buf, sizeof buf, &from, SCHED_FOREVER);
		if (n < 0) {
			e->rc = (int)n;
			return;
		}
		stack_udp_sendto(S.srv, e->u, buf, (size_t)n, &from);
	}
}

static void suite_udp(void)
{
	struct ip_endpoint any = { { 0 }, 0 }, srv_ep, from;
	struct udp_echo e = { 0 };
	struct stack_udp *cli;
	static char buf[9000], msg[8000];

	CHECK_EQ_INT(stack_udp_bind(S.srv, &any, &e.u), 0);
	CHECK_EQ_INT(stack_udp_bind(S.cli, &any, &cli), 0);
	CHECK_EQ_INT(stack_udp_local(S.srv, e.u, &srv_ep), 0);
	srv_ep.addr.v = S.srv_addr;
	struct fiber *ef = fiber_spawn(udp_echo_fiber, &e, "udp-echo", 0);
	for (int i = 0; i < 10; i++) {
		int len = snprintf(msg, sizeof msg, "datagram %d", i);
		CHECK_EQ_INT(stack_udp_sendto(S.cli, cli, msg, (size_t)len, &srv_ep), len);
		memset(&from, 0, sizeof from);
		CHECK_EQ_INT(stack_udp_recvfrom(S.cli, cli, buf, sizeof buf, &from, after_ms(1000)), len);
		CHECK_EQ_MEM(buf, msg, (size_t)len);
		CHECK_EQ_UINT(from.addr.v, S.srv_addr);
		CHECK_EQ_UINT(from.port, srv_ep.port);
	}
	/* A datagram that travels in fragments, both ways. */
	for (size_t i = 0; i < sizeof msg; i++)
		msg[i] = (char)(i * 3);
	CHECK_EQ_INT(stack_udp_sendto(S.cli, cli, msg, sizeof msg, &srv_ep), (long)sizeof msg);
	CHECK_EQ_INT(stack_udp_recvfrom(S.cli, cli, buf, sizeof buf, NULL, after_ms(1000)), (long)sizeof msg);
	CHECK_EQ_MEM(buf, msg, sizeof msg);
	CHECK_EQ_INT(stack_udp_sendto(S.cli, cli, "0123456789", 10, &srv_ep), 10);
	CHECK_EQ_INT(stack_udp_recvfrom(S.cli, cli, buf, 4, NULL, after_ms(1000)), 4);
	CHECK_EQ_MEM(buf, "0123", 4);
	CHECK_EQ_INT(stack_udp_recvfrom(S.cli, cli, buf, sizeof buf, NULL, after_ms(20)), -ETIMEDOUT);
	CHECK_EQ_INT(stack_udp_sendto(S.cli, cli, "x", 1, NULL), -EDESTADDRREQ);
	stack_udp_close(S.srv, e.u);
	fiber_join(ef);
	CHECK_EQ_INT(e.rc, -ECANCELED);
	stack_udp_close(S.cli, cli);
}

/* ---- closing and disconnecting under waiting fibers ---- */

struct waiter {
	struct stack *s;
	struct stack_flow *f;
	long rc;
	bool done;
};

static void read_waiter(void *arg)
{
	struct waiter *w = arg;
	char buf[16];
	w->rc = stack_tcp_read(w->s, w->f, buf, sizeof buf, after_ms(5000));
	w->done = true;
}

static void write_waiter(void *arg)
{
	struct waiter *w = arg;
	static char big[4 << 20];
	w->rc = stack_tcp_write(w->s, w->f, big, sizeof big, after_ms(5000));
	w->done = true;
}

static void suite_close_while_waiting(void)
{
	uint16_t port;
	struct stack_listener *l = listen_any(&port);
	struct stack_flow *c = connect_to(port), *srv = NULL;
	CHECK_EQ_INT(stack_tcp_accept(S.srv, l, &srv, NULL, after_ms(1000)), 0);
	if (!c || !srv)
		return;
	struct waiter w1 = { .s = S.srv, .f = srv }, w2 = { .s = S.srv, .f = srv };
	struct fiber *f1 = fiber_spawn(read_waiter, &w1, "reader1", 0);
	struct fiber *f2 = fiber_spawn(read_waiter, &w2, "reader2", 0);
	fiber_sleep_ns(10 * MS);
	CHECK(!w1.done && !w2.done);
	stack_tcp_close(S.srv, srv);
	fiber_join(f1);
	fiber_join(f2);
	CHECK_EQ_INT(w1.rc, -ECANCELED);
	CHECK_EQ_INT(w2.rc, -ECANCELED);
	char buf[16];
	CHECK_EQ_INT(stack_tcp_read(S.cli, c, buf, sizeof buf, after_ms(1000)), 0);
	stack_tcp_close(S.cli, c);

	c = connect_to(port);
	CHECK_EQ_INT(stack_tcp_accept(S.srv, l, &srv, NULL, after_ms(1000)), 0);
	struct waiter w3 = { .s = S.cli, .f = c };
	struct fiber *f3 = fiber_spawn(write_waiter, &w3, "writer", 0);
	fiber_sleep_ns(20 * MS);
	CHECK(!w3.done);
	stack_tcp_close(S.cli, c);
	fiber_join(f3);
	CHECK_EQ_INT(w3.rc, -ECANCELED);
	stack_tcp_close(S.srv, srv);
	stack_tcp_listener_close(S.srv, l);
}

static void suite_disconnect(void)
{
	struct server s = { 0 };
	uint16_t port;
	s.l = listen_any(&port);
	struct fiber *acc = fiber_spawn(acceptor, &s, "acceptor", 0);
	struct stack_flow *c = connect_to(port);
	struct waiter w = { .s = S.cli, .f = c };
	struct fiber *rf = fiber_spawn(read_waiter, &w, "reader", 0);
	fiber_sleep_ns(10 * MS);
	S.disconnect();
	fiber_join(acc);
	fiber_join(rf);
	CHECK_EQ_INT(s.accept_rc, -ECANCELED);
	CHECK_EQ_INT(w.rc, -ECANCELED);
	char buf[8];
	CHECK_EQ_INT(stack_tcp_read(S.cli, c, buf, sizeof buf, after_ms(10)), -ENETDOWN);
	CHECK_EQ_INT(stack_tcp_write(S.cli, c, "x", 1, after_ms(10)), -ENETDOWN);
	struct stack_flow *f2;
	CHECK_EQ_INT(stack_tcp_accept(S.srv, s.l, &f2, NULL, after_ms(10)), -ENETDOWN);
	stack_tcp_close(S.cli, c);
	stack_tcp_listener_close(S.srv, s.l);
	struct ip_endpoint any = { { 0 }, 0 };
	struct stack_listener *l2;
	CHECK_EQ_INT(stack_tcp_listen(S.srv, &any, 1, &l2), -ENETDOWN);
	fiber_sleep_ns(10 * MS); /* let the echo fiber of the accepted flow end */
}

#endif
