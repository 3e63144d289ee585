/* Two net stacks back to back through the fake wire: a few MiB each way
 * at once over a clean link, then over a hostile one (loss, reordering,
 * duplication, seeded so that a failure replays), every byte checked, and
 * both connections closed cleanly at the end. */
#include "check.h"
#include "net_fake.h"
#include "protocols/net/tcp.h"

#define IP_A FAKE_IP(10, 0, 0, 1)
#define IP_B FAKE_IP(10, 0, 0, 2)

static void run(const char *name, unsigned loss, unsigned reorder, unsigned dup, uint64_t seed,
                uint64_t bytes, uint64_t limit_s)
{
	static struct fake_wire w;
	memset(&w, 0, sizeof w);
	w.now = 1000 * FAKE_S;
	w.delay = 200 * 1000; /* 200 us each way */
	w.loss = loss;
	w.reorder = reorder;
	w.dup = dup;
	w.rng = seed;
	struct net_tunables t;
	memset(&t, 0, sizeof t);
	w.net[0] = fake_net(&w.link[0], &w.now, &fake_mac_a, IP_A, 24, 0, &t, 11);
	w.net[1] = fake_net(&w.link[1], &w.now, &fake_mac_b, IP_B, 24, 0, &t, 12);
	net_up(w.net[0]);
	net_up(w.net[1]);

	struct tcp_listener *l;
	struct fake_stream a = { 0 }, b = { 0 };
	CHECK_EQ_INT(tcp_listen(w.net[0], 0, 80, 4, &l), 0);
	CHECK_EQ_INT(tcp_connect(w.net[1], IP_A, 80, &b.p), 0);
	uint64_t start = w.now, deadline = w.now + limit_s * FAKE_S;
	while (!a.p && w.now < deadline) {
		fake_wire_step(&w, deadline);
		if (tcp_accept(l, &a.p) == 0)
			break;
	}
	CHECK(a.p != NULL);
	if (!a.p)
		return;
	CHECK_EQ_INT(tcp_state(b.p), TCP_ESTABLISHED);
	a.total = b.total = bytes;
	a.salt_out = b.salt_in = 1;
	b.salt_out = a.salt_in = 2;
	while (w.now < deadline && !(a.eof && b.eof && a.sent == a.total && b.sent == b.total)) {
		fake_stream_pump(&a);
		fake_stream_pump(&b);
		fake_wire_step(&w, deadline);
	}
	uint64_t took = w.now - start;
	CHECK(!a.bad && !b.bad && !a.shut_failed && !b.shut_failed);
	CHECK_EQ_UINT(a.rcvd, bytes);
	CHECK_EQ_UINT(b.rcvd, bytes);
	CHECK(a.eof && b.eof);
	tcp_close(a.p);
	tcp_close(b.p);
	/* Let FINs, ACKs and TIME_WAIT run out. */
	while (fake_wire_step(&w, w.now + 200 * FAKE_S))
		;
	CHECK_EQ_UINT(w.net[0]->tcp_flows, 0);
	CHECK_EQ_UINT(w.net[1]->tcp_flows, 0);
	const struct net_stats *sa = net_get_stats(w.net[0]), *sb = net_get_stats(w.net[1]);
	printf("%s: %llu bytes each way in %.3f s virtual (%.1f Mb/s); lost %lu reordered %lu dup %lu; "
	       "rexmt %llu/%llu fast %llu/%llu timeouts %llu/%llu ooo %llu/%llu\n",
	       name, (unsigned long long)bytes, (double)took / 1e9, (double)bytes * 8 / ((double)took / 1e9) / 1e6,
	       w.lost, w.reordered, w.duplicated, (unsigned long long)sa->tcp_rexmt,
	       (unsigned long long)sb->tcp_rexmt, (unsigned long long)sa->tcp_fast_rexmt,
	       (unsigned long long)sb->tcp_fast_rexmt, (unsigned long long)sa->tcp_timeouts,
	       (unsigned long long)sb->tcp_timeouts, (unsigned long long)sa->tcp_ooo_segs,
	       (unsigned long long)sb->tcp_ooo_segs);
	tcp_listener_close(l);
	fake_wire_free(&w);
	net_destroy(w.net[0]);
	net_destroy(w.net[1]);
}

int main(void)
{
	if (!getenv("ONLY")) run("clean", 0, 0, 0, 1, 4u << 20, 60);
	run("hostile", 5, 10, 1, 42, 3u << 20, 600);
	run("hostile-2", 3, 20, 3, 7, 2u << 20, 600);
	return check_report();
}
