/* IPv4 (RFC 791, host requirements of RFC 1122): header and checksum
 * validation, options skipped by length, delivery through the protocol
 * table, routing to the local subnet or the default gateway, and sending
 * with DF or fragmentation. Reassembly lives in ipv4_reass.c. */
#include <string.h>

#include "protocols/net/internal.h"

#define IP_DF 0x4000
#define IP_MF 0x2000
#define IP_OFFMASK 0x1fff
#define IP_MAX_IOV 8

static const struct ip_protosw icmp_sw = {
	.name = "icmp",
	.proto = IP_PROTO_ICMP,
	.input = icmp_input,
};
static const struct ip_protosw tcp_sw = {
	.name = "tcp",
	.proto = IP_PROTO_TCP,
	.input = tcp_input,
	.ctlinput = tcp_ctlinput,
};
static const struct ip_protosw udp_sw = {
	.name = "udp",
	.proto = IP_PROTO_UDP,
	.input = udp_input,
};

/* Indexed by the IP protocol number. */
static const struct ip_protosw *const ip_protos[256] = {
	[IP_PROTO_ICMP] = &icmp_sw,
	[IP_PROTO_TCP] = &tcp_sw,
	[IP_PROTO_UDP] = &udp_sw,
};

const struct ip_protosw *ip_protosw_find(uint8_t proto)
{
	return ip_protos[proto];
}

bool ipv4_is_bcast(const struct net *n, uint32_t a)
{
	if (a == 0xffffffffu)
		return true;
	return n->addr != 0 && n->mask != 0xffffffffu && a == (n->addr | ~n->mask);
}

static bool is_multicast(uint32_t a)
{
	return (a >> 28) == 0xe;
}

bool ipv4_is_local(const struct net *n, uint32_t dst)
{
	return n->addr != 0 && dst == n->addr;
}

uint32_t ipv4_route(const struct net *n, uint32_t dst)
{
	if (dst == 0xffffffffu)
		return dst;
	if (dst == 0 || is_multicast(dst) || (dst >> 24) == 127 || ipv4_is_local(n, dst))
		return 0;
	if (n->addr != 0 && ((dst ^ n->addr) & n->mask) == 0)
		return dst;
	return n->gw;
}

void ipv4_input(struct net *n, const uint8_t *pkt, size_t len)
{
	n->st.ip_in++;
	if (len < IP_HLEN || (pkt[0] >> 4) != 4) {
		n->st.ip_bad_header++;
		return;
	}
	size_t hlen = (size_t)(pkt[0] & 0xf) * 4;
	size_t total = buf_load_be16(pkt + 2);
	if (hlen < IP_HLEN || hlen > len || total < hlen || total > len) {
		n->st.ip_bad_len++;
		return;
	}
	if (cksum(pkt, hlen) != 0) {
		n->st.ip_bad_cksum++;
		return;
	}
	len = total; /* drop the link layer's padding */
	uint32_t src = buf_load_be32(pkt + 12), dst = buf_load_be32(pkt + 16);
	if (is_multicast(src) || src == 0xffffffffu || (src >> 24) == 127 ||
	    (n->addr && (src == n->addr || ipv4_is_bcast(n, src)))) {
		n->st.ip_bad_header++;
		return;
	}
	bool bcast = ipv4_is_bcast(n, dst);
	/* Without an address yet (DHCP), take unicast to any address, but
	 * only UDP: a DHCP offer may come to the address it offers, while
	 * nothing else (a ping, a SYN) may be answered from an address we do
	 * not have. */
	if (!bcast && n->addr != 0 && dst != n->addr) {
		n->st.ip_not_us++;
		return;
	}
	if (n->addr == 0 && pkt[9] != IP_PROTO_UDP) {
		n->st.ip_not_us++;
		return;
	}
	if (!bcast && is_multicast(dst)) {
		n->st.ip_not_us++;
		return;
	}
	uint16_t frag = buf_load_be16(pkt + 6);
	if (frag & (IP_MF | IP_OFFMASK)) {
		n->rx_csum_ok = false; /* what the link vouched for was one fragment */
		reass_input(n, pkt, hlen, len, bcast);
		return;
	}
	ipv4_deliver(n, pkt, len, bcast);
}

void ipv4_deliver(struct net *n, const uint8_t *pkt, size_t len, bool bcast)
{
	size_t hlen = (size_t)(pkt[0] & 0xf) * 4;
	const struct ip_protosw *sw = ip_protos[pkt[9]];

	if (!sw) {
		n->st.ip_unknown_proto++;
		if (!bcast)
			icmp_error(n, pkt, len, ICMP_UNREACH, ICMP_UNREACH_PROTO, 0);
		return;
	}
	struct ip_rx rx = {
		.ip = pkt,
		.iplen = len,
		.data = pkt + hlen,
		.len = len - hlen,
		.src = buf_load_be32(pkt + 12),
		.dst = buf_load_be32(pkt + 16),
		.bcast = bcast,
		.csum_ok = n->rx_csum_ok,
	};
	sw->input(n, &rx);
}

static void ip_header(struct net *n, uint8_t *h, uint8_t proto, uint32_t src, uint32_t dst,
                      size_t paylen, uint16_t id, uint16_t frag)
{
	h[0] = 0x45;
	h[1] = 0;
	buf_store_be16(h + 2, (uint16_t)(IP_HLEN + paylen));
	buf_store_be16(h + 4, id);
	buf_store_be16(h + 6, frag);
	h[8] = n->cfg.tun.ttl;
	h[9] = proto;
	buf_store_be16(h + 10, 0);
	buf_store_be32(h + 12, src);
	buf_store_be32(h + 16, dst);
	uint16_t c = cksum(h, IP_HLEN);
	buf_store_be16(h + 10, c);
}

/* Pieces of iov covering bytes [off, off+len): returns how many. */
static unsigned iov_slice(const struct io_vec *iov, unsigned niov, size_t off, size_t len,
                          struct io_vec *out, unsigned max)
{
	unsigned k = 0;
	for (unsigned i = 0; i < niov && len > 0; i++) {
		if (off >= iov[i].len) {
			off -= iov[i].len;
			continue;
		}
		size_t take = NET_MIN(iov[i].len - off, len);
		if (k == max)
			return 0;
		out[k].base = (const uint8_t *)iov[i].base + off;
		out[k].len = take;
		k++;
		len -= take;
		off = 0;
	}
	return k;
}

int ipv4_output(struct net *n, uint8_t proto, uint32_t src, uint32_t dst, bool df,
                const struct io_vec *iov, unsigned niov, size_t len)
{
	return ipv4_output_meta(n, proto, src, dst, df, iov, niov, len, NULL);
}

int ipv4_output_meta(struct net *n, uint8_t proto, uint32_t src, uint32_t dst, bool df,
                     const struct io_vec *iov, unsigned niov, size_t len, const struct netif_frame_meta *meta)
{
	uint8_t hdr[ETH_HLEN + IP_HLEN];
	struct io_vec v[IP_MAX_IOV + 1];

	if (niov > IP_MAX_IOV || len > IP_MAXPACKET - IP_HLEN)
		return -EMSGSIZE;
	if (src == 0)
		src = n->addr;
	uint32_t nexthop = ipv4_route(n, dst);
	if (nexthop == 0) {
		n->st.ip_no_route++;
		return -ENETUNREACH;
	}
	uint16_t id = n->ip_id++;
	v[0].base = hdr;
	v[0].len = sizeof hdr;
	bool super = meta && meta->gso_type != NETIF_GSO_NONE;
	if (IP_HLEN + len <= n->cfg.mtu || (super && IP_HLEN + len <= n->cfg.gso_max)) {
		ip_header(n, hdr + ETH_HLEN, proto, src, dst, len, id, df ? IP_DF : 0);
		memcpy(v + 1, iov, niov * sizeof *iov);
		n->st.ip_out++;
		return eth_output_ip(n, nexthop, v, niov + 1, meta);
	}
	if (df) {
		n->st.ip_df_drops++;
		return -EMSGSIZE;
	}
	/* Every fragment but the last carries a multiple of 8 bytes. */
	size_t per = (n->cfg.mtu - IP_HLEN) & ~(size_t)7;
	int rc = 0;
	for (size_t off = 0; off < len; off += per) {
		size_t flen = NET_MIN(per, len - off);
		uint16_t frag = (uint16_t)(off / 8) | (off + flen < len ? IP_MF : 0);
		unsigned k = iov_slice(iov, niov, off, flen, v + 1, IP_MAX_IOV);
		ip_header(n, hdr + ETH_HLEN, proto, src, dst, flen, id, frag);
		int r = eth_output_ip(n, nexthop, v, k + 1, NULL);
		if (r < 0)
			rc = r;
		n->st.ip_frags_out++;
	}
	n->st.ip_out++;
	return rc;
}
