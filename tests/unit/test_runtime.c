/* Unit tests of lib/runtime.c with a hand-written device table standing in
 * for a generated devtab.c: defaults, --NAME=VALUE and --NAME VALUE,
 * every command-line error (exit 2, message naming the option), --help,
 * connect failure unwinding in reverse order (exit 1), the entry's exit
 * code, and a stop requested from a timer. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib/param.h"
#include "lib/platform.h"
#include "lib/runtime.h"
#include "lib/sched.h"
#include "tests/unit/check.h"

static char trace[512];

static void tr(const char *s)
{
	size_t n = strlen(trace);
	snprintf(trace + n, sizeof trace - n, "%s%s", n ? " " : "", s);
}

static int fail_b;

static int connect_a(void) { tr("c:a"); return 0; }
static int connect_b(void)
{
	tr("c:b");
	fiber_yield(); /* connect runs in a fiber and may block */
	return fail_b;
}
static int connect_c(void) { tr("c:c"); return 0; }
static void disconnect_a(void) { tr("d:a"); }
static void disconnect_b(void) { tr("d:b"); }
static void disconnect_c(void) { tr("d:c"); }

static const struct devtab_entry devices[] = {
	{ "a", "console", "fake", connect_a, disconnect_a },
	{ "net", "stack", "fake", connect_b, disconnect_b },
	{ "c", "kv", "fake", connect_c, disconnect_c },
};

static struct {
	uint16_t port;
	struct ipv4_cidr ip;
	bool verbose;
	const char *dir;
	uint64_t timeout;
} P;

static struct param_def params[] = {
	{ "net-port", PARAM_U16, "8080", "TCP port to listen on", &P.port, true },
	{ "net-ip", PARAM_CIDR, "10.0.0.2/24", "address and prefix", &P.ip, true },
	{ "verbose", PARAM_BOOL, "false", "say more", &P.verbose, true },
	{ "kv-dir", PARAM_PATH, "/srv", "folder baked in", &P.dir, false },
	{ "a-rather-long-parameter-name-here", PARAM_DURATION, "5s", "long names wrap", &P.timeout, true },
};

static int entry_rc;
static int entry_mode; /* 0 return entry_rc, 1 block until stopped, 2 request stop then return */
static struct cond never;

static int entry(void)
{
	tr("entry");
	if (entry_mode == 1) {
		cond_init(&never);
		cond_wait(&never, plat_monotonic_ns() + 10000000000ull);
		tr("woke");
	} else if (entry_mode == 2) {
		runtime_request_stop(3);
		runtime_request_stop(4);
		fiber_yield();
	}
	return entry_rc;
}

static struct runtime_app app = {
	.name = "test",
	.target = "unix-test",
	.summary = "a test app",
	.devices = devices,
	.ndevices = 3,
	.params = params,
	.nparams = 5,
	.entry = entry,
};

/* Run runtime_main with the given arguments, capturing stdout+stderr. */
static char output[8192];

static int run(const char *const *args)
{
	char *argv[16];
	int argc = 0;
	argv[argc++] = (char *)"test";
	for (; args && *args; args++)
		argv[argc++] = (char *)*args;
	argv[argc] = NULL;
	trace[0] = '\0';

	int p[2];
	if (pipe(p) != 0)
		return -1;
	fflush(stdout);
	fflush(stderr);
	int s1 = dup(1), s2 = dup(2);
	dup2(p[1], 1);
	dup2(p[1], 2);
	close(p[1]);
	int rc = runtime_main(&app, argc, argv);
	fflush(stdout);
	dup2(s1, 1);
	dup2(s2, 2);
	close(s1);
	close(s2);
	ssize_t n = read(p[0], output, sizeof output - 1);
	output[n > 0 ? n : 0] = '\0';
	close(p[0]);
	return rc;
}

#define HAS(s)                                                                  \
	do {                                                                    \
		check_count++;                                                  \
		if (!strstr(output, s)) {                                       \
			check_failed++;                                         \
			fprintf(stderr, "%s:%d: output lacks \"%s\":\n%s\n", __FILE__, __LINE__, s, output); \
		}                                                               \
	} while (0)

static void test_defaults_and_exit_code(void)
{
	entry_mode = 0;
	entry_rc = 7;
	CHECK_EQ_INT(run(NULL), 7);
	CHECK_EQ_STR(trace, "c:a c:b c:c entry d:c d:b d:a");
	CHECK_EQ_INT(P.port, 8080);
	CHECK_EQ_UINT(P.ip.addr.v, 0x0a000002);
	CHECK_EQ_INT(P.ip.prefix, 24);
	CHECK(!P.verbose);
	CHECK_EQ_STR(P.dir, "/srv");
	CHECK_EQ_UINT(P.timeout, 5000000000ull);
	CHECK_EQ_STR(output, "");
}

static void test_overrides(void)
{
	entry_mode = 0;
	entry_rc = 0;
	const char *a1[] = { "--net-port=9090", "--net-ip", "192.168.1.5/16", "--verbose", NULL };
	CHECK_EQ_INT(run(a1), 0);
	CHECK_EQ_INT(P.port, 9090);
	CHECK_EQ_UINT(P.ip.addr.v, 0xc0a80105);
	CHECK_EQ_INT(P.ip.prefix, 16);
	CHECK(P.verbose);
	CHECK_EQ_STR(trace, "c:a c:b c:c entry d:c d:b d:a");

	/* defaults come back on the next run; a bool takes an explicit value */
	const char *a2[] = { "--verbose=no", "--net-port", "1", NULL };
	CHECK_EQ_INT(run(a2), 0);
	CHECK(!P.verbose);
	CHECK_EQ_INT(P.port, 1);
	CHECK_EQ_UINT(P.ip.addr.v, 0x0a000002);

	const char *a3[] = { "--log=runtime:debug", NULL };
	CHECK_EQ_INT(run(a3), 0);
	HAS("runtime: connecting net (stack fake)");
	HAS("runtime: disconnecting a (console fake)");
	const char *a4[] = { "--log", "runtime:info", NULL };
	CHECK_EQ_INT(run(a4), 0);
	CHECK_EQ_STR(output, "");
}

static void bad_args(const char *const *args, const char *msg)
{
	CHECK_EQ_INT(run(args), 2);
	HAS(msg);
	HAS("Try 'test --help'");
	CHECK_EQ_STR(trace, ""); /* nothing was connected */
}

static void test_bad_args(void)
{
	const char *a1[] = { "--net-port=99999", NULL };
	bad_args(a1, "test: --net-port: expected a whole number from 0 to 65535 (got '99999')\n");
	const char *a2[] = { "--net-ip", "10.0.0.1/33", NULL };
	bad_args(a2, "test: --net-ip: prefix length must be 0 to 32");
	const char *a3[] = { "--nope=1", NULL };
	bad_args(a3, "test: --nope: unknown option\n");
	const char *a4[] = { "--kv-dir=/etc", NULL };
	bad_args(a4, "test: --kv-dir: fixed when the app was built");
	const char *a5[] = { "--net-port", NULL };
	bad_args(a5, "test: --net-port: missing value\n");
	const char *a6[] = { "stray", NULL };
	bad_args(a6, "test: unexpected argument 'stray'");
	const char *a7[] = { "--", NULL };
	bad_args(a7, "test: unexpected argument '--'");
	const char *a8[] = { "--log=nosuch:debug", NULL };
	bad_args(a8, "test: --log: unknown log source 'nosuch'");
	const char *a9[] = { "--verbose=maybe", NULL };
	bad_args(a9, "test: --verbose: expected true or false");
	const char *a10[] = { "--net-port=80", "--net-port=x", NULL };
	bad_args(a10, "test: --net-port: expected a whole number");
}

static void test_help(void)
{
	const char *a1[] = { "--net-port=1", "--help", "--nope", NULL };
	CHECK_EQ_INT(run(a1), 0);
	HAS("test: a test app\n");
	HAS("target: unix-test\n");
	HAS("usage: test [--NAME=VALUE ...]");
	HAS("\n  --net-port=u16  TCP port to listen on (default: 8080)\n");
	HAS("\n  --net-ip=cidr   address and prefix (default: 10.0.0.2/24)\n");
	HAS("\n  --verbose=bool  say more (default: false)\n");
	HAS("\n  --a-rather-long-parameter-name-here=duration\n"
	    "                  long names wrap (default: 5s)\n");
	HAS("\n  --log=SPEC      log levels per source");
	HAS("\n  --help, -h      show this help and exit\n");
	HAS("fixed when the app was built:\n  kv-dir = /srv  folder baked in\n");
	CHECK(!strstr(output, "--kv-dir"));
	CHECK_EQ_STR(trace, "");
	const char *a2[] = { "-h", NULL };
	CHECK_EQ_INT(run(a2), 0);
	HAS("usage: test");
}

static void test_bad_default(void)
{
	params[0].def = "80000";
	CHECK_EQ_INT(run(NULL), 2);
	HAS("test: --net-port: bad default '80000'");
	params[0].def = "8080";
}

static void test_connect_failure(void)
{
	entry_mode = 0;
	fail_b = -EADDRINUSE;
	CHECK_EQ_INT(run(NULL), 1);
	CHECK_EQ_STR(trace, "c:a c:b d:a");
	HAS("test: cannot connect device 'net' (stack fake): EADDRINUSE (address already in use)\n");
	/* The failed device's run-time options follow, as they were set. */
	HAS("test: the options of device 'net' were --net-port=8080 --net-ip=10.0.0.2/24 (see --help)\n");
	const char *a1[] = { "--net-port=81", "--verbose=true", NULL };
	CHECK_EQ_INT(run(a1), 1);
	HAS("were --net-port=81 --net-ip=10.0.0.2/24 (see --help)\n");
	CHECK(!strstr(output, "verbose")); /* an app option, not the device's */
	fail_b = -4242;
	CHECK_EQ_INT(run(NULL), 1);
	HAS("error -4242");
	fail_b = 0;
}

static void test_stop_from_entry(void)
{
	entry_mode = 2;
	entry_rc = 9;
	CHECK_EQ_INT(run(NULL), 3); /* the first stop code wins over the entry's */
	CHECK_EQ_STR(trace, "c:a c:b c:c entry d:c d:b d:a");
}

static void stop_timer_cb(struct timer *t, void *arg)
{
	(void)t;
	(void)arg;
	runtime_request_stop(0);
	runtime_request_stop(5);
}

static struct timer stop_timer;

static int entry_with_timer(void)
{
	timer_init(&stop_timer, stop_timer_cb, NULL);
	timer_start(&stop_timer, plat_monotonic_ns() + 20000000);
	return entry();
}

static void test_stop_request(void)
{
	entry_mode = 1;
	entry_rc = 9;
	app.entry = entry_with_timer;
	uint64_t t0 = plat_monotonic_ns();
	CHECK_EQ_INT(run(NULL), 0);
	uint64_t el = plat_monotonic_ns() - t0;
	CHECK(el >= 20000000 && el < 2000000000);
	CHECK_EQ_STR(trace, "c:a c:b c:c entry d:c d:b d:a");
	app.entry = entry;
}

int main(void)
{
	test_defaults_and_exit_code();
	test_overrides();
	test_bad_args();
	test_help();
	test_bad_default();
	test_connect_failure();
	test_stop_from_entry();
	test_stop_request(); /* last: leaves the blocked entry fiber behind */
	return check_report();
}
