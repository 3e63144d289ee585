/* Fault injection for a netif (devices/netif_fault.h): the spec parser and
 * the per-direction injector. Per frame, three values are drawn (loss,
 * duplication, reordering) whatever the outcome, so each kind of fault
 * keeps its own place in the stream and one frame's fate never shifts the
 * next one's. */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>

#include "devices/netif_fault.h"
#include "lib/fmt.h"
#include "lib/param.h"
#include "lib/platform.h"

#define PPM 1000000u

struct netif_fault_slot {
	struct netif_fault_slot *next;
	uint64_t due;
	size_t len;
	uint8_t data[];
};

/* ---- the spec ------------------------------------------------------------ */

/* A percentage with up to four decimals, as parts per million. */
static int parse_pct(const char *s, size_t len, uint32_t *out)
{
	uint64_t whole = 0, frac = 0;
	size_t i = 0, digits = 0, fdigits = 0;
	if (len > 0 && s[len - 1] == '%')
		len--;
	for (; i < len && s[i] >= '0' && s[i] <= '9'; i++, digits++) {
		whole = whole * 10 + (uint64_t)(s[i] - '0');
		if (whole > 100)
			return -EINVAL;
	}
	if (i < len && s[i] == '.') {
		for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++, fdigits++) {
			if (fdigits == 4)
				return -EINVAL;
			frac = frac * 10 + (uint64_t)(s[i] - '0');
		}
		if (fdigits == 0)
			return -EINVAL;
	}
	if (i != len || digits == 0)
		return -EINVAL;
	while (fdigits++ < 4)
		frac *= 10;
	uint64_t ppm = whole * 10000 + frac;
	if (ppm > PPM)
		return -EINVAL;
	*out = (uint32_t)ppm;
	return 0;
}

static bool key_is(const char *k, size_t klen, const char *name)
{
	return strlen(name) == klen && !memcmp(k, name, klen);
}

int netif_fault_parse(const char *text, size_t len, struct netif_fault_spec *out, const char **why)
{
	const char *dummy;
	if (!why)
		why = &dummy;
	struct netif_fault_spec s = {
		.hold_ns = NETIF_FAULT_HOLD_DEFAULT,
		.rx = true,
		.tx = true,
		.limit = NETIF_FAULT_LIMIT_DEFAULT,
	};
	size_t i = 0;
	while (i < len) {
		size_t end = i;
		while (end < len && text[end] != ',')
			end++;
		const char *item = text + i;
		size_t ilen = end - i;
		i = end + 1;
		if (ilen == 0)
			continue; /* tolerate "a,,b" and a trailing comma */
		size_t k = 0;
		while (k < ilen && item[k] != ':' && item[k] != '=')
			k++;
		if (k == ilen) {
			*why = "expected KEY:VALUE items (loss, dup, reorder, delay, hold, seed, dir, limit)";
			return -EINVAL;
		}
		const char *v = item + k + 1;
		size_t vlen = ilen - k - 1;
		int rc = 0;
		if (key_is(item, k, "loss")) {
			rc = parse_pct(v, vlen, &s.loss);
		} else if (key_is(item, k, "dup")) {
			rc = parse_pct(v, vlen, &s.dup);
		} else if (key_is(item, k, "reorder")) {
			rc = parse_pct(v, vlen, &s.reorder);
		} else if (key_is(item, k, "delay") || key_is(item, k, "hold")) {
			uint64_t ns;
			const char *w;
			if (param_parse(PARAM_DURATION, v, vlen, &ns, &w) != 0) {
				*why = "expected a duration such as 20ms or 500us";
				return -EINVAL;
			}
			if (item[0] == 'd')
				s.delay_ns = ns;
			else
				s.hold_ns = ns;
		} else if (key_is(item, k, "seed")) {
			const char *w;
			if (param_parse(PARAM_U64, v, vlen, &s.seed, &w) != 0) {
				*why = "expected a whole number as the seed";
				return -EINVAL;
			}
			s.seeded = true;
		} else if (key_is(item, k, "dir")) {
			if (key_is(v, vlen, "rx")) {
				s.rx = true;
				s.tx = false;
			} else if (key_is(v, vlen, "tx")) {
				s.rx = false;
				s.tx = true;
			} else if (key_is(v, vlen, "both")) {
				s.rx = s.tx = true;
			} else {
				*why = "dir is rx, tx or both";
				return -EINVAL;
			}
		} else if (key_is(item, k, "limit")) {
			uint32_t l;
			const char *w;
			if (param_parse(PARAM_U32, v, vlen, &l, &w) != 0 || l == 0 || l > 1000000) {
				*why = "limit is a number of frames from 1 to 1000000";
				return -EINVAL;
			}
			s.limit = l;
		} else {
			*why = "unknown key (expected loss, dup, reorder, delay, hold, seed, dir or limit)";
			return -EINVAL;
		}
		if (rc < 0) {
			*why = "expected a percentage from 0 to 100 with at most 4 decimals";
			return -EINVAL;
		}
	}
	*out = s;
	return 0;
}

bool netif_fault_active(const struct netif_fault_spec *s)
{
	return (s->rx || s->tx) && (s->loss || s->dup || s->reorder || s->delay_ns);
}

static int fmt_pct(char *buf, size_t size, uint32_t ppm)
{
	uint32_t frac = ppm % 10000u;
	if (!frac)
		return fmt_snprintf(buf, size, "%u", ppm / 10000u);
	int w = 4;
	while (frac % 10 == 0) {
		frac /= 10;
		w--;
	}
	return fmt_snprintf(buf, size, "%u.%0*u", ppm / 10000u, w, frac);
}

/* Append ",ITEM" (no comma before the first) to the output. */
static void item(struct fmt_sink *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void item(struct fmt_sink *o, const char *fmt, ...)
{
	if (o->total)
		fmt_write(o, ",", 1);
	va_list ap;
	va_start(ap, fmt);
	fmt_vformat(o, fmt, ap);
	va_end(ap);
}

int netif_fault_format(const struct netif_fault_spec *s, char *buf, size_t size)
{
	struct fmt_sink o = { .buf = buf, .cap = size ? size - 1 : 0 };
	char p[16], d[32];
	if (s->loss) {
		fmt_pct(p, sizeof p, s->loss);
		item(&o, "loss:%s", p);
	}
	if (s->dup) {
		fmt_pct(p, sizeof p, s->dup);
		item(&o, "dup:%s", p);
	}
	if (s->reorder) {
		fmt_pct(p, sizeof p, s->reorder);
		item(&o, "reorder:%s", p);
	}
	if (s->delay_ns) {
		param_format(PARAM_DURATION, &s->delay_ns, d, sizeof d);
		item(&o, "delay:%s", d);
	}
	if (s->reorder && s->hold_ns != NETIF_FAULT_HOLD_DEFAULT) {
		param_format(PARAM_DURATION, &s->hold_ns, d, sizeof d);
		item(&o, "hold:%s", d);
	}
	if (!(s->rx && s->tx))
		item(&o, "dir:%s", s->rx ? "rx" : s->tx ? "tx" : "none");
	if (s->delay_ns && s->limit != NETIF_FAULT_LIMIT_DEFAULT)
		item(&o, "limit:%u", s->limit);
	item(&o, "seed:%llu", (unsigned long long)s->seed);
	if (size)
		buf[o.fill] = 0;
	return o.total > INT32_MAX ? -1 : (int)o.total;
}

/* ---- the injector ---------------------------------------------------------- */

static struct netif_fault_slot *slot_take(struct netif_fault_q *q)
{
	struct netif_fault_slot *s = q->free;
	if (s) {
		q->free = s->next;
		q->nfree--;
		s->next = NULL;
	}
	return s;
}

static void slot_give(struct netif_fault_q *q, struct netif_fault_slot *s)
{
	s->next = q->free;
	q->free = s;
	q->nfree++;
}

static void slot_fill(struct netif_fault_slot *s, const struct io_vec *iov, unsigned niov)
{
	size_t off = 0;
	for (unsigned i = 0; i < niov; i++) {
		memcpy(s->data + off, iov[i].base, iov[i].len);
		off += iov[i].len;
	}
	s->len = off;
}

static void q_append(struct netif_fault_q *q, struct netif_fault_slot *s)
{
	s->next = NULL;
	if (q->tail)
		q->tail->next = s;
	else
		q->head = s;
	q->tail = s;
}

static int hand_over(struct netif_fault_q *q, const struct io_vec *iov, unsigned niov)
{
	q->stats.out++;
	return q->f->out(q->f->arg, q->dir, iov, niov);
}

/* Hand over a held copy and recycle its slot. */
static void hand_over_slot(struct netif_fault_q *q, struct netif_fault_slot *s)
{
	struct io_vec v = { s->data, s->len };
	hand_over(q, &v, 1);
	slot_give(q, s);
}

static void rearm(struct netif_fault_q *q)
{
	uint64_t d = UINT64_MAX;
	if (q->head)
		d = q->head->due;
	if (q->held && q->held->due < d)
		d = q->held->due;
	if (d == UINT64_MAX) {
		if (timer_pending(&q->timer))
			timer_cancel(&q->timer);
	} else if (!timer_pending(&q->timer) || q->timer.deadline != d) {
		timer_start(&q->timer, d);
	}
}

static void q_timer(struct timer *t, void *arg)
{
	struct netif_fault_q *q = arg;
	(void)t;
	uint64_t now = plat_monotonic_ns();
	/* Queued frames arrived before the held one's successor could, so
	 * they go first. */
	while (q->head && q->head->due <= now) {
		struct netif_fault_slot *s = q->head;
		q->head = s->next;
		if (!q->head)
			q->tail = NULL;
		hand_over_slot(q, s);
	}
	if (q->held && q->held->due <= now) {
		struct netif_fault_slot *s = q->held;
		q->held = NULL;
		hand_over_slot(q, s);
	}
	rearm(q);
}

int netif_fault_start(struct netif_fault *f, const struct netif_fault_spec *spec, size_t frame_max,
                      netif_fault_out_fn out, void *arg)
{
	memset(f, 0, sizeof *f);
	f->spec = *spec;
	f->out = out;
	f->arg = arg;
	f->frame_max = frame_max;
	/* Without a delay at most one frame per direction is ever held. */
	uint32_t per_dir = spec->delay_ns ? spec->limit : spec->reorder ? 1 : 0;
	size_t slot_size = (sizeof(struct netif_fault_slot) + frame_max + 15u) & ~(size_t)15u;
	unsigned ndirs = (spec->rx ? 1u : 0u) + (spec->tx ? 1u : 0u);
	if (per_dir && ndirs) {
		f->pool = plat_alloc(slot_size * per_dir * ndirs);
		if (!f->pool)
			return -ENOMEM;
	}
	uint8_t *p = f->pool;
	for (int d = 0; d < 2; d++) {
		struct netif_fault_q *q = &f->q[d];
		q->f = f;
		q->dir = (enum netif_fault_dir)d;
		q->on = d == NETIF_FAULT_RX ? spec->rx : spec->tx;
		/* Independent streams per direction: the order in which rx and tx
		 * frames interleave (timing) does not change either's faults. */
		uint64_t x = spec->seed ^ (d == NETIF_FAULT_RX ? 0x5258u : 0x5458u);
		prng_seed(&q->rng, prng_splitmix64(&x));
		timer_init(&q->timer, q_timer, q);
		if (!q->on)
			continue;
		for (uint32_t i = 0; i < per_dir; i++, p += slot_size)
			slot_give(q, (struct netif_fault_slot *)(void *)p);
	}
	f->started = true;
	return 0;
}

int netif_fault_input(struct netif_fault *f, enum netif_fault_dir dir, const struct io_vec *iov, unsigned niov)
{
	struct netif_fault_q *q = &f->q[dir];
	const struct netif_fault_spec *sp = &f->spec;
	q->stats.frames++;
	size_t len = 0;
	for (unsigned i = 0; i < niov; i++)
		len += iov[i].len;
	if (!f->started || !q->on || len > f->frame_max)
		return hand_over(q, iov, niov);

	uint32_t r_loss = prng_below(&q->rng, PPM);
	uint32_t r_dup = prng_below(&q->rng, PPM);
	uint32_t r_reo = prng_below(&q->rng, PPM);
	if (r_loss < sp->loss) {
		q->stats.lost++;
		return 0;
	}
	unsigned copies = 1;
	if (r_dup < sp->dup) {
		copies = 2;
		q->stats.duplicated++;
	}
	uint64_t now = sp->delay_ns || sp->reorder ? plat_monotonic_ns() : 0;
	struct netif_fault_slot *prev_held = q->held;
	if (r_reo < sp->reorder && !q->held) {
		struct netif_fault_slot *s = slot_take(q);
		if (s) {
			slot_fill(s, iov, niov);
			s->due = now + sp->delay_ns + sp->hold_ns;
			q->held = s;
			q->stats.reordered++;
			copies--;
		}
	}
	int rc = 0;
	for (unsigned c = 0; c < copies; c++) {
		if (!sp->delay_ns) {
			int r = hand_over(q, iov, niov);
			if (c == 0)
				rc = r;
			continue;
		}
		struct netif_fault_slot *s = slot_take(q);
		if (!s) {
			q->stats.overflow++;
			continue;
		}
		slot_fill(s, iov, niov);
		s->due = now + sp->delay_ns;
		q_append(q, s);
		q->stats.delayed++;
	}
	/* A frame held back before this one now follows it. */
	if (prev_held && copies > 0) {
		q->held = NULL;
		if (!sp->delay_ns) {
			hand_over_slot(q, prev_held);
		} else {
			prev_held->due = now + sp->delay_ns;
			q_append(q, prev_held);
		}
	}
	rearm(q);
	return rc;
}

unsigned netif_fault_pending(const struct netif_fault *f, enum netif_fault_dir dir)
{
	const struct netif_fault_q *q = &f->q[dir];
	unsigned n = q->held ? 1 : 0;
	for (const struct netif_fault_slot *s = q->head; s; s = s->next)
		n++;
	return n;
}

void netif_fault_stop(struct netif_fault *f)
{
	if (!f->started)
		return;
	for (int d = 0; d < 2; d++) {
		struct netif_fault_q *q = &f->q[d];
		if (timer_pending(&q->timer))
			timer_cancel(&q->timer);
		q->stats.lost += netif_fault_pending(f, (enum netif_fault_dir)d);
		q->head = q->tail = q->held = NULL;
		q->free = NULL;
		q->nfree = 0;
	}
	plat_free(f->pool);
	f->pool = NULL;
	f->started = false;
}
