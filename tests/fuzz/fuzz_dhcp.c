/* libFuzzer harness for the net stack's DHCP client (protocols/net/dhcp.c)
 * on a virtual clock: the client starts (and sends its DISCOVER), then the
 * input plays the server. The input is a sequence of records:
 *   byte 0: bit 0 make the message one the client takes for its own
 *                 transaction (op, htype, hlen, its current xid and MAC,
 *                 the magic cookie);
 *           bit 1 the record is a raw Ethernet frame (ARP, say: the
 *                 client's address probe listens to those), not a DHCP
 *                 message;
 *           bits 2-7 advance the clock by that many times 100 ms first;
 *   bytes 1-2: length (big-endian), then the DHCP message (UDP payload,
 *   sent from 10.0.0.1:67 to the broadcast address) or the frame.
 * After the last record the clock runs through the timers for a virtual day
 * (at most 300 of them), so that short leases the input granted run out and
 * start over, then the client is stopped with a release and everything is
 * torn down. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/cksum.h"
#include "protocols/net/dhcp.h"
#include "protocols/net/internal.h"

#define SERVER 0x0a000001u
#define MS UINT64_C(1000000)

static uint64_t now;
static uint32_t last_xid; /* of the last DHCP message the client sent */
static uint8_t frame[14 + 20 + 8 + 65536];

static uint64_t clock_fn(void *arg)
{
	(void)arg;
	return now;
}

static int tx_fn(void *arg, const struct io_vec *iov, unsigned niov)
{
	uint8_t f[14 + 20 + 8 + 8];
	size_t k = 0;
	(void)arg;
	/* Remember the transaction ID of what the client sends (UDP from
	 * port 68 to 67, the xid 4 bytes into the message). */
	for (unsigned i = 0; i < niov && k < sizeof f; i++)
		for (size_t j = 0; j < iov[i].len && k < sizeof f; j++)
			f[k++] = ((const uint8_t *)iov[i].base)[j];
	if (k == sizeof f && buf_load_be16(f + 12) == ETHERTYPE_IPV4 && f[14 + 9] == IP_PROTO_UDP &&
	    buf_load_be16(f + 34) == 68)
		last_xid = buf_load_be32(f + 46);
	return 0;
}

static const struct mac_addr mac_us = { { 2, 0, 0, 0, 0, 2 } };
static const struct mac_addr mac_server = { { 2, 0, 0, 0, 0, 1 } };

static void deliver_dhcp(struct net *n, const uint8_t *msg, size_t len, bool fix)
{
	uint8_t *h = frame + ETH_HLEN, *u = h + IP_HLEN, *d = u + UDP_HLEN;
	if (len > IP_MAXPACKET - IP_HLEN - UDP_HLEN)
		len = IP_MAXPACKET - IP_HLEN - UDP_HLEN;
	memcpy(d, msg, len);
	if (fix && len >= 240) {
		d[0] = 2;
		d[1] = 1;
		d[2] = 6;
		buf_store_be32(d + 4, last_xid);
		memcpy(d + 28, mac_us.b, 6);
		buf_store_be32(d + 236, 0x63825363u);
	}
	eth_fill(frame, &mac_us, &mac_server, ETHERTYPE_IPV4);
	memset(h, 0, IP_HLEN);
	h[0] = 0x45;
	buf_store_be16(h + 2, (uint16_t)(IP_HLEN + UDP_HLEN + len));
	h[8] = 64;
	h[9] = IP_PROTO_UDP;
	buf_store_be32(h + 12, SERVER);
	buf_store_be32(h + 16, 0xffffffffu);
	buf_store_be16(h + 10, cksum(h, IP_HLEN));
	buf_store_be16(u, 67);
	buf_store_be16(u + 2, 68);
	buf_store_be16(u + 4, (uint16_t)(UDP_HLEN + len));
	buf_store_be16(u + 6, 0);
	net_input(n, frame, ETH_HLEN + IP_HLEN + UDP_HLEN + len);
}

static void advance(struct net *n, uint64_t to, unsigned max_steps)
{
	for (unsigned i = 0; i < max_steps; i++) {
		uint64_t d = net_next_deadline(n);
		if (d > to)
			break;
		if (d > now)
			now = d;
		net_run_timers(n);
	}
	if (now < to)
		now = to;
	net_run_timers(n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct net_config cfg;
	memset(&cfg, 0, sizeof cfg);
	cfg.mac = mac_us;
	cfg.mtu = 1500;
	cfg.clock = clock_fn;
	cfg.tx = tx_fn;
	memset(cfg.secret, 7, sizeof cfg.secret);
	now = 1000 * 1000 * MS;
	last_xid = 0;
	struct net *n = net_create(&cfg);
	if (!n)
		return 0;
	net_up(n);
	struct dhcp_params p = { .probe_ns = 0 };
	if (dhcp_start(n, &p) < 0) {
		net_destroy(n);
		return 0;
	}
	size_t i = 0;
	while (i + 3 <= size) {
		uint8_t ctl = data[i];
		size_t len = buf_load_be16(data + i + 1);
		i += 3;
		if (len > size - i)
			len = size - i;
		advance(n, now + (uint64_t)(ctl >> 2) * 100 * MS, 64);
		if (ctl & 2)
			net_input(n, data + i, len);
		else
			deliver_dhcp(n, data + i, len, ctl & 1);
		i += len;
	}
	advance(n, now + UINT64_C(24) * 3600 * 1000 * MS, 300);
	dhcp_stop(n, true);
	net_destroy(n);
	return 0;
}
