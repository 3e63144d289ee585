/* A fake netif driver for tests of the wrapper layer (devices/netif.c):
 * it keeps the receive handler the wrapper installs, so a test can play
 * frames "from the wire", and counts (and keeps the last of) the frames
 * sent. Header-only; one per test program. */
#ifndef SYNTH_TESTS_UNIT_NETIF_DRV_H
#define SYNTH_TESTS_UNIT_NETIF_DRV_H

#include <string.h>

#include "devices/netif.h"

struct fake_drv {
	netif_rx_fn rx;
	void *rx_arg;
	unsigned sent;
	uint8_t last[2048];
	size_t last_len;
};

static int drv_info(void *state, struct netif_info *out)
{
	(void)state;
	memset(out, 0, sizeof *out);
	out->mac.b[0] = 2;
	out->mtu = 1500;
	return 0;
}

static int drv_send(void *state, const struct io_vec *iov, unsigned niov)
{
	struct fake_drv *d = state;
	d->last_len = 0;
	for (unsigned i = 0; i < niov; i++) {
		if (d->last_len + iov[i].len <= sizeof d->last)
			memcpy(d->last + d->last_len, iov[i].base, iov[i].len);
		d->last_len += iov[i].len;
	}
	d->sent++;
	return 0;
}

static void drv_set_rx(void *state, netif_rx_fn fn, void *arg)
{
	struct fake_drv *d = state;
	d->rx = fn;
	d->rx_arg = arg;
}

static const struct netif_ops drv_ops = {
	.name = "fake",
	.version = NETIF_OPS_V1,
	.info = drv_info,
	.send = drv_send,
	.set_rx = drv_set_rx,
};

/* The app's side: counts what the wrapper delivers. */
static unsigned app_frames;
static void app_rx(void *arg, const uint8_t *frame, size_t len)
{
	(void)arg;
	(void)frame;
	(void)len;
	app_frames++;
}

#endif
