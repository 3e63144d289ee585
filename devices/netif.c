/* The netif wrapper layer (devices/netif.h): the single place where every
 * frame sent or received is counted, and where pcap capture and fault
 * injection will hook in (n->hooks). For now frames pass straight through. */
#include <stddef.h>
#include <stdint.h>

#include "devices/netif.h"

int netif_send(struct netif *n, const struct io_vec *iov, unsigned niov)
{
	size_t bytes = 0;
	for (unsigned i = 0; i < niov; i++)
		bytes += iov[i].len;
	int rc = n->ops->send(n->state, iov, niov);
	if (rc == 0) {
		n->frames_out++;
		n->stats.bytes_out += bytes;
	} else if (rc == -EAGAIN) {
		n->drops++;
	}
	return (int)device_account(&n->stats, rc);
}

/* What the driver calls for each received frame. */
static void netif_rx_thunk(void *arg, const uint8_t *frame, size_t len)
{
	struct netif *n = arg;
	n->frames_in++;
	n->stats.bytes_in += len;
	if (n->rx)
		n->rx(n->rx_arg, frame, len);
	else
		n->drops++;
}

void netif_set_rx(struct netif *n, netif_rx_fn fn, void *arg)
{
	n->rx = fn;
	n->rx_arg = arg;
	n->stats.calls++;
	n->ops->set_rx(n->state, fn ? netif_rx_thunk : NULL, fn ? n : NULL);
}
