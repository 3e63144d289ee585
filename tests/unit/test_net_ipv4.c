/* IPv4 and ICMP of the net stack through the fake link: header validation
 * and options, reassembly (orders, duplicates, overlaps, timeouts, the
 * memory bound, oversize datagrams), fragmentation on send, routing, echo
 * replies for large fragmented pings, and ICMP errors with their rules and
 * rate limit. */
#include "check.h"
#include "net_fake.h"
#include "protocols/net/udp.h"

static uint64_t now;
static struct fake_link link_;

#define US FAKE_IP(10, 0, 0, 2)
#define PEER FAKE_IP(10, 0, 0, 1)

static struct net *make(const struct net_tunables *tun, uint32_t gw)
{
	fake_drain(&link_);
	now = 1000 * FAKE_S;
	struct net *n = fake_net(&link_, &now, &fake_mac_a, US, 24, gw, tun, 2);
	fake_arp_prime(n, &link_, &fake_mac_a, PEER, US);
	return n;
}

static size_t udp_dgram(uint8_t *seg, uint16_t sport, uint16_t dport, const void *data, size_t len,
                        uint32_t src, uint32_t dst)
{
	buf_store_be16(seg, sport);
	buf_store_be16(seg + 2, dport);
	buf_store_be16(seg + 4, (uint16_t)(8 + len));
	buf_store_be16(seg + 6, 0);
	memcpy(seg + 8, data, len);
	uint16_t c = fake_l4_cksum(src, dst, 17, seg, 8 + len);
	buf_store_be16(seg + 6, c ? c : 0xffff);
	return 8 + len;
}

static size_t echo_req(uint8_t *m, uint16_t id, uint16_t seq, size_t datalen)
{
	m[0] = 8;
	m[1] = 0;
	buf_store_be16(m + 2, 0);
	buf_store_be16(m + 4, id);
	buf_store_be16(m + 6, seq);
	for (size_t i = 0; i < datalen; i++)
		m[8 + i] = (uint8_t)(i * 7 + 3);
	buf_store_be16(m + 2, cksum(m, 8 + datalen));
	return 8 + datalen;
}

/* Send a datagram to the stack cut into fragments of frag bytes, in the
 * order given by idx (NULL: in order). */
static void send_fragments(struct net *n, uint8_t proto, uint16_t id, const uint8_t *p, size_t len,
                           size_t frag, const int *idx, int count)
{
	static uint8_t b[2048];
	int nf = (int)((len + frag - 1) / frag);
	for (int k = 0; k < (idx ? count : nf); k++) {
		int i = idx ? idx[k] : k;
		size_t off = (size_t)i * frag, fl = len - off < frag ? len - off : frag;
		uint16_t fr = (uint16_t)(off / 8) | (off + fl < len ? 0x2000 : 0);
		net_input(n, b, fake_ipv4(b, &fake_mac_a, PEER, US, proto, id, fr, p + off, fl));
	}
}

/* Collect what the stack sent as one datagram, reassembling its fragments. */
static size_t collect_datagram(uint8_t *out, size_t cap, uint8_t *proto, int *nfrags)
{
	size_t total = 0, got = 0;
	*nfrags = 0;
	struct fake_frame *f;
	while ((f = fake_pop(&link_))) {
		struct fake_ip_view ip = fake_parse_ip(f);
		if (ip.ok) {
			size_t off = (size_t)(ip.frag & 0x1fff) * 8;
			if (off + ip.plen <= cap) {
				memcpy(out + off, ip.payload, ip.plen);
				got += ip.plen;
			}
			if (!(ip.frag & 0x2000))
				total = off + ip.plen;
			*proto = ip.proto;
			(*nfrags)++;
		}
		free(f);
	}
	return got == total ? total : 0;
}

static void test_validation(void)
{
	struct net *n = make(NULL, 0);
	const struct net_stats *st = net_get_stats(n);
	uint8_t b[256], seg[64];
	struct udp_pcb *u;
	char buf[64];

	CHECK_EQ_INT(udp_bind(n, 0, 9, &u), 0);
	size_t sl = udp_dgram(seg, 1234, 9, "ok", 2, PEER, US);
	size_t fl = fake_ipv4(b, &fake_mac_a, PEER, US, 17, 1, 0, seg, sl);

	b[14] = 0x65; /* version 6 */
	net_input(n, b, fl);
	CHECK_EQ_UINT(st->ip_bad_header, 1);
	b[14] = 0x44; /* IHL 4 */
	net_input(n, b, fl);
	CHECK_EQ_UINT(st->ip_bad_len, 1);
	b[14] = 0x45;
	b[24] ^= 0xff; /* header checksum */
	net_input(n, b, fl);
	CHECK_EQ_UINT(st->ip_bad_cksum, 1);
	b[24] ^= 0xff;
	net_input(n, b, fl - 1); /* total length beyond the frame */
	CHECK_EQ_UINT(st->ip_bad_len, 2);
	CHECK_EQ_INT(udp_recvfrom(u, buf, sizeof buf, NULL, NULL), -EAGAIN);

	/* Ethernet padding after the datagram is ignored. */
	memset(b + fl, 0xee, 20);
	net_input(n, b, fl + 20);
	CHECK_EQ_INT(udp_recvfrom(u, buf, sizeof buf, NULL, NULL), 2);

	/* Options are skipped: IHL 6 with four NOPs. */
	uint8_t *h = b + 14;
	memmove(h + 24, h + 20, sl);
	memset(h + 20, 1, 4);
	h[0] = 0x46;
	buf_store_be16(h + 2, (uint16_t)(24 + sl));
	buf_store_be16(h + 10, 0);
	buf_store_be16(h + 10, cksum(h, 24));
	net_input(n, b, 14 + 24 + sl);
	CHECK_EQ_INT(udp_recvfrom(u, buf, sizeof buf, NULL, NULL), 2);
	CHECK(memcmp(buf, "ok", 2) == 0);

	/* Not for us; martian sources. */
	fl = fake_ipv4(b, &fake_mac_a, PEER, FAKE_IP(10, 0, 0, 3), 17, 1, 0, seg, sl);
	net_input(n, b, fl);
	CHECK_EQ_UINT(st->ip_not_us, 1);
	uint64_t bad = st->ip_bad_header;
	fl = fake_ipv4(b, &fake_mac_a, FAKE_IP(224, 0, 0, 1), US, 17, 1, 0, seg, sl);
	net_input(n, b, fl);
	fl = fake_ipv4(b, &fake_mac_a, FAKE_IP(10, 0, 0, 255), US, 17, 1, 0, seg, sl);
	net_input(n, b, fl);
	CHECK_EQ_UINT(st->ip_bad_header, bad + 2);
	CHECK_EQ_INT(udp_recvfrom(u, buf, sizeof buf, NULL, NULL), -EAGAIN);

	/* A broadcast to the subnet reaches a wildcard-bound socket. */
	sl = udp_dgram(seg, 1234, 9, "bc", 2, PEER, FAKE_IP(10, 0, 0, 255));
	fl = fake_ipv4(b, &net_bcast_mac, PEER, FAKE_IP(10, 0, 0, 255), 17, 1, 0, seg, sl);
	net_input(n, b, fl);
	CHECK_EQ_INT(udp_recvfrom(u, buf, sizeof buf, NULL, NULL), 2);

	/* An unknown protocol earns a protocol unreachable. */
	fake_drain(&link_);
	fl = fake_ipv4(b, &fake_mac_a, PEER, US, 99, 1, 0, "zz", 2);
	net_input(n, b, fl);
	CHECK_EQ_UINT(st->ip_unknown_proto, 1);
	struct fake_frame *f = fake_pop(&link_);
	struct fake_ip_view ip = f ? fake_parse_ip(f) : (struct fake_ip_view){ 0 };
	CHECK(ip.ok && ip.proto == 1 && ip.payload[0] == 3 && ip.payload[1] == 2);
	free(f);
	udp_close(u);
	net_destroy(n);
}

static void test_reassembly_orders(void)
{
	struct net *n = make(NULL, 0);
	const struct net_stats *st = net_get_stats(n);
	static uint8_t data[3000], seg[3100], buf[4000];
	struct udp_pcb *u;

	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (uint8_t)(i ^ (i >> 8));
	CHECK_EQ_INT(udp_bind(n, 0, 9, &u), 0);
	size_t sl = udp_dgram(seg, 1, 9, data, sizeof data, PEER, US);

	send_fragments(n, 17, 100, seg, sl, 1000, NULL, 0);
	CHECK_EQ_INT(udp_recvfrom(u, buf, sizeof buf, NULL, NULL), 3000);
	CHECK(memcmp(buf, data, 3000) == 0);

	int rev[] = { 3, 2, 1, 0 };
	send_fragments(n, 17, 101, seg, sl, 800, rev, 4);
	CHECK_EQ_INT(udp_recvfrom(u, buf, sizeof buf, NULL, NULL), 3000);
	CHECK(memcmp(buf, data, 3000) == 0);

	int dups[] = { 0, 2, 2, 0, 1, 3, 3 };
	send_fragments(n, 17, 102, seg, sl, 800, dups, 7);
	CHECK_EQ_INT(udp_recvfrom(u, buf, sizeof buf, NULL, NULL), 3000);
	CHECK(memcmp(buf, data, 3000) == 0);
	CHECK_EQ_INT(udp_recvfrom(u, buf, sizeof buf, NULL, NULL), -EAGAIN);
	CHECK_EQ_UINT(st->ip_reassembled, 3);

	/* A fragment inside what has come already (straddling two) adds
	 * nothing and harms nothing. */
	static uint8_t b[2048];
	send_fragments(n, 17, 107, seg, sl, 800, (int[]){ 0, 1 }, 2);
	net_input(n, b, fake_ipv4(b, &fake_mac_a, PEER, US, 17, 107, (400 / 8) | 0x2000, seg + 400, 800));
	send_fragments(n, 17, 107, seg, sl, 800, (int[]){ 2, 3 }, 2);
	CHECK_EQ_INT(udp_recvfrom(u, buf, sizeof buf, NULL, NULL), 3000);
	CHECK(memcmp(buf, data, 3000) == 0);

	/* A partial overlap (half old, half new bytes) kills the datagram;
	 * the rest of it then starts a fresh one that never completes. */
	uint64_t drops = st->ip_reass_drops;
	send_fragments(n, 17, 103, seg, sl, 800, (int[]){ 0 }, 1); /* [0,800) */
	net_input(n, b, fake_ipv4(b, &fake_mac_a, PEER, US, 17, 103, (400 / 8) | 0x2000, seg + 400, 800));
	CHECK_EQ_UINT(st->ip_reass_drops, drops + 1);
	int rest[] = { 1, 2, 3 };
	send_fragments(n, 17, 103, seg, sl, 800, rest, 3);
	CHECK_EQ_INT(udp_recvfrom(u, buf, sizeof buf, NULL, NULL), -EAGAIN);

	/* A fragment that would end past 65535 bytes is refused. */
	drops = st->ip_reass_drops;
	net_input(n, b, fake_ipv4(b, &fake_mac_a, PEER, US, 17, 104, 8190, seg, 1000));
	CHECK_EQ_UINT(st->ip_reass_drops, drops + 1);
	/* A non-final fragment must carry a multiple of 8 bytes. */
	net_input(n, b, fake_ipv4(b, &fake_mac_a, PEER, US, 17, 105, 0x2000, seg, 1001));
	CHECK_EQ_UINT(st->ip_reass_drops, drops + 2);
	/* A last fragment contradicting the known length. */
	send_fragments(n, 17, 106, seg, sl, 1000, (int[]){ 2 }, 1);
	net_input(n, b, fake_ipv4(b, &fake_mac_a, PEER, US, 17, 106, 1000 / 8, seg + 1000, 504));
	CHECK_EQ_UINT(st->ip_reass_drops, drops + 3);
	udp_close(u);
	net_destroy(n);
}

static void test_reassembly_timeout(void)
{
	struct net *n = make(NULL, 0);
	const struct net_stats *st = net_get_stats(n);
	static uint8_t data[3000], seg[3100];
	struct udp_pcb *u;

	CHECK_EQ_INT(udp_bind(n, 0, 9, &u), 0);
	size_t sl = udp_dgram(seg, 1, 9, data, sizeof data, PEER, US);
	int some[] = { 0, 2, 3 };
	send_fragments(n, 17, 200, seg, sl, 800, some, 3);
	fake_drain(&link_);
	CHECK_EQ_UINT(net_next_deadline(n), now + 30 * FAKE_S);
	now += 30 * FAKE_S;
	net_run_timers(n);
	CHECK_EQ_UINT(st->ip_reass_timeouts, 1);
	struct fake_frame *f = fake_pop(&link_);
	struct fake_ip_view ip = f ? fake_parse_ip(f) : (struct fake_ip_view){ 0 };
	CHECK(ip.ok && ip.proto == 1 && ip.dst == PEER);
	CHECK(ip.ok && ip.payload[0] == 11 && ip.payload[1] == 1);
	/* It quotes the first fragment's header and 8 bytes. */
	CHECK(ip.ok && ip.plen == 8 + 20 + 8 && buf_load_be16(ip.payload + 8 + 4) == 200);
	free(f);
	/* Nothing of it is left: the missing piece alone does not complete. */
	send_fragments(n, 17, 200, seg, sl, 800, (int[]){ 1 }, 1);
	char buf[16];
	CHECK_EQ_INT(udp_recvfrom(u, buf, sizeof buf, NULL, NULL), -EAGAIN);
	/* No time-exceeded when the first fragment never came. */
	fake_drain(&link_);
	now += 31 * FAKE_S;
	net_run_timers(n);
	CHECK_EQ_UINT(st->ip_reass_timeouts, 2);
	CHECK(link_.count == 0);
	udp_close(u);
	net_destroy(n);
}

static void test_reassembly_memory_bound(void)
{
	struct net_tunables t;
	memset(&t, 0, sizeof t);
	t.reass_mem = 48 * 1024;
	t.reass_max = 8;
	struct net *n = make(&t, 0);
	static uint8_t data[20000], seg[20100], buf[21000];
	struct udp_pcb *u;

	CHECK_EQ_INT(udp_bind(n, 0, 9, &u), 0);
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (uint8_t)(i * 13);
	size_t sl = udp_dgram(seg, 1, 9, data, sizeof data, PEER, US);
	/* 40 datagrams, each missing its last fragment: memory and count
	 * stay bounded all along. */
	int nf = (int)((sl + 1399) / 1400);
	int all_but_last[32];
	for (int i = 0; i < nf - 1; i++)
		all_but_last[i] = i;
	uint32_t peak_mem = 0, peak_count = 0;
	for (int d = 0; d < 40; d++) {
		send_fragments(n, 17, (uint16_t)(300 + d), seg, sl, 1400, all_but_last, nf - 1);
		if (n->reass_mem > peak_mem)
			peak_mem = n->reass_mem;
		if (n->reass_count > peak_count)
			peak_count = n->reass_count;
	}
	CHECK(peak_mem <= t.reass_mem);
	CHECK(peak_count <= t.reass_max);
	CHECK(net_get_stats(n)->ip_reass_drops >= 30);
	/* The newest one is still there and completes. */
	send_fragments(n, 17, 339, seg, sl, 1400, (int[]){ nf - 1 }, 1);
	CHECK_EQ_INT(udp_recvfrom(u, buf, sizeof buf, NULL, NULL), 20000);
	CHECK(memcmp(buf, data, 20000) == 0);
	udp_close(u);
	net_destroy(n);
	CHECK(1);
}

static void test_big_ping_and_fragmented_send(void)
{
	struct net *n = make(NULL, 0);
	static uint8_t req[8100], out[70000];
	uint8_t proto;
	int nfrag;

	size_t ml = echo_req(req, 0x1234, 7, 8000);
	send_fragments(n, 1, 400, req, ml, 1480, NULL, 0);
	size_t got = collect_datagram(out, sizeof out, &proto, &nfrag);
	CHECK_EQ_INT(got, 8008);
	CHECK_EQ_INT(proto, 1);
	CHECK_EQ_INT(nfrag, 6);
	CHECK_EQ_INT(out[0], 0);
	CHECK_EQ_INT(buf_load_be16(out + 4), 0x1234);
	CHECK_EQ_INT(buf_load_be16(out + 6), 7);
	CHECK_EQ_INT(cksum(out, got), 0);
	CHECK(memcmp(out + 8, req + 8, 8000) == 0);

	/* A plain small ping; a broadcast one is ignored; a corrupt one
	 * counted. */
	ml = echo_req(req, 1, 1, 56);
	send_fragments(n, 1, 401, req, ml, 1480, NULL, 0);
	CHECK_EQ_INT(collect_datagram(out, sizeof out, &proto, &nfrag), 64);
	static uint8_t b[2048];
	net_input(n, b, fake_ipv4(b, &net_bcast_mac, PEER, 0xffffffffu, 1, 402, 0, req, ml));
	CHECK_EQ_INT(link_.count, 0);
	req[20] ^= 1;
	send_fragments(n, 1, 403, req, ml, 1480, NULL, 0);
	CHECK_EQ_INT(link_.count, 0);
	CHECK_EQ_UINT(net_get_stats(n)->icmp_bad, 1);

	/* The largest UDP datagram goes out in fragments that rebuild it. */
	struct udp_pcb *u;
	static uint8_t big[65507];
	for (size_t i = 0; i < sizeof big; i++)
		big[i] = (uint8_t)(i * 31 + 1);
	CHECK_EQ_INT(udp_bind(n, 0, 4000, &u), 0);
	CHECK_EQ_INT(udp_sendto(u, big, sizeof big, PEER, 9), 65507);
	got = collect_datagram(out, sizeof out, &proto, &nfrag);
	CHECK_EQ_INT(got, 65515);
	CHECK_EQ_INT(nfrag, 45);
	CHECK(memcmp(out + 8, big, sizeof big) == 0);
	CHECK_EQ_INT(fake_l4_cksum(US, PEER, 17, out, got), 0);
	CHECK_EQ_INT(udp_sendto(u, big, sizeof big + 1, PEER, 9), -EMSGSIZE);
	udp_close(u);
	net_destroy(n);
}

static void test_routing(void)
{
	struct net *n = make(NULL, 0);
	struct udp_pcb *u;
	CHECK_EQ_INT(udp_bind(n, 0, 4000, &u), 0);
	CHECK_EQ_INT(udp_sendto(u, "x", 1, FAKE_IP(192, 0, 2, 1), 9), -ENETUNREACH);
	CHECK_EQ_INT(udp_sendto(u, "x", 1, FAKE_IP(224, 0, 0, 5), 9), -ENETUNREACH);
	CHECK_EQ_INT(udp_sendto(u, "x", 1, 0xffffffffu, 67), 1);
	struct fake_frame *f = fake_pop(&link_);
	CHECK(f && memcmp(f->data, net_bcast_mac.b, 6) == 0);
	free(f);
	CHECK_EQ_INT(udp_sendto(u, "x", 1, FAKE_IP(10, 0, 0, 255), 67), 1);
	f = fake_pop(&link_);
	CHECK(f && memcmp(f->data, net_bcast_mac.b, 6) == 0);
	free(f);
	udp_close(u);
	net_destroy(n);
}

static void test_icmp_errors(void)
{
	struct net_tunables t;
	memset(&t, 0, sizeof t);
	t.icmp_rate = 10;
	t.icmp_burst = 5;
	struct net *n = make(&t, 0);
	const struct net_stats *st = net_get_stats(n);
	uint8_t seg[64];
	static uint8_t b[256];

	size_t sl = udp_dgram(seg, 5555, 7777, "closed", 6, PEER, US);
	size_t fl = fake_ipv4(b, &fake_mac_a, PEER, US, 17, 77, 0, seg, sl);
	net_input(n, b, fl);
	struct fake_frame *f = fake_pop(&link_);
	struct fake_ip_view ip = f ? fake_parse_ip(f) : (struct fake_ip_view){ 0 };
	CHECK(ip.ok && ip.proto == 1 && ip.dst == PEER && ip.src == US);
	CHECK(ip.ok && ip.payload[0] == 3 && ip.payload[1] == 3);
	CHECK(ip.ok && cksum(ip.payload, ip.plen) == 0);
	/* The whole offending datagram is quoted (it is small). */
	CHECK(ip.ok && ip.plen == 8 + 20 + sl && memcmp(ip.payload + 8, b + 14, 20 + sl) == 0);
	free(f);

	/* Rate limit: a burst of 5, then 10 per second. */
	for (int i = 0; i < 20; i++)
		net_input(n, b, fl);
	CHECK_EQ_INT(link_.count, 4);
	fake_drain(&link_);
	now += FAKE_S;
	for (int i = 0; i < 20; i++)
		net_input(n, b, fl);
	CHECK_EQ_INT(link_.count, 5);
	fake_drain(&link_);
	CHECK(st->icmp_rate_limited >= 30);

	/* Never about broadcasts, nor about ICMP errors. */
	now += 10 * FAKE_S;
	sl = udp_dgram(seg, 5555, 7777, "closed", 6, PEER, 0xffffffffu);
	net_input(n, b, fake_ipv4(b, &net_bcast_mac, PEER, 0xffffffffu, 17, 78, 0, seg, sl));
	uint8_t err[36];
	memset(err, 0, sizeof err);
	err[0] = 3;
	err[1] = 1;
	memcpy(err + 8, b + 14, 28);
	buf_store_be16(err + 2, cksum(err, sizeof err));
	net_input(n, b, fake_ipv4(b, &fake_mac_a, PEER, US, 1, 79, 0, err, sizeof err));
	CHECK_EQ_INT(link_.count, 0);
	net_destroy(n);
}

int main(void)
{
	test_validation();
	test_reassembly_orders();
	test_reassembly_timeout();
	test_reassembly_memory_bound();
	test_big_ping_and_fragmented_send();
	test_routing();
	test_icmp_errors();
	fake_drain(&link_);
	return check_report();
}
