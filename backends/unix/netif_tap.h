/* netif "tap" on the UNIX backend: a Linux tap device (/dev/net/tun,
 * IFF_TAP | IFF_NO_PI) opened by name, created if it does not exist, read
 * and written non-blocking from the platform's epoll loop. Frames are read
 * on readiness until the queue is empty (at most TAP_RX_BATCH per round,
 * the rest after other fibers had their turn) and handed to the wrapper
 * on the scheduler's context. Offers the wrapper's pcap capture and fault
 * injection through its pcap and fault parameters (devices/netif_hooks.h),
 * and, with its offload parameter, the offloads of devices/netif.h
 * (checksums, TCP super-frames both ways) through IFF_VNET_HDR.
 * Compiles freestanding: devtab.c includes it. */
#ifndef SYNTH_BACKENDS_UNIX_NETIF_TAP_H
#define SYNTH_BACKENDS_UNIX_NETIF_TAP_H

#include <stdbool.h>
#include <stdint.h>

#include "backends/unix/unix_io.h"
#include "devices/netif.h"
#include "devices/netif_hooks.h"
#include "lib/param.h"
#include "lib/sched.h"

/* Frames read per readiness round before yielding to the fibers. */
#define TAP_RX_BATCH 64u

struct netif_tap_stats {
	uint64_t rx_frames, rx_rounds, rx_cut; /* frames read, rounds, rounds cut at the batch limit */
	uint64_t rx_errors, tx_frames, tx_full, tx_errors;
};

struct netif_tap {
	struct unix_io io;
	struct netif *dev;
	netif_rx_fn rx;
	netif_rx_meta_fn rx_meta;
	void *rx_arg;
	uint8_t *rxbuf;
	size_t rxcap;
	struct timer resume;    /* continues a round cut at the batch limit */
	struct netif_info info;
	char ifname[16];        /* the device's name as the kernel has it */
	bool vnet;              /* frames carry a struct virtio_net_hdr (IFF_VNET_HDR) */
	int pcap_fd;            /* the capture file, -1 when none */
	struct netif_hooks hooks;
	struct netif_tap_stats stats;
};

struct netif_tap_config {
	const char *ifname;   /* param ifname: the tap device to open or create ("" lets the kernel name it) */
	struct mac_addr mac;  /* param mac: the app's address; all zero: random, locally administered */
	uint32_t mtu;         /* param mtu: 0: the device's MTU */
	const char *pcap;     /* param pcap: capture file ("" none) */
	const char *fault;    /* param fault: fault injection spec ("" none) */
	bool offload;         /* param offload: open with IFF_VNET_HDR, offer checksum and TCP segmentation offloads */
};

/* Opens (or creates) the tap, brings its link up if it is down, reads
 * its MTU, registers it with the event loop and attaches the wrapper's
 * tools. Returns 0 or a negative errno (-EPERM without CAP_NET_ADMIN,
 * -ENOENT without /dev/net/tun); the reason is logged. */
int netif_tap_connect(struct netif *dev, struct netif_tap *state, const struct netif_tap_config *cfg);
void netif_tap_disconnect(struct netif_tap *state);

#endif
