/* The offloads of devices/netif.h through the net stack and the netif
 * wrapper. Two stacks on a virtual clock exchange frames through a link
 * that plays the kernel's part of a tap with IFF_VNET_HDR: it checks every
 * partial checksum and super-segment a stack hands it (completing the
 * checksum and cutting the super-segment at gso_size, as the kernel does,
 * every piece must be a valid segment no larger than the MTU), and
 * delivers to the other stack either the super-segment as it is, with its
 * metadata (what a tap reader gets), or the cut, fully checksummed
 * segments (a peer without offloads). Then: a frame with a bad checksum
 * is dropped unless the link vouches for it, the stack's configuration
 * falls back when the link cannot take what it asks, and the wrapper only
 * turns offloads on for a user that takes metadata and while no capture
 * or fault injection is attached. Last, tcp_ack_on_read, the ACK policy
 * the stack device uses with super-segments: the ACK of data the app has
 * not read waits for its read. */
#include "check.h"
#include "net_fake.h"
#include "devices/netif_hooks.h"
#include "protocols/net/tcp.h"
#include "protocols/net/udp.h"

#define IP_A FAKE_IP(10, 0, 0, 1)
#define IP_B FAKE_IP(10, 0, 0, 2)
#define MTU 1500u
#define ALL_OFFLOADS (NETIF_F_CSUM | NETIF_F_TSO4 | NETIF_F_GRO4)

/* ---- a link that plays the kernel ------------------------------------------- */

struct ofr {
	struct ofr *next;
	uint64_t at;
	int to;
	bool has_meta;
	struct netif_frame_meta m;
	size_t len;
	uint8_t data[];
};

struct olink;
struct oside {
	struct olink *w;
	int side;
};

struct olink {
	uint64_t now, delay;
	struct net *net[2];
	struct oside ends[2];
	bool super_to[2];  /* deliver super-segments as they are to this side */
	int corrupt_to;    /* flip a payload byte of the next data segment to this side (-1: none) */
	struct ofr *q;     /* in flight, by delivery time */
	unsigned long supers, pieces, partial, plain, bad;
	size_t largest;
};

static void olink_sched(struct olink *w, struct ofr *f)
{
	struct ofr **pp = &w->q;
	while (*pp && (*pp)->at <= f->at)
		pp = &(*pp)->next;
	f->next = *pp;
	*pp = f;
}

static struct ofr *ofr_new(const uint8_t *data, size_t len)
{
	struct ofr *f = calloc(1, sizeof *f + len);
	if (!f)
		abort();
	f->len = len;
	memcpy(f->data, data, len);
	return f;
}

/* Complete a partial checksum the way the link does (from csum_start to
 * the end, over the field holding the pseudo-header sum). */
static void complete_csum(uint8_t *frame, size_t len, const struct netif_frame_meta *m)
{
	uint16_t c = cksum(frame + m->csum_start, len - m->csum_start);
	buf_store_be16(frame + m->csum_start + m->csum_offset, c);
}

static bool valid_tcp(const uint8_t *frame, size_t len)
{
	struct fake_frame *f = (struct fake_frame *)malloc(sizeof *f + len);
	if (!f)
		abort();
	f->len = len;
	memcpy(f->data, frame, len);
	struct fake_tcp_view t = fake_parse_tcp(f);
	free(f);
	return t.ok;
}

/* The kernel's segmentation of a TCP/IPv4 super-frame whose checksum was
 * completed: one frame per gso_size bytes of payload, IP length, ID and
 * checksum, TCP sequence number, FIN/PSH on the last piece only, and a
 * full TCP checksum each. Every piece goes to the other side. */
static void cut_and_send(struct olink *w, const struct ofr *f)
{
	const uint8_t *ip = f->data + ETH_HLEN;
	size_t ihl = (size_t)(ip[0] & 0xf) * 4, thl = (size_t)(ip[ihl + 12] >> 4) * 4;
	size_t hdr = ETH_HLEN + ihl + thl, payload = f->len - hdr, gso = f->m.gso_size;
	uint32_t seq = buf_load_be32(ip + ihl + 4);
	uint16_t id = buf_load_be16(ip + 4);
	uint8_t flags = ip[ihl + 13];
	CHECK_EQ_UINT(f->m.hdr_len, hdr);
	CHECK(gso > 0 && payload > gso);
	for (size_t off = 0, k = 0; off < payload; off += gso, k++) {
		size_t n = payload - off < gso ? payload - off : gso;
		struct ofr *p = calloc(1, sizeof *p + hdr + n);
		if (!p)
			abort();
		p->len = hdr + n;
		memcpy(p->data, f->data, hdr);
		memcpy(p->data + hdr, f->data + hdr + off, n);
		uint8_t *pip = p->data + ETH_HLEN, *th = pip + ihl;
		buf_store_be16(pip + 2, (uint16_t)(ihl + thl + n));
		buf_store_be16(pip + 4, (uint16_t)(id + k));
		buf_store_be16(pip + 10, 0);
		buf_store_be16(pip + 10, cksum(pip, ihl));
		buf_store_be32(th + 4, seq + (uint32_t)off);
		th[13] = off + n < payload ? (uint8_t)(flags & ~(TH_FIN | TH_PSH)) : flags;
		buf_store_be16(th + 16, 0);
		buf_store_be16(th + 16, fake_l4_cksum(buf_load_be32(pip + 12), buf_load_be32(pip + 16), 6, th, thl + n));
		if (p->len > ETH_HLEN + MTU || !valid_tcp(p->data, p->len))
			w->bad++;
		w->pieces++;
		p->to = f->to;
		p->at = f->at;
		olink_sched(w, p);
	}
}

static int olink_send(struct oside *e, const struct io_vec *iov, unsigned niov, const struct netif_frame_meta *m)
{
	struct olink *w = e->w;
	size_t len = 0;
	for (unsigned i = 0; i < niov; i++)
		len += iov[i].len;
	struct ofr *f = calloc(1, sizeof *f + len);
	if (!f)
		abort();
	for (unsigned i = 0; i < niov; i++) {
		memcpy(f->data + f->len, iov[i].base, iov[i].len);
		f->len += iov[i].len;
	}
	f->to = 1 - e->side;
	f->at = w->now + w->delay;
	if (f->len > w->largest)
		w->largest = f->len;
	if (!m) {
		w->plain++;
		if (f->len > ETH_HLEN + MTU)
			w->bad++;
		olink_sched(w, f);
		return 0;
	}
	f->has_meta = true;
	f->m = *m;
	w->partial++;
	/* What a stack hands over: a TCP checksum to complete, and either a
	 * frame within the MTU or a super-segment with its segment size. */
	CHECK(m->flags & NETIF_META_CSUM_PARTIAL);
	CHECK_EQ_UINT(m->csum_start, ETH_HLEN + IP_HLEN);
	CHECK_EQ_UINT(m->csum_offset, 16u);
	if (m->gso_type == NETIF_GSO_TCPV4)
		w->supers++;
	else if (f->len > ETH_HLEN + MTU)
		w->bad++;
	struct ofr *copy = ofr_new(f->data, f->len);
	complete_csum(copy->data, copy->len, m);
	if (!valid_tcp(copy->data, copy->len))
		w->bad++; /* the partial sum was wrong */
	if (w->super_to[f->to]) {
		/* Handed over as the kernel would to a reader with offloads:
		 * the checksum left partial, the frame whole. */
		free(copy);
		olink_sched(w, f);
		return 0;
	}
	copy->to = f->to;
	copy->at = f->at;
	copy->m = f->m;
	free(f);
	if (copy->m.gso_type == NETIF_GSO_TCPV4) {
		cut_and_send(w, copy);
		free(copy);
	} else {
		copy->has_meta = false;
		olink_sched(w, copy);
	}
	return 0;
}

static int olink_tx(void *arg, const struct io_vec *iov, unsigned niov)
{
	return olink_send(arg, iov, niov, NULL);
}

static int olink_tx_meta(void *arg, const struct io_vec *iov, unsigned niov, const struct netif_frame_meta *m)
{
	return olink_send(arg, iov, niov, m);
}

static struct net *olink_net(struct olink *w, int side, uint32_t offload, const struct mac_addr *mac, uint32_t ip)
{
	struct net_config cfg;
	memset(&cfg, 0, sizeof cfg);
	cfg.mac = *mac;
	cfg.mtu = MTU;
	cfg.ip.addr.v = ip;
	cfg.ip.prefix = 24;
	cfg.clock = fake_clock;
	cfg.clock_arg = &w->now;
	w->ends[side].w = w;
	w->ends[side].side = side;
	cfg.tx = olink_tx;
	cfg.tx_meta = olink_tx_meta;
	cfg.tx_arg = &w->ends[side];
	cfg.offload = offload;
	cfg.gso_max = 65535;
	memset(cfg.secret, 20 + side, sizeof cfg.secret);
	return net_create(&cfg);
}

static void deliver(struct olink *w, struct ofr *f)
{
	if (w->corrupt_to == f->to) {
		/* A data segment with its checksum complete: damage it. */
		struct fake_frame *ff = (struct fake_frame *)malloc(sizeof *ff + f->len);
		if (!ff)
			abort();
		ff->len = f->len;
		memcpy(ff->data, f->data, f->len);
		struct fake_tcp_view t = fake_parse_tcp(ff);
		free(ff);
		if (t.ok && t.len > 0) {
			f->data[f->len - 1] ^= 0x5a;
			w->corrupt_to = -1;
		}
	}
	net_input_meta(w->net[f->to], f->data, f->len, f->has_meta ? &f->m : NULL);
}

static bool olink_step(struct olink *w, uint64_t limit)
{
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
		struct ofr *f = w->q;
		w->q = f->next;
		deliver(w, f);
		free(f);
	}
	for (int i = 0; i < 2; i++)
		if (net_next_deadline(w->net[i]) <= w->now)
			net_run_timers(w->net[i]);
	return true;
}

static void olink_free(struct olink *w)
{
	while (w->q) {
		struct ofr *f = w->q;
		w->q = f->next;
		free(f);
	}
	net_destroy(w->net[0]);
	net_destroy(w->net[1]);
}

/* ---- bulk both ways ------------------------------------------------------------ */

/* a sends a_bytes to b and b b_bytes to a, at once. */
static void bulk(const char *name, uint32_t off_a, uint32_t off_b, bool super_to_a, bool super_to_b,
                 uint64_t a_bytes, uint64_t b_bytes, int corrupt_to)
{
	static struct olink w;
	memset(&w, 0, sizeof w);
	w.now = 1000 * FAKE_S;
	w.delay = 100 * 1000;
	w.super_to[0] = super_to_a;
	w.super_to[1] = super_to_b;
	w.corrupt_to = -1;
	w.net[0] = olink_net(&w, 0, off_a, &fake_mac_a, IP_A);
	w.net[1] = olink_net(&w, 1, off_b, &fake_mac_b, IP_B);
	CHECK(w.net[0] && w.net[1]);
	if (!w.net[0] || !w.net[1])
		return;
	net_up(w.net[0]);
	net_up(w.net[1]);
	struct tcp_listener *l;
	struct fake_stream a = { 0 }, b = { 0 };
	CHECK_EQ_INT(tcp_listen(w.net[1], 0, 80, 4, &l), 0);
	CHECK_EQ_INT(tcp_connect(w.net[0], IP_B, 80, &a.p), 0);
	uint64_t deadline = w.now + 60 * FAKE_S;
	while (!b.p && olink_step(&w, deadline))
		tcp_accept(l, &b.p);
	CHECK(b.p != NULL);
	if (!b.p)
		return;
	/* Nagle off on one end, on at the other: the tail rule both ways. */
	tcp_set_nodelay(a.p, true);
	a.total = a_bytes;
	b.total = b_bytes;
	a.salt_out = b.salt_in = 3;
	b.salt_out = a.salt_in = 4;
	w.corrupt_to = corrupt_to;
	while (w.now < deadline && !(a.eof && b.eof && a.sent == a.total && b.sent == b.total)) {
		fake_stream_pump(&a);
		fake_stream_pump(&b);
		olink_step(&w, deadline);
	}
	CHECK(!a.bad && !b.bad && !a.shut_failed && !b.shut_failed);
	CHECK_EQ_UINT(b.rcvd, a_bytes);
	CHECK_EQ_UINT(a.rcvd, b_bytes);
	CHECK(a.eof && b.eof);
	CHECK_EQ_UINT(w.bad, 0);
	printf("%s: %llu + %llu bytes; %lu super-segments (largest frame %zu), %lu pieces cut, %lu partial, "
	       "%lu plain; tcp_bad %llu/%llu, rexmt %llu/%llu\n",
	       name, (unsigned long long)a_bytes, (unsigned long long)b_bytes, w.supers, w.largest, w.pieces,
	       w.partial, w.plain, (unsigned long long)net_get_stats(w.net[0])->tcp_bad,
	       (unsigned long long)net_get_stats(w.net[1])->tcp_bad,
	       (unsigned long long)net_get_stats(w.net[0])->tcp_rexmt,
	       (unsigned long long)net_get_stats(w.net[1])->tcp_rexmt);
	if (off_a & NETIF_F_TSO4)
		CHECK(w.supers > 0 && w.largest > ETH_HLEN + MTU);
	else
		CHECK_EQ_UINT(w.supers, 0);
	if (!off_a && !off_b)
		CHECK_EQ_UINT(w.partial, 0);
	if (corrupt_to >= 0) {
		CHECK_EQ_INT(w.corrupt_to, -1); /* it happened */
		CHECK_EQ_UINT(net_get_stats(w.net[corrupt_to])->tcp_bad, 1);
	}
	tcp_close(a.p);
	tcp_close(b.p);
	while (olink_step(&w, w.now + 200 * FAKE_S))
		;
	CHECK_EQ_UINT(w.net[0]->tcp_flows, 0);
	CHECK_EQ_UINT(w.net[1]->tcp_flows, 0);
	tcp_listener_close(l);
	olink_free(&w);
}

/* ---- checksums the link vouches for ------------------------------------------ */

static void udp_trust(void)
{
	struct fake_link l = { 0 };
	uint64_t now = 1000 * FAKE_S;
	struct net *n = fake_net(&l, &now, &fake_mac_a, IP_A, 24, 0, NULL, 5);
	struct udp_pcb *u;
	CHECK_EQ_INT(udp_bind(n, 0, 53, &u), 0);
	uint8_t dg[8 + 4] = { 0x30, 0x39, 0, 53, 0, 12, 0xde, 0xad, 'p', 'i', 'n', 'g' }; /* wrong checksum */
	uint8_t f[64];
	size_t len = fake_ipv4(f, &fake_mac_a, IP_B, IP_A, 17, 1, 0, dg, sizeof dg);
	net_input(n, f, len);
	CHECK_EQ_UINT(net_get_stats(n)->udp_bad, 1);
	struct netif_frame_meta valid = { .flags = NETIF_META_CSUM_VALID };
	net_input_meta(n, f, len, &valid);
	struct netif_frame_meta partial = { .flags = NETIF_META_CSUM_PARTIAL, .csum_start = 34, .csum_offset = 6 };
	net_input_meta(n, f, len, &partial);
	struct netif_frame_meta none = { .flags = 0 };
	net_input_meta(n, f, len, &none);
	CHECK_EQ_UINT(net_get_stats(n)->udp_bad, 2);
	char buf[16];
	uint32_t from;
	uint16_t port;
	CHECK_EQ_INT(udp_recvfrom(u, buf, sizeof buf, &from, &port), 4);
	CHECK_EQ_INT(udp_recvfrom(u, buf, sizeof buf, &from, &port), 4);
	CHECK_EQ_INT(udp_recvfrom(u, buf, sizeof buf, &from, &port), -EAGAIN);
	/* A fragment's metadata does not vouch for the reassembled datagram. */
	uint8_t frag[64];
	size_t flen = fake_ipv4(frag, &fake_mac_a, IP_B, IP_A, 17, 2, 0x2000, dg, 8);
	net_input_meta(n, frag, flen, &valid);
	flen = fake_ipv4(frag, &fake_mac_a, IP_B, IP_A, 17, 2, 1, dg + 8, 4);
	net_input_meta(n, frag, flen, &valid);
	CHECK_EQ_UINT(net_get_stats(n)->ip_reassembled, 1);
	CHECK_EQ_UINT(net_get_stats(n)->udp_bad, 3);
	udp_close(u);
	net_destroy(n);
	fake_drain(&l);
}

/* ---- ACKs on read ------------------------------------------------------------------- */

/* A flow opened by a peer played here; two full segments arrive. With
 * tcp_ack_on_read the ACK waits while they are unread, and the read sends
 * it with the reopened window (or the delayed-ACK timer does); without,
 * it leaves at once (every second full segment). */
static void ack_on_read(bool on, bool read)
{
	struct fake_link l = { 0 };
	uint64_t now = 1000 * FAKE_S;
	struct net_tunables t;
	memset(&t, 0, sizeof t);
	t.tcp_ack_on_read = on;
	t.tcp_no_ws = 1;
	t.tcp_rcvbuf = 32768;
	struct net *n = fake_net(&l, &now, &fake_mac_a, IP_A, 24, 0, &t, 9);
	fake_arp_prime(n, &l, &fake_mac_a, IP_B, IP_A);
	struct tcp_listener *lst;
	CHECK_EQ_INT(tcp_listen(n, 0, 80, 8, &lst), 0);
	struct fake_peer pe = { .n = n, .link = &l, .ip = IP_B, .us = IP_A, .port = 40000, .sport = 80,
	                        .seq = 5000, .wnd = 65535 };
	uint8_t b[200];
	struct fake_tcp_opts o = { .mss = 1460, .ws = -1 };
	net_input(n, b, fake_tcp(b, &fake_mac_a, IP_B, IP_A, 40000, 80, pe.seq, 0, TH_SYN, 65535, &o, NULL, 0));
	pe.seq++;
	struct fake_tcp_view v = fake_peer_recv(&pe);
	CHECK(v.ok && v.flags == (TH_SYN | TH_ACK));
	pe.ack = v.seq + 1;
	fake_peer_send(&pe, TH_ACK, NULL, 0);
	struct tcp_pcb *p = NULL;
	CHECK_EQ_INT(tcp_accept(lst, &p), 0);
	if (!p)
		return;
	static uint8_t data[2 * 1460];
	fake_peer_send(&pe, TH_ACK, data, 1460);
	fake_peer_send(&pe, TH_ACK, data + 1460, 1460);
	v = fake_peer_recv(&pe);
	if (!on) {
		CHECK(v.ok && v.ack == pe.seq && v.wnd == 32768 - 2 * 1460);
	} else if (read) {
		CHECK(!v.ok);
		static uint8_t buf[4096];
		CHECK_EQ_INT(tcp_recv(p, buf, sizeof buf), 2 * 1460);
		v = fake_peer_recv(&pe);
		CHECK(v.ok && v.ack == pe.seq && v.wnd == 32768);
		CHECK(!fake_peer_recv(&pe).ok); /* one ACK, not two */
	} else {
		CHECK(!v.ok);
		now = net_next_deadline(n);
		CHECK_EQ_UINT(now, 1000 * FAKE_S + 40 * FAKE_MS);
		net_run_timers(n);
		v = fake_peer_recv(&pe);
		CHECK(v.ok && v.ack == pe.seq);
	}
	tcp_abort(p);
	tcp_listener_close(lst);
	fake_peer_free(&pe);
	net_destroy(n);
	fake_drain(&l);
}

/* ---- configuration ---------------------------------------------------------------- */

static void config_fallback(void)
{
	uint64_t now = 1;
	struct olink w;
	memset(&w, 0, sizeof w);
	struct net_config cfg;
	memset(&cfg, 0, sizeof cfg);
	cfg.mac = fake_mac_a;
	cfg.clock = fake_clock;
	cfg.clock_arg = &now;
	cfg.tx = olink_tx;
	cfg.tx_arg = &w.ends[0];
	cfg.offload = ALL_OFFLOADS;
	cfg.gso_max = 65535;
	struct net *n = net_create(&cfg); /* no tx_meta: nothing to hand metadata to */
	CHECK(n && n->cfg.offload == 0);
	net_destroy(n);
	cfg.tx_meta = olink_tx_meta;
	cfg.offload = NETIF_F_TSO4; /* segmentation without checksums */
	n = net_create(&cfg);
	CHECK(n && n->cfg.offload == 0);
	net_destroy(n);
	cfg.offload = ALL_OFFLOADS;
	cfg.gso_max = 1500; /* no room beyond the MTU */
	n = net_create(&cfg);
	CHECK(n && n->cfg.offload == (NETIF_F_CSUM | NETIF_F_GRO4));
	net_destroy(n);
}

/* ---- the wrapper ---------------------------------------------------------------------- */

struct odrv {
	uint32_t features, on;
	int set_offload_calls;
	netif_rx_fn rx;
	netif_rx_meta_fn rx_meta;
	void *arg;
	unsigned sent, sent_meta;
	struct netif_frame_meta last;
};

static int odrv_info(void *state, struct netif_info *out)
{
	struct odrv *d = state;
	out->mtu = MTU;
	if (d->features) {
		out->features = d->features;
		out->gso_max = 65535;
	}
	return 0;
}

static int odrv_send(void *state, const struct io_vec *iov, unsigned niov)
{
	(void)iov;
	(void)niov;
	((struct odrv *)state)->sent++;
	return 0;
}

static int odrv_send_meta(void *state, const struct io_vec *iov, unsigned niov, const struct netif_frame_meta *m)
{
	struct odrv *d = state;
	(void)iov;
	(void)niov;
	d->sent_meta++;
	d->last = *m;
	return 0;
}

static void odrv_set_rx(void *state, netif_rx_fn fn, void *arg)
{
	struct odrv *d = state;
	d->rx = fn;
	d->rx_meta = NULL;
	d->arg = arg;
}

static void odrv_set_rx_meta(void *state, netif_rx_meta_fn fn, void *arg)
{
	struct odrv *d = state;
	d->rx = NULL;
	d->rx_meta = fn;
	d->arg = arg;
}

static uint32_t odrv_set_offload(void *state, uint32_t want)
{
	struct odrv *d = state;
	d->set_offload_calls++;
	return d->on = want & d->features;
}

static const struct netif_ops odrv_ops = {
	.name = "odrv",
	.version = NETIF_OPS_V1,
	.info = odrv_info,
	.send = odrv_send,
	.set_rx = odrv_set_rx,
	.send_meta = odrv_send_meta,
	.set_rx_meta = odrv_set_rx_meta,
	.set_offload = odrv_set_offload,
};

/* A driver of before the extension: no features, no offload ops. */
static const struct netif_ops old_ops = {
	.name = "old",
	.version = NETIF_OPS_V1,
	.info = odrv_info,
	.send = odrv_send,
	.set_rx = odrv_set_rx,
};

struct got {
	unsigned plain, with_meta, without_meta;
	struct netif_frame_meta m;
};

static void got_plain(void *arg, const uint8_t *frame, size_t len)
{
	(void)frame;
	(void)len;
	((struct got *)arg)->plain++;
}

static void got_meta(void *arg, const uint8_t *frame, size_t len, const struct netif_frame_meta *m)
{
	struct got *g = arg;
	(void)frame;
	(void)len;
	if (m) {
		g->with_meta++;
		g->m = *m;
	} else {
		g->without_meta++;
	}
}

static void wrapper(void)
{
	uint8_t frame[60] = { 0 };
	struct io_vec v = { frame, sizeof frame };
	struct netif_frame_meta gso = { .flags = NETIF_META_CSUM_PARTIAL, .gso_type = NETIF_GSO_TCPV4, .gso_size = 1448 };

	/* A driver of before: info comes back zeroed beyond what it fills,
	 * offloads stay off, frames with metadata are refused, a metadata
	 * handler still gets every frame (without metadata). */
	struct odrv od = { 0 };
	struct netif old = { .name = "old", .ops = &old_ops, .state = &od };
	struct netif_info info;
	memset(&info, 0xff, sizeof info);
	CHECK_EQ_INT(netif_info(&old, &info), 0);
	CHECK(info.features == 0 && info.gso_max == 0 && info.mtu == MTU);
	struct got g = { 0 };
	netif_set_rx_meta(&old, got_meta, &g);
	CHECK_EQ_UINT(netif_offload(&old, ALL_OFFLOADS), 0);
	CHECK_EQ_INT(netif_send_meta(&old, &v, 1, &gso), -EOPNOTSUPP);
	CHECK_EQ_INT(netif_send_meta(&old, &v, 1, NULL), 0);
	CHECK_EQ_UINT(od.sent, 1);
	od.rx(od.arg, frame, sizeof frame);
	CHECK_EQ_UINT(g.without_meta, 1);

	/* A driver with offloads. */
	struct odrv d = { .features = ALL_OFFLOADS };
	struct netif n = { .name = "new", .ops = &odrv_ops, .state = &d };
	CHECK_EQ_INT(netif_info(&n, &info), 0);
	CHECK_EQ_UINT(info.features, ALL_OFFLOADS);
	struct got pg = { 0 };
	netif_set_rx(&n, got_plain, &pg);
	CHECK_EQ_UINT(netif_offload(&n, ALL_OFFLOADS), 0); /* a plain handler cannot take them */
	CHECK_EQ_UINT(d.on, 0);
	d.rx_meta(d.arg, frame, sizeof frame, NULL); /* the wrapper installed its metadata thunk */
	CHECK_EQ_UINT(pg.plain, 1);

	memset(&g, 0, sizeof g);
	netif_set_rx_meta(&n, got_meta, &g);
	CHECK_EQ_UINT(netif_offload(&n, NETIF_F_CSUM | NETIF_F_GRO4), NETIF_F_CSUM | NETIF_F_GRO4);
	CHECK_EQ_UINT(d.on, NETIF_F_CSUM | NETIF_F_GRO4);
	d.rx_meta(d.arg, frame, sizeof frame, &gso);
	CHECK_EQ_UINT(g.with_meta, 1);
	CHECK_EQ_UINT(g.m.gso_size, 1448);
	CHECK_EQ_UINT(n.frames_in, 2);
	CHECK_EQ_INT(netif_send_meta(&n, &v, 1, &gso), 0);
	CHECK_EQ_UINT(d.sent_meta, 1);
	CHECK_EQ_UINT(n.frames_out, 1);

	/* A plain handler turns them off again. */
	netif_set_rx(&n, got_plain, &pg);
	CHECK_EQ_UINT(d.on, 0);
	CHECK_EQ_UINT(n.offload, 0);
	CHECK_EQ_INT(netif_send_meta(&n, &v, 1, &gso), -EOPNOTSUPP);

	/* Capture attached: no offloads (the file shows wire frames), and
	 * attaching it turns them off when they were on. */
	netif_set_rx_meta(&n, got_meta, &g);
	CHECK_EQ_UINT(netif_offload(&n, ALL_OFFLOADS), ALL_OFFLOADS);
	struct netif_hooks h;
	CHECK_EQ_INT(netif_hooks_attach(&n, &h, "loss:1,seed:1", NULL), 0);
	CHECK_EQ_UINT(d.on, 0);
	CHECK_EQ_UINT(netif_offload(&n, ALL_OFFLOADS), 0);
	netif_hooks_detach(&n, &h);
	CHECK_EQ_UINT(netif_offload(&n, ALL_OFFLOADS), ALL_OFFLOADS);
	netif_set_rx_meta(&n, NULL, NULL);
	CHECK_EQ_UINT(d.on, 0);
}

int main(void)
{
	/* Super-segments handed over whole both ways (two taps with offloads). */
	bulk("super both ways", ALL_OFFLOADS, ALL_OFFLOADS, true, true, 8u << 20, 3u << 20, -1);
	/* Cut by the link for a peer without offloads, which sends plain frames. */
	bulk("cut for a plain peer", ALL_OFFLOADS, 0, false, false, 4u << 20, 1u << 20, -1);
	/* Checksums only. */
	bulk("checksums only", NETIF_F_CSUM, NETIF_F_CSUM, true, true, 2u << 20, 2u << 20, -1);
	/* A damaged segment is dropped by the peer that checks, and resent. */
	bulk("damaged segment", ALL_OFFLOADS, 0, false, false, 1u << 20, 1u << 16, 1);
	udp_trust();
	ack_on_read(false, false);
	ack_on_read(true, true);
	ack_on_read(true, false);
	config_fallback();
	wrapper();
	return check_report();
}
