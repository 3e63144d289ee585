/* TCP timing and flow control of the net stack on a virtual clock, with
 * the test playing the peer: retransmission timeouts and their backoff,
 * SYN retries, zero windows and the persist timer, keepalive, delayed
 * ACKs, Nagle, buffer back-pressure, the receive window and silly window
 * avoidance, fast retransmit with NewReno recovery, SACK generation and
 * SACK-driven recovery, slow start and congestion avoidance. */
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
static uint8_t big[200000];

static void upcall(void *ctx, unsigned ev)
{
	(void)ctx;
	events |= ev;
}

static void setup(const struct net_tunables *t)
{
	fake_drain(&link_);
	now = 1000 * FAKE_S;
	n = fake_net(&link_, &now, &fake_mac_a, US, 24, 0, t, 6);
	fake_arp_prime(n, &link_, &fake_mac_a, PEER, US);
	CHECK_EQ_INT(tcp_listen(n, 0, 80, 8, &lst), 0);
}

static void teardown(struct fake_peer *pe)
{
	fake_peer_free(pe);
	tcp_listener_close(lst);
	net_destroy(n);
	fake_drain(&link_);
}

/* Open a flow from the peer. sack: offer SACK and timestamps. */
static struct tcp_pcb *open_flow(struct fake_peer *pe, bool sack, uint16_t wnd)
{
	static uint8_t b[200];
	fake_peer_free(pe); /* pe: zeroed or used before */
	memset(pe, 0, sizeof *pe);
	fake_drain(&link_);
	pe->n = n;
	pe->link = &link_;
	pe->ip = PEER;
	pe->us = US;
	pe->port = 40000;
	pe->sport = 80;
	pe->seq = 5000;
	pe->wnd = wnd;
	pe->tsval = 100;
	struct fake_tcp_opts o = { .mss = 1460, .ws = -1, .sack_ok = sack, .ts = sack, .tsval = 100 };
	net_input(n, b, fake_tcp(b, &fake_mac_a, PEER, US, 40000, 80, pe->seq, 0, TH_SYN, wnd, &o, NULL, 0));
	pe->seq++;
	pe->ts = sack;
	struct fake_tcp_view t = fake_peer_recv(pe);
	CHECK(t.ok && t.flags == (TH_SYN | TH_ACK));
	pe->ack = t.seq + 1;
	fake_peer_send(pe, TH_ACK, NULL, 0);
	struct tcp_pcb *p = NULL;
	CHECK_EQ_INT(tcp_accept(lst, &p), 0);
	if (p)
		tcp_set_upcall(p, upcall, NULL);
	return p;
}

/* Run timers until the next frame leaves; returns when it left (0 if
 * nothing did before limit). */
static uint64_t next_frame_time(uint64_t limit)
{
	while (link_.count == 0) {
		uint64_t d = net_next_deadline(n);
		if (d > limit)
			return 0;
		now = d;
		net_run_timers(n);
	}
	return now;
}

static void test_rto_backoff(void)
{
	struct net_tunables tun;
	memset(&tun, 0, sizeof tun);
	tun.tcp_retries = 4;
	setup(&tun);
	struct fake_peer pe = { 0 };
	struct tcp_pcb *p = open_flow(&pe, true, 65535);
	struct io_vec v = { "hello", 5 };
	CHECK_EQ_INT(tcp_send(p, &v, 1), 5);
	struct fake_tcp_view t = fake_peer_recv(&pe);
	CHECK(t.ok && t.len == 5);
	uint64_t t0 = now;
	/* The handshake measured ~0 RTT, so RTO is the 200 ms minimum; then
	 * it doubles: 200, 400, 800, 1600 ms, and the fifth expiry gives up. */
	uint64_t expect[] = { 200, 600, 1400, 3000 };
	for (int i = 0; i < 4; i++) {
		uint64_t at = next_frame_time(t0 + 100 * FAKE_S);
		CHECK_EQ_UINT((at - t0) / FAKE_MS, expect[i]);
		t = fake_peer_recv(&pe);
		CHECK(t.ok && t.len == 5 && t.seq == pe.ack && memcmp(t.data, "hello", 5) == 0);
	}
	events = 0;
	uint64_t at = next_frame_time(t0 + 100 * FAKE_S);
	CHECK_EQ_UINT((at - t0) / FAKE_MS, 6200);
	t = fake_peer_recv(&pe);
	CHECK(t.ok && (t.flags & TH_RST));
	CHECK_EQ_INT(tcp_state(p), TCP_CLOSED);
	CHECK_EQ_INT(tcp_error(p), -ETIMEDOUT);
	CHECK(events & NET_EV_STATE);
	tcp_close(p);

	/* An ACK for a retransmission resets the backoff (Karn: no sample
	 * from it, so the RTO stays backed off until a fresh measurement). */
	p = open_flow(&pe, true, 65535);
	CHECK_EQ_INT(tcp_send(p, &v, 1), 5);
	fake_peer_recv(&pe);
	t0 = now;
	next_frame_time(t0 + FAKE_S);
	fake_peer_recv(&pe);
	CHECK_EQ_UINT(p->rto, 400 * FAKE_MS);
	pe.ack += 5;
	fake_peer_send(&pe, TH_ACK, NULL, 0);
	CHECK_EQ_INT(p->nrexmt, 0);
	CHECK_EQ_UINT(p->rto, 400 * FAKE_MS);
	now += 10 * FAKE_MS;
	CHECK_EQ_INT(tcp_send(p, &v, 1), 5);
	fake_peer_recv(&pe);
	now += 30 * FAKE_MS;
	pe.ack += 5;
	fake_peer_send(&pe, TH_ACK, NULL, 0);
	CHECK_EQ_UINT(p->rto, 200 * FAKE_MS); /* 30 ms measured: back to the minimum */
	tcp_abort(p);
	teardown(&pe);
}

static void test_syn_retries(void)
{
	setup(NULL);
	struct fake_peer pe = { 0 };
	pe.link = &link_;
	struct tcp_pcb *c;
	CHECK_EQ_INT(tcp_connect(n, PEER, 9, &c), 0);
	uint64_t t0 = now;
	int syns = 0;
	uint64_t times[10];
	uint64_t closed_at = 0;
	while (now < t0 + 1000 * FAKE_S && !closed_at) {
		now = net_next_deadline(n);
		net_run_timers(n);
		struct fake_tcp_view t;
		while ((t = fake_peer_recv(&pe)).ok)
			if (t.flags == TH_SYN && syns < 10)
				times[syns++] = (now - t0) / FAKE_S;
		if (tcp_state(c) == TCP_CLOSED)
			closed_at = now;
	}
	CHECK_EQ_INT(syns, 7);
	CHECK(times[1] == 1 && times[2] == 3 && times[3] == 7 && times[6] == 63);
	CHECK_EQ_INT(tcp_state(c), TCP_CLOSED);
	CHECK_EQ_INT(tcp_error(c), -ETIMEDOUT);
	CHECK_EQ_UINT((closed_at - t0) / FAKE_S, 123); /* the last wait is capped at 60 s */
	tcp_close(c);
	teardown(&pe);
}

static void test_half_open_timeout(void)
{
	setup(NULL);
	struct fake_peer pe = { 0 };
	pe.n = n;
	pe.link = &link_;
	pe.ip = PEER;
	pe.us = US;
	pe.port = 40100;
	pe.sport = 80;
	pe.seq = 777;
	pe.wnd = 1000;
	/* A SYN nobody completes: the SYN-ACK is resent with backoff, then
	 * the half-open flow goes quietly and the listener's queue with it. */
	fake_peer_send(&pe, TH_SYN, NULL, 0);
	uint64_t t0 = now;
	int synacks = 0;
	while (n->tcp_flows && now < t0 + 1000 * FAKE_S) {
		now = net_next_deadline(n);
		net_run_timers(n);
		struct fake_tcp_view t;
		while ((t = fake_peer_recv(&pe)).ok)
			synacks += t.flags == (TH_SYN | TH_ACK);
	}
	CHECK_EQ_INT(synacks, 7); /* the first and six retries */
	CHECK_EQ_UINT(n->tcp_flows, 0);
	CHECK_EQ_UINT(lst->nsyn, 0);
	/* The listener still works. */
	struct tcp_pcb *p = open_flow(&pe, false, 1000);
	CHECK(p && tcp_state(p) == TCP_ESTABLISHED);
	tcp_abort(p);
	teardown(&pe);
}

static void test_zero_window_persist(void)
{
	setup(NULL);
	struct fake_peer pe = { 0 };
	struct tcp_pcb *p = open_flow(&pe, true, 0);
	struct io_vec v = { big, 3000 };
	CHECK_EQ_INT(tcp_send(p, &v, 1), 3000);
	CHECK(!fake_peer_recv(&pe).ok); /* the window is shut */
	uint64_t t0 = now;
	/* Probes at 200, 600, 1400 ms: old sequence number, no data. */
	uint64_t expect[] = { 200, 600, 1400, 3000 };
	for (int i = 0; i < 4; i++) {
		uint64_t at = next_frame_time(t0 + 100 * FAKE_S);
		CHECK_EQ_UINT((at - t0) / FAKE_MS, expect[i]);
		struct fake_tcp_view t = fake_peer_recv(&pe);
		CHECK(t.ok && t.len == 0 && t.seq == pe.ack - 1);
		fake_peer_send(&pe, TH_ACK, NULL, 0); /* still zero */
	}
	CHECK_EQ_INT(tcp_state(p), TCP_ESTABLISHED);
	CHECK_EQ_UINT(net_get_stats(n)->tcp_persist_probes, 4);
	/* The window opens: the data flows at once. */
	pe.wnd = 2000;
	fake_peer_send(&pe, TH_ACK, NULL, 0);
	struct fake_tcp_view t = fake_peer_recv(&pe);
	CHECK(t.ok && t.len == 1448 && t.seq == pe.ack);
	/* 552 more fit; with nothing else to send it would go, but the rest
	 * (1552) does not fit and 552 < half the largest window seen: SWS
	 * avoidance holds it until the persist timer forces it. */
	t = fake_peer_recv(&pe);
	CHECK(!t.ok);
	pe.ack += 1448;
	pe.wnd = 552;
	fake_peer_send(&pe, TH_ACK, NULL, 0);
	t = fake_peer_recv(&pe);
	CHECK(!t.ok);
	next_frame_time(now + 100 * FAKE_S);
	t = fake_peer_recv(&pe);
	CHECK(t.ok && t.len == 552);
	tcp_abort(p);

	/* A released flow held at a zero window is dropped after as many
	 * probes as retransmissions (12). */
	p = open_flow(&pe, true, 0);
	v.len = 100;
	CHECK_EQ_INT(tcp_send(p, &v, 1), 100);
	tcp_close(p);
	int probes = 0;
	while (n->tcp_flows && now < 3600 * FAKE_S * 10) {
		now = net_next_deadline(n);
		net_run_timers(n);
		while ((t = fake_peer_recv(&pe)).ok) {
			if (t.flags & TH_RST)
				break;
			probes++;
			fake_peer_send(&pe, TH_ACK, NULL, 0);
		}
	}
	CHECK_EQ_INT(probes, 12);
	CHECK_EQ_UINT(n->tcp_flows, 0);
	CHECK_EQ_UINT(net_get_stats(n)->tcp_orphans_dropped, 1);
	teardown(&pe);
}

static void test_keepalive(void)
{
	struct net_tunables tun;
	memset(&tun, 0, sizeof tun);
	tun.tcp_keep_idle = 10 * FAKE_S;
	tun.tcp_keep_intvl = FAKE_S;
	tun.tcp_keep_count = 3;
	setup(&tun);
	struct fake_peer pe = { 0 };
	struct tcp_pcb *p = open_flow(&pe, true, 65535);
	uint64_t t0 = now;
	CHECK_EQ_INT(tcp_set_keepalive(p, true), 0);
	uint64_t at = next_frame_time(t0 + 100 * FAKE_S);
	CHECK_EQ_UINT((at - t0) / FAKE_S, 10);
	struct fake_tcp_view t = fake_peer_recv(&pe);
	CHECK(t.ok && t.len == 0 && t.seq == pe.ack - 1);
	/* An answer makes the flow alive again: the next probe is 10 s on. */
	fake_peer_send(&pe, TH_ACK, NULL, 0);
	t0 = now;
	at = next_frame_time(t0 + 100 * FAKE_S);
	CHECK_EQ_UINT((at - t0) / FAKE_S, 10);
	fake_peer_recv(&pe);
	/* No answers: two more probes a second apart, then a reset. */
	at = next_frame_time(t0 + 100 * FAKE_S);
	CHECK_EQ_UINT((at - t0) / FAKE_S, 11);
	fake_peer_recv(&pe);
	at = next_frame_time(t0 + 100 * FAKE_S);
	CHECK_EQ_UINT((at - t0) / FAKE_S, 12);
	fake_peer_recv(&pe);
	at = next_frame_time(t0 + 100 * FAKE_S);
	CHECK_EQ_UINT((at - t0) / FAKE_S, 13);
	t = fake_peer_recv(&pe);
	CHECK(t.ok && (t.flags & TH_RST));
	CHECK_EQ_INT(tcp_error(p), -ETIMEDOUT);
	CHECK_EQ_UINT(net_get_stats(n)->tcp_keep_probes, 4);
	tcp_close(p);
	teardown(&pe);
}

static void test_delayed_ack_and_nagle(void)
{
	setup(NULL);
	struct fake_peer pe = { 0 };
	struct tcp_pcb *p = open_flow(&pe, true, 65535);
	/* One small segment: the ACK waits 40 ms. */
	fake_peer_send(&pe, TH_ACK, big, 100);
	CHECK(!fake_peer_recv(&pe).ok);
	uint64_t t0 = now;
	uint64_t at = next_frame_time(t0 + FAKE_S);
	CHECK_EQ_UINT((at - t0) / FAKE_MS, 40);
	struct fake_tcp_view t = fake_peer_recv(&pe);
	CHECK(t.ok && t.ack == pe.seq);
	/* Two full segments: acknowledged on the second, at once. */
	fake_peer_send(&pe, TH_ACK, big, 1448);
	CHECK(!fake_peer_recv(&pe).ok);
	fake_peer_send(&pe, TH_ACK, big, 1448);
	t = fake_peer_recv(&pe);
	CHECK(t.ok && t.ack == pe.seq);
	/* Data to send carries the ACK instead. */
	fake_peer_send(&pe, TH_ACK, big, 10);
	struct io_vec v = { "reply", 5 };
	CHECK_EQ_INT(tcp_send(p, &v, 1), 5);
	t = fake_peer_recv(&pe);
	CHECK(t.ok && t.len == 5 && t.ack == pe.seq);
	CHECK(!(p->flags & TF_DELACK));

	/* Nagle: a second small write waits for the first one's ACK... */
	CHECK_EQ_INT(tcp_send(p, &v, 1), 5);
	CHECK(!fake_peer_recv(&pe).ok);
	pe.ack += 5;
	fake_peer_send(&pe, TH_ACK, NULL, 0);
	t = fake_peer_recv(&pe);
	CHECK(t.ok && t.len == 5);
	/* ... unless switched off. */
	tcp_set_nodelay(p, true);
	CHECK_EQ_INT(tcp_send(p, &v, 1), 5);
	t = fake_peer_recv(&pe);
	CHECK(t.ok && t.len == 5);
	tcp_abort(p);
	teardown(&pe);
}

static void test_buffers_and_windows(void)
{
	struct net_tunables tun;
	memset(&tun, 0, sizeof tun);
	tun.tcp_sndbuf = 4096;
	tun.tcp_rcvbuf = 8192;
	setup(&tun);
	struct fake_peer pe = { 0 };
	struct tcp_pcb *p = open_flow(&pe, false, 1000);
	/* Send buffer: 4096 taken, then -EAGAIN; ACKs free room. */
	struct io_vec v = { big, 10000 };
	CHECK_EQ_INT(tcp_writable(p), 4096);
	CHECK_EQ_INT(tcp_send(p, &v, 1), 4096);
	CHECK_EQ_INT(tcp_send(p, &v, 1), -EAGAIN);
	struct fake_tcp_view t = fake_peer_recv(&pe);
	CHECK(t.ok && t.len == 1000);
	events = 0;
	pe.ack += 1000;
	fake_peer_send(&pe, TH_ACK, NULL, 0);
	CHECK(events & NET_EV_WRITE);
	CHECK_EQ_INT(tcp_writable(p), 1000);
	fake_drain(&link_);

	/* Receive window: 8192 bytes of buffer, announced unscaled. */
	CHECK_EQ_INT(p->rcv_wscale, 0);
	for (int i = 0; i < 5; i++)
		fake_peer_send(&pe, TH_ACK, big, 1460);
	fake_peer_send(&pe, TH_ACK, big, 892);
	CHECK_EQ_INT(tcp_readable(p), 8192);
	/* More data than the window: refused, with an ACK showing 0. */
	fake_drain(&link_);
	fake_peer_send(&pe, TH_ACK, big, 100);
	pe.seq -= 100;
	t = fake_peer_recv(&pe);
	CHECK(t.ok && t.wnd == 0 && t.ack == pe.seq);
	CHECK_EQ_INT(tcp_readable(p), 8192);
	/* Reading a little opens nothing (SWS); reading a lot sends an update. */
	char buf[8192];
	CHECK_EQ_INT(tcp_recv(p, buf, 100), 100);
	CHECK(!fake_peer_recv(&pe).ok);
	CHECK_EQ_INT(tcp_recv(p, buf, 3000), 3000);
	t = fake_peer_recv(&pe);
	CHECK(t.ok && t.wnd == 3100 && t.ack == pe.seq);
	tcp_abort(p);
	teardown(&pe);
}

static void test_ooo_and_sack_blocks(void)
{
	setup(NULL);
	struct fake_peer pe = { 0 };
	struct tcp_pcb *p = open_flow(&pe, true, 65535);
	uint32_t base = pe.seq;
	/* Segment 2 before 1: an immediate duplicate ACK with a SACK block. */
	fake_peer_raw(&pe, base + 1000, pe.ack, TH_ACK, 65535, big + 1000, 1000);
	struct fake_tcp_view t = fake_peer_recv(&pe);
	CHECK(t.ok && t.ack == base && t.nsack == 1);
	CHECK(t.sack[0][0] == base + 1000 && t.sack[0][1] == base + 2000);
	fake_peer_raw(&pe, base + 3000, pe.ack, TH_ACK, 65535, big + 3000, 500);
	t = fake_peer_recv(&pe);
	CHECK(t.ok && t.ack == base && t.nsack == 2);
	CHECK(t.sack[0][0] == base + 3000 && t.sack[1][0] == base + 1000); /* newest first */
	CHECK_EQ_INT(tcp_readable(p), 0);
	/* The hole fills: everything up to the next hole, ACKed at once. */
	fake_peer_raw(&pe, base, pe.ack, TH_ACK, 65535, big, 1000);
	t = fake_peer_recv(&pe);
	CHECK(t.ok && t.ack == base + 2000 && t.nsack == 1);
	fake_peer_raw(&pe, base + 2000, pe.ack, TH_ACK | TH_FIN, 65535, big + 2000, 1000);
	t = fake_peer_recv(&pe);
	CHECK(t.ok && t.ack == base + 3501 && t.nsack == 0); /* the FIN sat beyond the hole */
	static uint8_t buf[4000];
	CHECK_EQ_INT(tcp_recv(p, buf, sizeof buf), 3500);
	CHECK(memcmp(buf, big, 3500) == 0);
	CHECK_EQ_INT(tcp_recv(p, buf, sizeof buf), 0);
	CHECK_EQ_INT(tcp_state(p), TCP_CLOSE_WAIT);
	tcp_abort(p);
	teardown(&pe);
}

/* Collect the segments the stack sends now: count and bytes. */
static int take_segments(struct fake_peer *pe, uint32_t *first_seq, uint32_t *bytes)
{
	int k = 0;
	*bytes = 0;
	struct fake_tcp_view t;
	while ((t = fake_peer_recv(pe)).ok) {
		if (k == 0 && first_seq)
			*first_seq = t.seq;
		*bytes += (uint32_t)t.len;
		k++;
	}
	return k;
}

static void test_slow_start_and_avoidance(void)
{
	setup(NULL);
	struct fake_peer pe = { 0 };
	struct tcp_pcb *p = open_flow(&pe, false, 65535);
	tcp_set_nodelay(p, true);
	uint32_t mss = p->mss, seq, bytes;
	CHECK_EQ_UINT(mss, 1460);
	CHECK_EQ_UINT(p->cwnd, 3 * mss); /* RFC 5681 initial window for this MSS */
	struct io_vec v = { big, sizeof big };
	CHECK(tcp_send(p, &v, 1) > 0);
	CHECK_EQ_INT(take_segments(&pe, &seq, &bytes), 3);
	/* Slow start: each ACK of a segment adds a segment. */
	for (int i = 0; i < 3; i++) {
		pe.ack += mss;
		fake_peer_send(&pe, TH_ACK, NULL, 0);
		CHECK_EQ_UINT(p->cwnd, (4u + (uint32_t)i) * mss);
	}
	CHECK_EQ_INT(take_segments(&pe, &seq, &bytes), 6); /* two per ACK */
	/* An ACK for two segments adds one (RFC 5681: at most SMSS). */
	pe.ack += 2 * mss;
	fake_peer_send(&pe, TH_ACK, NULL, 0);
	CHECK_EQ_UINT(p->cwnd, 7 * mss);
	take_segments(&pe, &seq, &bytes);
	/* Congestion avoidance: one segment per window's worth of ACKs. */
	p->ssthresh = p->cwnd;
	uint32_t start = p->cwnd;
	for (int i = 0; i < 7; i++) {
		CHECK_EQ_UINT(p->cwnd, start);
		pe.ack += mss;
		fake_peer_send(&pe, TH_ACK, NULL, 0);
	}
	CHECK_EQ_UINT(p->cwnd, start + mss);
	tcp_abort(p);
	teardown(&pe);
}

/* A fresh flow with ten segments in flight (cwnd forced to ten). */
static struct tcp_pcb *ten_in_flight(struct fake_peer *pe, bool sack)
{
	setup(NULL);
	struct tcp_pcb *p = open_flow(pe, sack, 65535);
	uint32_t seq, bytes;
	tcp_set_nodelay(p, true);
	p->cwnd = 10u * p->mss;
	struct io_vec v = { big, 30u * p->mss };
	CHECK(tcp_send(p, &v, 1) > 0);
	CHECK_EQ_INT(take_segments(pe, &seq, &bytes), 10);
	return p;
}

static void test_fast_retransmit_newreno(void)
{
	struct fake_peer pe = { 0 };
	struct tcp_pcb *p = ten_in_flight(&pe, false);
	uint32_t mss = p->mss, seq, bytes, base = pe.ack;
	/* Segment 1 lost: the peer repeats its ACK. The first two
	 * duplicates each let one new segment out (limited transmit, RFC
	 * 3042), the third retransmits at once. */
	fake_peer_send(&pe, TH_ACK, NULL, 0);
	struct fake_tcp_view t = fake_peer_recv(&pe);
	CHECK(t.ok && t.seq == base + 10 * mss);
	fake_peer_send(&pe, TH_ACK, NULL, 0);
	t = fake_peer_recv(&pe);
	CHECK(t.ok && t.seq == base + 11 * mss);
	CHECK(!fake_peer_recv(&pe).ok);
	fake_peer_send(&pe, TH_ACK, NULL, 0);
	t = fake_peer_recv(&pe);
	CHECK(t.ok && t.seq == base && t.len == mss);
	CHECK(p->flags & TF_RECOVERY);
	CHECK_EQ_UINT(p->ssthresh, 6 * mss); /* half of the 12 in flight */
	CHECK_EQ_UINT(p->cwnd, 9 * mss);
	CHECK_EQ_UINT(net_get_stats(n)->tcp_fast_rexmt, 1);
	/* Each further duplicate inflates cwnd by a segment; new data goes
	 * once the inflated window exceeds the flight (12 segments). */
	for (int i = 0; i < 3; i++)
		fake_peer_send(&pe, TH_ACK, NULL, 0);
	CHECK(!fake_peer_recv(&pe).ok);
	fake_peer_send(&pe, TH_ACK, NULL, 0);
	t = fake_peer_recv(&pe);
	CHECK(t.ok && t.seq == base + 12 * mss);
	fake_peer_send(&pe, TH_ACK, NULL, 0);
	t = fake_peer_recv(&pe);
	CHECK(t.ok && t.seq == base + 13 * mss);
	/* A partial ACK (segments 1-2): segment 3 goes out at once. */
	pe.ack = base + 2 * mss;
	fake_peer_send(&pe, TH_ACK, NULL, 0);
	t = fake_peer_recv(&pe);
	CHECK(t.ok && t.seq == base + 2 * mss && t.len == mss);
	CHECK(p->flags & TF_RECOVERY);
	take_segments(&pe, &seq, &bytes);
	/* A full ACK (all twelve) ends recovery with cwnd near ssthresh. */
	pe.ack = base + 12 * mss;
	fake_peer_send(&pe, TH_ACK, NULL, 0);
	CHECK(!(p->flags & TF_RECOVERY));
	CHECK(p->cwnd <= p->ssthresh);
	tcp_abort(p);
	teardown(&pe);
}

static void sack_ack(struct fake_peer *pe, uint32_t ack, uint32_t s1, uint32_t e1)
{
	/* An ACK carrying one SACK block (and timestamps). */
	static uint8_t b[200];
	uint8_t seg[64];
	size_t hl = 20 + 12 + 12;
	memset(seg, 0, sizeof seg);
	buf_store_be16(seg, pe->port);
	buf_store_be16(seg + 2, pe->sport);
	buf_store_be32(seg + 4, pe->seq);
	buf_store_be32(seg + 8, ack);
	seg[12] = (uint8_t)((hl / 4) << 4);
	seg[13] = TH_ACK;
	buf_store_be16(seg + 14, pe->wnd);
	uint8_t *o = seg + 20;
	o[0] = 1;
	o[1] = 1;
	o[2] = 8;
	o[3] = 10;
	buf_store_be32(o + 4, pe->tsval);
	buf_store_be32(o + 8, pe->ts_echo);
	o[12] = 1;
	o[13] = 1;
	o[14] = 5;
	o[15] = 10;
	buf_store_be32(o + 16, s1);
	buf_store_be32(o + 20, e1);
	buf_store_be16(seg + 16, fake_l4_cksum(PEER, US, 6, seg, hl));
	net_input(pe->n, b, fake_ipv4(b, &fake_mac_a, PEER, US, 6, 0, 0x4000, seg, hl));
}

static void test_sack_recovery(void)
{
	struct fake_peer pe = { 0 };
	struct tcp_pcb *p = ten_in_flight(&pe, true);
	uint32_t mss = p->mss, seq, bytes, base = pe.ack;
	/* Segments 1 and 5 lost. The peer's ACKs for 2-4 carry SACK blocks;
	 * the first two let new segments out (limited transmit); once three
	 * segments sit above the hole, it is resent. */
	sack_ack(&pe, base, base + mss, base + 2 * mss);
	struct fake_tcp_view t = fake_peer_recv(&pe);
	CHECK(t.ok && t.seq == base + 10 * mss);
	sack_ack(&pe, base, base + mss, base + 3 * mss);
	t = fake_peer_recv(&pe);
	CHECK(t.ok && t.seq == base + 11 * mss);
	CHECK(!fake_peer_recv(&pe).ok);
	sack_ack(&pe, base, base + mss, base + 4 * mss);
	t = fake_peer_recv(&pe);
	CHECK(t.ok && t.seq == base && t.len == mss);
	CHECK(p->flags & TF_RECOVERY);
	CHECK_EQ_UINT(p->cwnd, 6 * mss);
	take_segments(&pe, &seq, &bytes);
	/* 6-10 arrive: the second hole (5) is resent without waiting. */
	for (uint32_t k = 6; k <= 10; k++)
		sack_ack(&pe, base, base + 5 * mss, base + k * mss);
	bool resent5 = false;
	while ((t = fake_peer_recv(&pe)).ok)
		if (t.seq == base + 4 * mss)
			resent5 = true;
	CHECK(resent5);
	/* The resent first hole is lost again: once more than two segments
	 * sent after it are SACKed, it goes once more, without a timeout. */
	sack_ack(&pe, base, base + 5 * mss, base + 12 * mss);
	take_segments(&pe, &seq, &bytes);
	uint32_t hi = p->snd_max;
	CHECK(SEQ_GT(hi, p->rtx_mark + 2 * mss));
	sack_ack(&pe, base, base + 5 * mss, hi);
	bool again = false;
	while ((t = fake_peer_recv(&pe)).ok)
		if (t.seq == base)
			again = true;
	CHECK(again);
	/* Both holes filled: a full ACK ends recovery. */
	pe.ack = base + 12 * mss;
	fake_peer_send(&pe, TH_ACK, NULL, 0);
	CHECK(!(p->flags & TF_RECOVERY));
	CHECK_EQ_UINT(p->cwnd, 6 * mss);
	CHECK_EQ_UINT(net_get_stats(n)->tcp_timeouts, 0);
	tcp_abort(p);
	teardown(&pe);
}

int main(void)
{
	test_rto_backoff();
	test_syn_retries();
	test_half_open_timeout();
	test_zero_window_persist();
	test_keepalive();
	test_delayed_ack_and_nagle();
	test_buffers_and_windows();
	test_ooo_and_sack_blocks();
	test_slow_start_and_avoidance();
	test_fast_retransmit_newreno();
	test_sack_recovery();
	return check_report();
}
