/* The pcap writer of devices/netif_pcap.h: a 24-byte file header, then per
 * frame a 16-byte record header (seconds, sub-second part, captured
 * length, original length) and the frame itself, every field in the
 * writer's byte order. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "devices/netif_pcap.h"
#include "lib/platform.h"

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static void put16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2);
}

static void flush_fn(struct timer *t, void *arg)
{
	(void)t;
	netif_pcap_flush(arg);
}

int netif_pcap_flush(struct netif_pcap *pc)
{
	if (pc->fill == 0 || pc->err)
		goto out;
	struct io_vec v = { pc->buf, pc->fill };
	int rc = pc->sink.write(pc->sink.arg, &v, 1);
	if (rc < 0)
		pc->err = rc;
	pc->fill = 0;
out:
	if (timer_pending(&pc->flush_timer))
		timer_cancel(&pc->flush_timer);
	return pc->err;
}

int netif_pcap_open(struct netif_pcap *pc, const struct netif_sink *sink, const struct netif_pcap_options *opt)
{
	memset(pc, 0, sizeof *pc);
	timer_init(&pc->flush_timer, flush_fn, pc);
	if (!sink || !sink->write)
		return -EINVAL;
	pc->sink = *sink;
	pc->nsec = opt && opt->nsec;
	pc->snaplen = opt && opt->snaplen ? opt->snaplen : PCAP_SNAPLEN_DEFAULT;
	pc->cap = opt && opt->buffer ? opt->buffer : PCAP_BUFFER_DEFAULT;
	pc->flush_ns = opt ? opt->flush_ns : 0;
	if (pc->cap < PCAP_FILE_HEADER_LEN + PCAP_RECORD_HEADER_LEN)
		pc->cap = PCAP_FILE_HEADER_LEN + PCAP_RECORD_HEADER_LEN;
	pc->buf = plat_alloc(pc->cap);
	if (!pc->buf)
		return -ENOMEM;

	uint8_t *h = pc->buf;
	put32(h + 0, pc->nsec ? PCAP_MAGIC_NSEC : PCAP_MAGIC_USEC);
	put16(h + 4, 2); /* format version 2.4 */
	put16(h + 6, 4);
	put32(h + 8, 0);  /* time zone offset: timestamps are UTC */
	put32(h + 12, 0); /* timestamp accuracy: unused by every reader */
	put32(h + 16, pc->snaplen);
	put32(h + 20, PCAP_LINKTYPE_ETHERNET);
	pc->fill = PCAP_FILE_HEADER_LEN;
	pc->open = true;
	/* The header goes out at once, so even an empty capture is a valid
	 * file. */
	int rc = netif_pcap_flush(pc);
	if (rc < 0) {
		plat_free(pc->buf);
		pc->buf = NULL;
		pc->open = false;
	}
	return rc;
}

void netif_pcap_frame(struct netif_pcap *pc, int64_t wall_ns, const struct io_vec *iov, unsigned niov)
{
	if (!pc->open || pc->err) {
		pc->lost++;
		return;
	}
	size_t len = 0;
	for (unsigned i = 0; i < niov; i++)
		len += iov[i].len;
	size_t caplen = len > pc->snaplen ? pc->snaplen : len;
	if (caplen < len)
		pc->truncated++;

	uint8_t hdr[PCAP_RECORD_HEADER_LEN];
	uint64_t t = wall_ns > 0 ? (uint64_t)wall_ns : 0;
	uint32_t sub = (uint32_t)(t % 1000000000u);
	put32(hdr + 0, (uint32_t)(t / 1000000000u));
	put32(hdr + 4, pc->nsec ? sub : sub / 1000u);
	put32(hdr + 8, (uint32_t)caplen);
	put32(hdr + 12, len > UINT32_MAX ? UINT32_MAX : (uint32_t)len);

	size_t need = sizeof hdr + caplen;
	if (pc->fill + need > pc->cap && netif_pcap_flush(pc) < 0) {
		pc->lost++;
		return;
	}
	if (need > pc->cap) {
		/* Larger than the whole buffer: straight to the sink, the
		 * pieces cut at caplen. */
		struct io_vec v[17];
		unsigned n = 0;
		size_t left = caplen;
		v[n++] = (struct io_vec){ hdr, sizeof hdr };
		for (unsigned i = 0; i < niov && left > 0; i++) {
			if (n == 17) {
				pc->lost++;
				return;
			}
			size_t l = iov[i].len < left ? iov[i].len : left;
			v[n++] = (struct io_vec){ iov[i].base, l };
			left -= l;
		}
		int rc = pc->sink.write(pc->sink.arg, v, n);
		if (rc < 0) {
			pc->err = rc;
			pc->lost++;
			return;
		}
		pc->records++;
		return;
	}
	uint8_t *p = pc->buf + pc->fill;
	memcpy(p, hdr, sizeof hdr);
	p += sizeof hdr;
	size_t left = caplen;
	for (unsigned i = 0; i < niov && left > 0; i++) {
		size_t l = iov[i].len < left ? iov[i].len : left;
		memcpy(p, iov[i].base, l);
		p += l;
		left -= l;
	}
	pc->fill += need;
	pc->records++;
	if (pc->flush_ns && !timer_pending(&pc->flush_timer))
		timer_start(&pc->flush_timer, plat_monotonic_ns() + pc->flush_ns);
}

void netif_pcap_close(struct netif_pcap *pc)
{
	if (!pc->open)
		return;
	netif_pcap_flush(pc);
	if (timer_pending(&pc->flush_timer))
		timer_cancel(&pc->flush_timer);
	plat_free(pc->buf);
	pc->buf = NULL;
	pc->open = false;
	if (pc->sink.close)
		pc->sink.close(pc->sink.arg);
}
