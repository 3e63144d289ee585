/* DHCP client (RFC 2131, options of RFC 2132): discover, request, an ARP
 * probe of the offered address (declined when someone answers), bound
 * with timers for renewing (T1, unicast to the server that granted the
 * lease), rebinding (T2, broadcast) and expiry (the address is dropped and
 * discovery starts again). One heap timer drives every retransmission.
 * Replies come straight from UDP's input path (no socket queue). */
#include <string.h>

#include "lib/platform.h"
#include "protocols/net/dhcp.h"
#include "protocols/net/internal.h"

#define DHCP_SERVER_PORT 67
#define DHCP_CLIENT_PORT 68
#define BOOTP_FIXED 236     /* op .. file */
#define DHCP_OPTS_AT 240    /* after the magic cookie */
#define DHCP_COOKIE 0x63825363u
#define BOOTP_MIN 300       /* RFC 1542: some relays drop shorter messages */
#define DHCP_BUF 576

/* Message types (option 53). */
enum { MSG_DISCOVER = 1, MSG_OFFER, MSG_REQUEST, MSG_DECLINE, MSG_ACK, MSG_NAK, MSG_RELEASE };

/* Options used here (RFC 2132). */
enum {
	OPT_PAD = 0,
	OPT_MASK = 1,
	OPT_ROUTER = 3,
	OPT_DNS = 6,
	OPT_HOSTNAME = 12,
	OPT_REQ_ADDR = 50,
	OPT_LEASE = 51,
	OPT_OVERLOAD = 52,
	OPT_MSG_TYPE = 53,
	OPT_SERVER = 54,
	OPT_PARAMS = 55,
	OPT_MAX_SIZE = 57,
	OPT_T1 = 58,
	OPT_T2 = 59,
	OPT_CLIENT_ID = 61,
	OPT_END = 255
};

/* RFC 2131 4.1: retransmit after 4 s, doubling up to 64 s, each +-1 s. */
#define BACKOFF_FIRST (4 * NS_PER_S)
#define BACKOFF_MAX (64 * NS_PER_S)
/* Requests for an offer before going back to discovery (4+8+16+32 s). */
#define REQUEST_TRIES 4
/* RFC 2131 4.4.5: in RENEWING and REBINDING, wait half the time left,
 * but at least this long, between retransmissions. */
#define RENEW_MIN (60 * NS_PER_S)
/* RFC 2131 3.1.5: at least ten seconds between a DHCPDECLINE and the next
 * discovery; a second after a DHCPNAK keeps a confused server from making
 * a tight loop of it. */
#define DECLINE_WAIT (10 * NS_PER_S)
#define NAK_WAIT (1 * NS_PER_S)
#define PROBES 2
#define PROBE_DEFAULT (500 * NS_PER_MS)

struct dhcp {
	struct net *net;
	struct udp_pcb *pcb;
	struct net_timer timer;
	enum dhcp_state state;
	struct dhcp_params p;
	char hostname[64];
	uint32_t xid;
	uint64_t rnd;          /* counter for the keyed random stream */
	uint64_t began;        /* start of this exchange (the secs field) */
	uint64_t sent_at;      /* last DHCPREQUEST sent: where a lease starts */
	unsigned tries;        /* transmissions in this state */
	unsigned probes;       /* ARP probes sent (CHECKING) */
	uint32_t offer_addr, offer_server;
	uint32_t prev_addr;    /* asked for again after losing it */
	bool have_lease;
	struct dhcp_lease lease;   /* held (BOUND..REBINDING) */
	struct dhcp_lease cand;    /* ACKed, being probed (CHECKING) */
};

/* A parsed server message. */
struct dhcp_msg {
	uint8_t type;
	uint32_t yiaddr;
	uint32_t server, mask, router, lease, t1, t2;
	uint32_t dns[2];
	bool has_server, has_mask, has_lease, has_t1, has_t2;
	uint8_t overload;
};

static const char *const state_names[] = {
	[DHCP_OFF] = "off",
	[DHCP_INIT] = "init",
	[DHCP_SELECTING] = "selecting",
	[DHCP_REQUESTING] = "requesting",
	[DHCP_CHECKING] = "checking",
	[DHCP_BOUND] = "bound",
	[DHCP_RENEWING] = "renewing",
	[DHCP_REBINDING] = "rebinding",
};

const char *dhcp_state_name(enum dhcp_state s)
{
	return (unsigned)s < sizeof state_names / sizeof state_names[0] ? state_names[s] : "?";
}

/* ---- helpers ------------------------------------------------------------------ */

/* Keyed pseudo-random numbers for transaction IDs and jitter: not
 * guessable from outside (RFC 2131 asks for random xids). */
static uint64_t dhcp_random(struct dhcp *d)
{
	uint64_t in[2] = { UINT64_C(0x64686370), d->rnd++ };
	return net_siphash(d->net->hash_key, in, sizeof in);
}

/* A delay of base +- 1 s (base is at least 4 s). */
static uint64_t jittered(struct dhcp *d, uint64_t base)
{
	return base - NS_PER_S + dhcp_random(d) % (2 * NS_PER_S + 1);
}

static uint64_t backoff(struct dhcp *d)
{
	uint64_t b = BACKOFF_FIRST;
	for (unsigned i = 1; i < d->tries && b < BACKOFF_MAX; i++)
		b *= 2;
	return jittered(d, b < BACKOFF_MAX ? b : BACKOFF_MAX);
}

static void arm(struct dhcp *d, uint64_t at)
{
	net_timer_set(d->net, &d->timer, at);
}

static void notify(struct dhcp *d, enum dhcp_event ev)
{
	if (d->p.notify)
		d->p.notify(d->p.notify_ctx, ev);
}

static bool usable_addr(uint32_t a)
{
	uint8_t top = (uint8_t)(a >> 24);
	return a != 0 && a != 0xffffffffu && top != 0 && top != 127 && top < 224;
}

/* Prefix length of a contiguous mask, or -1. */
static int mask_prefix(uint32_t m)
{
	int p = 0;
	while (p < 32 && (m & (UINT32_C(0x80000000) >> p)))
		p++;
	if (p < 32 && (m << p) != 0)
		return -1;
	return p;
}

/* RFC 2131 says a server sends the mask; without one, the address's
 * class (RFC 1122 3.3.1.1's default) is the best guess there is. */
static uint8_t classful_prefix(uint32_t a)
{
	if ((a >> 31) == 0)
		return 8;
	if ((a >> 30) == 2)
		return 16;
	return 24;
}

/* ---- sending -------------------------------------------------------------------- */

struct optw {
	uint8_t *b;
	size_t len, cap;
};

static void opt_put(struct optw *w, uint8_t code, const void *val, size_t len)
{
	if (w->len + 2 + len + 1 > w->cap) /* keep room for the end option */
		return;
	w->b[w->len++] = code;
	w->b[w->len++] = (uint8_t)len;
	memcpy(w->b + w->len, val, len);
	w->len += len;
}

static void opt_put_be32(struct optw *w, uint8_t code, uint32_t v)
{
	uint8_t b[4];
	buf_store_be32(b, v);
	opt_put(w, code, b, 4);
}

/* Build and send one message. ciaddr is ours when we hold the address;
 * req/server go into options 50 and 54 when non-zero. */
static void send_msg(struct dhcp *d, uint8_t type, uint32_t ciaddr, uint32_t req, uint32_t server,
                     uint32_t dst)
{
	struct net *n = d->net;
	uint8_t m[DHCP_BUF];
	memset(m, 0, sizeof m);
	m[0] = 1; /* BOOTREQUEST */
	m[1] = 1; /* Ethernet */
	m[2] = ETH_ALEN;
	buf_store_be32(m + 4, d->xid);
	uint64_t secs = (n->now - d->began) / NS_PER_S;
	buf_store_be16(m + 8, (uint16_t)(secs > 0xffff ? 0xffff : secs));
	buf_store_be32(m + 12, ciaddr);
	memcpy(m + 28, n->cfg.mac.b, ETH_ALEN);
	buf_store_be32(m + BOOTP_FIXED, DHCP_COOKIE);

	struct optw w = { m + DHCP_OPTS_AT, 0, sizeof m - DHCP_OPTS_AT };
	opt_put(&w, OPT_MSG_TYPE, &type, 1);
	uint8_t cid[1 + ETH_ALEN] = { 1 };
	memcpy(cid + 1, n->cfg.mac.b, ETH_ALEN);
	opt_put(&w, OPT_CLIENT_ID, cid, sizeof cid);
	if (req)
		opt_put_be32(&w, OPT_REQ_ADDR, req);
	if (server)
		opt_put_be32(&w, OPT_SERVER, server);
	if (type == MSG_DISCOVER || type == MSG_REQUEST) {
		uint8_t size[2];
		uint32_t max = n->cfg.mtu < DHCP_BUF ? DHCP_BUF : n->cfg.mtu;
		buf_store_be16(size, (uint16_t)max);
		opt_put(&w, OPT_MAX_SIZE, size, 2);
		static const uint8_t params[] = { OPT_MASK, OPT_ROUTER, OPT_DNS, OPT_LEASE, OPT_T1, OPT_T2 };
		opt_put(&w, OPT_PARAMS, params, sizeof params);
		size_t hl = strlen(d->hostname);
		if (hl)
			opt_put(&w, OPT_HOSTNAME, d->hostname, hl);
	}
	w.b[w.len++] = OPT_END;
	size_t len = DHCP_OPTS_AT + w.len;
	if (len < BOOTP_MIN)
		len = BOOTP_MIN;
	if (udp_sendto(d->pcb, m, len, dst, DHCP_SERVER_PORT) >= 0)
		n->st.dhcp_out++;
}

static void new_exchange(struct dhcp *d)
{
	d->xid = (uint32_t)dhcp_random(d);
	d->began = d->net->now;
	d->tries = 0;
}

static void send_discover(struct dhcp *d)
{
	d->tries++;
	send_msg(d, MSG_DISCOVER, 0, d->prev_addr, 0, 0xffffffffu);
	arm(d, d->net->now + backoff(d));
}

/* RFC 2131 4.4.5: in RENEWING and REBINDING the next try comes after half
 * the time left until `until` (T2, expiry), at least RENEW_MIN, and never
 * after `until` itself. */
static uint64_t retry_at(uint64_t now, uint64_t until)
{
	if (until <= now)
		return now;
	uint64_t left = until - now, wait = left / 2 > RENEW_MIN ? left / 2 : RENEW_MIN;
	return wait < left ? now + wait : until;
}

static void send_request(struct dhcp *d)
{
	struct net *n = d->net;
	d->tries++;
	d->sent_at = n->now;
	switch (d->state) {
	case DHCP_REQUESTING:
		send_msg(d, MSG_REQUEST, 0, d->offer_addr, d->offer_server, 0xffffffffu);
		arm(d, n->now + backoff(d));
		break;
	case DHCP_RENEWING:
		send_msg(d, MSG_REQUEST, d->lease.addr, 0, 0, d->lease.server);
		arm(d, retry_at(n->now, d->lease.t2));
		break;
	case DHCP_REBINDING:
		send_msg(d, MSG_REQUEST, d->lease.addr, 0, 0, 0xffffffffu);
		arm(d, retry_at(n->now, d->lease.expiry));
		break;
	default:
		break;
	}
}

/* ---- state changes -------------------------------------------------------------- */

/* Back to discovery after wait (the address, if any, already dropped). */
static void restart(struct dhcp *d, uint64_t wait)
{
	d->state = DHCP_INIT;
	d->have_lease = false;
	arm(d, d->net->now + wait);
}

static void configure(struct dhcp *d, const struct dhcp_lease *l)
{
	struct ipv4_cidr c = { .addr = { l->addr }, .prefix = l->prefix };
	struct ipv4_addr gw = { l->gateway };
	net_set_addr(d->net, c, gw);
}

static void bind_lease(struct dhcp *d, const struct dhcp_lease *l)
{
	struct net *n = d->net;
	bool same = d->have_lease && d->lease.addr == l->addr && d->lease.prefix == l->prefix &&
	            d->lease.gateway == l->gateway;
	d->lease = *l;
	d->have_lease = true;
	d->state = DHCP_BOUND;
	d->prev_addr = l->addr;
	if (!same) {
		configure(d, l);
		arp_announce(n);
	}
	if (l->t1 == NET_NEVER)
		net_timer_cancel(n, &d->timer);
	else
		arm(d, l->t1);
	notify(d, same ? DHCP_EV_RENEWED : DHCP_EV_BOUND);
}

static void lose_lease(struct dhcp *d, uint64_t wait)
{
	struct ipv4_cidr none = { .addr = { 0 }, .prefix = 0 };
	struct ipv4_addr nogw = { 0 };
	net_set_addr(d->net, none, nogw);
	d->net->st.dhcp_lost++;
	restart(d, wait);
	notify(d, DHCP_EV_LOST);
}

static void dhcp_timer_fn(struct net *n, struct net_timer *t)
{
	struct dhcp *d = n->dhcp;
	(void)t;
	if (!d)
		return;
	if (d->have_lease && n->now >= d->lease.expiry) {
		lose_lease(d, 0);
		return;
	}
	switch (d->state) {
	case DHCP_INIT:
		new_exchange(d);
		d->state = DHCP_SELECTING;
		send_discover(d);
		break;
	case DHCP_SELECTING:
		send_discover(d);
		break;
	case DHCP_REQUESTING:
		if (d->tries >= REQUEST_TRIES)
			restart(d, 0);
		else
			send_request(d);
		break;
	case DHCP_CHECKING:
		if (d->probes < PROBES) {
			d->probes++;
			arp_probe(n, d->cand.addr);
			arm(d, n->now + d->p.probe_ns / PROBES);
		} else {
			bind_lease(d, &d->cand);
		}
		break;
	case DHCP_BOUND:
		/* (Past T2 already if the timer ran late.) */
		new_exchange(d);
		d->state = n->now >= d->lease.t2 ? DHCP_REBINDING : DHCP_RENEWING;
		send_request(d);
		break;
	case DHCP_RENEWING:
		if (n->now >= d->lease.t2)
			d->state = DHCP_REBINDING;
		send_request(d);
		break;
	case DHCP_REBINDING:
		send_request(d);
		break;
	case DHCP_OFF:
		break;
	}
}

/* ---- receiving -------------------------------------------------------------------- */

/* Options in one region; false when one runs past its end. */
static bool parse_opts(const uint8_t *p, size_t len, struct dhcp_msg *m, bool top)
{
	size_t i = 0;
	while (i < len) {
		uint8_t code = p[i];
		if (code == OPT_PAD) {
			i++;
			continue;
		}
		if (code == OPT_END)
			return true;
		if (i + 2 > len || i + 2 + p[i + 1] > len)
			return false;
		uint8_t ol = p[i + 1];
		const uint8_t *v = p + i + 2;
		/* When an option comes twice, the first one counts (RFC 3396's
		 * concatenation matters only for options longer than these). */
		switch (code) {
		case OPT_MSG_TYPE:
			if (ol == 1 && !m->type)
				m->type = v[0];
			break;
		case OPT_SERVER:
			if (ol == 4 && !m->has_server) {
				m->server = buf_load_be32(v);
				m->has_server = true;
			}
			break;
		case OPT_MASK:
			if (ol == 4 && !m->has_mask) {
				m->mask = buf_load_be32(v);
				m->has_mask = true;
			}
			break;
		case OPT_ROUTER:
			if (ol >= 4 && !m->router)
				m->router = buf_load_be32(v);
			break;
		case OPT_DNS:
			if (ol >= 4 && !m->dns[0]) {
				m->dns[0] = buf_load_be32(v);
				if (ol >= 8)
					m->dns[1] = buf_load_be32(v + 4);
			}
			break;
		case OPT_LEASE:
			if (ol == 4 && !m->has_lease) {
				m->lease = buf_load_be32(v);
				m->has_lease = true;
			}
			break;
		case OPT_T1:
			if (ol == 4 && !m->has_t1) {
				m->t1 = buf_load_be32(v);
				m->has_t1 = true;
			}
			break;
		case OPT_T2:
			if (ol == 4 && !m->has_t2) {
				m->t2 = buf_load_be32(v);
				m->has_t2 = true;
			}
			break;
		case OPT_OVERLOAD:
			/* Only the options field may say the others hold options. */
			if (ol == 1 && top && v[0] >= 1 && v[0] <= 3)
				m->overload = v[0];
			break;
		default:
			break;
		}
		i += 2 + (size_t)ol;
	}
	return true;
}

/* A server's reply for our transaction, parsed; false if it is not one. */
static bool parse_reply(struct dhcp *d, const uint8_t *b, size_t len, struct dhcp_msg *m)
{
	memset(m, 0, sizeof *m);
	if (len < DHCP_OPTS_AT || b[0] != 2 || b[1] != 1 || b[2] != ETH_ALEN)
		return false;
	if (buf_load_be32(b + 4) != d->xid || memcmp(b + 28, d->net->cfg.mac.b, ETH_ALEN) != 0)
		return false;
	if (buf_load_be32(b + BOOTP_FIXED) != DHCP_COOKIE)
		return false;
	m->yiaddr = buf_load_be32(b + 16);
	if (!parse_opts(b + DHCP_OPTS_AT, len - DHCP_OPTS_AT, m, true))
		return false;
	/* RFC 2132 9.3: overloaded fields are read after the options field,
	 * file first, then sname. */
	if ((m->overload & 1) && !parse_opts(b + 108, 128, m, false))
		return false;
	if ((m->overload & 2) && !parse_opts(b + 44, 64, m, false))
		return false;
	return m->type != 0;
}

/* The lease an ACK grants, timed from the request that asked for it. */
static bool lease_from(struct dhcp *d, const struct dhcp_msg *m, uint32_t server, struct dhcp_lease *l)
{
	if (!usable_addr(m->yiaddr) || !m->has_lease || m->lease == 0)
		return false;
	memset(l, 0, sizeof *l);
	l->addr = m->yiaddr;
	int pfx = m->has_mask ? mask_prefix(m->mask) : -1;
	l->prefix = pfx > 0 ? (uint8_t)pfx : classful_prefix(m->yiaddr);
	l->gateway = usable_addr(m->router) ? m->router : 0;
	l->server = server;
	l->dns[0] = m->dns[0];
	l->dns[1] = m->dns[1];
	l->lease_s = m->lease;
	l->start = d->sent_at;
	if (m->lease == UINT32_MAX) {
		l->t1 = l->t2 = l->expiry = NET_NEVER;
		return true;
	}
	/* RFC 2131 4.4.5: T1 = 0.5, T2 = 0.875 of the lease unless the server
	 * says otherwise (and sensibly: T1 <= T2 <= lease). */
	uint64_t lease = m->lease;
	uint64_t t2 = m->has_t2 && m->t2 <= lease ? m->t2 : lease * 7 / 8;
	uint64_t t1 = m->has_t1 && m->t1 <= t2 ? m->t1 : (lease / 2 < t2 ? lease / 2 : t2);
	l->expiry = l->start + lease * NS_PER_S;
	l->t2 = l->start + t2 * NS_PER_S;
	l->t1 = l->start + t1 * NS_PER_S;
	return true;
}

static void dhcp_input(void *ctx, const struct ip_rx *rx, uint16_t sport, const uint8_t *data, size_t len)
{
	struct dhcp *d = ctx;
	struct net *n = d->net;
	struct dhcp_msg m;
	n->st.dhcp_in++;
	if (sport != DHCP_SERVER_PORT || !parse_reply(d, data, len, &m)) {
		n->st.dhcp_bad++;
		return;
	}
	/* A server that leaves its identifier out is known by its address. */
	uint32_t server = m.has_server ? m.server : rx->src;
	struct dhcp_lease l;

	switch (d->state) {
	case DHCP_SELECTING:
		if (m.type != MSG_OFFER || !usable_addr(m.yiaddr))
			break;
		/* The first acceptable offer wins (RFC 2131 allows waiting
		 * for more; nothing here would choose better). */
		n->st.dhcp_offers++;
		d->offer_addr = m.yiaddr;
		d->offer_server = server;
		d->state = DHCP_REQUESTING;
		d->tries = 0;
		send_request(d);
		return;
	case DHCP_REQUESTING:
		if (server != d->offer_server)
			break;
		if (m.type == MSG_NAK) {
			n->st.dhcp_naks++;
			restart(d, NAK_WAIT);
			return;
		}
		if (m.type != MSG_ACK || !lease_from(d, &m, server, &l))
			break;
		n->st.dhcp_acks++;
		if (d->p.no_probe) {
			bind_lease(d, &l);
			return;
		}
		d->cand = l;
		d->state = DHCP_CHECKING;
		d->probes = 0;
		arm(d, n->now);
		return;
	case DHCP_RENEWING:
	case DHCP_REBINDING:
		if (m.type == MSG_NAK) {
			n->st.dhcp_naks++;
			lose_lease(d, NAK_WAIT);
			return;
		}
		if (m.type != MSG_ACK || !lease_from(d, &m, server, &l))
			break;
		n->st.dhcp_acks++;
		bind_lease(d, &l);
		return;
	default:
		break;
	}
	n->st.dhcp_ignored++;
}

void dhcp_arp_input(struct net *n, uint16_t op, const uint8_t *sha, uint32_t spa, uint32_t tpa)
{
	struct dhcp *d = n->dhcp;
	if (!d || d->state != DHCP_CHECKING || memcmp(sha, n->cfg.mac.b, ETH_ALEN) == 0)
		return;
	/* RFC 5227 2.1.1: the address is taken if its owner speaks, or if
	 * someone else is probing for it at the same time. */
	if (spa != d->cand.addr && !(op == 1 && spa == 0 && tpa == d->cand.addr))
		return;
	n->st.dhcp_declines++;
	send_msg(d, MSG_DECLINE, 0, d->cand.addr, d->cand.server, 0xffffffffu);
	d->prev_addr = 0;
	restart(d, DECLINE_WAIT);
	notify(d, DHCP_EV_DECLINED);
}

/* ---- the interface ------------------------------------------------------------------ */

int dhcp_start(struct net *n, const struct dhcp_params *p)
{
	net_clock(n);
	if (n->dhcp)
		return -EBUSY;
	struct dhcp *d = plat_calloc(1, sizeof *d);
	if (!d)
		return -ENOMEM;
	d->net = n;
	if (p)
		d->p = *p;
	if (!d->p.probe_ns)
		d->p.probe_ns = PROBE_DEFAULT;
	if (d->p.hostname) {
		size_t hl = strlen(d->p.hostname);
		if (hl >= sizeof d->hostname)
			hl = sizeof d->hostname - 1;
		memcpy(d->hostname, d->p.hostname, hl);
	}
	d->p.hostname = d->hostname;
	int rc = udp_bind(n, 0, DHCP_CLIENT_PORT, &d->pcb);
	if (rc < 0) {
		plat_free(d);
		return rc;
	}
	udp_set_input(d->pcb, dhcp_input, d);
	net_timer_init(&d->timer, dhcp_timer_fn);
	n->dhcp = d;
	struct ipv4_cidr none = { .addr = { 0 }, .prefix = 0 };
	struct ipv4_addr nogw = { 0 };
	net_set_addr(n, none, nogw);
	d->state = DHCP_INIT;
	dhcp_timer_fn(n, &d->timer);
	return 0;
}

void dhcp_stop(struct net *n, bool release)
{
	struct dhcp *d = n->dhcp;
	if (!d)
		return;
	net_clock(n);
	if (release && d->have_lease) {
		d->xid = (uint32_t)dhcp_random(d);
		send_msg(d, MSG_RELEASE, d->lease.addr, 0, d->lease.server, d->lease.server);
	}
	net_timer_cancel(n, &d->timer);
	udp_close(d->pcb);
	n->dhcp = NULL;
	plat_free(d);
}

enum dhcp_state dhcp_get_state(const struct net *n)
{
	return n->dhcp ? n->dhcp->state : DHCP_OFF;
}

bool dhcp_get_lease(const struct net *n, struct dhcp_lease *out)
{
	const struct dhcp *d = n->dhcp;
	if (!d || !d->have_lease)
		return false;
	*out = d->lease;
	return true;
}
