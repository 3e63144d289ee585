/* Fault injection (devices/netif_fault.h and the wrapper's hooks): the
 * spec parser, loss and duplication rates for a given seed, reordering
 * that only ever swaps a frame with its successor, exact replay of a seed
 * and independence of the two directions, delay and hold timing inside the
 * real scheduler, the pool bound, and the wrapper applying faults to one
 * direction while capture sees the stack's side. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "netif_drv.h"
#include "devices/netif.h"
#include "devices/netif_fault.h"
#include "devices/netif_hooks.h"
#include "lib/platform.h"
#include "lib/prng.h"
#include "lib/sched.h"

/* ---- the spec ---- */

static int parse(const char *s, struct netif_fault_spec *out)
{
	const char *why = NULL;
	int rc = netif_fault_parse(s, strlen(s), out, &why);
	if (rc == 0)
		CHECK(why == NULL);
	else
		CHECK(why != NULL);
	return rc;
}

static void test_parse(void)
{
	struct netif_fault_spec s;
	char text[200];
	CHECK_EQ_INT(parse("loss:5,dup:1,reorder:10,delay:20ms,seed:42", &s), 0);
	CHECK_EQ_UINT(s.loss, 50000);
	CHECK_EQ_UINT(s.dup, 10000);
	CHECK_EQ_UINT(s.reorder, 100000);
	CHECK_EQ_UINT(s.delay_ns, 20000000);
	CHECK_EQ_UINT(s.hold_ns, NETIF_FAULT_HOLD_DEFAULT);
	CHECK_EQ_UINT(s.seed, 42);
	CHECK(s.seeded && s.rx && s.tx);
	CHECK_EQ_UINT(s.limit, NETIF_FAULT_LIMIT_DEFAULT);
	CHECK(netif_fault_active(&s));
	netif_fault_format(&s, text, sizeof text);
	CHECK_EQ_STR(text, "loss:5,dup:1,reorder:10,delay:20ms,seed:42");

	CHECK_EQ_INT(parse("loss=0.5%,dir:rx,limit:8,hold:500us,,", &s), 0);
	CHECK_EQ_UINT(s.loss, 5000);
	CHECK(s.rx && !s.tx && !s.seeded);
	CHECK_EQ_UINT(s.limit, 8);
	CHECK_EQ_UINT(s.hold_ns, 500000);
	netif_fault_format(&s, text, sizeof text);
	CHECK_EQ_STR(text, "loss:0.5,dir:rx,seed:0");
	CHECK_EQ_INT(parse("reorder:0.0625,hold:500us,delay:1s,limit:8,seed:3", &s), 0);
	CHECK_EQ_INT(netif_fault_format(&s, text, sizeof text), 49);
	CHECK_EQ_STR(text, "reorder:0.0625,delay:1s,hold:500us,limit:8,seed:3");
	CHECK_EQ_INT(netif_fault_format(&s, text, 8), 49);
	CHECK_EQ_STR(text, "reorder");

	CHECK_EQ_INT(parse("loss:12.3456,dup:100,dir:tx,seed:18446744073709551615", &s), 0);
	CHECK_EQ_UINT(s.loss, 123456);
	CHECK_EQ_UINT(s.dup, 1000000);
	CHECK_EQ_UINT(s.seed, UINT64_MAX);
	netif_fault_format(&s, text, sizeof text);
	struct netif_fault_spec back;
	CHECK_EQ_INT(parse(text, &back), 0); /* the canonical form reads back the same */
	CHECK(!memcmp(&back, &s, sizeof s));

	CHECK_EQ_INT(parse("", &s), 0);
	CHECK(!netif_fault_active(&s));
	CHECK_EQ_INT(parse("seed:9,dir:both", &s), 0);
	CHECK(!netif_fault_active(&s));

	static const char *const bad[] = {
		"loss:101", "loss:100.0001", "loss:12.34567", "loss:", "loss:.5", "loss:5x", "loss:-1",
		"bogus:1",  "loss",          "dir:up",        "delay:20", "seed:x", "limit:0", "hold:fast",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (parse(bad[i], &s) != -EINVAL)
			fprintf(stderr, "accepted bad spec '%s'\n", bad[i]);
	}
}

/* ---- a recorder for what comes out ---- */

#define MAXOUT 60000

struct rec {
	uint32_t seq[MAXOUT];
	int dir[MAXOUT];
	uint64_t when[MAXOUT];
	unsigned n;
	unsigned same_pointer; /* handed on without a copy */
	const void *last_in;
};

static struct rec R1, R2;

static int rec_out(void *arg, enum netif_fault_dir dir, const struct io_vec *iov, unsigned niov)
{
	struct rec *r = arg;
	CHECK_EQ_UINT(niov >= 1, 1);
	uint32_t seq;
	memcpy(&seq, iov[0].base, 4);
	if (iov[0].base == r->last_in)
		r->same_pointer++;
	if (r->n < MAXOUT) {
		r->seq[r->n] = seq;
		r->dir[r->n] = dir;
		r->when[r->n] = plat_monotonic_ns();
		r->n++;
	}
	return 0;
}

static void feed(struct netif_fault *f, struct rec *r, enum netif_fault_dir dir, uint32_t seq)
{
	uint8_t frame[64];
	memset(frame, 0, sizeof frame);
	memcpy(frame, &seq, 4);
	struct io_vec v = { frame, sizeof frame };
	r->last_in = frame;
	netif_fault_input(f, dir, &v, 1);
	r->last_in = NULL;
}

static void start(struct netif_fault *f, const char *text, struct rec *r)
{
	struct netif_fault_spec s;
	CHECK_EQ_INT(parse(text, &s), 0);
	memset(r, 0, sizeof *r);
	CHECK_EQ_INT(netif_fault_start(f, &s, 1518, rec_out, r), 0);
}

/* ---- rates, reordering, replay ---- */

static void test_rates(void)
{
	struct netif_fault f;
	start(&f, "loss:5,dup:1,seed:42,dir:rx", &R1);
	for (uint32_t i = 0; i < 50000; i++)
		feed(&f, &R1, NETIF_FAULT_RX, i);
	const struct netif_fault_stats *st = &f.q[NETIF_FAULT_RX].stats;
	CHECK_EQ_UINT(st->frames, 50000);
	/* 5% of 50000 = 2500 (sd 49), 1% of the rest = 475 (sd 22). */
	CHECK(st->lost > 2300 && st->lost < 2700);
	CHECK(st->duplicated > 400 && st->duplicated < 560);
	CHECK_EQ_UINT(st->out, 50000 - st->lost + st->duplicated);
	CHECK_EQ_UINT(R1.n, st->out);
	CHECK_EQ_UINT(R1.same_pointer, R1.n); /* nothing was copied */
	CHECK_EQ_UINT(st->reordered + st->delayed + st->overflow, 0);
	/* In order; a duplicate right behind its original. */
	for (unsigned i = 1; i < R1.n; i++)
		CHECK(R1.seq[i] >= R1.seq[i - 1]);
	/* tx was not selected: it passes untouched. */
	feed(&f, &R1, NETIF_FAULT_TX, 7);
	CHECK_EQ_UINT(f.q[NETIF_FAULT_TX].stats.lost, 0);
	CHECK_EQ_UINT(R1.seq[R1.n - 1], 7);
	netif_fault_stop(&f);
	printf("rates: %llu lost, %llu duplicated of 50000\n", (unsigned long long)st->lost,
	       (unsigned long long)st->duplicated);
}

static void run_mix(struct rec *r, const char *spec, uint32_t frames, struct netif_fault_stats *out)
{
	struct netif_fault f;
	start(&f, spec, r);
	for (uint32_t i = 0; i < frames; i++)
		feed(&f, r, NETIF_FAULT_RX, i);
	netif_fault_stop(&f);
	*out = f.q[NETIF_FAULT_RX].stats;
}

static void test_reorder_and_replay(void)
{
	struct netif_fault_stats a, b;
	run_mix(&R1, "loss:5,dup:1,reorder:10,seed:42", 20000, &a);
	run_mix(&R2, "loss:5,dup:1,reorder:10,seed:42", 20000, &b);
	CHECK(!memcmp(&a, &b, sizeof a));
	CHECK_EQ_UINT(R1.n, R2.n);
	CHECK(!memcmp(R1.seq, R2.seq, R1.n * sizeof R1.seq[0]));
	CHECK(a.reordered > 1400 && a.reordered < 2000);
	CHECK(a.lost > 900 && a.lost < 1100);
	printf("replay: %llu lost, %llu duplicated, %llu reordered of 20000, %u out\n", (unsigned long long)a.lost,
	       (unsigned long long)a.duplicated, (unsigned long long)a.reordered, R1.n);

	/* Drop the duplicates (first copy kept): every frame is at most one
	 * place from where order would put it, and each held frame is
	 * exactly one swap. */
	static uint32_t uniq[MAXOUT];
	static uint8_t seen[20000];
	memset(seen, 0, sizeof seen);
	unsigned n = 0, swaps = 0;
	for (unsigned i = 0; i < R1.n; i++) {
		if (!seen[R1.seq[i]]) {
			seen[R1.seq[i]] = 1;
			uniq[n++] = R1.seq[i];
		}
	}
	for (unsigned i = 1; i < n; i++) {
		if (uniq[i] < uniq[i - 1]) {
			swaps++;
			CHECK(i + 1 >= n || uniq[i + 1] > uniq[i - 1]);
			CHECK(i < 2 || uniq[i] > uniq[i - 2]);
		}
	}
	CHECK_EQ_UINT(n + a.lost, 20000);
	/* A held frame whose duplicate went ahead shows no swap once
	 * duplicates are dropped, and the last held frame, if any, was
	 * dropped by stop. */
	CHECK(swaps <= a.reordered && swaps + a.duplicated + 1 >= a.reordered);

	/* Another seed, another run. */
	run_mix(&R2, "loss:5,dup:1,reorder:10,seed:43", 20000, &b);
	CHECK(R1.n != R2.n || memcmp(R1.seq, R2.seq, R1.n * sizeof R1.seq[0]));

	/* The fate of rx frames does not depend on tx frames between them. */
	run_mix(&R1, "loss:20,dup:5,seed:5", 3000, &a);
	struct netif_fault f;
	start(&f, "loss:20,dup:5,seed:5", &R2);
	struct prng p;
	prng_seed(&p, 99);
	for (uint32_t i = 0; i < 3000; i++) {
		while (prng_below(&p, 3) == 0)
			feed(&f, &R2, NETIF_FAULT_TX, 1000000 + i);
		feed(&f, &R2, NETIF_FAULT_RX, i);
	}
	netif_fault_stop(&f);
	unsigned k = 0;
	bool same = true;
	for (unsigned i = 0; i < R2.n; i++) {
		if (R2.dir[i] != NETIF_FAULT_RX)
			continue;
		if (k >= R1.n || R1.seq[k] != R2.seq[i])
			same = false;
		k++;
	}
	CHECK(same && k == R1.n);
	CHECK(f.q[NETIF_FAULT_TX].stats.lost > 0);
}

/* ---- timing, in the scheduler ---- */

static void timing_main(void *arg)
{
	(void)arg;
	struct netif_fault f;

	/* Delay: nothing comes out before it, then everything, in order. */
	start(&f, "delay:20ms,seed:1", &R1);
	uint64_t t0 = plat_monotonic_ns();
	for (uint32_t i = 0; i < 10; i++)
		feed(&f, &R1, NETIF_FAULT_RX, i);
	CHECK_EQ_UINT(R1.n, 0);
	CHECK_EQ_UINT(netif_fault_pending(&f, NETIF_FAULT_RX), 10);
	fiber_sleep_ns(10000000);
	CHECK_EQ_UINT(R1.n, 0);
	fiber_sleep_until(t0 + 60000000);
	CHECK_EQ_UINT(R1.n, 10);
	for (unsigned i = 0; i < R1.n; i++) {
		CHECK_EQ_UINT(R1.seq[i], i);
		CHECK(R1.when[i] >= t0 + 20000000);
	}
	CHECK_EQ_UINT(R1.same_pointer, 0); /* copies */
	CHECK_EQ_UINT(f.q[NETIF_FAULT_RX].stats.delayed, 10);
	netif_fault_stop(&f);

	/* Reorder without a successor: the hold time releases it. */
	start(&f, "reorder:100,hold:5ms,seed:1", &R1);
	t0 = plat_monotonic_ns();
	feed(&f, &R1, NETIF_FAULT_RX, 1);
	CHECK_EQ_UINT(R1.n, 0);
	fiber_sleep_ns(30000000);
	CHECK_EQ_UINT(R1.n, 1);
	CHECK(R1.n == 1 && R1.when[0] >= t0 + 5000000);
	/* With a successor: the two swap at once. */
	feed(&f, &R1, NETIF_FAULT_RX, 2);
	CHECK_EQ_UINT(R1.n, 1);
	feed(&f, &R1, NETIF_FAULT_RX, 3);
	CHECK_EQ_UINT(R1.n, 3);
	CHECK(R1.seq[1] == 3 && R1.seq[2] == 2);
	netif_fault_stop(&f);

	/* Reorder under delay: the held frame follows its successor, both
	 * after the delay. */
	start(&f, "reorder:50,delay:5ms,seed:3", &R1);
	for (uint32_t i = 0; i < 200; i++)
		feed(&f, &R1, NETIF_FAULT_RX, i);
	fiber_sleep_ns(40000000);
	CHECK_EQ_UINT(R1.n, 200);
	unsigned swaps = 0;
	for (unsigned i = 1; i < R1.n; i++)
		if (R1.seq[i] < R1.seq[i - 1])
			swaps++;
	CHECK(swaps > 0);
	CHECK_EQ_UINT(swaps, f.q[NETIF_FAULT_RX].stats.reordered);
	netif_fault_stop(&f);

	/* The pool bound. */
	start(&f, "delay:1s,limit:4,seed:1", &R1);
	for (uint32_t i = 0; i < 10; i++)
		feed(&f, &R1, NETIF_FAULT_RX, i);
	CHECK_EQ_UINT(f.q[NETIF_FAULT_RX].stats.delayed, 4);
	CHECK_EQ_UINT(f.q[NETIF_FAULT_RX].stats.overflow, 6);
	CHECK_EQ_UINT(netif_fault_pending(&f, NETIF_FAULT_RX), 4);
	netif_fault_stop(&f);
	CHECK_EQ_UINT(f.q[NETIF_FAULT_RX].stats.lost, 4);
	CHECK_EQ_UINT(R1.n, 0);
}

static void test_timing(void)
{
	struct fiber *fb = fiber_spawn(timing_main, NULL, "timing", 0);
	CHECK(fb != NULL);
	fiber_detach(fb);
	CHECK_EQ_INT(sched_run(), 0);
}

/* ---- through the wrapper ---- */

static unsigned sink_writes;
static size_t sink_bytes;
static int count_write(void *arg, const struct io_vec *iov, unsigned niov)
{
	(void)arg;
	sink_writes++;
	for (unsigned i = 0; i < niov; i++)
		sink_bytes += iov[i].len;
	return 0;
}

static void test_wrapper(void)
{
	struct fake_drv drv = { 0 };
	struct netif n = { .name = "net", .ops = &drv_ops, .state = &drv };
	struct netif_hooks hooks;
	struct netif_sink sink = { count_write, NULL, NULL };
	CHECK_EQ_INT(netif_hooks_attach(&n, &hooks, "loss:50,seed:7,dir:tx", &sink), 0);
	netif_set_rx(&n, app_rx, NULL);
	uint8_t f[100];
	memset(f, 0, sizeof f);
	struct io_vec v = { f, sizeof f };
	for (int i = 0; i < 1000; i++) {
		CHECK_EQ_INT(netif_send(&n, &v, 1), 0); /* a lost frame was still "sent" */
		drv.rx(drv.rx_arg, f, sizeof f);
	}
	CHECK_EQ_UINT(app_frames, 1000); /* rx untouched */
	CHECK(drv.sent > 430 && drv.sent < 570);
	CHECK_EQ_UINT(n.frames_out, 1000);
	CHECK_EQ_UINT(hooks.fault.q[NETIF_FAULT_TX].stats.lost + drv.sent, 1000);
	unsigned sent_first = drv.sent;
	netif_hooks_detach(&n, &hooks);
	/* Capture saw the stack's side: all 2000 frames. */
	CHECK_EQ_UINT(sink_bytes, 24 + 2000 * (16 + 100));

	/* Same seed, same losses. */
	drv.sent = 0;
	CHECK_EQ_INT(netif_hooks_attach(&n, &hooks, "loss:50,seed:7,dir:tx", NULL), 0);
	for (int i = 0; i < 1000; i++)
		netif_send(&n, &v, 1);
	CHECK_EQ_UINT(drv.sent, sent_first);
	netif_hooks_detach(&n, &hooks);
}

int main(void)
{
	test_parse();
	test_rates();
	test_reorder_and_replay();
	test_timing();
	test_wrapper();
	return check_report();
}
