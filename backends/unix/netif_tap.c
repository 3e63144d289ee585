/* netif "tap" (backends/unix/netif_tap.h): one non-blocking /dev/net/tun
 * descriptor in the platform's epoll set. The descriptor's event hook
 * reads frames straight into one preallocated buffer and hands each to
 * the wrapper, so the receive path costs one read() per frame and no
 * allocation; a send is one writev() of the stack's pieces. */
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
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
		if (t->rx)
			t->rx(t->rx_arg, t->rxbuf, (size_t)n);
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

static int tap_send(void *state, const struct io_vec *iov, unsigned niov)
{
	struct netif_tap *t = state;
	if (t->io.fd < 0)
		return -ENETDOWN;
	for (;;) {
		ssize_t n = writev(t->io.fd, (const struct iovec *)(const void *)iov, (int)niov);
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

static void tap_set_rx(void *state, netif_rx_fn fn, void *arg)
{
	struct netif_tap *t = state;
	t->rx = fn;
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
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
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

	t->rxcap = TAP_RX_MAX;
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
	log_info(tap, "%s: tap %s, mac %02x:%02x:%02x:%02x:%02x:%02x, mtu %u%s%s", who, t->ifname, m[0], m[1], m[2],
	         m[3], m[4], m[5], mtu, capture ? ", capture to " : "", capture ? cfg->pcap : "");
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
	unix_io_close(&t->io);
	plat_free(t->rxbuf);
	t->rxbuf = NULL;
	log_debug(tap, "%s: %llu frames in (%llu rounds, %llu cut), %llu out, %llu full, %llu errors", t->ifname,
	          (unsigned long long)t->stats.rx_frames, (unsigned long long)t->stats.rx_rounds,
	          (unsigned long long)t->stats.rx_cut, (unsigned long long)t->stats.tx_frames,
	          (unsigned long long)t->stats.tx_full,
	          (unsigned long long)(t->stats.rx_errors + t->stats.tx_errors));
}
