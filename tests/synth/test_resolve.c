/* Unit test of synth's catalogue parser and resolver over the made-up
 * catalogue in tests/synth/fixtures/: target defaults, overrides by
 * device name and by kind, implicit dependency devices, connect order,
 * parameter binding, and every resolution error (unknown target or
 * implementation, implementation not offered, missing dependency,
 * cycles, bad set, name clashes). */
#include <stdlib.h>
#include <string.h>

#include "synth/synth.h"
#include "synth_test.h"

static struct arena CA, A;
static struct diag D;
static struct catalogue cat;

/* Resolve manifest text for target with overrides "a=b c=d". */
static struct graph *res(const char *text, const char *target, const char *ovs)
{
	arena_free(&A);
	diag_free(&D);
	struct manifest *m = manifest_parse(&A, &D, "t.synth", text, strlen(text), "/app");
	if (!m)
		return NULL;
	struct override *ov = arena_alloc(&A, 16 * sizeof *ov);
	size_t n = 0;
	char *list = arena_strdup(&A, ovs);
	for (char *tok = strtok(list, " "); tok && n < 16; tok = strtok(NULL, " ")) {
		char *eq = strchr(tok, '=');
		*eq = 0;
		ov[n].key = tok;
		ov[n].impl = eq + 1;
		n++;
	}
	return resolve(&A, &D, m, &cat, target, ov, n);
}

static void expect_error_at(int line, const char *text, const char *target, const char *ovs, const char *want)
{
	struct graph *g = res(text, target, ovs);
	expect_diag(__FILE__, line, g != NULL, buf_cstr(&D.text), want);
}
#define EXPECT_ERROR(text, target, ovs, want) expect_error_at(__LINE__, text, target, ovs, want)

static struct rdevice *dev(struct graph *g, size_t i)
{
	return i < g->order.n ? g->order.v[i] : NULL;
}

static const char *order(struct graph *g)
{
	struct buf b = { 0 };
	for (size_t i = 0; i < g->order.n; i++) {
		struct rdevice *r = g->order.v[i];
		buf_printf(&b, "%s%s=%s", i ? " " : "", r->name, r->impl->name);
	}
	char *s = arena_strdup(&A, buf_cstr(&b));
	buf_free(&b);
	return s;
}

static const char *param(struct rdevice *r, const char *runtime_name)
{
	for (size_t i = 0; i < r->iparams.n; i++) {
		struct rparam *p = r->iparams.v[i];
		if (strcmp(p->runtime_name, runtime_name) == 0)
			return p->value;
	}
	for (size_t i = 0; i < r->mparams.n; i++) {
		struct rparam *p = r->mparams.v[i];
		if (strcmp(p->runtime_name, runtime_name) == 0)
			return p->value;
	}
	return NULL;
}

#define APP "app a\n  entry a_main\n  sources a.c\n"
#define WWW APP "device console console\ndevice stack net\ndevice kv content\n  set dir = site\n"

static void test_catalogue_loaded(void)
{
	CHECK_EQ_INT(cat.targets.n, 2);
	CHECK(catalogue_target(&cat, "alpha") != NULL);
	struct impl *im = catalogue_impl(&cat, kind_lookup("stack", 5), "tcpip");
	CHECK(im != NULL);
	if (im) {
		CHECK_EQ_INT(im->needs.n, 2);
		CHECK_EQ_STR(synth_kinds[im->needs_kind[0]].name, "netif");
		CHECK_EQ_INT(im->params.n, 2);
		CHECK(impl_on_target(im, "beta"));
	}
	im = catalogue_impl(&cat, kind_lookup("kv", 2), "ram");
	CHECK(im && im->gen && strcmp(im->gen, "ramdisk") == 0);
}

static void test_defaults(void)
{
	struct graph *g = res(WWW, "alpha", "");
	CHECK(g != NULL);
	if (!g)
		return;
	CHECK_EQ_STR(order(g), "console=stdout net=sock content=ram");
	CHECK_EQ_STR(dev(g, 1)->chosen_by, "default");
	CHECK_EQ_STR(param(dev(g, 1), "net-backlog"), "128");
	CHECK_EQ_STR(param(dev(g, 2), "content-dir"), "/app/site");
	CHECK(((struct rparam *)dev(g, 2)->iparams.v[0])->from_set);
	CHECK(((struct rparam *)dev(g, 2)->iparams.v[0])->decl->fixed);
}

static void test_overrides(void)
{
	/* By kind: tcpip brings its netif and clock as new devices, first. */
	struct graph *g = res(WWW, "alpha", "stack=tcpip");
	CHECK(g != NULL);
	if (g) {
		CHECK_EQ_STR(order(g), "console=stdout net_netif=tap net_clock=mono net=tcpip content=ram");
		struct rdevice *net = dev(g, 3);
		CHECK_EQ_STR(net->chosen_by, "--stack");
		CHECK(net->deps[0] == dev(g, 1));
		CHECK(net->deps[1] == dev(g, 2));
		CHECK(dev(g, 1)->m == NULL && dev(g, 1)->parent == net);
		CHECK_EQ_STR(param(dev(g, 1), "net_netif-ifname"), "tap0");
		CHECK_EQ_STR(param(net, "net-ip"), "10.0.0.2/24");
	}
	/* The device's own name beats its kind. */
	g = res(WWW, "alpha", "stack=tcpip net=sock");
	CHECK(g && strcmp(order(g), "console=stdout net=sock content=ram") == 0);
	g = res(WWW, "alpha", "kv=host");
	CHECK(g && strcmp(order(g), "console=stdout net=sock content=host") == 0);
	if (g)
		CHECK_EQ_STR(param(dev(g, 2), "content-dir"), "/app/site");
	/* Implicit devices are overridable by their generated name too. */
	g = res(WWW, "beta", "net_netif=front kv=ram");
	CHECK(g && strcmp(order(g), "console=xencons net_netif=front net_clock=mono net=tcpip content=ram") == 0);
	/* A path default of a dependency is made absolute too. */
	g = res(WWW, "alpha", "kv=fat");
	CHECK(g && strcmp(order(g), "console=stdout net=sock content_block=file content=fat") == 0);
	if (g)
		CHECK_EQ_STR(param(dev(g, 2), "content_block-image"), "/app/disk.img");
	/* A set for a parameter only another implementation has is fine. */
	g = res(APP "device kv content\n  set partition = 2\n", "alpha", "");
	CHECK(g != NULL);
}

static void test_explicit_dependency(void)
{
	/* Declaring the dependency under its generated name configures it. */
	struct graph *g = res(APP "device stack net\ndevice netif net_netif\n  set ifname = tap7\n", "alpha",
	                      "stack=tcpip");
	CHECK(g != NULL);
	if (!g) {
		fputs(buf_cstr(&D.text), stderr);
		return;
	}
	CHECK_EQ_STR(order(g), "net_netif=tap net_clock=mono net=tcpip");
	CHECK(dev(g, 0)->m != NULL);
	CHECK_EQ_STR(param(dev(g, 0), "net_netif-ifname"), "tap7");
	EXPECT_ERROR(APP "device stack net\ndevice kv net_netif\n", "alpha", "stack=tcpip",
	             "t.synth:5:11: error: device 'net_netif' is a kv, but 'net' (stack tcpip) needs a netif under that name");
}

static void test_inherited_sets(void)
{
	/* A dependency synth adds takes the set lines of the device it serves. */
	struct graph *g = res(WWW, "alpha", "kv=fat block=baked");
	CHECK(g != NULL);
	if (!g) {
		fputs(buf_cstr(&D.text), stderr);
		return;
	}
	CHECK_EQ_STR(order(g), "console=stdout net=sock content_block=baked content=fat");
	CHECK_EQ_STR(param(dev(g, 2), "content_block-dir"), "/app/site");
	struct rparam *rp = dev(g, 2)->iparams.v[0];
	CHECK(rp->from_set);
	CHECK_EQ_STR(rp->set_on, "content");
	/* Its own block in the manifest wins. */
	g = res(WWW "device block content_block\n  set dir = other\n", "alpha", "kv=fat block=baked");
	CHECK(g != NULL);
	if (g) {
		CHECK_EQ_STR(param(dev(g, 2), "content_block-dir"), "/app/other");
		CHECK(((struct rparam *)dev(g, 2)->iparams.v[0])->set_on == NULL);
	}
	/* A value the dependency's parameter cannot take is an error there. */
	EXPECT_ERROR(APP "device kv content\n  set partition = 2\n", "alpha", "kv=fat block=baked",
	             "t.synth:5:19: error: invalid value '2' for bool parameter 'partition' of block baked (device content_block, which content needs): ");
}

static void test_errors(void)
{
	EXPECT_ERROR(WWW, "gamma", "", "synth: error: unknown target 'gamma' (targets: alpha, beta)");
	EXPECT_ERROR(WWW, "alpha", "stack=nope",
	             "synth: error: unknown stack implementation 'nope' in --stack=nope (stack implementations: sock, tcpip, loopy, self)");
	EXPECT_ERROR(WWW, "alpha", "net=nope",
	             "t.synth:5:14: error: unknown stack implementation 'nope' for device 'net' (chosen by --net; stack implementations: sock, tcpip, loopy, self)");
	EXPECT_ERROR(WWW, "beta", "kv=host",
	             "t.synth:6:11: error: kv implementation 'host' for device 'content' (chosen by --kv) is not offered on target 'beta' (offered there: ram, fat)");
	EXPECT_ERROR(WWW, "alpha", "stack=tcpip netif=front",
	             "t.synth:5:14: error: netif implementation 'front' for device 'net_netif' (chosen by --netif) is not offered on target 'alpha' (offered there: tap, loopy)");
	EXPECT_ERROR(WWW, "beta", "",
	             "t.synth:6:11: error: no implementation chosen for kv device 'content': target 'beta' has no default kv (offered there: ram, fat; choose one with --content=IMPL or --kv=IMPL)");
	EXPECT_ERROR(WWW, "beta", "kv=fat",
	             "t.synth:6:11: error: missing dependency: device 'content' (kv fat) needs a block (device 'content_block'), but target 'beta' has no default block implementation (offered there: none; choose one with --content_block=IMPL or --block=IMPL)");
	EXPECT_ERROR(WWW, "alpha", "stack=loopy netif=loopy",
	             "t.synth:5:14: error: dependency cycle: stack loopy -> netif loopy -> stack loopy");
	EXPECT_ERROR(WWW, "alpha", "stack=self", "t.synth:5:14: error: dependency cycle: stack self -> stack self");
	EXPECT_ERROR(WWW, "alpha", "frob=x", "synth: error: --frob=x names neither a device of app 'a'");
	EXPECT_ERROR(WWW, "alpha", "kv=host kv=ram", "synth: error: --kv is given twice");
}

static void test_params_and_names(void)
{
	EXPECT_ERROR(APP "device kv content\n  set nope = 1\n", "alpha", "",
	             "t.synth:5:7: error: no kv implementation has a parameter 'nope' (parameters of kv implementations: dir (ram), dir (host), partition (fat))");
	EXPECT_ERROR(APP "device stack net\n  set backlog = -1\n", "alpha", "",
	             "t.synth:5:17: error: invalid value '-1' for u32 parameter 'backlog' of stack sock: ");
	EXPECT_ERROR(APP "device stack net\n  param backlog: u32 = 5 \"h\"\n", "alpha", "",
	             "t.synth:5:9: error: parameter 'backlog' of device 'net' clashes with the parameter of the same name of stack sock");
	EXPECT_ERROR(APP "  param net-backlog: u32 = 5 \"h\"\ndevice stack net\n", "alpha", "",
	             "t.synth:5:14: error: parameter 'net-backlog' of the app and parameter 'backlog' of net share the command-line option --net-backlog");
	EXPECT_ERROR(APP "device stack stack_socket\n", "alpha", "",
	             "t.synth:4:14: error: device name 'stack_socket' is the symbol prefix of stack sock");
	EXPECT_ERROR(APP "  targets beta\ndevice console c\n", "alpha", "",
	             "t.synth:4:11: error: app 'a' does not allow target 'alpha' (its 'targets' line allows: beta)");
	EXPECT_ERROR(APP "  targets alpha gamma\n", "alpha", "", "t.synth:4:17: error: unknown target 'gamma' (targets: alpha, beta)");
	CHECK(res(APP "  targets beta alpha\ndevice console c\n", "alpha", "") != NULL);
}

static void cat_error_at(int line, const char *text, const char *want)
{
	struct arena a = { 0 };
	struct diag d = { 0 };
	struct catalogue c = { 0 };
	bool ok = catalogue_parse(&a, &d, &c, "c.synth", text, strlen(text)) && catalogue_check(&d, &c);
	expect_diag(__FILE__, line, ok, buf_cstr(&d.text), want);
	arena_free(&a);
	diag_free(&d);
}
#define CAT_ERROR(text, want) cat_error_at(__LINE__, text, want)

#define T "target t\n  backend b\n  runtime r\n"
#define I "impl kv k\n  targets t\n  header h.h\n  symbol s\n"

/* An implementation may name targets no catalogue defines (a backend this
 * installation lacks): the catalogue still loads. */
static void test_catalogue_unknown_target_ignored(void)
{
	struct arena a = { 0 };
	struct diag d = { 0 };
	struct catalogue c = { 0 };
	const char *text = T I "  targets zeta\n";
	CHECK(catalogue_parse(&a, &d, &c, "c.synth", text, strlen(text)) && catalogue_check(&d, &c));
	CHECK(catalogue_target(&c, "zeta") == NULL);
	arena_free(&a);
	diag_free(&d);
}

static void test_catalogue_errors(void)
{
	CAT_ERROR("thing x\n", "c.synth:1:1: error: expected 'target' or 'impl' at the start of a block, found 'thing'");
	CAT_ERROR("  backend b\n", "c.synth:1:3: error: indented statement outside a block");
	CAT_ERROR("target t\n  runtime r\n", "c.synth:1:8: error: target 't' has no 'backend'");
	CAT_ERROR("target t\n  backend b\n", "c.synth:1:8: error: target 't' has no 'runtime'");
	CAT_ERROR(T "  default kv a\n  default kv b\n", "c.synth:5:11: error: second default for kind kv (the first is at line 4)");
	CAT_ERROR(T "  default widget a\n", "c.synth:4:11: error: unknown device kind 'widget'");
	CAT_ERROR(T "  runtime q\n", "c.synth:4:3: error: duplicate 'runtime' (the first is at line 3)");
	CAT_ERROR(T "  color red\n", "c.synth:4:3: error: unknown statement 'color' in a target block");
	CAT_ERROR(T "impl kv k\n  targets t\n  symbol s\n", "c.synth:4:9: error: implementation kv k has no 'header'");
	CAT_ERROR(T "impl kv k\n  targets t\n  header h.h\n", "c.synth:4:9: error: implementation kv k has no 'symbol'");
	CAT_ERROR(T "impl kv k\n  header h.h\n  symbol s\n", "c.synth:4:9: error: implementation kv k has no 'targets'");
	CAT_ERROR(T I "  header /abs.h\n", "c.synth:8:3: error: duplicate 'header'");
	CAT_ERROR(T "impl kv k\n  targets t\n  header /abs.h\n  symbol s\n", "c.synth:6:10: error: invalid header path '/abs.h'");
	CAT_ERROR(T "impl kv k\n  targets t\n  header h.h\n  symbol 1s\n", "c.synth:7:10: error: invalid symbol prefix '1s'");
	CAT_ERROR(T I "  needs gizmo\n", "c.synth:8:9: error: unknown device kind 'gizmo'");
	CAT_ERROR(T I "  generate zip dir\n", "c.synth:8:12: error: unknown generator 'zip' (expected one of: ramdisk, fatimage)");
	CAT_ERROR(T I "  generate ramdisk dir\n", "c.synth:8:12: error: generator ramdisk reads parameter 'dir', which this implementation does not declare");
	CAT_ERROR(T I "  param dir: u32 = 1 \"h\"\n  generate ramdisk dir\n", "c.synth:9:12: error: generator ramdisk reads a path parameter, but 'dir' is a u32");
	CAT_ERROR(T I "  param dir: path = . \"h\"\n  param dir: path = . \"h\"\n", "c.synth:9:9: error: duplicate parameter 'dir' in this implementation");
	CAT_ERROR(T I "  layers tcp/ ip\n", "c.synth:8:10: error: invalid protocol layer 'tcp/' (expected [a-z][a-z0-9]*, alternatives joined by '/')");
	CAT_ERROR(T I "  layers\n", "c.synth:8:9: error: expected one or more protocol layers after 'layers', found end of line");
	CAT_ERROR(T I T, "c.synth:8:8: error: target 't' is defined twice (first at c.synth:1)");
	CAT_ERROR(T I I, "c.synth:8:9: error: implementation kv k is defined twice (first at c.synth:4)");
}

int main(void)
{
	struct diag cd = { 0 };
	if (!catalogue_load_file(&CA, &cd, &cat, SYNTH_SRCDIR "/tests/synth/fixtures/catalogue.synth") ||
	    !catalogue_check(&cd, &cat)) {
		fprintf(stderr, "cannot load the fixture catalogue:\n%s", buf_cstr(&cd.text));
		return 1;
	}
	test_catalogue_loaded();
	test_defaults();
	test_overrides();
	test_explicit_dependency();
	test_inherited_sets();
	test_errors();
	test_params_and_names();
	test_catalogue_errors();
	test_catalogue_unknown_target_ignored();
	arena_free(&A);
	arena_free(&CA);
	diag_free(&D);
	diag_free(&cd);
	return check_report();
}
