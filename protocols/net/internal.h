/* Internals shared by the files of the net stack (and read by its
 * white-box unit tests): the instance, the protocol control blocks, the
 * wire helpers and the functions one layer calls in another. Nothing here
 * is part of the stack's public interface. */
#ifndef SYNTH_PROTOCOLS_NET_INTERNAL_H
#define SYNTH_PROTOCOLS_NET_INTERNAL_H

#include <string.h>

#include "lib/buf.h"
#include "lib/cksum.h"
#include "protocols/net/net.h"
#include "protocols/net/tcp.h"
#include "protocols/net/udp.h"

#define NS_PER_MS UINT64_C(1000000)
#define NS_PER_S UINT64_C(1000000000)
#define NET_NEVER UINT64_MAX

#define ETH_HLEN 14
#define ETH_ALEN 6
#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_ARP 0x0806
#define IP_HLEN 20
#define IP_PROTO_ICMP 1
#define IP_PROTO_TCP 6
#define IP_PROTO_UDP 17
#define IP_MAXPACKET 65535
#define UDP_HLEN 8
#define TCP_HLEN 20
#define ICMP_HLEN 8

/* ---- wire helpers ------------------------------------------------------- */

/* Start a TCP/UDP checksum with the IPv4 pseudo-header (RFC 793 3.1). */
static inline void net_cksum_pseudo(struct cksum *c, uint32_t src, uint32_t dst, uint8_t proto,
                                    uint32_t len)
{
	cksum_init(c);
	cksum_add_be32(c, src);
	cksum_add_be32(c, dst);
	cksum_add_be16(c, proto);
	cksum_add_be16(c, (uint16_t)len);
}

/* Keyed hash (SipHash-2-4) for ISNs, ports and hash tables. */
uint64_t net_siphash(const uint8_t key[16], const void *data, size_t len);

/* Sequence-number comparisons modulo 2^32. */
#define SEQ_LT(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) < 0)
#define SEQ_LEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) <= 0)
#define SEQ_GT(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) > 0)
#define SEQ_GEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) >= 0)

#define NET_MIN(a, b) ((a) < (b) ? (a) : (b))
#define NET_MAX(a, b) ((a) > (b) ? (a) : (b))

/* ---- timers -------------------------------------------------------------- */

/* The stack's own timers, on its own clock so that tests can drive it:
 * a 4-ary min-heap of deadlines. fn runs from net_run_timers. */
struct net_timer;
typedef void (*net_timer_fn)(struct net *n, struct net_timer *t);
struct net_timer {
	uint64_t deadline;
	uint32_t slot; /* index in the heap + 1; 0 = not armed */
	net_timer_fn fn;
};

void net_timer_init(struct net_timer *t, net_timer_fn fn);
/* (Re)arm for an absolute deadline. Returns 0 or -ENOMEM. */
int net_timer_set(struct net *n, struct net_timer *t, uint64_t deadline);
void net_timer_cancel(struct net *n, struct net_timer *t);
static inline bool net_timer_armed(const struct net_timer *t)
{
	return t->slot != 0;
}

/* ---- the instance -------------------------------------------------------- */

struct arp_entry;
struct ip_reass;
struct dhcp;

struct net {
	struct net_config cfg; /* cfg.tun holds the effective values */
	uint64_t now;
	struct net_stats st;
	uint32_t addr, mask, gw; /* host order */
	bool rx_csum_ok; /* the frame being processed: the link vouches for its transport checksum */

	struct net_timer **heap;
	uint32_t nheap, heap_cap;

	/* ARP */
	struct arp_entry *arp;
	uint32_t arp_hint; /* last entry that resolved, tried first */
	struct net_timer arp_timer;

	/* IPv4 */
	uint16_t ip_id;
	struct ip_reass *reass;
	uint32_t reass_count, reass_mem;
	struct net_timer reass_timer;

	/* ICMP error rate limit */
	uint64_t icmp_refill;
	uint32_t icmp_tokens;

	/* UDP */
	struct udp_pcb *udp;
	uint16_t udp_next_port;

	/* TCP */
	struct tcp_pcb **tcp_hash;
	uint32_t tcp_hash_mask;
	struct tcp_pcb *tcp_all;
	struct tcp_pcb *tcp_last; /* the flow the last segment was for */
	struct tcp_listener *listeners;
	uint32_t tcp_flows;
	uint32_t tcp_time_wait; /* flows in TIME_WAIT */
	uint64_t challenge_window;
	uint32_t challenge_count;
	uint32_t port_counter;
	uint8_t isn_key[16], hash_key[16];

	/* DHCP client, while one runs (dhcp.c) */
	struct dhcp *dhcp;
};

/* Refresh n->now from the clock: every entry point calls this once. */
static inline void net_clock(struct net *n)
{
	n->now = n->cfg.clock(n->cfg.clock_arg);
}

/* Send a complete frame through the tx hook (counts errors); meta, when
 * not NULL, goes with it through tx_meta (offloads). */
int net_tx(struct net *n, const struct io_vec *iov, unsigned niov, const struct netif_frame_meta *meta);

/* ---- Ethernet and ARP ---------------------------------------------------- */

extern const struct mac_addr net_bcast_mac;

void eth_input(struct net *n, const uint8_t *frame, size_t len);
/* iov[0] starts with room for the Ethernet header (ETH_HLEN writable
 * bytes); fill it and send towards the IPv4 next hop, resolving it first
 * (the frame waits in a bounded queue while resolution is pending). */
int eth_output_ip(struct net *n, uint32_t nexthop, struct io_vec *iov, unsigned niov,
                  const struct netif_frame_meta *meta);
void eth_fill(uint8_t *hdr, const struct mac_addr *dst, const struct mac_addr *src, uint16_t type);

int arp_init(struct net *n);
void arp_fini(struct net *n);
void arp_input(struct net *n, const uint8_t *frame, size_t len);
/* The MAC for a next hop if known; else start resolution and queue a copy
 * of the frame (returns 0 when queued, -ENOBUFS when the queue is full). */
int arp_resolve_and_send(struct net *n, uint32_t nexthop, struct io_vec *iov, unsigned niov,
                         const struct netif_frame_meta *meta);
void arp_announce(struct net *n);
/* An RFC 5227 probe: who has ip, asked from 0.0.0.0 (DHCP's check of an
 * offered address). */
void arp_probe(struct net *n, uint32_t ip);

/* ---- IPv4 ----------------------------------------------------------------- */

/* A received datagram as the transport layer sees it. */
struct ip_rx {
	const uint8_t *ip;   /* the IP header (for ICMP errors quoting it) */
	size_t iplen;        /* the whole datagram's length (header + payload) */
	const uint8_t *data; /* transport header onwards */
	size_t len;
	uint32_t src, dst;
	bool bcast;          /* sent to a broadcast address */
	bool csum_ok;        /* the link vouches for the transport checksum: skip it */
};

/* One IP protocol's entry in the dispatch table (in the spirit of BSD's
 * protosw). input gets every datagram for the protocol; ctlinput, when
 * present, the ICMP errors that quote one of its datagrams. */
struct ip_protosw {
	const char *name;
	uint8_t proto;
	void (*input)(struct net *n, const struct ip_rx *rx);
	void (*ctlinput)(struct net *n, uint8_t type, uint8_t code, uint32_t info,
	                 const uint8_t *quoted_ip, size_t quoted_len);
};

const struct ip_protosw *ip_protosw_find(uint8_t proto);

void ipv4_input(struct net *n, const uint8_t *pkt, size_t len);
/* Deliver a complete (unfragmented or reassembled) datagram upwards. */
void ipv4_deliver(struct net *n, const uint8_t *pkt, size_t len, bool bcast);
/* Send one datagram: ipv4_output builds the Ethernet and IP headers in
 * front of iov (the transport header and payload, len bytes in all),
 * routes it and fragments it when it does not fit the MTU; df forbids
 * that (-EMSGSIZE). */
int ipv4_output(struct net *n, uint8_t proto, uint32_t src, uint32_t dst, bool df,
                const struct io_vec *iov, unsigned niov, size_t len);
/* The same with offload metadata for the link (NULL: none). Its offsets
 * count from the Ethernet header. A TCP super-frame (gso_type TCPV4) may
 * exceed the MTU, up to cfg.gso_max. */
int ipv4_output_meta(struct net *n, uint8_t proto, uint32_t src, uint32_t dst, bool df,
                     const struct io_vec *iov, unsigned niov, size_t len, const struct netif_frame_meta *meta);
/* The next hop for dst, or 0 when unreachable. */
uint32_t ipv4_route(const struct net *n, uint32_t dst);
bool ipv4_is_local(const struct net *n, uint32_t dst);
bool ipv4_is_bcast(const struct net *n, uint32_t a);

int reass_init(struct net *n);
void reass_fini(struct net *n);
void reass_input(struct net *n, const uint8_t *pkt, size_t hlen, size_t len, bool bcast);

/* ---- ICMP ------------------------------------------------------------------ */

#define ICMP_ECHO_REPLY 0
#define ICMP_UNREACH 3
#define ICMP_ECHO 8
#define ICMP_TIME_EXCEEDED 11
#define ICMP_UNREACH_PROTO 2
#define ICMP_UNREACH_PORT 3
#define ICMP_UNREACH_NEEDFRAG 4

void icmp_input(struct net *n, const struct ip_rx *rx);
/* Answer a received datagram with an ICMP error, unless the rules of
 * RFC 1122 3.2.2 forbid it or the rate limit says no. */
void icmp_error(struct net *n, const uint8_t *ip, size_t iplen, uint8_t type, uint8_t code,
                uint32_t info);

/* ---- UDP ------------------------------------------------------------------- */

struct udp_dgram;
/* A protocol inside the stack (DHCP) takes its datagrams straight from the
 * input path instead of a queue: data/len is the payload. */
typedef void (*udp_input_fn)(void *ctx, const struct ip_rx *rx, uint16_t sport, const uint8_t *data,
                             size_t len);
struct udp_pcb {
	struct net *net;
	struct udp_pcb *next;
	uint32_t laddr;
	uint16_t lport;
	struct udp_dgram *head, *tail;
	uint32_t qbytes, qcount;
	net_upcall_fn upcall;
	void *upcall_ctx;
	udp_input_fn input;
	void *input_ctx;
};

void udp_input(struct net *n, const struct ip_rx *rx);
void udp_fini(struct net *n);
void udp_set_input(struct udp_pcb *u, udp_input_fn fn, void *ctx);

/* ---- DHCP ------------------------------------------------------------------ */

/* Every ARP packet received, for the client's address probe. */
void dhcp_arp_input(struct net *n, uint16_t op, const uint8_t *sha, uint32_t spa, uint32_t tpa);

/* ---- TCP ------------------------------------------------------------------- */

#define TCP_OOO_MAX 16
#define TCP_SACK_MAX 16

/* A byte ring; cap is a power of two. */
struct tcp_ring {
	uint8_t *buf;
	uint32_t cap, head, len;
};

struct tcp_range {
	uint32_t start, end; /* sequence numbers, end exclusive */
};

/* Per-flow flags. */
enum {
	TF_ACK_NOW = 1u << 0,    /* send an ACK at the next output */
	TF_DELACK = 1u << 1,     /* an ACK is being delayed */
	TF_NODELAY = 1u << 2,    /* Nagle off */
	TF_KEEPALIVE = 1u << 3,
	TF_TS = 1u << 4,         /* timestamps negotiated */
	TF_WS = 1u << 5,         /* window scaling negotiated */
	TF_SACK = 1u << 6,       /* SACK permitted by both */
	TF_FIN_QUEUED = 1u << 7, /* the app shut down writing: FIN after the data */
	TF_FIN_RCVD = 1u << 8,   /* the peer's FIN was consumed: end of stream */
	TF_APP_CLOSED = 1u << 9, /* the app released the flow */
	TF_RECOVERY = 1u << 10,  /* NewReno fast recovery */
	TF_RTT = 1u << 11,       /* a segment is being timed */
	TF_RTT_SAMPLED = 1u << 12, /* srtt holds at least one measurement */
	TF_PERSIST = 1u << 13,   /* zero-window probing */
	TF_FORCE = 1u << 14,     /* send one byte even into a zero window (probe) */
	TF_PARTIAL_SEEN = 1u << 15, /* a partial ACK arrived during this recovery */
	TF_ACCEPTED = 1u << 16,  /* handed to the app (or created by connect) */
	TF_OOO_FIN = 1u << 17,   /* a FIN arrived beyond a hole, at ooo_fin */
	TF_PASSIVE = 1u << 18,   /* opened by a listener */
	TF_SACK_NEW = 1u << 19,  /* sack_last holds the newest out-of-order segment */
	TF_SYN_ACKED = 1u << 20
};

struct tcp_pcb {
	struct net *net;
	struct tcp_pcb *anext, *aprev;  /* every pcb of the instance */
	struct tcp_pcb *hnext, **hprev; /* flow hash chain (hprev NULL when not hashed) */
	struct tcp_pcb *qnext, *qprev;  /* listener's half-open or accept queue */
	struct tcp_listener *listener;  /* while on one of its queues */
	bool on_ready;                  /* which one: accept (true) or half-open */
	struct net_timer timer;
	uint8_t state;
	uint8_t snd_wscale, rcv_wscale;
	uint8_t nrexmt;     /* consecutive retransmissions (backoff shift) */
	uint8_t dupacks;
	uint8_t nooo;
	uint8_t keep_probes;
	uint8_t persist_shift;
	uint32_t flags;
	int error;          /* negative errno once the flow failed */

	uint32_t laddr, raddr;
	uint16_t lport, rport;

	/* send side */
	uint32_t iss, snd_una, snd_nxt, snd_max, snd_wl1, snd_wl2;
	uint32_t snd_wnd, max_sndwnd;
	uint32_t snd_buf_seq; /* sequence number of snd.buf's first byte */
	uint32_t fin_seq;     /* valid with TF_FIN_QUEUED */
	uint16_t mss;         /* largest payload we send (options excluded) */
	uint16_t peer_mss;
	struct tcp_ring snd;

	/* receive side */
	uint32_t irs, rcv_nxt, rcv_adv, last_ack_sent;
	uint32_t rcv_unacked; /* bytes received since the last ACK we sent */
	uint16_t rcv_mss;     /* the MSS we announced */
	struct tcp_ring rcv;
	struct tcp_range ooo[TCP_OOO_MAX]; /* sorted, disjoint, beyond rcv_nxt */
	uint32_t ooo_fin;
	struct tcp_range sack_last;

	/* timestamps */
	uint32_t ts_recent, ts_offset;
	uint64_t ts_recent_age;

	/* round-trip time (microseconds), RFC 6298 */
	uint32_t srtt, rttvar;
	uint64_t rto;         /* nanoseconds */
	uint32_t rtt_seq;
	uint64_t rtt_start;

	/* congestion control, RFC 5681 / 6582 / 6675 */
	uint32_t cwnd, ssthresh, recover, bytes_acked;
	uint32_t rexmt_nxt; /* SACK recovery: holes below this were resent */
	uint32_t rtx_mark;  /* snd_max when the first hole was last resent */
	uint8_t nsacked;
	struct tcp_range sacked[TCP_SACK_MAX]; /* what the peer SACKed, sorted */

	/* timer deadlines, NET_NEVER when off */
	uint64_t t_rexmt, t_persist, t_keep, t_delack, t_close;
	uint64_t idle_since;
	uint64_t last_oow_ack; /* when an out-of-window pure ACK was last answered */

	net_upcall_fn upcall;
	void *upcall_ctx;
};

struct tcp_listener {
	struct net *net;
	struct tcp_listener *next;
	uint32_t laddr;
	uint16_t lport;
	int backlog;
	uint32_t nsyn, nready;
	struct tcp_pcb *syn_head, *syn_tail;     /* SYN_RCVD, oldest first */
	struct tcp_pcb *ready_head, *ready_tail; /* established, not accepted */
	net_upcall_fn upcall;
	void *upcall_ctx;
};

/* A parsed TCP segment. */
struct tcp_seg {
	uint32_t seq, ack, len; /* len: payload bytes */
	uint32_t wnd;           /* raw window field */
	uint8_t flags;
	const uint8_t *data;
	/* options */
	bool has_mss, has_ws, has_ts, sack_ok;
	uint16_t opt_mss;
	uint8_t opt_ws;
	uint32_t tsval, tsecr;
	uint8_t nsack;
	struct tcp_range sack[4];
};

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_PSH 0x08
#define TH_ACK 0x10
#define TH_URG 0x20

int tcp_init(struct net *n);
void tcp_fini(struct net *n);
void tcp_input(struct net *n, const struct ip_rx *rx);
void tcp_ctlinput(struct net *n, uint8_t type, uint8_t code, uint32_t info, const uint8_t *ip,
                  size_t len);

/* tcp_subr.c */
struct tcp_pcb *tcp_pcb_new(struct net *n);
void tcp_pcb_hash_insert(struct net *n, struct tcp_pcb *p);
void tcp_listener_add_syn(struct tcp_listener *l, struct tcp_pcb *p);
struct tcp_pcb *tcp_pcb_lookup(struct net *n, uint32_t laddr, uint16_t lport, uint32_t raddr,
                               uint16_t rport);
struct tcp_listener *tcp_listener_lookup(struct net *n, uint32_t laddr, uint16_t lport);
uint32_t tcp_new_isn(struct net *n, uint32_t laddr, uint16_t lport, uint32_t raddr, uint16_t rport);
uint32_t tcp_ts_now(const struct tcp_pcb *p);
int tcp_alloc_buffers(struct tcp_pcb *p);
void tcp_set_state(struct tcp_pcb *p, enum tcp_state s);
/* The flow failed or ended: record err (0 for a normal end), move to
 * CLOSED, tell the app, and free the pcb if the app has released it. */
void tcp_drop(struct tcp_pcb *p, int err);
void tcp_notify(struct tcp_pcb *p, unsigned events);
void tcp_pcb_release(struct tcp_pcb *p);
void tcp_established(struct tcp_pcb *p);
/* Into TIME_WAIT, or straight to CLOSED when too many are there and
 * nobody holds the flow (then p may be gone). */
bool tcp_enter_time_wait(struct tcp_pcb *p);
uint32_t tcp_rcv_window(const struct tcp_pcb *p);

/* tcp_output.c */
void tcp_output(struct tcp_pcb *p);
int tcp_send_syn(struct tcp_pcb *p);
void tcp_send_ack(struct tcp_pcb *p);
/* Send one segment of already-sent data at seq (at most maxlen bytes, and
 * the FIN if it falls there); returns the payload bytes sent. */
uint32_t tcp_send_range(struct tcp_pcb *p, uint32_t seq, uint32_t maxlen);
void tcp_send_probe(struct tcp_pcb *p, bool keepalive);
/* A reset answering seg (no pcb), RFC 9293 "reset generation". */
void tcp_respond_rst(struct net *n, const struct ip_rx *rx, const struct tcp_seg *seg);
void tcp_send_rst(struct tcp_pcb *p);
uint16_t tcp_effective_mss(const struct tcp_pcb *p);

/* tcp_timer.c */
void tcp_timer_fire(struct net *n, struct net_timer *t);
/* Re-arm the pcb's heap timer after a deadline moved earlier. */
void tcp_timer_update(struct tcp_pcb *p);
void tcp_rexmt_start(struct tcp_pcb *p);
void tcp_rexmt_stop(struct tcp_pcb *p);
void tcp_rtt_sample(struct tcp_pcb *p, uint64_t rtt_ns);

/* tcp_cc.c */
/* Account an acceptable ACK; dup says it qualifies as a duplicate ACK
 * (RFC 5681: no data, no window change, data outstanding). */
void tcp_cc_ack(struct tcp_pcb *p, const struct tcp_seg *s, bool dup);
void tcp_cc_timeout(struct tcp_pcb *p);
bool tcp_sack_recovery(const struct tcp_pcb *p);
uint32_t tcp_sack_pipe(const struct tcp_pcb *p);
bool tcp_sack_next_hole(const struct tcp_pcb *p, uint32_t *start, uint32_t *end);

/* Insert [s, e) into a sorted list of disjoint ranges, merging what it
 * touches; false when the list is full (tcp_subr.c). */
bool tcp_range_insert(struct tcp_range *r, uint8_t *n, unsigned max, uint32_t s, uint32_t e);

/* Ring helpers (tcp_subr.c). */
uint32_t tcp_ring_write(struct tcp_ring *r, uint32_t off, const uint8_t *src, uint32_t len);
uint32_t tcp_ring_read(const struct tcp_ring *r, uint32_t off, uint8_t *dst, uint32_t len);
/* Up to two pieces covering [off, off+len) of the ring. */
unsigned tcp_ring_iov(const struct tcp_ring *r, uint32_t off, uint32_t len, struct io_vec *iov);
void tcp_ring_consume(struct tcp_ring *r, uint32_t len);

#endif
