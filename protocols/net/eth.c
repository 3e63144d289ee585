/* Ethernet II framing: accept frames for our MAC or broadcast, dispatch by
 * ethertype through a table, count and drop the rest; and the output side
 * that puts an Ethernet header in front of an IPv4 datagram. */
#include <string.h>

#include "protocols/net/internal.h"

struct eth_proto {
	uint16_t type;
	const char *name;
	void (*input)(struct net *n, const uint8_t *frame, size_t len);
};

/* The whole frame goes up (ARP wants the Ethernet header's source; IPv4
 * skips it). */
static void ipv4_from_eth(struct net *n, const uint8_t *frame, size_t len)
{
	ipv4_input(n, frame + ETH_HLEN, len - ETH_HLEN);
}

static const struct eth_proto eth_protos[] = {
	{ .type = ETHERTYPE_IPV4, .name = "ipv4", .input = ipv4_from_eth },
	{ .type = ETHERTYPE_ARP, .name = "arp", .input = arp_input },
};

void eth_fill(uint8_t *hdr, const struct mac_addr *dst, const struct mac_addr *src, uint16_t type)
{
	memcpy(hdr, dst->b, ETH_ALEN);
	memcpy(hdr + ETH_ALEN, src->b, ETH_ALEN);
	buf_store_be16(hdr + 12, type);
}

void eth_input(struct net *n, const uint8_t *frame, size_t len)
{
	n->st.eth_in++;
	if (len < ETH_HLEN) {
		n->st.eth_short++;
		return;
	}
	/* Unicast to us or broadcast; other multicast is not joined. */
	if (memcmp(frame, n->cfg.mac.b, ETH_ALEN) != 0 && memcmp(frame, net_bcast_mac.b, ETH_ALEN) != 0) {
		n->st.eth_not_us++;
		return;
	}
	uint16_t type = buf_load_be16(frame + 12);
	for (size_t i = 0; i < sizeof eth_protos / sizeof eth_protos[0]; i++) {
		if (eth_protos[i].type == type) {
			eth_protos[i].input(n, frame, len);
			return;
		}
	}
	n->st.eth_unknown_type++;
}

int eth_output_ip(struct net *n, uint32_t nexthop, struct io_vec *iov, unsigned niov,
                  const struct netif_frame_meta *meta)
{
	uint8_t *hdr = (uint8_t *)(uintptr_t)iov[0].base;

	if (nexthop == 0xffffffffu || (n->mask != 0xffffffffu && nexthop == (n->addr | ~n->mask) &&
	                                n->addr != 0)) {
		eth_fill(hdr, &net_bcast_mac, &n->cfg.mac, ETHERTYPE_IPV4);
		return net_tx(n, iov, niov, meta);
	}
	return arp_resolve_and_send(n, nexthop, iov, niov, meta);
}
