/* ICMPv4 (RFC 792, RFC 1122 3.2.2): echo replies (any size the
 * reassembler can rebuild), error messages about datagrams we received,
 * rate-limited by a token bucket, and errors from the network passed to
 * the transport that sent the quoted datagram. */
#include <string.h>

#include "protocols/net/internal.h"

/* An error quotes at most this much, keeping the whole reply within the
 * 576 bytes every host accepts. */
#define ICMP_QUOTE_MAX (576 - IP_HLEN - ICMP_HLEN)

static bool icmp_is_error_type(uint8_t type)
{
	switch (type) {
	case ICMP_UNREACH:
	case ICMP_TIME_EXCEEDED:
	case 4:  /* source quench */
	case 5:  /* redirect */
	case 12: /* parameter problem */
		return true;
	default:
		return false;
	}
}

static void icmp_echo(struct net *n, const struct ip_rx *rx)
{
	uint8_t h[ICMP_HLEN];

	if (rx->bcast)
		return; /* as Linux by default: no replies to broadcast pings */
	memcpy(h, rx->data, ICMP_HLEN);
	h[0] = ICMP_ECHO_REPLY;
	h[1] = 0;
	buf_store_be16(h + 2, 0);
	struct cksum c;
	cksum_init(&c);
	cksum_add(&c, h, ICMP_HLEN);
	cksum_add(&c, rx->data + ICMP_HLEN, rx->len - ICMP_HLEN);
	buf_store_be16(h + 2, cksum_finish(&c));
	struct io_vec v[2] = {
		{ h, ICMP_HLEN },
		{ rx->data + ICMP_HLEN, rx->len - ICMP_HLEN },
	};
	if (ipv4_output(n, IP_PROTO_ICMP, rx->dst, rx->src, false, v, 2, rx->len) == 0)
		n->st.icmp_echo_replies++;
}

void icmp_input(struct net *n, const struct ip_rx *rx)
{
	n->st.icmp_in++;
	if (rx->len < ICMP_HLEN || (!rx->csum_ok && cksum(rx->data, rx->len) != 0)) {
		n->st.icmp_bad++;
		return;
	}
	uint8_t type = rx->data[0];
	if (type == ICMP_ECHO) {
		icmp_echo(n, rx);
		return;
	}
	if (type != ICMP_UNREACH && type != ICMP_TIME_EXCEEDED)
		return;
	/* An error about one of our datagrams: hand it to its transport. */
	const uint8_t *q = rx->data + ICMP_HLEN;
	size_t qlen = rx->len - ICMP_HLEN;
	if (qlen < IP_HLEN || (q[0] >> 4) != 4 || (size_t)(q[0] & 0xf) * 4 + 8 > qlen) {
		n->st.icmp_bad++;
		return;
	}
	const struct ip_protosw *sw = ip_protosw_find(q[9]);
	if (sw && sw->ctlinput)
		sw->ctlinput(n, type, rx->data[1], buf_load_be32(rx->data + 4), q, qlen);
}

static bool icmp_rate_ok(struct net *n)
{
	const struct net_tunables *t = &n->cfg.tun;
	uint64_t per = NS_PER_S / t->icmp_rate;
	if (n->now > n->icmp_refill) {
		uint64_t add = (n->now - n->icmp_refill) / per;
		if (add) {
			n->icmp_tokens = (uint32_t)NET_MIN((uint64_t)t->icmp_burst, n->icmp_tokens + add);
			n->icmp_refill += add * per;
		}
	}
	if (n->icmp_tokens == 0)
		return false;
	n->icmp_tokens--;
	return true;
}

void icmp_error(struct net *n, const uint8_t *ip, size_t iplen, uint8_t type, uint8_t code,
                uint32_t info)
{
	if (iplen < IP_HLEN)
		return;
	size_t hlen = (size_t)(ip[0] & 0xf) * 4;
	uint32_t src = buf_load_be32(ip + 12), dst = buf_load_be32(ip + 16);
	/* RFC 1122 3.2.2: never about an ICMP error, a non-initial fragment,
	 * or a datagram to or from a broadcast, multicast or null address. */
	if ((buf_load_be16(ip + 6) & 0x1fff) != 0 || src == 0 || ipv4_is_bcast(n, src) ||
	    ipv4_is_bcast(n, dst) || (src >> 28) == 0xe || (dst >> 28) == 0xe)
		return;
	if (ip[9] == IP_PROTO_ICMP && (iplen <= hlen || icmp_is_error_type(ip[hlen])))
		return;
	if (!icmp_rate_ok(n)) {
		n->st.icmp_rate_limited++;
		return;
	}
	size_t qlen = NET_MIN(iplen, (size_t)ICMP_QUOTE_MAX);
	uint8_t h[ICMP_HLEN];
	h[0] = type;
	h[1] = code;
	buf_store_be16(h + 2, 0);
	buf_store_be32(h + 4, info);
	struct cksum c;
	cksum_init(&c);
	cksum_add(&c, h, ICMP_HLEN);
	cksum_add(&c, ip, qlen);
	buf_store_be16(h + 2, cksum_finish(&c));
	struct io_vec v[2] = { { h, ICMP_HLEN }, { ip, qlen } };
	if (ipv4_output(n, IP_PROTO_ICMP, n->addr, src, false, v, 2, ICMP_HLEN + qlen) == 0)
		n->st.icmp_errors_out++;
}
