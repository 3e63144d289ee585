/* The DHCP client (protocols/net/dhcp.c) against a DHCP server the test
 * plays through the fake link, on a virtual clock: the messages and their
 * fields, the retransmission schedule, the ARP probe and a declined
 * address, the lease configured, renewing at T1, rebinding at T2, expiry,
 * NAKs, replies that must be ignored, option overload, infinite leases
 * and the release. Then the stack device with dhcp on, in the real
 * scheduler with a fake netif whose server answers from a timer: connect
 * waits for the lease, times out with no server, and a TCP connect made
 * without an address fails within its deadline. */
#include "check.h"
#include "net_fake.h"
#include "lib/platform.h"
#include "lib/sched.h"
#include "protocols/net/dhcp.h"
#include "protocols/net/stack_tcpip.h"

#define SERVER FAKE_IP(10, 0, 0, 1)
#define OFFERED FAKE_IP(10, 0, 0, 50)
#define ROUTER FAKE_IP(10, 0, 0, 254)
#define BCAST 0xffffffffu

enum { DISCOVER = 1, OFFER, REQUEST, DECLINE, ACK, NAK, RELEASE };

static uint64_t now;
static struct fake_link link_;
static struct net *n;
static unsigned events[5];
static unsigned probes, arp_answered;

static void on_event(void *ctx, enum dhcp_event ev)
{
	(void)ctx;
	events[ev]++;
}

/* ---- the client's messages as the server sees them ---- */

struct cmsg {
	bool ok;
	uint64_t at;
	uint8_t eth_dst[6];
	uint32_t src, dst;
	size_t len; /* DHCP message bytes */
	uint8_t type;
	uint32_t xid, ciaddr;
	uint16_t secs;
	uint8_t chaddr[6];
	bool has_req, has_server, has_cid, has_params, has_max;
	uint32_t req, server;
	uint16_t max;
	uint8_t cid[7];
};

static struct cmsg parse_client(const struct fake_frame *f)
{
	struct cmsg m;
	memset(&m, 0, sizeof m);
	m.at = now;
	struct fake_ip_view ip = fake_parse_ip(f);
	if (!ip.ok || ip.proto != 17 || ip.plen < 8)
		return m;
	const uint8_t *u = ip.payload;
	if (buf_load_be16(u) != 68 || buf_load_be16(u + 2) != 67)
		return m;
	CHECK(fake_l4_cksum(ip.src, ip.dst, 17, u, ip.plen) == 0);
	const uint8_t *d = u + 8;
	size_t len = ip.plen - 8;
	if (len < 240 || d[0] != 1 || d[1] != 1 || d[2] != 6 || buf_load_be32(d + 236) != 0x63825363u)
		return m;
	memcpy(m.eth_dst, f->data, 6);
	m.src = ip.src;
	m.dst = ip.dst;
	m.len = len;
	m.xid = buf_load_be32(d + 4);
	m.secs = buf_load_be16(d + 8);
	m.ciaddr = buf_load_be32(d + 12);
	CHECK_EQ_UINT(buf_load_be32(d + 16), 0); /* yiaddr, siaddr, giaddr */
	CHECK_EQ_UINT(buf_load_be32(d + 20), 0);
	CHECK_EQ_UINT(buf_load_be32(d + 24), 0);
	memcpy(m.chaddr, d + 28, 6);
	for (size_t i = 240; i < len;) {
		uint8_t code = d[i];
		if (code == 0) {
			i++;
			continue;
		}
		if (code == 255)
			break;
		uint8_t ol = d[i + 1];
		const uint8_t *v = d + i + 2;
		if (code == 53)
			m.type = v[0];
		else if (code == 50) {
			m.has_req = true;
			m.req = buf_load_be32(v);
		} else if (code == 54) {
			m.has_server = true;
			m.server = buf_load_be32(v);
		} else if (code == 61 && ol == 7) {
			m.has_cid = true;
			memcpy(m.cid, v, 7);
		} else if (code == 55)
			m.has_params = true;
		else if (code == 57) {
			m.has_max = true;
			m.max = buf_load_be16(v);
		}
		i += 2 + (size_t)ol;
	}
	m.ok = m.type != 0;
	return m;
}

/* An ARP packet from mac to the stack. */
static void arp_from(uint16_t op, const struct mac_addr *mac, uint32_t spa, uint32_t tpa)
{
	uint8_t b[60];
	memset(b, 0, sizeof b);
	fake_eth(b, op == 1 ? &net_bcast_mac : &fake_mac_a, mac, 0x0806);
	uint8_t *a = b + 14;
	buf_store_be16(a, 1);
	buf_store_be16(a + 2, 0x0800);
	a[4] = 6;
	a[5] = 4;
	buf_store_be16(a + 6, op);
	memcpy(a + 8, mac->b, 6);
	buf_store_be32(a + 14, spa);
	if (op == 2)
		memcpy(a + 18, fake_mac_a.b, 6);
	buf_store_be32(a + 24, tpa);
	net_input(n, b, sizeof b);
}

/* Deal with one frame the stack sent: ARP is handled here (requests for
 * the server or the router answered, probes counted); a DHCP message is
 * returned. */
static struct cmsg sort_frame(struct fake_frame *f)
{
	struct cmsg m;
	memset(&m, 0, sizeof m);
	if (f->len >= 42 && buf_load_be16(f->data + 12) == 0x0806) {
		const uint8_t *a = f->data + 14;
		uint32_t spa = buf_load_be32(a + 14), tpa = buf_load_be32(a + 24);
		if (buf_load_be16(a + 6) == 1 && spa == 0 && tpa != 0)
			probes++;
		else if (buf_load_be16(a + 6) == 1 && (tpa == SERVER || tpa == ROUTER) && spa != tpa) {
			arp_answered++;
			arp_from(2, &fake_mac_peer, tpa, spa);
		}
		return m;
	}
	return parse_client(f);
}

/* Run the clock until the stack sends a DHCP message, at most to limit. */
static struct cmsg next_msg(uint64_t limit)
{
	for (;;) {
		struct fake_frame *f;
		while ((f = fake_pop(&link_))) {
			struct cmsg m = sort_frame(f);
			free(f);
			if (m.ok)
				return m;
		}
		uint64_t d = net_next_deadline(n);
		if (d > limit) {
			now = limit;
			struct cmsg none;
			memset(&none, 0, sizeof none);
			return none;
		}
		if (d > now)
			now = d;
		net_run_timers(n);
	}
}

/* Run the clock to t, handling (and dropping) what the stack sends;
 * returns how many DHCP messages went out meanwhile. */
static unsigned run_to(uint64_t t)
{
	unsigned k = 0;
	while (next_msg(t).ok)
		k++;
	return k;
}

/* ---- the server's replies ---- */

struct reply {
	uint8_t type;
	uint32_t xid, yiaddr, dst;
	int prefix;        /* -1: no mask option */
	uint32_t router;
	uint32_t server;   /* 0: no option 54 */
	uint32_t lease;    /* 0: no option 51 */
	uint32_t t1, t2;   /* 0: not sent */
	bool overload;     /* lease and server id in the file field */
	/* corruptions */
	uint8_t op;        /* 0: 2 */
	uint16_t sport;    /* 0: 67 */
	bool bad_cookie, other_mac, bad_opts;
};

static size_t put_opt32(uint8_t *o, uint8_t code, uint32_t v)
{
	o[0] = code;
	o[1] = 4;
	buf_store_be32(o + 2, v);
	return 6;
}

static void send_reply(const struct reply *r)
{
	static uint8_t frame[1600];
	uint8_t udp[8 + 548];
	memset(udp, 0, sizeof udp);
	uint8_t *d = udp + 8;
	d[0] = r->op ? r->op : 2;
	d[1] = 1;
	d[2] = 6;
	buf_store_be32(d + 4, r->xid);
	buf_store_be32(d + 16, r->yiaddr);
	buf_store_be32(d + 20, SERVER);
	memcpy(d + 28, r->other_mac ? fake_mac_b.b : fake_mac_a.b, 6);
	buf_store_be32(d + 236, r->bad_cookie ? 0x63825364u : 0x63825363u);
	uint8_t *o = d + 240;
	size_t k = 0;
	o[k++] = 53;
	o[k++] = 1;
	o[k++] = r->type;
	if (r->prefix >= 0)
		k += put_opt32(o + k, 1, r->prefix ? ~0u << (32 - r->prefix) : 0);
	if (r->router)
		k += put_opt32(o + k, 3, r->router);
	if (r->t1)
		k += put_opt32(o + k, 58, r->t1);
	if (r->t2)
		k += put_opt32(o + k, 59, r->t2);
	if (r->overload) {
		o[k++] = 52;
		o[k++] = 1;
		o[k++] = 1; /* the file field holds options */
		uint8_t *file = d + 108;
		size_t j = 0;
		if (r->lease)
			j += put_opt32(file + j, 51, r->lease);
		if (r->server)
			j += put_opt32(file + j, 54, r->server);
		file[j] = 255;
	} else {
		if (r->lease)
			k += put_opt32(o + k, 51, r->lease);
		if (r->server)
			k += put_opt32(o + k, 54, r->server);
	}
	if (r->bad_opts) {
		o[k++] = 51;
		o[k++] = 200; /* runs past the end */
	} else {
		o[k++] = 255;
	}
	size_t dlen = 300;
	buf_store_be16(udp, r->sport ? r->sport : 67);
	buf_store_be16(udp + 2, 68);
	buf_store_be16(udp + 4, (uint16_t)(8 + dlen));
	uint32_t dst = r->dst ? r->dst : r->yiaddr;
	uint16_t c = fake_l4_cksum(SERVER, dst, 17, udp, 8 + dlen);
	buf_store_be16(udp + 6, c ? c : 0xffff);
	size_t fl = fake_ipv4(frame, &fake_mac_a, SERVER, dst, 17, 7, 0, udp, 8 + dlen);
	net_input(n, frame, fl);
}

static struct reply offer_for(const struct cmsg *m)
{
	struct reply r = { .type = OFFER, .xid = m->xid, .yiaddr = OFFERED, .prefix = 24, .router = ROUTER,
	                   .server = SERVER, .lease = 3600 };
	return r;
}

static struct reply ack_for(const struct cmsg *m, uint32_t lease)
{
	struct reply r = { .type = ACK, .xid = m->xid, .yiaddr = OFFERED, .prefix = 24, .router = ROUTER,
	                   .server = SERVER, .lease = lease };
	return r;
}

/* The next DISCOVER (due now) gets an offer: returns the REQUEST for it,
 * and the DISCOVER in *discover when asked. */
static struct cmsg requested(struct cmsg *discover)
{
	struct cmsg m = next_msg(now);
	CHECK(m.ok && m.type == DISCOVER);
	struct reply o = offer_for(&m);
	send_reply(&o);
	if (discover)
		*discover = m;
	struct cmsg q = next_msg(now);
	CHECK(q.ok && q.type == REQUEST);
	return q;
}

static void new_stack(void)
{
	fake_drain(&link_);
	now = 1000 * FAKE_S;
	/* A static address to begin with: the client must drop it. */
	n = fake_net(&link_, &now, &fake_mac_a, FAKE_IP(10, 0, 0, 2), 24, 0, NULL, 9);
	CHECK(n != NULL);
	fake_drain(&link_);
	memset(events, 0, sizeof events);
	probes = arp_answered = 0;
}

static int start(bool probe)
{
	struct dhcp_params p = { .notify = on_event, .no_probe = !probe };
	return dhcp_start(n, &p);
}

/* From nothing to bound (3600 s lease unless said otherwise): returns
 * the time the request that got the lease was sent. */
static uint64_t get_bound(uint32_t lease)
{
	struct cmsg m = requested(NULL);
	struct reply a = ack_for(&m, lease);
	send_reply(&a);
	run_to(now + 2 * FAKE_S);
	CHECK_EQ_INT(dhcp_get_state(n), DHCP_BOUND);
	return m.at;
}

/* ---- core cases ---- */

static void test_discover_fields_and_backoff(void)
{
	new_stack();
	CHECK_EQ_INT(start(true), 0);
	CHECK_EQ_INT(start(true), -EBUSY);
	CHECK_EQ_UINT(net_addr(n), 0); /* the static address is gone */
	CHECK_EQ_INT(dhcp_get_state(n), DHCP_SELECTING);
	uint64_t t0 = now;
	struct cmsg m = next_msg(now);
	CHECK(m.ok);
	CHECK_EQ_INT(m.type, DISCOVER);
	CHECK(memcmp(m.eth_dst, net_bcast_mac.b, 6) == 0);
	CHECK_EQ_UINT(m.src, 0);
	CHECK_EQ_UINT(m.dst, BCAST);
	CHECK(m.len >= 300);
	CHECK(memcmp(m.chaddr, fake_mac_a.b, 6) == 0);
	CHECK(m.has_cid && m.cid[0] == 1 && memcmp(m.cid + 1, fake_mac_a.b, 6) == 0);
	CHECK(m.has_params && m.has_max && m.max >= 576);
	CHECK(!m.has_server && !m.has_req);
	CHECK_EQ_UINT(m.ciaddr, 0);
	CHECK_EQ_INT(m.secs, 0);
	/* RFC 2131 4.1: 4, 8, 16, 32, 64, 64 s, each +-1 s, same xid. */
	static const unsigned gaps[] = { 4, 8, 16, 32, 64, 64 };
	uint64_t last = t0;
	for (unsigned i = 0; i < 6; i++) {
		struct cmsg r = next_msg(now + 70 * FAKE_S);
		CHECK(r.ok && r.type == DISCOVER);
		uint64_t gap = r.at - last;
		CHECK(gap >= (gaps[i] - 1) * FAKE_S && gap <= (gaps[i] + 1) * FAKE_S);
		CHECK_EQ_UINT(r.xid, m.xid);
		CHECK_EQ_UINT(r.secs, (r.at - t0) / FAKE_S);
		last = r.at;
	}
	net_destroy(n);
}

static void test_bind(void)
{
	new_stack();
	CHECK_EQ_INT(start(true), 0);
	const struct net_stats *st = net_get_stats(n);
	struct cmsg m = next_msg(now);
	/* Replies that are not for us, or not right, change nothing. */
	struct reply r = offer_for(&m);
	r.xid ^= 1;
	send_reply(&r);
	r = offer_for(&m);
	r.other_mac = true;
	send_reply(&r);
	r = offer_for(&m);
	r.bad_cookie = true;
	send_reply(&r);
	r = offer_for(&m);
	r.op = 1;
	send_reply(&r);
	r = offer_for(&m);
	r.sport = 1067;
	send_reply(&r);
	r = offer_for(&m);
	r.bad_opts = true;
	send_reply(&r);
	CHECK_EQ_UINT(st->dhcp_bad, 6);
	r = offer_for(&m);
	r.yiaddr = FAKE_IP(127, 0, 0, 1);
	send_reply(&r);
	r = offer_for(&m);
	r.type = ACK; /* an ACK while selecting */
	send_reply(&r);
	CHECK_EQ_UINT(st->dhcp_ignored, 2);
	CHECK_EQ_INT(dhcp_get_state(n), DHCP_SELECTING);
	CHECK_EQ_UINT(link_.count, 0);

	/* Before it has the address, the stack answers nothing sent to it. */
	uint8_t ping[8 + 4] = { 8, 0, 0, 0, 0, 1, 0, 1, 'p', 'i', 'n', 'g' };
	buf_store_be16(ping + 2, cksum(ping, sizeof ping));
	uint8_t b[100];
	net_input(n, b, fake_ipv4(b, &fake_mac_a, SERVER, OFFERED, 1, 3, 0, ping, sizeof ping));
	CHECK_EQ_UINT(link_.count, 0);

	/* The offer: a broadcast request for it, same xid, server named. */
	r = offer_for(&m);
	send_reply(&r);
	CHECK_EQ_INT(dhcp_get_state(n), DHCP_REQUESTING);
	struct cmsg q = next_msg(now);
	CHECK(q.ok && q.type == REQUEST);
	CHECK_EQ_UINT(q.xid, m.xid);
	CHECK_EQ_UINT(q.dst, BCAST);
	CHECK_EQ_UINT(q.src, 0);
	CHECK_EQ_UINT(q.ciaddr, 0);
	CHECK(q.has_req && q.req == OFFERED);
	CHECK(q.has_server && q.server == SERVER);
	/* An ACK from another server is not ours. */
	struct reply a = ack_for(&q, 3600);
	a.server = FAKE_IP(10, 0, 0, 9);
	send_reply(&a);
	CHECK_EQ_INT(dhcp_get_state(n), DHCP_REQUESTING);
	/* An ACK without a lease time is refused. */
	a = ack_for(&q, 0);
	send_reply(&a);
	CHECK_EQ_INT(dhcp_get_state(n), DHCP_REQUESTING);

	/* The ACK: two ARP probes 250 ms apart, then the address. */
	uint64_t t_ack = now;
	a = ack_for(&q, 3600);
	send_reply(&a);
	CHECK_EQ_INT(dhcp_get_state(n), DHCP_CHECKING);
	CHECK_EQ_UINT(net_addr(n), 0);
	run_to(now + 400 * FAKE_MS);
	CHECK_EQ_UINT(probes, 2);
	CHECK_EQ_INT(dhcp_get_state(n), DHCP_CHECKING);
	CHECK_EQ_UINT(events[DHCP_EV_BOUND], 0);
	/* Bound at 500 ms: the stack's address, prefix and route. */
	struct fake_frame *f;
	now = t_ack + 500 * FAKE_MS;
	net_run_timers(n);
	CHECK_EQ_INT(dhcp_get_state(n), DHCP_BOUND);
	CHECK_EQ_UINT(events[DHCP_EV_BOUND], 1);
	CHECK_EQ_UINT(net_addr(n), OFFERED);
	CHECK_EQ_UINT(ipv4_route(n, FAKE_IP(10, 0, 0, 77)), FAKE_IP(10, 0, 0, 77));
	CHECK_EQ_UINT(ipv4_route(n, FAKE_IP(192, 0, 2, 1)), ROUTER);
	/* ... announced by a gratuitous ARP. */
	f = fake_pop(&link_);
	CHECK(f && buf_load_be16(f->data + 12) == 0x0806 && buf_load_be32(f->data + 14 + 14) == OFFERED &&
	      buf_load_be32(f->data + 14 + 24) == OFFERED);
	free(f);
	struct dhcp_lease l;
	CHECK(dhcp_get_lease(n, &l));
	CHECK_EQ_UINT(l.addr, OFFERED);
	CHECK_EQ_INT(l.prefix, 24);
	CHECK_EQ_UINT(l.gateway, ROUTER);
	CHECK_EQ_UINT(l.server, SERVER);
	CHECK_EQ_UINT(l.lease_s, 3600);
	/* Timed from the request: T1 = 1800 s, T2 = 3150 s, expiry 3600 s. */
	CHECK_EQ_UINT(l.start, q.at);
	CHECK_EQ_UINT(l.t1, q.at + 1800 * FAKE_S);
	CHECK_EQ_UINT(l.t2, q.at + 3150 * FAKE_S);
	CHECK_EQ_UINT(l.expiry, q.at + 3600 * FAKE_S);
	/* Now a ping is answered (once the stack has asked for the
	 * server's MAC). */
	net_input(n, b, fake_ipv4(b, &fake_mac_a, SERVER, OFFERED, 1, 4, 0, ping, sizeof ping));
	bool replied = false;
	while ((f = fake_pop(&link_))) {
		struct fake_ip_view v = fake_parse_ip(f);
		if (v.ok && v.proto == 1 && v.src == OFFERED && v.dst == SERVER && v.payload[0] == 0)
			replied = true;
		else
			sort_frame(f);
		free(f);
	}
	CHECK(replied);
	CHECK_EQ_UINT(st->dhcp_offers, 1);
	CHECK_EQ_UINT(st->dhcp_acks, 1);
	net_destroy(n);
}

static void test_renew_rebind_expire(void)
{
	new_stack();
	CHECK_EQ_INT(start(false), 0);
	uint64_t t_req = get_bound(3600);
	CHECK_EQ_UINT(events[DHCP_EV_BOUND], 1);
	/* Nothing until T1. */
	CHECK_EQ_UINT(run_to(t_req + 1800 * FAKE_S - 1), 0);
	/* T1: a unicast request to the server (its MAC asked by ARP),
	 * ciaddr set, no requested address nor server id, a new xid. */
	struct cmsg m = next_msg(now + FAKE_S);
	CHECK(m.ok && m.type == REQUEST);
	CHECK_EQ_UINT(m.at, t_req + 1800 * FAKE_S);
	CHECK_EQ_INT(dhcp_get_state(n), DHCP_RENEWING);
	CHECK_EQ_UINT(m.dst, SERVER);
	CHECK_EQ_UINT(m.src, OFFERED);
	CHECK(memcmp(m.eth_dst, fake_mac_peer.b, 6) == 0);
	CHECK_EQ_UINT(m.ciaddr, OFFERED);
	CHECK(!m.has_req && !m.has_server);
	CHECK_EQ_INT(m.secs, 0);
	CHECK(arp_answered >= 1);
	/* The ACK renews: the same address, new times from this request. */
	struct reply a = ack_for(&m, 3600);
	a.t1 = 1000;
	a.t2 = 2000;
	send_reply(&a);
	CHECK_EQ_INT(dhcp_get_state(n), DHCP_BOUND);
	CHECK_EQ_UINT(events[DHCP_EV_RENEWED], 1);
	CHECK_EQ_UINT(events[DHCP_EV_BOUND], 1);
	struct dhcp_lease l;
	CHECK(dhcp_get_lease(n, &l));
	CHECK_EQ_UINT(l.t1, m.at + 1000 * FAKE_S); /* options 58 and 59 */
	CHECK_EQ_UINT(l.t2, m.at + 2000 * FAKE_S);
	CHECK_EQ_UINT(l.expiry, m.at + 3600 * FAKE_S);

	/* Next T1 with a silent server: retransmissions after half the time
	 * left to T2 (1000 s: 500, 250, 125, 62.5 s, then at least 60 s, but
	 * never past T2), then T2: broadcast requests. In ms from base: */
	uint64_t base = m.at;
	static const uint64_t expect[] = { 1000000, 1500000, 1750000, 1875000, 1937500, 1997500, 2000000 };
	for (unsigned i = 0; i < 7; i++) {
		struct cmsg r = next_msg(now + 2000 * FAKE_S);
		CHECK(r.ok && r.type == REQUEST);
		CHECK_EQ_UINT(r.at - base, expect[i] * FAKE_MS);
		CHECK_EQ_UINT(r.dst, i < 6 ? SERVER : BCAST);
		CHECK_EQ_UINT(r.ciaddr, OFFERED);
	}
	CHECK_EQ_INT(dhcp_get_state(n), DHCP_REBINDING);
	/* REBINDING: 1600 s to expiry: 800, 400, 200, 100, 60, then expiry. */
	uint64_t reb[] = { 2800, 3200, 3400, 3500, 3560 };
	for (unsigned i = 0; i < 5; i++) {
		struct cmsg r = next_msg(now + 2000 * FAKE_S);
		CHECK(r.ok && r.type == REQUEST && r.dst == BCAST);
		CHECK_EQ_UINT(r.at - base, reb[i] * FAKE_S);
	}
	CHECK_EQ_UINT(net_addr(n), OFFERED);
	/* Expiry: the address goes and discovery starts over at once,
	 * asking for the old address. */
	struct cmsg d = next_msg(now + 2000 * FAKE_S);
	CHECK(d.ok && d.type == DISCOVER);
	CHECK_EQ_UINT(d.at - base, 3600 * FAKE_S);
	CHECK_EQ_UINT(net_addr(n), 0);
	CHECK_EQ_UINT(events[DHCP_EV_LOST], 1);
	CHECK(!dhcp_get_lease(n, &l));
	CHECK(d.has_req && d.req == OFFERED);
	CHECK_EQ_UINT(d.src, 0);
	CHECK_EQ_UINT(net_get_stats(n)->dhcp_lost, 1);

	/* A rebinding ACK from another server is taken (any server may). */
	struct reply o = offer_for(&d);
	send_reply(&o);
	struct cmsg q = next_msg(now);
	a = ack_for(&q, 600);
	send_reply(&a);
	CHECK_EQ_INT(dhcp_get_state(n), DHCP_BOUND);
	run_to(q.at + 525 * FAKE_S - 1); /* T2 at 525 s */
	struct cmsg r = next_msg(now + FAKE_S);
	CHECK(r.ok && r.dst == BCAST);
	CHECK_EQ_INT(dhcp_get_state(n), DHCP_REBINDING);
	a = ack_for(&r, 600);
	a.server = FAKE_IP(10, 0, 0, 3);
	send_reply(&a);
	CHECK_EQ_INT(dhcp_get_state(n), DHCP_BOUND);
	CHECK(dhcp_get_lease(n, &l) && l.server == FAKE_IP(10, 0, 0, 3));
	net_destroy(n);
}

static void test_nak(void)
{
	/* NAK while requesting: discovery again after a second. */
	new_stack();
	CHECK_EQ_INT(start(false), 0);
	struct cmsg m;
	struct cmsg q = requested(&m);
	struct reply k = { .type = NAK, .xid = q.xid, .prefix = -1, .server = SERVER, .dst = BCAST };
	send_reply(&k);
	CHECK_EQ_INT(dhcp_get_state(n), DHCP_INIT);
	CHECK_EQ_UINT(net_get_stats(n)->dhcp_naks, 1);
	struct cmsg d = next_msg(now + 5 * FAKE_S);
	CHECK(d.ok && d.type == DISCOVER);
	CHECK_EQ_UINT(d.at - q.at, FAKE_S);
	CHECK(d.xid != m.xid);
	net_destroy(n);

	/* NAK while renewing: the address is dropped at once. */
	new_stack();
	CHECK_EQ_INT(start(false), 0);
	uint64_t t = get_bound(100);
	run_to(t + 50 * FAKE_S - 1);
	q = next_msg(now + FAKE_S);
	CHECK(q.ok && q.type == REQUEST && q.dst == SERVER);
	k = (struct reply){ .type = NAK, .xid = q.xid, .prefix = -1, .server = SERVER, .dst = OFFERED };
	send_reply(&k);
	CHECK_EQ_UINT(net_addr(n), 0);
	CHECK_EQ_UINT(events[DHCP_EV_LOST], 1);
	CHECK_EQ_INT(dhcp_get_state(n), DHCP_INIT);
	net_destroy(n);

	/* No answer to four requests: back to discovery. */
	new_stack();
	CHECK_EQ_INT(start(false), 0);
	requested(NULL);
	unsigned nreq = 1;
	for (;;) {
		struct cmsg r = next_msg(now + 100 * FAKE_S);
		CHECK(r.ok);
		if (!r.ok || r.type == DISCOVER)
			break;
		nreq++;
	}
	CHECK_EQ_UINT(nreq, 4);
	net_destroy(n);
}

static void test_decline(void)
{
	new_stack();
	CHECK_EQ_INT(start(true), 0);
	struct cmsg q = requested(NULL);
	struct reply a = ack_for(&q, 3600);
	send_reply(&a);
	run_to(now + 100 * FAKE_MS);
	CHECK_EQ_UINT(probes, 1);
	/* Someone has the address: it answers the probe. */
	arp_from(2, &fake_mac_b, OFFERED, 0);
	CHECK_EQ_UINT(events[DHCP_EV_DECLINED], 1);
	CHECK_EQ_UINT(net_addr(n), 0);
	struct cmsg d = next_msg(now);
	CHECK(d.ok && d.type == DECLINE);
	CHECK_EQ_UINT(d.dst, BCAST);
	CHECK(d.has_req && d.req == OFFERED && d.has_server && d.server == SERVER);
	CHECK_EQ_UINT(d.ciaddr, 0);
	/* Discovery again no sooner than 10 s later, not asking for it. */
	uint64_t t_decl = now;
	struct cmsg r = next_msg(now + 20 * FAKE_S);
	CHECK(r.ok && r.type == DISCOVER);
	CHECK_EQ_UINT(r.at - t_decl, 10 * FAKE_S);
	CHECK(!r.has_req);
	CHECK_EQ_UINT(events[DHCP_EV_BOUND], 0);

	/* Another host probing for the same address at the same time is a
	 * conflict too (RFC 5227 2.1.1). */
	struct reply o = offer_for(&r);
	send_reply(&o);
	q = next_msg(now);
	a = ack_for(&q, 3600);
	send_reply(&a);
	run_to(now + 100 * FAKE_MS);
	arp_from(1, &fake_mac_b, 0, OFFERED);
	CHECK_EQ_UINT(events[DHCP_EV_DECLINED], 2);
	net_destroy(n);
}

static void test_options(void)
{
	/* Options in the file field (option 52), no mask (class A default),
	 * no router. */
	new_stack();
	CHECK_EQ_INT(start(false), 0);
	struct cmsg m = next_msg(now);
	struct reply o = offer_for(&m);
	o.overload = true;
	send_reply(&o);
	struct cmsg q = next_msg(now);
	CHECK(q.ok && q.type == REQUEST && q.has_server && q.server == SERVER);
	struct reply a = ack_for(&q, 7200);
	a.overload = true;
	a.prefix = -1;
	a.router = 0;
	send_reply(&a);
	CHECK_EQ_INT(dhcp_get_state(n), DHCP_BOUND);
	struct dhcp_lease l;
	CHECK(dhcp_get_lease(n, &l));
	CHECK_EQ_INT(l.prefix, 8);
	CHECK_EQ_UINT(l.gateway, 0);
	CHECK_EQ_UINT(l.lease_s, 7200);
	CHECK_EQ_UINT(ipv4_route(n, FAKE_IP(192, 0, 2, 1)), 0);
	net_destroy(n);

	/* An infinite lease: no timers, bound a year later. */
	new_stack();
	CHECK_EQ_INT(start(false), 0);
	get_bound(0xffffffffu);
	CHECK(dhcp_get_lease(n, &l));
	CHECK_EQ_UINT(l.t1, UINT64_MAX);
	CHECK_EQ_UINT(run_to(now + 365 * 24 * 3600 * FAKE_S), 0);
	CHECK_EQ_INT(dhcp_get_state(n), DHCP_BOUND);
	CHECK_EQ_UINT(net_addr(n), OFFERED);
	net_destroy(n);

	/* T1/T2 options that make no sense fall back to 0.5 / 0.875. */
	new_stack();
	CHECK_EQ_INT(start(false), 0);
	q = requested(NULL);
	a = ack_for(&q, 1000);
	a.t1 = 5000;
	a.t2 = 4000;
	send_reply(&a);
	CHECK(dhcp_get_lease(n, &l));
	CHECK_EQ_UINT(l.t1 - l.start, 500 * FAKE_S);
	CHECK_EQ_UINT(l.t2 - l.start, 875 * FAKE_S);
	net_destroy(n);
}

static void test_release_and_port(void)
{
	new_stack();
	struct udp_pcb *u;
	CHECK_EQ_INT(udp_bind(n, 0, 68, &u), 0);
	CHECK_EQ_INT(start(false), -EADDRINUSE);
	udp_close(u);
	CHECK_EQ_INT(start(false), 0);
	get_bound(3600);
	dhcp_stop(n, true);
	CHECK_EQ_INT(dhcp_get_state(n), DHCP_OFF);
	struct cmsg r = next_msg(now + FAKE_S);
	CHECK(r.ok && r.type == RELEASE);
	CHECK_EQ_UINT(r.dst, SERVER);
	CHECK_EQ_UINT(r.ciaddr, OFFERED);
	CHECK(r.has_server && r.server == SERVER);
	/* The address stays configured; port 68 is free again. */
	CHECK_EQ_UINT(net_addr(n), OFFERED);
	CHECK_EQ_INT(udp_bind(n, 0, 68, &u), 0);
	net_destroy(n);
}

/* ---- the stack device with dhcp on, in the real scheduler ---- */

/* A netif whose far end is a DHCP server that also answers ARP for its
 * address and refuses TCP: what the stack sends is parsed in send (which
 * must not call back into the stack) and the answers go in from a timer,
 * as a driver's would. */
struct srv_nic {
	netif_rx_fn rx;
	void *rx_arg;
	struct timer deliver;
	uint8_t q[8][700];
	size_t qlen[8];
	unsigned nq;
	bool answer;        /* off: a server that never answers */
	uint32_t lease, t1; /* what the ACKs grant */
	bool nak_renewals;
	unsigned naks, released;
};

static struct srv_nic sn;

static void srv_deliver(struct timer *t, void *arg)
{
	(void)t;
	(void)arg;
	for (unsigned i = 0; i < sn.nq; i++)
		if (sn.rx)
			sn.rx(sn.rx_arg, sn.q[i], sn.qlen[i]);
	sn.nq = 0;
}

static int srv_info(void *state, struct netif_info *out)
{
	(void)state;
	memset(out, 0, sizeof *out);
	out->mac = fake_mac_a;
	out->mtu = 1500;
	return 0;
}

static uint8_t *srv_slot(void)
{
	if (sn.nq == 8)
		return NULL;
	if (!timer_pending(&sn.deliver))
		timer_start(&sn.deliver, 0);
	return sn.q[sn.nq];
}

static void srv_dhcp(uint8_t type, uint32_t xid)
{
	uint8_t *frame = srv_slot();
	if (!frame)
		return;
	uint8_t udp[8 + 300];
	memset(udp, 0, sizeof udp);
	uint8_t *d = udp + 8;
	d[0] = 2;
	d[1] = 1;
	d[2] = 6;
	buf_store_be32(d + 4, xid);
	buf_store_be32(d + 16, type == NAK ? 0 : OFFERED);
	memcpy(d + 28, fake_mac_a.b, 6);
	buf_store_be32(d + 236, 0x63825363u);
	uint8_t *o = d + 240;
	size_t k = 0;
	o[k++] = 53;
	o[k++] = 1;
	o[k++] = type;
	k += put_opt32(o + k, 54, SERVER);
	if (type != NAK) {
		k += put_opt32(o + k, 1, 0xffffff00u);
		k += put_opt32(o + k, 51, sn.lease);
		k += put_opt32(o + k, 58, sn.t1);
	}
	o[k] = 255;
	buf_store_be16(udp, 67);
	buf_store_be16(udp + 2, 68);
	buf_store_be16(udp + 4, sizeof udp);
	uint16_t c = fake_l4_cksum(SERVER, BCAST, 17, udp, sizeof udp);
	buf_store_be16(udp + 6, c ? c : 0xffff);
	sn.qlen[sn.nq++] = fake_ipv4(frame, &fake_mac_a, SERVER, BCAST, 17, 1, 0, udp, sizeof udp);
}

static int srv_send(void *state, const struct io_vec *iov, unsigned niov)
{
	(void)state;
	struct fake_frame *f = malloc(sizeof *f + 2048);
	if (!f)
		return -ENOMEM;
	f->len = 0;
	for (unsigned i = 0; i < niov && f->len + iov[i].len <= 2048; i++) {
		memcpy(f->data + f->len, iov[i].base, iov[i].len);
		f->len += iov[i].len;
	}
	const uint8_t *a = f->data + 14;
	struct fake_tcp_view t = fake_parse_tcp(f);
	struct cmsg m = parse_client(f);
	uint8_t *slot;
	if (buf_load_be16(f->data + 12) == 0x0806 && buf_load_be16(a + 6) == 1 &&
	    buf_load_be32(a + 24) == SERVER && (slot = srv_slot())) {
		/* who-has the server: it answers */
		memset(slot, 0, 60);
		fake_eth(slot, &fake_mac_a, &fake_mac_peer, 0x0806);
		memcpy(slot + 14, a, 28);
		buf_store_be16(slot + 14 + 6, 2);
		memcpy(slot + 14 + 8, fake_mac_peer.b, 6);
		buf_store_be32(slot + 14 + 14, SERVER);
		memcpy(slot + 14 + 18, a + 8, 10);
		sn.qlen[sn.nq++] = 60;
	} else if (t.ok && (t.flags & TH_SYN) && (slot = srv_slot())) {
		/* nothing listens at the server (fake_tcp's buffer is too big
		 * for a fiber's stack) */
		uint8_t seg[20] = { 0 };
		buf_store_be16(seg, t.dport);
		buf_store_be16(seg + 2, t.sport);
		buf_store_be32(seg + 8, t.seq + 1);
		seg[12] = 5 << 4;
		seg[13] = TH_RST | TH_ACK;
		buf_store_be16(seg + 16, fake_l4_cksum(t.dst, t.src, 6, seg, sizeof seg));
		sn.qlen[sn.nq++] = fake_ipv4(slot, &fake_mac_a, t.dst, t.src, 6, 2, 0, seg, sizeof seg);
	} else if (m.ok && m.type == RELEASE) {
		sn.released++;
	} else if (m.ok && sn.answer && m.type == DISCOVER) {
		srv_dhcp(OFFER, m.xid);
	} else if (m.ok && sn.answer && m.type == REQUEST) {
		bool nak = m.ciaddr && sn.nak_renewals;
		sn.naks += nak;
		srv_dhcp(nak ? NAK : ACK, m.xid);
	}
	free(f);
	return 0;
}

static void srv_set_rx(void *state, netif_rx_fn fn, void *arg)
{
	(void)state;
	sn.rx = fn;
	sn.rx_arg = arg;
}

static const struct netif_ops srv_nic_ops = {
	.name = "dhcp-server",
	.version = NETIF_OPS_V1,
	.info = srv_info,
	.send = srv_send,
	.set_rx = srv_set_rx,
};

static struct netif srv_netif = { .name = "srv", .ops = &srv_nic_ops, .state = &sn };
static struct stack dev = { .name = "net" };
static struct stack_tcpip dev_state;

static uint64_t ms_from_now(uint64_t ms)
{
	return plat_monotonic_ns() + ms * FAKE_MS;
}

static void device_cases(void *arg)
{
	(void)arg;
	struct stack_tcpip_config cfg = { .ip = { { FAKE_IP(10, 0, 0, 2) }, 24 }, .dhcp = true,
	                                  .dhcp_timeout = 300 * FAKE_MS };
	/* No server: connect fails after dhcp_timeout. */
	sn.answer = false;
	uint64_t t0 = plat_monotonic_ns();
	CHECK_EQ_INT(stack_tcpip_connect(&dev, &dev_state, &cfg, &srv_netif), -ETIMEDOUT);
	uint64_t took = plat_monotonic_ns() - t0;
	CHECK(took >= 300 * FAKE_MS && took < 2 * FAKE_S);

	/* A server: connect returns bound (after the 500 ms probe), with a
	 * 3 s lease, T1 at 1 s; the server refuses the renewal. */
	sn.answer = true;
	sn.lease = 3;
	sn.t1 = 1;
	sn.nak_renewals = true;
	cfg.dhcp_timeout = 3000 * FAKE_MS;
	t0 = plat_monotonic_ns();
	CHECK_EQ_INT(stack_tcpip_connect(&dev, &dev_state, &cfg, &srv_netif), 0);
	took = plat_monotonic_ns() - t0;
	CHECK(took >= 500 * FAKE_MS && took < 1500 * FAKE_MS);
	struct net *nn = stack_tcpip_net(&dev_state);
	CHECK_EQ_UINT(net_addr(nn), OFFERED);
	for (unsigned i = 0; i < 60 && net_addr(nn) != 0; i++)
		fiber_sleep_ns(50 * FAKE_MS);
	CHECK_EQ_UINT(net_addr(nn), 0);
	CHECK_EQ_UINT(sn.naks, 1);
	sn.nak_renewals = false;
	/* Without an address, a TCP connect fails at its deadline... */
	struct stack_flow *fl;
	struct ip_endpoint peer = { { SERVER }, 80 };
	t0 = plat_monotonic_ns();
	CHECK_EQ_INT(stack_tcp_connect(&dev, &peer, &fl, ms_from_now(100)), -ENETUNREACH);
	took = plat_monotonic_ns() - t0;
	CHECK(took >= 100 * FAKE_MS && took < 500 * FAKE_MS);
	/* ... or, given longer, waits for the next lease (discovery a second
	 * after the NAK) and goes on: the server refuses the connection. */
	CHECK_EQ_INT(stack_tcp_connect(&dev, &peer, &fl, ms_from_now(3000)), -ECONNREFUSED);
	CHECK_EQ_UINT(net_addr(nn), OFFERED);
	/* Disconnect gives the address back. */
	stack_tcpip_disconnect(&dev_state);
	CHECK_EQ_UINT(sn.released, 1);
	CHECK_EQ_INT(stack_tcp_connect(&dev, &peer, &fl, ms_from_now(100)), -ENETDOWN);
}

static void test_device(void)
{
	timer_init(&sn.deliver, srv_deliver, NULL);
	struct fiber *f = fiber_spawn(device_cases, NULL, "dhcp-device", 0);
	CHECK(f != NULL);
	fiber_detach(f);
	CHECK_EQ_INT(sched_run(), 0);
}

int main(void)
{
	test_discover_fields_and_backoff();
	test_bind();
	test_renew_rebind_expire();
	test_nak();
	test_decline();
	test_options();
	test_release_and_port();
	test_device();
	return check_report();
}
