/* TCP over the net stack: a non-blocking, socket-like interface to flows
 * and listeners. Calls never wait; readiness is reported through the
 * object's upcall (NET_EV_*). The stack device builds its blocking calls
 * from these; unit tests drive them directly on a virtual clock. */
#ifndef SYNTH_PROTOCOLS_NET_TCP_H
#define SYNTH_PROTOCOLS_NET_TCP_H

#include "protocols/net/net.h"

struct tcp_pcb;
struct tcp_listener;

/* RFC 9293 states. */
enum tcp_state {
	TCP_CLOSED,
	TCP_LISTEN,
	TCP_SYN_SENT,
	TCP_SYN_RCVD,
	TCP_ESTABLISHED,
	TCP_FIN_WAIT_1,
	TCP_FIN_WAIT_2,
	TCP_CLOSE_WAIT,
	TCP_CLOSING,
	TCP_LAST_ACK,
	TCP_TIME_WAIT
};

const char *tcp_state_name(enum tcp_state s);

/* Listen on addr:port (addr 0 = any, port 0 = an ephemeral port). backlog
 * bounds the connections established but not yet accepted. Returns 0,
 * -EADDRINUSE, -ENOMEM. */
int tcp_listen(struct net *n, uint32_t addr, uint16_t port, int backlog, struct tcp_listener **out);
/* Take one established connection: 0, or -EAGAIN when none is ready. */
int tcp_accept(struct tcp_listener *l, struct tcp_pcb **out);
/* Stop listening; connections not yet accepted are reset. */
void tcp_listener_close(struct tcp_listener *l);
uint16_t tcp_listener_port(const struct tcp_listener *l);
void tcp_listener_set_upcall(struct tcp_listener *l, net_upcall_fn fn, void *ctx);

/* Start an active open (SYN_SENT); completion is NET_EV_STATE with
 * tcp_state() == TCP_ESTABLISHED, failure the same event with tcp_error().
 * Returns 0, -ENETUNREACH, -EADDRNOTAVAIL, -ENOMEM. */
int tcp_connect(struct net *n, uint32_t raddr, uint16_t rport, struct tcp_pcb **out);

/* Queue bytes for sending: returns how many were taken (possibly fewer than
 * offered), -EAGAIN when the send buffer is full, -EPIPE after shutdown,
 * -ENOTCONN before the handshake completes, or the flow's error. */
long tcp_send(struct tcp_pcb *p, const struct io_vec *iov, unsigned niov);
/* Copy received bytes out: > 0, 0 at end of stream, -EAGAIN when nothing
 * is there yet, or the flow's error (-ECONNRESET, -ETIMEDOUT ...). */
long tcp_recv(struct tcp_pcb *p, void *buf, size_t len);
/* Send FIN once queued data is out (half-close). */
int tcp_shutdown(struct tcp_pcb *p);
/* The app releases the flow. Queued data is still delivered and the flow
 * closes gracefully, unless received data was left unread, in which case
 * it is reset (as BSD and Linux do). */
void tcp_close(struct tcp_pcb *p);
/* Reset the flow at once and release it. */
void tcp_abort(struct tcp_pcb *p);

int tcp_set_nodelay(struct tcp_pcb *p, bool on);
int tcp_set_keepalive(struct tcp_pcb *p, bool on);
void tcp_set_upcall(struct tcp_pcb *p, net_upcall_fn fn, void *ctx);

enum tcp_state tcp_state(const struct tcp_pcb *p);
/* The flow's error as a negative errno, 0 when none. */
int tcp_error(const struct tcp_pcb *p);
size_t tcp_readable(const struct tcp_pcb *p);
size_t tcp_writable(const struct tcp_pcb *p);
void tcp_endpoints(const struct tcp_pcb *p, uint32_t *laddr, uint16_t *lport, uint32_t *raddr,
                   uint16_t *rport);

#endif
