/* stack: TCP and UDP over IPv4. Implemented by the kernel's sockets
 * (unix-socket) or by synth's own TCP/IP in protocols/ over a netif
 * (unix-tap, xen); apps cannot tell which. Every call that would wait
 * blocks only the calling fiber. */
#ifndef SYNTH_DEVICES_STACK_H
#define SYNTH_DEVICES_STACK_H

#include "devices/device.h"
#include "lib/param.h"

#define STACK_OPS_V1 1u

struct ip_endpoint {
	struct ipv4_addr addr; /* host order; 0 = any */
	uint16_t port;         /* host order; 0 = any (an ephemeral port) */
};

/* Errors every implementation shares besides the usual socket ones:
 * -ETIMEDOUT when a deadline passed, -ECANCELED when the handle a fiber
 * waited on was closed by another fiber, -ENETDOWN for any call after the
 * device was disconnected (handles stay valid until closed). */

/* Opaque handles, defined by each implementation. */
struct stack_listener;
struct stack_flow;
struct stack_udp;

enum stack_shutdown { STACK_SHUT_WR = 1 };

/* Per-flow switches for stack_tcp_set_option. */
enum stack_option {
	STACK_OPT_NODELAY = 1,  /* value 1 disables Nagle's algorithm */
	STACK_OPT_KEEPALIVE = 2 /* value 1 enables keepalive probes */
};

struct stack_ops {
	DEVICE_OPS_HEADER;
	int (*tcp_listen)(void *state, const struct ip_endpoint *local, int backlog,
	                  struct stack_listener **out);
	/* Blocks until a connection is ready or the deadline passes. */
	int (*tcp_accept)(void *state, struct stack_listener *l, struct stack_flow **out,
	                  struct ip_endpoint *peer, uint64_t deadline);
	void (*tcp_listener_close)(void *state, struct stack_listener *l);
	int (*tcp_connect)(void *state, const struct ip_endpoint *remote, struct stack_flow **out,
	                   uint64_t deadline);
	/* Returns bytes read (> 0), 0 at end of stream, or a negative errno
	 * (-ETIMEDOUT when the deadline passed, -ECONNRESET ...). Blocks until
	 * at least one byte is available. */
	long (*tcp_read)(void *state, struct stack_flow *f, void *buf, size_t len, uint64_t deadline);
	/* Writes every byte of the vector (blocking while the send buffer is
	 * full) and returns the total, or a negative errno. */
	long (*tcp_writev)(void *state, struct stack_flow *f, const struct io_vec *iov, unsigned niov,
	                   uint64_t deadline);
	int (*tcp_shutdown)(void *state, struct stack_flow *f, enum stack_shutdown how);
	int (*tcp_set_option)(void *state, struct stack_flow *f, enum stack_option opt, int value);
	/* Releases the flow; unsent data is still delivered (graceful close). */
	void (*tcp_close)(void *state, struct stack_flow *f);

	int (*udp_bind)(void *state, const struct ip_endpoint *local, struct stack_udp **out);
	long (*udp_sendto)(void *state, struct stack_udp *u, const void *buf, size_t len,
	                   const struct ip_endpoint *to);
	/* Blocks until a datagram arrives or the deadline passes; a datagram
	 * longer than len is truncated. */
	long (*udp_recvfrom)(void *state, struct stack_udp *u, void *buf, size_t len,
	                     struct ip_endpoint *from, uint64_t deadline);
	void (*udp_close)(void *state, struct stack_udp *u);

	/* Optional: the local address and port a listener or UDP socket was
	 * given (how an app that asked for port 0 learns its port). */
	int (*tcp_listener_local)(void *state, struct stack_listener *l, struct ip_endpoint *out);
	int (*udp_local)(void *state, struct stack_udp *u, struct ip_endpoint *out);
};

struct stack {
	const char *name;
	const struct stack_ops *ops;
	void *state;
	struct device_stats stats;
};

/* The wrapper layer: apps call these, never the ops. Deadlines are
 * absolute monotonic nanoseconds; SCHED_FOREVER (lib/sched.h) waits
 * forever. */
static inline int stack_tcp_listen(struct stack *s, const struct ip_endpoint *local, int backlog,
                                   struct stack_listener **out)
{
	return (int)device_account(&s->stats, s->ops->tcp_listen(s->state, local, backlog, out));
}

static inline int stack_tcp_accept(struct stack *s, struct stack_listener *l, struct stack_flow **out,
                                   struct ip_endpoint *peer, uint64_t deadline)
{
	return (int)device_account(&s->stats, s->ops->tcp_accept(s->state, l, out, peer, deadline));
}

static inline void stack_tcp_listener_close(struct stack *s, struct stack_listener *l)
{
	s->stats.calls++;
	s->ops->tcp_listener_close(s->state, l);
}

static inline int stack_tcp_listener_local(struct stack *s, struct stack_listener *l,
                                           struct ip_endpoint *out)
{
	int rc = s->ops->tcp_listener_local ? s->ops->tcp_listener_local(s->state, l, out) : -EOPNOTSUPP;
	return (int)device_account(&s->stats, rc);
}

static inline int stack_tcp_connect(struct stack *s, const struct ip_endpoint *remote,
                                    struct stack_flow **out, uint64_t deadline)
{
	return (int)device_account(&s->stats, s->ops->tcp_connect(s->state, remote, out, deadline));
}

static inline long stack_tcp_read(struct stack *s, struct stack_flow *f, void *buf, size_t len,
                                  uint64_t deadline)
{
	long rc = s->ops->tcp_read(s->state, f, buf, len, deadline);
	if (rc > 0)
		s->stats.bytes_in += (uint64_t)rc;
	return device_account(&s->stats, rc);
}

static inline long stack_tcp_writev(struct stack *s, struct stack_flow *f, const struct io_vec *iov,
                                    unsigned niov, uint64_t deadline)
{
	long rc = s->ops->tcp_writev(s->state, f, iov, niov, deadline);
	if (rc > 0)
		s->stats.bytes_out += (uint64_t)rc;
	return device_account(&s->stats, rc);
}

static inline long stack_tcp_write(struct stack *s, struct stack_flow *f, const void *buf, size_t len,
                                   uint64_t deadline)
{
	struct io_vec v = { buf, len };
	return stack_tcp_writev(s, f, &v, 1, deadline);
}

static inline int stack_tcp_shutdown(struct stack *s, struct stack_flow *f, enum stack_shutdown how)
{
	return (int)device_account(&s->stats, s->ops->tcp_shutdown(s->state, f, how));
}

static inline int stack_tcp_set_option(struct stack *s, struct stack_flow *f, enum stack_option o,
                                       int value)
{
	return (int)device_account(&s->stats, s->ops->tcp_set_option(s->state, f, o, value));
}

static inline void stack_tcp_close(struct stack *s, struct stack_flow *f)
{
	s->stats.calls++;
	s->ops->tcp_close(s->state, f);
}

static inline int stack_udp_bind(struct stack *s, const struct ip_endpoint *local, struct stack_udp **out)
{
	return (int)device_account(&s->stats, s->ops->udp_bind(s->state, local, out));
}

static inline long stack_udp_sendto(struct stack *s, struct stack_udp *u, const void *buf, size_t len,
                                    const struct ip_endpoint *to)
{
	long rc = s->ops->udp_sendto(s->state, u, buf, len, to);
	if (rc > 0)
		s->stats.bytes_out += (uint64_t)rc;
	return device_account(&s->stats, rc);
}

static inline long stack_udp_recvfrom(struct stack *s, struct stack_udp *u, void *buf, size_t len,
                                      struct ip_endpoint *from, uint64_t deadline)
{
	long rc = s->ops->udp_recvfrom(s->state, u, buf, len, from, deadline);
	if (rc > 0)
		s->stats.bytes_in += (uint64_t)rc;
	return device_account(&s->stats, rc);
}

static inline int stack_udp_local(struct stack *s, struct stack_udp *u, struct ip_endpoint *out)
{
	int rc = s->ops->udp_local ? s->ops->udp_local(s->state, u, out) : -EOPNOTSUPP;
	return (int)device_account(&s->stats, rc);
}

static inline void stack_udp_close(struct stack *s, struct stack_udp *u)
{
	s->stats.calls++;
	s->ops->udp_close(s->state, u);
}

#endif
