/* libFuzzer harness for synth's manifest and catalogue parser and its
 * resolver: any bytes must parse to a model or to errors (never both,
 * never a crash), every error must carry a line and column inside the
 * input, and a manifest that parses must resolve against a small
 * catalogue (or fail cleanly) and describe itself. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "synth/synth.h"

static const char catalogue_text[] =
	"target alpha\n  backend unix\n  runtime r\n  default console c\n  default stack s\n"
	"  default netif n\n  default kv k\n"
	"impl console c\n  targets alpha\n  header c.h\n  symbol c\n"
	"impl stack s\n  targets alpha\n  header s.h\n  symbol s\n  param backlog: u32 = 1 \"b\"\n"
	"impl stack t\n  targets alpha\n  header t.h\n  symbol t\n  needs netif\n"
	"impl netif n\n  targets alpha\n  header n.h\n  symbol n\n  param ifname: string = x \"i\"\n"
	"impl netif loop\n  targets alpha\n  header l.h\n  symbol l\n  needs stack\n"
	"impl kv k\n  targets alpha\n  header k.h\n  symbol k\n  param dir: path = . fixed \"d\"\n"
	"  generate ramdisk dir\n";

/* Every diagnostic line is "NAME:LINE:COL: error: ..." (or a note) with a
 * position inside the input, or a "synth: error:" line. */
static void check_diags(const struct diag *d, const char *name, size_t lines)
{
	const char *s = d->text.s ? d->text.s : "";
	size_t nl = strlen(name);
	while (*s) {
		const char *end = strchr(s, '\n');
		if (!end)
			abort();
		if (strncmp(s, name, nl) == 0 && s[nl] == ':') {
			char *p;
			long line = strtol(s + nl + 1, &p, 10);
			if (*p != ':')
				abort();
			long col = strtol(p + 1, &p, 10);
			if (*p != ':' || line < 1 || (size_t)line > lines + 1 || col < 1)
				abort();
		} else if (strncmp(s, "synth: error: ", 14) != 0) {
			abort();
		}
		s = end + 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena a = { 0 };
	struct diag d = { 0 };
	size_t lines = 1;
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';

	struct manifest *m = manifest_parse(&a, &d, "fuzz.synth", (const char *)data, size, "/app");
	if ((m != NULL) != (d.errors == 0))
		abort();
	check_diags(&d, "fuzz.synth", lines);

	struct diag cd = { 0 };
	struct catalogue cat = { 0 };
	if (!catalogue_parse(&a, &cd, &cat, "cat.synth", catalogue_text, sizeof catalogue_text - 1) ||
	    !catalogue_check(&cd, &cat))
		abort();

	if (m) {
		static const char *const keys[][2] = { { "stack", "t" }, { "netif", "loop" } };
		for (int round = 0; round < 3; round++) {
			struct override ov[2];
			size_t nov = (size_t)round;
			for (size_t i = 0; i < nov; i++)
				ov[i] = (struct override){ (char *)keys[i][0], (char *)keys[i][1], false };
			struct diag rd = { 0 };
			struct graph *g = resolve(&a, &rd, m, &cat, "alpha", ov, nov);
			if ((g != NULL) != (rd.errors == 0))
				abort();
			check_diags(&rd, "fuzz.synth", lines);
			if (g) {
				struct buf out = { 0 };
				describe_text(g, &out);
				describe_dot(g, &out);
				buf_free(&out);
			}
			diag_free(&rd);
		}
	}

	/* The same bytes as a catalogue exercise the other half of the parser. */
	struct diag xd = { 0 };
	struct catalogue other = { 0 };
	bool ok = catalogue_parse(&a, &xd, &other, "fuzz.synth", (const char *)data, size);
	if (ok)
		ok = catalogue_check(&xd, &other);
	if (ok != (xd.errors == 0))
		abort();
	check_diags(&xd, "fuzz.synth", lines);

	diag_free(&xd);
	diag_free(&cd);
	diag_free(&d);
	arena_free(&a);
	return 0;
}
