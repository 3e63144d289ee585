/* Unit test of the small UNIX devices: console "stdout" (line buffering,
 * flush, a full non-blocking pipe that makes the writer wait, a broken
 * pipe, flush on disconnect), clock "unix" and random "getrandom". The
 * console writes into a pipe the test reads. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backends/unix/clock_unix.h"
#include "backends/unix/console_stdout.h"
#include "backends/unix/random_getrandom.h"
#include "check.h"
#include "lib/platform.h"
#include "lib/sched.h"

#define MS 1000000ull

/* What is in the pipe right now (non-blocking read end). */
static size_t drain_now(int fd, char *buf, size_t cap)
{
	size_t got = 0;
	for (;;) {
		ssize_t n = read(fd, buf + got, cap - 1 - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	buf[got] = '\0';
	return got;
}

static void test_line_buffering(void)
{
	struct console con = { .name = "console" };
	struct console_stdout st;
	int fds[2];
	char buf[16384];

	CHECK_EQ_INT(pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0);
	CHECK_EQ_INT(console_stdout_connect_fd(&con, &st, fds[1]), 0);
	CHECK_EQ_STR(con.ops->name, "stdout");

	CHECK_EQ_INT(console_write(&con, "abc", 3), 3);
	CHECK_EQ_UINT(drain_now(fds[0], buf, sizeof buf), 0); /* held back */
	CHECK_EQ_INT(console_write(&con, "def\nxy", 6), 6);
	CHECK_EQ_UINT(drain_now(fds[0], buf, sizeof buf), 9);
	CHECK_EQ_STR(buf, "abcdef\nxy");
	CHECK_EQ_INT(console_write(&con, "z", 1), 1);
	CHECK_EQ_INT(console_flush(&con), 0);
	CHECK_EQ_UINT(drain_now(fds[0], buf, sizeof buf), 1);
	CHECK_EQ_STR(buf, "z");

	/* More than the buffer holds, without a newline: goes out in pieces. */
	char big[10000];
	memset(big, 'q', sizeof big);
	CHECK_EQ_INT(console_write(&con, big, sizeof big), (long)sizeof big);
	size_t n = drain_now(fds[0], buf, sizeof buf);
	CHECK(n >= sizeof big - CONSOLE_STDOUT_BUF && n < sizeof big);

	/* Formatted output through the shared helper. */
	console_printf(&con, "%d-%s\n", 42, "x");
	n += drain_now(fds[0], buf, sizeof buf);
	CHECK_EQ_UINT(n, sizeof big + 5);
	CHECK(strstr(buf, "42-x\n") != NULL);

	/* A partial line is written out on disconnect. */
	CHECK_EQ_INT(console_write(&con, "tail", 4), 4);
	console_stdout_disconnect(&st);
	CHECK_EQ_UINT(drain_now(fds[0], buf, sizeof buf), 4);
	CHECK_EQ_STR(buf, "tail");
	close(fds[0]);
	close(fds[1]);
}

/* ---- a full pipe: the writer fiber waits, a slow reader drains ---- */

#define LINES 400
#define LINE_LEN 100

struct slow {
	int rfd;
	size_t got;
	bool in_order;
	char acc[LINES * LINE_LEN + 1];
};

static void slow_reader(void *arg)
{
	struct slow *s = arg;
	uint64_t end = plat_monotonic_ns() + 5000 * MS;
	while (s->got < (size_t)LINES * LINE_LEN && plat_monotonic_ns() < end) {
		ssize_t n = read(s->rfd, s->acc + s->got, 700);
		if (n > 0)
			s->got += (size_t)n;
		fiber_sleep_ns(MS / 2);
	}
	s->acc[s->got] = '\0';
}

static void writer_fiber(void *arg)
{
	(void)arg;
	struct console con;
	struct console_stdout st;
	struct slow s = { .in_order = true };
	int fds[2];

	CHECK_EQ_INT(pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0);
	fcntl(fds[1], F_SETPIPE_SZ, 4096);
	s.rfd = fds[0];
	console_stdout_connect_fd(&con, &st, fds[1]);
	struct fiber *r = fiber_spawn(slow_reader, &s, "slow-reader", 0);
	for (int i = 0; i < LINES; i++) {
		char line[LINE_LEN + 1];
		snprintf(line, sizeof line, "%04d %0*d\n", i, LINE_LEN - 6, 0);
		CHECK_EQ_INT(console_write(&con, line, LINE_LEN), LINE_LEN);
	}
	console_flush(&con);
	fiber_join(r);
	CHECK_EQ_UINT(s.got, (size_t)LINES * LINE_LEN);
	for (int i = 0; i < LINES && (size_t)(i + 1) * LINE_LEN <= s.got; i++) {
		char want[6];
		snprintf(want, sizeof want, "%04d ", i);
		s.in_order &= memcmp(s.acc + (size_t)i * LINE_LEN, want, 5) == 0;
	}
	CHECK(s.in_order);
	console_stdout_disconnect(&st);

	/* Nobody reads any more: the error is reported and sticks. */
	close(fds[0]);
	console_stdout_connect_fd(&con, &st, fds[1]);
	CHECK_EQ_INT(console_write(&con, "lost\n", 5), -EPIPE);
	CHECK_EQ_INT(console_write(&con, "more\n", 5), -EPIPE);
	console_stdout_disconnect(&st);
	close(fds[1]);
}

static void test_clock_random(void)
{
	struct clock clk;
	struct clock_unix cs;
	struct clock_unix_config cc = { 0 };
	CHECK_EQ_INT(clock_unix_connect(&clk, &cs, &cc), 0);
	uint64_t a = clock_monotonic_ns(&clk), b = clock_monotonic_ns(&clk);
	CHECK(a > 0 && b >= a);
	int64_t w = clock_wall_ns(&clk) / 1000000000;
	CHECK(w - (int64_t)time(NULL) <= 1 && (int64_t)time(NULL) - w <= 1);
	clock_unix_disconnect(&cs);

	struct random rnd;
	struct random_getrandom rs;
	struct random_getrandom_config rc = { 0 };
	unsigned char x[64] = { 0 }, y[64] = { 0 };
	CHECK_EQ_INT(random_getrandom_connect(&rnd, &rs, &rc), 0);
	CHECK_EQ_INT(random_fill(&rnd, x, sizeof x), 0);
	CHECK_EQ_INT(random_fill(&rnd, y, sizeof y), 0);
	CHECK(memcmp(x, y, sizeof x) != 0);
	CHECK_EQ_UINT(rnd.stats.bytes_in, 128);
	random_getrandom_disconnect(&rs);
}

int main(void)
{
	/* As the platform does for real programs (unix_platform_init). */
	signal(SIGPIPE, SIG_IGN);
	test_line_buffering();
	test_clock_random();
	fiber_detach(fiber_spawn(writer_fiber, NULL, "writer", 0));
	CHECK_EQ_INT(sched_run(), 0);
	return check_report();
}
