/* Unit tests of lib/log.c: level specs (good, bad with their reasons, and
 * atomic failure), the line format, truncation, and that a disabled
 * message does not even evaluate its arguments. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"
#include "tests/unit/check.h"

LOG_SOURCE(unithttp);
LOG_SOURCE(unittcp);
LOG_SOURCE_EXTERN(unithttp);

static const char *why;

static int set(const char *spec)
{
	why = NULL;
	return log_set_levels(spec, &why);
}

static void test_levels(void)
{
	CHECK(log_enabled(unithttp, LOG_INFO));
	CHECK(!log_enabled(unithttp, LOG_DEBUG));
	CHECK(log_enabled(unittcp, LOG_ERROR));

	CHECK_EQ_INT(set("unithttp:debug,unittcp:warn"), 0);
	CHECK(log_enabled(unithttp, LOG_DEBUG) && !log_enabled(unithttp, LOG_TRACE));
	CHECK(log_enabled(unittcp, LOG_WARN) && !log_enabled(unittcp, LOG_INFO));

	CHECK_EQ_INT(set("*:error,unithttp:trace"), 0);
	CHECK(log_enabled(unithttp, LOG_TRACE));
	CHECK(log_enabled(unittcp, LOG_ERROR) && !log_enabled(unittcp, LOG_WARN));

	/* a source named before '*' still wins over it */
	CHECK_EQ_INT(set("unittcp:debug,*:off"), 0);
	CHECK(log_enabled(unittcp, LOG_DEBUG));
	CHECK(!log_enabled(unithttp, LOG_ERROR));

	CHECK_EQ_INT(set("debug"), 0);
	CHECK(log_enabled(unithttp, LOG_DEBUG) && log_enabled(unittcp, LOG_DEBUG) && !log_enabled(unittcp, LOG_TRACE));

	/* a spec replaces the previous one: unnamed sources go back to info */
	CHECK_EQ_INT(set("unithttp:warning"), 0);
	CHECK(log_enabled(unithttp, LOG_WARN) && !log_enabled(unithttp, LOG_INFO));
	CHECK(log_enabled(unittcp, LOG_INFO) && !log_enabled(unittcp, LOG_DEBUG));
	CHECK_EQ_INT(set("unithttp:debug,unithttp:error"), 0); /* the last entry wins */
	CHECK(!log_enabled(unithttp, LOG_WARN));

	/* bad specs change nothing */
	CHECK_EQ_INT(set("unittcp:trace,unithtp:debug"), -EINVAL);
	CHECK(why && strstr(why, "unknown log source 'unithtp'"));
	CHECK(why && strstr(why, "unithttp") && strstr(why, "unittcp"));
	CHECK(!log_enabled(unittcp, LOG_DEBUG));
	CHECK_EQ_INT(set("unithttp:verbose"), -EINVAL);
	CHECK(why && strstr(why, "unknown log level 'verbose'"));
	CHECK_EQ_INT(set(""), -EINVAL);
	CHECK(why && strstr(why, "empty"));
	CHECK_EQ_INT(set(NULL), -EINVAL);
	CHECK_EQ_INT(set("unithttp:debug,,unittcp:info"), -EINVAL);
	CHECK(why && strstr(why, "empty entry"));
	CHECK_EQ_INT(set("unithttp:debug,"), -EINVAL);
	CHECK_EQ_INT(set(":debug"), -EINVAL);
	CHECK(why && strstr(why, "missing source"));
	CHECK_EQ_INT(set("unithttp:"), -EINVAL);
	CHECK_EQ_INT(set("unithttp"), -EINVAL);
	CHECK_EQ_INT(set("UNITHTTP:debug"), -EINVAL);
	CHECK_EQ_INT(log_set_levels("nope", NULL), -EINVAL); /* why may be NULL */
	CHECK(!log_enabled(unithttp, LOG_WARN));

	CHECK_EQ_STR(log_level_name(LOG_WARN), "warn");
	CHECK_EQ_STR(log_level_name(LOG_TRACE), "trace");
}

/* ---- output, captured from stderr ---- */

static char captured[4096];

static void capture(void (*fn)(void))
{
	int p[2];
	CHECK_EQ_INT(pipe(p), 0);
	fflush(stderr);
	int saved = dup(2);
	dup2(p[1], 2);
	close(p[1]);
	fn();
	dup2(saved, 2);
	close(saved);
	ssize_t n = read(p[0], captured, sizeof captured - 1);
	captured[n > 0 ? n : 0] = '\0';
	close(p[0]);
}

static int evaluated;

static int side_effect(void)
{
	return ++evaluated;
}

static void emit_lines(void)
{
	log_set_levels("unithttp:info", NULL);
	log_info(unithttp, "served %s in %d us", "/index.html", 42);
	log_debug(unithttp, "not shown %d", side_effect());
	log_error(unittcp, "reset");
}

static void emit_long(void)
{
	char big[2000];
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	log_warn(unithttp, "%s", big);
}

static void test_output(void)
{
	log_set_origin(0);
	evaluated = 0;
	capture(emit_lines);
	CHECK_EQ_INT(evaluated, 0);
	char *second = strchr(captured, '\n');
	CHECK(second != NULL);
	if (!second)
		return;
	*second++ = '\0';
	/* "[SSSSSS.uuuuuu] info  unithttp: served /index.html in 42 us" */
	CHECK(captured[0] == '[' && strlen(captured) > 16 && captured[7] == '.' && captured[14] == ']');
	CHECK_EQ_STR(captured + 15, " info  unithttp: served /index.html in 42 us");
	CHECK(strstr(second, "] error unittcp: reset\n") != NULL);

	capture(emit_long);
	size_t n = strlen(captured);
	CHECK(n == 512);
	CHECK(n > 4 && !strcmp(captured + n - 4, "...\n"));
	CHECK(strstr(captured, " warn  unithttp: xxxx") != NULL);
}

int main(void)
{
	test_levels();
	test_output();
	return check_report();
}
