/* ARP (RFC 826) for IPv4 over Ethernet: a fixed-size neighbour cache with
 * expiry and LRU replacement, a bounded queue of frames per address being
 * resolved, request retries, replies for our address, and the gratuitous
 * announcement when the interface comes up. */
#include <string.h>

#include "lib/platform.h"
#include "protocols/net/internal.h"

#define ARP_LEN 28
#define ARP_FRAME_MIN 60 /* Ethernet minimum without FCS */
#define ARP_OP_REQUEST 1
#define ARP_OP_REPLY 2
#define ARP_TRIES 3
#define ARP_RETRY_NS (1 * NS_PER_S)

enum arp_state { ARP_FREE, ARP_PENDING, ARP_VALID };

struct arp_pkt {
	struct arp_pkt *next;
	size_t len;
	bool has_meta;
	struct netif_frame_meta meta; /* offloads of a frame that carries them */
	uint8_t data[];
};

struct arp_entry {
	uint32_t ip;
	struct mac_addr mac;
	uint8_t state;
	uint8_t tries;
	uint16_t nq;
	uint64_t deadline; /* VALID: expiry; PENDING: next retry */
	uint64_t refresh;  /* VALID: when a use should first ask again */
	uint64_t used;
	struct arp_pkt *qhead, *qtail;
};

static void arp_timer_fn(struct net *n, struct net_timer *t);

int arp_init(struct net *n)
{
	n->arp = plat_calloc(n->cfg.tun.arp_entries, sizeof *n->arp);
	net_timer_init(&n->arp_timer, arp_timer_fn);
	return n->arp ? 0 : -ENOMEM;
}

static void queue_free(struct arp_entry *e)
{
	while (e->qhead) {
		struct arp_pkt *p = e->qhead;
		e->qhead = p->next;
		plat_free(p);
	}
	e->qtail = NULL;
	e->nq = 0;
}

void arp_fini(struct net *n)
{
	if (!n->arp)
		return;
	for (uint32_t i = 0; i < n->cfg.tun.arp_entries; i++)
		queue_free(&n->arp[i]);
	plat_free(n->arp);
	n->arp = NULL;
}

static void arp_rearm(struct net *n)
{
	uint64_t next = NET_NEVER;
	for (uint32_t i = 0; i < n->cfg.tun.arp_entries; i++)
		if (n->arp[i].state != ARP_FREE && n->arp[i].deadline < next)
			next = n->arp[i].deadline;
	if (next == NET_NEVER)
		net_timer_cancel(n, &n->arp_timer);
	else if (next != n->arp_timer.deadline || !net_timer_armed(&n->arp_timer))
		net_timer_set(n, &n->arp_timer, next);
}

static void arp_send(struct net *n, uint16_t op, const struct mac_addr *dst_mac,
                     const struct mac_addr *tha, uint32_t tpa, uint32_t spa)
{
	uint8_t f[ARP_FRAME_MIN];

	memset(f, 0, sizeof f);
	eth_fill(f, dst_mac, &n->cfg.mac, ETHERTYPE_ARP);
	uint8_t *a = f + ETH_HLEN;
	buf_store_be16(a, 1); /* Ethernet */
	buf_store_be16(a + 2, ETHERTYPE_IPV4);
	a[4] = ETH_ALEN;
	a[5] = 4;
	buf_store_be16(a + 6, op);
	memcpy(a + 8, n->cfg.mac.b, ETH_ALEN);
	buf_store_be32(a + 14, spa);
	memcpy(a + 18, tha->b, ETH_ALEN);
	buf_store_be32(a + 24, tpa);
	struct io_vec v = { f, sizeof f };
	net_tx(n, &v, 1, NULL);
	if (op == ARP_OP_REQUEST)
		n->st.arp_requests_out++;
	else
		n->st.arp_replies_out++;
}

static const struct mac_addr zero_mac;

static void send_request(struct net *n, uint32_t ip)
{
	arp_send(n, ARP_OP_REQUEST, &net_bcast_mac, &zero_mac, ip, n->addr);
}

void arp_announce(struct net *n)
{
	if (n->addr)
		arp_send(n, ARP_OP_REQUEST, &net_bcast_mac, &zero_mac, n->addr, n->addr);
}

void arp_probe(struct net *n, uint32_t ip)
{
	arp_send(n, ARP_OP_REQUEST, &net_bcast_mac, &zero_mac, ip, 0);
}

static struct arp_entry *arp_lookup(struct net *n, uint32_t ip)
{
	struct arp_entry *h = &n->arp[n->arp_hint];
	if (h->state != ARP_FREE && h->ip == ip)
		return h;
	for (uint32_t i = 0; i < n->cfg.tun.arp_entries; i++) {
		if (n->arp[i].state != ARP_FREE && n->arp[i].ip == ip) {
			n->arp_hint = i;
			return &n->arp[i];
		}
	}
	return NULL;
}

/* A free entry, else the least recently used resolved one, else the
 * oldest pending one (whose queued frames are dropped). */
static struct arp_entry *arp_alloc(struct net *n, uint32_t ip)
{
	struct arp_entry *victim = NULL;
	for (uint32_t i = 0; i < n->cfg.tun.arp_entries; i++) {
		struct arp_entry *e = &n->arp[i];
		if (e->state == ARP_FREE) {
			victim = e;
			break;
		}
		if (!victim || (e->state == ARP_VALID && victim->state != ARP_VALID) ||
		    (e->state == victim->state && e->used < victim->used))
			victim = e;
	}
	n->st.arp_queue_drops += victim->nq;
	queue_free(victim);
	memset(victim, 0, sizeof *victim);
	victim->ip = ip;
	victim->used = n->now;
	return victim;
}

static void arp_flush_queue(struct net *n, struct arp_entry *e)
{
	while (e->qhead) {
		struct arp_pkt *p = e->qhead;
		e->qhead = p->next;
		memcpy(p->data, e->mac.b, ETH_ALEN);
		struct io_vec v = { p->data, p->len };
		net_tx(n, &v, 1, p->has_meta ? &p->meta : NULL);
		plat_free(p);
	}
	e->qtail = NULL;
	e->nq = 0;
}

static void arp_update(struct net *n, struct arp_entry *e, const uint8_t *mac)
{
	memcpy(e->mac.b, mac, ETH_ALEN);
	e->state = ARP_VALID;
	e->tries = 0;
	e->deadline = n->now + n->cfg.tun.arp_timeout;
	e->refresh = e->deadline - n->cfg.tun.arp_timeout / 8;
	arp_flush_queue(n, e);
	arp_rearm(n);
}

void arp_input(struct net *n, const uint8_t *frame, size_t len)
{
	n->st.arp_in++;
	if (len < ETH_HLEN + ARP_LEN) {
		n->st.arp_bad++;
		return;
	}
	const uint8_t *a = frame + ETH_HLEN;
	if (buf_load_be16(a) != 1 || buf_load_be16(a + 2) != ETHERTYPE_IPV4 || a[4] != ETH_ALEN || a[5] != 4) {
		n->st.arp_bad++;
		return;
	}
	uint16_t op = buf_load_be16(a + 6);
	const uint8_t *sha = a + 8;
	uint32_t spa = buf_load_be32(a + 14);
	uint32_t tpa = buf_load_be32(a + 24);
	if (op != ARP_OP_REQUEST && op != ARP_OP_REPLY) {
		n->st.arp_bad++;
		return;
	}
	if (n->dhcp)
		dhcp_arp_input(n, op, sha, spa, tpa);
	/* A multicast or broadcast sender address is never a neighbour. */
	bool sane = !(sha[0] & 1) && memcmp(sha, n->cfg.mac.b, ETH_ALEN) != 0;
	bool for_us = n->addr != 0 && tpa == n->addr;

	/* RFC 826 merge: refresh a known sender; learn a new one only when
	 * the packet is for us (it will likely talk to us next). A sender
	 * claiming our own address is a conflict, not a neighbour. */
	if (sane && spa != 0 && spa != n->addr && !ipv4_is_bcast(n, spa)) {
		struct arp_entry *e = arp_lookup(n, spa);
		if (!e && for_us)
			e = arp_alloc(n, spa);
		if (e)
			arp_update(n, e, sha);
	}
	if (op == ARP_OP_REQUEST && for_us && sane && spa != tpa) {
		struct mac_addr to;
		memcpy(to.b, sha, ETH_ALEN);
		arp_send(n, ARP_OP_REPLY, &to, &to, spa, n->addr);
	}
}

int arp_resolve_and_send(struct net *n, uint32_t nexthop, struct io_vec *iov, unsigned niov,
                         const struct netif_frame_meta *meta)
{
	uint8_t *hdr = (uint8_t *)(uintptr_t)iov[0].base;
	struct arp_entry *e = arp_lookup(n, nexthop);

	if (e && e->state == ARP_VALID) {
		e->used = n->now;
		if (n->now >= e->refresh) {
			/* In use near the end of its life: confirm it with a
			 * unicast request (once a second) while still using it,
			 * so that a busy flow never stalls on a fresh
			 * resolution. */
			e->refresh = n->now + ARP_RETRY_NS;
			arp_send(n, ARP_OP_REQUEST, &e->mac, &zero_mac, nexthop, n->addr);
		}
		eth_fill(hdr, &e->mac, &n->cfg.mac, ETHERTYPE_IPV4);
		return net_tx(n, iov, niov, meta);
	}
	if (!e) {
		e = arp_alloc(n, nexthop);
		e->state = ARP_PENDING;
		e->tries = 1;
		e->deadline = n->now + ARP_RETRY_NS;
		send_request(n, nexthop);
		arp_rearm(n);
	}
	/* Hold a flat copy of the frame; when the queue is full the oldest
	 * goes (the newest is the one a transport most wants out). */
	size_t len = 0;
	for (unsigned i = 0; i < niov; i++)
		len += iov[i].len;
	struct arp_pkt *p = plat_alloc(sizeof *p + len);
	if (!p) {
		n->st.arp_queue_drops++;
		return -ENOBUFS;
	}
	eth_fill(hdr, &zero_mac, &n->cfg.mac, ETHERTYPE_IPV4);
	p->next = NULL;
	p->len = len;
	p->has_meta = meta != NULL;
	if (meta)
		p->meta = *meta;
	size_t off = 0;
	for (unsigned i = 0; i < niov; i++) {
		memcpy(p->data + off, iov[i].base, iov[i].len);
		off += iov[i].len;
	}
	if (e->nq >= n->cfg.tun.arp_queue) {
		struct arp_pkt *old = e->qhead;
		e->qhead = old->next;
		if (!e->qhead)
			e->qtail = NULL;
		plat_free(old);
		e->nq--;
		n->st.arp_queue_drops++;
	}
	if (e->qtail)
		e->qtail->next = p;
	else
		e->qhead = p;
	e->qtail = p;
	e->nq++;
	n->st.arp_queued++;
	return 0;
}

static void arp_timer_fn(struct net *n, struct net_timer *t)
{
	(void)t;
	for (uint32_t i = 0; i < n->cfg.tun.arp_entries; i++) {
		struct arp_entry *e = &n->arp[i];
		if (e->state == ARP_FREE || e->deadline > n->now)
			continue;
		if (e->state == ARP_PENDING && e->tries < ARP_TRIES) {
			e->tries++;
			e->deadline = n->now + ARP_RETRY_NS;
			send_request(n, e->ip);
			continue;
		}
		if (e->state == ARP_PENDING) {
			n->st.arp_unresolved++;
			n->st.arp_queue_drops += e->nq;
		}
		queue_free(e);
		e->state = ARP_FREE;
	}
	arp_rearm(n);
}
