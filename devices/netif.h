/* netif: a network interface that sends and receives Ethernet frames
 * (tap on UNIX, netfront on Xen). The TCP/IP stack in protocols/ sits on
 * top of it. */
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

struct netif_info {
	struct mac_addr mac;
	uint32_t mtu; /* largest IP packet, without the 14-byte Ethernet header */
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
	void *rx_arg;
	struct netif_hooks *hooks;
};

static inline int netif_info(struct netif *n, struct netif_info *out)
{
	return (int)device_account(&n->stats, n->ops->info(n->state, out));
}

/* Send one frame through the wrapper (counters, capture, faults). */
int netif_send(struct netif *n, const struct io_vec *iov, unsigned niov);

/* Register the app-side receive handler. Frames reach it through the
 * wrapper (counters, capture, faults). */
void netif_set_rx(struct netif *n, netif_rx_fn fn, void *arg);

#endif
