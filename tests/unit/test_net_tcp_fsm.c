/* The TCP state machine of the net stack, with the test playing the peer
 * segment by segment: passive, active and simultaneous opens, resets and
 * RFC 5961 challenge ACKs, out-of-window segments, half-close, active,
 * passive and simultaneous close, TIME_WAIT and its reuse, the listen
 * backlog and the bounded half-open queue, PAWS, and option negotiation. */
#include "check.h"
#include "net_fake.h"
#include "protocols/net/tcp.h"

#define US FAKE_IP(10, 0, 0, 2)
#define PEER FAKE_IP(10, 0, 0, 1)

static uint64_t now;
static struct fake_link link_;
static struct net *n;
static struct tcp_listener *lst;
static unsigned events;

static void upcall(void *ctx, unsigned ev)
{
	(void)ctx;
	events |= ev;
}

static void setup(const struct net_tunables *t)
{
	fake_drain(&link_);
	now = 1000 * FAKE_S;
	n = fake_net(&link_, &now, &fake_mac_a, US, 24, 0, t, 5);
	fake_arp_prime(n, &link_, &fake_mac_a, PEER, US);
	CHECK_EQ_INT(tcp_listen(n, 0, 80, 8, &lst), 0);
}

static void teardown(void)
{
	tcp_listener_close(lst);
	net_destroy(n);
	fake_drain(&link_);
}

/* pe must be zeroed or initialized before. */
static void peer_init(struct fake_peer *pe, uint16_t port, uint16_t sport)
{
	fake_peer_free(pe);
	memset(pe, 0, sizeof *pe);
	pe->n = n;
	pe->link = &link_;
	pe->ip = PEER;
	pe->us = US;
	pe->port = port;
	pe->sport = sport;
	pe->seq = 0x10000000u + port * 1000u;
	pe->wnd = 65535;
}

/* A SYN or SYN-ACK with the full set of options (or none). */
static void peer_syn(struct fake_peer *pe, uint8_t flags, bool opts)
{
	static uint8_t b[200];
	struct fake_tcp_opts o = { .mss = 1460, .ws = 7, .sack_ok = true, .ts = true, .tsval = pe->tsval,
	                           .tsecr = pe->ts_echo };
	size_t fl = fake_tcp(b, &fake_mac_a, pe->ip, pe->us, pe->port, pe->sport, pe->seq, pe->ack, flags,
	                     pe->wnd, opts ? &o : NULL, NULL, 0);
	net_input(n, b, fl);
	pe->seq++;
	pe->ts = opts;
}

static struct tcp_pcb *accept_one(struct fake_peer *pe, uint16_t port, bool opts)
{
	peer_init(pe, port, 80);
	pe->tsval = 500;
	peer_syn(pe, TH_SYN, opts);
	struct fake_tcp_view t = fake_peer_recv(pe);
	CHECK(t.ok && t.flags == (TH_SYN | TH_ACK));
	CHECK_EQ_UINT(t.ack, pe->seq);
	pe->ack = t.seq + 1;
	fake_peer_send(pe, TH_ACK, NULL, 0);
	struct tcp_pcb *p = NULL;
	CHECK_EQ_INT(tcp_accept(lst, &p), 0);
	if (p)
		tcp_set_upcall(p, upcall, NULL);
	return p;
}

static void test_passive_open(void)
{
	setup(NULL);
	struct fake_peer pe = { 0 };
	peer_init(&pe, 40000, 80);
	pe.tsval = 777;
	tcp_listener_set_upcall(lst, upcall, NULL);
	events = 0;
	peer_syn(&pe, TH_SYN, true);
	struct fake_tcp_view t = fake_peer_recv(&pe);
	CHECK(t.ok && t.flags == (TH_SYN | TH_ACK));
	CHECK_EQ_UINT(t.ack, pe.seq);
	CHECK_EQ_INT(t.mss, 1460);
	CHECK_EQ_INT(t.ws, 3); /* a 256 KiB buffer needs a shift of 3 */
	CHECK(t.sack_ok);
	CHECK(t.ts && t.tsecr == 777);
	CHECK_EQ_INT(t.wnd, 65535);
	CHECK(fake_parse_ip(pe.last).frag & 0x4000); /* DF */
	struct tcp_pcb *p;
	CHECK_EQ_INT(tcp_accept(lst, &p), -EAGAIN);
	CHECK_EQ_INT(events, 0);
	pe.ack = t.seq + 1;
	pe.tsval = 778;
	fake_peer_send(&pe, TH_ACK, "GET", 3); /* data with the handshake's ACK */
	CHECK(events & NET_EV_ACCEPT);
	CHECK_EQ_INT(tcp_accept(lst, &p), 0);
	CHECK_EQ_INT(tcp_state(p), TCP_ESTABLISHED);
	char buf[16];
	CHECK_EQ_INT(tcp_recv(p, buf, sizeof buf), 3);
	CHECK(p->flags & TF_TS && p->flags & TF_WS && p->flags & TF_SACK);
	CHECK_EQ_INT(p->snd_wscale, 7);
	CHECK_EQ_INT(p->mss, 1448);
	uint32_t laddr, raddr;
	uint16_t lport, rport;
	tcp_endpoints(p, &laddr, &lport, &raddr, &rport);
	CHECK(laddr == US && lport == 80 && raddr == PEER && rport == 40000);

	/* Window scaling applies from here on: 100 << 7 bytes. */
	fake_peer_raw(&pe, pe.seq, pe.ack, TH_ACK, 100, NULL, 0);
	CHECK_EQ_UINT(p->snd_wnd, 100u << 7);

	/* ISNs differ per connection (RFC 6528). */
	struct fake_peer pe2 = { 0 };
	fake_drain(&link_);
	peer_init(&pe2, 40001, 80);
	peer_syn(&pe2, TH_SYN, false);
	struct fake_tcp_view t2 = fake_peer_recv(&pe2);
	CHECK(t2.ok && t2.seq != t.seq);
	/* Nothing offered, nothing used. */
	CHECK_EQ_INT(t2.mss, 1460);
	CHECK_EQ_INT(t2.ws, -1);
	CHECK(!t2.sack_ok && !t2.ts);
	fake_peer_free(&pe);
	fake_peer_free(&pe2);
	tcp_close(p);
	teardown();
}

static void test_closed_port_and_stray(void)
{
	setup(NULL);
	struct fake_peer pe = { 0 };
	peer_init(&pe, 40000, 81);
	/* SYN to a closed port: RST|ACK acking it. */
	fake_peer_send(&pe, TH_SYN, NULL, 0);
	struct fake_tcp_view t = fake_peer_recv(&pe);
	CHECK(t.ok && t.flags == (TH_RST | TH_ACK) && t.seq == 0 && t.ack == pe.seq);
	/* A stray ACK: RST with its sequence number. */
	fake_peer_raw(&pe, pe.seq, 0xabcdef, TH_ACK, 1000, "x", 1);
	t = fake_peer_recv(&pe);
	CHECK(t.ok && t.flags == TH_RST && t.seq == 0xabcdef);
	/* A stray RST: silence. */
	fake_peer_raw(&pe, pe.seq, 0, TH_RST, 0, NULL, 0);
	CHECK(!fake_peer_recv(&pe).ok);
	/* An ACK to a listening port: RST too (RFC 9293 LISTEN). */
	peer_init(&pe, 40001, 80);
	fake_peer_raw(&pe, 5, 77, TH_ACK, 1000, NULL, 0);
	t = fake_peer_recv(&pe);
	CHECK(t.ok && t.flags == TH_RST && t.seq == 77);
	/* A segment with a bad checksum is ignored. */
	static uint8_t b[200];
	size_t fl = fake_tcp(b, &fake_mac_a, PEER, US, 40002, 80, 1, 0, TH_SYN, 1000, NULL, NULL, 0);
	b[fl - 3] ^= 1;
	net_input(n, b, fl);
	CHECK(!fake_peer_recv(&pe).ok);
	CHECK_EQ_UINT(net_get_stats(n)->tcp_bad, 1);
	fake_peer_free(&pe);
	teardown();
}

static void test_active_open_and_refused(void)
{
	setup(NULL);
	struct tcp_pcb *c;
	events = 0;
	CHECK_EQ_INT(tcp_connect(n, PEER, 9000, &c), 0);
	tcp_set_upcall(c, upcall, NULL);
	CHECK_EQ_INT(tcp_state(c), TCP_SYN_SENT);
	struct fake_peer pe = { 0 };
	peer_init(&pe, 9000, 0);
	struct fake_tcp_view t = fake_peer_recv(&pe);
	CHECK(t.ok && t.flags == TH_SYN && t.mss == 1460 && t.ws == 3 && t.sack_ok && t.ts && t.tsecr == 0);
	CHECK(t.sport >= 49152);
	pe.sport = t.sport;
	pe.ack = t.seq + 1;
	struct io_vec v = { "x", 1 };
	CHECK_EQ_INT(tcp_send(c, &v, 1), -ENOTCONN);
	peer_syn(&pe, TH_SYN | TH_ACK, true);
	CHECK(events & NET_EV_STATE);
	CHECK_EQ_INT(tcp_state(c), TCP_ESTABLISHED);
	t = fake_peer_recv(&pe);
	CHECK(t.ok && t.flags == TH_ACK && t.ack == pe.seq && t.seq == pe.ack);
	CHECK_EQ_INT(tcp_send(c, &v, 1), 1);
	tcp_abort(c);
	t = fake_peer_recv(&pe);
	t = fake_peer_recv(&pe);
	CHECK(t.ok && (t.flags & TH_RST));

	/* Refused: RST|ACK for our SYN. */
	CHECK_EQ_INT(tcp_connect(n, PEER, 9001, &c), 0);
	tcp_set_upcall(c, upcall, NULL);
	peer_init(&pe, 9001, 0);
	t = fake_peer_recv(&pe);
	pe.sport = t.sport;
	/* An RST without an acceptable ACK is ignored in SYN_SENT. */
	fake_peer_raw(&pe, 0, t.seq + 5, TH_RST | TH_ACK, 0, NULL, 0);
	CHECK_EQ_INT(tcp_state(c), TCP_SYN_SENT);
	fake_drain(&link_);
	fake_peer_raw(&pe, 0, t.seq + 1, TH_RST | TH_ACK, 0, NULL, 0);
	CHECK_EQ_INT(tcp_state(c), TCP_CLOSED);
	CHECK_EQ_INT(tcp_error(c), -ECONNREFUSED);
	char buf[4];
	CHECK_EQ_INT(tcp_recv(c, buf, sizeof buf), -ECONNREFUSED);
	tcp_close(c);
	CHECK_EQ_UINT(n->tcp_flows, 0);
	fake_peer_free(&pe);
	teardown();
}

static void test_simultaneous_open(void)
{
	setup(NULL);
	struct tcp_pcb *c;
	CHECK_EQ_INT(tcp_connect(n, PEER, 9000, &c), 0);
	struct fake_peer pe = { 0 };
	peer_init(&pe, 9000, 0);
	struct fake_tcp_view t = fake_peer_recv(&pe);
	uint32_t iss = t.seq;
	pe.sport = t.sport;
	/* The peer's own SYN crosses ours. */
	peer_syn(&pe, TH_SYN, true);
	CHECK_EQ_INT(tcp_state(c), TCP_SYN_RCVD);
	t = fake_peer_recv(&pe);
	CHECK(t.ok && t.flags == (TH_SYN | TH_ACK) && t.seq == iss && t.ack == pe.seq);
	/* Its SYN-ACK for our SYN completes the open. */
	pe.ack = iss + 1;
	fake_peer_send(&pe, TH_ACK, NULL, 0);
	CHECK_EQ_INT(tcp_state(c), TCP_ESTABLISHED);
	fake_peer_free(&pe);
	tcp_abort(c);
	teardown();
}

static void test_rst_and_challenge(void)
{
	setup(NULL);
	struct fake_peer pe = { 0 };
	struct tcp_pcb *p = accept_one(&pe, 40000, true);
	struct fake_tcp_view t;
	fake_drain(&link_);

	/* In window but not exact: a challenge ACK, the flow survives. */
	fake_peer_raw(&pe, pe.seq + 100, 0, TH_RST, 0, NULL, 0);
	t = fake_peer_recv(&pe);
	CHECK(t.ok && t.flags == TH_ACK && t.ack == pe.seq && t.seq == pe.ack);
	CHECK_EQ_INT(tcp_state(p), TCP_ESTABLISHED);
	/* Outside the window: nothing at all. */
	fake_peer_raw(&pe, pe.seq + 10000000, 0, TH_RST, 0, NULL, 0);
	CHECK(!fake_peer_recv(&pe).ok);
	CHECK_EQ_INT(tcp_state(p), TCP_ESTABLISHED);
	/* A SYN on the established flow: challenged too. */
	fake_peer_raw(&pe, pe.seq + 5, 0, TH_SYN, 1000, NULL, 0);
	t = fake_peer_recv(&pe);
	CHECK(t.ok && t.flags == TH_ACK && t.ack == pe.seq);
	CHECK_EQ_INT(tcp_state(p), TCP_ESTABLISHED);
	/* An ACK for data never sent: challenged and dropped. */
	fake_peer_raw(&pe, pe.seq, pe.ack + 5000, TH_ACK, 1000, "zz", 2);
	t = fake_peer_recv(&pe);
	CHECK(t.ok && t.flags == TH_ACK && t.ack == pe.seq);
	CHECK_EQ_INT(tcp_readable(p), 0);
	CHECK_EQ_UINT(net_get_stats(n)->tcp_challenge_acks, 3);
	/* Data outside the window: an ACK, nothing delivered. */
	fake_peer_raw(&pe, pe.seq + 300000, pe.ack, TH_ACK, 1000, "far", 3);
	t = fake_peer_recv(&pe);
	CHECK(t.ok && t.flags == TH_ACK && t.ack == pe.seq);
	/* Old duplicate data: an ACK too. */
	fake_peer_raw(&pe, pe.seq - 10, pe.ack, TH_ACK, 1000, "old", 3);
	t = fake_peer_recv(&pe);
	CHECK(t.ok && t.ack == pe.seq);
	CHECK_EQ_INT(tcp_readable(p), 0);
	/* The exact sequence number resets. */
	events = 0;
	fake_peer_raw(&pe, pe.seq, 0, TH_RST, 0, NULL, 0);
	CHECK_EQ_INT(tcp_state(p), TCP_CLOSED);
	CHECK(events & NET_EV_READ);
	char buf[4];
	CHECK_EQ_INT(tcp_recv(p, buf, sizeof buf), -ECONNRESET);
	struct io_vec v = { "x", 1 };
	CHECK_EQ_INT(tcp_send(p, &v, 1), -ECONNRESET);
	tcp_close(p);
	CHECK_EQ_UINT(n->tcp_flows, 0);
	fake_peer_free(&pe);
	teardown();
}

static void test_half_close_and_passive_close(void)
{
	setup(NULL);
	struct fake_peer pe = { 0 };
	struct tcp_pcb *p = accept_one(&pe, 40000, true);
	char buf[64];
	fake_drain(&link_);

	fake_peer_send(&pe, TH_ACK | TH_FIN, "bye", 3);
	struct fake_tcp_view t = fake_peer_recv(&pe);
	CHECK(t.ok && t.flags == TH_ACK && t.ack == pe.seq); /* FIN acknowledged at once */
	CHECK_EQ_INT(tcp_state(p), TCP_CLOSE_WAIT);
	CHECK_EQ_INT(tcp_recv(p, buf, sizeof buf), 3);
	CHECK_EQ_INT(tcp_recv(p, buf, sizeof buf), 0);
	/* Half-closed: we can still send. */
	struct io_vec v = { "still here", 10 };
	CHECK_EQ_INT(tcp_send(p, &v, 1), 10);
	t = fake_peer_recv(&pe);
	CHECK(t.ok && t.len == 10 && memcmp(t.data, "still here", 10) == 0);
	pe.ack += 10;
	tcp_close(p);
	CHECK_EQ_INT(tcp_state(p), TCP_LAST_ACK);
	t = fake_peer_recv(&pe);
	CHECK(t.ok && (t.flags & TH_FIN) && t.seq == pe.ack);
	pe.ack++;
	fake_peer_send(&pe, TH_ACK, NULL, 0);
	CHECK_EQ_UINT(n->tcp_flows, 0);
	fake_peer_free(&pe);
	teardown();
}

static void test_active_close_and_time_wait(void)
{
	struct net_tunables tun;
	memset(&tun, 0, sizeof tun);
	tun.tcp_msl = 10 * FAKE_S;
	setup(&tun);
	struct fake_peer pe = { 0 };
	struct tcp_pcb *p = accept_one(&pe, 40000, true);
	fake_drain(&link_);

	struct io_vec v = { "response", 8 };
	CHECK_EQ_INT(tcp_send(p, &v, 1), 8);
	struct fake_tcp_view t = fake_peer_recv(&pe);
	CHECK(t.ok && t.len == 8 && t.flags == (TH_ACK | TH_PSH));
	CHECK_EQ_INT(tcp_shutdown(p), 0);
	CHECK_EQ_INT(tcp_state(p), TCP_FIN_WAIT_1);
	t = fake_peer_recv(&pe);
	CHECK(t.ok && t.len == 0 && t.flags == (TH_ACK | TH_FIN));
	pe.ack += 9;
	fake_peer_send(&pe, TH_ACK, NULL, 0);
	CHECK_EQ_INT(tcp_state(p), TCP_FIN_WAIT_2);
	/* Half-closed the other way: the peer still sends. */
	fake_peer_send(&pe, TH_ACK, "more", 4);
	char buf[16];
	CHECK_EQ_INT(tcp_recv(p, buf, sizeof buf), 4);
	fake_peer_send(&pe, TH_ACK | TH_FIN, NULL, 0);
	CHECK_EQ_INT(tcp_state(p), TCP_TIME_WAIT);
	fake_drain(&link_);
	tcp_close(p);
	/* A retransmitted FIN is acknowledged again and restarts 2*MSL. */
	now += 15 * FAKE_S;
	net_run_timers(n);
	fake_peer_raw(&pe, pe.seq - 1, pe.ack, TH_ACK | TH_FIN, 1000, NULL, 0);
	t = fake_peer_recv(&pe);
	CHECK(t.ok && t.flags == TH_ACK && t.ack == pe.seq);
	CHECK_EQ_UINT(n->tcp_flows, 1);
	now += 19 * FAKE_S;
	net_run_timers(n);
	CHECK_EQ_UINT(n->tcp_flows, 1);
	now += 2 * FAKE_S;
	net_run_timers(n);
	CHECK_EQ_UINT(n->tcp_flows, 0);
	fake_peer_free(&pe);
	teardown();
}

static void test_simultaneous_close(void)
{
	setup(NULL);
	struct fake_peer pe = { 0 };
	struct tcp_pcb *p = accept_one(&pe, 40000, true);
	fake_drain(&link_);
	tcp_close(p);
	struct fake_tcp_view t = fake_peer_recv(&pe);
	CHECK(t.ok && t.flags == (TH_FIN | TH_ACK));
	/* The peer's FIN crosses ours (it does not ack ours). */
	fake_peer_send(&pe, TH_ACK | TH_FIN, NULL, 0);
	CHECK_EQ_INT(tcp_state(p), TCP_CLOSING);
	t = fake_peer_recv(&pe);
	CHECK(t.ok && t.flags == TH_ACK && t.ack == pe.seq);
	pe.ack++;
	fake_peer_send(&pe, TH_ACK, NULL, 0);
	CHECK_EQ_INT(tcp_state(p), TCP_TIME_WAIT);
	fake_peer_free(&pe);
	teardown();
}

static void test_time_wait_reuse(void)
{
	setup(NULL);
	struct fake_peer pe = { 0 };
	struct tcp_pcb *p = accept_one(&pe, 40000, true);
	fake_drain(&link_);
	tcp_close(p);
	struct fake_tcp_view t = fake_peer_recv(&pe);
	pe.ack = t.seq + 1;
	fake_peer_send(&pe, TH_ACK | TH_FIN, NULL, 0);
	CHECK_EQ_INT(tcp_state(p), TCP_TIME_WAIT);
	fake_drain(&link_);
	/* A new SYN above the old sequence space takes the tuple over. */
	pe.seq += 100000;
	pe.tsval += 1000;
	peer_syn(&pe, TH_SYN, true);
	t = fake_peer_recv(&pe);
	CHECK(t.ok && t.flags == (TH_SYN | TH_ACK) && t.ack == pe.seq);
	CHECK_EQ_UINT(n->tcp_flows, 1);
	fake_peer_free(&pe);
	teardown();
}

static void test_time_wait_cap(void)
{
	struct net_tunables tun;
	memset(&tun, 0, sizeof tun);
	tun.tcp_max_time_wait = 1;
	setup(&tun);
	struct fake_peer pe[2] = { { 0 }, { 0 } };
	for (int i = 0; i < 2; i++) {
		struct tcp_pcb *p = accept_one(&pe[i], (uint16_t)(40000 + i), true);
		fake_drain(&link_);
		tcp_close(p);
		struct fake_tcp_view t = fake_peer_recv(&pe[i]);
		CHECK(t.ok && (t.flags & TH_FIN));
		pe[i].ack = t.seq + 1;
		fake_peer_send(&pe[i], TH_ACK | TH_FIN, NULL, 0);
		t = fake_peer_recv(&pe[i]);
		CHECK(t.ok && t.flags == TH_ACK && t.ack == pe[i].seq); /* the FIN is acknowledged either way */
	}
	/* The first waits in TIME_WAIT, the second skipped it. */
	CHECK_EQ_UINT(n->tcp_flows, 1);
	CHECK_EQ_UINT(n->tcp_time_wait, 1);
	CHECK_EQ_UINT(net_get_stats(n)->tcp_time_wait_skipped, 1);
	fake_peer_free(&pe[0]);
	fake_peer_free(&pe[1]);
	teardown();
	CHECK(1);
}

static void test_close_with_unread_data(void)
{
	setup(NULL);
	struct fake_peer pe = { 0 };
	struct tcp_pcb *p = accept_one(&pe, 40000, true);
	fake_peer_send(&pe, TH_ACK, "unread", 6);
	fake_drain(&link_);
	tcp_close(p);
	struct fake_tcp_view t = fake_peer_recv(&pe);
	CHECK(t.ok && (t.flags & TH_RST));
	CHECK_EQ_UINT(n->tcp_flows, 0);
	/* Data arriving after the app closed (FIN_WAIT): reset too. */
	p = accept_one(&pe, 40001, true);
	fake_drain(&link_);
	tcp_close(p);
	t = fake_peer_recv(&pe);
	CHECK(t.ok && (t.flags & TH_FIN));
	fake_peer_send(&pe, TH_ACK, "late", 4);
	t = fake_peer_recv(&pe);
	CHECK(t.ok && (t.flags & TH_RST));
	CHECK_EQ_UINT(n->tcp_flows, 0);
	fake_peer_free(&pe);
	teardown();
}

static void test_backlog_and_syn_queue(void)
{
	struct net_tunables tun;
	memset(&tun, 0, sizeof tun);
	tun.tcp_syn_backlog = 4;
	setup(&tun);
	tcp_listener_close(lst);
	CHECK_EQ_INT(tcp_listen(n, 0, 80, 1, &lst), 0);
	struct fake_peer pe[12];
	struct fake_tcp_view t;
	memset(pe, 0, sizeof pe);

	/* A flood of SYNs: the half-open queue holds 4, the oldest go. */
	for (int i = 0; i < 10; i++) {
		peer_init(&pe[i], (uint16_t)(41000 + i), 80);
		peer_syn(&pe[i], TH_SYN, false);
		t = fake_peer_recv(&pe[i]);
		CHECK(t.ok && t.flags == (TH_SYN | TH_ACK));
		pe[i].ack = t.seq + 1;
	}
	CHECK_EQ_UINT(n->tcp_flows, 4);
	CHECK_EQ_UINT(net_get_stats(n)->tcp_syn_evicted, 6);
	/* An evicted one's ACK meets no flow: RST. */
	fake_peer_send(&pe[0], TH_ACK, NULL, 0);
	t = fake_peer_recv(&pe[0]);
	CHECK(t.ok && (t.flags & TH_RST));
	/* A recent one completes; with backlog 1, the next must wait. */
	fake_peer_send(&pe[9], TH_ACK, NULL, 0);
	fake_peer_send(&pe[8], TH_ACK, NULL, 0);
	struct tcp_pcb *a, *b;
	CHECK_EQ_INT(tcp_accept(lst, &a), 0);
	CHECK_EQ_INT(tcp_accept(lst, &b), -EAGAIN);
	/* Its handshake completes on the retransmitted ACK once there is room. */
	fake_peer_send(&pe[8], TH_ACK, NULL, 0);
	CHECK_EQ_INT(tcp_accept(lst, &b), 0);
	/* SYNs are dropped while the accept queue is full. */
	fake_peer_send(&pe[7], TH_ACK, NULL, 0);
	fake_drain(&link_);
	peer_init(&pe[11], 42000, 80);
	peer_syn(&pe[11], TH_SYN, false);
	CHECK(!fake_peer_recv(&pe[11]).ok);
	tcp_abort(a);
	tcp_abort(b);
	for (int i = 0; i < 12; i++)
		fake_peer_free(&pe[i]);
	teardown();
}

static void test_paws_and_mss(void)
{
	setup(NULL);
	struct fake_peer pe = { 0 };
	struct tcp_pcb *p = accept_one(&pe, 40000, true);
	fake_drain(&link_);
	pe.tsval = 1000;
	fake_peer_send(&pe, TH_ACK, "new", 3);
	CHECK_EQ_INT(tcp_readable(p), 3);
	fake_drain(&link_);
	/* An older timestamp: an old duplicate, dropped with an ACK. */
	pe.tsval = 900;
	fake_peer_send(&pe, TH_ACK, "old", 3);
	CHECK_EQ_INT(tcp_readable(p), 3);
	struct fake_tcp_view t = fake_peer_recv(&pe);
	CHECK(t.ok && t.flags == TH_ACK && t.tsecr == 1000);
	CHECK_EQ_UINT(net_get_stats(n)->tcp_paws_drops, 1);
	tcp_abort(p);

	/* A small peer MSS bounds our segments (timestamps included). */
	peer_init(&pe, 40002, 80);
	static uint8_t b[200];
	struct fake_tcp_opts o = { .mss = 536, .ws = -1, .ts = true, .tsval = 1 };
	fake_drain(&link_);
	net_input(n, b, fake_tcp(b, &fake_mac_a, PEER, US, 40002, 80, pe.seq, 0, TH_SYN, 65535, &o, NULL, 0));
	pe.seq++;
	pe.ts = true;
	t = fake_peer_recv(&pe);
	CHECK(t.ok && t.flags == (TH_SYN | TH_ACK));
	pe.ack = t.seq + 1;
	pe.tsval = 2;
	fake_peer_send(&pe, TH_ACK, NULL, 0);
	CHECK_EQ_INT(tcp_accept(lst, &p), 0);
	static uint8_t big[3000];
	struct io_vec v = { big, sizeof big };
	tcp_set_nodelay(p, true);
	CHECK_EQ_INT(tcp_send(p, &v, 1), 3000);
	t = fake_peer_recv(&pe);
	CHECK(t.ok && t.len == 524);
	tcp_abort(p);
	fake_peer_free(&pe);
	teardown();
}

int main(void)
{
	test_passive_open();
	test_closed_port_and_stray();
	test_active_open_and_refused();
	test_simultaneous_open();
	test_rst_and_challenge();
	test_half_close_and_passive_close();
	test_active_close_and_time_wait();
	test_simultaneous_close();
	test_time_wait_reuse();
	test_time_wait_cap();
	test_close_with_unread_data();
	test_backlog_and_syn_queue();
	test_paws_and_mss();
	return check_report();
}
