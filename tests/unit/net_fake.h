/* A fake link layer for the net stack's unit tests (in the manner of lwIP's
 * test_etharp.c): stacks run on a virtual clock, every frame they send is
 * recorded, and tests either play the peer by hand (crafting frames and
 * reading the stack's answers) or wire two stacks together through a
 * seeded, lossy, reordering, duplicating link. Header-only, so that each
 * test program takes just what it uses. */
#ifndef SYNTH_TESTS_UNIT_NET_FAKE_H
#define SYNTH_TESTS_UNIT_NET_FAKE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/cksum.h"
#include "protocols/net/internal.h"

#define FAKE_IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))
#define FAKE_MS (UINT64_C(1000000))
#define FAKE_S (UINT64_C(1000000000))

static const struct mac_addr fake_mac_a = { { 0x02, 0, 0, 0, 0, 0x0a } };
static const struct mac_addr fake_mac_b = { { 0x02, 0, 0, 0, 0, 0x0b } };
static const struct mac_addr fake_mac_peer = { { 0x02, 0, 0, 0, 0, 0x99 } };

struct fake_frame {
	struct fake_frame *next;
	uint64_t at; /* delivery time on a wire */
	int to;      /* which end of a wire receives it */
	size_t len;
	uint8_t data[];
};

/* Frames a stack sent, oldest first. */
struct fake_link {
	struct fake_frame *head, *tail;
	unsigned count;
	unsigned long sent;
	int fail; /* while non-zero, tx returns this (e.g. -EAGAIN) */
};

static inline uint64_t fake_clock(void *arg)
{
	return *(const uint64_t *)arg;
}

static inline struct fake_frame *fake_frame_new(const void *data, size_t len)
{
	struct fake_frame *f = malloc(sizeof *f + len);
	if (!f)
		abort();
	f->next = NULL;
	f->len = len;
	f->at = 0;
	f->to = 0;
	memcpy(f->data, data, len);
	return f;
}

static inline void fake_link_push(struct fake_link *l, struct fake_frame *f)
{
	f->next = NULL;
	if (l->tail)
		l->tail->next = f;
	else
		l->head = f;
	l->tail = f;
	l->count++;
}

static inline int fake_tx(void *arg, const struct io_vec *iov, unsigned niov)
{
	struct fake_link *l = arg;
	if (l->fail)
		return l->fail;
	size_t len = 0;
	for (unsigned i = 0; i < niov; i++)
		len += iov[i].len;
	struct fake_frame *f = malloc(sizeof *f + len);
	if (!f)
		abort();
	f->len = 0;
	for (unsigned i = 0; i < niov; i++) {
		memcpy(f->data + f->len, iov[i].base, iov[i].len);
		f->len += iov[i].len;
	}
	fake_link_push(l, f);
	l->sent++;
	return 0;
}

/* The oldest recorded frame (the caller frees it), or NULL. */
static inline struct fake_frame *fake_pop(struct fake_link *l)
{
	struct fake_frame *f = l->head;
	if (!f)
		return NULL;
	l->head = f->next;
	if (!l->head)
		l->tail = NULL;
	l->count--;
	return f;
}

static inline void fake_drain(struct fake_link *l)
{
	struct fake_frame *f;
	while ((f = fake_pop(l)))
		free(f);
}

static inline struct net *fake_net(struct fake_link *l, uint64_t *clock, const struct mac_addr *mac,
                                   uint32_t ip, uint8_t prefix, uint32_t gw,
                                   const struct net_tunables *tun, uint8_t seed)
{
	struct net_config cfg;
	memset(&cfg, 0, sizeof cfg);
	cfg.mac = *mac;
	cfg.mtu = 1500;
	cfg.ip.addr.v = ip;
	cfg.ip.prefix = prefix;
	cfg.gateway.v = gw;
	cfg.clock = fake_clock;
	cfg.clock_arg = clock;
	cfg.tx = fake_tx;
	cfg.tx_arg = l;
	memset(cfg.secret, seed, sizeof cfg.secret);
	if (tun)
		cfg.tun = *tun;
	return net_create(&cfg);
}

/* ---- frame builders (the peer's side) ---------------------------------- */

static inline size_t fake_eth(uint8_t *b, const struct mac_addr *dst, const struct mac_addr *src,
                              uint16_t type)
{
	memcpy(b, dst->b, 6);
	memcpy(b + 6, src->b, 6);
	buf_store_be16(b + 12, type);
	return 14;
}

/* Ethernet + IPv4 header around payload; returns the frame length. */
static inline size_t fake_ipv4(uint8_t *b, const struct mac_addr *dst_mac, uint32_t src, uint32_t dst,
                               uint8_t proto, uint16_t id, uint16_t frag, const void *payload,
                               size_t plen)
{
	fake_eth(b, dst_mac, &fake_mac_peer, 0x0800);
	uint8_t *h = b + 14;
	h[0] = 0x45;
	h[1] = 0;
	buf_store_be16(h + 2, (uint16_t)(20 + plen));
	buf_store_be16(h + 4, id);
	buf_store_be16(h + 6, frag);
	h[8] = 64;
	h[9] = proto;
	buf_store_be16(h + 10, 0);
	buf_store_be32(h + 12, src);
	buf_store_be32(h + 16, dst);
	buf_store_be16(h + 10, cksum(h, 20));
	memcpy(h + 20, payload, plen);
	return 14 + 20 + plen;
}

static inline uint16_t fake_l4_cksum(uint32_t src, uint32_t dst, uint8_t proto, const uint8_t *seg,
                                     size_t len)
{
	struct cksum c;
	net_cksum_pseudo(&c, src, dst, proto, (uint32_t)len);
	cksum_add(&c, seg, len);
	return cksum_finish(&c);
}

struct fake_tcp_opts {
	int mss;     /* -1: none */
	int ws;      /* -1: none */
	bool sack_ok;
	bool ts;
	uint32_t tsval, tsecr;
};

/* A TCP segment from the peer, in a frame; returns the frame length. */
static inline size_t fake_tcp(uint8_t *b, const struct mac_addr *dst_mac, uint32_t src, uint32_t dst,
                              uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags,
                              uint16_t wnd, const struct fake_tcp_opts *o, const void *data, size_t dlen)
{
	uint8_t seg[20 + 40 + 65536];
	size_t ol = 0;
	uint8_t *opt = seg + 20;
	if (o) {
		if (o->mss >= 0) {
			opt[ol++] = 2;
			opt[ol++] = 4;
			buf_store_be16(opt + ol, (uint16_t)o->mss);
			ol += 2;
		}
		if (o->ws >= 0) {
			opt[ol++] = 1;
			opt[ol++] = 3;
			opt[ol++] = 3;
			opt[ol++] = (uint8_t)o->ws;
		}
		if (o->sack_ok) {
			opt[ol++] = 1;
			opt[ol++] = 1;
			opt[ol++] = 4;
			opt[ol++] = 2;
		}
		if (o->ts) {
			opt[ol++] = 1;
			opt[ol++] = 1;
			opt[ol++] = 8;
			opt[ol++] = 10;
			buf_store_be32(opt + ol, o->tsval);
			buf_store_be32(opt + ol + 4, o->tsecr);
			ol += 8;
		}
	}
	size_t hl = 20 + ol;
	buf_store_be16(seg, sport);
	buf_store_be16(seg + 2, dport);
	buf_store_be32(seg + 4, seq);
	buf_store_be32(seg + 8, ack);
	seg[12] = (uint8_t)((hl / 4) << 4);
	seg[13] = flags;
	buf_store_be16(seg + 14, wnd);
	buf_store_be16(seg + 16, 0);
	buf_store_be16(seg + 18, 0);
	if (dlen)
		memcpy(seg + hl, data, dlen);
	buf_store_be16(seg + 16, fake_l4_cksum(src, dst, 6, seg, hl + dlen));
	return fake_ipv4(b, dst_mac, src, dst, 6, 0, 0x4000, seg, hl + dlen);
}

/* ---- parsing what the stack sent ------------------------------------------- */

struct fake_ip_view {
	bool ok;
	uint32_t src, dst;
	uint8_t proto;
	uint16_t id, frag;
	const uint8_t *payload;
	size_t plen;
};

static inline struct fake_ip_view fake_parse_ip(const struct fake_frame *f)
{
	struct fake_ip_view v;
	memset(&v, 0, sizeof v);
	if (f->len < 34 || buf_load_be16(f->data + 12) != 0x0800)
		return v;
	const uint8_t *h = f->data + 14;
	size_t hl = (size_t)(h[0] & 0xf) * 4, tot = buf_load_be16(h + 2);
	if (tot > f->len - 14 || cksum(h, hl) != 0)
		return v;
	v.ok = true;
	v.src = buf_load_be32(h + 12);
	v.dst = buf_load_be32(h + 16);
	v.proto = h[9];
	v.id = buf_load_be16(h + 4);
	v.frag = buf_load_be16(h + 6);
	v.payload = h + hl;
	v.plen = tot - hl;
	return v;
}

struct fake_tcp_view {
	bool ok;
	uint32_t src, dst;
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t wnd;
	const uint8_t *data;
	size_t len;
	int mss, ws;
	bool sack_ok, ts;
	uint32_t tsval, tsecr;
	unsigned nsack;
	uint32_t sack[4][2];
};

static inline struct fake_tcp_view fake_parse_tcp(const struct fake_frame *f)
{
	struct fake_tcp_view t;
	memset(&t, 0, sizeof t);
	t.mss = t.ws = -1;
	struct fake_ip_view ip = fake_parse_ip(f);
	if (!ip.ok || ip.proto != 6 || ip.plen < 20)
		return t;
	const uint8_t *s = ip.payload;
	if (fake_l4_cksum(ip.src, ip.dst, 6, s, ip.plen) != 0)
		return t;
	size_t hl = (size_t)(s[12] >> 4) * 4;
	t.ok = true;
	t.src = ip.src;
	t.dst = ip.dst;
	t.sport = buf_load_be16(s);
	t.dport = buf_load_be16(s + 2);
	t.seq = buf_load_be32(s + 4);
	t.ack = buf_load_be32(s + 8);
	t.flags = s[13];
	t.wnd = buf_load_be16(s + 14);
	t.data = s + hl;
	t.len = ip.plen - hl;
	for (size_t i = 20; i < hl;) {
		uint8_t k = s[i];
		if (k == 0)
			break;
		if (k == 1) {
			i++;
			continue;
		}
		uint8_t ol = s[i + 1];
		if (k == 2)
			t.mss = buf_load_be16(s + i + 2);
		else if (k == 3)
			t.ws = s[i + 2];
		else if (k == 4)
			t.sack_ok = true;
		else if (k == 8) {
			t.ts = true;
			t.tsval = buf_load_be32(s + i + 2);
			t.tsecr = buf_load_be32(s + i + 6);
		} else if (k == 5) {
			t.nsack = (ol - 2u) / 8u;
			for (unsigned j = 0; j < t.nsack && j < 4; j++) {
				t.sack[j][0] = buf_load_be32(s + i + 2 + 8 * j);
				t.sack[j][1] = buf_load_be32(s + i + 6 + 8 * j);
			}
		}
		i += ol;
	}
	return t;
}

/* Teach the stack the peer's MAC (an ARP request from the peer for the
 * stack's address), then forget the reply it sends. */
static inline void fake_arp_prime(struct net *n, struct fake_link *l, const struct mac_addr *stack_mac,
                                  uint32_t peer_ip, uint32_t stack_ip)
{
	uint8_t b[60];
	memset(b, 0, sizeof b);
	fake_eth(b, &net_bcast_mac, &fake_mac_peer, 0x0806);
	uint8_t *a = b + 14;
	buf_store_be16(a, 1);
	buf_store_be16(a + 2, 0x0800);
	a[4] = 6;
	a[5] = 4;
	buf_store_be16(a + 6, 1);
	memcpy(a + 8, fake_mac_peer.b, 6);
	buf_store_be32(a + 14, peer_ip);
	buf_store_be32(a + 24, stack_ip);
	(void)stack_mac;
	net_input(n, b, sizeof b);
	fake_drain(l);
}

/* ---- a wire between two stacks ------------------------------------------------ */

struct fake_wire {
	uint64_t now;
	struct fake_link link[2];
	struct net *net[2];
	struct fake_frame *q; /* in flight, sorted by delivery time */
	uint64_t delay;       /* one-way latency */
	unsigned loss, dup, reorder; /* percent */
	uint64_t rng;
	unsigned long delivered, lost, duplicated, reordered;
};

static inline uint32_t fake_rand(struct fake_wire *w)
{
	/* xorshift64*: seeded, so a failing run can be replayed. */
	w->rng ^= w->rng >> 12;
	w->rng ^= w->rng << 25;
	w->rng ^= w->rng >> 27;
	return (uint32_t)((w->rng * UINT64_C(2685821657736338717)) >> 32);
}

static inline void fake_wire_sched(struct fake_wire *w, struct fake_frame *f)
{
	struct fake_frame **pp = &w->q;
	while (*pp && (*pp)->at <= f->at)
		pp = &(*pp)->next;
	f->next = *pp;
	*pp = f;
}

/* Move what the stacks sent onto the wire, applying the faults. */
static inline void fake_wire_collect(struct fake_wire *w)
{
	for (int side = 0; side < 2; side++) {
		struct fake_frame *f;
		while ((f = fake_pop(&w->link[side]))) {
			f->to = 1 - side;
			if (w->loss && fake_rand(w) % 100 < w->loss) {
				w->lost++;
				free(f);
				continue;
			}
			f->at = w->now + w->delay;
			if (w->reorder && fake_rand(w) % 100 < w->reorder) {
				f->at += w->delay + (fake_rand(w) % 4 + 1) * (w->delay / 2 + 1000);
				w->reordered++;
			}
			if (w->dup && fake_rand(w) % 100 < w->dup) {
				struct fake_frame *d = fake_frame_new(f->data, f->len);
				d->to = f->to;
				d->at = f->at + 1000;
				fake_wire_sched(w, d);
				w->duplicated++;
			}
			fake_wire_sched(w, f);
		}
	}
}

/* Advance to the next event (a delivery or a timer), at most to limit.
 * Returns false when nothing is pending before limit. */
static inline bool fake_wire_step(struct fake_wire *w, uint64_t limit)
{
	fake_wire_collect(w);
	uint64_t next = w->q ? w->q->at : UINT64_MAX;
	for (int i = 0; i < 2; i++) {
		uint64_t d = net_next_deadline(w->net[i]);
		if (d < next)
			next = d;
	}
	if (next > limit) {
		w->now = limit;
		return false;
	}
	if (next > w->now)
		w->now = next;
	while (w->q && w->q->at <= w->now) {
		struct fake_frame *f = w->q;
		w->q = f->next;
		if (getenv("NET_TRACE")) {
			struct fake_tcp_view t = fake_parse_tcp(f);
			if (t.ok)
				fprintf(stderr, "%.6f %c->%c seq %u ack %u len %zu flags %02x wnd %u\n",
				        (double)(w->now % (100 * FAKE_S)) / 1e9, 'A' + 1 - f->to, 'A' + f->to,
				        t.seq, t.ack, t.len, t.flags, t.wnd);
		}
		net_input(w->net[f->to], f->data, f->len);
		w->delivered++;
		free(f);
		fake_wire_collect(w);
	}
	for (int i = 0; i < 2; i++)
		if (net_next_deadline(w->net[i]) <= w->now)
			net_run_timers(w->net[i]);
	fake_wire_collect(w);
	return true;
}

static inline void fake_wire_free(struct fake_wire *w)
{
	while (w->q) {
		struct fake_frame *f = w->q;
		w->q = f->next;
		free(f);
	}
	fake_drain(&w->link[0]);
	fake_drain(&w->link[1]);
}

/* ---- a TCP peer played by the test ------------------------------------------- */

struct fake_peer {
	struct net *n;
	struct fake_link *link;
	uint32_t ip, us;        /* the peer's address and the stack's */
	uint16_t port, sport;   /* the peer's port and the stack's */
	uint32_t seq, ack;      /* the peer's next sequence number and its ACK */
	uint16_t wnd;
	bool ts;                /* put timestamps on segments */
	uint32_t tsval, ts_echo;
	struct fake_frame *last; /* the frame behind the last view returned */
};

/* A segment with explicit numbers; the peer's state does not move. */
static inline void fake_peer_raw(struct fake_peer *pe, uint32_t seq, uint32_t ack, uint8_t flags,
                                 uint16_t wnd, const void *data, size_t len)
{
	static uint8_t b[14 + 20 + 60 + 65536];
	struct fake_tcp_opts o = { .mss = -1, .ws = -1, .ts = pe->ts, .tsval = pe->tsval, .tsecr = pe->ts_echo };
	size_t fl = fake_tcp(b, &fake_mac_a, pe->ip, pe->us, pe->port, pe->sport, seq, ack, flags, wnd,
	                     pe->ts ? &o : NULL, data, len);
	net_input(pe->n, b, fl);
}

/* A segment from the peer's state (seq advances by the data, SYN, FIN). */
static inline void fake_peer_send(struct fake_peer *pe, uint8_t flags, const void *data, size_t len)
{
	fake_peer_raw(pe, pe->seq, pe->ack, flags, pe->wnd, data, len);
	pe->seq += (uint32_t)len + ((flags & TH_SYN) ? 1u : 0u) + ((flags & TH_FIN) ? 1u : 0u);
}

/* The next TCP segment the stack sent (ok false when there is none); the
 * view stays valid until the next call. */
static inline struct fake_tcp_view fake_peer_recv(struct fake_peer *pe)
{
	struct fake_tcp_view t;
	free(pe->last);
	pe->last = NULL;
	for (;;) {
		struct fake_frame *f = fake_pop(pe->link);
		if (!f) {
			memset(&t, 0, sizeof t);
			return t;
		}
		t = fake_parse_tcp(f);
		if (t.ok) {
			pe->last = f;
			if (t.ts)
				pe->ts_echo = t.tsval;
			return t;
		}
		free(f);
	}
}

static inline void fake_peer_free(struct fake_peer *pe)
{
	free(pe->last);
	pe->last = NULL;
}

/* ---- a byte stream over a flow, for transfer tests ------------------------------ */

/* Bytes from a seeded pattern, so that a receiver can check each one. */
static inline uint8_t fake_pattern(uint64_t i, unsigned salt)
{
	uint64_t x = (i + salt) * UINT64_C(0x9e3779b97f4a7c15);
	return (uint8_t)(x >> 56);
}

/* One end of a transfer: sends total pattern bytes (salt_out), then shuts
 * down; reads and checks what comes (salt_in) until the end of stream. */
struct fake_stream {
	struct tcp_pcb *p;
	uint64_t sent, rcvd, total;
	unsigned salt_out, salt_in;
	bool shut, eof, bad, shut_failed;
};

/* Send what fits, shut down when all is sent, read what is there. */
static inline void fake_stream_pump(struct fake_stream *s)
{
	uint8_t buf[16384];
	while (s->sent < s->total) {
		size_t k = s->total - s->sent < sizeof buf ? (size_t)(s->total - s->sent) : sizeof buf;
		for (size_t i = 0; i < k; i++)
			buf[i] = fake_pattern(s->sent + i, s->salt_out);
		struct io_vec v = { buf, k };
		long r = tcp_send(s->p, &v, 1);
		if (r <= 0)
			break;
		s->sent += (uint64_t)r;
	}
	if (s->sent == s->total && !s->shut) {
		if (tcp_shutdown(s->p) != 0)
			s->shut_failed = true;
		s->shut = true;
	}
	for (;;) {
		long r = tcp_recv(s->p, buf, sizeof buf);
		if (r == 0)
			s->eof = true;
		if (r <= 0)
			break;
		for (long i = 0; i < r; i++)
			if (buf[i] != fake_pattern(s->rcvd + (uint64_t)i, s->salt_in))
				s->bad = true;
		s->rcvd += (uint64_t)r;
	}
}

#endif
