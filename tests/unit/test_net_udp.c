/* UDP of the net stack through the fake link: binding rules, checksums
 * both ways, length checks, the bounded receive queue, truncation and the
 * readiness upcall. */
#include "check.h"
#include "net_fake.h"
#include "protocols/net/udp.h"

static uint64_t now;
static struct fake_link link_;
static unsigned events;

#define US FAKE_IP(10, 0, 0, 2)
#define PEER FAKE_IP(10, 0, 0, 1)

static void upcall(void *ctx, unsigned ev)
{
	(void)ctx;
	events |= ev;
}

static size_t dgram_frame(uint8_t *b, uint16_t sport, uint16_t dport, const void *data, size_t len,
                          bool with_cksum)
{
	uint8_t seg[2000];
	buf_store_be16(seg, sport);
	buf_store_be16(seg + 2, dport);
	buf_store_be16(seg + 4, (uint16_t)(8 + len));
	buf_store_be16(seg + 6, 0);
	memcpy(seg + 8, data, len);
	if (with_cksum) {
		uint16_t c = fake_l4_cksum(PEER, US, 17, seg, 8 + len);
		buf_store_be16(seg + 6, c ? c : 0xffff);
	}
	return fake_ipv4(b, &fake_mac_a, PEER, US, 17, 1, 0, seg, 8 + len);
}

int main(void)
{
	now = 5 * FAKE_S;
	struct net_tunables t;
	memset(&t, 0, sizeof t);
	t.udp_rcvq = 1000;
	struct net *n = fake_net(&link_, &now, &fake_mac_a, US, 24, 0, &t, 3);
	fake_arp_prime(n, &link_, &fake_mac_a, PEER, US);
	const struct net_stats *st = net_get_stats(n);
	struct udp_pcb *u, *v, *w;
	uint8_t b[2100];
	char buf[600];
	uint32_t from;
	uint16_t fport;

	/* Binding. */
	CHECK_EQ_INT(udp_bind(n, 0, 53, &u), 0);
	CHECK_EQ_INT(udp_bind(n, 0, 53, &v), -EADDRINUSE);
	CHECK_EQ_INT(udp_bind(n, US, 53, &v), -EADDRINUSE);
	CHECK_EQ_INT(udp_bind(n, 0, 0, &v), 0);
	CHECK(udp_local_port(v) >= 49152);
	CHECK_EQ_INT(udp_bind(n, 0, 0, &w), 0);
	CHECK(udp_local_port(w) >= 49152 && udp_local_port(w) != udp_local_port(v));
	udp_close(w);
	udp_set_upcall(u, upcall, NULL);

	/* Receive, with and without a checksum. */
	events = 0;
	net_input(n, b, dgram_frame(b, 1111, 53, "query", 5, true));
	CHECK(events & NET_EV_READ);
	CHECK_EQ_INT(udp_recvfrom(u, buf, sizeof buf, &from, &fport), 5);
	CHECK(memcmp(buf, "query", 5) == 0);
	CHECK_EQ_UINT(from, PEER);
	CHECK_EQ_INT(fport, 1111);
	net_input(n, b, dgram_frame(b, 1111, 53, "nocsum", 6, false));
	CHECK_EQ_INT(udp_recvfrom(u, buf, sizeof buf, NULL, NULL), 6);
	CHECK_EQ_INT(udp_recvfrom(u, buf, sizeof buf, NULL, NULL), -EAGAIN);

	/* Corrupt payload, bad lengths. */
	size_t fl = dgram_frame(b, 1111, 53, "query", 5, true);
	b[fl - 1] ^= 0x40;
	net_input(n, b, fl);
	fl = dgram_frame(b, 1111, 53, "query", 5, false);
	buf_store_be16(b + 14 + 20 + 4, 50); /* longer than the datagram */
	net_input(n, b, fl);
	buf_store_be16(b + 14 + 20 + 4, 4); /* shorter than the header */
	net_input(n, b, fl);
	CHECK_EQ_UINT(st->udp_bad, 3);
	CHECK_EQ_INT(udp_recvfrom(u, buf, sizeof buf, NULL, NULL), -EAGAIN);

	/* The queue holds 1000 bytes; what does not fit is dropped. */
	memset(buf, 'q', sizeof buf);
	for (int i = 0; i < 5; i++)
		net_input(n, b, dgram_frame(b, 1111, 53, buf, 300, true));
	CHECK_EQ_UINT(st->udp_queue_drops, 2);
	/* Truncation: the copied length comes back. */
	CHECK_EQ_INT(udp_recvfrom(u, buf, 100, NULL, NULL), 100);
	CHECK_EQ_INT(udp_recvfrom(u, buf, sizeof buf, NULL, NULL), 300);
	CHECK_EQ_INT(udp_recvfrom(u, buf, sizeof buf, NULL, NULL), 300);
	CHECK_EQ_INT(udp_recvfrom(u, buf, sizeof buf, NULL, NULL), -EAGAIN);

	/* Send: a valid checksum, the right ports; port 0 refused. */
	CHECK_EQ_INT(udp_sendto(u, "answer", 6, PEER, 1111), 6);
	struct fake_frame *f = fake_pop(&link_);
	struct fake_ip_view ip = f ? fake_parse_ip(f) : (struct fake_ip_view){ 0 };
	CHECK(ip.ok && ip.proto == 17 && ip.src == US && ip.dst == PEER);
	CHECK(ip.ok && buf_load_be16(ip.payload) == 53 && buf_load_be16(ip.payload + 2) == 1111);
	CHECK(ip.ok && buf_load_be16(ip.payload + 6) != 0);
	CHECK(ip.ok && fake_l4_cksum(US, PEER, 17, ip.payload, ip.plen) == 0);
	CHECK(ip.ok && (ip.frag & 0x4000) == 0);
	free(f);
	CHECK_EQ_INT(udp_sendto(u, "x", 1, PEER, 0), -EINVAL);

	/* A closed socket's port answers with port unreachable again. */
	udp_close(u);
	net_input(n, b, dgram_frame(b, 1111, 53, "late", 4, true));
	CHECK_EQ_UINT(st->udp_no_port, 1);
	f = fake_pop(&link_);
	ip = f ? fake_parse_ip(f) : (struct fake_ip_view){ 0 };
	CHECK(ip.ok && ip.proto == 1 && ip.payload[0] == 3 && ip.payload[1] == 3);
	free(f);

	udp_close(v);
	net_destroy(n);
	fake_drain(&link_);
	return check_report();
}
