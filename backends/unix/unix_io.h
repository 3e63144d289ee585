/* The UNIX backend's internal event API: how backend files register file
 * descriptors with the one epoll instance that plat_wait() blocks in, and
 * how a fiber waits for one to become readable or writable. Not for
 * lib/, devices/ or apps: only backends/unix/ includes this. */
#ifndef SYNTH_BACKENDS_UNIX_UNIX_IO_H
#define SYNTH_BACKENDS_UNIX_UNIX_IO_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/sched.h"

struct unix_io;

/* Optional per-descriptor event hook, called from plat_wait() on the
 * scheduler's context (it must not block). When set, it replaces the
 * default readiness bookkeeping below. */
typedef void (*unix_io_fn)(struct unix_io *io, uint32_t events);

/* One registered descriptor. Registration is edge-triggered: the kernel
 * reports a transition, and can_read/can_write remember it until the
 * owner's syscall returns EAGAIN (or proves the buffer drained) and
 * clears the flag. That way a busy connection costs no epoll_ctl calls
 * and no wakeups beyond the ones that carry news. */
struct unix_io {
	int fd;             /* -1 once unix_io_close() ran */
	bool can_read;      /* a read/accept/recv may succeed without blocking */
	bool can_write;     /* a write/send may make progress */
	bool hup;           /* peer hung up or an error is pending: reads never block again */
	struct cond readable, writable;
	unix_io_fn on_event;
};

/* Set up io before unix_io_add (fd -1, flags clear, conditions empty). */
void unix_io_init(struct unix_io *io);

/* Register fd (non-blocking, owned by the caller) for EPOLLIN, EPOLLOUT
 * and EPOLLRDHUP, edge-triggered, with io as the event's cookie. The
 * caller may preset can_read/can_write optimistically. Returns 0 or a
 * negative errno. */
int unix_io_add(struct unix_io *io, int fd);

/* Unregister (the descriptor stays open). Returns 0 or a negative errno. */
int unix_io_del(struct unix_io *io);

/* Close the descriptor (which also drops it from epoll), mark io closed
 * and wake every waiter; they see -ECANCELED from the wait helpers. The
 * owner must keep io's memory alive until those waiters have run. */
void unix_io_close(struct unix_io *io);

/* Block the calling fiber until *ready (one of io's flags) is set, io is
 * closed, or the deadline passes. Returns 0 when the flag is set,
 * -ETIMEDOUT, or -ECANCELED when io was closed meanwhile (-EBADF if it
 * already was). */
static inline int unix_io_wait(struct unix_io *io, struct cond *c, const bool *ready, uint64_t deadline)
{
	while (!*ready) {
		if (io->fd < 0)
			return -EBADF;
		int rc = cond_wait(c, deadline);
		if (io->fd < 0)
			return -ECANCELED;
		if (rc < 0)
			return rc;
	}
	return 0;
}

static inline int unix_io_wait_readable(struct unix_io *io, uint64_t deadline)
{
	return unix_io_wait(io, &io->readable, &io->can_read, deadline);
}

static inline int unix_io_wait_writable(struct unix_io *io, uint64_t deadline)
{
	return unix_io_wait(io, &io->writable, &io->can_write, deadline);
}

/* getrandom(2) until len bytes are filled; 0 or a negative errno. */
int unix_getrandom(void *buf, size_t len);

/* The epoll descriptor (created on first use). */
int unix_epoll_fd(void);

/* Process-wide set-up main() runs before the runtime: ignore SIGPIPE, and
 * turn SIGINT/SIGTERM into a clean stop (runtime_request_stop(0)) through
 * a signalfd watched by plat_wait(). A second signal while the stop is
 * under way ends the process at once. Idempotent; tests may call it. */
void unix_platform_init(void);

/* Undo the signal part of unix_platform_init (unblock SIGINT/SIGTERM,
 * close the signalfd), for tests. */
void unix_platform_fini(void);

#endif
