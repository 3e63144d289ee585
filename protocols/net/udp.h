/* UDP over the net stack: bind, send, and a bounded receive queue per
 * socket. Non-blocking; readiness through the upcall (NET_EV_READ). */
#ifndef SYNTH_PROTOCOLS_NET_UDP_H
#define SYNTH_PROTOCOLS_NET_UDP_H

#include "protocols/net/net.h"

struct udp_pcb;

/* Bind addr:port (addr 0 = any, port 0 = ephemeral): 0, -EADDRINUSE,
 * -ENOMEM. */
int udp_bind(struct net *n, uint32_t addr, uint16_t port, struct udp_pcb **out);
/* Send one datagram: len, -EMSGSIZE, -ENETUNREACH, -ENOBUFS ... */
long udp_sendto(struct udp_pcb *u, const void *buf, size_t len, uint32_t daddr, uint16_t dport);
/* Take the oldest queued datagram (truncated to len): its full length is
 * not reported, the copied length is. -EAGAIN when the queue is empty. */
long udp_recvfrom(struct udp_pcb *u, void *buf, size_t len, uint32_t *saddr, uint16_t *sport);
void udp_close(struct udp_pcb *u);
uint16_t udp_local_port(const struct udp_pcb *u);
void udp_set_upcall(struct udp_pcb *u, net_upcall_fn fn, void *ctx);

#endif
