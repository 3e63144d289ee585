/* stack "tcpip": the blocking, fiber-facing stack device over the
 * non-blocking protocol core. Every call tries the core first and parks the
 * fiber on the handle's condition only when the core says -EAGAIN; the
 * core's upcalls signal those conditions, frames from the netif go straight
 * into net_input from the scheduler's context, and a single scheduler timer
 * tracks the core's earliest protocol deadline. */
#include <limits.h>
#include <stddef.h>
#include <string.h>

#include "lib/fmt.h"
#include "lib/log.h"
#include "lib/platform.h"
#include "protocols/net/dhcp.h"
#include "protocols/net/net.h"
#include "protocols/net/stack_tcpip.h"
#include "protocols/net/tcp.h"
#include "protocols/net/udp.h"

LOG_SOURCE(dhcp);

#define DHCP_TIMEOUT_DEFAULT (UINT64_C(30) * 1000000000)

enum handle_kind { H_LISTENER, H_FLOW, H_UDP };

/* Listeners, flows and UDP sockets share one handle layout; the public
 * opaque types wrap it. When fibers may free it, and what they see, is
 * devices/stack_handle.h's part; this file adds the protocol object and
 * the conditions its upcalls signal. */
struct tcpip_handle {
	struct stack_handle base;
	struct cond rcond, wcond; /* readable (or accept), writable (or connected) */
	enum handle_kind kind;
	union {
		struct tcp_listener *l;
		struct tcp_pcb *p;
		struct udp_pcb *u;
	} obj;          /* NULL once the stack is down */
};
_Static_assert(offsetof(struct tcpip_handle, base) == 0, "handle layout");

struct stack_listener {
	struct tcpip_handle h;
};
struct stack_flow {
	struct tcpip_handle h;
};
struct stack_udp {
	struct tcpip_handle h;
};

/* How many gather pieces one tcp_send takes at once. */
#define IOV_WINDOW 16

/* ---- glue to the core ---------------------------------------------------------- */

static uint64_t tcpip_clock(void *arg)
{
	(void)arg;
	return plat_monotonic_ns();
}

static int tcpip_tx(void *arg, const struct io_vec *iov, unsigned niov)
{
	struct stack_tcpip *st = arg;
	return netif_send(st->netif, iov, niov);
}

static int tcpip_tx_meta(void *arg, const struct io_vec *iov, unsigned niov, const struct netif_frame_meta *meta)
{
	struct stack_tcpip *st = arg;
	return netif_send_meta(st->netif, iov, niov, meta);
}

/* After every call into the core: keep the scheduler timer on the core's
 * earliest deadline. */
static void rearm(struct stack_tcpip *st)
{
	if (!st->net)
		return;
	uint64_t d = net_next_deadline(st->net);
	if (d == UINT64_MAX) {
		if (timer_pending(&st->timer))
			timer_cancel(&st->timer);
	} else if (!timer_pending(&st->timer) || st->timer.deadline != d) {
		timer_start(&st->timer, d);
	}
}

static void deadline_fn(struct timer *t, void *arg)
{
	struct stack_tcpip *st = arg;
	(void)t;
	if (st->net) {
		net_run_timers(st->net);
		rearm(st);
	}
}

static void rx_fn(void *arg, const uint8_t *frame, size_t len, const struct netif_frame_meta *meta)
{
	struct stack_tcpip *st = arg;
	if (st->net) {
		net_input_meta(st->net, frame, len, meta);
		rearm(st);
	}
}

static void upcall(void *ctx, unsigned ev)
{
	struct tcpip_handle *h = ctx;
	if (ev & (NET_EV_READ | NET_EV_ACCEPT | NET_EV_STATE))
		cond_broadcast(&h->rcond);
	if (ev & (NET_EV_WRITE | NET_EV_STATE))
		cond_broadcast(&h->wcond);
}

/* ---- handles -------------------------------------------------------------------- */

static struct tcpip_handle *handle_new(struct stack_tcpip *st, enum handle_kind kind)
{
	struct tcpip_handle *h = plat_calloc(1, sizeof *h);
	if (!h)
		return NULL;
	h->kind = kind;
	cond_init(&h->rcond);
	cond_init(&h->wcond);
	stack_handle_open(&st->handles, &h->base);
	return h;
}

/* The helper's free_fn: nobody can reach h any more. */
static void handle_free(void *arg, struct stack_handle *h)
{
	(void)arg;
	plat_free(h);
}

/* h goes: fibers parked on it wake with -ECANCELED and the last one frees
 * it. */
static void handle_release(struct tcpip_handle *h)
{
	cond_broadcast(&h->rcond);
	cond_broadcast(&h->wcond);
	stack_handle_close(&h->base);
}

/* The app's close of any handle: the protocol object goes (gracefully
 * for a flow), then the handle. */
static void handle_close(struct stack_tcpip *st, struct tcpip_handle *h)
{
	if (h->obj.p) {
		switch (h->kind) {
		case H_LISTENER:
			tcp_listener_close(h->obj.l);
			break;
		case H_FLOW:
			tcp_close(h->obj.p);
			break;
		case H_UDP:
			udp_close(h->obj.u);
			break;
		}
	}
	h->obj.p = NULL;
	handle_release(h);
	rearm(st);
}

/* Park on c. On an error return h may be gone: return at once. */
static int handle_wait(struct tcpip_handle *h, struct cond *c, uint64_t deadline)
{
	int rc = stack_handle_wait_begin(&h->base);
	if (rc < 0)
		return rc;
	return stack_handle_wait_end(&h->base, cond_wait(c, deadline));
}

/* ---- DHCP ------------------------------------------------------------------------- */

static void ip_text(uint32_t a, char *buf, size_t size)
{
	fmt_snprintf(buf, size, "%u.%u.%u.%u", (unsigned)(a >> 24), (unsigned)(a >> 16 & 255),
	             (unsigned)(a >> 8 & 255), (unsigned)(a & 255));
}

static void log_lease(struct stack_tcpip *st, const char *what)
{
	struct dhcp_lease l;
	if (!dhcp_get_lease(st->net, &l))
		return;
	char addr[16], gw[16], server[16], dur[24];
	ip_text(l.addr, addr, sizeof addr);
	ip_text(l.gateway, gw, sizeof gw);
	ip_text(l.server, server, sizeof server);
	if (l.lease_s == UINT32_MAX)
		fmt_snprintf(dur, sizeof dur, "infinite");
	else
		fmt_snprintf(dur, sizeof dur, "%u s", (unsigned)l.lease_s);
	log_info(dhcp, "%s %s/%u from %s, gateway %s, lease %s", what, addr, (unsigned)l.prefix, server,
	         l.gateway ? gw : "none", dur);
}

/* The client's events arrive inside the stack: log and wake waiters. */
static void dhcp_event(void *ctx, enum dhcp_event ev)
{
	struct stack_tcpip *st = ctx;
	switch (ev) {
	case DHCP_EV_BOUND:
		log_lease(st, "bound to");
		break;
	case DHCP_EV_RENEWED:
		log_lease(st, "renewed");
		break;
	case DHCP_EV_LOST:
		log_warn(dhcp, "lease lost (expired or refused): no address until a server gives one");
		break;
	case DHCP_EV_DECLINED:
		log_warn(dhcp, "the offered address is in use (it answered an ARP probe): declined");
		break;
	}
	cond_broadcast(&st->addr_cond);
}

/* Without an address (DHCP has none yet, or lost it), wait for one until
 * deadline, and at most dhcp_timeout. */
static int wait_for_address(struct stack_tcpip *st, uint64_t deadline)
{
	if (!st->dhcp || net_addr(st->net) != 0)
		return 0;
	uint64_t limit = plat_monotonic_ns() + st->dhcp_timeout;
	if (deadline > limit)
		deadline = limit;
	while (!st->handles.down && net_addr(st->net) == 0) {
		int rc = cond_wait(&st->addr_cond, deadline);
		if (rc == -ETIMEDOUT)
			return -ENETUNREACH; /* no address to connect from */
		if (rc < 0)
			return rc;
	}
	return st->handles.down ? -ENETDOWN : 0;
}

/* ---- TCP -------------------------------------------------------------------------- */

static int tcpip_tcp_listen(void *state, const struct ip_endpoint *local, int backlog,
                            struct stack_listener **out)
{
	struct stack_tcpip *st = state;
	if (st->handles.down)
		return -ENETDOWN;
	struct tcpip_handle *h = handle_new(st, H_LISTENER);
	if (!h)
		return -ENOMEM;
	int rc = tcp_listen(st->net, local ? local->addr.v : 0, local ? local->port : 0, backlog, &h->obj.l);
	if (rc < 0) {
		handle_release(h);
		return rc;
	}
	tcp_listener_set_upcall(h->obj.l, upcall, h);
	*out = (struct stack_listener *)h;
	return 0;
}

static struct tcpip_handle *flow_handle(struct stack_tcpip *st, struct tcp_pcb *p)
{
	struct tcpip_handle *h = handle_new(st, H_FLOW);
	if (!h)
		return NULL;
	h->obj.p = p;
	tcp_set_upcall(p, upcall, h);
	return h;
}

static int tcpip_tcp_accept(void *state, struct stack_listener *l, struct stack_flow **out,
                            struct ip_endpoint *peer, uint64_t deadline)
{
	struct stack_tcpip *st = state;
	struct tcpip_handle *h = &l->h;
	for (;;) {
		if (!h->obj.l)
			return -ENETDOWN;
		struct tcp_pcb *p;
		int rc = tcp_accept(h->obj.l, &p);
		if (rc == 0) {
			struct tcpip_handle *fh = flow_handle(st, p);
			if (!fh) {
				tcp_abort(p);
				rearm(st);
				return -ENOMEM;
			}
			/* As the socket stack does: responses go out whole, and
			 * Nagle would hold a response's tail for the client's
			 * delayed ACK. Streaming apps can switch it back on. */
			tcp_set_nodelay(p, true);
			if (peer) {
				uint32_t raddr;
				tcp_endpoints(p, NULL, NULL, &raddr, &peer->port);
				peer->addr.v = raddr;
			}
			*out = (struct stack_flow *)fh;
			return 0;
		}
		rc = handle_wait(h, &h->rcond, deadline);
		if (rc < 0)
			return rc;
	}
}

static void tcpip_tcp_listener_close(void *state, struct stack_listener *l)
{
	if (l)
		handle_close(state, &l->h);
}

static int tcpip_tcp_connect(void *state, const struct ip_endpoint *remote, struct stack_flow **out,
                             uint64_t deadline)
{
	struct stack_tcpip *st = state;
	struct tcp_pcb *p;
	if (st->handles.down)
		return -ENETDOWN;
	if (!remote)
		return -EINVAL;
	int rc = wait_for_address(st, deadline);
	if (rc < 0)
		return rc;
	rc = tcp_connect(st->net, remote->addr.v, remote->port, &p);
	rearm(st);
	if (rc < 0)
		return rc;
	struct tcpip_handle *h = flow_handle(st, p);
	if (!h) {
		tcp_abort(p);
		rearm(st);
		return -ENOMEM;
	}
	tcp_set_nodelay(p, true); /* same reasoning as for accepted flows */
	while (tcp_state(p) == TCP_SYN_SENT || tcp_state(p) == TCP_SYN_RCVD) {
		/* Nobody else holds h yet, so it cannot be released under us. */
		rc = handle_wait(h, &h->wcond, deadline);
		if (rc < 0) {
			if (h->obj.p)
				tcp_abort(h->obj.p);
			h->obj.p = NULL;
			handle_release(h);
			rearm(st);
			return rc;
		}
	}
	if (tcp_state(p) != TCP_ESTABLISHED && tcp_state(p) != TCP_CLOSE_WAIT) {
		rc = tcp_error(p) ? tcp_error(p) : -ECONNREFUSED;
		tcp_close(p);
		h->obj.p = NULL;
		handle_release(h);
		rearm(st);
		return rc;
	}
	*out = (struct stack_flow *)h;
	return 0;
}

static long tcpip_tcp_read(void *state, struct stack_flow *f, void *buf, size_t len, uint64_t deadline)
{
	struct stack_tcpip *st = state;
	struct tcpip_handle *h = &f->h;
	if (len == 0)
		return -EINVAL;
	for (;;) {
		if (!h->obj.p)
			return -ENETDOWN;
		long r = tcp_recv(h->obj.p, buf, len);
		rearm(st);
		if (r != -EAGAIN)
			return r;
		int rc = handle_wait(h, &h->rcond, deadline);
		if (rc < 0)
			return rc;
	}
}

static long tcpip_tcp_writev(void *state, struct stack_flow *f, const struct io_vec *iov, unsigned niov,
                             uint64_t deadline)
{
	struct stack_tcpip *st = state;
	struct tcpip_handle *h = &f->h;
	size_t total = 0, off = 0;
	unsigned i = 0;

	for (unsigned k = 0; k < niov; k++) {
		if (iov[k].len > (size_t)LONG_MAX - total)
			return -EINVAL;
		total += iov[k].len;
	}
	size_t done = 0;
	while (done < total) {
		if (!h->obj.p)
			return -ENETDOWN;
		/* Hand over as many pieces as fit in one call, so that a
		 * header and body leave in one segment. */
		struct io_vec win[IOV_WINDOW];
		unsigned nw = 0;
		for (unsigned k = i; k < niov && nw < IOV_WINDOW; k++) {
			size_t skip = k == i ? off : 0;
			if (iov[k].len == skip)
				continue;
			win[nw].base = (const uint8_t *)iov[k].base + skip;
			win[nw].len = iov[k].len - skip;
			nw++;
		}
		long r = tcp_send(h->obj.p, win, nw);
		rearm(st);
		if (r == -EAGAIN) {
			int rc = handle_wait(h, &h->wcond, deadline);
			if (rc < 0)
				return rc;
			continue;
		}
		if (r < 0)
			return r;
		done += (size_t)r;
		size_t adv = (size_t)r + off;
		while (i < niov && adv >= iov[i].len) {
			adv -= iov[i].len;
			i++;
		}
		off = adv;
	}
	return (long)total;
}

static int tcpip_tcp_shutdown(void *state, struct stack_flow *f, enum stack_shutdown how)
{
	struct stack_tcpip *st = state;
	if (how != STACK_SHUT_WR)
		return -EINVAL;
	if (!f->h.obj.p)
		return -ENETDOWN;
	int rc = tcp_shutdown(f->h.obj.p);
	rearm(st);
	return rc;
}

static int tcpip_tcp_set_option(void *state, struct stack_flow *f, enum stack_option opt, int value)
{
	struct stack_tcpip *st = state;
	struct tcp_pcb *p = f->h.obj.p;
	int rc;
	if (!p)
		return -ENETDOWN;
	switch (opt) {
	case STACK_OPT_NODELAY:
		rc = tcp_set_nodelay(p, value != 0);
		break;
	case STACK_OPT_KEEPALIVE:
		rc = tcp_set_keepalive(p, value != 0);
		break;
	default:
		return -ENOPROTOOPT;
	}
	rearm(st);
	return rc;
}

static void tcpip_tcp_close(void *state, struct stack_flow *f)
{
	if (f)
		handle_close(state, &f->h);
}

/* ---- UDP ---------------------------------------------------------------------------- */

static int tcpip_udp_bind(void *state, const struct ip_endpoint *local, struct stack_udp **out)
{
	struct stack_tcpip *st = state;
	if (st->handles.down)
		return -ENETDOWN;
	struct tcpip_handle *h = handle_new(st, H_UDP);
	if (!h)
		return -ENOMEM;
	int rc = udp_bind(st->net, local ? local->addr.v : 0, local ? local->port : 0, &h->obj.u);
	if (rc < 0) {
		handle_release(h);
		return rc;
	}
	udp_set_upcall(h->obj.u, upcall, h);
	*out = (struct stack_udp *)h;
	return 0;
}

static long tcpip_udp_sendto(void *state, struct stack_udp *u, const void *buf, size_t len,
                             const struct ip_endpoint *to)
{
	struct stack_tcpip *st = state;
	if (!to)
		return -EDESTADDRREQ;
	if (!u->h.obj.u)
		return -ENETDOWN;
	long r = udp_sendto(u->h.obj.u, buf, len, to->addr.v, to->port);
	rearm(st);
	return r;
}

static long tcpip_udp_recvfrom(void *state, struct stack_udp *u, void *buf, size_t len,
                               struct ip_endpoint *from, uint64_t deadline)
{
	struct tcpip_handle *h = &u->h;
	(void)state;
	for (;;) {
		if (!h->obj.u)
			return -ENETDOWN;
		uint32_t addr;
		uint16_t port;
		long r = udp_recvfrom(h->obj.u, buf, len, &addr, &port);
		if (r >= 0) {
			if (from) {
				from->addr.v = addr;
				from->port = port;
			}
			return r;
		}
		int rc = handle_wait(h, &h->rcond, deadline);
		if (rc < 0)
			return rc;
	}
}

static void tcpip_udp_close(void *state, struct stack_udp *u)
{
	if (u)
		handle_close(state, &u->h);
}

static int tcpip_tcp_listener_local(void *state, struct stack_listener *l, struct ip_endpoint *out)
{
	(void)state;
	if (!l->h.obj.l)
		return -ENETDOWN;
	out->addr.v = 0;
	out->port = tcp_listener_port(l->h.obj.l);
	return 0;
}

static int tcpip_udp_local(void *state, struct stack_udp *u, struct ip_endpoint *out)
{
	(void)state;
	if (!u->h.obj.u)
		return -ENETDOWN;
	out->addr.v = 0;
	out->port = udp_local_port(u->h.obj.u);
	return 0;
}

static const struct stack_ops stack_tcpip_ops = {
	.name = "tcpip",
	.version = STACK_OPS_V1,
	.tcp_listen = tcpip_tcp_listen,
	.tcp_accept = tcpip_tcp_accept,
	.tcp_listener_close = tcpip_tcp_listener_close,
	.tcp_connect = tcpip_tcp_connect,
	.tcp_read = tcpip_tcp_read,
	.tcp_writev = tcpip_tcp_writev,
	.tcp_shutdown = tcpip_tcp_shutdown,
	.tcp_set_option = tcpip_tcp_set_option,
	.tcp_close = tcpip_tcp_close,
	.udp_bind = tcpip_udp_bind,
	.udp_sendto = tcpip_udp_sendto,
	.udp_recvfrom = tcpip_udp_recvfrom,
	.udp_close = tcpip_udp_close,
	.tcp_listener_local = tcpip_tcp_listener_local,
	.udp_local = tcpip_udp_local,
};

/* Start the client and wait (bounded) for the first lease: an app that
 * starts listening or connecting has an address to do it with. */
static int start_dhcp(struct stack_tcpip *st, const struct stack_tcpip_config *cfg)
{
	st->dhcp = true;
	st->dhcp_timeout = cfg->dhcp_timeout ? cfg->dhcp_timeout : DHCP_TIMEOUT_DEFAULT;
	cond_init(&st->addr_cond);
	struct dhcp_params p = { .notify = dhcp_event, .notify_ctx = st };
	int rc = dhcp_start(st->net, &p);
	if (rc < 0) {
		log_error(dhcp, "cannot start the DHCP client: error %d", rc);
		return rc;
	}
	rearm(st);
	uint64_t deadline = plat_monotonic_ns() + st->dhcp_timeout;
	while (net_addr(st->net) == 0) {
		rc = cond_wait(&st->addr_cond, deadline);
		if (rc == -ETIMEDOUT) {
			const struct net_stats *s = net_get_stats(st->net);
			log_error(dhcp, "no lease within %u ms (%s; %u messages sent, %u received, %u offers)",
			          (unsigned)(st->dhcp_timeout / 1000000),
			          dhcp_state_name(dhcp_get_state(st->net)), (unsigned)s->dhcp_out,
			          (unsigned)s->dhcp_in, (unsigned)s->dhcp_offers);
			return rc;
		}
		if (rc < 0)
			return rc;
	}
	return 0;
}

int stack_tcpip_connect(struct stack *dev, struct stack_tcpip *st, const struct stack_tcpip_config *cfg,
                        struct netif *netif)
{
	struct netif_info info;
	int rc = netif_info(netif, &info);
	if (rc < 0)
		return rc;
	struct net_config nc;
	memset(&nc, 0, sizeof nc);
	nc.mac = info.mac;
	nc.mtu = info.mtu;
	/* With DHCP the stack has no address, and announces none, until a
	 * lease comes. */
	if (!cfg->dhcp) {
		nc.ip = cfg->ip;
		nc.gateway = cfg->gateway;
	}
	nc.clock = tcpip_clock;
	nc.tx = tcpip_tx;
	nc.tx_meta = tcpip_tx_meta;
	nc.tx_arg = st;
	/* Fibers read what arrived within a scheduler round: the ACK of a
	 * burst of data waits for that read and carries the window it
	 * reopened, one frame instead of two. */
	nc.tun.tcp_ack_on_read = 1;
	nc.tun.tcp_msl = cfg->msl;
	nc.tun.tcp_rto_min = cfg->rto_min;
	nc.tun.tcp_sndbuf = cfg->sndbuf > UINT32_MAX ? UINT32_MAX : (uint32_t)cfg->sndbuf;
	nc.tun.tcp_rcvbuf = cfg->rcvbuf > UINT32_MAX ? UINT32_MAX : (uint32_t)cfg->rcvbuf;
	plat_entropy(nc.secret, sizeof nc.secret);
	memset(st, 0, sizeof *st);
	stack_handle_set_init(&st->handles, handle_free, NULL);
	st->netif = netif;
	timer_init(&st->timer, deadline_fn, st);
	/* The handler first (frames are dropped until the instance exists),
	 * then every offload the link has: the core takes them all. */
	netif_set_rx_meta(netif, rx_fn, st);
	nc.offload = netif_offload(netif, info.features & (NETIF_F_CSUM | NETIF_F_TSO4 | NETIF_F_GRO4));
	nc.gso_max = info.gso_max;
	st->net = net_create(&nc);
	if (!st->net) {
		netif_set_rx(netif, NULL, NULL);
		return -ENOMEM;
	}
	net_up(st->net);
	rc = cfg->dhcp ? start_dhcp(st, cfg) : 0;
	if (rc < 0) {
		netif_set_rx(netif, NULL, NULL);
		timer_cancel(&st->timer);
		net_destroy(st->net);
		st->net = NULL;
		return rc;
	}
	rearm(st);
	dev->ops = &stack_tcpip_ops;
	dev->state = st;
	return 0;
}

void stack_tcpip_disconnect(struct stack_tcpip *st)
{
	if (st->handles.down)
		return;
	st->handles.down = true;
	if (st->dhcp) {
		/* Give the address back while frames can still go out. */
		dhcp_stop(st->net, true);
		cond_broadcast(&st->addr_cond);
	}
	netif_set_rx(st->netif, NULL, NULL);
	timer_cancel(&st->timer);
	/* Handles outlive the stack until the app closes them: cut them off
	 * from the protocol objects (freed with the instance) and wake their
	 * fibers. */
	for (struct stack_handle *b = st->handles.live; b; b = b->next) {
		struct tcpip_handle *h = (struct tcpip_handle *)b;
		h->obj.p = NULL;
		cond_broadcast(&h->rcond);
		cond_broadcast(&h->wcond);
	}
	net_destroy(st->net);
	st->net = NULL;
}

struct net *stack_tcpip_net(struct stack_tcpip *st)
{
	return st->net;
}
