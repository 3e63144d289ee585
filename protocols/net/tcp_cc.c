/* TCP congestion control and loss recovery: slow start and congestion
 * avoidance (RFC 5681), fast retransmit on three duplicate ACKs, NewReno
 * fast recovery for peers without SACK (RFC 6582), and for peers with SACK
 * a scoreboard of what the receiver holds and a recovery that resends every
 * hole below the highest SACKed byte while the estimated pipe is under cwnd
 * (the conservative loss recovery of RFC 6675, without its rescue
 * retransmission). The RTO's reset of this state is here too. */
#include "protocols/net/internal.h"

/* ---- SACK scoreboard -------------------------------------------------------- */

static uint32_t sacked_between(const struct tcp_pcb *p, uint32_t a, uint32_t b)
{
	uint32_t sum = 0;
	for (unsigned i = 0; i < p->nsacked; i++) {
		uint32_t s = p->sacked[i].start, e = p->sacked[i].end;
		if (SEQ_LT(s, a))
			s = a;
		if (SEQ_GT(e, b))
			e = b;
		if (SEQ_LT(s, e))
			sum += e - s;
	}
	return sum;
}

static uint32_t high_sack(const struct tcp_pcb *p)
{
	if (p->nsacked == 0 || SEQ_LT(p->sacked[p->nsacked - 1].end, p->snd_una))
		return p->snd_una;
	return p->sacked[p->nsacked - 1].end;
}

/* Merge the segment's SACK blocks into the scoreboard; returns whether
 * they told anything new. */
static bool sack_update(struct tcp_pcb *p, const struct tcp_seg *s)
{
	uint32_t before = sacked_between(p, p->snd_una, p->snd_max);
	for (unsigned i = 0; i < s->nsack; i++) {
		uint32_t a = s->sack[i].start, b = s->sack[i].end;
		/* Blocks at or below the cumulative ACK (D-SACK) or beyond what
		 * was sent say nothing usable. */
		if (!SEQ_LT(a, b) || SEQ_LEQ(b, p->snd_una) || SEQ_GT(b, p->snd_max))
			continue;
		if (SEQ_LT(a, p->snd_una))
			a = p->snd_una;
		tcp_range_insert(p->sacked, &p->nsacked, TCP_SACK_MAX, a, b);
	}
	return sacked_between(p, p->snd_una, p->snd_max) != before;
}

static void sack_trim(struct tcp_pcb *p)
{
	unsigned k = 0;
	while (k < p->nsacked && SEQ_LEQ(p->sacked[k].end, p->snd_una))
		k++;
	if (k) {
		memmove(&p->sacked[0], &p->sacked[k], (p->nsacked - k) * sizeof p->sacked[0]);
		p->nsacked = (uint8_t)(p->nsacked - k);
	}
	if (p->nsacked && SEQ_LT(p->sacked[0].start, p->snd_una))
		p->sacked[0].start = p->snd_una;
}

/* RFC 6675's pipe, with every hole below the highest SACKed byte taken as
 * lost: what lies above that byte, plus the holes already resent. */
uint32_t tcp_sack_pipe(const struct tcp_pcb *p)
{
	uint32_t hs = high_sack(p);
	uint32_t pipe = p->snd_max - hs;
	uint32_t upto = SEQ_LT(p->rexmt_nxt, hs) ? p->rexmt_nxt : hs;
	if (SEQ_GT(upto, p->snd_una))
		pipe += (upto - p->snd_una) - sacked_between(p, p->snd_una, upto);
	return pipe;
}

bool tcp_sack_next_hole(const struct tcp_pcb *p, uint32_t *start, uint32_t *end)
{
	uint32_t cur = SEQ_GT(p->rexmt_nxt, p->snd_una) ? p->rexmt_nxt : p->snd_una;
	for (unsigned i = 0; i < p->nsacked; i++) {
		if (SEQ_LEQ(p->sacked[i].end, cur))
			continue;
		if (SEQ_LT(cur, p->sacked[i].start)) {
			*start = cur;
			*end = p->sacked[i].start;
			return true;
		}
		cur = p->sacked[i].end;
	}
	return false;
}

bool tcp_sack_recovery(const struct tcp_pcb *p)
{
	return (p->flags & (TF_RECOVERY | TF_SACK)) == (TF_RECOVERY | TF_SACK);
}

/* ---- recovery ---------------------------------------------------------------- */

static void enter_recovery(struct tcp_pcb *p)
{
	uint32_t flight = p->snd_max - p->snd_una;
	p->ssthresh = NET_MAX(flight / 2, 2u * p->mss);
	p->recover = p->snd_max;
	p->flags |= TF_RECOVERY;
	p->flags &= ~(uint32_t)TF_PARTIAL_SEEN;
	p->net->st.tcp_fast_rexmt++;
	/* The first lost segment goes at once, whatever the pipe says. */
	uint32_t sent = tcp_send_range(p, p->snd_una, UINT32_MAX);
	p->rexmt_nxt = p->snd_una + sent;
	p->rtx_mark = p->snd_max;
	if (p->flags & TF_SACK)
		p->cwnd = p->ssthresh;
	else
		p->cwnd = p->ssthresh + 3u * p->mss; /* three segments have left */
	tcp_rexmt_start(p);
}

static void new_ack(struct tcp_pcb *p, uint32_t ack)
{
	struct net *n = p->net;
	uint32_t acked = ack - p->snd_una;
	uint32_t flight = p->snd_max - p->snd_una;
	bool partial = false;

	if ((p->flags & TF_RTT) && SEQ_GT(ack, p->rtt_seq)) {
		tcp_rtt_sample(p, n->now - p->rtt_start);
		p->flags &= ~(uint32_t)TF_RTT;
	}
	p->nrexmt = 0;
	uint32_t freed = 0;
	if (SEQ_GT(ack, p->snd_buf_seq)) {
		freed = NET_MIN(ack - p->snd_buf_seq, p->snd.len);
		tcp_ring_consume(&p->snd, freed);
		p->snd_buf_seq += freed;
	}
	if (p->flags & TF_RECOVERY) {
		if (SEQ_GEQ(ack, p->recover)) {
			/* Everything outstanding at the loss is acknowledged:
			 * leave recovery (RFC 6582 3.2 (3); RFC 6675 5). */
			uint32_t left = p->snd_max - ack;
			if (p->flags & TF_SACK)
				p->cwnd = p->ssthresh;
			else
				p->cwnd = NET_MIN(p->ssthresh, NET_MAX(left, (uint32_t)p->mss) + p->mss);
			p->flags &= ~(uint32_t)(TF_RECOVERY | TF_PARTIAL_SEEN);
			p->dupacks = 0;
		} else if (!(p->flags & TF_SACK)) {
			/* NewReno partial ACK: the next hole is lost too; deflate by
			 * what was acknowledged, add one segment back (RFC 6582
			 * 3.2 (4)). */
			partial = true;
			p->cwnd = p->cwnd > acked ? p->cwnd - acked : 0;
			if (acked >= p->mss)
				p->cwnd += p->mss;
			p->cwnd = NET_MAX(p->cwnd, (uint32_t)p->mss);
		}
	} else {
		p->dupacks = 0;
		/* Grow only while the window was in use, so an idle or
		 * app-limited flow does not earn a window it never tested. */
		if (2 * flight >= p->cwnd) {
			if (p->cwnd < p->ssthresh) {
				p->cwnd += NET_MIN(acked, (uint32_t)p->mss);
			} else {
				p->bytes_acked += acked;
				if (p->bytes_acked >= p->cwnd) {
					p->bytes_acked -= p->cwnd;
					p->cwnd += p->mss;
				}
			}
		}
	}
	p->snd_una = ack;
	if (SEQ_LT(p->snd_nxt, p->snd_una))
		p->snd_nxt = p->snd_una;
	sack_trim(p);
	if (SEQ_LT(p->rexmt_nxt, p->snd_una))
		p->rexmt_nxt = p->snd_una;
	if (p->snd_una == p->snd_max) {
		tcp_rexmt_stop(p);
	} else if (!partial || !(p->flags & TF_PARTIAL_SEEN)) {
		tcp_rexmt_start(p); /* NewReno's impatient variant: only the first partial ACK */
	}
	if (partial) {
		p->flags |= TF_PARTIAL_SEEN;
		n->st.tcp_fast_rexmt++;
		tcp_send_range(p, p->snd_una, UINT32_MAX);
	} else if (tcp_sack_recovery(p) && p->nsacked == 0 && p->rexmt_nxt == p->snd_una) {
		/* A SACK peer that reports nothing: behave as NewReno would. */
		p->rexmt_nxt = p->snd_una + tcp_send_range(p, p->snd_una, UINT32_MAX);
	}
	if (freed)
		tcp_notify(p, NET_EV_WRITE);
}

/* In SACK recovery, a resent first hole that stays unacknowledged while
 * the peer SACKs more than two segments sent after it was lost again:
 * resend the holes from the start rather than wait for the RTO. */
static void lost_retransmit(struct tcp_pcb *p)
{
	if (SEQ_GT(p->rexmt_nxt, p->snd_una) && SEQ_GT(high_sack(p), p->rtx_mark + 2u * p->mss)) {
		p->rexmt_nxt = p->snd_una;
		p->rtx_mark = p->snd_max;
		p->net->st.tcp_fast_rexmt++;
	}
}

void tcp_cc_ack(struct tcp_pcb *p, const struct tcp_seg *s, bool dup)
{
	bool sack_news = (p->flags & TF_SACK) && s->nsack && sack_update(p, s);
	if (SEQ_GT(s->ack, p->snd_una))
		new_ack(p, s->ack);
	else if (!dup && s->len > 0 && !(p->flags & TF_SACK))
		p->dupacks = 0;
	/* RFC 6675 counts an ACK with new SACK information as a duplicate
	 * even when it carries data or moves the window, which is what keeps
	 * loss detection alive while both ends send. */
	if (!dup && !sack_news)
		return;
	if (p->flags & TF_RECOVERY) {
		if (!(p->flags & TF_SACK))
			p->cwnd += p->mss; /* another segment has left the network */
		else
			lost_retransmit(p);
		return;
	}
	p->dupacks++;
	/* A hole is lost after three duplicates, or (with SACK) once more
	 * than two segments' worth is held above it (RFC 6675 4). */
	bool lost = p->dupacks >= 3 ||
	            ((p->flags & TF_SACK) && sacked_between(p, p->snd_una, p->snd_max) > 2u * p->mss);
	if (lost && SEQ_GEQ(p->snd_una, p->recover) && p->snd_una != p->snd_max)
		enter_recovery(p);
}

void tcp_cc_timeout(struct tcp_pcb *p)
{
	/* RFC 5681 (4): halve on the first timeout of a series only; the
	 * flight is gone after that. Then one segment, go back N, and forget
	 * the SACK scoreboard (the receiver may have reneged, RFC 2018 8). */
	uint32_t flight = p->snd_max - p->snd_una;
	if (p->nrexmt == 1)
		p->ssthresh = NET_MAX(flight / 2, 2u * p->mss);
	p->cwnd = p->mss;
	p->bytes_acked = 0;
	p->dupacks = 0;
	p->flags &= ~(uint32_t)(TF_RECOVERY | TF_PARTIAL_SEEN);
	p->recover = p->snd_max;
	p->snd_nxt = p->snd_una;
	p->nsacked = 0;
	p->rexmt_nxt = p->snd_una;
}
