/* The net stack instance: creation with defaulted tunables, the timer heap
 * every protocol's timers live in, the entry points from the driver (frames
 * in, timers due) and the shared helpers (keyed hash, tx). */
#include <string.h>

#include "lib/platform.h"
#include "protocols/net/dhcp.h"
#include "protocols/net/internal.h"

/* ---- SipHash-2-4 ---------------------------------------------------------- */

static inline uint64_t rotl64(uint64_t x, unsigned b)
{
	return (x << b) | (x >> (64 - b));
}

static inline uint64_t load_le64(const uint8_t *p)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

#define SIP_ROUND(v0, v1, v2, v3)                   \
	do {                                            \
		v0 += v1;                                   \
		v1 = rotl64(v1, 13) ^ v0;                   \
		v0 = rotl64(v0, 32);                        \
		v2 += v3;                                   \
		v3 = rotl64(v3, 16) ^ v2;                   \
		v0 += v3;                                   \
		v3 = rotl64(v3, 21) ^ v0;                   \
		v2 += v1;                                   \
		v1 = rotl64(v1, 17) ^ v2;                   \
		v2 = rotl64(v2, 32);                        \
	} while (0)

uint64_t net_siphash(const uint8_t key[16], const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t k0 = load_le64(key), k1 = load_le64(key + 8);
	uint64_t v0 = k0 ^ UINT64_C(0x736f6d6570736575), v1 = k1 ^ UINT64_C(0x646f72616e646f6d);
	uint64_t v2 = k0 ^ UINT64_C(0x6c7967656e657261), v3 = k1 ^ UINT64_C(0x7465646279746573);
	uint64_t last = (uint64_t)len << 56;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		uint64_t m = load_le64(p + i);
		v3 ^= m;
		SIP_ROUND(v0, v1, v2, v3);
		SIP_ROUND(v0, v1, v2, v3);
		v0 ^= m;
	}
	for (unsigned j = 0; i + j < len; j++)
		last |= (uint64_t)p[i + j] << (8 * j);
	v3 ^= last;
	SIP_ROUND(v0, v1, v2, v3);
	SIP_ROUND(v0, v1, v2, v3);
	v0 ^= last;
	v2 ^= 0xff;
	for (int r = 0; r < 4; r++)
		SIP_ROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

/* ---- timers: a 4-ary min-heap (shallower than a binary one, so fewer
 * cache misses per re-arm, which TCP does on nearly every ACK) ---------- */

void net_timer_init(struct net_timer *t, net_timer_fn fn)
{
	t->deadline = NET_NEVER;
	t->slot = 0;
	t->fn = fn;
}

static void heap_place(struct net *n, uint32_t i, struct net_timer *t)
{
	n->heap[i] = t;
	t->slot = i + 1;
}

static void heap_up(struct net *n, uint32_t i, struct net_timer *t)
{
	while (i > 0) {
		uint32_t parent = (i - 1) / 4;
		if (n->heap[parent]->deadline <= t->deadline)
			break;
		heap_place(n, i, n->heap[parent]);
		i = parent;
	}
	heap_place(n, i, t);
}

static void heap_down(struct net *n, uint32_t i, struct net_timer *t)
{
	for (;;) {
		uint32_t first = 4 * i + 1, best = i;
		uint64_t best_dl = t->deadline;
		for (uint32_t c = first; c < first + 4 && c < n->nheap; c++) {
			if (n->heap[c]->deadline < best_dl) {
				best = c;
				best_dl = n->heap[c]->deadline;
			}
		}
		if (best == i)
			break;
		heap_place(n, i, n->heap[best]);
		i = best;
	}
	heap_place(n, i, t);
}

static void heap_remove(struct net *n, struct net_timer *t)
{
	uint32_t i = t->slot - 1;
	struct net_timer *last = n->heap[--n->nheap];

	t->slot = 0;
	if (last == t)
		return;
	if (i > 0 && n->heap[(i - 1) / 4]->deadline > last->deadline)
		heap_up(n, i, last);
	else
		heap_down(n, i, last);
}

int net_timer_set(struct net *n, struct net_timer *t, uint64_t deadline)
{
	if (t->slot) {
		uint64_t old = t->deadline;
		t->deadline = deadline;
		if (deadline < old)
			heap_up(n, t->slot - 1, t);
		else if (deadline > old)
			heap_down(n, t->slot - 1, t);
		return 0;
	}
	if (n->nheap == n->heap_cap) {
		uint32_t cap = n->heap_cap ? n->heap_cap * 2 : 64;
		struct net_timer **h = plat_realloc(n->heap, cap * sizeof *h);
		if (!h)
			return -ENOMEM;
		n->heap = h;
		n->heap_cap = cap;
	}
	t->deadline = deadline;
	heap_up(n, n->nheap++, t);
	return 0;
}

void net_timer_cancel(struct net *n, struct net_timer *t)
{
	if (t->slot)
		heap_remove(n, t);
	t->deadline = NET_NEVER;
}

uint64_t net_next_deadline(const struct net *n)
{
	return n->nheap ? n->heap[0]->deadline : NET_NEVER;
}

void net_run_timers(struct net *n)
{
	net_clock(n);
	/* Bounded: a callback that re-arms for a time already past runs again
	 * on the next call, not in an endless loop here. */
	for (uint32_t budget = n->nheap + 64; budget && n->nheap; budget--) {
		struct net_timer *t = n->heap[0];
		if (t->deadline > n->now)
			break;
		heap_remove(n, t);
		t->deadline = NET_NEVER;
		t->fn(n, t);
	}
}

/* ---- instance --------------------------------------------------------------- */

#define DEF(field, value)               \
	do {                                \
		if (!t->field)                  \
			t->field = (value);         \
	} while (0)

static void fill_defaults(struct net_tunables *t)
{
	DEF(arp_entries, 64);
	DEF(arp_timeout, 300 * NS_PER_S);
	DEF(arp_queue, 8);
	DEF(reass_timeout, 30 * NS_PER_S);
	DEF(reass_mem, 512 * 1024);
	DEF(reass_max, 16);
	DEF(icmp_rate, 100);
	DEF(icmp_burst, 50);
	DEF(ttl, 64);
	DEF(udp_rcvq, 256 * 1024);
	DEF(tcp_sndbuf, 256 * 1024);
	DEF(tcp_rcvbuf, 256 * 1024);
	DEF(tcp_rto_min, 200 * NS_PER_MS);
	DEF(tcp_rto_max, 60 * NS_PER_S);
	DEF(tcp_rto_initial, NS_PER_S);
	DEF(tcp_retries, 12);
	DEF(tcp_syn_retries, 6);
	DEF(tcp_msl, 30 * NS_PER_S);
	DEF(tcp_fin_timeout, 60 * NS_PER_S);
	DEF(tcp_max_time_wait, 16384);
	DEF(tcp_delack, 40 * NS_PER_MS);
	DEF(tcp_keep_idle, 7200 * NS_PER_S);
	DEF(tcp_keep_intvl, 75 * NS_PER_S);
	DEF(tcp_keep_count, 9);
	DEF(tcp_syn_backlog, 4096);
	DEF(tcp_challenge_ack, 1000);
	DEF(tcp_hash, 1024);
}

static uint32_t pow2_at_least(uint32_t v, uint32_t lo, uint32_t hi)
{
	uint32_t p = lo;
	while (p < v && p < hi)
		p <<= 1;
	return p;
}

const struct mac_addr net_bcast_mac = { { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };

struct net *net_create(const struct net_config *cfg)
{
	if (!cfg || !cfg->clock || !cfg->tx)
		return NULL;
	struct net *n = plat_calloc(1, sizeof *n);
	if (!n)
		return NULL;
	n->cfg = *cfg;
	if (!n->cfg.mtu)
		n->cfg.mtu = 1500;
	if (n->cfg.mtu < 576)
		n->cfg.mtu = 576;
	if (n->cfg.mtu > IP_MAXPACKET)
		n->cfg.mtu = IP_MAXPACKET;
	if (!n->cfg.tx_meta || !(n->cfg.offload & NETIF_F_CSUM))
		n->cfg.offload = 0; /* segmentation needs the link to do the checksums */
	if (n->cfg.gso_max > IP_MAXPACKET || n->cfg.gso_max <= n->cfg.mtu)
		n->cfg.offload &= ~(uint32_t)NETIF_F_TSO4;
	struct net_tunables *t = &n->cfg.tun;
	fill_defaults(t);
	t->tcp_sndbuf = pow2_at_least(t->tcp_sndbuf, 4096, 1u << 30);
	t->tcp_rcvbuf = pow2_at_least(t->tcp_rcvbuf, 4096, 1u << 30);
	t->tcp_hash = pow2_at_least(t->tcp_hash, 16, 1u << 24);

	/* Independent keys for independent uses, all from the one secret. */
	uint64_t k[4];
	for (unsigned i = 0; i < 4; i++)
		k[i] = net_siphash(cfg->secret, &i, sizeof i);
	memcpy(n->isn_key, &k[0], 16);
	memcpy(n->hash_key, &k[2], 16);
	n->ip_id = (uint16_t)k[0];
	n->port_counter = (uint32_t)k[1];
	n->udp_next_port = (uint16_t)(49152 + (k[3] % 16384));

	net_clock(n);
	n->icmp_tokens = t->icmp_burst;
	n->icmp_refill = n->now;
	net_set_addr(n, cfg->ip, cfg->gateway);
	if (arp_init(n) < 0 || reass_init(n) < 0 || tcp_init(n) < 0) {
		net_destroy(n);
		return NULL;
	}
	return n;
}

void net_destroy(struct net *n)
{
	if (!n)
		return;
	dhcp_stop(n, false);
	tcp_fini(n);
	udp_fini(n);
	reass_fini(n);
	arp_fini(n);
	plat_free(n->heap);
	plat_free(n);
}

void net_set_addr(struct net *n, struct ipv4_cidr ip, struct ipv4_addr gateway)
{
	uint8_t prefix = ip.prefix > 32 ? 32 : ip.prefix;
	n->addr = ip.addr.v;
	n->mask = prefix ? ~UINT32_C(0) << (32 - prefix) : 0;
	n->gw = gateway.v;
}

uint32_t net_addr(const struct net *n)
{
	return n->addr;
}

void net_up(struct net *n)
{
	net_clock(n);
	arp_announce(n);
}

void net_input(struct net *n, const uint8_t *frame, size_t len)
{
	net_clock(n);
	eth_input(n, frame, len);
}

void net_input_meta(struct net *n, const uint8_t *frame, size_t len, const struct netif_frame_meta *meta)
{
	net_clock(n);
	n->rx_csum_ok = meta && (meta->flags & (NETIF_META_CSUM_PARTIAL | NETIF_META_CSUM_VALID));
	eth_input(n, frame, len);
	n->rx_csum_ok = false;
}

const struct net_stats *net_get_stats(const struct net *n)
{
	return &n->st;
}

const struct net_tunables *net_get_tunables(const struct net *n)
{
	return &n->cfg.tun;
}

int net_tx(struct net *n, const struct io_vec *iov, unsigned niov, const struct netif_frame_meta *meta)
{
	int rc = meta ? n->cfg.tx_meta(n->cfg.tx_arg, iov, niov, meta) : n->cfg.tx(n->cfg.tx_arg, iov, niov);
	if (rc < 0)
		n->st.tx_errors++;
	else
		n->st.eth_out++;
	return rc;
}
