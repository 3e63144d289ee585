/* The platform primitives of lib/platform.h for a Linux process: clocks,
 * memory and fiber stacks, diagnostics, entropy, and plat_wait() — one
 * epoll instance that every backend descriptor is registered with
 * (unix_io.h), plus a signalfd that turns SIGINT/SIGTERM into a clean
 * stop of the runtime. */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "backends/unix/unix_io.h"
#include "lib/platform.h"
#include "lib/runtime.h"
#include "lib/sched.h"

/* ---- clocks ---------------------------------------------------------- */

/* Both go through the vDSO: no syscall. */
uint64_t plat_monotonic_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int64_t plat_wall_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ---- memory ------------------------------------------------------------ */

/* glibc's malloc returns 16-byte-aligned blocks on x86_64 and aarch64,
 * which is what plat_alloc promises. */
void *plat_alloc(size_t size)
{
	return malloc(size ? size : 1);
}

void *plat_calloc(size_t n, size_t size)
{
	return calloc(n ? n : 1, size ? size : 1);
}

void *plat_realloc(void *p, size_t size)
{
	return realloc(p, size ? size : 1);
}

void plat_free(void *p)
{
	free(p);
}

/* Fiber stacks are mmap'ed with one PROT_NONE page below the usable
 * area, so an overflow faults instead of corrupting a neighbour. (The
 * scheduler keeps freed stacks of the default size for reuse, so this is
 * not on a per-connection path.) */
static size_t page_size;

static size_t stack_round(size_t size)
{
	if (!page_size) {
		long ps = sysconf(_SC_PAGESIZE);
		page_size = ps > 0 ? (size_t)ps : 4096;
	}
	return (size + page_size - 1) & ~(page_size - 1);
}

void *plat_stack_alloc(size_t size)
{
	if (size == 0 || size > SIZE_MAX / 2)
		return NULL;
	size = stack_round(size);
	size_t total = size + page_size;
	char *map = mmap(NULL, total, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK,
	                 -1, 0);
	if (map == MAP_FAILED)
		return NULL;
	if (mprotect(map + page_size, size, PROT_READ | PROT_WRITE) != 0) {
		munmap(map, total);
		return NULL;
	}
	return map + page_size;
}

void plat_stack_free(void *base, size_t size)
{
	if (!base)
		return;
	size = stack_round(size);
	munmap((char *)base - page_size, size + page_size);
}

/* ---- diagnostics, entropy, exit ------------------------------------------ */

/* Write everything, stalling the process if need be: diagnostics and
 * --help must get out even before the event loop runs or after it ended,
 * and even when the descriptor was handed to us non-blocking. */
static void write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n > 0) {
			buf += n;
			len -= (size_t)n;
		} else if (n < 0 && errno == EINTR) {
			continue;
		} else if (n < 0 && errno == EAGAIN) {
			struct pollfd p = { .fd = fd, .events = POLLOUT };
			poll(&p, 1, 1000);
		} else {
			return;
		}
	}
}

void plat_diag_write(const char *buf, size_t len)
{
	write_all(STDERR_FILENO, buf, len);
}

void plat_out_write(const char *buf, size_t len)
{
	write_all(STDOUT_FILENO, buf, len);
}

int unix_getrandom(void *buf, size_t len)
{
	unsigned char *p = buf;

	while (len > 0) {
		ssize_t n = getrandom(p, len, 0);
		if (n > 0) {
			p += n;
			len -= (size_t)n;
		} else if (n < 0 && errno != EINTR) {
			return -errno;
		}
	}
	return 0;
}

void plat_entropy(void *buf, size_t len)
{
	if (unix_getrandom(buf, len) != 0)
		plat_panic("getrandom failed");
}

void plat_exit(int code)
{
	exit(code);
}

void plat_panic(const char *msg)
{
	static const char prefix[] = "panic: ";
	plat_diag_write(prefix, sizeof prefix - 1);
	plat_diag_write(msg, strlen(msg));
	plat_diag_write("\n", 1);
	abort();
}

/* ---- the event loop ---------------------------------------------------- */

static int epfd = -1;

int unix_epoll_fd(void)
{
	if (epfd < 0) {
		epfd = epoll_create1(EPOLL_CLOEXEC);
		if (epfd < 0)
			plat_panic("epoll_create1 failed");
	}
	return epfd;
}

void unix_io_init(struct unix_io *io)
{
	io->fd = -1;
	io->can_read = false;
	io->can_write = false;
	io->hup = false;
	cond_init(&io->readable);
	cond_init(&io->writable);
	io->on_event = NULL;
}

int unix_io_add(struct unix_io *io, int fd)
{
	struct epoll_event ev = {
		.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
		.data.ptr = io,
	};
	io->fd = fd;
	if (epoll_ctl(unix_epoll_fd(), EPOLL_CTL_ADD, fd, &ev) != 0)
		return -errno;
	return 0;
}

int unix_io_del(struct unix_io *io)
{
	if (io->fd < 0)
		return -EBADF;
	if (epoll_ctl(unix_epoll_fd(), EPOLL_CTL_DEL, io->fd, NULL) != 0)
		return -errno;
	return 0;
}

void unix_io_close(struct unix_io *io)
{
	if (io->fd >= 0) {
		/* Closing the last descriptor of the file drops it from epoll;
		 * our descriptors are never dup'ed, so no EPOLL_CTL_DEL. */
		close(io->fd);
		io->fd = -1;
	}
	cond_broadcast(&io->readable);
	cond_broadcast(&io->writable);
}

/* The default bookkeeping: remember readiness, wake who waits for it.
 * Errors and hang-ups make both directions "ready", so the waiter's next
 * syscall reports what happened. */
static inline void io_dispatch(struct unix_io *io, uint32_t ev)
{
	if (io->on_event) {
		io->on_event(io, ev);
		return;
	}
	if (ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
		io->can_read = true;
		if (ev & (EPOLLRDHUP | EPOLLHUP | EPOLLERR))
			io->hup = true;
		if (io->readable.waiters.head)
			cond_broadcast(&io->readable);
	}
	if (ev & (EPOLLOUT | EPOLLHUP | EPOLLERR)) {
		io->can_write = true;
		if (io->writable.waiters.head)
			cond_broadcast(&io->writable);
	}
}

/* Signal handling state: the signalfd is registered like any other
 * descriptor, but its event is acted upon after the whole batch has been
 * dispatched, since a stop may tear devices (and their unix_io) down. */
static struct unix_io sig_io = { .fd = -1 };
static bool sig_pending;
static unsigned sig_count;
static sigset_t sig_mask;
static bool sig_installed;

static void sig_event(struct unix_io *io, uint32_t ev)
{
	(void)io;
	(void)ev;
	sig_pending = true;
}

static void sig_handle(void)
{
	struct signalfd_siginfo si;
	bool got = false;

	sig_pending = false;
	while (sig_io.fd >= 0 && read(sig_io.fd, &si, sizeof si) == (ssize_t)sizeof si)
		got = true;
	if (!got)
		return;
	if (++sig_count > 1) {
		static const char msg[] = "synth: second stop signal, exiting now\n";
		plat_diag_write(msg, sizeof msg - 1);
		_exit(1);
	}
	runtime_request_stop(0);
}

#define EVENTS_MAX 256

void plat_wait(uint64_t deadline)
{
	static struct epoll_event evs[EVENTS_MAX];
	int fd = unix_epoll_fd();
	int n;

	if (deadline == 0) {
		n = epoll_wait(fd, evs, EVENTS_MAX, 0);
	} else if (deadline == SCHED_FOREVER) {
		n = epoll_wait(fd, evs, EVENTS_MAX, -1);
	} else {
		uint64_t now = plat_monotonic_ns();
		uint64_t rel = deadline > now ? deadline - now : 0;
#ifdef SYS_epoll_pwait2
		/* epoll_pwait2 takes a nanosecond timeout: timers fire on time
		 * instead of up to a millisecond late, with no timerfd to arm. */
		static bool no_pwait2;
		if (!no_pwait2) {
			struct timespec ts = { .tv_sec = (time_t)(rel / 1000000000u),
				               .tv_nsec = (long)(rel % 1000000000u) };
			n = (int)syscall(SYS_epoll_pwait2, fd, evs, EVENTS_MAX, &ts, NULL, (size_t)0);
			if (n >= 0 || errno != ENOSYS)
				goto got;
			no_pwait2 = true;
		}
#endif
		/* Round up: waking early would only spin back into epoll_wait. */
		uint64_t ms = (rel + 999999u) / 1000000u;
		n = epoll_wait(fd, evs, EVENTS_MAX, ms > INT_MAX ? INT_MAX : (int)ms);
	}
#ifdef SYS_epoll_pwait2
got:
#endif
	for (int i = 0; i < n; i++)
		io_dispatch(evs[i].data.ptr, evs[i].events);
	if (sig_pending)
		sig_handle();
}

/* ---- process set-up ------------------------------------------------------ */

void unix_platform_init(void)
{
	if (sig_installed)
		return;
	/* Writes to a closed socket or pipe must fail with EPIPE, not kill
	 * the process; the stack also passes MSG_NOSIGNAL. */
	signal(SIGPIPE, SIG_IGN);

	sigemptyset(&sig_mask);
	sigaddset(&sig_mask, SIGINT);
	sigaddset(&sig_mask, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &sig_mask, NULL) != 0)
		plat_panic("sigprocmask failed");
	unix_io_init(&sig_io);
	int fd = signalfd(-1, &sig_mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0)
		plat_panic("signalfd failed");
	sig_io.on_event = sig_event;
	if (unix_io_add(&sig_io, fd) != 0)
		plat_panic("cannot watch the signalfd");
	sig_count = 0;
	sig_pending = false;
	sig_installed = true;
}

void unix_platform_fini(void)
{
	if (!sig_installed)
		return;
	unix_io_close(&sig_io);
	sigprocmask(SIG_UNBLOCK, &sig_mask, NULL);
	sig_installed = false;
}
