/* Unit test of the UNIX platform layer: plat_wait's timeouts (including
 * sub-millisecond ones), timers firing in order through the scheduler,
 * descriptor readiness through unix_io, fiber stacks with a guard page,
 * clocks and entropy, and SIGTERM turning into a clean stop of a running
 * app (runtime_main returns 0, devices disconnected). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "backends/unix/unix_io.h"
#include "check.h"
#include "lib/platform.h"
#include "lib/runtime.h"
#include "lib/sched.h"

#define MS 1000000ull
#define US 1000ull

static void test_wait_timeouts(void)
{
	uint64_t t0 = plat_monotonic_ns();
	plat_wait(0);
	CHECK(plat_monotonic_ns() - t0 < 50 * MS);

	/* Nothing registered fires: plat_wait returns at the deadline, not
	 * before, and not much after. */
	uint64_t deadline = plat_monotonic_ns() + 20 * MS;
	plat_wait(deadline);
	uint64_t now = plat_monotonic_ns();
	CHECK(now >= deadline);
	CHECK(now - deadline < 100 * MS);

	/* Sub-millisecond: epoll_pwait2's nanosecond timeout (or a 1 ms
	 * round-up without it), never early. */
	deadline = plat_monotonic_ns() + 300 * US;
	plat_wait(deadline);
	now = plat_monotonic_ns();
	CHECK(now >= deadline);
	CHECK(now - deadline < 100 * MS);

	/* A deadline in the past polls. */
	t0 = plat_monotonic_ns();
	plat_wait(1);
	CHECK(plat_monotonic_ns() - t0 < 50 * MS);
}

/* ---- timers through the scheduler ---- */

#define NTIMERS 6
static struct timer timers[NTIMERS];
static int order[NTIMERS], nfired;
static uint64_t late_max;
static struct cond all_fired;

static void on_timer(struct timer *t, void *arg)
{
	uint64_t now = plat_monotonic_ns();
	if (now < t->deadline)
		late_max = UINT64_MAX; /* early: a failure */
	else if (now - t->deadline > late_max)
		late_max = now - t->deadline;
	order[nfired++] = (int)(intptr_t)arg;
	if (nfired == NTIMERS)
		cond_signal(&all_fired);
}

static void timer_fiber(void *arg)
{
	(void)arg;
	/* Armed out of order; two share a deadline (first armed fires first). */
	static const int ms[NTIMERS] = { 30, 10, 20, 5, 20, 1 };
	static const int want[NTIMERS] = { 5, 3, 1, 2, 4, 0 };
	uint64_t base = plat_monotonic_ns();
	for (int i = 0; i < NTIMERS; i++) {
		timer_init(&timers[i], on_timer, (void *)(intptr_t)i);
		timer_start(&timers[i], base + (uint64_t)ms[i] * MS);
	}
	cond_init(&all_fired);
	CHECK_EQ_INT(cond_wait(&all_fired, base + 2000 * MS), 0);
	CHECK_EQ_INT(nfired, NTIMERS);
	for (int i = 0; i < NTIMERS; i++)
		CHECK_EQ_INT(order[i], want[i]);
	CHECK(late_max < 100 * MS);
}

/* ---- unix_io on a pipe ---- */

struct pipe_test {
	struct unix_io rd;
	int wfd;
	int rc_wait, rc_closed;
	char got[16];
};

static void pipe_reader(void *arg)
{
	struct pipe_test *p = arg;
	p->rc_wait = unix_io_wait_readable(&p->rd, plat_monotonic_ns() + 2000 * MS);
	ssize_t n = read(p->rd.fd, p->got, sizeof p->got - 1);
	if (n > 0)
		p->got[n] = '\0';
	/* Drained: wait again, and be woken by a close instead. */
	p->rd.can_read = false;
	p->rc_closed = unix_io_wait_readable(&p->rd, plat_monotonic_ns() + 2000 * MS);
}

static void pipe_fiber(void *arg)
{
	(void)arg;
	struct pipe_test p;
	int fds[2];
	CHECK_EQ_INT(pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0);
	unix_io_init(&p.rd);
	memset(p.got, 0, sizeof p.got);
	p.wfd = fds[1];
	CHECK_EQ_INT(unix_io_add(&p.rd, fds[0]), 0);
	struct fiber *r = fiber_spawn(pipe_reader, &p, "pipe-reader", 0);
	fiber_sleep_ns(10 * MS);
	CHECK(cond_has_waiters(&p.rd.readable));
	CHECK_EQ_INT(write(p.wfd, "ping", 4), 4);
	fiber_sleep_ns(10 * MS);
	CHECK_EQ_INT(p.rc_wait, 0);
	CHECK_EQ_STR(p.got, "ping");
	unix_io_close(&p.rd);
	fiber_join(r);
	CHECK_EQ_INT(p.rc_closed, -ECANCELED);
	/* Waiting on a closed io fails at once; a set flag still reads as ready. */
	CHECK_EQ_INT(unix_io_wait_readable(&p.rd, SCHED_FOREVER), -EBADF);
	p.rd.can_read = true;
	CHECK_EQ_INT(unix_io_wait_readable(&p.rd, SCHED_FOREVER), 0);

	/* Timeout while nothing arrives. */
	struct unix_io w;
	CHECK_EQ_INT(pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0);
	unix_io_init(&w);
	CHECK_EQ_INT(unix_io_add(&w, fds[0]), 0);
	uint64_t t0 = plat_monotonic_ns();
	CHECK_EQ_INT(unix_io_wait_readable(&w, t0 + 20 * MS), -ETIMEDOUT);
	CHECK(plat_monotonic_ns() - t0 >= 20 * MS);
	CHECK_EQ_INT(unix_io_del(&w), 0);
	close(fds[0]);
	close(fds[1]);
	close(p.wfd);
}

/* ---- stacks, clocks, entropy ---- */

static void test_stacks(void)
{
	size_t size = 64 * 1024;
	unsigned char *s = plat_stack_alloc(size);
	CHECK(s != NULL);
	if (!s)
		return;
	memset(s, 0xa5, size); /* all of it usable */
	CHECK_EQ_INT(s[0] + s[size - 1], 2 * 0xa5);
	/* The page below faults: try it in a child. */
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		signal(SIGSEGV, SIG_DFL);
		volatile unsigned char *below = s - 1;
		*below = 1;
		_exit(0);
	}
	int status = 0;
	waitpid(pid, &status, 0);
	CHECK(!(WIFEXITED(status) && WEXITSTATUS(status) == 0));
	plat_stack_free(s, size);
	/* Odd sizes are rounded up to pages. */
	s = plat_stack_alloc(1000);
	CHECK(s != NULL);
	if (s) {
		memset(s, 0, 1000);
		plat_stack_free(s, 1000);
	}
	CHECK(plat_stack_alloc(0) == NULL);
}

static void test_clocks_entropy(void)
{
	uint64_t a = plat_monotonic_ns(), b = plat_monotonic_ns();
	CHECK(b >= a);
	int64_t wall = plat_wall_ns();
	CHECK(wall / 1000000000 - (int64_t)time(NULL) <= 1);
	CHECK(wall / 1000000000 - (int64_t)time(NULL) >= -1);

	unsigned char x[32], y[32], zero[32] = { 0 };
	plat_entropy(x, sizeof x);
	plat_entropy(y, sizeof y);
	CHECK(memcmp(x, y, sizeof x) != 0);
	CHECK(memcmp(x, zero, sizeof x) != 0);
	CHECK_EQ_INT(unix_getrandom(x, 0), 0);

	void *p = plat_alloc(24);
	CHECK(p != NULL && ((uintptr_t)p & 15) == 0);
	p = plat_realloc(p, 4096);
	CHECK(p != NULL && ((uintptr_t)p & 15) == 0);
	plat_free(p);
	p = plat_calloc(10, 10);
	CHECK(p != NULL && ((unsigned char *)p)[99] == 0);
	plat_free(p);
}

/* ---- SIGTERM stops a running app cleanly ---- */

static int connected, disconnected;
static uint64_t stop_t0;

static int fake_connect(void)
{
	connected++;
	return 0;
}

static void fake_disconnect(void)
{
	disconnected++;
}

static int fake_entry(void)
{
	stop_t0 = plat_monotonic_ns();
	kill(getpid(), SIGTERM);
	/* The stop must end this app long before the sleep would. */
	fiber_sleep_ns(10000 * MS);
	return 3;
}

static const struct devtab_entry fake_devices[] = {
	{ "thing", "console", "fake", fake_connect, fake_disconnect },
};

static const struct runtime_app fake_app = {
	.name = "fake",
	.target = "unix-socket",
	.summary = "a test app that stops itself with SIGTERM",
	.devices = fake_devices,
	.ndevices = 1,
	.params = NULL,
	.nparams = 0,
	.entry = fake_entry,
};

static void test_signal_stop(void)
{
	char arg0[] = "fake";
	char *argv[] = { arg0, NULL };

	unix_platform_init();
	unix_platform_init(); /* idempotent */
	int rc = runtime_main(&fake_app, 1, argv);
	uint64_t dt = plat_monotonic_ns() - stop_t0;
	CHECK_EQ_INT(rc, 0);
	CHECK_EQ_INT(connected, 1);
	CHECK_EQ_INT(disconnected, 1);
	CHECK(dt < 2000 * MS);
	unix_platform_fini();

	/* Afterwards SIGTERM is back to its default: a child dies of it. */
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		raise(SIGTERM);
		_exit(0);
	}
	int status = 0;
	waitpid(pid, &status, 0);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
}

int main(void)
{
	test_wait_timeouts();
	test_stacks();
	test_clocks_entropy();

	fiber_detach(fiber_spawn(timer_fiber, NULL, "timers", 0));
	CHECK_EQ_INT(sched_run(), 0);
	fiber_detach(fiber_spawn(pipe_fiber, NULL, "pipe", 0));
	CHECK_EQ_INT(sched_run(), 0);

	test_signal_stop();
	return check_report();
}
