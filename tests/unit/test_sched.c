/* Unit tests of the scheduler (lib/sched.c): run order of spawn and yield,
 * timers and sleeps, many fibers, join and detach, conditions with
 * deadlines, timer cancellation, sched_stop, and the stack canary (in a
 * forked child that must die). SCHED_BENCH=1 also prints the cost of a
 * yield. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/platform.h"
#include "lib/sched.h"
#include "tests/unit/check.h"

#define MS 1000000ull

/* ---- a trace of events, compared as a string ---- */

static char trace[4096];

static void tr(const char *s)
{
	size_t n = strlen(trace);
	snprintf(trace + n, sizeof trace - n, "%s%s", n ? " " : "", s);
}

static void reset_trace(void)
{
	trace[0] = '\0';
}

/* ---- spawn and yield order ---- */

static void yielder(void *arg)
{
	const char *name = arg;
	for (int i = 0; i < 3; i++) {
		char buf[16];
		snprintf(buf, sizeof buf, "%s%d", name, i);
		tr(buf);
		fiber_yield();
	}
}

static void test_yield_order(void)
{
	reset_trace();
	struct fiber *a = fiber_spawn(yielder, "a", "a", 0);
	struct fiber *b = fiber_spawn(yielder, "b", "b", 0);
	struct fiber *c = fiber_spawn(yielder, "c", "c", 0);
	CHECK(a && b && c);
	fiber_detach(a);
	fiber_detach(b);
	fiber_detach(c);
	CHECK_EQ_INT(sched_run(), 0);
	CHECK_EQ_STR(trace, "a0 b0 c0 a1 b1 c1 a2 b2 c2");
}

static void child_fn(void *arg)
{
	(void)arg;
	tr("child");
}

static void parent_fn(void *arg)
{
	(void)arg;
	tr("p-start");
	struct fiber *c = fiber_spawn(child_fn, NULL, "child", 0);
	tr("p-spawned"); /* the child runs only when the parent gives way */
	fiber_yield();
	tr("p-after-yield");
	CHECK_EQ_INT(fiber_join(c), 0);
	tr("p-end");
}

static void test_spawn_order(void)
{
	reset_trace();
	fiber_detach(fiber_spawn(parent_fn, NULL, "parent", 0));
	CHECK_EQ_INT(sched_run(), 0);
	CHECK_EQ_STR(trace, "p-start p-spawned child p-after-yield p-end");
}

/* ---- sleeping ---- */

struct sleeper {
	uint64_t ns;
	const char *tag;
	uint64_t woke;
};

static void sleeper_fn(void *arg)
{
	struct sleeper *s = arg;
	uint64_t t0 = plat_monotonic_ns();
	CHECK_EQ_INT(fiber_sleep_ns(s->ns), 0);
	s->woke = plat_monotonic_ns();
	CHECK(s->woke - t0 >= s->ns);
	tr(s->tag);
}

static void test_sleep_order(void)
{
	reset_trace();
	struct sleeper s[] = {
		{ 30 * MS, "30", 0 }, { 10 * MS, "10", 0 }, { 20 * MS, "20", 0 }, { 0, "0", 0 }, { 1 * MS, "1", 0 },
	};
	for (size_t i = 0; i < sizeof s / sizeof s[0]; i++)
		fiber_detach(fiber_spawn(sleeper_fn, &s[i], s[i].tag, 0));
	uint64_t t0 = plat_monotonic_ns();
	CHECK_EQ_INT(sched_run(), 0);
	uint64_t el = plat_monotonic_ns() - t0;
	CHECK_EQ_STR(trace, "0 1 10 20 30");
	CHECK(el >= 30 * MS && el < 500 * MS);
}

/* Equal deadlines wake in the order the sleeps began. */
static uint64_t shared_deadline;

static void same_deadline_fn(void *arg)
{
	fiber_sleep_until(shared_deadline);
	tr(arg);
}

static void test_sleep_same_deadline(void)
{
	reset_trace();
	shared_deadline = plat_monotonic_ns() + 5 * MS;
	static const char *tags[] = { "s1", "s2", "s3", "s4", "s5", "s6" };
	for (int i = 0; i < 6; i++)
		fiber_detach(fiber_spawn(same_deadline_fn, (void *)tags[i], tags[i], 0));
	CHECK_EQ_INT(sched_run(), 0);
	CHECK_EQ_STR(trace, "s1 s2 s3 s4 s5 s6");
}

/* ---- many fibers ---- */

#define MANY 10000
static int many_sum;

static void many_fn(void *arg)
{
	for (int i = 0; i < 3; i++) {
		many_sum += (int)(intptr_t)arg;
		fiber_yield();
	}
	fiber_sleep_ns((uint64_t)((intptr_t)arg % 5) * MS);
	many_sum += 1;
}

static void many_main(void *arg)
{
	(void)arg;
	static struct fiber *fs[MANY];
	for (int i = 0; i < MANY; i++) {
		fs[i] = fiber_spawn(many_fn, (void *)(intptr_t)i, "many", 0);
		CHECK(fs[i] != NULL);
		if (!fs[i])
			return;
	}
	for (int i = 0; i < MANY; i++)
		CHECK_EQ_INT(fiber_join(fs[i]), 0);
}

static void test_many(void)
{
	struct sched_stats st0, st1;
	sched_get_stats(&st0);
	many_sum = 0;
	fiber_detach(fiber_spawn(many_main, NULL, "many-main", 0));
	CHECK_EQ_INT(sched_run(), 0);
	CHECK_EQ_INT(many_sum, 3 * (MANY * (MANY - 1) / 2) + MANY);
	sched_get_stats(&st1);
	CHECK_EQ_UINT(st1.spawned - st0.spawned, MANY + 1);
	CHECK_EQ_UINT(st1.live, 0);
	CHECK(st1.switches - st0.switches >= 4 * MANY);
}

/* ---- join and detach ---- */

static void quick_fn(void *arg)
{
	*(int *)arg += 1;
}

static void slow_fn(void *arg)
{
	fiber_sleep_ns(2 * MS);
	*(int *)arg += 10;
}

static void join_main(void *arg)
{
	(void)arg;
	int v = 0;
	struct fiber *q = fiber_spawn(quick_fn, &v, "quick", 0);
	struct fiber *s = fiber_spawn(slow_fn, &v, "slow", 0);
	fiber_yield(); /* quick finishes before being joined */
	CHECK_EQ_INT(v, 1);
	CHECK_EQ_INT(fiber_join(q), 0);
	CHECK_EQ_INT(fiber_join(s), 0); /* blocks until slow returns */
	CHECK_EQ_INT(v, 11);
	CHECK_EQ_INT(fiber_join(fiber_self()), -EINVAL);
	struct fiber *d = fiber_spawn(quick_fn, &v, "detached", 0);
	fiber_detach(d);
	CHECK_EQ_INT(fiber_join(d), -EINVAL);
	fiber_yield();
	CHECK_EQ_INT(v, 12);
	/* detach after the fiber has finished frees it at once */
	struct fiber *late = fiber_spawn(quick_fn, &v, "late", 0);
	fiber_yield();
	CHECK_EQ_INT(v, 13);
	fiber_detach(late);
	CHECK_EQ_STR(fiber_name(fiber_self()), "join-main");
}

static void test_join(void)
{
	fiber_detach(fiber_spawn(join_main, NULL, "join-main", 0));
	CHECK_EQ_INT(sched_run(), 0);
	struct sched_stats st;
	sched_get_stats(&st);
	CHECK_EQ_UINT(st.live, 0);
	CHECK_EQ_STR(fiber_name(NULL), "(scheduler)");
	CHECK(fiber_self() == NULL);
}

/* ---- conditions ---- */

static struct cond cv;
static int cv_rc[8];

static void waiter_fn(void *arg)
{
	int i = (int)(intptr_t)arg;
	char buf[16];
	cv_rc[i] = cond_wait(&cv, SCHED_FOREVER);
	snprintf(buf, sizeof buf, "w%d", i);
	tr(buf);
}

static void signaller_fn(void *arg)
{
	(void)arg;
	CHECK(cond_has_waiters(&cv));
	cond_signal(&cv); /* wakes w0, the longest waiter */
	fiber_yield();
	tr("sig");
	cond_broadcast(&cv);
	fiber_yield();
	CHECK(!cond_has_waiters(&cv));
	cond_signal(&cv); /* no waiter: nothing happens */
}

static void test_cond_signal(void)
{
	reset_trace();
	cond_init(&cv);
	CHECK(!cond_has_waiters(&cv));
	for (int i = 0; i < 4; i++)
		fiber_detach(fiber_spawn(waiter_fn, (void *)(intptr_t)i, "waiter", 0));
	fiber_detach(fiber_spawn(signaller_fn, NULL, "signaller", 0));
	CHECK_EQ_INT(sched_run(), 0);
	CHECK_EQ_STR(trace, "w0 sig w1 w2 w3");
	for (int i = 0; i < 4; i++)
		CHECK_EQ_INT(cv_rc[i], 0);
}

struct tw {
	uint64_t timeout;
	int rc;
	uint64_t waited;
};

static void timed_waiter_fn(void *arg)
{
	struct tw *w = arg;
	uint64_t t0 = plat_monotonic_ns();
	w->rc = cond_wait(&cv, t0 + w->timeout);
	w->waited = plat_monotonic_ns() - t0;
}

static void timed_signaller_fn(void *arg)
{
	(void)arg;
	fiber_sleep_ns(20 * MS);
	/* the 5 ms waiter has timed out and left the queue; the 100 ms one
	 * (queued second) is now the longest waiter */
	cond_signal(&cv);
}

static void past_deadline_fn(void *arg)
{
	(void)arg;
	CHECK_EQ_INT(cond_wait(&cv, 0), -ETIMEDOUT);
	CHECK_EQ_INT(cond_wait(&cv, 1), -ETIMEDOUT);
	CHECK(!cond_has_waiters(&cv));
}

static void test_cond_timeout(void)
{
	cond_init(&cv);
	struct tw w[3] = { { 5 * MS, 99, 0 }, { 100 * MS, 99, 0 }, { 40 * MS, 99, 0 } };
	for (int i = 0; i < 3; i++)
		fiber_detach(fiber_spawn(timed_waiter_fn, &w[i], "tw", 0));
	fiber_detach(fiber_spawn(timed_signaller_fn, NULL, "ts", 0));
	uint64_t t0 = plat_monotonic_ns();
	CHECK_EQ_INT(sched_run(), 0);
	uint64_t el = plat_monotonic_ns() - t0;
	CHECK_EQ_INT(w[0].rc, -ETIMEDOUT);
	CHECK(w[0].waited >= 5 * MS && w[0].waited < 20 * MS + 50 * MS);
	CHECK_EQ_INT(w[1].rc, 0);
	CHECK(w[1].waited >= 20 * MS && w[1].waited < 100 * MS);
	CHECK_EQ_INT(w[2].rc, -ETIMEDOUT);
	CHECK(w[2].waited >= 40 * MS);
	CHECK(el < 100 * MS); /* the signalled waiter's timer was cancelled */
	CHECK(!cond_has_waiters(&cv));

	fiber_detach(fiber_spawn(past_deadline_fn, NULL, "past", 0));
	CHECK_EQ_INT(sched_run(), 0);
}

/* ---- timers ---- */

static void timer_cb(struct timer *t, void *arg)
{
	(void)t;
	tr(arg);
}

static int periodic_left;
static void periodic_cb(struct timer *t, void *arg)
{
	(void)arg;
	tr("p");
	if (--periodic_left > 0)
		timer_start(t, t->deadline); /* re-armed for "now": fires next round, not in a loop */
}

static void test_timers(void)
{
	reset_trace();
	uint64_t now = plat_monotonic_ns();
	struct timer t1, t2, t3, t4;
	timer_init(&t1, timer_cb, "t1");
	timer_init(&t2, timer_cb, "t2");
	timer_init(&t3, timer_cb, "t3");
	timer_init(&t4, timer_cb, "t4");
	CHECK(!timer_pending(&t1));
	timer_start(&t1, now + 3 * MS);
	timer_start(&t2, now + 1 * MS);
	timer_start(&t3, now + 2 * MS);
	timer_start(&t4, now + 4 * MS);
	CHECK(timer_pending(&t1));
	timer_cancel(&t3);
	CHECK(!timer_pending(&t3));
	timer_cancel(&t3); /* twice is harmless */
	timer_start(&t4, now + 500 * 1000); /* re-arm earlier */
	CHECK_EQ_INT(sched_run(), 0);
	CHECK_EQ_STR(trace, "t4 t2 t1");
	CHECK(!timer_pending(&t1) && !timer_pending(&t2) && !timer_pending(&t4));

	reset_trace();
	struct timer p;
	timer_init(&p, periodic_cb, NULL);
	periodic_left = 3;
	timer_start(&p, plat_monotonic_ns());
	CHECK_EQ_INT(sched_run(), 0);
	CHECK_EQ_STR(trace, "p p p");
}

/* Many timers with deadlines in the past fire in one pass, sorted by
 * (deadline, arming order): a check of the heap under random starts,
 * re-arms and cancels. */
#define NT 2000
static struct timer heap_t[NT];
static uint64_t fired_deadline[NT];
static uint32_t fired_seq[NT];
static int nfired;

static void heap_cb(struct timer *t, void *arg)
{
	(void)arg;
	fired_deadline[nfired] = t->deadline;
	fired_seq[nfired] = t->seq;
	nfired++;
}

static void test_timer_heap(void)
{
	srand(12345);
	bool live[NT] = { false };
	for (int i = 0; i < NT; i++)
		timer_init(&heap_t[i], heap_cb, NULL);
	for (int step = 0; step < 20000; step++) {
		int i = rand() % NT;
		switch (rand() % 3) {
		case 0:
		case 1:
			timer_start(&heap_t[i], 1 + (uint64_t)(rand() % 500));
			live[i] = true;
			break;
		default:
			timer_cancel(&heap_t[i]);
			live[i] = false;
			break;
		}
	}
	int expect = 0;
	for (int i = 0; i < NT; i++) {
		CHECK_EQ_INT(timer_pending(&heap_t[i]), live[i]);
		expect += live[i];
	}
	nfired = 0;
	CHECK_EQ_INT(sched_run(), 0);
	CHECK_EQ_INT(nfired, expect);
	int bad = 0;
	for (int i = 1; i < nfired; i++)
		if (fired_deadline[i] < fired_deadline[i - 1] ||
		    (fired_deadline[i] == fired_deadline[i - 1] && (int32_t)(fired_seq[i] - fired_seq[i - 1]) < 0))
			bad++;
	CHECK_EQ_INT(bad, 0);
}

/* ---- sched_stop ---- */

static int stop_progress;

static void stopper_fn(void *arg)
{
	(void)arg;
	stop_progress = 1;
	sched_stop(7);
	sched_stop(8); /* the first code wins */
	fiber_yield();
	stop_progress = 2;
}

static void test_stop(void)
{
	stop_progress = 0;
	fiber_detach(fiber_spawn(stopper_fn, NULL, "stopper", 0));
	CHECK_EQ_INT(sched_run(), 7);
	CHECK_EQ_INT(stop_progress, 1);
	/* the stopped fiber is still there and finishes in the next run */
	CHECK_EQ_INT(sched_run(), 0);
	CHECK_EQ_INT(stop_progress, 2);
}

/* ---- floating-point state survives switches ---- */

static double fp_result[2];

static void fp_fn(void *arg)
{
	int id = (int)(intptr_t)arg;
	/* many values live across each yield: on AArch64 they sit in the
	 * callee-saved d8-d15, which the switch must preserve */
	double a = 1 + id, b = 2 + id, c = 3 + id, d = 4 + id, e = 5 + id, f = 6 + id, g = 7 + id, h = 8 + id;
	for (int i = 0; i < 100; i++) {
		a = a * 1.0001 + b;
		b = b * 0.9999 + c;
		c = c + d * 0.5;
		d = d - e * 0.25;
		e = e + f * 0.125;
		f = f * 1.5 - g;
		g = g + h * 0.001;
		h = h * 0.99;
		fiber_yield();
	}
	fp_result[id] = a + b + c + d + e + f + g + h;
}

static double fp_reference(int id)
{
	double a = 1 + id, b = 2 + id, c = 3 + id, d = 4 + id, e = 5 + id, f = 6 + id, g = 7 + id, h = 8 + id;
	for (int i = 0; i < 100; i++) {
		a = a * 1.0001 + b;
		b = b * 0.9999 + c;
		c = c + d * 0.5;
		d = d - e * 0.25;
		e = e + f * 0.125;
		f = f * 1.5 - g;
		g = g + h * 0.001;
		h = h * 0.99;
	}
	return a + b + c + d + e + f + g + h;
}

static void test_fp(void)
{
	fiber_detach(fiber_spawn(fp_fn, (void *)(intptr_t)0, "fp0", 0));
	fiber_detach(fiber_spawn(fp_fn, (void *)(intptr_t)1, "fp1", 0));
	CHECK_EQ_INT(sched_run(), 0);
	CHECK(fp_result[0] == fp_reference(0));
	CHECK(fp_result[1] == fp_reference(1));
}

/* ---- canary ---- */

static void smash_fn(void *arg)
{
	(void)arg;
	/* 16 KiB stack: the fiber's first frames sit in its top page, so
	 * the lowest usable byte (the canary) is three pages further down. */
	uintptr_t top_page = (uintptr_t)__builtin_frame_address(0) & ~(uintptr_t)4095;
	unsigned char *lo = (unsigned char *)(top_page - 3 * 4096);
	unsigned char zero[16] = { 0 };
	if (!memcmp(lo, zero, sizeof zero))
		_exit(3); /* not where the canary was expected */
	memset(lo, 0, 16);
	fiber_yield(); /* the switch away must notice */
	_exit(4);
}

static void test_canary(void)
{
	int pipefd[2];
	CHECK_EQ_INT(pipe(pipefd), 0);
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		dup2(pipefd[1], 2);
		close(pipefd[0]);
		fiber_detach(fiber_spawn(smash_fn, NULL, "smasher", 16 * 1024));
		sched_run();
		_exit(5);
	}
	close(pipefd[1]);
	char out[1024] = "";
	size_t got = 0;
	ssize_t n;
	while (got < sizeof out - 1 && (n = read(pipefd[0], out + got, sizeof out - 1 - got)) > 0)
		got += (size_t)n;
	out[got] = '\0';
	close(pipefd[0]);
	int status = 0;
	waitpid(pid, &status, 0);
	CHECK(WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status) != 0 &&
	                              WEXITSTATUS(status) != 3 && WEXITSTATUS(status) != 4 &&
	                              WEXITSTATUS(status) != 5));
	CHECK(strstr(out, "fiber 'smasher': stack overflow") != NULL);
	if (!strstr(out, "smasher"))
		fprintf(stderr, "child status %d, stderr: %s\n", status, out);
}

/* ---- optional measurement ---- */

static long bench_n;

static void bench_fn(void *arg)
{
	(void)arg;
	for (long i = 0; i < bench_n; i++)
		fiber_yield();
}

static void bench(void)
{
	bench_n = 2000000;
	fiber_detach(fiber_spawn(bench_fn, NULL, "b1", 0));
	fiber_detach(fiber_spawn(bench_fn, NULL, "b2", 0));
	struct sched_stats s0, s1;
	sched_get_stats(&s0);
	uint64_t t0 = plat_monotonic_ns();
	sched_run();
	uint64_t el = plat_monotonic_ns() - t0;
	sched_get_stats(&s1);
	printf("yield: 2 fibers x %ld yields: %.1f ns per fiber_yield, %.1f ns per context switch (%llu switches)\n",
	       bench_n, (double)el / (2.0 * (double)bench_n),
	       (double)el / (double)(s1.switches - s0.switches),
	       (unsigned long long)(s1.switches - s0.switches));
	struct fiber *f;
	t0 = plat_monotonic_ns();
	for (int i = 0; i < 100000; i++) {
		f = fiber_spawn(quick_fn, &(int){ 0 }, "q", 0);
		fiber_detach(f);
		if (i % 100 == 99)
			sched_run();
	}
	sched_run();
	el = plat_monotonic_ns() - t0;
	printf("spawn+run+exit: %.1f ns per fiber\n", (double)el / 100000.0);
}

int main(void)
{
	test_yield_order();
	test_spawn_order();
	test_sleep_order();
	test_sleep_same_deadline();
	test_many();
	test_join();
	test_cond_signal();
	test_cond_timeout();
	test_timers();
	test_timer_heap();
	test_stop();
	test_fp();
	test_canary();
	if (getenv("SCHED_BENCH"))
		bench();
	return check_report();
}
