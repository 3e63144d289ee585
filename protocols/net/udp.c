/* UDP (RFC 768): checksummed datagrams, sockets bound to a port (and
 * optionally an address) with a byte-bounded receive queue each, ICMP port
 * unreachable for datagrams nobody is bound to. */
#include <string.h>

#include "lib/platform.h"
#include "protocols/net/internal.h"

#define UDP_MAX_PAYLOAD (IP_MAXPACKET - IP_HLEN - UDP_HLEN)
#define EPHEMERAL_LO 49152u
#define EPHEMERAL_N 16384u

struct udp_dgram {
	struct udp_dgram *next;
	uint32_t saddr;
	uint16_t sport;
	uint32_t len;
	uint8_t data[];
};

static struct udp_pcb *udp_find(struct net *n, uint32_t addr, uint16_t port)
{
	struct udp_pcb *wild = NULL;
	for (struct udp_pcb *u = n->udp; u; u = u->next) {
		if (u->lport != port)
			continue;
		if (u->laddr == addr)
			return u;
		if (u->laddr == 0)
			wild = u;
	}
	return wild;
}

static bool port_busy(struct net *n, uint32_t addr, uint16_t port)
{
	for (struct udp_pcb *u = n->udp; u; u = u->next)
		if (u->lport == port && (u->laddr == addr || u->laddr == 0 || addr == 0))
			return true;
	return false;
}

int udp_bind(struct net *n, uint32_t addr, uint16_t port, struct udp_pcb **out)
{
	net_clock(n);
	if (port == 0) {
		for (uint32_t i = 0; i < EPHEMERAL_N && port == 0; i++) {
			uint32_t p = n->udp_next_port;
			n->udp_next_port = (uint16_t)(p + 1 < EPHEMERAL_LO + EPHEMERAL_N ? p + 1 : EPHEMERAL_LO);
			if (!port_busy(n, addr, (uint16_t)p))
				port = (uint16_t)p;
		}
		if (port == 0)
			return -EADDRINUSE;
	} else if (port_busy(n, addr, port)) {
		return -EADDRINUSE;
	}
	struct udp_pcb *u = plat_calloc(1, sizeof *u);
	if (!u)
		return -ENOMEM;
	u->net = n;
	u->laddr = addr;
	u->lport = port;
	u->next = n->udp;
	n->udp = u;
	*out = u;
	return 0;
}

uint16_t udp_local_port(const struct udp_pcb *u)
{
	return u->lport;
}

void udp_set_upcall(struct udp_pcb *u, net_upcall_fn fn, void *ctx)
{
	u->upcall = fn;
	u->upcall_ctx = ctx;
}

void udp_set_input(struct udp_pcb *u, udp_input_fn fn, void *ctx)
{
	u->input = fn;
	u->input_ctx = ctx;
}

static void udp_free(struct udp_pcb *u)
{
	while (u->head) {
		struct udp_dgram *d = u->head;
		u->head = d->next;
		plat_free(d);
	}
	plat_free(u);
}

void udp_close(struct udp_pcb *u)
{
	if (!u)
		return;
	struct net *n = u->net;
	struct udp_pcb **pp = &n->udp;
	while (*pp && *pp != u)
		pp = &(*pp)->next;
	if (*pp)
		*pp = u->next;
	udp_free(u);
}

void udp_fini(struct net *n)
{
	while (n->udp) {
		struct udp_pcb *u = n->udp;
		n->udp = u->next;
		udp_free(u);
	}
}

void udp_input(struct net *n, const struct ip_rx *rx)
{
	n->st.udp_in++;
	if (rx->len < UDP_HLEN) {
		n->st.udp_bad++;
		return;
	}
	const uint8_t *h = rx->data;
	uint16_t ulen = buf_load_be16(h + 4);
	if (ulen < UDP_HLEN || ulen > rx->len) {
		n->st.udp_bad++;
		return;
	}
	if (buf_load_be16(h + 6) != 0 && !rx->csum_ok) {
		struct cksum c;
		net_cksum_pseudo(&c, rx->src, rx->dst, IP_PROTO_UDP, ulen);
		cksum_add(&c, h, ulen);
		if (cksum_finish(&c) != 0) {
			n->st.udp_bad++;
			return;
		}
	}
	uint16_t dport = buf_load_be16(h + 2);
	struct udp_pcb *u = udp_find(n, rx->dst, dport);
	if (!u) {
		n->st.udp_no_port++;
		if (!rx->bcast)
			icmp_error(n, rx->ip, rx->iplen, ICMP_UNREACH, ICMP_UNREACH_PORT, 0);
		return;
	}
	uint32_t len = ulen - UDP_HLEN;
	if (u->input) {
		u->input(u->input_ctx, rx, buf_load_be16(h), h + UDP_HLEN, len);
		return;
	}
	if (u->qbytes + len > n->cfg.tun.udp_rcvq) {
		n->st.udp_queue_drops++;
		return;
	}
	struct udp_dgram *d = plat_alloc(sizeof *d + len);
	if (!d) {
		n->st.udp_queue_drops++;
		return;
	}
	d->next = NULL;
	d->saddr = rx->src;
	d->sport = buf_load_be16(h);
	d->len = len;
	memcpy(d->data, h + UDP_HLEN, len);
	if (u->tail)
		u->tail->next = d;
	else
		u->head = d;
	u->tail = d;
	u->qbytes += len;
	u->qcount++;
	if (u->upcall)
		u->upcall(u->upcall_ctx, NET_EV_READ);
}

long udp_sendto(struct udp_pcb *u, const void *buf, size_t len, uint32_t daddr, uint16_t dport)
{
	struct net *n = u->net;
	uint8_t h[UDP_HLEN];

	net_clock(n);
	if (len > UDP_MAX_PAYLOAD)
		return -EMSGSIZE;
	if (dport == 0)
		return -EINVAL;
	uint32_t src = u->laddr ? u->laddr : n->addr;
	buf_store_be16(h, u->lport);
	buf_store_be16(h + 2, dport);
	buf_store_be16(h + 4, (uint16_t)(UDP_HLEN + len));
	buf_store_be16(h + 6, 0);
	struct cksum c;
	net_cksum_pseudo(&c, src, daddr, IP_PROTO_UDP, (uint32_t)(UDP_HLEN + len));
	cksum_add(&c, h, UDP_HLEN);
	cksum_add(&c, buf, len);
	uint16_t sum = cksum_finish(&c);
	buf_store_be16(h + 6, sum ? sum : 0xffff);
	struct io_vec v[2] = { { h, UDP_HLEN }, { buf, len } };
	int rc = ipv4_output(n, IP_PROTO_UDP, src, daddr, false, v, 2, UDP_HLEN + len);
	if (rc < 0)
		return rc;
	n->st.udp_out++;
	return (long)len;
}

long udp_recvfrom(struct udp_pcb *u, void *buf, size_t len, uint32_t *saddr, uint16_t *sport)
{
	struct udp_dgram *d = u->head;
	if (!d)
		return -EAGAIN;
	u->head = d->next;
	if (!u->head)
		u->tail = NULL;
	u->qbytes -= d->len;
	u->qcount--;
	size_t k = NET_MIN(len, (size_t)d->len);
	memcpy(buf, d->data, k);
	if (saddr)
		*saddr = d->saddr;
	if (sport)
		*sport = d->sport;
	plat_free(d);
	return (long)k;
}
