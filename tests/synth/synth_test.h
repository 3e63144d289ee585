/* Helpers shared by synth's unit tests (tests/synth/test_*.c): looking
 * for an expected diagnostic among those synth collected. */
#ifndef SYNTH_TESTS_SYNTH_TEST_H
#define SYNTH_TESTS_SYNTH_TEST_H

#include <stdio.h>
#include <string.h>

#include "check.h"

/* Some line of text starts with want. */
static inline int has_line(const char *text, const char *want)
{
	size_t n = strlen(want);
	for (const char *l = text; *l;) {
		if (strncmp(l, want, n) == 0)
			return 1;
		const char *nl = strchr(l, '\n');
		if (!nl)
			break;
		l = nl + 1;
	}
	return 0;
}

/* One check, made at the caller's line: the step failed (produced == 0)
 * and reported a line starting with want. */
static inline void expect_diag(const char *file, int line, int produced, const char *diags, const char *want)
{
	check_count++;
	if (produced || !has_line(diags, want)) {
		check_fail_at(file, line);
		fprintf(stderr, "wanted a line starting with\n    %s\n  got%s\n%s", want,
		        produced ? " a result and" : "", diags);
	}
}

#endif
