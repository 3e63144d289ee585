/* TCP bookkeeping: control blocks and their hash table, listeners and
 * their queues, byte rings, initial sequence numbers (RFC 6528) and
 * ephemeral ports (RFC 6056), and the app-facing calls of tcp.h. The
 * protocol itself is in tcp_input.c, tcp_output.c and tcp_timer.c. */
#include <string.h>

#include "lib/platform.h"
#include "protocols/net/internal.h"

#define EPHEMERAL_LO 49152u
#define EPHEMERAL_N 16384u

const char *tcp_state_name(enum tcp_state s)
{
	static const char *const names[] = {
		[TCP_CLOSED] = "CLOSED",         [TCP_LISTEN] = "LISTEN",
		[TCP_SYN_SENT] = "SYN_SENT",     [TCP_SYN_RCVD] = "SYN_RCVD",
		[TCP_ESTABLISHED] = "ESTABLISHED", [TCP_FIN_WAIT_1] = "FIN_WAIT_1",
		[TCP_FIN_WAIT_2] = "FIN_WAIT_2", [TCP_CLOSE_WAIT] = "CLOSE_WAIT",
		[TCP_CLOSING] = "CLOSING",       [TCP_LAST_ACK] = "LAST_ACK",
		[TCP_TIME_WAIT] = "TIME_WAIT",
	};
	return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "?";
}

/* ---- rings ------------------------------------------------------------------ */

uint32_t tcp_ring_write(struct tcp_ring *r, uint32_t off, const uint8_t *src, uint32_t len)
{
	uint32_t pos = (r->head + off) & (r->cap - 1);
	uint32_t first = NET_MIN(len, r->cap - pos);
	memcpy(r->buf + pos, src, first);
	memcpy(r->buf, src + first, len - first);
	return len;
}

uint32_t tcp_ring_read(const struct tcp_ring *r, uint32_t off, uint8_t *dst, uint32_t len)
{
	uint32_t pos = (r->head + off) & (r->cap - 1);
	uint32_t first = NET_MIN(len, r->cap - pos);
	memcpy(dst, r->buf + pos, first);
	memcpy(dst + first, r->buf, len - first);
	return len;
}

unsigned tcp_ring_iov(const struct tcp_ring *r, uint32_t off, uint32_t len, struct io_vec *iov)
{
	if (len == 0)
		return 0;
	uint32_t pos = (r->head + off) & (r->cap - 1);
	uint32_t first = NET_MIN(len, r->cap - pos);
	iov[0].base = r->buf + pos;
	iov[0].len = first;
	if (first == len)
		return 1;
	iov[1].base = r->buf;
	iov[1].len = len - first;
	return 2;
}

void tcp_ring_consume(struct tcp_ring *r, uint32_t len)
{
	r->head = (r->head + len) & (r->cap - 1);
	r->len -= len;
}

static void ring_free(struct tcp_ring *r)
{
	plat_free(r->buf);
	r->buf = NULL;
	r->cap = r->head = r->len = 0;
}

int tcp_alloc_buffers(struct tcp_pcb *p)
{
	const struct net_tunables *t = &p->net->cfg.tun;
	if (!p->snd.buf) {
		p->snd.buf = plat_alloc(t->tcp_sndbuf);
		if (!p->snd.buf)
			return -ENOMEM;
		p->snd.cap = t->tcp_sndbuf;
	}
	if (!p->rcv.buf) {
		p->rcv.buf = plat_alloc(t->tcp_rcvbuf);
		if (!p->rcv.buf)
			return -ENOMEM;
		p->rcv.cap = t->tcp_rcvbuf;
	}
	return 0;
}

bool tcp_range_insert(struct tcp_range *r, uint8_t *n, unsigned max, uint32_t s, uint32_t e)
{
	unsigned i = 0, j;
	while (i < *n && SEQ_LT(r[i].end, s))
		i++;
	j = i;
	while (j < *n && SEQ_LEQ(r[j].start, e)) {
		if (SEQ_LT(r[j].start, s))
			s = r[j].start;
		if (SEQ_GT(r[j].end, e))
			e = r[j].end;
		j++;
	}
	unsigned merged = j - i;
	if (merged == 0) {
		if (*n == max)
			return false;
		memmove(&r[i + 1], &r[i], (*n - i) * sizeof r[0]);
		(*n)++;
	} else if (merged > 1) {
		memmove(&r[i + 1], &r[j], (*n - j) * sizeof r[0]);
		*n = (uint8_t)(*n - (merged - 1));
	}
	r[i].start = s;
	r[i].end = e;
	return true;
}

/* ---- control blocks ------------------------------------------------------------- */

int tcp_init(struct net *n)
{
	n->tcp_hash = plat_calloc(n->cfg.tun.tcp_hash, sizeof *n->tcp_hash);
	n->tcp_hash_mask = n->cfg.tun.tcp_hash - 1;
	return n->tcp_hash ? 0 : -ENOMEM;
}

static uint32_t flow_hash(const struct net *n, uint32_t laddr, uint16_t lport, uint32_t raddr,
                          uint16_t rport)
{
	/* Keyed so that a peer cannot aim many flows at one bucket; a cheap
	 * multiply-mix, since it runs for every segment. */
	uint64_t k;
	memcpy(&k, n->hash_key, sizeof k);
	uint64_t h = ((uint64_t)raddr << 32 | (uint32_t)rport << 16 | lport) ^ k;
	h ^= (uint64_t)laddr * UINT64_C(0x9e3779b97f4a7c15);
	h *= UINT64_C(0xff51afd7ed558ccd);
	h ^= h >> 33;
	h *= UINT64_C(0xc4ceb9fe1a85ec53);
	h ^= h >> 29;
	return (uint32_t)h & n->tcp_hash_mask;
}

struct tcp_pcb *tcp_pcb_new(struct net *n)
{
	struct tcp_pcb *p = plat_calloc(1, sizeof *p);
	if (!p)
		return NULL;
	p->net = n;
	net_timer_init(&p->timer, tcp_timer_fire);
	p->t_rexmt = p->t_persist = p->t_keep = p->t_delack = p->t_close = NET_NEVER;
	p->rto = n->cfg.tun.tcp_rto_initial;
	p->mss = 536;
	p->peer_mss = 536;
	p->rcv_mss = (uint16_t)(n->cfg.mtu - IP_HLEN - TCP_HLEN);
	p->ssthresh = UINT32_MAX / 2;
	p->anext = n->tcp_all;
	if (n->tcp_all)
		n->tcp_all->aprev = p;
	n->tcp_all = p;
	n->tcp_flows++;
	return p;
}

void tcp_pcb_hash_insert(struct net *n, struct tcp_pcb *p)
{
	struct tcp_pcb **b = &n->tcp_hash[flow_hash(n, p->laddr, p->lport, p->raddr, p->rport)];
	p->hnext = *b;
	if (*b)
		(*b)->hprev = &p->hnext;
	p->hprev = b;
	*b = p;
}

static void hash_remove(struct net *n, struct tcp_pcb *p)
{
	if (!p->hprev)
		return;
	*p->hprev = p->hnext;
	if (p->hnext)
		p->hnext->hprev = p->hprev;
	p->hnext = NULL;
	p->hprev = NULL;
	if (n->tcp_last == p)
		n->tcp_last = NULL;
}

struct tcp_pcb *tcp_pcb_lookup(struct net *n, uint32_t laddr, uint16_t lport, uint32_t raddr,
                               uint16_t rport)
{
	struct tcp_pcb *p = n->tcp_last;
	if (p && p->rport == rport && p->lport == lport && p->raddr == raddr && p->laddr == laddr)
		return p;
	for (p = n->tcp_hash[flow_hash(n, laddr, lport, raddr, rport)]; p; p = p->hnext) {
		if (p->rport == rport && p->lport == lport && p->raddr == raddr && p->laddr == laddr) {
			n->tcp_last = p;
			return p;
		}
	}
	return NULL;
}

struct tcp_listener *tcp_listener_lookup(struct net *n, uint32_t laddr, uint16_t lport)
{
	struct tcp_listener *wild = NULL;
	for (struct tcp_listener *l = n->listeners; l; l = l->next) {
		if (l->lport != lport)
			continue;
		if (l->laddr == laddr)
			return l;
		if (l->laddr == 0)
			wild = l;
	}
	return wild;
}

static void queue_remove(struct tcp_pcb *p)
{
	struct tcp_listener *l = p->listener;
	if (!l)
		return;
	bool ready = p->on_ready;
	struct tcp_pcb **head = ready ? &l->ready_head : &l->syn_head;
	struct tcp_pcb **tail = ready ? &l->ready_tail : &l->syn_tail;
	if (p->qprev)
		p->qprev->qnext = p->qnext;
	else
		*head = p->qnext;
	if (p->qnext)
		p->qnext->qprev = p->qprev;
	else
		*tail = p->qprev;
	if (ready)
		l->nready--;
	else
		l->nsyn--;
	p->qnext = p->qprev = NULL;
	p->listener = NULL;
	p->on_ready = false;
}

static void queue_append(struct tcp_listener *l, struct tcp_pcb *p, bool ready)
{
	struct tcp_pcb **head = ready ? &l->ready_head : &l->syn_head;
	struct tcp_pcb **tail = ready ? &l->ready_tail : &l->syn_tail;
	p->listener = l;
	p->on_ready = ready;
	p->qnext = NULL;
	p->qprev = *tail;
	if (*tail)
		(*tail)->qnext = p;
	else
		*head = p;
	*tail = p;
	if (ready)
		l->nready++;
	else
		l->nsyn++;
}

void tcp_listener_add_syn(struct tcp_listener *l, struct tcp_pcb *p)
{
	queue_append(l, p, false);
}

/* Free the pcb and everything it holds. */
void tcp_pcb_release(struct tcp_pcb *p)
{
	struct net *n = p->net;
	if (p->state == TCP_TIME_WAIT)
		n->tcp_time_wait--;
	queue_remove(p);
	hash_remove(n, p);
	net_timer_cancel(n, &p->timer);
	ring_free(&p->snd);
	ring_free(&p->rcv);
	if (p->aprev)
		p->aprev->anext = p->anext;
	else
		n->tcp_all = p->anext;
	if (p->anext)
		p->anext->aprev = p->aprev;
	n->tcp_flows--;
	plat_free(p);
}

void tcp_notify(struct tcp_pcb *p, unsigned events)
{
	if (p->upcall)
		p->upcall(p->upcall_ctx, events);
}

void tcp_set_state(struct tcp_pcb *p, enum tcp_state s)
{
	if (p->state == TCP_TIME_WAIT)
		p->net->tcp_time_wait--;
	if (s == TCP_TIME_WAIT)
		p->net->tcp_time_wait++;
	p->state = (uint8_t)s;
}

void tcp_drop(struct tcp_pcb *p, int err)
{
	struct net *n = p->net;
	p->error = err;
	tcp_set_state(p, TCP_CLOSED);
	hash_remove(n, p);
	p->t_rexmt = p->t_persist = p->t_keep = p->t_delack = p->t_close = NET_NEVER;
	net_timer_cancel(n, &p->timer);
	/* Nobody holds a flow that was never accepted, nor one the app
	 * released: it goes now. Otherwise it waits for tcp_close. */
	if ((p->flags & TF_APP_CLOSED) || !(p->flags & TF_ACCEPTED)) {
		tcp_pcb_release(p);
		return;
	}
	ring_free(&p->snd);
	tcp_notify(p, NET_EV_READ | NET_EV_WRITE | NET_EV_STATE);
}

void tcp_established(struct tcp_pcb *p)
{
	struct tcp_listener *l = p->listener;
	if (l)
		queue_remove(p); /* off the half-open queue */
	tcp_set_state(p, TCP_ESTABLISHED);
	p->idle_since = p->net->now;
	if (p->flags & TF_KEEPALIVE) {
		p->t_keep = p->net->now + p->net->cfg.tun.tcp_keep_idle;
		tcp_timer_update(p);
	}
	if (l) {
		queue_append(l, p, true);
		if (l->upcall)
			l->upcall(l->upcall_ctx, NET_EV_ACCEPT);
		return;
	}
	tcp_notify(p, NET_EV_STATE | NET_EV_WRITE);
}

bool tcp_enter_time_wait(struct tcp_pcb *p)
{
	struct net *n = p->net;
	if (p->state != TCP_TIME_WAIT && n->tcp_time_wait >= n->cfg.tun.tcp_max_time_wait &&
	    (p->flags & TF_APP_CLOSED)) {
		/* Too many already: skip this one's TIME_WAIT (as Linux does
		 * past tcp_max_tw_buckets), acknowledging the FIN first. */
		n->st.tcp_time_wait_skipped++;
		tcp_drop(p, 0);
		return false;
	}
	tcp_set_state(p, TCP_TIME_WAIT);
	p->t_rexmt = p->t_persist = p->t_keep = p->t_delack = NET_NEVER;
	p->t_close = n->now + 2 * n->cfg.tun.tcp_msl;
	ring_free(&p->snd);
	if (p->flags & TF_APP_CLOSED)
		ring_free(&p->rcv);
	tcp_timer_update(p);
	return true;
}

uint32_t tcp_rcv_window(const struct tcp_pcb *p)
{
	if (!p->rcv.buf)
		return p->net->cfg.tun.tcp_rcvbuf;
	return p->rcv.cap - p->rcv.len;
}

/* RFC 6528: a clock ticking every 4 microseconds plus a keyed hash of the
 * connection's identity, so sequence numbers cannot be predicted from
 * outside yet grow for successive incarnations of one connection. */
uint32_t tcp_new_isn(struct net *n, uint32_t laddr, uint16_t lport, uint32_t raddr, uint16_t rport)
{
	uint32_t id[3] = { laddr, raddr, (uint32_t)lport << 16 | rport };
	uint32_t f = (uint32_t)net_siphash(n->isn_key, id, sizeof id);
	return f + (uint32_t)(n->now / 4000);
}

uint32_t tcp_ts_now(const struct tcp_pcb *p)
{
	return (uint32_t)(p->net->now / NS_PER_MS) + p->ts_offset;
}

static bool port_in_use(struct net *n, uint32_t laddr, uint16_t lport, uint32_t raddr,
                        uint16_t rport)
{
	return tcp_pcb_lookup(n, laddr, lport, raddr, rport) || tcp_listener_lookup(n, laddr, lport);
}

/* RFC 6056 algorithm 3: a per-destination offset from a keyed hash, plus
 * a global counter. */
static uint16_t pick_port(struct net *n, uint32_t laddr, uint32_t raddr, uint16_t rport)
{
	uint32_t id[3] = { laddr, raddr, rport };
	uint32_t off = (uint32_t)net_siphash(n->hash_key, id, sizeof id);
	for (uint32_t i = 0; i < EPHEMERAL_N; i++) {
		uint16_t port = (uint16_t)(EPHEMERAL_LO + (off + n->port_counter + i) % EPHEMERAL_N);
		if (!port_in_use(n, laddr, port, raddr, rport)) {
			n->port_counter += i + 1;
			return port;
		}
	}
	return 0;
}

void tcp_fini(struct net *n)
{
	while (n->listeners) {
		struct tcp_listener *l = n->listeners;
		n->listeners = l->next;
		plat_free(l);
	}
	while (n->tcp_all) {
		struct tcp_pcb *p = n->tcp_all;
		p->listener = NULL;
		tcp_pcb_release(p);
	}
	plat_free(n->tcp_hash);
}

/* ---- the app-facing calls ---------------------------------------------------- */

int tcp_listen(struct net *n, uint32_t addr, uint16_t port, int backlog, struct tcp_listener **out)
{
	net_clock(n);
	if (port == 0) {
		port = pick_port(n, addr, 0, 0);
		if (port == 0)
			return -EADDRINUSE;
	}
	for (struct tcp_listener *l = n->listeners; l; l = l->next)
		if (l->lport == port && (l->laddr == addr || l->laddr == 0 || addr == 0))
			return -EADDRINUSE;
	struct tcp_listener *l = plat_calloc(1, sizeof *l);
	if (!l)
		return -ENOMEM;
	l->net = n;
	l->laddr = addr;
	l->lport = port;
	l->backlog = backlog > 0 ? backlog : 128;
	l->next = n->listeners;
	n->listeners = l;
	*out = l;
	return 0;
}

int tcp_accept(struct tcp_listener *l, struct tcp_pcb **out)
{
	net_clock(l->net);
	struct tcp_pcb *p = l->ready_head;
	if (!p)
		return -EAGAIN;
	queue_remove(p);
	p->flags |= TF_ACCEPTED;
	l->net->st.tcp_accepts++;
	*out = p;
	return 0;
}

void tcp_listener_close(struct tcp_listener *l)
{
	if (!l)
		return;
	struct net *n = l->net;
	net_clock(n);
	struct tcp_listener **pp = &n->listeners;
	while (*pp && *pp != l)
		pp = &(*pp)->next;
	if (*pp)
		*pp = l->next;
	while (l->syn_head) {
		struct tcp_pcb *p = l->syn_head;
		queue_remove(p);
		tcp_send_rst(p);
		tcp_pcb_release(p);
	}
	while (l->ready_head) {
		struct tcp_pcb *p = l->ready_head;
		queue_remove(p);
		tcp_send_rst(p);
		tcp_pcb_release(p);
	}
	plat_free(l);
}

uint16_t tcp_listener_port(const struct tcp_listener *l)
{
	return l->lport;
}

void tcp_listener_set_upcall(struct tcp_listener *l, net_upcall_fn fn, void *ctx)
{
	l->upcall = fn;
	l->upcall_ctx = ctx;
}

int tcp_connect(struct net *n, uint32_t raddr, uint16_t rport, struct tcp_pcb **out)
{
	net_clock(n);
	if (rport == 0 || raddr == 0 || ipv4_is_bcast(n, raddr))
		return -EINVAL;
	if (n->addr == 0)
		return -EADDRNOTAVAIL;
	if (ipv4_route(n, raddr) == 0)
		return -ENETUNREACH;
	uint32_t laddr = n->addr;
	uint16_t lport = pick_port(n, laddr, raddr, rport);
	if (lport == 0)
		return -EADDRNOTAVAIL;
	struct tcp_pcb *p = tcp_pcb_new(n);
	if (!p)
		return -ENOMEM;
	p->laddr = laddr;
	p->lport = lport;
	p->raddr = raddr;
	p->rport = rport;
	p->flags |= TF_ACCEPTED;
	if (tcp_alloc_buffers(p) < 0) {
		tcp_pcb_release(p);
		return -ENOMEM;
	}
	p->iss = tcp_new_isn(n, laddr, lport, raddr, rport);
	p->snd_una = p->snd_nxt = p->snd_max = p->iss;
	p->snd_buf_seq = p->iss + 1;
	p->recover = p->iss;
	tcp_set_state(p, TCP_SYN_SENT);
	tcp_pcb_hash_insert(n, p);
	n->st.tcp_connects++;
	tcp_send_syn(p);
	*out = p;
	return 0;
}

static bool can_send_state(const struct tcp_pcb *p)
{
	return p->state == TCP_ESTABLISHED || p->state == TCP_CLOSE_WAIT;
}

long tcp_send(struct tcp_pcb *p, const struct io_vec *iov, unsigned niov)
{
	net_clock(p->net);
	if (p->error)
		return p->error;
	if (p->flags & TF_FIN_QUEUED)
		return -EPIPE;
	if (!can_send_state(p))
		return p->state == TCP_SYN_SENT || p->state == TCP_SYN_RCVD ? -ENOTCONN : -EPIPE;
	uint32_t room = p->snd.cap - p->snd.len;
	if (room == 0)
		return -EAGAIN;
	uint32_t took = 0;
	for (unsigned i = 0; i < niov && took < room; i++) {
		uint32_t k = (uint32_t)NET_MIN((size_t)(room - took), iov[i].len);
		tcp_ring_write(&p->snd, p->snd.len, iov[i].base, k);
		p->snd.len += k;
		took += k;
	}
	if (took)
		tcp_output(p);
	return (long)took;
}

long tcp_recv(struct tcp_pcb *p, void *buf, size_t len)
{
	struct net *n = p->net;
	net_clock(n);
	if (p->rcv.len > 0 && len > 0) {
		uint32_t k = (uint32_t)NET_MIN(len, (size_t)p->rcv.len);
		/* Out-of-order bytes parked beyond the in-order ones keep their
		 * place: their ring position is head + len + distance from
		 * rcv_nxt, and consuming moves head up and len down alike. */
		tcp_ring_read(&p->rcv, 0, buf, k);
		tcp_ring_consume(&p->rcv, k);
		/* Tell the peer about the space when the news is worth a
		 * segment or two (receiver-side silly window avoidance, RFC
		 * 1122 4.2.3.3) and either the window it knows has shrunk to
		 * half the buffer or this read freed a quarter of it; smaller
		 * news rides on the next ACK, saving a frame per read. */
		if (p->state >= TCP_ESTABLISHED && p->state != TCP_TIME_WAIT && !(p->flags & TF_FIN_RCVD)) {
			uint32_t cur = SEQ_GT(p->rcv_adv, p->rcv_nxt) ? p->rcv_adv - p->rcv_nxt : 0;
			uint32_t win = tcp_rcv_window(p);
			uint32_t step = NET_MIN(p->rcv.cap / 2, 2u * p->rcv_mss);
			/* With tcp_ack_on_read, data ACKs wait for this read. */
			bool owed = n->cfg.tun.tcp_ack_on_read && (p->flags & TF_DELACK) &&
			            p->rcv_unacked > p->rcv_mss - ((p->flags & TF_TS) ? 12u : 0u);
			if (owed ||
			    (win > cur && win - cur >= step && (cur <= p->rcv.cap / 2 || win - cur >= p->rcv.cap / 4)))
				tcp_send_ack(p);
		}
		return (long)k;
	}
	if (len == 0)
		return 0;
	if (p->flags & TF_FIN_RCVD)
		return 0;
	if (p->error)
		return p->error;
	if (p->state == TCP_CLOSED)
		return 0;
	return -EAGAIN;
}

int tcp_shutdown(struct tcp_pcb *p)
{
	net_clock(p->net);
	if (p->error)
		return p->error;
	if (p->flags & TF_FIN_QUEUED)
		return 0;
	switch (p->state) {
	case TCP_ESTABLISHED:
		tcp_set_state(p, TCP_FIN_WAIT_1);
		break;
	case TCP_CLOSE_WAIT:
		tcp_set_state(p, TCP_LAST_ACK);
		break;
	default:
		return -ENOTCONN;
	}
	p->flags |= TF_FIN_QUEUED;
	p->fin_seq = p->snd_buf_seq + p->snd.len;
	tcp_output(p);
	return 0;
}

void tcp_abort(struct tcp_pcb *p)
{
	if (!p)
		return;
	net_clock(p->net);
	p->flags |= TF_APP_CLOSED;
	p->upcall = NULL;
	if (p->state != TCP_CLOSED && p->state != TCP_TIME_WAIT && p->state != TCP_SYN_SENT)
		tcp_send_rst(p);
	if (p->state == TCP_CLOSED)
		tcp_pcb_release(p);
	else
		tcp_drop(p, -ECONNABORTED);
}

void tcp_close(struct tcp_pcb *p)
{
	if (!p)
		return;
	struct net *n = p->net;
	net_clock(n);
	p->flags |= TF_APP_CLOSED;
	p->upcall = NULL;
	switch (p->state) {
	case TCP_CLOSED:
		tcp_pcb_release(p);
		return;
	case TCP_SYN_SENT:
		tcp_drop(p, -ECONNABORTED);
		return;
	case TCP_TIME_WAIT:
		ring_free(&p->rcv);
		return;
	default:
		break;
	}
	if (p->rcv.len > 0 || p->nooo > 0) {
		/* Data the app will never read: tell the peer, as BSD does. */
		tcp_send_rst(p);
		tcp_drop(p, -ECONNABORTED);
		return;
	}
	if (p->state == TCP_ESTABLISHED || p->state == TCP_CLOSE_WAIT) {
		tcp_shutdown(p);
		if (p->state == TCP_CLOSED)
			return;
	}
	if (p->state == TCP_FIN_WAIT_2) {
		p->t_close = n->now + n->cfg.tun.tcp_fin_timeout;
		tcp_timer_update(p);
	}
}

int tcp_set_nodelay(struct tcp_pcb *p, bool on)
{
	if (on)
		p->flags |= TF_NODELAY;
	else
		p->flags &= ~(uint32_t)TF_NODELAY;
	if (on && can_send_state(p)) {
		net_clock(p->net);
		tcp_output(p);
	}
	return 0;
}

int tcp_set_keepalive(struct tcp_pcb *p, bool on)
{
	struct net *n = p->net;
	net_clock(n);
	if (on) {
		p->flags |= TF_KEEPALIVE;
		p->keep_probes = 0;
		if (p->state == TCP_ESTABLISHED || p->state == TCP_CLOSE_WAIT) {
			p->t_keep = p->idle_since + n->cfg.tun.tcp_keep_idle;
			tcp_timer_update(p);
		}
	} else {
		p->flags &= ~(uint32_t)TF_KEEPALIVE;
		p->t_keep = NET_NEVER;
	}
	return 0;
}

void tcp_set_upcall(struct tcp_pcb *p, net_upcall_fn fn, void *ctx)
{
	p->upcall = fn;
	p->upcall_ctx = ctx;
}

enum tcp_state tcp_state(const struct tcp_pcb *p)
{
	return (enum tcp_state)p->state;
}

int tcp_error(const struct tcp_pcb *p)
{
	return p->error;
}

size_t tcp_readable(const struct tcp_pcb *p)
{
	return p->rcv.len;
}

size_t tcp_writable(const struct tcp_pcb *p)
{
	if (!can_send_state(p) || (p->flags & TF_FIN_QUEUED) || p->error)
		return 0;
	return p->snd.cap - p->snd.len;
}

void tcp_endpoints(const struct tcp_pcb *p, uint32_t *laddr, uint16_t *lport, uint32_t *raddr,
                   uint16_t *rport)
{
	if (laddr)
		*laddr = p->laddr;
	if (lport)
		*lport = p->lport;
	if (raddr)
		*raddr = p->raddr;
	if (rport)
		*rport = p->rport;
}
