/* The cooperative scheduler behind lib/sched.h: fibers on their own
 * stacks switched by lib/ctx_ARCH.S, a FIFO run queue, a binary min-heap
 * of timers, and conditions as intrusive wait queues. It runs on the
 * platform's initial stack (the "scheduler context"), which is also where
 * timer callbacks and plat_wait()'s event dispatch run.
 *
 * Work is done in rounds: the fibers runnable when a round starts each run
 * once, passing control directly from one fiber to the next (one context
 * switch per hand-off); fibers made runnable during the round wait for the
 * next one. Between rounds the scheduler reads the clock, fires due timers
 * and polls the platform for events (at most every SCHED_POLL_NS while
 * fibers stay runnable, so a yield loop does not cost a system call per
 * round), or blocks in plat_wait() when nothing is runnable. */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lib/ctx.h"
#include "lib/fmt.h"
#include "lib/platform.h"
#include "lib/sched.h"

#define FIBER_NAME_MAX 32
#define FIBER_STACK_MIN (16u * 1024u)
#define STACK_PAGE 4096u
#define STACK_CACHE_MAX 128
#define SCHED_POLL_NS 50000u
#define CANARY_MAGIC UINT64_C(0x5ca1ab1e0ddba11f)

/* AddressSanitizer must be told about every stack switch, or it reports
 * false errors on fiber stacks. The hooks are weak so that the same object
 * works in plain builds (where they are NULL) and in sanitized test
 * programs, whether or not this file itself was instrumented. */
extern void __sanitizer_start_switch_fiber(void **fake_stack_save, const void *bottom, size_t size)
	__attribute__((weak));
extern void __sanitizer_finish_switch_fiber(void *fake_stack_save, const void **bottom_old,
                                            size_t *size_old) __attribute__((weak));
extern void __asan_unpoison_memory_region(void const volatile *addr, size_t size)
	__attribute__((weak));

enum fiber_state { FIBER_RUNNABLE, FIBER_RUNNING, FIBER_BLOCKED, FIBER_DONE };

/* Lives at the top of its own stack, so a spawn costs no allocation
 * beyond the stack (usually taken from a cache). */
struct fiber {
	void *sp;                        /* saved stack pointer while switched out */
	struct fiber *rq_next;           /* run queue link */
	struct fiber *wq_prev, *wq_next; /* link in a cond's wait queue */
	struct cond *wait_cond;          /* the cond waited on, NULL otherwise */
	struct fiber *joiner;
	fiber_fn fn;
	void *arg;
	uint8_t *stack_lo; /* lowest usable byte: the canary */
	size_t stack_size;
	void *asan_fake;
	struct timer timer; /* sleeps and cond deadlines */
	int wait_rc;
	uint8_t state;
	bool detached;
	char name[FIBER_NAME_MAX];
};

static struct {
	struct fiber *cur; /* NULL on the scheduler context */
	void *sched_sp;
	struct fiber *rq_head, *rq_tail;
	size_t rq_len;
	size_t round_left; /* fibers still to run in the current round */
	struct fiber *reap;  /* a fiber that just returned */

	struct timer **heap; /* 1-based binary min-heap */
	uint32_t nheap, heap_cap;
	uint32_t timer_seq;

	uint64_t now;       /* clock at the start of the current round */
	uint64_t last_poll; /* when the platform was last asked for events */
	bool just_waited;
	bool stop;
	int stop_code;

	void *stack_cache[STACK_CACHE_MAX];
	unsigned ncache;

	struct sched_stats st;

	/* AddressSanitizer bookkeeping for the scheduler's own stack. */
	const void *sched_stk_lo;
	size_t sched_stk_size;
	void *sched_fake;
	bool from_sched;
} S;

/* ---- AddressSanitizer hand-offs ---- */

static inline void asan_start(void **fake_save, const void *lo, size_t size)
{
	if (__sanitizer_start_switch_fiber)
		__sanitizer_start_switch_fiber(fake_save, lo, size);
}

static inline void asan_finish(void *fake)
{
	if (__sanitizer_finish_switch_fiber) {
		const void *lo;
		size_t size;
		__sanitizer_finish_switch_fiber(fake, &lo, &size);
		/* The first switch into any fiber comes from the scheduler's
		 * stack: learn its bounds for switching back. */
		if (S.from_sched && !S.sched_stk_lo) {
			S.sched_stk_lo = lo;
			S.sched_stk_size = size;
		}
	}
}

/* ---- stacks ---- */

static void canary_set(uint8_t *lo)
{
	uint64_t v = CANARY_MAGIC ^ (uint64_t)(uintptr_t)lo;
	memcpy(lo, &v, sizeof v);
	memcpy(lo + 8, &v, sizeof v);
}

__attribute__((noinline, noreturn)) static void canary_fail(const struct fiber *f)
{
	static char msg[128];
	fmt_snprintf(msg, sizeof msg, "fiber '%s': stack overflow (canary at %p damaged)", f->name,
	             (void *)f->stack_lo);
	plat_panic(msg);
}

static inline void canary_check(const struct fiber *f)
{
	uint64_t a, b, v = CANARY_MAGIC ^ (uint64_t)(uintptr_t)f->stack_lo;
	memcpy(&a, f->stack_lo, sizeof a);
	memcpy(&b, f->stack_lo + 8, sizeof b);
	if (__builtin_expect((a ^ v) | (b ^ v), 0))
		canary_fail(f);
}

static uint8_t *stack_get(size_t size)
{
	if (size == FIBER_STACK_DEFAULT && S.ncache)
		return S.stack_cache[--S.ncache];
	return plat_stack_alloc(size);
}

static void stack_put(uint8_t *lo, size_t size)
{
	/* Frames of a fiber that ended may leave poisoned shadow behind. */
	if (__asan_unpoison_memory_region)
		__asan_unpoison_memory_region(lo, size);
	if (size == FIBER_STACK_DEFAULT && S.ncache < STACK_CACHE_MAX)
		S.stack_cache[S.ncache++] = lo;
	else
		plat_stack_free(lo, size);
}

/* ---- run queue ---- */

static inline void make_runnable(struct fiber *f)
{
	f->state = FIBER_RUNNABLE;
	f->rq_next = NULL;
	if (S.rq_tail)
		S.rq_tail->rq_next = f;
	else
		S.rq_head = f;
	S.rq_tail = f;
	S.rq_len++;
}

static inline struct fiber *rq_pop(void)
{
	struct fiber *f = S.rq_head;
	S.rq_head = f->rq_next;
	if (!S.rq_head)
		S.rq_tail = NULL;
	S.rq_len--;
	return f;
}

/* ---- timers: binary min-heap ordered by (deadline, seq) ---- */

static inline bool timer_before(const struct timer *a, const struct timer *b)
{
	if (a->deadline != b->deadline)
		return a->deadline < b->deadline;
	return (int32_t)(a->seq - b->seq) < 0;
}

static inline void heap_place(struct timer *t, uint32_t i)
{
	S.heap[i] = t;
	t->heap_index = i;
}

static void heap_up(uint32_t i)
{
	struct timer *t = S.heap[i];
	while (i > 1 && timer_before(t, S.heap[i / 2])) {
		heap_place(S.heap[i / 2], i);
		i /= 2;
	}
	heap_place(t, i);
}

static void heap_down(uint32_t i)
{
	struct timer *t = S.heap[i];
	for (;;) {
		uint32_t c = 2 * i;
		if (c > S.nheap)
			break;
		if (c < S.nheap && timer_before(S.heap[c + 1], S.heap[c]))
			c++;
		if (!timer_before(S.heap[c], t))
			break;
		heap_place(S.heap[c], i);
		i = c;
	}
	heap_place(t, i);
}

static void heap_remove(struct timer *t)
{
	uint32_t i = t->heap_index;
	struct timer *last = S.heap[S.nheap--];
	t->heap_index = 0;
	if (last == t)
		return;
	heap_place(last, i);
	if (i > 1 && timer_before(last, S.heap[i / 2]))
		heap_up(i);
	else
		heap_down(i);
}

void timer_init(struct timer *t, timer_fn fn, void *arg)
{
	t->deadline = 0;
	t->heap_index = 0;
	t->seq = 0;
	t->fn = fn;
	t->arg = arg;
}

void timer_start(struct timer *t, uint64_t deadline)
{
	t->deadline = deadline;
	t->seq = S.timer_seq++;
	if (t->heap_index) {
		heap_up(t->heap_index);
		heap_down(t->heap_index);
		return;
	}
	if (S.nheap + 1 >= S.heap_cap) {
		uint32_t cap = S.heap_cap ? S.heap_cap * 2 : 64;
		struct timer **h = plat_realloc(S.heap, cap * sizeof *h);
		if (!h)
			plat_panic("sched: out of memory for the timer heap");
		S.heap = h;
		S.heap_cap = cap;
	}
	S.heap[++S.nheap] = t;
	heap_up(S.nheap);
}

void timer_cancel(struct timer *t)
{
	if (t->heap_index)
		heap_remove(t);
}

bool timer_pending(const struct timer *t)
{
	return t->heap_index != 0;
}

/* Fire the timers due at now. A timer re-armed by its own callback (or
 * armed by another) during this pass waits for the next round, so a
 * periodic timer cannot monopolise the loop. */
static void run_timers(uint64_t now)
{
	uint32_t limit = S.timer_seq;
	while (S.nheap) {
		struct timer *t = S.heap[1];
		if (t->deadline > now || (int32_t)(t->seq - limit) >= 0)
			break;
		heap_remove(t);
		S.st.timers_fired++;
		t->fn(t, t->arg);
	}
}

/* ---- switching ---- */

/* Leave the current fiber, which is already queued or blocked: hand off
 * to the next fiber of this round, or back to the scheduler. */
static void schedule(void)
{
	struct fiber *self = S.cur;
	struct fiber *next = NULL;
	canary_check(self);
	if (S.round_left && !S.stop) {
		next = rq_pop();
		S.round_left--;
	}
	S.st.switches++;
	S.from_sched = false;
	if (next) {
		next->state = FIBER_RUNNING;
		S.cur = next;
		asan_start(&self->asan_fake, next->stack_lo, next->stack_size);
		ctx_switch(&self->sp, next->sp);
	} else {
		S.cur = NULL;
		asan_start(&self->asan_fake, S.sched_stk_lo, S.sched_stk_size);
		ctx_switch(&self->sp, S.sched_sp);
	}
	asan_finish(self->asan_fake);
}

__attribute__((noreturn)) static void fiber_exit(struct fiber *f)
{
	f->state = FIBER_DONE;
	S.st.live--;
	if (f->joiner)
		make_runnable(f->joiner);
	canary_check(f);
	/* Always through the scheduler context, which can free this stack. */
	S.reap = f;
	S.cur = NULL;
	S.st.switches++;
	S.from_sched = false;
	asan_start(NULL, S.sched_stk_lo, S.sched_stk_size);
	ctx_switch(&f->sp, S.sched_sp);
	__builtin_unreachable();
}

static void fiber_entry(void *arg)
{
	struct fiber *f = arg;
	asan_finish(NULL);
	f->fn(f->arg);
	fiber_exit(f);
}

static void release(struct fiber *f)
{
	stack_put(f->stack_lo, f->stack_size);
}

/* Run one round from the scheduler context. */
static void run_round(void)
{
	S.round_left = S.rq_len;
	while (S.round_left && !S.stop) {
		struct fiber *f = rq_pop();
		S.round_left--;
		f->state = FIBER_RUNNING;
		S.cur = f;
		S.st.switches++;
		S.from_sched = true;
		asan_start(&S.sched_fake, f->stack_lo, f->stack_size);
		ctx_switch(&S.sched_sp, f->sp);
		asan_finish(S.sched_fake);
		if (S.reap) {
			struct fiber *dead = S.reap;
			S.reap = NULL;
			if (dead->detached)
				release(dead);
		}
	}
	S.round_left = 0;
}

/* ---- fibers ---- */

static void wake_timer(struct timer *t, void *arg);

struct fiber *fiber_spawn(fiber_fn fn, void *arg, const char *name, size_t stack_size)
{
	size_t size = FIBER_STACK_DEFAULT;
	if (stack_size) {
		if (stack_size > SIZE_MAX - STACK_PAGE)
			return NULL;
		size = (stack_size + STACK_PAGE - 1) & ~(size_t)(STACK_PAGE - 1);
		if (size < FIBER_STACK_MIN)
			size = FIBER_STACK_MIN;
	}
	uint8_t *lo = stack_get(size);
	if (!lo)
		return NULL;
	uintptr_t top = ((uintptr_t)lo + size - sizeof(struct fiber)) & ~(uintptr_t)63;
	struct fiber *f = (struct fiber *)top;
	memset(f, 0, sizeof *f);
	f->fn = fn;
	f->arg = arg;
	f->stack_lo = lo;
	f->stack_size = size;
	timer_init(&f->timer, wake_timer, f);
	size_t n = name ? strnlen(name, FIBER_NAME_MAX - 1) : 0;
	memcpy(f->name, name ? name : "", n);
	f->name[n] = '\0';
	canary_set(lo);
	f->sp = ctx_init(f, fiber_entry, f);
	S.st.spawned++;
	S.st.live++;
	make_runnable(f);
	return f;
}

void fiber_detach(struct fiber *f)
{
	if (f->joiner || f->detached)
		return; /* a joiner owns it already */
	if (f->state == FIBER_DONE && f != S.reap)
		release(f);
	else
		f->detached = true;
}

int fiber_join(struct fiber *f)
{
	struct fiber *self = S.cur;
	if (!self || f == self || f->detached || f->joiner)
		return -EINVAL;
	if (f->state != FIBER_DONE) {
		f->joiner = self;
		self->state = FIBER_BLOCKED;
		schedule();
	}
	release(f);
	return 0;
}

void fiber_yield(void)
{
	if (!S.cur)
		return;
	make_runnable(S.cur);
	schedule();
}

int fiber_sleep_until(uint64_t deadline)
{
	struct fiber *self = S.cur;
	if (!self)
		plat_panic("fiber_sleep_until called outside a fiber");
	if (deadline <= S.now) {
		fiber_yield();
		return 0;
	}
	if (deadline != SCHED_FOREVER) {
		timer_start(&self->timer, deadline);
	}
	self->state = FIBER_BLOCKED;
	schedule();
	return 0;
}

int fiber_sleep_ns(uint64_t ns)
{
	uint64_t now = plat_monotonic_ns();
	return fiber_sleep_until(ns >= SCHED_FOREVER - now ? SCHED_FOREVER : now + ns);
}

struct fiber *fiber_self(void)
{
	return S.cur;
}

const char *fiber_name(const struct fiber *f)
{
	return f ? f->name : "(scheduler)";
}

/* ---- conditions ---- */

static void waitq_remove(struct waitq *q, struct fiber *f)
{
	if (f->wq_prev)
		f->wq_prev->wq_next = f->wq_next;
	else
		q->head = f->wq_next;
	if (f->wq_next)
		f->wq_next->wq_prev = f->wq_prev;
	else
		q->tail = f->wq_prev;
	f->wq_prev = f->wq_next = NULL;
}

/* A fiber's own timer: a sleep ended, or a cond wait timed out. */
static void wake_timer(struct timer *t, void *arg)
{
	struct fiber *f = arg;
	(void)t;
	f->wait_rc = 0;
	if (f->wait_cond) {
		waitq_remove(&f->wait_cond->waiters, f);
		f->wait_cond = NULL;
		f->wait_rc = -ETIMEDOUT;
	}
	make_runnable(f);
}

void cond_init(struct cond *c)
{
	c->waiters.head = c->waiters.tail = NULL;
}

int cond_wait(struct cond *c, uint64_t deadline)
{
	struct fiber *self = S.cur;
	if (!self)
		plat_panic("cond_wait called outside a fiber");
	if (deadline != SCHED_FOREVER) {
		if (deadline <= S.now)
			return -ETIMEDOUT;
		timer_start(&self->timer, deadline);
	}
	self->wait_cond = c;
	self->wq_next = NULL;
	self->wq_prev = c->waiters.tail;
	if (c->waiters.tail)
		c->waiters.tail->wq_next = self;
	else
		c->waiters.head = self;
	c->waiters.tail = self;
	self->wait_rc = 0;
	self->state = FIBER_BLOCKED;
	schedule();
	return self->wait_rc;
}

void cond_signal(struct cond *c)
{
	struct fiber *f = c->waiters.head;
	if (!f)
		return;
	waitq_remove(&c->waiters, f);
	f->wait_cond = NULL;
	if (f->timer.heap_index)
		heap_remove(&f->timer);
	f->wait_rc = 0;
	make_runnable(f);
}

void cond_broadcast(struct cond *c)
{
	while (c->waiters.head)
		cond_signal(c);
}

bool cond_has_waiters(const struct cond *c)
{
	return c->waiters.head != NULL;
}

/* ---- the loop ---- */

int sched_run(void)
{
	if (S.cur)
		plat_panic("sched_run called from a fiber");
	for (;;) {
		if (S.stop)
			break;
		uint64_t now = plat_monotonic_ns();
		S.now = now;
		if (S.nheap && S.heap[1]->deadline <= now)
			run_timers(now);
		if (S.stop)
			break;
		if (!S.rq_head) {
			if (S.st.live == 0 && S.nheap == 0)
				break;
			S.st.waits++;
			plat_wait(S.nheap ? S.heap[1]->deadline : SCHED_FOREVER);
			S.just_waited = true;
			continue;
		}
		if (S.just_waited) {
			S.just_waited = false;
			S.last_poll = now;
		} else if (now - S.last_poll >= SCHED_POLL_NS) {
			S.st.waits++;
			plat_wait(0);
			S.last_poll = now;
			if (S.stop)
				break;
		}
		run_round();
	}
	int code = S.stop ? S.stop_code : 0;
	S.stop = false;
	S.stop_code = 0;
	return code;
}

void sched_stop(int code)
{
	if (!S.stop) {
		S.stop = true;
		S.stop_code = code;
	}
}

void sched_get_stats(struct sched_stats *out)
{
	*out = S.st;
}
