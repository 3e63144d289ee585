/* TCP output: deciding what to send (flow and congestion windows, Nagle,
 * sender-side silly window avoidance, FIN placement), building segments
 * with their options (MSS, window scale, SACK, timestamps), the receive
 * window we advertise, and the special segments: SYNs, pure ACKs, window
 * probes, retransmissions and resets. Payload goes out straight from the
 * send ring, so a segment costs no copy here. With the link's offloads
 * (net.h) the checksum is left to the link, and runs of full segments
 * leave as one super-segment that the link cuts at the MSS. */
#include <string.h>

#include "protocols/net/internal.h"

#define TCPOPT_EOL 0
#define TCPOPT_NOP 1
#define TCPOPT_MSS 2
#define TCPOPT_WS 3
#define TCPOPT_SACK_OK 4
#define TCPOPT_SACK 5
#define TCPOPT_TS 8
#define TCP_MAX_HLEN 60

static bool offer_ts(const struct tcp_pcb *p)
{
	return p->state == TCP_SYN_SENT ? !p->net->cfg.tun.tcp_no_ts : (p->flags & TF_TS) != 0;
}

static bool offer_ws(const struct tcp_pcb *p)
{
	return p->state == TCP_SYN_SENT ? !p->net->cfg.tun.tcp_no_ws : (p->flags & TF_WS) != 0;
}

static bool offer_sack(const struct tcp_pcb *p)
{
	return p->state == TCP_SYN_SENT ? !p->net->cfg.tun.tcp_no_sack : (p->flags & TF_SACK) != 0;
}

uint16_t tcp_effective_mss(const struct tcp_pcb *p)
{
	uint32_t m = NET_MIN((uint32_t)p->peer_mss, p->net->cfg.mtu - IP_HLEN - TCP_HLEN);
	if (p->flags & TF_TS)
		m -= 12;
	return (uint16_t)NET_MAX(m, 64u);
}

/* How many SACK blocks the next segment carries, newest first (RFC 2018). */
static unsigned sack_blocks(const struct tcp_pcb *p, struct tcp_range *out)
{
	if (!(p->flags & TF_SACK) || p->nooo == 0)
		return 0;
	unsigned max = (p->flags & TF_TS) ? 3 : 4, k = 0;
	int first = -1;
	if (p->flags & TF_SACK_NEW) {
		for (unsigned i = 0; i < p->nooo; i++) {
			if (SEQ_LEQ(p->ooo[i].start, p->sack_last.start) &&
			    SEQ_GEQ(p->ooo[i].end, p->sack_last.end)) {
				first = (int)i;
				out[k++] = p->ooo[i];
				break;
			}
		}
	}
	for (unsigned i = 0; i < p->nooo && k < max; i++)
		if ((int)i != first)
			out[k++] = p->ooo[i];
	return k;
}

static size_t put_ts(const struct tcp_pcb *p, uint8_t *o)
{
	o[0] = TCPOPT_NOP;
	o[1] = TCPOPT_NOP;
	o[2] = TCPOPT_TS;
	o[3] = 10;
	buf_store_be32(o + 4, tcp_ts_now(p));
	buf_store_be32(o + 8, p->ts_recent);
	return 12;
}

static uint8_t wscale_for(uint32_t buf)
{
	uint8_t s = 0;
	while (s < 14 && (buf >> s) > 65535)
		s++;
	return s;
}

/* The window field to send, keeping the right edge from ever moving left
 * and moving it right only in steps worth a segment (RFC 1122 4.2.3.3). */
static uint16_t window_field(struct tcp_pcb *p, bool syn)
{
	uint32_t win = tcp_rcv_window(p);
	if (syn) {
		p->rcv_adv = p->rcv_nxt + NET_MIN(win, 65535u);
		return (uint16_t)NET_MIN(win, 65535u);
	}
	uint32_t cur = SEQ_GT(p->rcv_adv, p->rcv_nxt) ? p->rcv_adv - p->rcv_nxt : 0;
	uint32_t cap = p->rcv.cap ? p->rcv.cap : p->net->cfg.tun.tcp_rcvbuf;
	if (win < cur || win - cur < NET_MIN(cap / 2, (uint32_t)p->rcv_mss))
		win = cur;
	uint8_t ws = p->rcv_wscale;
	uint32_t f = win >> ws;
	if (SEQ_LT(p->rcv_nxt + (f << ws), p->rcv_adv))
		f++;
	if (f > 65535)
		f = 65535;
	uint32_t adv = p->rcv_nxt + (f << ws);
	if (SEQ_GT(adv, p->rcv_adv))
		p->rcv_adv = adv;
	return (uint16_t)f;
}

/* Build and send one segment: seq, flags, and len payload bytes taken from
 * the send ring at ring offset off; a super-segment for the link to cut
 * into pieces of gso bytes when len exceeds gso (0: never). */
static int tcp_xmit_gso(struct tcp_pcb *p, uint32_t seq, uint8_t flags, uint32_t off, uint32_t len,
                        const uint8_t *opts, size_t olen, uint32_t gso)
{
	struct net *n = p->net;
	uint8_t h[TCP_MAX_HLEN];
	struct io_vec v[3];

	size_t hlen = TCP_HLEN + olen;
	buf_store_be16(h, p->lport);
	buf_store_be16(h + 2, p->rport);
	buf_store_be32(h + 4, seq);
	buf_store_be32(h + 8, (flags & TH_ACK) ? p->rcv_nxt : 0);
	h[12] = (uint8_t)(hlen / 4) << 4;
	h[13] = flags;
	buf_store_be16(h + 14, (flags & TH_RST) ? 0 : window_field(p, flags & TH_SYN));
	buf_store_be16(h + 16, 0);
	buf_store_be16(h + 18, 0);
	if (olen)
		memcpy(h + TCP_HLEN, opts, olen);
	v[0].base = h;
	v[0].len = hlen;
	unsigned nv = 1 + tcp_ring_iov(&p->snd, off, len, v + 1);
	struct cksum c;
	struct netif_frame_meta meta, *mp = NULL;
	net_cksum_pseudo(&c, p->laddr, p->raddr, IP_PROTO_TCP, (uint32_t)(hlen + len));
	if (n->cfg.offload & NETIF_F_CSUM) {
		/* The link sums from the TCP header on, over a field that
		 * holds the pseudo-header's sum. */
		buf_store_be16(h + 16, (uint16_t)~cksum_finish(&c));
		meta = (struct netif_frame_meta){
			.flags = NETIF_META_CSUM_PARTIAL,
			.csum_start = ETH_HLEN + IP_HLEN,
			.csum_offset = 16,
		};
		if (gso && len > gso) {
			meta.gso_type = NETIF_GSO_TCPV4;
			meta.gso_size = (uint16_t)gso;
			meta.hdr_len = (uint16_t)(ETH_HLEN + IP_HLEN + hlen);
		}
		mp = &meta;
	} else {
		for (unsigned i = 0; i < nv; i++)
			cksum_add(&c, v[i].base, v[i].len);
		buf_store_be16(h + 16, cksum_finish(&c));
	}
	if (flags & TH_ACK) {
		p->last_ack_sent = p->rcv_nxt;
		p->rcv_unacked = 0;
		p->flags &= ~(uint32_t)(TF_ACK_NOW | TF_DELACK);
		p->t_delack = NET_NEVER;
	}
	n->st.tcp_out++;
	if (flags & TH_RST)
		n->st.tcp_rst_out++;
	return ipv4_output_meta(n, IP_PROTO_TCP, p->laddr, p->raddr, true, v, nv, hlen + len, mp);
}

static int tcp_xmit(struct tcp_pcb *p, uint32_t seq, uint8_t flags, uint32_t off, uint32_t len,
                    const uint8_t *opts, size_t olen)
{
	return tcp_xmit_gso(p, seq, flags, off, len, opts, olen, 0);
}

/* With segmentation offload: payload room of one super-segment whose
 * options take olen bytes (0 without). */
static uint32_t tso_room(const struct tcp_pcb *p, size_t olen)
{
	const struct net_config *c = &p->net->cfg;
	if (!(c->offload & NETIF_F_TSO4))
		return 0;
	return c->gso_max - IP_HLEN - TCP_HLEN - (uint32_t)olen;
}

/* Options of a segment after the handshake: timestamps and SACK blocks. */
static size_t data_options(const struct tcp_pcb *p, uint8_t *o)
{
	size_t k = 0;
	struct tcp_range sb[4];
	if (p->flags & TF_TS)
		k += put_ts(p, o);
	unsigned ns = sack_blocks(p, sb);
	if (ns) {
		o[k] = TCPOPT_NOP;
		o[k + 1] = TCPOPT_NOP;
		o[k + 2] = TCPOPT_SACK;
		o[k + 3] = (uint8_t)(2 + 8 * ns);
		k += 4;
		for (unsigned i = 0; i < ns; i++) {
			buf_store_be32(o + k, sb[i].start);
			buf_store_be32(o + k + 4, sb[i].end);
			k += 8;
		}
	}
	return k;
}

/* Payload room in a segment whose options take olen bytes (p->mss already
 * leaves room for timestamps; SACK blocks come out of the payload). */
static uint32_t seg_max(const struct tcp_pcb *p, size_t olen)
{
	size_t extra = olen - ((p->flags & TF_TS) ? 12 : 0);
	return p->mss > extra + 1 ? p->mss - (uint32_t)extra : 1;
}

int tcp_send_syn(struct tcp_pcb *p)
{
	uint8_t o[40];
	size_t k = 0;
	struct net *n = p->net;

	buf_store_be16(o + 2, p->rcv_mss);
	o[0] = TCPOPT_MSS;
	o[1] = 4;
	k = 4;
	if (offer_sack(p) && offer_ts(p)) {
		o[k++] = TCPOPT_SACK_OK;
		o[k++] = 2;
		o[k++] = TCPOPT_TS;
		o[k++] = 10;
		buf_store_be32(o + k, tcp_ts_now(p));
		buf_store_be32(o + k + 4, p->state == TCP_SYN_SENT ? 0 : p->ts_recent);
		k += 8;
	} else if (offer_ts(p)) {
		k += put_ts(p, o + k);
		if (p->state == TCP_SYN_SENT)
			buf_store_be32(o + k - 4, 0);
	} else if (offer_sack(p)) {
		o[k++] = TCPOPT_NOP;
		o[k++] = TCPOPT_NOP;
		o[k++] = TCPOPT_SACK_OK;
		o[k++] = 2;
	}
	if (offer_ws(p)) {
		if (p->state == TCP_SYN_SENT)
			p->rcv_wscale = wscale_for(n->cfg.tun.tcp_rcvbuf);
		o[k++] = TCPOPT_NOP;
		o[k++] = TCPOPT_WS;
		o[k++] = 3;
		o[k++] = p->rcv_wscale;
	} else {
		p->rcv_wscale = 0;
	}
	uint8_t flags = p->state == TCP_SYN_SENT ? TH_SYN : TH_SYN | TH_ACK;
	int rc = tcp_xmit(p, p->iss, flags, 0, 0, o, k);
	p->snd_nxt = p->iss + 1;
	if (SEQ_GT(p->snd_nxt, p->snd_max))
		p->snd_max = p->snd_nxt;
	if (p->nrexmt == 0 && !(p->flags & TF_RTT)) {
		p->flags |= TF_RTT;
		p->rtt_seq = p->iss;
		p->rtt_start = n->now;
	}
	if (p->t_rexmt == NET_NEVER)
		tcp_rexmt_start(p);
	return rc;
}

void tcp_send_ack(struct tcp_pcb *p)
{
	uint8_t o[40];
	size_t k = data_options(p, o);
	/* snd_max, not snd_nxt: after a timeout rewound snd_nxt, a pure ACK
	 * from there would look old to the peer, which would answer with an
	 * ACK of its own, and two rewound senders would ping-pong forever. */
	tcp_xmit(p, p->snd_max, TH_ACK, 0, 0, o, k);
}

void tcp_send_probe(struct tcp_pcb *p, bool keepalive)
{
	uint8_t o[40];
	size_t k = data_options(p, o);
	if (keepalive)
		p->net->st.tcp_keep_probes++;
	else
		p->net->st.tcp_persist_probes++;
	/* A segment the peer sees as old makes it answer with an ACK that
	 * carries its current window (RFC 9293 3.8.6.1 allows any form). */
	tcp_xmit(p, p->snd_una - 1, TH_ACK, 0, 0, o, k);
}

void tcp_send_rst(struct tcp_pcb *p)
{
	tcp_xmit(p, p->snd_max, TH_RST | TH_ACK, 0, 0, NULL, 0);
}

uint32_t tcp_send_range(struct tcp_pcb *p, uint32_t seq, uint32_t maxlen)
{
	uint8_t o[40];
	if (SEQ_LT(seq, p->snd_buf_seq) || SEQ_GEQ(seq, p->snd_max))
		return 0;
	uint32_t off = seq - p->snd_buf_seq;
	if (off > p->snd.len)
		return 0;
	size_t k = data_options(p, o);
	uint32_t len = NET_MIN(NET_MIN(p->snd.len - off, seg_max(p, k)), maxlen);
	if (SEQ_GT(seq + len, p->snd_max))
		len = p->snd_max - seq;
	uint8_t flags = TH_ACK;
	if ((p->flags & TF_FIN_QUEUED) && seq + len == p->fin_seq && SEQ_GT(p->snd_max, p->fin_seq))
		flags |= TH_FIN;
	if (len == 0 && !(flags & TH_FIN))
		return 0;
	if (off + len == p->snd.len)
		flags |= TH_PSH;
	p->flags &= ~(uint32_t)TF_RTT; /* Karn: never time a retransmission */
	p->net->st.tcp_rexmt++;
	tcp_xmit(p, seq, flags, off, len, o, k);
	return len;
}

void tcp_output(struct tcp_pcb *p)
{
	struct net *n = p->net;
	uint8_t o[40];

	switch (p->state) {
	case TCP_ESTABLISHED:
	case TCP_CLOSE_WAIT:
	case TCP_FIN_WAIT_1:
	case TCP_FIN_WAIT_2:
	case TCP_CLOSING:
	case TCP_LAST_ACK:
		break;
	case TCP_TIME_WAIT:
	case TCP_SYN_RCVD:
		if (p->flags & TF_ACK_NOW)
			tcp_send_ack(p);
		return;
	default:
		return;
	}
	bool force = p->flags & TF_FORCE;
	p->flags &= ~(uint32_t)TF_FORCE;
	for (;;) {
		uint32_t off = p->snd_nxt - p->snd_buf_seq;
		uint32_t avail = off <= p->snd.len ? p->snd.len - off : 0;
		uint32_t inflight = p->snd_nxt - p->snd_una;
		uint32_t usable;
		if (tcp_sack_recovery(p)) {
			/* SACK recovery: the pipe, not the flight, meets cwnd;
			 * holes go first, then new data (RFC 6675 NextSeg). */
			uint32_t pipe = tcp_sack_pipe(p), hs, he;
			if (pipe >= p->cwnd) {
				usable = 0;
			} else if (tcp_sack_next_hole(p, &hs, &he)) {
				uint32_t sent = tcp_send_range(p, hs, he - hs);
				p->rexmt_nxt = hs + (sent ? sent : he - hs);
				continue;
			} else {
				usable = p->cwnd - pipe;
				uint32_t rw = p->snd_wnd > inflight ? p->snd_wnd - inflight : 0;
				usable = NET_MIN(usable, rw);
			}
		} else {
			/* Limited transmit (RFC 3042): each of the first two
			 * duplicate ACKs lets one new segment out, so that a
			 * small window still produces the duplicates that
			 * detect a loss. */
			uint32_t lt = p->dupacks < 3 ? (uint32_t)p->dupacks * p->mss : 0;
			uint32_t wnd = NET_MIN(p->snd_wnd, p->cwnd + lt);
			usable = wnd > inflight ? wnd - inflight : 0;
		}
		size_t olen = data_options(p, o);
		uint32_t smax = seg_max(p, olen);
		uint32_t len = NET_MIN(NET_MIN(avail, smax), usable);
		bool retransmitting = SEQ_LT(p->snd_nxt, p->snd_max);
		bool send = false;

		if (force && len == 0 && avail > 0 && p->snd_wnd > inflight)
			len = NET_MIN(avail, p->snd_wnd - inflight);
		bool fin = (p->flags & TF_FIN_QUEUED) && p->snd_nxt + len == p->fin_seq;
		if (len > 0) {
			if (len == smax || retransmitting || force)
				send = true;
			else if (len == avail && (fin || (p->flags & TF_NODELAY) || inflight == 0))
				send = true; /* Nagle: a small segment only when nothing is unacknowledged */
			else if (p->max_sndwnd && len >= p->max_sndwnd / 2)
				send = true; /* sender-side SWS avoidance, RFC 1122 4.2.3.4 */
		} else if (fin && avail == 0) {
			send = true;
		}
		if (!send) {
			if (p->flags & TF_ACK_NOW)
				tcp_xmit(p, p->snd_max, TH_ACK, 0, 0, o, olen);
			break;
		}
		force = false;
		uint32_t gso = 0;
		if (len == smax && tso_room(p, olen) > smax) {
			/* Every further full segment the windows allow leaves in
			 * the same super-segment, and the tail too when it would
			 * go at once anyway (Nagle off, or the FIN behind it). */
			uint32_t can = NET_MIN(NET_MIN(avail, usable), tso_room(p, olen));
			uint32_t big = can / smax * smax;
			bool tail_fin = (p->flags & TF_FIN_QUEUED) && p->snd_nxt + can == p->fin_seq;
			if (can == avail && can > big && ((p->flags & TF_NODELAY) || tail_fin))
				big = can;
			if (big > len) {
				len = big;
				gso = smax;
				fin = (p->flags & TF_FIN_QUEUED) && p->snd_nxt + len == p->fin_seq;
			}
		}
		uint8_t flags = TH_ACK;
		if (fin)
			flags |= TH_FIN;
		if (len > 0 && off + len == p->snd.len)
			flags |= TH_PSH;
		if (!(p->flags & TF_RTT) && !retransmitting) {
			p->flags |= TF_RTT;
			p->rtt_seq = p->snd_nxt;
			p->rtt_start = n->now;
		}
		if (retransmitting)
			n->st.tcp_rexmt++;
		tcp_xmit_gso(p, p->snd_nxt, flags, off, len, o, olen, gso);
		p->snd_nxt += len + (fin ? 1 : 0);
		if (SEQ_GT(p->snd_nxt, p->snd_max))
			p->snd_max = p->snd_nxt;
		if (p->t_rexmt == NET_NEVER)
			tcp_rexmt_start(p);
		if (p->flags & TF_PERSIST) {
			p->flags &= ~(uint32_t)TF_PERSIST;
			p->t_persist = NET_NEVER;
		}
	}
	/* Data waits but nothing is in flight to bring an ACK: probe the
	 * window until it opens (the persist timer). */
	uint32_t off = p->snd_nxt - p->snd_buf_seq;
	if (off < p->snd.len && p->snd_nxt == p->snd_una && p->t_rexmt == NET_NEVER &&
	    !(p->flags & TF_PERSIST)) {
		p->flags |= TF_PERSIST;
		p->persist_shift = 0;
		p->t_persist = n->now + NET_MAX(p->rto, n->cfg.tun.tcp_rto_min);
		tcp_timer_update(p);
	}
}

void tcp_respond_rst(struct net *n, const struct ip_rx *rx, const struct tcp_seg *seg)
{
	uint8_t h[TCP_HLEN];
	const uint8_t *in = rx->data;

	if (seg->flags & TH_RST)
		return;
	memset(h, 0, sizeof h);
	buf_store_be16(h, buf_load_be16(in + 2));
	buf_store_be16(h + 2, buf_load_be16(in));
	if (seg->flags & TH_ACK) {
		buf_store_be32(h + 4, seg->ack);
		h[13] = TH_RST;
	} else {
		uint32_t ack = seg->seq + seg->len + ((seg->flags & TH_SYN) ? 1 : 0) +
		               ((seg->flags & TH_FIN) ? 1 : 0);
		buf_store_be32(h + 8, ack);
		h[13] = TH_RST | TH_ACK;
	}
	h[12] = (TCP_HLEN / 4) << 4;
	struct cksum c;
	net_cksum_pseudo(&c, rx->dst, rx->src, IP_PROTO_TCP, TCP_HLEN);
	cksum_add(&c, h, TCP_HLEN);
	buf_store_be16(h + 16, cksum_finish(&c));
	struct io_vec v = { h, TCP_HLEN };
	n->st.tcp_out++;
	n->st.tcp_rst_out++;
	ipv4_output(n, IP_PROTO_TCP, rx->dst, rx->src, true, &v, 1, TCP_HLEN);
}
