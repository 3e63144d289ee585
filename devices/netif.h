/* netif: a network interface that sends and receives Ethernet frames
 * (tap on UNIX, netfront on Xen). The TCP/IP stack in protocols/ sits on
 * top of it.
 *
 * Offloads (optional, revision 1 extended compatibly): a driver that can
 * take TCP super-frames and partial checksums, and hand them over, says so
 * in netif_info.features and provides the ops marked "offload". A user
 * that understands per-frame metadata installs its handler with
 * netif_set_rx_meta and asks for the offloads with netif_offload; until it
 * does, every driver delivers and takes plain frames, so drivers and
 * users that know nothing of offloads work as before. The semantics are
 * virtio-net's (struct virtio_net_hdr), so a tap or netfront maps them
 * one to one. */
#ifndef SYNTH_DEVICES_NETIF_H
#define SYNTH_DEVICES_NETIF_H

#include "devices/device.h"
#include "lib/param.h"

#define NETIF_OPS_V1 1u

struct cond;

/* Receive handler: called once per frame (Ethernet header onwards, no FCS)
 * from the scheduler's context, not from a fiber, so it must not block.
 * The frame is valid only during the call. */
typedef void (*netif_rx_fn)(void *arg, const uint8_t *frame, size_t len);

/* Offload features (netif_info.features, netif_offload). */
#define NETIF_F_CSUM 0x1u /* frames both ways may carry a partial TCP/UDP checksum (NETIF_META_CSUM_PARTIAL) */
#define NETIF_F_TSO4 0x2u /* sent TCP/IPv4 frames may be super-frames the link cuts into gso_size segments (needs CSUM) */
#define NETIF_F_GRO4 0x4u /* received TCP/IPv4 frames may be super-frames larger than the MTU (needs CSUM) */

/* Per-frame metadata. All zero (or no metadata at all) is a plain frame
 * with complete checksums. */
struct netif_frame_meta {
	uint8_t flags;        /* NETIF_META_* */
	uint8_t gso_type;     /* NETIF_GSO_NONE or NETIF_GSO_TCPV4 */
	uint16_t gso_size;    /* super-frame: payload bytes per segment */
	uint16_t hdr_len;     /* super-frame: Ethernet + IP + TCP header bytes */
	uint16_t csum_start;  /* CSUM_PARTIAL: offset in the frame where checksumming starts */
	uint16_t csum_offset; /* CSUM_PARTIAL: offset of the checksum field from csum_start */
};
/* The transport checksum is not complete: its field holds the folded sum
 * of the pseudo-header (not complemented) and the link completes it from
 * csum_start, or, received, the frame came from a sender that trusts the
 * medium (no need to verify it). */
#define NETIF_META_CSUM_PARTIAL 0x1u
/* Received: the other side verified the transport checksum. */
#define NETIF_META_CSUM_VALID 0x2u
#define NETIF_GSO_NONE 0u
#define NETIF_GSO_TCPV4 1u

/* Receive handler with metadata (NULL for a plain frame). */
typedef void (*netif_rx_meta_fn)(void *arg, const uint8_t *frame, size_t len,
                                 const struct netif_frame_meta *meta);

struct netif_info {
	struct mac_addr mac;
	uint32_t mtu;      /* largest IP packet, without the 14-byte Ethernet header */
	uint32_t features; /* NETIF_F_* the driver can turn on (0: none; the wrapper zeroes the struct first) */
	uint32_t gso_max;  /* with TSO4/GRO4: largest IP packet of a super-frame */
};

struct netif_ops {
	DEVICE_OPS_HEADER;
	int (*info)(void *state, struct netif_info *out);
	/* Queue one frame given as pieces. Never blocks: returns 0, or
	 * -EAGAIN when the transmit queue is full (wait on tx_ready), or
	 * another negative errno. */
	int (*send)(void *state, const struct io_vec *iov, unsigned niov);
	/* Install the receive handler the driver calls for every frame. */
	void (*set_rx)(void *state, netif_rx_fn fn, void *arg);
	/* Optional: the condition signalled when the queue has room again. */
	struct cond *(*tx_ready)(void *state);
	/* Offload, optional: like send, with the frame's metadata (never NULL). */
	int (*send_meta)(void *state, const struct io_vec *iov, unsigned niov,
	                 const struct netif_frame_meta *meta);
	/* Offload, optional: install a receive handler that gets metadata;
	 * when present the wrapper uses it instead of set_rx. */
	void (*set_rx_meta)(void *state, netif_rx_meta_fn fn, void *arg);
	/* Offload, optional: turn on the features in want (a subset of
	 * info.features) and off the others; returns those now on. */
	uint32_t (*set_offload)(void *state, uint32_t want);
};

/* Hooks of the wrapper layer (pcap capture, fault injection), attached by
 * the runtime from --pcap= and --net-fault=. */
struct netif_hooks;

struct netif {
	const char *name;
	const struct netif_ops *ops;
	void *state;
	struct device_stats stats;
	uint64_t frames_in, frames_out, drops;
	/* Filled by netif_set_rx; the driver calls the wrapper, which calls these. */
	netif_rx_fn rx;
	netif_rx_meta_fn rx_meta;
	void *rx_arg;
	struct netif_hooks *hooks;
	uint32_t offload; /* NETIF_F_* on (netif_offload) */
};

static inline int netif_info(struct netif *n, struct netif_info *out)
{
	*out = (struct netif_info){ .mtu = 0 };
	return (int)device_account(&n->stats, n->ops->info(n->state, out));
}

/* Send one frame through the wrapper (counters, capture, faults). */
int netif_send(struct netif *n, const struct io_vec *iov, unsigned niov);

/* Register the app-side receive handler. Frames reach it through the
 * wrapper (counters, capture, faults). */
void netif_set_rx(struct netif *n, netif_rx_fn fn, void *arg);

/* Offload: the same with metadata (NULL for a plain frame), for users
 * that will call netif_offload. */
void netif_set_rx_meta(struct netif *n, netif_rx_meta_fn fn, void *arg);

/* Offload: turn on the features of want the driver has, after
 * netif_set_rx_meta; returns those now on (0 when the driver has none, and
 * while capture or fault injection is attached: those tools work on
 * frames as the wire would carry them). 0 for want turns them off. */
uint32_t netif_offload(struct netif *n, uint32_t want);

/* Offload: send one frame with metadata (NULL: as netif_send). Only
 * features netif_offload turned on may be used; else -EOPNOTSUPP. */
int netif_send_meta(struct netif *n, const struct io_vec *iov, unsigned niov,
                    const struct netif_frame_meta *meta);

#endif
