/* Ethernet and ARP of the net stack through the fake link: ethertype
 * dispatch and drops, gratuitous ARP, replies, learning rules, the queue of
 * frames waiting for resolution (and its bound), retries, expiry and
 * replacement in a full cache. */
#include "check.h"
#include "net_fake.h"
#include "protocols/net/udp.h"

static uint64_t now;
static struct fake_link link_;

#define US FAKE_IP(10, 0, 0, 2)
#define PEER FAKE_IP(10, 0, 0, 1)

static size_t arp_frame(uint8_t *b, uint16_t op, const struct mac_addr *dst, const struct mac_addr *sha,
                        uint32_t spa, uint32_t tpa)
{
	memset(b, 0, 60);
	fake_eth(b, dst, sha, 0x0806);
	uint8_t *a = b + 14;
	buf_store_be16(a, 1);
	buf_store_be16(a + 2, 0x0800);
	a[4] = 6;
	a[5] = 4;
	buf_store_be16(a + 6, op);
	memcpy(a + 8, sha->b, 6);
	buf_store_be32(a + 14, spa);
	buf_store_be32(a + 24, tpa);
	return 60;
}

struct arp_view {
	bool ok;
	uint16_t op;
	uint8_t dst[6], sha[6], tha[6];
	uint32_t spa, tpa;
};

static struct arp_view parse_arp(const struct fake_frame *f)
{
	struct arp_view v;
	memset(&v, 0, sizeof v);
	if (!f || f->len < 42 || buf_load_be16(f->data + 12) != 0x0806)
		return v;
	const uint8_t *a = f->data + 14;
	v.ok = true;
	memcpy(v.dst, f->data, 6);
	v.op = buf_load_be16(a + 6);
	memcpy(v.sha, a + 8, 6);
	v.spa = buf_load_be32(a + 14);
	memcpy(v.tha, a + 18, 6);
	v.tpa = buf_load_be32(a + 24);
	return v;
}

static struct net *make(const struct net_tunables *tun)
{
	fake_drain(&link_);
	now = 1000 * FAKE_S;
	return fake_net(&link_, &now, &fake_mac_a, US, 24, FAKE_IP(10, 0, 0, 254), tun, 1);
}

static void test_gratuitous_and_reply(void)
{
	struct net *n = make(NULL);
	uint8_t b[64];

	net_up(n);
	struct fake_frame *f = fake_pop(&link_);
	struct arp_view v = parse_arp(f);
	CHECK(v.ok);
	CHECK_EQ_INT(v.op, 1);
	CHECK_EQ_MEM(v.dst, net_bcast_mac.b, 6);
	CHECK_EQ_UINT(v.spa, US);
	CHECK_EQ_UINT(v.tpa, US);
	CHECK_EQ_INT(f->len, 60); /* padded to the Ethernet minimum */
	free(f);

	/* A request for us gets a unicast reply with our MAC. */
	net_input(n, b, arp_frame(b, 1, &net_bcast_mac, &fake_mac_peer, PEER, US));
	f = fake_pop(&link_);
	v = parse_arp(f);
	CHECK(v.ok);
	CHECK_EQ_INT(v.op, 2);
	CHECK_EQ_MEM(v.dst, fake_mac_peer.b, 6);
	CHECK_EQ_MEM(v.sha, fake_mac_a.b, 6);
	CHECK_EQ_MEM(v.tha, fake_mac_peer.b, 6);
	CHECK_EQ_UINT(v.spa, US);
	CHECK_EQ_UINT(v.tpa, PEER);
	free(f);
	CHECK(fake_pop(&link_) == NULL);

	/* ... and the requester was learned: a datagram goes out at once. */
	struct udp_pcb *u;
	CHECK_EQ_INT(udp_bind(n, 0, 5000, &u), 0);
	CHECK_EQ_INT(udp_sendto(u, "hi", 2, PEER, 7), 2);
	f = fake_pop(&link_);
	CHECK(f && buf_load_be16(f->data + 12) == 0x0800);
	CHECK(f && memcmp(f->data, fake_mac_peer.b, 6) == 0);
	free(f);

	/* A request for another host: no reply, nothing learned. */
	struct mac_addr other = { { 0x02, 0, 0, 0, 0, 0x55 } };
	net_input(n, b, arp_frame(b, 1, &net_bcast_mac, &other, FAKE_IP(10, 0, 0, 55), FAKE_IP(10, 0, 0, 77)));
	CHECK(fake_pop(&link_) == NULL);
	CHECK_EQ_INT(udp_sendto(u, "hi", 2, FAKE_IP(10, 0, 0, 55), 7), 2);
	f = fake_pop(&link_);
	v = parse_arp(f);
	CHECK(v.ok && v.op == 1 && v.tpa == FAKE_IP(10, 0, 0, 55));
	free(f);
	udp_close(u);
	net_destroy(n);
}

static void test_queue_and_resolution(void)
{
	struct net *n = make(NULL);
	struct udp_pcb *u;
	uint8_t b[64];

	CHECK_EQ_INT(udp_bind(n, 0, 5000, &u), 0);
	for (int i = 0; i < 20; i++) {
		char msg[8];
		snprintf(msg, sizeof msg, "m%02d", i);
		CHECK_EQ_INT(udp_sendto(u, msg, 3, PEER, 7), 3);
	}
	/* One request only; 8 frames wait, the 12 oldest were pushed out. */
	CHECK_EQ_INT(link_.count, 1);
	struct fake_frame *f = fake_pop(&link_);
	CHECK(parse_arp(f).op == 1);
	free(f);
	const struct net_stats *st = net_get_stats(n);
	CHECK_EQ_UINT(st->arp_queue_drops, 12);

	/* Off-subnet destinations resolve the gateway instead. */
	CHECK_EQ_INT(udp_sendto(u, "gw", 2, FAKE_IP(192, 0, 2, 1), 7), 2);
	f = fake_pop(&link_);
	CHECK_EQ_UINT(parse_arp(f).tpa, FAKE_IP(10, 0, 0, 254));
	free(f);

	net_input(n, b, arp_frame(b, 2, &fake_mac_a, &fake_mac_peer, PEER, US));
	CHECK_EQ_INT(link_.count, 8);
	for (int i = 12; i < 20; i++) {
		f = fake_pop(&link_);
		struct fake_ip_view ip = fake_parse_ip(f);
		CHECK(ip.ok && ip.proto == 17 && ip.dst == PEER);
		CHECK(memcmp(f->data, fake_mac_peer.b, 6) == 0);
		char msg[8];
		snprintf(msg, sizeof msg, "m%02d", i);
		CHECK(ip.plen == 11 && memcmp(ip.payload + 8, msg, 3) == 0);
		free(f);
	}
	udp_close(u);
	net_destroy(n);
}

static void test_retries_and_expiry(void)
{
	struct net_tunables t;
	memset(&t, 0, sizeof t);
	t.arp_timeout = 60 * FAKE_S;
	struct net *n = make(&t);
	struct udp_pcb *u;
	uint8_t b[64];

	CHECK_EQ_INT(udp_bind(n, 0, 5000, &u), 0);
	CHECK_EQ_INT(udp_sendto(u, "x", 1, PEER, 7), 1);
	uint64_t t0 = now;
	int requests = 0;
	while (net_next_deadline(n) != UINT64_MAX && now < t0 + 10 * FAKE_S) {
		requests += (int)link_.count;
		fake_drain(&link_);
		now = net_next_deadline(n);
		net_run_timers(n);
	}
	requests += (int)link_.count;
	fake_drain(&link_);
	CHECK_EQ_INT(requests, 3);                   /* at 0, 1 s and 2 s */
	CHECK_EQ_UINT(now - t0, 3 * FAKE_S);          /* given up at 3 s */
	CHECK_EQ_UINT(net_get_stats(n)->arp_unresolved, 1);
	CHECK_EQ_UINT(net_get_stats(n)->arp_queue_drops, 1);

	/* Resolve, then let the entry expire: the next send asks again. */
	net_input(n, b, arp_frame(b, 2, &fake_mac_a, &fake_mac_peer, PEER, US));
	CHECK_EQ_INT(udp_sendto(u, "x", 1, PEER, 7), 1);
	struct fake_frame *f = fake_pop(&link_);
	CHECK(f && buf_load_be16(f->data + 12) == 0x0800);
	free(f);
	/* In its last eighth of life, a use also asks again, unicast. */
	now += 53 * FAKE_S;
	net_run_timers(n);
	CHECK_EQ_INT(udp_sendto(u, "x", 1, PEER, 7), 1);
	CHECK_EQ_INT(udp_sendto(u, "x", 1, PEER, 7), 1);
	CHECK_EQ_INT(link_.count, 3); /* one refresh for two uses */
	f = fake_pop(&link_);
	CHECK(parse_arp(f).op == 1 && memcmp(f->data, fake_mac_peer.b, 6) == 0);
	free(f);
	fake_drain(&link_);
	now += 5 * FAKE_S;
	net_run_timers(n);
	CHECK_EQ_INT(udp_sendto(u, "x", 1, PEER, 7), 1);
	f = fake_pop(&link_);
	CHECK(parse_arp(f).op == 1); /* another refresh, a second or more later */
	free(f);
	f = fake_pop(&link_);
	CHECK(f && buf_load_be16(f->data + 12) == 0x0800);
	free(f);
	now += 2 * FAKE_S;
	net_run_timers(n);
	CHECK_EQ_INT(udp_sendto(u, "x", 1, PEER, 7), 1);
	f = fake_pop(&link_);
	CHECK(parse_arp(f).op == 1);
	free(f);
	udp_close(u);
	net_destroy(n);
}

static void test_replacement(void)
{
	struct net_tunables t;
	memset(&t, 0, sizeof t);
	t.arp_entries = 4;
	struct net *n = make(&t);
	struct udp_pcb *u;
	uint8_t b[64];

	CHECK_EQ_INT(udp_bind(n, 0, 5000, &u), 0);
	for (int i = 1; i <= 4; i++) {
		struct mac_addr m = { { 0x02, 0, 0, 0, 1, (uint8_t)i } };
		net_input(n, b, arp_frame(b, 1, &net_bcast_mac, &m, FAKE_IP(10, 0, 0, 10 + i), US));
		now += FAKE_S;
	}
	fake_drain(&link_);
	/* Use .11 so that .12 is the least recently used. */
	CHECK_EQ_INT(udp_sendto(u, "x", 1, FAKE_IP(10, 0, 0, 11), 7), 1);
	CHECK(buf_load_be16(link_.head->data + 12) == 0x0800);
	fake_drain(&link_);
	struct mac_addr m5 = { { 0x02, 0, 0, 0, 1, 5 } };
	net_input(n, b, arp_frame(b, 1, &net_bcast_mac, &m5, FAKE_IP(10, 0, 0, 15), US));
	fake_drain(&link_);
	CHECK_EQ_INT(udp_sendto(u, "x", 1, FAKE_IP(10, 0, 0, 11), 7), 1);
	CHECK(buf_load_be16(link_.head->data + 12) == 0x0800);
	fake_drain(&link_);
	CHECK_EQ_INT(udp_sendto(u, "x", 1, FAKE_IP(10, 0, 0, 15), 7), 1);
	CHECK(buf_load_be16(link_.head->data + 12) == 0x0800);
	fake_drain(&link_);
	CHECK_EQ_INT(udp_sendto(u, "x", 1, FAKE_IP(10, 0, 0, 12), 7), 1);
	CHECK(parse_arp(link_.head).op == 1); /* evicted */
	fake_drain(&link_);
	udp_close(u);
	net_destroy(n);
}

static void test_ethernet_drops(void)
{
	struct net *n = make(NULL);
	uint8_t b[64];
	const struct net_stats *st = net_get_stats(n);

	memset(b, 0, sizeof b);
	fake_eth(b, &fake_mac_a, &fake_mac_peer, 0x86dd); /* IPv6: not spoken */
	net_input(n, b, 60);
	CHECK_EQ_UINT(st->eth_unknown_type, 1);
	fake_eth(b, &fake_mac_b, &fake_mac_peer, 0x0800); /* someone else's */
	net_input(n, b, 60);
	CHECK_EQ_UINT(st->eth_not_us, 1);
	net_input(n, b, 10);
	CHECK_EQ_UINT(st->eth_short, 1);
	/* Malformed ARP: truncated, wrong hardware type, bogus opcode. */
	arp_frame(b, 1, &net_bcast_mac, &fake_mac_peer, PEER, US);
	net_input(n, b, 30);
	buf_store_be16(b + 14, 6);
	net_input(n, b, 60);
	arp_frame(b, 9, &net_bcast_mac, &fake_mac_peer, PEER, US);
	net_input(n, b, 60);
	CHECK_EQ_UINT(st->arp_bad, 3);
	/* A sender claiming a broadcast MAC is not learned, nor answered. */
	arp_frame(b, 1, &net_bcast_mac, &net_bcast_mac, PEER, US);
	net_input(n, b, 60);
	CHECK(fake_pop(&link_) == NULL);
	net_destroy(n);
}

int main(void)
{
	test_gratuitous_and_reply();
	test_queue_and_resolution();
	test_retries_and_expiry();
	test_replacement();
	test_ethernet_drops();
	fake_drain(&link_);
	return check_report();
}
