/* DHCP client (RFC 2131) of the net stack: gets the instance its address,
 * prefix and default gateway from a server, keeps the lease (renewing at
 * T1 from the server that granted it, rebinding at T2 from any), and drops
 * the address when the lease expires or a server refuses it. Runs inside
 * the stack like any protocol: non-blocking, on the stack's clock and
 * timers, through UDP port 68. */
#ifndef SYNTH_PROTOCOLS_NET_DHCP_H
#define SYNTH_PROTOCOLS_NET_DHCP_H

#include "protocols/net/net.h"

/* The client's states, after RFC 2131 figure 5 (CHECKING is the address
 * probe between the ACK and using the address, RFC 2131 4.4.1). */
enum dhcp_state {
	DHCP_OFF,
	DHCP_INIT,       /* waiting to (re)start discovery */
	DHCP_SELECTING,  /* DHCPDISCOVER sent, waiting for an offer */
	DHCP_REQUESTING, /* DHCPREQUEST for an offer sent, waiting for the ACK */
	DHCP_CHECKING,   /* ACKed: probing with ARP that nobody uses the address */
	DHCP_BOUND,
	DHCP_RENEWING,   /* past T1: asking the server that granted the lease */
	DHCP_REBINDING   /* past T2: asking any server */
};

/* What the client was given. Times are on the stack's clock (ns). */
struct dhcp_lease {
	uint32_t addr;          /* host order, as everywhere in the stack */
	uint8_t prefix;
	uint32_t gateway;       /* first router of option 3; 0 = none */
	uint32_t server;        /* the server identifier (option 54) */
	uint32_t dns[2];        /* option 6, first two; 0 = none */
	uint32_t lease_s;       /* as granted; UINT32_MAX = infinite */
	uint64_t start;         /* when the request that got it was sent */
	uint64_t t1, t2, expiry; /* UINT64_MAX with an infinite lease */
};

/* Events for the notify hook, which runs inside the stack (it may record
 * or signal, never call back into the stack). */
enum dhcp_event {
	DHCP_EV_BOUND = 1,   /* an address is configured (first lease, or a new address) */
	DHCP_EV_RENEWED = 2, /* the same address, a new lease */
	DHCP_EV_LOST = 3,    /* the lease expired or was refused: no address now */
	DHCP_EV_DECLINED = 4 /* the offered address answered an ARP probe: declined */
};

struct dhcp_params {
	/* Host name sent to the server (option 12); NULL or "" for none. */
	const char *hostname;
	/* How long to probe the offered address with ARP before using it
	 * (0: 500 ms, two probes; set no_probe to skip probing). */
	uint64_t probe_ns;
	bool no_probe;
	void (*notify)(void *ctx, enum dhcp_event ev);
	void *notify_ctx;
};

/* Start the client: the instance should have no address (its static one,
 * if any, is dropped). Sends the first DHCPDISCOVER at once. Returns 0,
 * -EBUSY (already running), -EADDRINUSE (UDP port 68 taken), -ENOMEM. */
int dhcp_start(struct net *n, const struct dhcp_params *p);

/* Stop the client. With release, a bound client first gives its address
 * back (DHCPRELEASE, unicast to the server); the address stays configured
 * either way. net_destroy stops a running client without a release. */
void dhcp_stop(struct net *n, bool release);

enum dhcp_state dhcp_get_state(const struct net *n);
const char *dhcp_state_name(enum dhcp_state s);

/* The current lease: true when one is held (BOUND, RENEWING, REBINDING). */
bool dhcp_get_lease(const struct net *n, struct dhcp_lease *out);

#endif
