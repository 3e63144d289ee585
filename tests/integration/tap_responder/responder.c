/* responder: the smallest useful peer on a netif, for testing the netif
 * layer itself (tap, capture, fault injection) against the Linux stack
 * without synth's TCP/IP: it answers ARP requests for its address, turns
 * ICMP echo requests into replies and UDP datagrams to port 7 into
 * datagrams back, and counts what it received. Everything happens in the
 * receive handler, on the scheduler's context, by rewriting the frame. */
#include <stdint.h>
#include <string.h>

#include "devices.h"
#include "lib/buf.h"
#include "lib/cksum.h"
#include "lib/sched.h"

struct responder {
	struct netif *net;
	struct netif_info info;
	uint32_t ip;
	uint8_t out[65536 + 18];
	uint64_t arp, icmp, udp_echo, udp_discard, other, send_errors;
};

static struct responder R;

static void send_frame(size_t len)
{
	struct io_vec v = { R.out, len };
	if (netif_send(R.net, &v, 1) < 0)
		R.send_errors++;
}

static void on_arp(const uint8_t *f, size_t len)
{
	const uint8_t *a = f + 14;
	if (len < 14 + 28 || buf_load_be16(a + 0) != 1 || buf_load_be16(a + 2) != 0x0800 || a[4] != 6 || a[5] != 4 ||
	    buf_load_be16(a + 6) != 1 || buf_load_be32(a + 24) != R.ip)
		return;
	uint8_t *o = R.out;
	memcpy(o, f + 6, 6);
	memcpy(o + 6, R.info.mac.b, 6);
	buf_store_be16(o + 12, 0x0806);
	uint8_t *r = o + 14;
	buf_store_be16(r + 0, 1);
	buf_store_be16(r + 2, 0x0800);
	r[4] = 6;
	r[5] = 4;
	buf_store_be16(r + 6, 2);
	memcpy(r + 8, R.info.mac.b, 6);
	buf_store_be32(r + 14, R.ip);
	memcpy(r + 18, a + 8, 10); /* the asker's MAC and address */
	R.arp++;
	send_frame(14 + 28);
}

/* Swap Ethernet and IP addresses into R.out; returns the IP header length. */
static size_t reply_ip(const uint8_t *f, size_t len)
{
	size_t ihl = (size_t)(f[14] & 15) * 4;
	memcpy(R.out, f, len);
	memcpy(R.out, f + 6, 6);
	memcpy(R.out + 6, R.info.mac.b, 6);
	uint8_t *ip = R.out + 14;
	memcpy(ip + 12, f + 14 + 16, 4);
	memcpy(ip + 16, f + 14 + 12, 4);
	ip[8] = 64;
	buf_store_be16(ip + 10, 0);
	buf_store_be16(ip + 10, cksum(ip, ihl));
	return ihl;
}

static void on_ipv4(const uint8_t *f, size_t len)
{
	const uint8_t *ip = f + 14;
	if (len < 14 + 20 || (ip[0] >> 4) != 4)
		return;
	size_t ihl = (size_t)(ip[0] & 15) * 4, tot = buf_load_be16(ip + 2);
	if (ihl < 20 || tot < ihl || 14 + tot > len || buf_load_be32(ip + 16) != R.ip || cksum(ip, ihl) != 0)
		return;
	if (buf_load_be16(ip + 6) & 0x3fff) /* fragments: not handled here */
		return;
	len = 14 + tot; /* without Ethernet padding */
	const uint8_t *l4 = ip + ihl;
	size_t l4len = tot - ihl;
	if (ip[9] == 1 && l4len >= 8 && l4[0] == 8 && cksum(l4, l4len) == 0) {
		size_t h = reply_ip(f, len);
		uint8_t *icmp = R.out + 14 + h;
		icmp[0] = 0;
		buf_store_be16(icmp + 2, 0);
		buf_store_be16(icmp + 2, cksum(icmp, l4len));
		R.icmp++;
		send_frame(len);
	} else if (ip[9] == 17 && l4len >= 8) {
		uint16_t dport = buf_load_be16(l4 + 2);
		if (dport == 9) {
			R.udp_discard++;
		} else if (dport == 7) {
			size_t h = reply_ip(f, len);
			uint8_t *u = R.out + 14 + h;
			buf_store_be16(u + 0, dport);
			buf_store_be16(u + 2, buf_load_be16(l4 + 0));
			buf_store_be16(u + 6, 0);
			struct cksum c;
			cksum_init(&c);
			cksum_add(&c, R.out + 14 + 12, 8); /* pseudo-header: addresses */
			cksum_add_be16(&c, 17);
			cksum_add_be16(&c, (uint16_t)l4len);
			cksum_add(&c, u, l4len);
			uint16_t s = cksum_finish(&c);
			buf_store_be16(u + 6, s ? s : 0xffff);
			R.udp_echo++;
			send_frame(len);
		}
	} else {
		R.other++;
	}
}

static void on_frame(void *arg, const uint8_t *f, size_t len)
{
	(void)arg;
	if (len < 14)
		return;
	uint16_t type = buf_load_be16(f + 12);
	if (type == 0x0806)
		on_arp(f, len);
	else if (type == 0x0800)
		on_ipv4(f, len);
	else
		R.other++;
}

int responder_main(struct app_devices *devs, const struct app_params *params)
{
	R.net = devs->net;
	R.ip = params->net.ip.v;
	int rc = netif_info(R.net, &R.info);
	if (rc < 0)
		return 1;
	netif_set_rx(R.net, on_frame, NULL);
	console_printf(devs->console, "responder: ready on %u.%u.%u.%u, mtu %u\n", R.ip >> 24, (R.ip >> 16) & 255,
	               (R.ip >> 8) & 255, R.ip & 255, R.info.mtu);
	console_flush(devs->console);
	/* Runs until the runtime stops it (SIGTERM); report once a second so
	 * a test can read the counters. */
	for (;;) {
		fiber_sleep_ns(1000000000u);
		console_printf(devs->console,
		               "responder: arp %llu icmp %llu udp-echo %llu udp-discard %llu other %llu "
		               "send-errors %llu\n",
		               (unsigned long long)R.arp, (unsigned long long)R.icmp, (unsigned long long)R.udp_echo,
		               (unsigned long long)R.udp_discard, (unsigned long long)R.other,
		               (unsigned long long)R.send_errors);
		console_flush(devs->console);
	}
	return 0;
}
