/* The netif wrapper layer (devices/netif.h): the single place where every
 * frame sent or received is counted, and where the tools of
 * devices/netif_hooks.h (pcap capture, fault injection) sit between the
 * driver and the stack when an implementation attached them. Without
 * hooks a frame costs a pointer test on top of the counters. Offloads
 * (super-frames, partial checksums) are turned on only while no hook is
 * attached: capture and fault injection see frames as a wire carries
 * them, one segment each with its checksum. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "devices/netif.h"
#include "devices/netif_hooks.h"
#include "lib/log.h"
#include "lib/platform.h"

LOG_SOURCE(netif);

/* ---- the paths ------------------------------------------------------------- */

static int driver_send(struct netif *n, const struct io_vec *iov, unsigned niov)
{
	int rc = n->ops->send(n->state, iov, niov);
	if (rc == -EAGAIN)
		n->drops++;
	return rc;
}

int netif_send(struct netif *n, const struct io_vec *iov, unsigned niov)
{
	size_t bytes = 0;
	for (unsigned i = 0; i < niov; i++)
		bytes += iov[i].len;
	struct netif_hooks *h = n->hooks;
	int rc;
	if (__builtin_expect(h != NULL, 0)) {
		if (h->pcap_on)
			netif_pcap_frame(&h->pcap, plat_wall_ns(), iov, niov);
		rc = h->fault_on ? netif_fault_input(&h->fault, NETIF_FAULT_TX, iov, niov) : driver_send(n, iov, niov);
	} else {
		rc = driver_send(n, iov, niov);
	}
	if (rc == 0) {
		n->frames_out++;
		n->stats.bytes_out += bytes;
	}
	return (int)device_account(&n->stats, rc);
}

int netif_send_meta(struct netif *n, const struct io_vec *iov, unsigned niov,
                    const struct netif_frame_meta *meta)
{
	if (!meta)
		return netif_send(n, iov, niov);
	/* Offloads are off while a tool is on (netif_offload), so a frame
	 * with metadata goes straight to the driver. */
	if (!n->offload || !n->ops->send_meta)
		return (int)device_account(&n->stats, -EOPNOTSUPP);
	size_t bytes = 0;
	for (unsigned i = 0; i < niov; i++)
		bytes += iov[i].len;
	int rc = n->ops->send_meta(n->state, iov, niov, meta);
	if (rc == 0) {
		n->frames_out++;
		n->stats.bytes_out += bytes;
	} else if (rc == -EAGAIN) {
		n->drops++;
	}
	return (int)device_account(&n->stats, rc);
}

/* A frame reaching the stack: captured, then handed to the app. */
static void deliver(struct netif *n, const uint8_t *frame, size_t len, const struct netif_frame_meta *meta)
{
	struct netif_hooks *h = n->hooks;
	if (h && h->pcap_on) {
		struct io_vec v = { frame, len };
		netif_pcap_frame(&h->pcap, plat_wall_ns(), &v, 1);
	}
	if (n->rx_meta)
		n->rx_meta(n->rx_arg, frame, len, meta);
	else if (n->rx)
		n->rx(n->rx_arg, frame, len);
	else
		n->drops++;
}

/* What the driver calls for each received frame. */
static void netif_rx_meta_thunk(void *arg, const uint8_t *frame, size_t len, const struct netif_frame_meta *meta)
{
	struct netif *n = arg;
	n->frames_in++;
	n->stats.bytes_in += len;
	struct netif_hooks *h = n->hooks;
	if (__builtin_expect(h != NULL, 0) && h->fault_on) {
		/* Offloads are off with hooks: the frame is a plain one. */
		struct io_vec v = { frame, len };
		netif_fault_input(&h->fault, NETIF_FAULT_RX, &v, 1);
		return;
	}
	deliver(n, frame, len, meta);
}

static void netif_rx_thunk(void *arg, const uint8_t *frame, size_t len)
{
	netif_rx_meta_thunk(arg, frame, len, NULL);
}

static void install_rx(struct netif *n)
{
	bool on = n->rx || n->rx_meta;
	n->stats.calls++;
	if (n->ops->set_rx_meta)
		n->ops->set_rx_meta(n->state, on ? netif_rx_meta_thunk : NULL, on ? n : NULL);
	else
		n->ops->set_rx(n->state, on ? netif_rx_thunk : NULL, on ? n : NULL);
}

void netif_set_rx(struct netif *n, netif_rx_fn fn, void *arg)
{
	if (n->offload)
		netif_offload(n, 0); /* this handler cannot take what offloads bring */
	n->rx = fn;
	n->rx_meta = NULL;
	n->rx_arg = arg;
	install_rx(n);
}

void netif_set_rx_meta(struct netif *n, netif_rx_meta_fn fn, void *arg)
{
	if (!fn && n->offload)
		netif_offload(n, 0);
	n->rx = NULL;
	n->rx_meta = fn;
	n->rx_arg = arg;
	install_rx(n);
}

uint32_t netif_offload(struct netif *n, uint32_t want)
{
	n->stats.calls++;
	if (!n->ops->set_offload)
		return n->offload = 0;
	struct netif_hooks *h = n->hooks;
	if ((h && (h->pcap_on || h->fault_on)) || !n->rx_meta || !n->ops->send_meta)
		want = 0;
	n->offload = n->ops->set_offload(n->state, want) & want;
	return n->offload;
}

/* ---- the tools ------------------------------------------------------------- */

/* Where the injector hands frames on: rx frames are single pieces. */
static int fault_out(void *arg, enum netif_fault_dir dir, const struct io_vec *iov, unsigned niov)
{
	struct netif *n = arg;
	if (dir == NETIF_FAULT_TX)
		return driver_send(n, iov, niov);
	if (niov == 1)
		deliver(n, iov[0].base, iov[0].len, NULL);
	return 0;
}

static const char *dev_name(const struct netif *n)
{
	return n->name ? n->name : "netif";
}

int netif_hooks_attach(struct netif *n, struct netif_hooks *h, const char *fault_spec,
                       const struct netif_sink *pcap_sink)
{
	memset(h, 0, sizeof *h);
	h->n = n;
	struct netif_fault_spec spec;
	const char *why = NULL;
	size_t slen = fault_spec ? strlen(fault_spec) : 0;
	if (netif_fault_parse(fault_spec ? fault_spec : "", slen, &spec, &why) != 0) {
		log_error(netif, "%s: fault spec '%s': %s", dev_name(n), fault_spec, why);
		if (pcap_sink && pcap_sink->close)
			pcap_sink->close(pcap_sink->arg);
		return -EINVAL;
	}
	int rc;
	if (pcap_sink) {
		struct netif_pcap_options o = { .nsec = true, .flush_ns = PCAP_FLUSH_NS };
		rc = netif_pcap_open(&h->pcap, pcap_sink, &o);
		if (rc < 0) {
			log_error(netif, "%s: cannot start the capture: error %d", dev_name(n), rc);
			if (pcap_sink->close)
				pcap_sink->close(pcap_sink->arg);
			return rc;
		}
		h->pcap_on = true;
	}
	if (netif_fault_active(&spec)) {
		struct netif_info info;
		rc = n->ops->info(n->state, &info);
		if (rc < 0)
			goto fail;
		if (!spec.seeded) {
			plat_entropy(&spec.seed, sizeof spec.seed);
			spec.seeded = true;
		}
		/* Room for a VLAN tag beyond the Ethernet header. */
		rc = netif_fault_start(&h->fault, &spec, (size_t)info.mtu + 18u, fault_out, n);
		if (rc < 0)
			goto fail;
		h->fault_on = true;
		char text[160];
		netif_fault_format(&spec, text, sizeof text);
		log_info(netif, "%s: fault injection %s", dev_name(n), text);
	}
	n->hooks = h;
	if (n->offload)
		netif_offload(n, 0); /* the tools want plain frames */
	return 0;
fail:
	if (h->pcap_on)
		netif_pcap_close(&h->pcap);
	h->pcap_on = false;
	return rc;
}

static void log_fault_stats(const struct netif *n, const char *dir, const struct netif_fault_stats *s)
{
	log_info(netif,
	         "%s: fault %s: %llu frames, %llu lost, %llu duplicated, %llu reordered, %llu delayed, "
	         "%llu overflowed, %llu passed on",
	         dev_name(n), dir, (unsigned long long)s->frames, (unsigned long long)s->lost,
	         (unsigned long long)s->duplicated, (unsigned long long)s->reordered,
	         (unsigned long long)s->delayed, (unsigned long long)s->overflow, (unsigned long long)s->out);
}

void netif_hooks_detach(struct netif *n, struct netif_hooks *h)
{
	if (n && n->hooks == h)
		n->hooks = NULL;
	if (h->fault_on) {
		netif_fault_stop(&h->fault);
		if (h->fault.spec.rx)
			log_fault_stats(n, "rx", &h->fault.q[NETIF_FAULT_RX].stats);
		if (h->fault.spec.tx)
			log_fault_stats(n, "tx", &h->fault.q[NETIF_FAULT_TX].stats);
		h->fault_on = false;
	}
	if (h->pcap_on) {
		netif_pcap_close(&h->pcap);
		log_info(netif, "%s: captured %llu frames (%llu not written)", dev_name(n),
		         (unsigned long long)h->pcap.records, (unsigned long long)h->pcap.lost);
		if (h->pcap.err)
			log_error(netif, "%s: the capture stopped on error %d", dev_name(n), h->pcap.err);
		h->pcap_on = false;
	}
}
