/* net: synth's own TCP/IP host stack, one IPv4 address on one Ethernet
 * link. Pure protocol logic: frames come in through net_input, go out
 * through the tx hook, time comes from the clock hook, and nothing here
 * blocks or touches a platform, so the same code runs over a tap, over Xen
 * netfront, and under unit tests that drive a virtual clock. The blocking
 * stack device (stack_tcpip.c) is a thin layer on top. */
#ifndef SYNTH_PROTOCOLS_NET_NET_H
#define SYNTH_PROTOCOLS_NET_NET_H

#include "devices/device.h"
#include "devices/netif.h"
#include "lib/param.h"

struct net;

/* Knobs with their defaults (a zero field takes the default given here). */
struct net_tunables {
	uint32_t arp_entries;       /* 64: size of the neighbour cache */
	uint64_t arp_timeout;       /* 300 s: a resolved entry's lifetime */
	uint32_t arp_queue;         /* 8: packets held per unresolved address */
	uint64_t reass_timeout;     /* 30 s: a datagram's fragments are dropped after this */
	uint32_t reass_mem;         /* 512 KiB: buffer memory for all reassemblies */
	uint32_t reass_max;         /* 16: datagrams reassembled at once */
	uint32_t icmp_rate;         /* 100: ICMP errors per second (token bucket) */
	uint32_t icmp_burst;        /* 50: bucket depth */
	uint8_t ttl;                /* 64 */
	uint32_t udp_rcvq;          /* 256 KiB: bytes queued per UDP socket */
	uint32_t tcp_sndbuf;        /* 256 KiB: per-flow send buffer (rounded up to a power of 2) */
	uint32_t tcp_rcvbuf;        /* 256 KiB: per-flow receive buffer (ditto) */
	uint64_t tcp_rto_min;       /* 200 ms (RFC 6298 says 1 s; Linux uses 200 ms) */
	uint64_t tcp_rto_max;       /* 60 s */
	uint64_t tcp_rto_initial;   /* 1 s */
	uint32_t tcp_retries;       /* 12: retransmissions of one segment before giving up */
	uint32_t tcp_syn_retries;   /* 6 */
	uint64_t tcp_msl;           /* 30 s: TIME_WAIT lasts 2*MSL */
	uint64_t tcp_fin_timeout;   /* 60 s: an orphaned flow waits this long in FIN_WAIT_2 */
	uint32_t tcp_max_time_wait; /* 16384: flows in TIME_WAIT at once; beyond, released flows skip it */
	uint64_t tcp_delack;        /* 40 ms: delayed ACK timeout */
	uint64_t tcp_keep_idle;     /* 7200 s */
	uint64_t tcp_keep_intvl;    /* 75 s */
	uint32_t tcp_keep_count;    /* 9 */
	uint32_t tcp_syn_backlog;   /* 4096: half-open connections per listener (664 bytes each) */
	uint32_t tcp_challenge_ack; /* 1000: challenge ACKs per second (RFC 5961) */
	uint32_t tcp_iw;            /* 0 = RFC 5681 initial window; else segments */
	uint32_t tcp_hash;          /* 1024: flow hash buckets (power of 2) */
	uint8_t tcp_no_ts;          /* 1 disables timestamps (RFC 7323) */
	uint8_t tcp_no_ws;          /* 1 disables window scaling */
	uint8_t tcp_no_sack;        /* 1 disables SACK (RFC 2018) */
	uint8_t tcp_ack_on_read;    /* 1: when in-order data arrives that the app has not read yet (the
	                               window would shrink), its ACK waits for the app's read (or the
	                               delayed-ACK timer) and carries the reopened window, as Linux
	                               does; 0: every second full segment is ACKed at once */
};

struct net_config {
	struct mac_addr mac;
	uint32_t mtu;               /* largest IP packet; 1500 if 0 */
	struct ipv4_cidr ip;        /* 0.0.0.0/0 = no address yet */
	struct ipv4_addr gateway;   /* 0 = none */
	/* Monotonic nanoseconds: the only time the stack knows. */
	uint64_t (*clock)(void *arg);
	void *clock_arg;
	/* Send one frame (Ethernet header onwards) given as pieces, which are
	 * valid only during the call. Must not call back into the stack.
	 * Returns 0 or a negative errno (the frame is then dropped). */
	int (*tx)(void *arg, const struct io_vec *iov, unsigned niov);
	void *tx_arg;
	/* Secret for ISNs, hashes, ports and IP IDs (from plat_entropy). */
	uint8_t secret[16];
	struct net_tunables tun;
	/* Optional offloads of the link (NETIF_F_* of devices/netif.h, those
	 * netif_offload turned on; 0 for none). NETIF_F_CSUM: TCP leaves its
	 * checksum to the link (sent frames carry the pseudo-header sum), and
	 * received frames marked so are not verified again. NETIF_F_TSO4: TCP
	 * hands over super-segments of up to gso_max bytes (IP) that the link
	 * cuts at the MSS. NETIF_F_GRO4: received segments may be larger than
	 * the MTU (nothing to do: they are accepted anyway). Frames with
	 * metadata go out through tx_meta, which must be set with any of them. */
	uint32_t offload;
	uint32_t gso_max;
	int (*tx_meta)(void *arg, const struct io_vec *iov, unsigned niov, const struct netif_frame_meta *meta);
};

/* Counters, one per event worth telling apart when something is wrong. */
struct net_stats {
	uint64_t eth_in, eth_out, eth_short, eth_not_us, eth_unknown_type, tx_errors;
	uint64_t arp_in, arp_bad, arp_requests_out, arp_replies_out, arp_queued, arp_queue_drops,
		arp_unresolved;
	uint64_t ip_in, ip_bad_header, ip_bad_cksum, ip_bad_len, ip_not_us, ip_unknown_proto, ip_out,
		ip_no_route, ip_frags_in, ip_reassembled, ip_reass_drops, ip_reass_timeouts,
		ip_frags_out, ip_df_drops;
	uint64_t icmp_in, icmp_bad, icmp_echo_replies, icmp_errors_out, icmp_rate_limited;
	uint64_t udp_in, udp_bad, udp_no_port, udp_queue_drops, udp_out;
	uint64_t tcp_in, tcp_bad, tcp_no_pcb, tcp_rst_out, tcp_out, tcp_rexmt, tcp_fast_rexmt,
		tcp_timeouts, tcp_dup_segs, tcp_ooo_segs, tcp_ooo_drops, tcp_challenge_acks,
		tcp_paws_drops, tcp_syn_drops, tcp_accepts, tcp_connects, tcp_persist_probes,
		tcp_keep_probes, tcp_syn_evicted, tcp_time_wait_skipped, tcp_orphans_dropped;
	uint64_t dhcp_in, dhcp_bad, dhcp_ignored, dhcp_out, dhcp_offers, dhcp_acks, dhcp_naks,
		dhcp_declines, dhcp_lost;
};

/* Create a stack instance (it takes no action on the link until net_up).
 * Returns NULL when memory is short or cfg is invalid. */
struct net *net_create(const struct net_config *cfg);

/* Free everything, including flows the app still holds (they must not be
 * used afterwards). */
void net_destroy(struct net *n);

/* The interface came up: announce our address (gratuitous ARP). */
void net_up(struct net *n);

/* Change the address (DHCP). Existing flows keep their old address. */
void net_set_addr(struct net *n, struct ipv4_cidr ip, struct ipv4_addr gateway);

/* One received frame (Ethernet header onwards, no FCS). Never blocks; the
 * frame is not kept. */
void net_input(struct net *n, const uint8_t *frame, size_t len);
/* The same with the link's metadata for the frame (NULL: a plain frame). */
void net_input_meta(struct net *n, const uint8_t *frame, size_t len, const struct netif_frame_meta *meta);

/* The earliest deadline of any protocol timer (SCHED_FOREVER-like
 * UINT64_MAX when none), and the call that runs every timer due by now. */
uint64_t net_next_deadline(const struct net *n);
void net_run_timers(struct net *n);

const struct net_stats *net_get_stats(const struct net *n);
/* The tunables in force: the configured ones with every 0 defaulted. */
const struct net_tunables *net_get_tunables(const struct net *n);
uint32_t net_addr(const struct net *n);

/* Readiness events delivered to an object's upcall. The upcall runs inside
 * the stack: it may record or signal, never call back into the stack. */
enum {
	NET_EV_READ = 1,   /* data, end of stream or an error to read */
	NET_EV_WRITE = 2,  /* send space, or an error to report */
	NET_EV_ACCEPT = 4, /* a listener has a connection ready */
	NET_EV_STATE = 8   /* connected, reset, timed out, closed */
};
typedef void (*net_upcall_fn)(void *ctx, unsigned events);

#endif
