/* libFuzzer harness for the net stack's whole input path (Ethernet -> ARP /
 * IPv4 -> reassembly -> ICMP / UDP / TCP), on a virtual clock. Before the
 * input is read the stack has a listener on port 80, UDP sockets on 53
 * and 7, one flow established by the harness from 10.0.0.1:40000 to port
 * 80, and one active open in SYN_SENT to 10.0.0.1:8080.
 *
 * The input is a sequence of records:
 *   byte 0: bit 0 fix the IP header and transport checksums;
 *           bit 1 TCP seq/ack are relative to the established flow
 *                 (its rcv_nxt and snd_una are added);
 *           bit 2 afterwards the app reads everything and writes a little
 *                 on the established flow, and drains the UDP sockets;
 *           bits 3-7 advance the clock by that many times 50 ms first;
 *   bytes 1-2: frame length (big-endian), then the frame.
 * After the last record the clock runs two virtual minutes so that every
 * timer fires, then everything is torn down (leaks are bugs too). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/cksum.h"
#include "protocols/net/internal.h"

#define US 0x0a000002u
#define PEER 0x0a000001u
#define MS UINT64_C(1000000)

static uint64_t now;
static uint8_t scratch[65536 + 64];

static uint64_t clock_fn(void *arg)
{
	(void)arg;
	return now;
}

static int tx_fn(void *arg, const struct io_vec *iov, unsigned niov)
{
	/* Touch every byte the stack hands out, so that reads of freed or
	 * uninitialised memory show up under the sanitizers. */
	volatile uint8_t sink = 0;
	(void)arg;
	for (unsigned i = 0; i < niov; i++)
		for (size_t k = 0; k < iov[i].len; k++)
			sink ^= ((const uint8_t *)iov[i].base)[k];
	(void)sink;
	return 0;
}

static const struct mac_addr mac_us = { { 2, 0, 0, 0, 0, 2 } };
static const struct mac_addr mac_peer = { { 2, 0, 0, 0, 0, 1 } };

static size_t frame_ipv4(uint8_t *b, uint8_t proto, const uint8_t *l4, size_t len)
{
	eth_fill(b, &mac_us, &mac_peer, ETHERTYPE_IPV4);
	uint8_t *h = b + ETH_HLEN;
	memset(h, 0, IP_HLEN);
	h[0] = 0x45;
	buf_store_be16(h + 2, (uint16_t)(IP_HLEN + len));
	buf_store_be16(h + 6, 0x4000);
	h[8] = 64;
	h[9] = proto;
	buf_store_be32(h + 12, PEER);
	buf_store_be32(h + 16, US);
	buf_store_be16(h + 10, cksum(h, IP_HLEN));
	memcpy(h + IP_HLEN, l4, len);
	return ETH_HLEN + IP_HLEN + len;
}

static void tcp_from_peer(struct net *n, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
                          uint8_t flags)
{
	uint8_t seg[TCP_HLEN];
	memset(seg, 0, sizeof seg);
	buf_store_be16(seg, sport);
	buf_store_be16(seg + 2, dport);
	buf_store_be32(seg + 4, seq);
	buf_store_be32(seg + 8, ack);
	seg[12] = (TCP_HLEN / 4) << 4;
	seg[13] = flags;
	buf_store_be16(seg + 14, 65535);
	struct cksum c;
	net_cksum_pseudo(&c, PEER, US, IP_PROTO_TCP, TCP_HLEN);
	cksum_add(&c, seg, TCP_HLEN);
	buf_store_be16(seg + 16, cksum_finish(&c));
	net_input(n, scratch, frame_ipv4(scratch, IP_PROTO_TCP, seg, TCP_HLEN));
}

/* Recompute what bit 0 asks for, on a copy of the frame. */
static void fix_checksums(uint8_t *f, size_t len)
{
	if (len < ETH_HLEN + IP_HLEN || buf_load_be16(f + 12) != ETHERTYPE_IPV4)
		return;
	uint8_t *h = f + ETH_HLEN;
	size_t hl = (size_t)(h[0] & 0xf) * 4, tot = buf_load_be16(h + 2);
	if (hl < IP_HLEN || hl > len - ETH_HLEN)
		return;
	buf_store_be16(h + 10, 0);
	buf_store_be16(h + 10, cksum(h, hl));
	if (tot < hl || tot > len - ETH_HLEN || (buf_load_be16(h + 6) & 0x3fff))
		return;
	uint8_t *l4 = h + hl;
	size_t l4len = tot - hl;
	uint32_t src = buf_load_be32(h + 12), dst = buf_load_be32(h + 16);
	struct cksum c;
	if (h[9] == IP_PROTO_TCP && l4len >= TCP_HLEN) {
		buf_store_be16(l4 + 16, 0);
		net_cksum_pseudo(&c, src, dst, IP_PROTO_TCP, (uint32_t)l4len);
		cksum_add(&c, l4, l4len);
		buf_store_be16(l4 + 16, cksum_finish(&c));
	} else if (h[9] == IP_PROTO_UDP && l4len >= UDP_HLEN) {
		buf_store_be16(l4 + 6, 0);
		net_cksum_pseudo(&c, src, dst, IP_PROTO_UDP, (uint32_t)l4len);
		cksum_add(&c, l4, l4len);
		buf_store_be16(l4 + 6, cksum_finish(&c));
	} else if (h[9] == IP_PROTO_ICMP && l4len >= ICMP_HLEN) {
		buf_store_be16(l4 + 2, 0);
		buf_store_be16(l4 + 2, cksum(l4, l4len));
	}
}

static void make_relative(uint8_t *f, size_t len, const struct tcp_pcb *p)
{
	if (!p || len < ETH_HLEN + IP_HLEN + TCP_HLEN || buf_load_be16(f + 12) != ETHERTYPE_IPV4)
		return;
	uint8_t *h = f + ETH_HLEN;
	size_t hl = (size_t)(h[0] & 0xf) * 4;
	if (h[9] != IP_PROTO_TCP || hl < IP_HLEN || len < ETH_HLEN + hl + TCP_HLEN)
		return;
	uint8_t *t = h + hl;
	buf_store_be32(t + 4, buf_load_be32(t + 4) + p->rcv_nxt);
	buf_store_be32(t + 8, buf_load_be32(t + 8) + p->snd_una);
}

static void app_side(struct tcp_pcb *p, struct udp_pcb *u1, struct udp_pcb *u2)
{
	static uint8_t buf[4096];
	if (p) {
		while (tcp_recv(p, buf, sizeof buf) > 0)
			;
		struct io_vec v = { "response bytes", 14 };
		tcp_send(p, &v, 1);
	}
	while (udp_recvfrom(u1, buf, sizeof buf, NULL, NULL) >= 0)
		;
	while (udp_recvfrom(u2, buf, sizeof buf, NULL, NULL) >= 0)
		;
}

static void run_timers_until(struct net *n, uint64_t until)
{
	for (int guard = 0; guard < 100000; guard++) {
		uint64_t d = net_next_deadline(n);
		if (d > until)
			break;
		if (d > now)
			now = d;
		net_run_timers(n);
	}
	now = until;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	now = 1000 * 1000 * MS;
	struct net_config cfg;
	memset(&cfg, 0, sizeof cfg);
	cfg.mac = mac_us;
	cfg.mtu = 1500;
	cfg.ip.addr.v = US;
	cfg.ip.prefix = 24;
	cfg.gateway.v = PEER;
	cfg.clock = clock_fn;
	cfg.tx = tx_fn;
	cfg.tun.tcp_sndbuf = 8192;
	cfg.tun.tcp_rcvbuf = 8192;
	cfg.tun.reass_mem = 128 * 1024;
	struct net *n = net_create(&cfg);
	if (!n)
		abort();
	net_up(n);

	/* The peer's MAC, from an ARP request for us. */
	uint8_t arp[60];
	memset(arp, 0, sizeof arp);
	eth_fill(arp, &net_bcast_mac, &mac_peer, ETHERTYPE_ARP);
	buf_store_be16(arp + 14, 1);
	buf_store_be16(arp + 16, ETHERTYPE_IPV4);
	arp[18] = 6;
	arp[19] = 4;
	buf_store_be16(arp + 20, 1);
	memcpy(arp + 22, mac_peer.b, 6);
	buf_store_be32(arp + 28, PEER);
	buf_store_be32(arp + 38, US);
	net_input(n, arp, sizeof arp);

	struct tcp_listener *l;
	struct udp_pcb *u53, *u7;
	struct tcp_pcb *est = NULL, *act = NULL;
	if (tcp_listen(n, 0, 80, 4, &l) < 0 || udp_bind(n, 0, 53, &u53) < 0 || udp_bind(n, 0, 7, &u7) < 0)
		abort();
	/* Establish one flow by hand: SYN, then the ACK of the SYN-ACK. */
	tcp_from_peer(n, 40000, 80, 1000, 0, TH_SYN);
	struct tcp_pcb *half = tcp_pcb_lookup(n, US, 80, PEER, 40000);
	if (half)
		tcp_from_peer(n, 40000, 80, 1001, half->iss + 1, TH_ACK);
	if (tcp_accept(l, &est) < 0)
		est = NULL;
	tcp_connect(n, PEER, 8080, &act);

	size_t i = 0;
	while (i + 3 <= size) {
		uint8_t ctl = data[i];
		size_t len = buf_load_be16(data + i + 1);
		i += 3;
		if (len > size - i)
			len = size - i;
		if (len > 65535 + ETH_HLEN)
			len = 65535 + ETH_HLEN;
		memcpy(scratch, data + i, len);
		i += len;
		now += (uint64_t)(ctl >> 3) * 50 * MS;
		net_run_timers(n);
		if (ctl & 2)
			make_relative(scratch, len, est && tcp_state(est) != TCP_CLOSED ? est : NULL);
		if (ctl & 1)
			fix_checksums(scratch, len);
		net_input(n, scratch, len);
		if (ctl & 4)
			app_side(est, u53, u7);
	}
	/* Let every timer run out, with the app closing its side midway. */
	run_timers_until(n, now + 5000 * MS);
	if (est)
		tcp_close(est);
	if (act)
		tcp_close(act);
	run_timers_until(n, now + 120000 * MS);
	tcp_listener_close(l);
	udp_close(u53);
	udp_close(u7);
	net_destroy(n);
	return 0;
}
