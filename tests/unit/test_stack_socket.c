/* Unit test of stack "socket" over 127.0.0.1 inside the real scheduler and
 * the UNIX platform's epoll: echo through fibers, many concurrent flows,
 * bulk transfer with back-pressure, end of stream with and without data,
 * deadlines, UDP, refused connections, and closing or disconnecting while
 * other fibers wait (which must wake them with an error, never touch freed
 * memory: the sanitizer build checks that). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/unix/stack_socket.h"
#include "check.h"
#include "lib/platform.h"
#include "lib/sched.h"

#define LOOPBACK 0x7f000001u
#define MS 1000000ull

static struct stack net = { .name = "net" };
static struct stack_socket net_state;

static uint64_t after_ms(uint64_t ms)
{
	return plat_monotonic_ns() + ms * MS;
}

static struct stack_listener *listen_any(uint16_t *port)
{
	struct ip_endpoint local = { { LOOPBACK }, 0 }, bound;
	struct stack_listener *l = NULL;
	CHECK_EQ_INT(stack_tcp_listen(&net, &local, 512, &l), 0);
	CHECK_EQ_INT(stack_socket_listener_local(l, &bound), 0);
	CHECK_EQ_UINT(bound.addr.v, LOOPBACK);
	CHECK(bound.port != 0);
	*port = bound.port;
	return l;
}

static struct stack_flow *connect_to(uint16_t port)
{
	struct ip_endpoint remote = { { LOOPBACK }, port };
	struct stack_flow *f = NULL;
	int rc = stack_tcp_connect(&net, &remote, &f, after_ms(2000));
	CHECK_EQ_INT(rc, 0);
	return rc == 0 ? f : NULL;
}

/* Read exactly len bytes. */
static long read_full(struct stack_flow *f, void *buf, size_t len, uint64_t deadline)
{
	size_t got = 0;
	while (got < len) {
		long n = stack_tcp_read(&net, f, (char *)buf + got, len - got, deadline);
		if (n <= 0)
			return n < 0 ? n : (long)got;
		got += (size_t)n;
	}
	return (long)got;
}

/* ---- an echo server: one acceptor fiber, one fiber per flow ---- */

struct echo_server {
	struct stack_listener *l;
	int accepted, served;
	int accept_rc; /* how the acceptor ended */
};

static void echo_conn(void *arg)
{
	struct stack_flow *f = arg;
	char buf[1500];
	for (;;) {
		long n = stack_tcp_read(&net, f, buf, sizeof buf, after_ms(5000));
		if (n <= 0)
			break;
		struct io_vec v[2] = { { buf, (size_t)n / 2 }, { buf + n / 2, (size_t)n - (size_t)n / 2 } };
		if (stack_tcp_writev(&net, f, v, 2, after_ms(5000)) != n)
			break;
	}
	stack_tcp_close(&net, f);
}

static void echo_acceptor(void *arg)
{
	struct echo_server *s = arg;
	for (;;) {
		struct stack_flow *f;
		struct ip_endpoint peer;
		int rc = stack_tcp_accept(&net, s->l, &f, &peer, SCHED_FOREVER);
		if (rc < 0) {
			s->accept_rc = rc;
			return;
		}
		s->accepted++;
		if (peer.addr.v != LOOPBACK || peer.port == 0)
			s->accept_rc = -EPROTO;
		fiber_detach(fiber_spawn(echo_conn, f, "echo-conn", 0));
	}
}

static void test_echo(void)
{
	struct echo_server s = { 0 };
	uint16_t port;
	s.l = listen_any(&port);
	struct fiber *acc = fiber_spawn(echo_acceptor, &s, "acceptor", 0);

	struct stack_flow *c = connect_to(port);
	if (c) {
		char buf[64];
		CHECK_EQ_INT(stack_tcp_write(&net, c, "hello", 5, after_ms(1000)), 5);
		CHECK_EQ_INT(read_full(c, buf, 5, after_ms(1000)), 5);
		CHECK_EQ_MEM(buf, "hello", 5);
		/* A gather write with an empty piece and pieces of all sizes. */
		struct io_vec v[4] = { { "ab", 2 }, { "", 0 }, { "cdef", 4 }, { "g", 1 } };
		CHECK_EQ_INT(stack_tcp_writev(&net, c, v, 4, after_ms(1000)), 7);
		CHECK_EQ_INT(read_full(c, buf, 7, after_ms(1000)), 7);
		CHECK_EQ_MEM(buf, "abcdefg", 7);
		CHECK_EQ_INT(stack_tcp_set_option(&net, c, STACK_OPT_NODELAY, 0), 0);
		CHECK_EQ_INT(stack_tcp_set_option(&net, c, STACK_OPT_KEEPALIVE, 1), 0);
		CHECK_EQ_INT(stack_tcp_set_option(&net, c, (enum stack_option)99, 1), -ENOPROTOOPT);
		/* Half-close: the echo side sees the end and closes too. */
		CHECK_EQ_INT(stack_tcp_shutdown(&net, c, STACK_SHUT_WR), 0);
		CHECK_EQ_INT(stack_tcp_read(&net, c, buf, sizeof buf, after_ms(1000)), 0);
		stack_tcp_close(&net, c);
	}
	CHECK_EQ_INT(s.accepted, 1);

	/* Closing the listener wakes the acceptor parked in accept. */
	stack_tcp_listener_close(&net, s.l);
	CHECK_EQ_INT(fiber_join(acc), 0);
	CHECK_EQ_INT(s.accept_rc, -ECANCELED);
}

/* ---- many flows at once ---- */

#define NCLIENTS 200
#define ROUNDS 20

static int clients_ok;

static void client(void *arg)
{
	uint16_t port = (uint16_t)(uintptr_t)arg;
	struct stack_flow *c = connect_to(port);
	char out[1200], in[1200];
	bool ok = c != NULL;
	for (int r = 0; ok && r < ROUNDS; r++) {
		size_t len = 1 + (size_t)(r * 61 + port) % sizeof out;
		for (size_t i = 0; i < len; i++)
			out[i] = (char)(i * 7 + (size_t)r);
		ok = stack_tcp_write(&net, c, out, len, after_ms(5000)) == (long)len &&
		     read_full(c, in, len, after_ms(5000)) == (long)len && memcmp(in, out, len) == 0;
	}
	if (c)
		stack_tcp_close(&net, c);
	if (ok)
		clients_ok++;
}

static void test_many(void)
{
	struct echo_server s = { 0 };
	uint16_t port;
	struct fiber *fs[NCLIENTS];
	s.l = listen_any(&port);
	struct fiber *acc = fiber_spawn(echo_acceptor, &s, "acceptor", 0);
	clients_ok = 0;
	for (int i = 0; i < NCLIENTS; i++)
		fs[i] = fiber_spawn(client, (void *)(uintptr_t)port, "client", 0);
	for (int i = 0; i < NCLIENTS; i++)
		fiber_join(fs[i]);
	CHECK_EQ_INT(clients_ok, NCLIENTS);
	CHECK_EQ_INT(s.accepted, NCLIENTS);
	stack_tcp_listener_close(&net, s.l);
	fiber_join(acc);
}

/* ---- bulk: several MiB through small kernel buffers ---- */

#define BULK (6u << 20)

struct bulk {
	struct stack_flow *f;
	long rc;
	uint64_t sum;
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
	/* Many pieces, so a partial send resumes mid-vector. */
	enum { NV = 300 };
	static struct io_vec v[NV];
	size_t per = BULK / NV;
	for (unsigned i = 0; i < NV; i++) {
		v[i].base = src + i * per;
		v[i].len = i == NV - 1 ? BULK - i * per : per;
	}
	b->rc = stack_tcp_writev(&net, b->f, v, NV, after_ms(20000));
	stack_tcp_shutdown(&net, b->f, STACK_SHUT_WR);
}

static void test_bulk(void)
{
	uint16_t port;
	struct stack_listener *l = listen_any(&port);
	struct stack_flow *c = connect_to(port), *srv = NULL;
	CHECK_EQ_INT(stack_tcp_accept(&net, l, &srv, NULL, after_ms(1000)), 0);
	if (!c || !srv)
		return;
	struct bulk b = { .f = srv };
	struct fiber *w = fiber_spawn(bulk_writer, &b, "bulk-writer", 0);
	static uint8_t buf[100000];
	size_t got = 0;
	bool same = true;
	int reads = 0;
	for (;;) {
		/* Odd sizes, and a pause now and then so the writer blocks. */
		size_t want = 1 + (size_t)(reads * 7919) % sizeof buf;
		long n = stack_tcp_read(&net, c, buf, want, after_ms(20000));
		if (n <= 0) {
			CHECK_EQ_INT(n, 0);
			break;
		}
		for (long i = 0; i < n; i++)
			same &= buf[i] == pattern(got + (size_t)i);
		got += (size_t)n;
		if (++reads % 50 == 0)
			fiber_sleep_ns(MS);
	}
	fiber_join(w);
	CHECK_EQ_INT(b.rc, BULK);
	CHECK_EQ_UINT(got, BULK);
	CHECK(same);
	stack_tcp_close(&net, c);
	stack_tcp_close(&net, srv);
	stack_tcp_listener_close(&net, l);
}

/* ---- end of stream arriving with the last data ---- */

static void test_fin_with_data(void)
{
	uint16_t port;
	struct stack_listener *l = listen_any(&port);
	struct stack_flow *c = connect_to(port), *srv = NULL;
	char buf[64];
	CHECK_EQ_INT(stack_tcp_accept(&net, l, &srv, NULL, after_ms(1000)), 0);
	if (!c || !srv)
		return;
	/* Data and FIN back to back, read only after both arrived: the short
	 * read must not make the next read wait for an edge that never comes. */
	CHECK_EQ_INT(stack_tcp_write(&net, c, "bye", 3, after_ms(1000)), 3);
	CHECK_EQ_INT(stack_tcp_shutdown(&net, c, STACK_SHUT_WR), 0);
	fiber_sleep_ns(20 * MS);
	CHECK_EQ_INT(stack_tcp_read(&net, srv, buf, sizeof buf, after_ms(1000)), 3);
	CHECK_EQ_INT(stack_tcp_read(&net, srv, buf, sizeof buf, after_ms(1000)), 0);
	CHECK_EQ_INT(stack_tcp_read(&net, srv, buf, sizeof buf, after_ms(1000)), 0);
	/* The other direction still works after a half-close. */
	CHECK_EQ_INT(stack_tcp_write(&net, srv, "ok", 2, after_ms(1000)), 2);
	CHECK_EQ_INT(read_full(c, buf, 2, after_ms(1000)), 2);

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

/* ---- deadlines ---- */

static void test_deadlines(void)
{
	uint16_t port;
	struct stack_listener *l = listen_any(&port);
	struct stack_flow *c, *srv = NULL;
	char buf[16];

	uint64_t t0 = plat_monotonic_ns();
	CHECK_EQ_INT(stack_tcp_accept(&net, l, &srv, NULL, after_ms(30)), -ETIMEDOUT);
	uint64_t dt = plat_monotonic_ns() - t0;
	CHECK(dt >= 30 * MS && dt < 1000 * MS);

	c = connect_to(port);
	CHECK_EQ_INT(stack_tcp_accept(&net, l, &srv, NULL, after_ms(1000)), 0);
	if (!c || !srv)
		return;
	t0 = plat_monotonic_ns();
	CHECK_EQ_INT(stack_tcp_read(&net, srv, buf, sizeof buf, after_ms(40)), -ETIMEDOUT);
	dt = plat_monotonic_ns() - t0;
	CHECK(dt >= 40 * MS && dt < 1000 * MS);
	/* A deadline already past still returns data that is there. */
	CHECK_EQ_INT(stack_tcp_write(&net, c, "x", 1, after_ms(1000)), 1);
	fiber_sleep_ns(10 * MS);
	CHECK_EQ_INT(stack_tcp_read(&net, srv, buf, sizeof buf, 1), 1);
	/* And one in the past with nothing there times out at once. */
	CHECK_EQ_INT(stack_tcp_read(&net, srv, buf, sizeof buf, 1), -ETIMEDOUT);
	CHECK_EQ_INT(stack_tcp_read(&net, srv, buf, 0, SCHED_FOREVER), -EINVAL);

	/* A write that can never finish (the peer does not read) times out. */
	static char big[1 << 20];
	long rc = 0;
	t0 = plat_monotonic_ns();
	for (int i = 0; i < 64 && rc >= 0; i++)
		rc = stack_tcp_write(&net, srv, big, sizeof big, after_ms(50));
	CHECK_EQ_INT(rc, -ETIMEDOUT);
	stack_tcp_close(&net, c);
	stack_tcp_close(&net, srv);
	stack_tcp_listener_close(&net, l);

	/* Nobody listens: refused. */
	struct ip_endpoint remote = { { LOOPBACK }, port };
	CHECK_EQ_INT(stack_tcp_connect(&net, &remote, &c, after_ms(1000)), -ECONNREFUSED);
}

/* ---- UDP ---- */

struct udp_echo {
	struct stack_udp *u;
	int rc;
};

static void udp_echo_fiber(void *arg)
{
	struct udp_echo *e = arg;
	char buf[2048];
	struct ip_endpoint from;
	for (;;) {
		long n = stack_udp_recvfrom(&net, e->u, buf, sizeof buf, &from, SCHED_FOREVER);
		if (n < 0) {
			e->rc = (int)n;
			return;
		}
		stack_udp_sendto(&net, e->u, buf, (size_t)n, &from);
	}
}

static void test_udp(void)
{
	struct ip_endpoint any = { { LOOPBACK }, 0 }, srv_ep, cli_ep, from;
	struct udp_echo e = { 0 };
	struct stack_udp *cli;
	char buf[64];

	CHECK_EQ_INT(stack_udp_bind(&net, &any, &e.u), 0);
	CHECK_EQ_INT(stack_udp_bind(&net, &any, &cli), 0);
	CHECK_EQ_INT(stack_socket_udp_local(e.u, &srv_ep), 0);
	CHECK_EQ_INT(stack_socket_udp_local(cli, &cli_ep), 0);
	struct fiber *ef = fiber_spawn(udp_echo_fiber, &e, "udp-echo", 0);

	for (int i = 0; i < 10; i++) {
		char msg[32];
		int len = snprintf(msg, sizeof msg, "datagram %d", i);
		CHECK_EQ_INT(stack_udp_sendto(&net, cli, msg, (size_t)len, &srv_ep), len);
		memset(&from, 0, sizeof from);
		CHECK_EQ_INT(stack_udp_recvfrom(&net, cli, buf, sizeof buf, &from, after_ms(1000)), len);
		CHECK_EQ_MEM(buf, msg, (size_t)len);
		CHECK_EQ_UINT(from.addr.v, LOOPBACK);
		CHECK_EQ_UINT(from.port, srv_ep.port);
	}
	/* Truncation to the buffer, and a zero-length datagram. */
	CHECK_EQ_INT(stack_udp_sendto(&net, cli, "0123456789", 10, &srv_ep), 10);
	CHECK_EQ_INT(stack_udp_recvfrom(&net, cli, buf, 4, NULL, after_ms(1000)), 4);
	CHECK_EQ_MEM(buf, "0123", 4);
	CHECK_EQ_INT(stack_udp_sendto(&net, cli, "", 0, &srv_ep), 0);
	CHECK_EQ_INT(stack_udp_recvfrom(&net, cli, buf, sizeof buf, NULL, after_ms(1000)), 0);
	/* Nothing more: a timeout. */
	CHECK_EQ_INT(stack_udp_recvfrom(&net, cli, buf, sizeof buf, NULL, after_ms(20)), -ETIMEDOUT);
	CHECK_EQ_INT(stack_udp_sendto(&net, cli, "x", 1, NULL), -EDESTADDRREQ);

	/* Closing the socket the echo fiber waits on wakes it with an error. */
	stack_udp_close(&net, e.u);
	fiber_join(ef);
	CHECK_EQ_INT(e.rc, -ECANCELED);
	stack_udp_close(&net, cli);
}

/* ---- closing while others wait ---- */

struct waiter {
	struct stack_flow *f;
	long rc;
	bool done;
};

static void read_waiter(void *arg)
{
	struct waiter *w = arg;
	char buf[16];
	w->rc = stack_tcp_read(&net, w->f, buf, sizeof buf, after_ms(5000));
	w->done = true;
}

static void write_waiter(void *arg)
{
	struct waiter *w = arg;
	static char big[4 << 20];
	w->rc = stack_tcp_write(&net, w->f, big, sizeof big, after_ms(5000));
	w->done = true;
}

static void test_close_while_waiting(void)
{
	uint16_t port;
	struct stack_listener *l = listen_any(&port);
	struct stack_flow *c = connect_to(port), *srv = NULL;
	CHECK_EQ_INT(stack_tcp_accept(&net, l, &srv, NULL, after_ms(1000)), 0);
	if (!c || !srv)
		return;

	/* Two readers parked on one flow, then it is closed under them. The
	 * handle's memory is freed by the last of them, not by close. */
	struct waiter w1 = { .f = srv }, w2 = { .f = srv };
	struct fiber *f1 = fiber_spawn(read_waiter, &w1, "reader1", 0);
	struct fiber *f2 = fiber_spawn(read_waiter, &w2, "reader2", 0);
	fiber_sleep_ns(10 * MS);
	CHECK(!w1.done && !w2.done);
	stack_tcp_close(&net, srv);
	fiber_join(f1);
	fiber_join(f2);
	CHECK_EQ_INT(w1.rc, -ECANCELED);
	CHECK_EQ_INT(w2.rc, -ECANCELED);

	/* The peer sees the end of the stream. */
	char buf[16];
	CHECK_EQ_INT(stack_tcp_read(&net, c, buf, sizeof buf, after_ms(1000)), 0);
	stack_tcp_close(&net, c);

	/* A writer blocked on a full send buffer. */
	c = connect_to(port);
	CHECK_EQ_INT(stack_tcp_accept(&net, l, &srv, NULL, after_ms(1000)), 0);
	struct waiter w3 = { .f = c };
	struct fiber *f3 = fiber_spawn(write_waiter, &w3, "writer", 0);
	fiber_sleep_ns(20 * MS);
	CHECK(!w3.done);
	stack_tcp_close(&net, c);
	fiber_join(f3);
	CHECK_EQ_INT(w3.rc, -ECANCELED);
	stack_tcp_close(&net, srv);
	stack_tcp_listener_close(&net, l);
}

/* ---- disconnect with flows open and fibers parked ---- */

static void test_disconnect(void)
{
	struct echo_server s = { 0 };
	uint16_t port;
	s.l = listen_any(&port);
	struct fiber *acc = fiber_spawn(echo_acceptor, &s, "acceptor", 0);
	struct stack_flow *c = connect_to(port);
	struct waiter w = { .f = c };
	struct fiber *rf = fiber_spawn(read_waiter, &w, "reader", 0);
	fiber_sleep_ns(10 * MS);

	stack_socket_disconnect(&net_state);
	fiber_join(acc);
	fiber_join(rf);
	CHECK_EQ_INT(s.accept_rc, -ECANCELED);
	CHECK_EQ_INT(w.rc, -ECANCELED);
	/* Handles stay valid until closed; calls on them fail cleanly. */
	char buf[8];
	CHECK_EQ_INT(stack_tcp_read(&net, c, buf, sizeof buf, after_ms(10)), -ENETDOWN);
	CHECK_EQ_INT(stack_tcp_write(&net, c, "x", 1, after_ms(10)), -ENETDOWN);
	struct stack_flow *f2;
	CHECK_EQ_INT(stack_tcp_accept(&net, s.l, &f2, NULL, after_ms(10)), -ENETDOWN);
	stack_tcp_close(&net, c);
	stack_tcp_listener_close(&net, s.l);
	struct ip_endpoint any = { { LOOPBACK }, 0 };
	struct stack_listener *l2;
	CHECK_EQ_INT(stack_tcp_listen(&net, &any, 1, &l2), -ENETDOWN);
	/* Give the echo fiber of the accepted flow time to finish. */
	fiber_sleep_ns(10 * MS);
}

static void run_all(void *arg)
{
	(void)arg;
	test_echo();
	test_many();
	test_bulk();
	test_fin_with_data();
	test_deadlines();
	test_udp();
	test_close_while_waiting();
	test_disconnect();
}

int main(void)
{
	struct stack_socket_config cfg = { 0 };
	CHECK_EQ_INT(stack_socket_connect(&net, &net_state, &cfg), 0);
	CHECK_EQ_STR(net.ops->name, "socket");
	struct fiber *f = fiber_spawn(run_all, NULL, "tests", 0);
	CHECK(f != NULL);
	fiber_detach(f);
	CHECK_EQ_INT(sched_run(), 0);
	return check_report();
}
