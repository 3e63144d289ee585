/* stack "tcpip": the stack device implemented by synth's own TCP/IP
 * (protocols/net) over any netif (a tap on UNIX, netfront on Xen). Calls
 * that would wait park only the calling fiber, on a per-flow condition the
 * protocol code signals; the stack's timers run from one scheduler timer. */
#ifndef SYNTH_PROTOCOLS_NET_STACK_TCPIP_H
#define SYNTH_PROTOCOLS_NET_STACK_TCPIP_H

#include <stdbool.h>

#include "devices/netif.h"
#include "devices/stack.h"
#include "devices/stack_handle.h"
#include "lib/sched.h"

struct net;

struct stack_tcpip {
	struct net *net;
	struct netif *netif;
	struct timer timer;              /* armed for the stack's next protocol deadline */
	struct stack_handle_set handles; /* open listeners, flows, UDP sockets; .down once disconnected */
	bool dhcp;                       /* the address comes from DHCP */
	uint64_t dhcp_timeout;
	struct cond addr_cond;           /* DHCP gained or lost the address */
};

/* Catalogue parameters. */
struct stack_tcpip_config {
	struct ipv4_cidr ip;       /* address/prefix; 0.0.0.0/0 = none */
	struct ipv4_addr gateway;  /* default route; 0 = none */
	bool dhcp;                 /* get address, prefix and gateway from DHCP instead */
	uint64_t dhcp_timeout;     /* how long connect waits for a lease (0: 30 s) */
	uint64_t msl;              /* TCP maximum segment lifetime; TIME_WAIT lasts 2*MSL (0: 30 s) */
	uint64_t rto_min;          /* lower bound of TCP's retransmission timeout (0: 200 ms) */
	uint64_t sndbuf, rcvbuf;   /* TCP send and receive buffer per flow, bytes (0: 256 KiB) */
};

/* With cfg->dhcp, returns once a lease is bound, or -ETIMEDOUT (logged)
 * when none came within dhcp_timeout. */
int stack_tcpip_connect(struct stack *dev, struct stack_tcpip *state,
                        const struct stack_tcpip_config *cfg, struct netif *netif);

/* Stops the stack: fibers waiting on any handle wake with -ECANCELED, every
 * later call on a handle fails with -ENETDOWN, and handles stay valid until
 * the app closes them. */
void stack_tcpip_disconnect(struct stack_tcpip *state);

/* The protocol instance, for diagnostics (net_get_stats). */
struct net *stack_tcpip_net(struct stack_tcpip *state);

#endif
