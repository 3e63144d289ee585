/* pcap capture (devices/netif_pcap.h and the wrapper's hooks): the exact
 * byte layout of the file header and records in both timestamp
 * resolutions, truncation to the snap length, frames larger than the
 * buffer, sink errors, capture of both directions through netif_send and
 * a driver's receive path, and — when tshark is installed — that tshark
 * reads the files and finds nothing malformed in them. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "netif_drv.h"
#include "devices/netif.h"
#include "devices/netif_hooks.h"
#include "devices/netif_pcap.h"
#include "lib/buf.h"
#include "lib/cksum.h"

/* ---- a sink in memory ---- */

struct memsink {
	uint8_t *data;
	size_t len, cap;
	unsigned writes, closes;
	int fail; /* error to return from the next write */
};

static int mem_write(void *arg, const struct io_vec *iov, unsigned niov)
{
	struct memsink *m = arg;
	m->writes++;
	if (m->fail)
		return m->fail;
	for (unsigned i = 0; i < niov; i++) {
		if (m->len + iov[i].len > m->cap) {
			m->cap = (m->len + iov[i].len) * 2;
			m->data = realloc(m->data, m->cap);
		}
		memcpy(m->data + m->len, iov[i].base, iov[i].len);
		m->len += iov[i].len;
	}
	return 0;
}

static void mem_close(void *arg)
{
	((struct memsink *)arg)->closes++;
}

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

static uint16_t rd16(const uint8_t *p)
{
	uint16_t v;
	memcpy(&v, p, 2);
	return v;
}

static void check_file_header(const uint8_t *h, uint32_t magic, uint32_t snaplen)
{
	CHECK_EQ_UINT(rd32(h), magic);
	CHECK_EQ_UINT(rd16(h + 4), 2);
	CHECK_EQ_UINT(rd16(h + 6), 4);
	CHECK_EQ_UINT(rd32(h + 8), 0);
	CHECK_EQ_UINT(rd32(h + 12), 0);
	CHECK_EQ_UINT(rd32(h + 16), snaplen);
	CHECK_EQ_UINT(rd32(h + 20), 1);
}

/* ---- layout ---- */

static void test_layout(bool nsec)
{
	struct memsink m = { 0 };
	struct netif_sink sink = { mem_write, mem_close, &m };
	struct netif_pcap pc;
	struct netif_pcap_options o = { .nsec = nsec };
	CHECK_EQ_INT(netif_pcap_open(&pc, &sink, &o), 0);
	CHECK_EQ_UINT(m.len, 24); /* the header goes out at once */
	check_file_header(m.data, nsec ? 0xa1b23c4du : 0xa1b2c3d4u, 262144);

	uint8_t a[60], b[7], c[1500];
	for (size_t i = 0; i < sizeof a; i++)
		a[i] = (uint8_t)i;
	memset(b, 0xbb, sizeof b);
	for (size_t i = 0; i < sizeof c; i++)
		c[i] = (uint8_t)(i * 7);
	struct io_vec v1[2] = { { a, sizeof a }, { b, sizeof b } };
	struct io_vec v2[1] = { { c, sizeof c } };
	int64_t t1 = 1700000000123456789LL, t2 = 1700000001000000999LL;
	netif_pcap_frame(&pc, t1, v1, 2);
	netif_pcap_frame(&pc, t2, v2, 1);
	CHECK_EQ_UINT(m.len, 24); /* buffered */
	CHECK_EQ_INT(netif_pcap_flush(&pc), 0);
	CHECK_EQ_UINT(m.len, 24 + 16 + 67 + 16 + 1500);
	const uint8_t *r = m.data + 24;
	CHECK_EQ_UINT(rd32(r), 1700000000u);
	CHECK_EQ_UINT(rd32(r + 4), nsec ? 123456789u : 123456u);
	CHECK_EQ_UINT(rd32(r + 8), 67);
	CHECK_EQ_UINT(rd32(r + 12), 67);
	CHECK_EQ_MEM(r + 16, a, sizeof a);
	CHECK_EQ_MEM(r + 16 + 60, b, sizeof b);
	r += 16 + 67;
	CHECK_EQ_UINT(rd32(r), 1700000001u);
	CHECK_EQ_UINT(rd32(r + 4), nsec ? 999u : 0u);
	CHECK_EQ_UINT(rd32(r + 8), 1500);
	CHECK_EQ_UINT(rd32(r + 12), 1500);
	CHECK_EQ_MEM(r + 16, c, sizeof c);
	CHECK_EQ_UINT(pc.records, 2);
	netif_pcap_close(&pc);
	CHECK_EQ_UINT(m.closes, 1);
	netif_pcap_close(&pc); /* twice is harmless */
	CHECK_EQ_UINT(m.closes, 1);
	free(m.data);
}

static void test_snaplen_and_big_frames(void)
{
	struct memsink m = { 0 };
	struct netif_sink sink = { mem_write, NULL, &m };
	struct netif_pcap pc;
	/* A 100-byte buffer: the 24-byte header, then records that do not
	 * fit go to the sink directly, after what was buffered. */
	struct netif_pcap_options o = { .snaplen = 80, .buffer = 100 };
	CHECK_EQ_INT(netif_pcap_open(&pc, &sink, &o), 0);
	check_file_header(m.data, 0xa1b2c3d4u, 80);
	uint8_t small[20], big[200];
	memset(small, 1, sizeof small);
	for (size_t i = 0; i < sizeof big; i++)
		big[i] = (uint8_t)(255 - i);
	struct io_vec vs = { small, sizeof small };
	struct io_vec vb[3] = { { big, 50 }, { big + 50, 50 }, { big + 100, 100 } };
	netif_pcap_frame(&pc, 5000, &vs, 1);
	netif_pcap_frame(&pc, 6000, vb, 3);   /* 96 bytes of record: flushes, then buffered */
	netif_pcap_frame(&pc, 7000, &vs, 1);  /* does not fit behind it: flushes first */
	netif_pcap_close(&pc);
	CHECK_EQ_UINT(m.len, 24 + (16 + 20) + (16 + 80) + (16 + 20));
	const uint8_t *r = m.data + 24;
	CHECK_EQ_UINT(rd32(r + 4), 5);
	CHECK_EQ_UINT(rd32(r + 8), 20);
	r += 36;
	CHECK_EQ_UINT(rd32(r + 4), 6);
	CHECK_EQ_UINT(rd32(r + 8), 80);
	CHECK_EQ_UINT(rd32(r + 12), 200);
	CHECK_EQ_MEM(r + 16, big, 80);
	r += 96;
	CHECK_EQ_UINT(rd32(r + 4), 7);
	CHECK_EQ_UINT(pc.truncated, 1);
	CHECK_EQ_UINT(pc.records, 3);
	free(m.data);

	/* Larger than the whole buffer: written around it, still in order. */
	struct memsink m2 = { 0 };
	struct netif_sink sink2 = { mem_write, NULL, &m2 };
	struct netif_pcap_options o2 = { .buffer = 64 };
	CHECK_EQ_INT(netif_pcap_open(&pc, &sink2, &o2), 0);
	netif_pcap_frame(&pc, 1000, &vs, 1);
	netif_pcap_frame(&pc, 2000, vb, 3);
	netif_pcap_frame(&pc, 3000, &vs, 1);
	netif_pcap_close(&pc);
	CHECK_EQ_UINT(m2.len, 24 + 36 + 216 + 36);
	CHECK_EQ_UINT(rd32(m2.data + 24 + 36 + 12), 200);
	CHECK_EQ_MEM(m2.data + 24 + 36 + 16, big, 200);
	CHECK_EQ_UINT(rd32(m2.data + 24 + 36 + 216 + 4), 3);
	free(m2.data);
}

static void test_sink_error(void)
{
	struct memsink m = { .fail = -ENOSPC };
	struct netif_sink sink = { mem_write, mem_close, &m };
	struct netif_pcap pc;
	CHECK_EQ_INT(netif_pcap_open(&pc, &sink, NULL), -ENOSPC);
	CHECK_EQ_UINT(m.closes, 0); /* the caller still owns the sink */

	m.fail = 0;
	CHECK_EQ_INT(netif_pcap_open(&pc, &sink, NULL), 0);
	uint8_t f[64] = { 0 };
	struct io_vec v = { f, sizeof f };
	netif_pcap_frame(&pc, 0, &v, 1);
	m.fail = -EIO;
	CHECK_EQ_INT(netif_pcap_flush(&pc), -EIO);
	netif_pcap_frame(&pc, 0, &v, 1); /* capture has stopped */
	CHECK_EQ_UINT(pc.lost, 1);
	CHECK_EQ_UINT(pc.records, 1);
	netif_pcap_close(&pc);
	CHECK_EQ_UINT(m.closes, 1);
	free(m.data);
}

/* ---- through the wrapper ---- */

static void test_wrapper_capture(void)
{
	struct fake_drv drv = { 0 };
	struct netif n = { .name = "net", .ops = &drv_ops, .state = &drv };
	struct netif_hooks hooks;
	struct memsink m = { 0 };
	struct netif_sink sink = { mem_write, mem_close, &m };
	CHECK_EQ_INT(netif_hooks_attach(&n, &hooks, "", &sink), 0);
	CHECK(n.hooks == &hooks);
	netif_set_rx(&n, app_rx, NULL);

	uint8_t out1[14] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0x08, 0x00 }, out2[50];
	memset(out2, 0x5a, sizeof out2);
	struct io_vec v[2] = { { out1, sizeof out1 }, { out2, sizeof out2 } };
	CHECK_EQ_INT(netif_send(&n, v, 2), 0);
	uint8_t in[60];
	memset(in, 0x33, sizeof in);
	drv.rx(drv.rx_arg, in, sizeof in);
	CHECK_EQ_UINT(app_frames, 1);
	CHECK_EQ_UINT(drv.sent, 1);
	CHECK_EQ_UINT(n.frames_in, 1);
	CHECK_EQ_UINT(n.frames_out, 1);

	netif_hooks_detach(&n, &hooks);
	CHECK(n.hooks == NULL);
	CHECK_EQ_UINT(m.closes, 1);
	check_file_header(m.data, 0xa1b23c4du, 262144);
	CHECK_EQ_UINT(m.len, 24 + 16 + 64 + 16 + 60);
	const uint8_t *r = m.data + 24;
	CHECK_EQ_UINT(rd32(r + 8), 64);
	CHECK_EQ_MEM(r + 16, out1, 14);
	CHECK_EQ_MEM(r + 30, out2, 50);
	uint64_t ts1 = (uint64_t)rd32(r) * 1000000000u + rd32(r + 4);
	r += 16 + 64;
	CHECK_EQ_UINT(rd32(r + 8), 60);
	CHECK_EQ_MEM(r + 16, in, 60);
	uint64_t ts2 = (uint64_t)rd32(r) * 1000000000u + rd32(r + 4);
	CHECK(ts1 > 1600000000ull * 1000000000u);
	CHECK(ts2 >= ts1);
	netif_hooks_detach(&n, &hooks); /* twice is harmless */
	CHECK_EQ_UINT(m.closes, 1);

	/* Without hooks the frames pass as before. */
	CHECK_EQ_INT(netif_send(&n, v, 2), 0);
	CHECK_EQ_UINT(drv.sent, 2);
	CHECK_EQ_UINT(m.len, 24 + 16 + 64 + 16 + 60);

	/* A bad fault spec fails the attach and closes the sink. */
	struct memsink m3 = { 0 };
	struct netif_sink sink3 = { mem_write, mem_close, &m3 };
	CHECK_EQ_INT(netif_hooks_attach(&n, &hooks, "loss:200", &sink3), -EINVAL);
	CHECK_EQ_UINT(m3.closes, 1);
	CHECK(n.hooks == NULL);
	free(m.data);
	free(m3.data);
}

/* ---- tshark reads what we write ---- */

static int file_fd;
static int file_write(void *arg, const struct io_vec *iov, unsigned niov)
{
	(void)arg;
	for (unsigned i = 0; i < niov; i++)
		if (write(file_fd, iov[i].base, iov[i].len) != (ssize_t)iov[i].len)
			return -EIO;
	return 0;
}

/* A well-formed Ethernet + IPv4 + UDP frame with correct checksums. */
static size_t udp_frame(uint8_t *f, uint16_t sport, size_t payload)
{
	static const uint8_t dst[6] = { 0x02, 0, 0, 0, 0, 1 }, src[6] = { 0x02, 0, 0, 0, 0, 2 };
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	buf_store_be16(f + 12, 0x0800);
	uint8_t *ip = f + 14;
	memset(ip, 0, 20);
	ip[0] = 0x45;
	buf_store_be16(ip + 2, (uint16_t)(20 + 8 + payload));
	buf_store_be16(ip + 4, sport);
	buf_store_be16(ip + 6, 0x4000);
	ip[8] = 64;
	ip[9] = 17;
	buf_store_be32(ip + 12, 0x0a000002);
	buf_store_be32(ip + 16, 0x0a000001);
	buf_store_be16(ip + 10, cksum(ip, 20));
	uint8_t *u = ip + 20;
	buf_store_be16(u, sport);
	buf_store_be16(u + 2, 5555);
	buf_store_be16(u + 4, (uint16_t)(8 + payload));
	buf_store_be16(u + 6, 0);
	for (size_t i = 0; i < payload; i++)
		u[8 + i] = (uint8_t)('a' + i % 26);
	struct cksum c;
	cksum_init(&c);
	cksum_add(&c, ip + 12, 8);
	cksum_add_be16(&c, 17);
	cksum_add_be16(&c, (uint16_t)(8 + payload));
	cksum_add(&c, u, 8 + payload);
	uint16_t s = cksum_finish(&c);
	buf_store_be16(u + 6, s ? s : 0xffff);
	return 14 + 20 + 8 + payload;
}

static int run_capture(const char *cmd, char *out, size_t cap)
{
	FILE *p = popen(cmd, "r");
	if (!p)
		return -1;
	size_t n = fread(out, 1, cap - 1, p);
	out[n] = 0;
	int st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_tshark(bool nsec)
{
	if (system("command -v tshark >/dev/null 2>&1") != 0) {
		printf("tshark is not installed (Debian package tshark): its check is skipped\n");
		return;
	}
	char path[] = "/tmp/test_netif_pcap_XXXXXX";
	file_fd = mkstemp(path);
	CHECK(file_fd >= 0);
	struct netif_sink sink = { file_write, NULL, NULL };
	struct netif_pcap pc;
	struct netif_pcap_options o = { .nsec = nsec };
	CHECK_EQ_INT(netif_pcap_open(&pc, &sink, &o), 0);
	uint8_t f[1600];
	for (int i = 0; i < 5; i++) {
		size_t len = udp_frame(f, (uint16_t)(1000 + i), (size_t)(i * 300));
		struct io_vec v[2] = { { f, 14 }, { f + 14, len - 14 } };
		netif_pcap_frame(&pc, 1700000000000000000LL + i * 1500, v, 2);
	}
	netif_pcap_close(&pc);
	close(file_fd);

	char cmd[512], out[4096];
	snprintf(cmd, sizeof cmd,
	         "tshark -r %s -T fields -e frame.number -e frame.len -e udp.srcport -e frame.time_epoch 2>/dev/null",
	         path);
	CHECK_EQ_INT(run_capture(cmd, out, sizeof out), 0);
	/* frame.time_epoch keeps nanoseconds only from a nanosecond file. */
	char want[1024] = "";
	for (int i = 0; i < 5; i++) {
		char line[128];
		long ns = i * 1500;
		if (nsec)
			snprintf(line, sizeof line, "%d\t%d\t%d\t1700000000.%09ld\n", i + 1, 42 + i * 300, 1000 + i, ns);
		else
			snprintf(line, sizeof line, "%d\t%d\t%d\t1700000000.%09ld\n", i + 1, 42 + i * 300, 1000 + i,
			         ns / 1000 * 1000);
		strcat(want, line);
	}
	CHECK_EQ_STR(out, want);
	snprintf(cmd, sizeof cmd,
	         "tshark -r %s -o udp.check_checksum:TRUE -o ip.check_checksum:TRUE "
	         "-Y '_ws.malformed || _ws.expert.severity >= warning' 2>/dev/null",
	         path);
	CHECK_EQ_INT(run_capture(cmd, out, sizeof out), 0);
	CHECK_EQ_STR(out, "");
	unlink(path);
}

int main(void)
{
	test_layout(false);
	test_layout(true);
	test_snaplen_and_big_frames();
	test_sink_error();
	test_wrapper_capture();
	test_tshark(false);
	test_tshark(true);
	return check_report();
}
