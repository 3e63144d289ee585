/* The stack device "tcpip" inside the real scheduler: two instances joined
 * by a pair of fake netifs that hand frames across from a scheduler timer,
 * put through the stack conformance suite (tests/unit/stack_suite.h) as
 * apps use them, plus what only an own stack on a link can show. */
#include "devices/netif.h"
#include "protocols/net/net.h"
#include "protocols/net/stack_tcpip.h"
#include "stack_suite.h"

#define IP_A 0x0a000001u /* 10.0.0.1: the servers */
#define IP_B 0x0a000002u /* 10.0.0.2: the clients */

/* ---- a pair of fake netifs ---- */

struct pkt {
	struct pkt *next;
	size_t len;
	uint8_t data[];
};

struct fake_nic {
	struct fake_nic *peer;
	struct mac_addr mac;
	netif_rx_fn rx;
	void *rx_arg;
	struct pkt *head, *tail; /* frames on their way to this nic */
	struct timer deliver;
	unsigned long frames;
};

static void nic_deliver(struct timer *t, void *arg)
{
	struct fake_nic *nic = arg;
	(void)t;
	while (nic->head) {
		struct pkt *p = nic->head;
		nic->head = p->next;
		if (!nic->head)
			nic->tail = NULL;
		if (nic->rx)
			nic->rx(nic->rx_arg, p->data, p->len);
		nic->frames++;
		free(p);
	}
}

static int nic_info(void *state, struct netif_info *out)
{
	struct fake_nic *nic = state;
	out->mac = nic->mac;
	out->mtu = 1500;
	return 0;
}

static int nic_send(void *state, const struct io_vec *iov, unsigned niov)
{
	struct fake_nic *to = ((struct fake_nic *)state)->peer;
	size_t len = 0;
	for (unsigned i = 0; i < niov; i++)
		len += iov[i].len;
	struct pkt *p = malloc(sizeof *p + len);
	if (!p)
		return -ENOBUFS;
	p->next = NULL;
	p->len = 0;
	for (unsigned i = 0; i < niov; i++) {
		memcpy(p->data + p->len, iov[i].base, iov[i].len);
		p->len += iov[i].len;
	}
	if (to->tail)
		to->tail->next = p;
	else
		to->head = p;
	to->tail = p;
	if (!timer_pending(&to->deliver))
		timer_start(&to->deliver, 0);
	return 0;
}

static void nic_set_rx(void *state, netif_rx_fn fn, void *arg)
{
	struct fake_nic *nic = state;
	nic->rx = fn;
	nic->rx_arg = arg;
}

static const struct netif_ops fake_nic_ops = {
	.name = "fake",
	.version = NETIF_OPS_V1,
	.info = nic_info,
	.send = nic_send,
	.set_rx = nic_set_rx,
};

static struct fake_nic nic_a = { .mac = { { 2, 0, 0, 0, 0, 0xa } } };
static struct fake_nic nic_b = { .mac = { { 2, 0, 0, 0, 0, 0xb } } };
static struct netif netif_a = { .name = "a", .ops = &fake_nic_ops, .state = &nic_a };
static struct netif netif_b = { .name = "b", .ops = &fake_nic_ops, .state = &nic_b };

static struct stack sa = { .name = "a" }, sb = { .name = "b" };
static struct stack_tcpip sa_state, sb_state;

static void disconnect_both(void)
{
	stack_tcpip_disconnect(&sa_state);
	stack_tcpip_disconnect(&sb_state);
}

/* What only an own stack on a link can show: no host answers ARP (a
 * timeout, not a refusal), and no route. */
static void test_unreachable(void)
{
	struct stack_flow *c;
	struct ip_endpoint ghost = { { 0x0a000063u }, 80 };
	CHECK_EQ_INT(stack_tcp_connect(&sb, &ghost, &c, after_ms(50)), -ETIMEDOUT);
	struct ip_endpoint far = { { 0xc0000201u }, 80 };
	CHECK_EQ_INT(stack_tcp_connect(&sb, &far, &c, after_ms(50)), -ENETUNREACH);
}

static void run_all(void *arg)
{
	(void)arg;
	suite_echo();
	suite_many();
	suite_bulk();
	suite_deadlines();
	test_unreachable();
	suite_udp();
	suite_close_while_waiting();
	suite_disconnect();
}

int main(void)
{
	nic_a.peer = &nic_b;
	nic_b.peer = &nic_a;
	timer_init(&nic_a.deliver, nic_deliver, &nic_a);
	timer_init(&nic_b.deliver, nic_deliver, &nic_b);
	struct stack_tcpip_config ca = { .ip = { { IP_A }, 24 }, .msl = 5 * 1000 * MS, .rto_min = 300 * MS,
	                                .sndbuf = 100 * 1024, .rcvbuf = 512 * 1024 }, cb = { .ip = { { IP_B }, 24 } };
	CHECK_EQ_INT(stack_tcpip_connect(&sa, &sa_state, &ca, &netif_a), 0);
	CHECK_EQ_INT(stack_tcpip_connect(&sb, &sb_state, &cb, &netif_b), 0);
	CHECK_EQ_STR(sa.ops->name, "tcpip");
	/* The device's parameters reach the protocol tunables; 0 keeps the
	 * defaults. */
	const struct net_tunables *ta = net_get_tunables(stack_tcpip_net(&sa_state));
	const struct net_tunables *tb = net_get_tunables(stack_tcpip_net(&sb_state));
	CHECK_EQ_UINT(ta->tcp_msl, 5 * 1000 * MS);
	CHECK_EQ_UINT(ta->tcp_rto_min, 300 * MS);
	CHECK_EQ_UINT(ta->tcp_sndbuf, 128 * 1024);
	CHECK_EQ_UINT(ta->tcp_rcvbuf, 512 * 1024);
	CHECK_EQ_UINT(tb->tcp_msl, 30 * 1000 * MS);
	CHECK_EQ_UINT(tb->tcp_rto_min, 200 * MS);
	CHECK_EQ_UINT(tb->tcp_sndbuf, 256 * 1024);
	S.srv = &sa;
	S.cli = &sb;
	S.srv_addr = IP_A;
	S.cli_addr = IP_B;
	S.nclients = 60;
	S.disconnect = disconnect_both;
	struct fiber *f = fiber_spawn(run_all, NULL, "tests", 0);
	CHECK(f != NULL);
	fiber_detach(f);
	CHECK_EQ_INT(sched_run(), 0);
	nic_deliver(NULL, &nic_a); /* free frames still on the way */
	nic_deliver(NULL, &nic_b);
	return check_report();
}
