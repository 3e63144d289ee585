/* console "stdout": buffers text and writes it out whenever a newline was
 * written, the buffer fills, or on flush/disconnect. Standard output is
 * left in whatever blocking mode the process inherited (switching a tty
 * shared with the shell to non-blocking would leak into the shell); when
 * it was handed over non-blocking and fills up, the writing fiber waits
 * on epoll for it to drain instead of spinning. */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "backends/unix/console_stdout.h"
#include "lib/platform.h"

/* Wait until fd takes more bytes: through epoll when it can be watched,
 * else (never expected: regular files do not return EAGAIN) by sleeping
 * a little. */
static void wait_drain(struct console_stdout *c)
{
	if (!c->watched) {
		unix_io_init(&c->io);
		if (unix_io_add(&c->io, c->fd) == 0) {
			c->watched = true;
		} else {
			c->io.fd = -1;
			fiber_sleep_ns(1000000);
			return;
		}
	}
	c->io.can_write = false;
	/* The kernel may have drained the pipe between our EAGAIN and
	 * clearing the flag; registration with EPOLLET reported the state at
	 * add time, and later drains raise a new edge, so a bounded wait is
	 * only a safety net. */
	unix_io_wait_writable(&c->io, plat_monotonic_ns() + 100000000u);
}

/* Write the whole buffer out. A fiber waits for a full output to drain
 * through epoll; disconnect, which may run outside any fiber, polls
 * instead, for a few seconds at most, so that a reader that stopped
 * reading cannot hold the exit up forever. */
static int drain(struct console_stdout *c, bool in_fiber)
{
	int spins = 0;

	while (c->len > 0) {
		ssize_t n = write(c->fd, c->buf, c->len);
		if (n > 0) {
			/* Other fibers may append while we wait below; they only
			 * ever add at the end, so moving the rest down is safe. */
			memmove(c->buf, c->buf + n, c->len - (size_t)n);
			c->len -= (unsigned)n;
		} else if (n < 0 && errno == EINTR) {
			continue;
		} else if (n < 0 && errno == EAGAIN && in_fiber) {
			wait_drain(c);
		} else if (n < 0 && errno == EAGAIN && spins++ < 50) {
			struct pollfd p = { .fd = c->fd, .events = POLLOUT };
			poll(&p, 1, 100);
		} else {
			c->error = n < 0 ? -errno : -EIO;
			c->len = 0;
			return c->error;
		}
	}
	return 0;
}

static int flush_out(struct console_stdout *c)
{
	/* A timer callback has no fiber to park: it polls like disconnect.
	 * (Interleaving with a fiber's drain is harmless: both only take
	 * bytes off the front, each without yielding in between.) */
	if (!fiber_self())
		return drain(c, false);
	while (c->busy)
		cond_wait(&c->idle, SCHED_FOREVER);
	c->busy = true;
	int rc = drain(c, true);
	c->busy = false;
	if (c->idle.waiters.head)
		cond_broadcast(&c->idle);
	return rc;
}

static long stdout_write(void *state, const char *buf, size_t len)
{
	struct console_stdout *c = state;
	bool newline = false;
	size_t done = 0;

	if (c->error)
		return c->error;
	while (done < len) {
		size_t room = sizeof c->buf - c->len;
		if (room == 0) {
			int rc = flush_out(c);
			if (rc < 0)
				return rc;
			continue;
		}
		size_t n = len - done < room ? len - done : room;
		memcpy(c->buf + c->len, buf + done, n);
		if (memchr(buf + done, '\n', n))
			newline = true;
		c->len += (unsigned)n;
		done += n;
	}
	if (newline) {
		int rc = flush_out(c);
		if (rc < 0)
			return rc;
	}
	return (long)len;
}

static int stdout_flush(void *state)
{
	struct console_stdout *c = state;
	return flush_out(c);
}

static const struct console_ops console_stdout_ops = {
	.name = "stdout",
	.version = CONSOLE_OPS_V1,
	.write = stdout_write,
	.flush = stdout_flush,
};

int console_stdout_connect_fd(struct console *dev, struct console_stdout *state, int fd)
{
	state->fd = fd;
	state->len = 0;
	state->busy = false;
	state->watched = false;
	state->error = 0;
	cond_init(&state->idle);
	unix_io_init(&state->io);
	dev->ops = &console_stdout_ops;
	dev->state = state;
	return 0;
}

int console_stdout_connect(struct console *dev, struct console_stdout *state,
                           const struct console_stdout_config *cfg)
{
	(void)cfg;
	return console_stdout_connect_fd(dev, state, STDOUT_FILENO);
}

void console_stdout_disconnect(struct console_stdout *c)
{
	if (!c->error)
		drain(c, false);
	c->len = 0;
	if (c->watched) {
		unix_io_del(&c->io);
		c->watched = false;
	}
	c->io.fd = -1;
	if (c->io.writable.waiters.head)
		cond_broadcast(&c->io.writable);
}
