/* Unit test of synth's manifest parser: a well-formed manifest read into
 * the model, and every class of error reported at its exact line and
 * column with what was expected. */
#include <stdlib.h>
#include <string.h>

#include "synth/synth.h"
#include "synth_test.h"

static struct arena A;
static struct diag D;

static struct manifest *parse_in(const char *text, const char *dir)
{
	arena_free(&A);
	diag_free(&D);
	return manifest_parse(&A, &D, "t.synth", text, strlen(text), dir);
}

static struct manifest *parse(const char *text)
{
	return parse_in(text, NULL);
}

static void expect_error_at(int line, const char *text, const char *want)
{
	struct manifest *m = parse(text);
	expect_diag(__FILE__, line, m != NULL, buf_cstr(&D.text), want);
}
#define EXPECT_ERROR(text, want) expect_error_at(__LINE__, text, want)

#define HEAD "app a\n  entry a_main\n  sources a.c\n"

static void test_good(void)
{
	struct manifest *m = parse("# a comment\n"
	                           "app www   # trailing comment\n"
	                           "  summary \"a \\\"quoted\\\" back\\\\slash # not a comment\"\n"
	                           "  entry www_main\n"
	                           "  sources main.c server.c\n"
	                           "  sources more/x.S\n"
	                           "  targets unix-socket xen\n"
	                           "  param max-connections: u32 = 1024 \"limit\"\n"
	                           "\tparam name:string=\"two words\"fixed\"help\"\n"
	                           "\n"
	                           "device console console\n"
	                           "device stack net\n"
	                           "  param addr: ipv4 = 127.0.0.1 \"address\"\n"
	                           "  param mac: mac = 02:00:00:00:00:01 fixed \"a mac\"\n"
	                           "device kv content\r\n"
	                           "  set dir = site\r\n"
	                           "  set name = \"a b\"\n");
	CHECK(m != NULL);
	if (!m) {
		fputs(buf_cstr(&D.text), stderr);
		return;
	}
	CHECK_EQ_INT(D.errors, 0);
	CHECK_EQ_STR(m->name, "www");
	CHECK_EQ_STR(m->summary, "a \"quoted\" back\\slash # not a comment");
	CHECK_EQ_STR(m->entry, "www_main");
	CHECK_EQ_INT(m->sources.n, 3);
	CHECK_EQ_STR(((struct word *)m->sources.v[2])->s, "more/x.S");
	CHECK_EQ_INT(m->targets.n, 2);
	CHECK_EQ_INT(m->params.n, 2);
	struct param_decl *p = m->params.v[0];
	CHECK_EQ_STR(p->name, "max-connections");
	CHECK_EQ_STR(p->cname, "max_connections");
	CHECK_EQ_INT(p->type, PARAM_U32);
	CHECK_EQ_STR(p->def, "1024");
	CHECK(!p->fixed);
	CHECK_EQ_INT(p->pos.line, 8);
	CHECK_EQ_INT(p->pos.col, 9);
	CHECK_EQ_INT(p->def_pos.col, 32);
	p = m->params.v[1];
	CHECK_EQ_STR(p->def, "two words");
	CHECK(p->fixed);
	CHECK_EQ_STR(p->help, "help");
	CHECK_EQ_INT(m->devices.n, 3);
	struct mdevice *d = m->devices.v[1];
	CHECK_EQ_STR(d->name, "net");
	CHECK_EQ_STR(synth_kinds[d->kind].name, "stack");
	CHECK_EQ_INT(d->pos.line, 12);
	CHECK_EQ_INT(d->pos.col, 14);
	CHECK_EQ_INT(d->params.n, 2);
	CHECK(((struct param_decl *)d->params.v[1])->fixed);
	d = m->devices.v[2];
	CHECK_EQ_INT(d->sets.n, 2);
	struct setting *s = d->sets.v[0];
	CHECK_EQ_STR(s->name, "dir");
	CHECK_EQ_STR(s->value, "site");
	CHECK_EQ_INT(s->value_pos.line, 16);
	CHECK_EQ_INT(s->value_pos.col, 13);
	CHECK_EQ_STR(((struct setting *)d->sets.v[1])->value, "a b");
}

static void test_lexical(void)
{
	EXPECT_ERROR(HEAD "  summary \"open\n", "t.synth:4:11: error: unterminated string");
	EXPECT_ERROR(HEAD "  summary \"a\\nb\"\n", "t.synth:4:13: error: unknown escape '\\n' in string");
	EXPECT_ERROR(HEAD "  summary \"a\\", "t.synth:4:11: error: unterminated string");
	static const char nul[] = HEAD "  summary \"a\0b\"\n";
	arena_free(&A);
	diag_free(&D);
	CHECK(manifest_parse(&A, &D, "t.synth", nul, sizeof nul - 1, NULL) == NULL);
	CHECK(has_line(buf_cstr(&D.text), "t.synth:4:13: error: NUL byte in the file"));
	EXPECT_ERROR(HEAD "  summary x\n", "t.synth:4:11: error: expected a \"quoted string\", found 'x'");
	EXPECT_ERROR(HEAD "  summary \"x\" y\n", "t.synth:4:15: error: expected end of line after the summary, found 'y'");
}

static void test_structure(void)
{
	EXPECT_ERROR("  entry x\n" HEAD, "t.synth:1:3: error: indented statement outside a block");
	EXPECT_ERROR(HEAD "service x\n", "t.synth:4:1: error: expected 'app' or 'device' at the start of a block, found 'service'");
	EXPECT_ERROR(HEAD "  frob 1\n", "t.synth:4:3: error: unknown statement 'frob' in the app block (expected one of: summary, entry, sources, targets, param)");
	EXPECT_ERROR(HEAD "device kv k\n  summary \"x\"\n", "t.synth:5:3: error: unknown statement 'summary' in a device block (expected 'param' or 'set')");
	EXPECT_ERROR(HEAD "app b\n", "t.synth:4:1: error: second 'app' block (the first is at line 1");
	EXPECT_ERROR("# nothing\ndevice kv k\n", "t.synth:1:1: error: missing 'app' block");
	EXPECT_ERROR("", "t.synth:1:1: error: missing 'app' block");
	EXPECT_ERROR("app a\n  sources a.c\n", "t.synth:1:1: error: missing 'entry' in the app block");
	EXPECT_ERROR("\napp a\n  entry m\n", "t.synth:2:1: error: missing 'sources' in the app block");
	EXPECT_ERROR(HEAD "  entry b\n", "t.synth:4:3: error: duplicate 'entry' (the first is at line 2)");
	EXPECT_ERROR(HEAD "  summary \"1\"\n  summary \"2\"\n", "t.synth:5:3: error: duplicate 'summary' (the first is at line 4)");
}

static void test_names(void)
{
	EXPECT_ERROR("app\n", "t.synth:1:4: error: expected an app name after 'app', found end of line");
	EXPECT_ERROR("app Www\n  entry m\n  sources a.c\n", "t.synth:1:5: error: invalid app name 'Www'");
	EXPECT_ERROR("app w\n  entry 1m\n  sources a.c\n", "t.synth:2:9: error: invalid entry '1m' (expected a C function name)");
	EXPECT_ERROR("app w\n  entry\n  sources a.c\n", "t.synth:2:8: error: expected the name of the entry function after 'entry'");
	EXPECT_ERROR(HEAD "device widget w\n", "t.synth:4:8: error: unknown device kind 'widget' (expected one of: console, clock, random, netif, stack, block, kv, fs)");
	EXPECT_ERROR(HEAD "device kv\n", "t.synth:4:10: error: expected a device name after the kind, found end of line");
	EXPECT_ERROR(HEAD "device kv Content\n", "t.synth:4:11: error: invalid device name 'Content' (expected a C identifier [a-z][a-z0-9_]*)");
	EXPECT_ERROR(HEAD "device kv content-x\n", "t.synth:4:11: error: invalid device name 'content-x'");
	EXPECT_ERROR(HEAD "device kv static\n", "t.synth:4:11: error: invalid device name 'static': it is a C keyword");
	EXPECT_ERROR(HEAD "device kv k extra\n", "t.synth:4:13: error: expected end of line after the device name, found 'extra'");
	EXPECT_ERROR(HEAD "device kv k\ndevice fs k\n", "t.synth:5:11: error: duplicate device 'k' (the first is at line 4)");
	EXPECT_ERROR(HEAD "  targets unix-socket Xen\n", "t.synth:4:23: error: invalid target name 'Xen'");
	EXPECT_ERROR(HEAD "  targets\n", "t.synth:4:10: error: expected one or more target names after 'targets', found end of line");
	EXPECT_ERROR(HEAD "  sources b.c a.c\n", "t.synth:4:15: error: 'a.c' is listed twice in 'sources' (first at line 3)");
	EXPECT_ERROR("app a\n  entry m\n  sources /abs/a.c\n", "t.synth:3:11: error: invalid source file name '/abs/a.c'");
	EXPECT_ERROR("app a\n  entry m\n  sources \"a b.c\"\n", "t.synth:3:11: error: invalid source file name 'a b.c'");
	EXPECT_ERROR("app a\n  entry m\n  sources a.cpp\n", "t.synth:3:11: error: source file 'a.cpp' is neither C (.c) nor assembly (.S, .s)");
	struct manifest *m = parse_in("app a\n  entry m\n  sources test_manifest.c nope.c\n", SYNTH_SRCDIR "/tests/synth");
	CHECK(m != NULL);
	CHECK(m && !manifest_check_sources(&D, m));
	CHECK(has_line(buf_cstr(&D.text), "t.synth:3:27: error: source file 'nope.c' not found"));
	CHECK_EQ_INT(D.errors, 1);
}

static void test_params(void)
{
	EXPECT_ERROR(HEAD "  param\n", "t.synth:4:8: error: expected a parameter name ([a-z][a-z0-9-]*), found end of line");
	EXPECT_ERROR(HEAD "  param Port: u16 = 1 \"h\"\n", "t.synth:4:9: error: expected a parameter name ([a-z][a-z0-9-]*), found 'Port:'");
	EXPECT_ERROR(HEAD "  param 9port: u16 = 1 \"h\"\n", "t.synth:4:9: error: invalid parameter name '9port'");
	EXPECT_ERROR(HEAD "  param port u16 = 1 \"h\"\n", "t.synth:4:14: error: expected ':' after parameter name, found 'u16'");
	EXPECT_ERROR(HEAD "  param port_x: u16 = 1 \"h\"\n", "t.synth:4:13: error: expected ':' after parameter name, found '_x:'");
	EXPECT_ERROR(HEAD "  param port:\n", "t.synth:4:14: error: expected a parameter type after ':', found end of line");
	EXPECT_ERROR(HEAD "  param port: u17 = 1 \"h\"\n",
	             "t.synth:4:15: error: unknown parameter type 'u17' (expected one of: string, path, bool, u16, u32, u64, int, ipv4, cidr, mac, duration, size)");
	EXPECT_ERROR(HEAD "  param port: u16 1 \"h\"\n", "t.synth:4:19: error: expected '=' and a default value after the parameter type, found '1'");
	EXPECT_ERROR(HEAD "  param port: u16 =\n", "t.synth:4:20: error: expected a default value after '=', found end of line");
	EXPECT_ERROR(HEAD "  param port: u16 = 80\n", "t.synth:4:23: error: expected help text (a \"quoted string\") after the default value, found end of line");
	EXPECT_ERROR(HEAD "  param port: u16 = 80 fixed\n", "t.synth:4:29: error: expected help text (a \"quoted string\") after the default value and 'fixed', found end of line");
	EXPECT_ERROR(HEAD "  param port: u16 = 80 maybe \"h\"\n", "t.synth:4:24: error: expected help text (a \"quoted string\") after the default value, found 'maybe'");
	EXPECT_ERROR(HEAD "  param port: u16 = 80 \"h\" x\n", "t.synth:4:28: error: expected end of line after the help text, found 'x'");
	EXPECT_ERROR(HEAD "  param port: u16 = 70000 \"h\"\n", "t.synth:4:21: error: invalid default '70000' for u16 parameter 'port': ");
	EXPECT_ERROR(HEAD "  param ip: ipv4 = 1.2.3 \"h\"\n", "t.synth:4:20: error: invalid default '1.2.3' for ipv4 parameter 'ip': ");
	EXPECT_ERROR(HEAD "  param t: duration = 10 \"h\"\n", "t.synth:4:23: error: invalid default '10' for duration parameter 't': ");
	EXPECT_ERROR(HEAD "  param on: bool = maybe \"h\"\n", "t.synth:4:20: error: invalid default 'maybe' for bool parameter 'on': ");
	EXPECT_ERROR(HEAD "  param a: u16 = 1 \"h\"\n  param a: u32 = 2 \"h\"\n",
	             "t.synth:5:9: error: duplicate parameter 'a' in the app block (first declared at line 4)");
	EXPECT_ERROR(HEAD "device stack net\n  param a: u16 = 1 \"h\"\n  param a: u16 = 1 \"h\"\n",
	             "t.synth:6:9: error: duplicate parameter 'a' in this device (first declared at line 5)");
	EXPECT_ERROR(HEAD "  param help: bool = no \"h\"\n", "t.synth:4:9: error: parameter name 'help' is reserved for the runtime's own option --help");
	EXPECT_ERROR(HEAD "  param log: bool = no \"h\"\n", "t.synth:4:9: error: parameter name 'log' is reserved");
	EXPECT_ERROR(HEAD "  param int: u16 = 1 \"h\"\n", "t.synth:4:9: error: invalid parameter name 'int': it is a C keyword");
	EXPECT_ERROR(HEAD "  param net: u16 = 1 \"h\"\ndevice stack net\n",
	             "t.synth:4:9: error: app parameter 'net' has the name of device 'net' (line 5)");
	EXPECT_ERROR(HEAD "  param net-port: u16 = 1 \"h\"\ndevice stack net\n  param port: u16 = 2 \"h\"\n",
	             "t.synth:4:9: error: app parameter 'net-port' has the same command-line name as parameter 'port' of device 'net' (line 6)");
}

static void test_sets(void)
{
	EXPECT_ERROR(HEAD "device kv k\n  set\n", "t.synth:5:6: error: expected a parameter name after 'set', found end of line");
	EXPECT_ERROR(HEAD "device kv k\n  set -dir = x\n", "t.synth:5:7: error: invalid parameter name '-dir'");
	EXPECT_ERROR(HEAD "device kv k\n  set dir x\n", "t.synth:5:11: error: expected '=' after the parameter name, found 'x'");
	EXPECT_ERROR(HEAD "device kv k\n  set dir =\n", "t.synth:5:12: error: expected a value after '=', found end of line");
	EXPECT_ERROR(HEAD "device kv k\n  set dir = a b\n", "t.synth:5:15: error: expected end of line after the value, found 'b'");
	EXPECT_ERROR(HEAD "device kv k\n  set dir = a\n  set dir = b\n", "t.synth:6:7: error: 'dir' is set twice for device 'k' (first at line 5)");
	EXPECT_ERROR(HEAD "device kv k\n  param dir: path = . \"h\"\n  set dir = b\n",
	             "t.synth:6:7: error: 'dir' is declared by 'param' (line 5) and bound by 'set'");
}

/* Every error is collected, not just the first; nothing comes back. */
static void test_many(void)
{
	struct manifest *m = parse("app A\n  entry 1\n  sources a.c\n  param x: u99 = 1 \"h\"\ndevice bogus b\nwhat\n");
	CHECK(m == NULL);
	CHECK_EQ_INT(D.errors, 5);
	CHECK(has_line(buf_cstr(&D.text), "t.synth:1:5: error:"));
	CHECK(has_line(buf_cstr(&D.text), "t.synth:2:9: error:"));
	CHECK(has_line(buf_cstr(&D.text), "t.synth:4:12: error:"));
	CHECK(has_line(buf_cstr(&D.text), "t.synth:5:8: error:"));
	CHECK(has_line(buf_cstr(&D.text), "t.synth:6:1: error:"));
	/* A flood of errors stops at a bound. */
	struct buf big = { 0 };
	buf_puts(&big, HEAD);
	for (int i = 0; i < 200; i++)
		buf_puts(&big, "  junk\n");
	m = parse(buf_cstr(&big));
	CHECK(m == NULL);
	CHECK(has_line(buf_cstr(&D.text), "t.synth:53:3: error: too many errors"));
	buf_free(&big);
}

int main(void)
{
	test_good();
	test_lexical();
	test_structure();
	test_names();
	test_params();
	test_sets();
	test_many();
	arena_free(&A);
	diag_free(&D);
	return check_report();
}
