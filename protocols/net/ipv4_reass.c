/* IPv4 fragment reassembly with bounded memory: at most reass_max
 * datagrams and reass_mem bytes of buffers at once (the oldest datagram
 * makes room), a timeout after which an incomplete datagram is dropped
 * (with an ICMP time-exceeded when its first fragment came), and the
 * overlap policy of modern stacks: an exact or contained duplicate is
 * ignored, a fragment that partly overlaps what is there drops the whole
 * datagram (overlaps are how reassembly attacks are built). */
#include <string.h>

#include "lib/platform.h"
#include "protocols/net/internal.h"

#define REASS_HEADROOM 60 /* room for the largest IP header in front of the payload */
#define REASS_MAX_PAYLOAD (IP_MAXPACKET - IP_HLEN)
#define REASS_BLOCKS ((REASS_MAX_PAYLOAD + 7) / 8)

struct ip_reass {
	struct ip_reass *next;
	uint32_t src, dst;
	uint16_t id;
	uint8_t proto;
	uint8_t hlen; /* of the first fragment's header, once seen */
	bool bcast;
	uint64_t expires;
	uint8_t *buf;   /* REASS_HEADROOM + payload capacity */
	uint32_t cap;   /* payload capacity */
	uint32_t total; /* payload length once the last fragment came, else 0 */
	uint32_t max_end;
	uint32_t nblocks;
	uint8_t hdr[60];
	uint8_t map[(REASS_BLOCKS + 7) / 8];
};

static void reass_timer_fn(struct net *n, struct net_timer *t);

int reass_init(struct net *n)
{
	net_timer_init(&n->reass_timer, reass_timer_fn);
	return 0;
}

static void reass_free(struct net *n, struct ip_reass *r)
{
	struct ip_reass **pp = &n->reass;
	while (*pp && *pp != r)
		pp = &(*pp)->next;
	if (*pp)
		*pp = r->next;
	n->reass_mem -= r->cap + (uint32_t)sizeof *r;
	n->reass_count--;
	plat_free(r->buf);
	plat_free(r);
}

void reass_fini(struct net *n)
{
	while (n->reass)
		reass_free(n, n->reass);
}

static void reass_rearm(struct net *n)
{
	uint64_t next = NET_NEVER;
	for (struct ip_reass *r = n->reass; r; r = r->next)
		if (r->expires < next)
			next = r->expires;
	if (next == NET_NEVER)
		net_timer_cancel(n, &n->reass_timer);
	else
		net_timer_set(n, &n->reass_timer, next);
}

/* The list is kept newest first, so the oldest is the last. */
static bool evict_oldest(struct net *n, const struct ip_reass *keep)
{
	struct ip_reass *old = NULL;
	for (struct ip_reass *r = n->reass; r; r = r->next)
		if (r != keep)
			old = r;
	if (!old)
		return false;
	n->st.ip_reass_drops++;
	reass_free(n, old);
	return true;
}

static bool grow(struct net *n, struct ip_reass *r, uint32_t need)
{
	if (need <= r->cap)
		return true;
	uint32_t cap = NET_MAX(need, NET_MIN(r->cap * 2, (uint32_t)REASS_MAX_PAYLOAD));
	while (n->reass_mem + (cap - r->cap) > n->cfg.tun.reass_mem) {
		if (cap > need) {
			cap = need; /* try without slack first */
			continue;
		}
		if (!evict_oldest(n, r))
			return false;
	}
	uint8_t *b = plat_realloc(r->buf, REASS_HEADROOM + cap);
	if (!b)
		return false;
	r->buf = b;
	n->reass_mem += cap - r->cap;
	r->cap = cap;
	return true;
}

static bool map_get(const struct ip_reass *r, uint32_t b)
{
	return r->map[b / 8] & (1u << (b % 8));
}

void reass_input(struct net *n, const uint8_t *pkt, size_t hlen, size_t len, bool bcast)
{
	uint16_t frag = buf_load_be16(pkt + 6);
	uint32_t off = (uint32_t)(frag & 0x1fff) * 8;
	bool mf = frag & 0x2000;
	uint32_t plen = (uint32_t)(len - hlen);
	uint32_t end = off + plen;
	uint32_t src = buf_load_be32(pkt + 12), dst = buf_load_be32(pkt + 16);
	uint16_t id = buf_load_be16(pkt + 4);
	uint8_t proto = pkt[9];

	n->st.ip_frags_in++;
	if (plen == 0 || end > REASS_MAX_PAYLOAD || (mf && plen % 8)) {
		n->st.ip_reass_drops++;
		return;
	}
	struct ip_reass *r;
	for (r = n->reass; r; r = r->next)
		if (r->src == src && r->dst == dst && r->id == id && r->proto == proto)
			break;
	if (!r) {
		if (n->reass_count >= n->cfg.tun.reass_max && !evict_oldest(n, NULL))
			return;
		while (n->reass_mem + sizeof *r > n->cfg.tun.reass_mem)
			if (!evict_oldest(n, NULL)) {
				n->st.ip_reass_drops++;
				return;
			}
		r = plat_calloc(1, sizeof *r);
		if (!r) {
			n->st.ip_reass_drops++;
			return;
		}
		r->src = src;
		r->dst = dst;
		r->id = id;
		r->proto = proto;
		r->expires = n->now + n->cfg.tun.reass_timeout;
		r->next = n->reass;
		n->reass = r;
		n->reass_count++;
		n->reass_mem += sizeof *r;
		reass_rearm(n);
	}
	r->bcast = r->bcast || bcast;
	/* The last fragment fixes the length; nothing may contradict it. */
	if ((!mf && ((r->total && r->total != end) || end < r->max_end)) || (r->total && end > r->total))
		goto drop;
	uint32_t b0 = off / 8, b1 = (end + 7) / 8, have = 0;
	for (uint32_t b = b0; b < b1; b++)
		have += map_get(r, b);
	if (have == b1 - b0) {
		if (!mf)
			r->total = end;
		return; /* a duplicate: nothing new */
	}
	if (have != 0)
		goto drop;
	if (!grow(n, r, r->total ? r->total : end))
		goto drop;
	if (!mf)
		r->total = end;
	memcpy(r->buf + REASS_HEADROOM + off, pkt + hlen, plen);
	for (uint32_t b = b0; b < b1; b++)
		r->map[b / 8] |= (uint8_t)(1u << (b % 8));
	r->nblocks += b1 - b0;
	r->max_end = NET_MAX(r->max_end, end);
	if (off == 0) {
		memcpy(r->hdr, pkt, hlen);
		r->hlen = (uint8_t)hlen;
	}
	if (!r->total || r->nblocks != (r->total + 7) / 8 || !r->hlen)
		return;

	/* Complete: put the first fragment's header in front and deliver. */
	uint8_t *ip = r->buf + REASS_HEADROOM - r->hlen;
	memcpy(ip, r->hdr, r->hlen);
	buf_store_be16(ip + 2, (uint16_t)(r->hlen + r->total));
	buf_store_be16(ip + 6, 0);
	buf_store_be16(ip + 10, 0);
	buf_store_be16(ip + 10, cksum(ip, r->hlen));
	n->st.ip_reassembled++;
	/* Unlink before delivering: the upper layer may send (and so reach
	 * this code again) while the datagram is being processed. */
	struct ip_reass **pp = &n->reass;
	while (*pp != r)
		pp = &(*pp)->next;
	*pp = r->next;
	r->next = NULL;
	ipv4_deliver(n, ip, r->hlen + r->total, r->bcast);
	n->reass_mem -= r->cap + (uint32_t)sizeof *r;
	n->reass_count--;
	plat_free(r->buf);
	plat_free(r);
	reass_rearm(n);
	return;
drop:
	n->st.ip_reass_drops++;
	reass_free(n, r);
	reass_rearm(n);
}

static void reass_timer_fn(struct net *n, struct net_timer *t)
{
	(void)t;
	struct ip_reass *r = n->reass;
	while (r) {
		struct ip_reass *next = r->next;
		if (r->expires <= n->now) {
			n->st.ip_reass_timeouts++;
			/* RFC 792: time exceeded in reassembly, quoting the first
			 * fragment (its header and the first 8 payload bytes). */
			if (r->hlen && !r->bcast && r->cap >= 8) {
				uint8_t q[60 + 8];
				memcpy(q, r->hdr, r->hlen);
				memcpy(q + r->hlen, r->buf + REASS_HEADROOM, 8);
				icmp_error(n, q, r->hlen + 8u, ICMP_TIME_EXCEEDED, 1, 0);
			}
			reass_free(n, r);
		}
		r = next;
	}
	reass_rearm(n);
}
