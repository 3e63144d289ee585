/* TCP timers: one heap entry per flow, armed for the earliest of its
 * deadlines (retransmission, persist, keepalive, delayed ACK, TIME_WAIT /
 * FIN_WAIT_2). Moving a deadline later leaves the heap alone; the entry
 * fires early, finds nothing due and re-arms, which keeps the per-ACK cost
 * of restarting the retransmission timer to a store. Also the RTT
 * estimator of RFC 6298. */
#include "protocols/net/internal.h"

#define TCP_PERSIST_MAX (60 * NS_PER_S)

static uint64_t next_deadline(const struct tcp_pcb *p)
{
	uint64_t d = p->t_rexmt;
	d = NET_MIN(d, p->t_persist);
	d = NET_MIN(d, p->t_keep);
	d = NET_MIN(d, p->t_delack);
	d = NET_MIN(d, p->t_close);
	return d;
}

void tcp_timer_update(struct tcp_pcb *p)
{
	uint64_t d = next_deadline(p);
	if (d == NET_NEVER)
		return;
	if (!net_timer_armed(&p->timer) || d < p->timer.deadline)
		net_timer_set(p->net, &p->timer, d);
}

void tcp_rexmt_start(struct tcp_pcb *p)
{
	p->t_rexmt = p->net->now + p->rto;
	tcp_timer_update(p);
}

void tcp_rexmt_stop(struct tcp_pcb *p)
{
	p->t_rexmt = NET_NEVER;
}

/* RFC 6298 section 2, in microseconds. */
void tcp_rtt_sample(struct tcp_pcb *p, uint64_t rtt_ns)
{
	const struct net_tunables *t = &p->net->cfg.tun;
	uint32_t r = (uint32_t)NET_MIN(rtt_ns / 1000, (uint64_t)UINT32_MAX / 8);
	if (!(p->flags & TF_RTT_SAMPLED)) {
		p->srtt = r;
		p->rttvar = r / 2;
		p->flags |= TF_RTT_SAMPLED;
	} else {
		uint32_t delta = p->srtt > r ? p->srtt - r : r - p->srtt;
		p->rttvar = p->rttvar - p->rttvar / 4 + delta / 4;
		p->srtt = p->srtt - p->srtt / 8 + r / 8;
	}
	/* G, the clock granularity, is taken as 1 ms. */
	uint64_t rto = ((uint64_t)p->srtt + NET_MAX((uint64_t)4 * p->rttvar, (uint64_t)1000)) * 1000;
	p->rto = NET_MIN(NET_MAX(rto, t->tcp_rto_min), t->tcp_rto_max);
}

static void backoff(struct tcp_pcb *p)
{
	p->rto = NET_MIN(p->rto * 2, p->net->cfg.tun.tcp_rto_max);
}

/* Returns false when the pcb is gone. */
static bool rexmt_expired(struct tcp_pcb *p)
{
	struct net *n = p->net;
	const struct net_tunables *t = &n->cfg.tun;

	p->t_rexmt = NET_NEVER;
	n->st.tcp_timeouts++;
	p->nrexmt++;
	p->flags &= ~(uint32_t)TF_RTT; /* Karn */
	if (p->state == TCP_SYN_SENT || p->state == TCP_SYN_RCVD) {
		if (p->nrexmt > t->tcp_syn_retries) {
			tcp_drop(p, -ETIMEDOUT);
			return false;
		}
		backoff(p);
		p->t_rexmt = n->now + p->rto;
		tcp_send_syn(p);
		return true;
	}
	if (p->nrexmt > t->tcp_retries) {
		tcp_send_rst(p);
		tcp_drop(p, -ETIMEDOUT);
		return false;
	}
	tcp_cc_timeout(p);
	backoff(p);
	p->t_rexmt = n->now + p->rto;
	tcp_output(p);
	return true;
}

/* Returns false when the pcb is gone. */
static bool persist_expired(struct tcp_pcb *p)
{
	struct net *n = p->net;
	p->t_persist = NET_NEVER;
	uint32_t off = p->snd_nxt - p->snd_buf_seq;
	if (!(p->flags & TF_PERSIST) || off >= p->snd.len || p->snd_nxt != p->snd_una) {
		p->flags &= ~(uint32_t)TF_PERSIST;
		return true;
	}
	if (p->snd_wnd > 0) {
		/* A window too small for the sender's SWS rule: send what fits. */
		p->flags &= ~(uint32_t)TF_PERSIST;
		p->flags |= TF_FORCE;
		tcp_output(p);
		return true;
	}
	/* A released flow that a peer keeps at a zero window would live
	 * forever: give it as many probes as retransmissions. */
	if ((p->flags & TF_APP_CLOSED) && p->persist_shift >= n->cfg.tun.tcp_retries) {
		n->st.tcp_orphans_dropped++;
		tcp_send_rst(p);
		tcp_drop(p, -ETIMEDOUT);
		return false;
	}
	tcp_send_probe(p, false);
	if (p->persist_shift < 16)
		p->persist_shift++;
	uint64_t base = NET_MAX(p->rto, n->cfg.tun.tcp_rto_min);
	p->t_persist = n->now + NET_MIN(base << p->persist_shift, TCP_PERSIST_MAX);
	return true;
}

/* Returns false when the pcb is gone. */
static bool keep_expired(struct tcp_pcb *p)
{
	struct net *n = p->net;
	const struct net_tunables *t = &n->cfg.tun;

	p->t_keep = NET_NEVER;
	if (!(p->flags & TF_KEEPALIVE) ||
	    (p->state != TCP_ESTABLISHED && p->state != TCP_CLOSE_WAIT))
		return true;
	uint64_t idle_end = p->idle_since + t->tcp_keep_idle;
	if (n->now < idle_end) {
		p->t_keep = idle_end; /* traffic came since: not idle yet */
		return true;
	}
	if (p->keep_probes >= t->tcp_keep_count) {
		tcp_send_rst(p);
		tcp_drop(p, -ETIMEDOUT);
		return false;
	}
	p->keep_probes++;
	tcp_send_probe(p, true);
	p->t_keep = n->now + t->tcp_keep_intvl;
	return true;
}

void tcp_timer_fire(struct net *n, struct net_timer *t)
{
	struct tcp_pcb *p = (struct tcp_pcb *)((char *)t - __builtin_offsetof(struct tcp_pcb, timer));
	uint64_t now = n->now;

	if (p->t_delack <= now) {
		p->t_delack = NET_NEVER;
		if (p->flags & TF_DELACK)
			tcp_send_ack(p);
	}
	if (p->t_rexmt <= now && !rexmt_expired(p))
		return;
	if (p->t_persist <= now && !persist_expired(p))
		return;
	if (p->t_keep <= now && !keep_expired(p))
		return;
	if (p->t_close <= now) {
		p->t_close = NET_NEVER;
		if (p->state == TCP_TIME_WAIT) {
			if (p->flags & TF_APP_CLOSED) {
				tcp_pcb_release(p);
			} else {
				tcp_drop(p, 0);
			}
			return;
		}
		if (p->state == TCP_FIN_WAIT_2 && (p->flags & TF_APP_CLOSED)) {
			tcp_drop(p, -ETIMEDOUT);
			return;
		}
	}
	tcp_timer_update(p);
}
