/* TCP input: segment validation and option parsing, the RFC 9293 state
 * machine ("SEGMENT ARRIVES"), with RFC 5961's defences (exact-sequence
 * RSTs, challenge ACKs for in-window RSTs and SYNs and for unacceptable
 * ACKs), RFC 7323 PAWS and timestamp tracking, ACK acceptance (what an ACK
 * does to the windows is in tcp_cc.c), and the receive path that places data (in order or not) into the receive ring
 * and decides between an immediate and a delayed ACK. */
#include <string.h>

#include "protocols/net/internal.h"

#define PAWS_IDLE_NS (UINT64_C(24) * 24 * 3600 * NS_PER_S)
#define OOW_ACK_GAP_NS (500 * NS_PER_MS)

/* ---- parsing ---------------------------------------------------------------- */

static void parse_options(const uint8_t *o, size_t len, bool syn, struct tcp_seg *s)
{
	while (len > 0) {
		uint8_t kind = o[0];
		if (kind == 0)
			break;
		if (kind == 1) {
			o++;
			len--;
			continue;
		}
		if (len < 2 || o[1] < 2 || o[1] > len)
			break;
		uint8_t olen = o[1];
		switch (kind) {
		case 2:
			if (olen == 4 && syn) {
				s->has_mss = true;
				s->opt_mss = buf_load_be16(o + 2);
			}
			break;
		case 3:
			if (olen == 3 && syn) {
				s->has_ws = true;
				s->opt_ws = o[2] > 14 ? 14 : o[2];
			}
			break;
		case 4:
			if (olen == 2 && syn)
				s->sack_ok = true;
			break;
		case 5:
			if (olen >= 10 && (olen - 2) % 8 == 0) {
				s->nsack = 0;
				for (unsigned i = 0; i < (unsigned)(olen - 2) / 8 && i < 4; i++) {
					s->sack[i].start = buf_load_be32(o + 2 + 8 * i);
					s->sack[i].end = buf_load_be32(o + 6 + 8 * i);
					s->nsack++;
				}
			}
			break;
		case 8:
			if (olen == 10) {
				s->has_ts = true;
				s->tsval = buf_load_be32(o + 2);
				s->tsecr = buf_load_be32(o + 6);
			}
			break;
		default:
			break;
		}
		o += olen;
		len -= olen;
	}
}

/* ---- helpers ----------------------------------------------------------------- */

static void challenge_ack(struct tcp_pcb *p)
{
	struct net *n = p->net;
	if (n->now - n->challenge_window >= NS_PER_S) {
		n->challenge_window = n->now;
		n->challenge_count = 0;
	}
	if (n->challenge_count >= n->cfg.tun.tcp_challenge_ack)
		return;
	n->challenge_count++;
	n->st.tcp_challenge_acks++;
	tcp_send_ack(p);
}

static uint8_t wscale_for(uint32_t buf)
{
	uint8_t s = 0;
	while (s < 14 && (buf >> s) > 65535)
		s++;
	return s;
}

/* Adopt what the peer's SYN (or SYN-ACK) offered. */
static void negotiate(struct tcp_pcb *p, const struct tcp_seg *s)
{
	const struct net_tunables *t = &p->net->cfg.tun;
	p->peer_mss = s->has_mss ? (uint16_t)NET_MAX(s->opt_mss, 64) : 536;
	if (s->has_ws && !t->tcp_no_ws) {
		p->flags |= TF_WS;
		p->snd_wscale = s->opt_ws;
		if (p->state != TCP_SYN_SENT)
			p->rcv_wscale = wscale_for(t->tcp_rcvbuf);
	} else {
		p->flags &= ~(uint32_t)TF_WS;
		p->snd_wscale = p->rcv_wscale = 0;
	}
	if (s->has_ts && !t->tcp_no_ts) {
		p->flags |= TF_TS;
		p->ts_recent = s->tsval;
		p->ts_recent_age = p->net->now;
	}
	if (s->sack_ok && !t->tcp_no_sack)
		p->flags |= TF_SACK;
	p->mss = tcp_effective_mss(p);
}

/* RFC 5681 initial window (or the configured number of segments); one
 * segment when the handshake needed a retransmission. */
static void init_cwnd(struct tcp_pcb *p, bool syn_lost)
{
	uint32_t m = p->mss, iw = p->net->cfg.tun.tcp_iw;
	if (syn_lost)
		p->cwnd = m;
	else if (iw)
		p->cwnd = iw * m;
	else
		p->cwnd = m > 2190 ? 2 * m : m > 1095 ? 3 * m : 4 * m;
}

/* Our SYN is acknowledged: the handshake's RTT sample (unless the SYN
 * was resent), the initial window, no more retransmission. */
static void syn_acked(struct tcp_pcb *p, const struct tcp_seg *s)
{
	if ((p->flags & TF_RTT) && SEQ_GT(s->ack, p->rtt_seq)) {
		tcp_rtt_sample(p, p->net->now - p->rtt_start);
		p->flags &= ~(uint32_t)TF_RTT;
	}
	p->snd_una = s->ack;
	p->flags |= TF_SYN_ACKED;
	init_cwnd(p, p->nrexmt > 0);
	p->nrexmt = 0;
	tcp_rexmt_stop(p);
}

/* ---- passive open ------------------------------------------------------------ */

static void listen_input(struct net *n, struct tcp_listener *l, const struct ip_rx *rx,
                         const struct tcp_seg *s, uint16_t sport, uint16_t dport)
{
	if (s->flags & TH_RST)
		return;
	if (s->flags & TH_ACK) {
		tcp_respond_rst(n, rx, s);
		return;
	}
	if (!(s->flags & TH_SYN))
		return;
	if (l->nready >= (uint32_t)l->backlog) {
		n->st.tcp_syn_drops++;
		return;
	}
	if (l->nsyn >= n->cfg.tun.tcp_syn_backlog) {
		/* A bounded half-open queue: under a SYN flood the oldest
		 * entry makes room, so genuine clients (who answer within a
		 * round trip) still get through. The queue is long (4096 by
		 * default, a few MiB under a flood) because an entry lives
		 * only until that many newer SYNs arrived: at 250k SYN/s that
		 * is 16 ms, where 256 entries gave a client on a busy machine
		 * barely 1 ms to answer. SYN cookies would remove the limit. */
		struct tcp_pcb *old = l->syn_head;
		n->st.tcp_syn_evicted++;
		tcp_pcb_release(old);
	}
	struct tcp_pcb *p = tcp_pcb_new(n);
	if (!p) {
		n->st.tcp_syn_drops++;
		return;
	}
	p->laddr = rx->dst;
	p->lport = dport;
	p->raddr = rx->src;
	p->rport = sport;
	p->flags |= TF_PASSIVE;
	tcp_set_state(p, TCP_SYN_RCVD);
	p->irs = s->seq;
	p->rcv_nxt = s->seq + 1;
	p->rcv_adv = p->rcv_nxt;
	p->last_ack_sent = p->rcv_nxt;
	p->iss = tcp_new_isn(n, p->laddr, p->lport, p->raddr, p->rport);
	p->ts_offset = (uint32_t)(net_siphash(n->hash_key, &p->iss, sizeof p->iss) >> 32);
	p->snd_una = p->snd_nxt = p->snd_max = p->iss;
	p->snd_buf_seq = p->iss + 1;
	p->recover = p->iss;
	negotiate(p, s);
	p->snd_wnd = s->wnd; /* never scaled in a SYN */
	p->max_sndwnd = p->snd_wnd;
	p->snd_wl1 = s->seq;
	p->snd_wl2 = p->iss;
	tcp_pcb_hash_insert(n, p);
	tcp_listener_add_syn(l, p);
	tcp_send_syn(p);
}

/* ---- active open: SYN_SENT ------------------------------------------------------ */

static void syn_sent_input(struct tcp_pcb *p, const struct ip_rx *rx, const struct tcp_seg *s)
{
	struct net *n = p->net;
	bool ack_ok = false;

	if (s->flags & TH_ACK) {
		if (SEQ_LEQ(s->ack, p->iss) || SEQ_GT(s->ack, p->snd_max)) {
			tcp_respond_rst(n, rx, s);
			return;
		}
		ack_ok = true;
	}
	if (s->flags & TH_RST) {
		if (ack_ok)
			tcp_drop(p, -ECONNREFUSED);
		return;
	}
	if (!(s->flags & TH_SYN))
		return;
	p->irs = s->seq;
	p->rcv_nxt = s->seq + 1;
	p->rcv_adv = p->rcv_nxt;
	negotiate(p, s);
	p->snd_wnd = s->wnd;
	p->max_sndwnd = p->snd_wnd;
	p->snd_wl1 = s->seq;
	p->snd_wl2 = s->ack;
	if (!ack_ok) {
		/* Simultaneous open: answer with SYN-ACK, same ISS. */
		tcp_set_state(p, TCP_SYN_RCVD);
		p->t_rexmt = NET_NEVER;
		tcp_send_syn(p);
		return;
	}
	syn_acked(p, s);
	p->flags |= TF_ACK_NOW;
	tcp_established(p);
	tcp_output(p);
}

/* ---- receive data ------------------------------------------------------------ */

/* rcv_nxt moved: absorb out-of-order ranges it has reached. */
static void ooo_advance(struct tcp_pcb *p)
{
	unsigned k = 0;
	while (k < p->nooo && SEQ_LEQ(p->ooo[k].start, p->rcv_nxt)) {
		if (SEQ_GT(p->ooo[k].end, p->rcv_nxt)) {
			p->rcv.len += p->ooo[k].end - p->rcv_nxt;
			p->rcv_nxt = p->ooo[k].end;
		}
		k++;
	}
	if (k) {
		memmove(&p->ooo[0], &p->ooo[k], (p->nooo - k) * sizeof p->ooo[0]);
		p->nooo = (uint8_t)(p->nooo - k);
	}
	if (p->nooo == 0)
		p->flags &= ~(uint32_t)TF_SACK_NEW;
}

/* Place payload at seq (>= rcv_nxt). *fin says whether the segment's FIN
 * counts, and comes back true when a FIN is now next in sequence. */
static void data_in(struct tcp_pcb *p, uint32_t seq, const uint8_t *data, uint32_t len, bool *fin)
{
	struct net *n = p->net;
	uint32_t space = p->rcv.cap - p->rcv.len;
	uint32_t off = seq - p->rcv_nxt;

	if (off >= space) {
		n->st.tcp_ooo_drops++;
		p->flags |= TF_ACK_NOW;
		*fin = false;
		return;
	}
	if (len > space - off) {
		len = space - off;
		*fin = false;
	}
	if (off == 0) {
		tcp_ring_write(&p->rcv, p->rcv.len, data, len);
		p->rcv.len += len;
		p->rcv_nxt += len;
		p->rcv_unacked += len;
		if (p->nooo) {
			ooo_advance(p);
			p->flags |= TF_ACK_NOW; /* a hole filled: tell the sender now */
			if ((p->flags & TF_OOO_FIN) && p->rcv_nxt == p->ooo_fin) {
				p->flags &= ~(uint32_t)TF_OOO_FIN;
				*fin = true;
			}
		}
		uint32_t full = p->rcv_mss - ((p->flags & TF_TS) ? 12u : 0u);
		/* The window last advertised, and what is free now. */
		bool shrinks = tcp_rcv_window(p) < p->rcv_adv - p->last_ack_sent;
		if (p->rcv_unacked > full && !(n->cfg.tun.tcp_ack_on_read && shrinks))
			p->flags |= TF_ACK_NOW; /* every second full segment */
		else if (!(p->flags & (TF_ACK_NOW | TF_DELACK))) {
			p->flags |= TF_DELACK;
			p->t_delack = n->now + n->cfg.tun.tcp_delack;
			tcp_timer_update(p);
		}
		tcp_notify(p, NET_EV_READ);
		return;
	}
	/* Out of order: park it in the ring where it belongs, and say so with
	 * an immediate duplicate ACK (which carries SACK blocks). */
	if (!tcp_range_insert(p->ooo, &p->nooo, TCP_OOO_MAX, seq, seq + len)) {
		n->st.tcp_ooo_drops++;
		p->flags |= TF_ACK_NOW;
		*fin = false;
		return;
	}
	tcp_ring_write(&p->rcv, p->rcv.len + off, data, len);
	if (*fin) {
		p->flags |= TF_OOO_FIN;
		p->ooo_fin = seq + len;
		*fin = false;
	}
	p->sack_last.start = seq;
	p->sack_last.end = seq + len;
	p->flags |= TF_SACK_NEW | TF_ACK_NOW;
	n->st.tcp_ooo_segs++;
}

/* The peer's FIN is next in sequence. Returns false when p is gone. */
static bool fin_in(struct tcp_pcb *p)
{
	p->rcv_nxt++;
	p->flags |= TF_FIN_RCVD | TF_ACK_NOW;
	switch (p->state) {
	case TCP_SYN_RCVD:
	case TCP_ESTABLISHED:
		tcp_set_state(p, TCP_CLOSE_WAIT);
		break;
	case TCP_FIN_WAIT_1:
		tcp_set_state(p, TCP_CLOSING);
		break;
	case TCP_FIN_WAIT_2:
		tcp_send_ack(p);
		if (!tcp_enter_time_wait(p))
			return false;
		break;
	default:
		break;
	}
	tcp_notify(p, NET_EV_READ | NET_EV_STATE);
	return true;
}

/* ---- synchronized states ------------------------------------------------------ */

static void sync_input(struct tcp_pcb *p, const struct ip_rx *rx, const struct tcp_seg *s)
{
	struct net *n = p->net;
	uint32_t seq = s->seq, len = s->len;
	uint8_t flags = s->flags;
	const uint8_t *data = s->data;

	/* A retransmitted SYN while our SYN-ACK is out: send it again. */
	if (p->state == TCP_SYN_RCVD && (flags & TH_SYN) && !(flags & (TH_ACK | TH_RST)) &&
	    seq == p->irs) {
		tcp_send_syn(p);
		return;
	}
	/* PAWS (RFC 7323 5.3): an older timestamp means an old duplicate. */
	if ((p->flags & TF_TS) && s->has_ts && !(flags & TH_RST) && SEQ_LT(s->tsval, p->ts_recent)) {
		if (n->now - p->ts_recent_age > PAWS_IDLE_NS) {
			p->ts_recent = s->tsval;
		} else {
			n->st.tcp_paws_drops++;
			tcp_send_ack(p);
			return;
		}
	}

	/* 1. Is any of the segment inside the window we advertised? */
	uint32_t rwnd = SEQ_GT(p->rcv_adv, p->rcv_nxt) ? p->rcv_adv - p->rcv_nxt : 0;
	uint32_t seglen = len + ((flags & TH_SYN) ? 1 : 0) + ((flags & TH_FIN) ? 1 : 0);
	bool ok;
	if (seglen == 0)
		ok = rwnd == 0 ? seq == p->rcv_nxt : SEQ_GEQ(seq, p->rcv_nxt) && SEQ_LT(seq, p->rcv_nxt + rwnd);
	else
		ok = rwnd > 0 && SEQ_GT(seq + seglen, p->rcv_nxt) && SEQ_LT(seq, p->rcv_nxt + rwnd);
	if (!ok) {
		if (rwnd == 0 && seq == p->rcv_nxt && !(flags & (TH_RST | TH_SYN))) {
			/* A zero window takes no data, but the ACK still counts. */
			len = 0;
			flags &= (uint8_t)~TH_FIN;
			p->flags |= TF_ACK_NOW;
		} else {
			if (flags & TH_RST)
				return;
			if (SEQ_LT(seq, p->rcv_nxt))
				n->st.tcp_dup_segs++;
			if (p->state == TCP_TIME_WAIT && (flags & TH_FIN))
				tcp_enter_time_wait(p); /* the peer missed our ACK of its FIN */
			/* An old pure ACK is answered at most twice a second, so
			 * that two confused ends cannot loop on each other. */
			if (seglen == 0 && n->now - p->last_oow_ack < OOW_ACK_GAP_NS)
				return;
			if (seglen == 0)
				p->last_oow_ack = n->now;
			tcp_send_ack(p);
			return;
		}
	}

	/* 2. RST: only the exact next sequence number resets (RFC 5961 3.2). */
	if (flags & TH_RST) {
		if (seq != p->rcv_nxt) {
			challenge_ack(p);
			return;
		}
		switch (p->state) {
		case TCP_SYN_RCVD:
			if (p->flags & TF_PASSIVE)
				tcp_pcb_release(p); /* back to LISTEN: nobody knew it */
			else
				tcp_drop(p, -ECONNREFUSED);
			return;
		case TCP_ESTABLISHED:
		case TCP_FIN_WAIT_1:
		case TCP_FIN_WAIT_2:
		case TCP_CLOSE_WAIT:
			tcp_drop(p, -ECONNRESET);
			return;
		default:
			tcp_drop(p, 0);
			return;
		}
	}

	/* 4. A SYN on a synchronized connection: challenge (RFC 5961 4.2). */
	if (flags & TH_SYN) {
		challenge_ack(p);
		return;
	}

	/* Timestamp to echo (RFC 7323 4.3): from the segment that covers the
	 * point we last acknowledged. */
	if ((p->flags & TF_TS) && s->has_ts && SEQ_LEQ(seq, p->last_ack_sent) &&
	    SEQ_GEQ(s->tsval, p->ts_recent)) {
		p->ts_recent = s->tsval;
		p->ts_recent_age = n->now;
	}

	/* Trim to the window: what came before rcv_nxt, what lies beyond. */
	if (SEQ_LT(seq, p->rcv_nxt)) {
		uint32_t dup = NET_MIN(p->rcv_nxt - seq, len);
		data += dup;
		len -= dup;
		seq += dup;
		if (len == 0 && SEQ_LT(seq, p->rcv_nxt))
			flags &= (uint8_t)~TH_FIN; /* the FIN too was old */
		n->st.tcp_dup_segs++;
		p->flags |= TF_ACK_NOW;
	}
	if (SEQ_GT(seq + len, p->rcv_nxt + rwnd)) {
		len = SEQ_GT(p->rcv_nxt + rwnd, seq) ? p->rcv_nxt + rwnd - seq : 0;
		flags &= (uint8_t)~TH_FIN;
		p->flags |= TF_ACK_NOW;
	}

	/* 5. ACK. */
	if (!(flags & TH_ACK))
		return;
	p->idle_since = n->now;
	p->keep_probes = 0;
	if (p->state == TCP_SYN_RCVD) {
		if (!SEQ_GT(s->ack, p->snd_una) || SEQ_GT(s->ack, p->snd_max)) {
			tcp_respond_rst(n, rx, s);
			return;
		}
		if (p->listener && p->listener->nready >= (uint32_t)p->listener->backlog) {
			n->st.tcp_syn_drops++;
			return; /* the accept queue is full: let the handshake repeat */
		}
		if (tcp_alloc_buffers(p) < 0) {
			tcp_send_rst(p);
			tcp_drop(p, -ENOMEM);
			return;
		}
		p->snd_wnd = s->wnd << p->snd_wscale;
		p->max_sndwnd = NET_MAX(p->max_sndwnd, p->snd_wnd);
		p->snd_wl1 = s->seq;
		p->snd_wl2 = s->ack;
		syn_acked(p, s);
		tcp_established(p);
	} else {
		/* RFC 5961 5.2: an ACK for data never sent, or too old to be
		 * genuine, is answered and dropped. */
		if (SEQ_GT(s->ack, p->snd_max) || SEQ_LT(s->ack, p->snd_una - p->max_sndwnd)) {
			challenge_ack(p);
			return;
		}
		uint32_t wnd = s->wnd << p->snd_wscale;
		bool dup = s->ack == p->snd_una && s->len == 0 && !(s->flags & TH_FIN) && wnd == p->snd_wnd &&
		           p->snd_max != p->snd_una;
		tcp_cc_ack(p, s, dup);
		/* Window update (RFC 9293 3.10.7.4: SND.WL1/WL2 order updates). */
		if (SEQ_LT(p->snd_wl1, s->seq) || (p->snd_wl1 == s->seq && SEQ_LEQ(p->snd_wl2, s->ack))) {
			p->snd_wnd = wnd;
			p->snd_wl1 = s->seq;
			p->snd_wl2 = s->ack;
			if (wnd > p->max_sndwnd)
				p->max_sndwnd = wnd;
		}
	}
	bool fin_acked = (p->flags & TF_FIN_QUEUED) && SEQ_GT(p->snd_una, p->fin_seq);
	switch (p->state) {
	case TCP_FIN_WAIT_1:
		if (fin_acked) {
			tcp_set_state(p, TCP_FIN_WAIT_2);
			if (p->flags & TF_APP_CLOSED) {
				p->t_close = n->now + n->cfg.tun.tcp_fin_timeout;
				tcp_timer_update(p);
			}
		}
		break;
	case TCP_CLOSING:
		if (fin_acked && !tcp_enter_time_wait(p))
			return;
		break;
	case TCP_LAST_ACK:
		if (fin_acked) {
			tcp_drop(p, 0);
			return;
		}
		break;
	default:
		break;
	}

	/* 7. Payload, then 8. FIN. */
	bool fin = flags & TH_FIN;
	if (len > 0) {
		if (p->state == TCP_ESTABLISHED || p->state == TCP_FIN_WAIT_1 || p->state == TCP_FIN_WAIT_2) {
			if (p->flags & TF_APP_CLOSED) {
				/* Nobody will read it: reset, as BSD and Linux do. */
				tcp_send_rst(p);
				tcp_drop(p, -ECONNRESET);
				return;
			}
			data_in(p, seq, data, len, &fin);
		} else {
			fin = false; /* after the peer's FIN there is no data */
		}
	} else if (fin && seq != p->rcv_nxt) {
		/* A bare FIN beyond a hole. */
		if (p->state == TCP_ESTABLISHED || p->state == TCP_FIN_WAIT_1 || p->state == TCP_FIN_WAIT_2) {
			p->flags |= TF_OOO_FIN | TF_ACK_NOW;
			p->ooo_fin = seq;
		}
		fin = false;
	}
	if (fin && !(p->flags & TF_FIN_RCVD) && !fin_in(p))
		return;
	if (p->state == TCP_TIME_WAIT && (p->flags & TF_ACK_NOW))
		tcp_send_ack(p);
	tcp_output(p);
	tcp_timer_update(p);
}

/* ---- entry --------------------------------------------------------------------- */

void tcp_input(struct net *n, const struct ip_rx *rx)
{
	struct tcp_seg s;

	n->st.tcp_in++;
	if (rx->bcast || rx->len < TCP_HLEN) {
		n->st.tcp_bad++;
		return;
	}
	const uint8_t *th = rx->data;
	size_t off = (size_t)(th[12] >> 4) * 4;
	if (off < TCP_HLEN || off > rx->len) {
		n->st.tcp_bad++;
		return;
	}
	if (!rx->csum_ok) {
		struct cksum c;
		net_cksum_pseudo(&c, rx->src, rx->dst, IP_PROTO_TCP, (uint32_t)rx->len);
		cksum_add(&c, th, rx->len);
		if (cksum_finish(&c) != 0) {
			n->st.tcp_bad++;
			return;
		}
	}
	memset(&s, 0, sizeof s);
	uint16_t sport = buf_load_be16(th), dport = buf_load_be16(th + 2);
	s.seq = buf_load_be32(th + 4);
	s.ack = buf_load_be32(th + 8);
	s.flags = th[13] & 0x3f;
	s.wnd = buf_load_be16(th + 14);
	s.data = th + off;
	s.len = (uint32_t)(rx->len - off);
	if (off > TCP_HLEN)
		parse_options(th + TCP_HLEN, off - TCP_HLEN, s.flags & TH_SYN, &s);
	if (sport == 0 || dport == 0) {
		n->st.tcp_bad++;
		return;
	}

	struct tcp_pcb *p = tcp_pcb_lookup(n, rx->dst, dport, rx->src, sport);
	if (p && p->state == TCP_TIME_WAIT && (s.flags & (TH_SYN | TH_ACK | TH_RST)) == TH_SYN) {
		/* A new incarnation of a connection in TIME_WAIT: allowed when it
		 * starts above the old one (RFC 9293 3.6.1, RFC 6191). */
		bool newer = SEQ_GT(s.seq, p->rcv_nxt) ||
		             ((p->flags & TF_TS) && s.has_ts && SEQ_GT(s.tsval, p->ts_recent));
		if (newer && tcp_listener_lookup(n, rx->dst, dport)) {
			if (p->flags & TF_APP_CLOSED)
				tcp_pcb_release(p);
			else
				tcp_drop(p, 0);
			p = NULL;
		}
	}
	if (!p) {
		struct tcp_listener *l = tcp_listener_lookup(n, rx->dst, dport);
		if (l) {
			listen_input(n, l, rx, &s, sport, dport);
			return;
		}
		n->st.tcp_no_pcb++;
		tcp_respond_rst(n, rx, &s);
		return;
	}
	if (p->state == TCP_SYN_SENT) {
		syn_sent_input(p, rx, &s);
		tcp_timer_update(p);
		return;
	}
	sync_input(p, rx, &s);
}

void tcp_ctlinput(struct net *n, uint8_t type, uint8_t code, uint32_t info, const uint8_t *ip,
                  size_t len)
{
	size_t hlen = (size_t)(ip[0] & 0xf) * 4;
	if (type != ICMP_UNREACH || code != ICMP_UNREACH_NEEDFRAG || len < hlen + 8)
		return;
	const uint8_t *th = ip + hlen;
	struct tcp_pcb *p = tcp_pcb_lookup(n, buf_load_be32(ip + 12), buf_load_be16(th), buf_load_be32(ip + 16),
	                                   buf_load_be16(th + 2));
	if (!p || p->state < TCP_ESTABLISHED)
		return;
	/* Only for a segment we have in flight (RFC 5927). */
	uint32_t seq = buf_load_be32(th + 4);
	if (SEQ_LT(seq, p->snd_una) || SEQ_GEQ(seq, p->snd_max))
		return;
	uint32_t mtu = info & 0xffff;
	if (mtu < 576 || mtu >= n->cfg.mtu)
		return;
	uint32_t mss = mtu - IP_HLEN - TCP_HLEN - ((p->flags & TF_TS) ? 12u : 0u);
	if (mss >= p->mss)
		return;
	p->mss = (uint16_t)mss;
	p->snd_nxt = p->snd_una; /* resend what was too big, now in smaller pieces */
	tcp_output(p);
	tcp_timer_update(p);
}
