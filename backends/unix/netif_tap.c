/* netif "tap" (backends/unix/netif_tap.h): one non-blocking /dev/net/tun
 * descriptor in the platform's epoll set. The descriptor's event hook
 * reads frames straight into one preallocated buffer and hands each to
 * the wrapper, so the receive path costs one read() per frame and no
 * allocation; a send is one writev() of the stack's pieces. With the
 * offload parameter the tap is opened with IFF_VNET_HDR: every frame
 * each way starts with a struct virtio_net_hdr (in the machine's byte
 * order, the tap's default), which carries the metadata of
 * devices/netif.h, and TUNSETOFFLOAD lets the kernel hand over TCP
 * super-frames with partial checksums once the user asks for them. */
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <stddef.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "backends/unix/netif_tap.h"
#include "lib/log.h"
#include "lib/platform.h"

LOG_SOURCE(tap);

_Static_assert(sizeof(struct io_vec) == sizeof(struct iovec) &&
                       offsetof(struct io_vec, base) == offsetof(struct iovec, iov_base) &&
                       offsetof(struct io_vec, len) == offsetof(struct iovec, iov_len),
               "struct io_vec must match struct iovec");

/* The largest frame read: a 64 KiB IP packet plus an Ethernet header and a
 * VLAN tag, whatever the MTU says (it can change under us). */
#define TAP_RX_MAX (65535u + 18u)
#define VNET_HLEN sizeof(struct virtio_net_hdr)
/* Pieces of one frame written at once (the stack uses fewer than 12). */
#define TAP_MAX_IOV 32u

/* ---- virtio-net header <-> netif metadata --------------------------------------- */

static bool meta_from_vnet(const struct virtio_net_hdr *h, struct netif_frame_meta *m)
{
	m->flags = (uint8_t)(((h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) ? NETIF_META_CSUM_PARTIAL : 0) |
	                     ((h->flags & VIRTIO_NET_HDR_F_DATA_VALID) ? NETIF_META_CSUM_VALID : 0));
	m->hdr_len = h->hdr_len;
	m->gso_size = h->gso_size;
	m->csum_start = h->csum_start;
	m->csum_offset = h->csum_offset;
	switch (h->gso_type & (uint8_t)~VIRTIO_NET_HDR_GSO_ECN) {
	case VIRTIO_NET_HDR_GSO_NONE:
		m->gso_type = NETIF_GSO_NONE;
		return true;
	case VIRTIO_NET_HDR_GSO_TCPV4:
		m->gso_type = NETIF_GSO_TCPV4;
		return true;
	default:
		return false; /* never asked for (UDP, IPv6) */
	}
}

static void vnet_from_meta(const struct netif_frame_meta *m, struct virtio_net_hdr *h)
{
	memset(h, 0, sizeof *h);
	if (m->flags & NETIF_META_CSUM_PARTIAL) {
		h->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
		h->csum_start = m->csum_start;
		h->csum_offset = m->csum_offset;
	}
	if (m->gso_type == NETIF_GSO_TCPV4) {
		h->gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
		h->gso_size = m->gso_size;
		h->hdr_len = m->hdr_len;
	}
}

/* ---- receive ---------------------------------------------------------------- */

/* Read until the queue is empty or the batch is done. Runs on the
 * scheduler's context: from the epoll hook or from the resume timer. */
static void tap_drain(struct netif_tap *t)
{
	t->stats.rx_rounds++;
	for (unsigned i = 0; i < TAP_RX_BATCH; i++) {
		if (t->io.fd < 0)
			return;
		ssize_t n = read(t->io.fd, t->rxbuf, t->rxcap);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			t->io.can_read = false;
			if (errno != EAGAIN) {
				/* EIO or EBADFD: the device went away under us. Waiting for
				 * the next edge is all there is to do. */
				t->stats.rx_errors++;
				log_warn(tap, "%s: read: errno %d", t->ifname, errno);
			}
			return;
		}
		if (n == 0) {
			t->io.can_read = false;
			return;
		}
		t->stats.rx_frames++;
		if (!t->vnet) {
			if (t->rx_meta)
				t->rx_meta(t->rx_arg, t->rxbuf, (size_t)n, NULL);
			else if (t->rx)
				t->rx(t->rx_arg, t->rxbuf, (size_t)n);
			continue;
		}
		struct netif_frame_meta m;
		if ((size_t)n < VNET_HLEN || !meta_from_vnet((const struct virtio_net_hdr *)(void *)t->rxbuf, &m)) {
			t->stats.rx_errors++;
			continue;
		}
		const uint8_t *frame = t->rxbuf + VNET_HLEN;
		size_t len = (size_t)n - VNET_HLEN;
		if (t->rx_meta)
			t->rx_meta(t->rx_arg, frame, len, m.flags || m.gso_type ? &m : NULL);
		else if (t->rx)
			t->rx(t->rx_arg, frame, len);
	}
	/* More may be waiting: come back after the fibers have run. Edge
	 * triggering would not report it again. */
	t->stats.rx_cut++;
	if (t->io.fd >= 0)
		timer_start(&t->resume, plat_monotonic_ns());
}

static void tap_resume(struct timer *tm, void *arg)
{
	(void)tm;
	tap_drain(arg);
}

static void tap_event(struct unix_io *io, uint32_t ev)
{
	struct netif_tap *t = (struct netif_tap *)(void *)((char *)io - offsetof(struct netif_tap, io));
	if (ev & (EPOLLOUT | EPOLLERR | EPOLLHUP)) {
		io->can_write = true;
		cond_broadcast(&io->writable);
	}
	if (ev & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
		io->can_read = true;
		if (!timer_pending(&t->resume))
			tap_drain(t);
	}
}

/* ---- the ops ------------------------------------------------------------------ */

static int tap_info(void *state, struct netif_info *out)
{
	struct netif_tap *t = state;
	*out = t->info;
	return 0;
}

/* One frame: the pieces, behind a virtio-net header when the tap has one. */
static int tap_write(struct netif_tap *t, const struct io_vec *iov, unsigned niov, const struct virtio_net_hdr *vh)
{
	if (t->io.fd < 0)
		return -ENETDOWN;
	struct iovec v[TAP_MAX_IOV + 1];
	const struct iovec *out = (const struct iovec *)(const void *)iov;
	if (t->vnet) {
		if (niov > TAP_MAX_IOV)
			return -EMSGSIZE;
		v[0].iov_base = (void *)(uintptr_t)vh;
		v[0].iov_len = VNET_HLEN;
		memcpy(v + 1, iov, niov * sizeof *v);
		out = v;
		niov++;
	}
	for (;;) {
		ssize_t n = writev(t->io.fd, out, (int)niov);
		if (n >= 0) {
			t->stats.tx_frames++;
			return 0;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN) {
			t->io.can_write = false;
			t->stats.tx_full++;
			return -EAGAIN;
		}
		t->stats.tx_errors++;
		return -errno;
	}
}

static int tap_send(void *state, const struct io_vec *iov, unsigned niov)
{
	static const struct virtio_net_hdr plain;
	return tap_write(state, iov, niov, &plain);
}

static int tap_send_meta(void *state, const struct io_vec *iov, unsigned niov, const struct netif_frame_meta *meta)
{
	struct netif_tap *t = state;
	struct virtio_net_hdr vh;
	if (!t->vnet)
		return -EOPNOTSUPP;
	vnet_from_meta(meta, &vh);
	return tap_write(t, iov, niov, &vh);
}

static void tap_set_rx_meta(void *state, netif_rx_meta_fn fn, void *arg)
{
	struct netif_tap *t = state;
	t->rx = NULL;
	t->rx_meta = fn;
	t->rx_arg = arg;
}

/* What the kernel may hand over: partial checksums (TUN_F_CSUM) and, on
 * top, TCP/IPv4 super-frames (TUN_F_TSO4). What we send with a
 * virtio-net header the tap always takes. */
static uint32_t tap_set_offload(void *state, uint32_t want)
{
	struct netif_tap *t = state;
	if (!t->vnet || t->io.fd < 0)
		return 0;
	want &= t->info.features;
	if (!(want & NETIF_F_CSUM))
		want = 0;
	unsigned flags = 0;
	if (want & NETIF_F_CSUM)
		flags |= TUN_F_CSUM;
	if (want & NETIF_F_GRO4)
		flags |= TUN_F_TSO4;
	if (ioctl(t->io.fd, TUNSETOFFLOAD, flags) < 0) {
		log_warn(tap, "%s: TUNSETOFFLOAD %#x: errno %d", t->ifname, flags, errno);
		return 0;
	}
	log_debug(tap, "%s: offloads %#x on", t->ifname, want);
	return want;
}

static void tap_set_rx(void *state, netif_rx_fn fn, void *arg)
{
	struct netif_tap *t = state;
	t->rx = fn;
	t->rx_meta = NULL;
	t->rx_arg = arg;
}

static struct cond *tap_tx_ready(void *state)
{
	struct netif_tap *t = state;
	return &t->io.writable;
}

static const struct netif_ops netif_tap_ops = {
	.name = "tap",
	.version = NETIF_OPS_V1,
	.info = tap_info,
	.send = tap_send,
	.set_rx = tap_set_rx,
	.tx_ready = tap_tx_ready,
	.send_meta = tap_send_meta,
	.set_rx_meta = tap_set_rx_meta,
	.set_offload = tap_set_offload,
};

/* ---- the capture file ------------------------------------------------------- */

static int file_write(void *arg, const struct io_vec *iov, unsigned niov)
{
	struct netif_tap *t = arg;
	for (unsigned i = 0; i < niov; i++) {
		const char *p = iov[i].base;
		size_t left = iov[i].len;
		while (left > 0) {
			ssize_t n = write(t->pcap_fd, p, left);
			if (n < 0) {
				if (errno == EINTR)
					continue;
				return -errno;
			}
			p += n;
			left -= (size_t)n;
		}
	}
	return 0;
}

static void file_close(void *arg)
{
	struct netif_tap *t = arg;
	if (t->pcap_fd >= 0)
		close(t->pcap_fd);
	t->pcap_fd = -1;
}

/* ---- connect ------------------------------------------------------------------ */

static void random_mac(struct mac_addr *m)
{
	plat_entropy(m->b, sizeof m->b);
	m->b[0] = (uint8_t)((m->b[0] & 0xfe) | 0x02); /* unicast, locally administered */
}

/* Bring the link up if it is down, and read its MTU. */
static int link_setup(struct netif_tap *t, uint32_t *mtu)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	struct ifreq ifr;
	memset(&ifr, 0, sizeof ifr);
	memcpy(ifr.ifr_name, t->ifname, sizeof ifr.ifr_name);
	int rc = 0;
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0) {
		rc = -errno;
		goto out;
	}
	if (!(ifr.ifr_flags & IFF_UP)) {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
			log_warn(tap, "%s: cannot bring the link up: errno %d", t->ifname, errno);
		else
			log_debug(tap, "%s: link brought up", t->ifname);
	}
	memset(&ifr, 0, sizeof ifr);
	memcpy(ifr.ifr_name, t->ifname, sizeof ifr.ifr_name);
	if (ioctl(s, SIOCGIFMTU, &ifr) < 0) {
		rc = -errno;
		goto out;
	}
	*mtu = (uint32_t)ifr.ifr_mtu;
out:
	close(s);
	return rc;
}

int netif_tap_connect(struct netif *dev, struct netif_tap *t, const struct netif_tap_config *cfg)
{
	memset(t, 0, sizeof *t);
	unix_io_init(&t->io);
	timer_init(&t->resume, tap_resume, t);
	t->pcap_fd = -1;
	const char *want = cfg->ifname ? cfg->ifname : "";
	const char *who = dev->name ? dev->name : "netif";
	if (strlen(want) >= IFNAMSIZ) {
		log_error(tap, "%s: interface name '%s' is longer than %d bytes", who, want, IFNAMSIZ - 1);
		return -EINVAL;
	}

	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		log_error(tap, "%s: cannot open /dev/net/tun: errno %d%s", who, e,
		          e == EACCES || e == EPERM ? " (needs root or CAP_NET_ADMIN)" : "");
		return -e;
	}
	struct ifreq ifr;
	memset(&ifr, 0, sizeof ifr);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | (cfg->offload ? IFF_VNET_HDR : 0);
	memcpy(ifr.ifr_name, want, strlen(want));
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		int e = errno;
		log_error(tap, "%s: cannot attach to tap '%s': errno %d%s", who, want, e,
		          e == EPERM ? " (needs CAP_NET_ADMIN)"
		          : e == EBUSY ? " (already in use, or not a tap)"
		          : e == EINVAL ? " (a tun device of that name exists, or bad flags)" : "");
		close(fd);
		return -e;
	}
	memcpy(t->ifname, ifr.ifr_name, sizeof t->ifname - 1);
	/* No offload until the user asks: a tap keeps the last setting, and
	 * one left with offloads by a process that was killed would hand
	 * super-frames to a reader without the header. */
	if (ioctl(fd, TUNSETOFFLOAD, 0u) < 0)
		log_warn(tap, "%s: %s: TUNSETOFFLOAD 0: errno %d", who, t->ifname, errno);
	if (cfg->offload) {
		/* The header of struct virtio_net_hdr's size. */
		int hlen = (int)VNET_HLEN;
		if (ioctl(fd, TUNSETVNETHDRSZ, &hlen) < 0) {
			int e = errno;
			log_error(tap, "%s: %s: cannot set up the virtio-net header: errno %d", who, t->ifname, e);
			close(fd);
			return -e;
		}
		t->vnet = true;
		t->info.features = NETIF_F_CSUM | NETIF_F_TSO4 | NETIF_F_GRO4;
		t->info.gso_max = 65535;
	}

	uint32_t mtu = 0;
	int rc = link_setup(t, &mtu);
	if (rc < 0) {
		log_error(tap, "%s: %s: cannot read the link's settings: error %d", who, t->ifname, rc);
		close(fd);
		return rc;
	}
	if (cfg->mtu)
		mtu = cfg->mtu;
	if (mtu < 68 || mtu > 65535) {
		log_error(tap, "%s: %s: MTU %u out of range 68..65535", who, t->ifname, mtu);
		close(fd);
		return -EINVAL;
	}
	t->info.mtu = mtu;
	static const struct mac_addr zero;
	if (!memcmp(&cfg->mac, &zero, sizeof zero))
		random_mac(&t->info.mac);
	else if (cfg->mac.b[0] & 1) {
		log_error(tap, "%s: the MAC address must be unicast (its first byte even)", who);
		close(fd);
		return -EINVAL;
	} else
		t->info.mac = cfg->mac;

	t->rxcap = TAP_RX_MAX + (t->vnet ? VNET_HLEN : 0);
	t->rxbuf = plat_alloc(t->rxcap);
	if (!t->rxbuf) {
		close(fd);
		return -ENOMEM;
	}
	t->io.on_event = tap_event;
	t->io.can_write = true;
	rc = unix_io_add(&t->io, fd);
	if (rc < 0) {
		close(fd);
		t->io.fd = -1;
		goto fail;
	}
	t->dev = dev;
	dev->ops = &netif_tap_ops;
	dev->state = t;

	struct netif_sink sink = { .write = file_write, .close = file_close, .arg = t };
	bool capture = cfg->pcap && cfg->pcap[0];
	if (capture) {
		t->pcap_fd = open(cfg->pcap, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (t->pcap_fd < 0) {
			rc = -errno;
			log_error(tap, "%s: cannot create the capture file %s: errno %d", who, cfg->pcap, -rc);
			goto fail;
		}
	}
	rc = netif_hooks_attach(dev, &t->hooks, cfg->fault, capture ? &sink : NULL);
	if (rc < 0)
		goto fail;
	const uint8_t *m = t->info.mac.b;
	log_info(tap, "%s: tap %s, mac %02x:%02x:%02x:%02x:%02x:%02x, mtu %u%s%s%s", who, t->ifname, m[0], m[1], m[2],
	         m[3], m[4], m[5], mtu, t->vnet ? ", offloads available" : "", capture ? ", capture to " : "",
	         capture ? cfg->pcap : "");
	return 0;
fail:
	file_close(t);
	unix_io_close(&t->io);
	plat_free(t->rxbuf);
	t->rxbuf = NULL;
	return rc;
}

void netif_tap_disconnect(struct netif_tap *t)
{
	if (t->dev)
		netif_hooks_detach(t->dev, &t->hooks);
	if (timer_pending(&t->resume))
		timer_cancel(&t->resume);
	t->rx = NULL;
	t->rx_meta = NULL;
	unix_io_close(&t->io);
	plat_free(t->rxbuf);
	t->rxbuf = NULL;
	log_debug(tap, "%s: %llu frames in (%llu rounds, %llu cut), %llu out, %llu full, %llu errors", t->ifname,
	          (unsigned long long)t->stats.rx_frames, (unsigned long long)t->stats.rx_rounds,
	          (unsigned long long)t->stats.rx_cut, (unsigned long long)t->stats.tx_frames,
	          (unsigned long long)t->stats.tx_full,
	          (unsigned long long)(t->stats.rx_errors + t->stats.tx_errors));
}
