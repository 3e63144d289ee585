/* stack "socket": the stack device over the kernel's sockets. Every socket
 * is non-blocking and registered edge-triggered with the platform's epoll
 * (unix_io.h); a call tries its syscall first and parks the fiber on the
 * socket's condition only when the kernel says EAGAIN. This is the path a
 * web server's every request takes, so it does one syscall per read and
 * per response when data and buffer space are there, and allocates
 * nothing per request (handles are recycled per connection). */
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "backends/unix/stack_socket.h"
#include "backends/unix/unix_io.h"
#include "lib/platform.h"

/* struct io_vec is declared to match struct iovec, so a gather list goes
 * to the kernel as it is, without copying. */
_Static_assert(sizeof(struct io_vec) == sizeof(struct iovec), "io_vec layout");
_Static_assert(offsetof(struct io_vec, base) == offsetof(struct iovec, iov_base), "io_vec layout");
_Static_assert(offsetof(struct io_vec, len) == offsetof(struct iovec, iov_len), "io_vec layout");

/* Listeners, flows and UDP sockets share one handle layout; the public
 * opaque types are thin wrappers around it. When fibers may free it, and
 * what they see, is devices/stack_handle.h's part; this file adds the
 * socket and the recycling of handles. */
struct stack_socket_handle {
	struct stack_handle base;
	struct unix_io io;
	struct stack_socket_handle *next_spare; /* in st->spare while not open */
};
_Static_assert(offsetof(struct stack_socket_handle, base) == 0, "handle layout");

struct stack_listener {
	struct stack_socket_handle h;
};
struct stack_flow {
	struct stack_socket_handle h;
};
struct stack_udp {
	struct stack_socket_handle h;
};

/* How many freed handles to keep for the next connections. Under
 * AddressSanitizer none are kept, so that a use after close is caught
 * instead of landing in a recycled handle. */
#if defined(__SANITIZE_ADDRESS__)
#define SPARE_MAX 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SPARE_MAX 0
#endif
#endif
#ifndef SPARE_MAX
#define SPARE_MAX 1024
#endif
static const unsigned spare_max = SPARE_MAX;

static void spare_put(struct stack_socket *st, struct stack_socket_handle *h)
{
	h->next_spare = st->spare;
	st->spare = h;
	st->nspare++;
}

/* Wrap fd (now owned: closed on failure) in a handle registered with
 * epoll. Returns 0 or a negative errno. */
static int handle_adopt(struct stack_socket *st, int fd, struct stack_socket_handle **out)
{
	struct stack_socket_handle *h = st->spare;

	if (h) {
		st->spare = h->next_spare;
		st->nspare--;
	} else {
		h = plat_alloc(sizeof *h);
		if (!h) {
			close(fd);
			return -ENOMEM;
		}
	}
	unix_io_init(&h->io);
	/* Optimistic: a fresh socket can usually be written at once, and a
	 * freshly accepted one usually has its first request waiting. Being
	 * wrong costs one EAGAIN per connection, not a trip through epoll. */
	h->io.can_read = true;
	h->io.can_write = true;
	int rc = unix_io_add(&h->io, fd);
	if (rc < 0) {
		close(fd);
		spare_put(st, h);
		return rc;
	}
	stack_handle_open(&st->handles, &h->base);
	*out = h;
	return 0;
}

/* The helper's free_fn: nobody can reach h any more. */
static void handle_free(void *arg, struct stack_handle *b)
{
	struct stack_socket *st = arg;
	struct stack_socket_handle *h = (struct stack_socket_handle *)b;

	if (!st->handles.down && st->nspare < spare_max)
		spare_put(st, h);
	else
		plat_free(h);
}

/* The app is done with h. Closing the socket wakes the fibers parked on
 * it. */
static void handle_close(struct stack_socket_handle *h)
{
	unix_io_close(&h->io);
	stack_handle_close(&h->base);
}

/* Park the fiber until h is readable (or writable). On an error return,
 * h may have been freed: the caller must return at once. */
static int handle_wait(struct stack_socket_handle *h, bool write, uint64_t deadline)
{
	int rc = stack_handle_wait_begin(&h->base);
	if (rc < 0)
		return rc;
	rc = write ? unix_io_wait_writable(&h->io, deadline) : unix_io_wait_readable(&h->io, deadline);
	return stack_handle_wait_end(&h->base, rc);
}

/* A syscall on h failed with err (or was skipped, as EAGAIN, because the
 * readiness flag was clear). EAGAIN clears the flag and parks the fiber
 * until epoll sets it again; EINTR retries at once. Returns 0 to retry,
 * or a negative errno to return (h may be gone then). */
static int handle_again(struct stack_socket_handle *h, bool write, int err, uint64_t deadline)
{
	if (err == EINTR)
		return 0;
	if (err == EAGAIN) {
		if (write)
			h->io.can_write = false;
		else
			h->io.can_read = false;
		return handle_wait(h, write, deadline);
	}
	/* Disconnect closed the socket under the app: say why. */
	if (err == EBADF && h->base.set->down)
		return -ENETDOWN;
	return -err;
}

static void to_sockaddr(struct sockaddr_in *sa, const struct ip_endpoint *ep)
{
	memset(sa, 0, sizeof *sa);
	sa->sin_family = AF_INET;
	if (ep) {
		sa->sin_addr.s_addr = htonl(ep->addr.v);
		sa->sin_port = htons(ep->port);
	}
}

static void from_sockaddr(struct ip_endpoint *ep, const struct sockaddr_in *sa)
{
	ep->addr.v = ntohl(sa->sin_addr.s_addr);
	ep->port = ntohs(sa->sin_port);
}

static int set_nodelay(int fd, int on)
{
	return setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on) == 0 ? 0 : -errno;
}

/* ---- TCP ------------------------------------------------------------------ */

/* A non-blocking socket of the type, bound to local (any address and
 * port when NULL); a stream socket also listens. Returns the descriptor
 * or a negative errno. */
static int socket_bound(int type, const struct ip_endpoint *local, int backlog)
{
	struct sockaddr_in sa;
	int one = 1;
	int fd = socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	/* A restarted server must be able to bind while old connections
	 * linger in TIME_WAIT. */
	if (type == SOCK_STREAM)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	to_sockaddr(&sa, local);
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
	    (type == SOCK_STREAM && listen(fd, backlog > 0 ? backlog : SOMAXCONN) != 0)) {
		int err = errno;
		close(fd);
		return -err;
	}
	return fd;
}

static int sock_tcp_listen(void *state, const struct ip_endpoint *local, int backlog,
                           struct stack_listener **out)
{
	struct stack_socket *st = state;
	struct stack_socket_handle *h;

	if (st->handles.down)
		return -ENETDOWN;
	int fd = socket_bound(SOCK_STREAM, local, backlog);
	int rc = fd < 0 ? fd : handle_adopt(st, fd, &h);
	if (rc == 0)
		*out = (struct stack_listener *)h;
	return rc;
}

static int sock_tcp_accept(void *state, struct stack_listener *l, struct stack_flow **out,
                           struct ip_endpoint *peer, uint64_t deadline)
{
	struct stack_socket *st = state;
	struct stack_socket_handle *h = &l->h;

	for (;;) {
		int err = EAGAIN;
		if (h->io.can_read) {
			struct sockaddr_in sa;
			socklen_t salen = sizeof sa;
			int fd = accept4(h->io.fd, (struct sockaddr *)&sa, &salen, SOCK_NONBLOCK | SOCK_CLOEXEC);
			if (fd >= 0) {
				/* Request/response traffic: a response goes out in one
				 * writev, and Nagle would hold back the tail of one
				 * that spans segments until the client's delayed ACK
				 * (up to 40 ms). Apps that stream can turn it back on. */
				set_nodelay(fd, 1);
				struct stack_socket_handle *fh;
				int rc = handle_adopt(st, fd, &fh);
				if (rc < 0)
					return rc;
				if (peer)
					from_sockaddr(peer, &sa);
				*out = (struct stack_flow *)fh;
				return 0;
			}
			/* ECONNABORTED: the peer gave up while queued; take the next. */
			err = errno == ECONNABORTED ? EINTR : errno;
		}
		int rc = handle_again(h, false, err, deadline);
		if (rc < 0)
			return rc;
	}
}

static void sock_tcp_listener_close(void *state, struct stack_listener *l)
{
	(void)state;
	if (l)
		handle_close(&l->h);
}

static int sock_tcp_connect(void *state, const struct ip_endpoint *remote, struct stack_flow **out,
                            uint64_t deadline)
{
	struct stack_socket *st = state;
	struct sockaddr_in sa;

	if (st->handles.down)
		return -ENETDOWN;
	if (!remote)
		return -EINVAL;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	set_nodelay(fd, 1); /* same reasoning as for accepted flows */
	to_sockaddr(&sa, remote);
	int rc = connect(fd, (struct sockaddr *)&sa, sizeof sa);
	if (rc != 0 && errno != EINPROGRESS) {
		int err = errno;
		close(fd);
		return -err;
	}
	struct stack_socket_handle *h;
	bool in_progress = rc != 0;
	rc = handle_adopt(st, fd, &h);
	if (rc < 0)
		return rc;
	if (in_progress) {
		/* The handshake completes (or fails) with an EPOLLOUT (or
		 * EPOLLERR) edge; the kernel may already have reported it when
		 * we registered, so the flags start clear and epoll fills them. */
		h->io.can_write = false;
		h->io.can_read = false;
		/* Nobody else holds h yet, so it cannot be freed under us
		 * (disconnect only closes it). */
		rc = handle_wait(h, true, deadline);
		if (rc == 0) {
			int err = 0;
			socklen_t len = sizeof err;
			if (getsockopt(h->io.fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
				err = errno;
			rc = -err;
		}
		if (rc < 0) {
			handle_close(h);
			return rc;
		}
		h->io.can_read = true;
	}
	*out = (struct stack_flow *)h;
	return 0;
}

static long sock_tcp_read(void *state, struct stack_flow *f, void *buf, size_t len, uint64_t deadline)
{
	struct stack_socket_handle *h = &f->h;

	(void)state;
	if (len == 0)
		return -EINVAL;
	for (;;) {
		int err = EAGAIN;
		if (h->io.can_read) {
			ssize_t n = read(h->io.fd, buf, len);
			if (n > 0) {
				/* A short read emptied the receive queue. With
				 * edge-triggered epoll, any segment that arrives later
				 * raises a new EPOLLIN edge, so the next read can wait
				 * for that edge instead of spending a syscall to learn
				 * EAGAIN. A FIN or error already seen (hup) raises no
				 * further edge, so then the flag must stay set. */
				if ((size_t)n < len && !h->io.hup)
					h->io.can_read = false;
				return n;
			}
			if (n == 0)
				return 0;
			err = errno;
		}
		int rc = handle_again(h, false, err, deadline);
		if (rc < 0)
			return rc;
	}
}

/* Gather lists longer than the kernel takes at once, or resumed after a
 * partial send, go out through a small window copied from the caller's. */
#define IOV_WINDOW 64

static long sock_tcp_writev(void *state, struct stack_flow *f, const struct io_vec *iov, unsigned niov,
                            uint64_t deadline)
{
	struct stack_socket_handle *h = &f->h;
	size_t total = 0, done = 0, off = 0;
	unsigned i = 0;

	(void)state;
	for (unsigned k = 0; k < niov; k++) {
		if (iov[k].len > (size_t)LONG_MAX - total)
			return -EINVAL;
		total += iov[k].len;
	}
	if (total == 0)
		return 0;
	for (;;) {
		if (!h->io.can_write) {
			int rc = handle_again(h, true, EAGAIN, deadline);
			if (rc < 0)
				return rc;
			continue;
		}
		struct iovec win[IOV_WINDOW];
		struct msghdr mh = { 0 };
		if (done == 0 && niov <= IOV_MAX) {
			/* The common case: the whole list in one sendmsg. */
			mh.msg_iov = (struct iovec *)(uintptr_t)iov;
			mh.msg_iovlen = niov;
		} else {
			unsigned n = 0;
			for (unsigned k = i; k < niov && n < IOV_WINDOW; k++) {
				size_t skip = k == i ? off : 0;
				if (iov[k].len == skip)
					continue;
				win[n].iov_base = (char *)(uintptr_t)iov[k].base + skip;
				win[n].iov_len = iov[k].len - skip;
				n++;
			}
			mh.msg_iov = win;
			mh.msg_iovlen = n;
		}
		/* sendmsg rather than writev only for MSG_NOSIGNAL: a peer that
		 * reset must yield -EPIPE even where SIGPIPE is not ignored. */
		ssize_t n = sendmsg(h->io.fd, &mh, MSG_NOSIGNAL);
		if (n < 0) {
			int rc = handle_again(h, true, errno, deadline);
			if (rc < 0)
				return rc;
			continue;
		}
		done += (size_t)n;
		if (done == total)
			return (long)total;
		/* Partial: the send buffer filled up. Advance the cursor and try
		 * once more; the kernel answers EAGAIN if it is still full. */
		size_t adv = (size_t)n + off;
		while (i < niov && adv >= iov[i].len) {
			adv -= iov[i].len;
			i++;
		}
		off = adv;
	}
}

static int sock_tcp_shutdown(void *state, struct stack_flow *f, enum stack_shutdown how)
{
	(void)state;
	if (how != STACK_SHUT_WR)
		return -EINVAL;
	return shutdown(f->h.io.fd, SHUT_WR) == 0 ? 0 : -errno;
}

static int sock_tcp_set_option(void *state, struct stack_flow *f, enum stack_option opt, int value)
{
	int fd = f->h.io.fd;
	int on = value != 0;

	(void)state;
	switch (opt) {
	case STACK_OPT_NODELAY:
		return set_nodelay(fd, on);
	case STACK_OPT_KEEPALIVE:
		return setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on) == 0 ? 0 : -errno;
	}
	return -ENOPROTOOPT;
}

static void sock_tcp_close(void *state, struct stack_flow *f)
{
	(void)state;
	/* close() on a socket lets the kernel deliver what is still queued
	 * (graceful), unless unread input remains, when it resets. */
	if (f)
		handle_close(&f->h);
}

/* ---- UDP ------------------------------------------------------------------ */

static int sock_udp_bind(void *state, const struct ip_endpoint *local, struct stack_udp **out)
{
	struct stack_socket *st = state;
	struct stack_socket_handle *h;

	if (st->handles.down)
		return -ENETDOWN;
	int fd = socket_bound(SOCK_DGRAM, local, 0);
	int rc = fd < 0 ? fd : handle_adopt(st, fd, &h);
	if (rc == 0)
		*out = (struct stack_udp *)h;
	return rc;
}

static long sock_udp_sendto(void *state, struct stack_udp *u, const void *buf, size_t len,
                            const struct ip_endpoint *to)
{
	struct stack_socket_handle *h = &u->h;
	struct sockaddr_in sa;

	(void)state;
	if (!to)
		return -EDESTADDRREQ;
	to_sockaddr(&sa, to);
	for (;;) {
		int err = EAGAIN;
		if (h->io.can_write) {
			ssize_t n = sendto(h->io.fd, buf, len, MSG_NOSIGNAL, (struct sockaddr *)&sa, sizeof sa);
			if (n >= 0)
				return n;
			err = errno;
		}
		int rc = handle_again(h, true, err, SCHED_FOREVER);
		if (rc < 0)
			return rc;
	}
}

static long sock_udp_recvfrom(void *state, struct stack_udp *u, void *buf, size_t len,
                              struct ip_endpoint *from, uint64_t deadline)
{
	struct stack_socket_handle *h = &u->h;

	(void)state;
	for (;;) {
		int err = EAGAIN;
		if (h->io.can_read) {
			struct sockaddr_in sa;
			socklen_t salen = sizeof sa;
			/* Datagrams: a short one says nothing about what else is
			 * queued, so the flag is cleared only on EAGAIN. */
			ssize_t n = recvfrom(h->io.fd, buf, len, 0, (struct sockaddr *)&sa, &salen);
			if (n >= 0) {
				if (from)
					from_sockaddr(from, &sa);
				return n;
			}
			err = errno;
		}
		int rc = handle_again(h, false, err, deadline);
		if (rc < 0)
			return rc;
	}
}

static void sock_udp_close(void *state, struct stack_udp *u)
{
	(void)state;
	if (u)
		handle_close(&u->h);
}

static int local_of(struct stack_socket_handle *h, struct ip_endpoint *out)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof sa;

	if (h->io.fd < 0)
		return -EBADF;
	if (getsockname(h->io.fd, (struct sockaddr *)&sa, &len) != 0)
		return -errno;
	from_sockaddr(out, &sa);
	return 0;
}

static int sock_tcp_listener_local(void *state, struct stack_listener *l, struct ip_endpoint *out)
{
	(void)state;
	return local_of(&l->h, out);
}

static int sock_udp_local(void *state, struct stack_udp *u, struct ip_endpoint *out)
{
	(void)state;
	return local_of(&u->h, out);
}

static const struct stack_ops stack_socket_ops = {
	.name = "socket",
	.version = STACK_OPS_V1,
	.tcp_listen = sock_tcp_listen,
	.tcp_accept = sock_tcp_accept,
	.tcp_listener_close = sock_tcp_listener_close,
	.tcp_connect = sock_tcp_connect,
	.tcp_read = sock_tcp_read,
	.tcp_writev = sock_tcp_writev,
	.tcp_shutdown = sock_tcp_shutdown,
	.tcp_set_option = sock_tcp_set_option,
	.tcp_close = sock_tcp_close,
	.udp_bind = sock_udp_bind,
	.udp_sendto = sock_udp_sendto,
	.udp_recvfrom = sock_udp_recvfrom,
	.udp_close = sock_udp_close,
	.tcp_listener_local = sock_tcp_listener_local,
	.udp_local = sock_udp_local,
};

int stack_socket_connect(struct stack *dev, struct stack_socket *state,
                         const struct stack_socket_config *cfg)
{
	(void)cfg;
	stack_handle_set_init(&state->handles, handle_free, state);
	state->spare = NULL;
	state->nspare = 0;
	dev->ops = &stack_socket_ops;
	dev->state = state;
	return 0;
}

void stack_socket_disconnect(struct stack_socket *st)
{
	/* Closing the sockets wakes their fibers; the handles stay with the
	 * app until it closes them. */
	st->handles.down = true;
	for (struct stack_handle *h = st->handles.live; h; h = h->next)
		unix_io_close(&((struct stack_socket_handle *)h)->io);
	while (st->spare) {
		struct stack_socket_handle *h = st->spare;
		st->spare = h->next_spare;
		plat_free(h);
	}
	st->nspare = 0;
}
