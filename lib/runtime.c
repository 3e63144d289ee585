/* The device manager's run-time half (lib/runtime.h): parse the command
 * line against the generated parameter table, then, inside the first
 * fiber, connect devices in dependency order, run the app's entry, and
 * disconnect in reverse order; a stop request (SIGINT/SIGTERM on UNIX)
 * tears down the same way from a fiber of its own. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lib/errname.h"
#include "lib/fmt.h"
#include "lib/log.h"
#include "lib/param.h"
#include "lib/platform.h"
#include "lib/runtime.h"
#include "lib/sched.h"

LOG_SOURCE(runtime);

static struct {
	const struct runtime_app *app;
	size_t connected; /* devices [0, connected) are up */
	bool stopping;    /* the exit code below is decided */
	int code;
	unsigned gen; /* which runtime_main call a fiber belongs to */
} R;

/* ---- output ---- */

static void diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void diag(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	int n = fmt_vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	plat_diag_write(buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

/* --help goes to the platform's standard output when it has one. */
static void help_flush(struct fmt_sink *s)
{
	if (plat_out_write)
		plat_out_write(s->buf, s->fill);
	else
		plat_diag_write(s->buf, s->fill);
	s->fill = 0;
}

static void out(struct fmt_sink *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void out(struct fmt_sink *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fmt_vformat(s, fmt, ap);
	va_end(ap);
}

#define HELP_COL_MAX 30

static void usage(const struct runtime_app *app)
{
	char buf[1024];
	struct fmt_sink s = { .buf = buf, .cap = sizeof buf, .flush = help_flush };
	size_t col = strlen("--help, -h");
	for (size_t i = 0; i < app->nparams; i++) {
		const struct param_def *p = &app->params[i];
		size_t w = 2 + strlen(p->name) + 1 + strlen(param_type_name(p->type));
		if (p->runtime && w > col && w <= HELP_COL_MAX)
			col = w;
	}
	out(&s, "%s: %s\n", app->name, app->summary ? app->summary : "");
	out(&s, "target: %s\n\n", app->target ? app->target : "?");
	out(&s, "usage: %s [--NAME=VALUE ...]\n\noptions:\n", app->name);
	for (size_t i = 0; i < app->nparams; i++) {
		const struct param_def *p = &app->params[i];
		if (!p->runtime)
			continue;
		char opt[128];
		int w = fmt_snprintf(opt, sizeof opt, "--%s=%s", p->name, param_type_name(p->type));
		if (w > (int)col)
			out(&s, "  %s\n  %-*s  ", opt, (int)col, "");
		else
			out(&s, "  %-*s  ", (int)col, opt);
		out(&s, "%s (default: %s)\n", p->help ? p->help : "", p->def && *p->def ? p->def : "none");
	}
	out(&s, "  %-*s  %s\n", (int)col, "--log=SPEC",
	    "log levels per source, e.g. http:debug,*:warn; levels are off error warn info debug"
	    " trace (default: *:info)");
	out(&s, "  %-*s  %s\n", (int)col, "--help, -h", "show this help and exit");
	bool fixed = false;
	for (size_t i = 0; i < app->nparams; i++) {
		const struct param_def *p = &app->params[i];
		if (p->runtime)
			continue;
		if (!fixed)
			out(&s, "\nfixed when the app was built:\n");
		fixed = true;
		out(&s, "  %s = %s  %s\n", p->name, p->def ? p->def : "", p->help ? p->help : "");
	}
	help_flush(&s);
}

/* ---- command line ---- */

static const struct param_def *find_param(const struct runtime_app *app, const char *name, size_t len)
{
	for (size_t i = 0; i < app->nparams; i++)
		if (strlen(app->params[i].name) == len && !memcmp(app->params[i].name, name, len))
			return &app->params[i];
	return NULL;
}

static int bad_option(const struct runtime_app *app, const char *opt, size_t len, const char *why)
{
	diag("%s: --%.*s: %s\n", app->name, (int)len, opt, why);
	diag("Try '%s --help' for the options.\n", app->name);
	return 2;
}

/* Returns -1 to go on, or the exit status. */
static int parse_args(const struct runtime_app *app, int argc, char **argv)
{
	for (size_t i = 0; i < app->nparams; i++) {
		const struct param_def *p = &app->params[i];
		const char *why = NULL, *def = p->def ? p->def : "";
		if (param_parse(p->type, def, strlen(def), p->dest, &why) != 0) {
			diag("%s: --%s: bad default '%s': %s\n", app->name, p->name, def, why);
			return 2;
		}
	}
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(app);
			return 0;
		}
		if (a[0] != '-' || a[1] != '-' || !a[2]) {
			diag("%s: unexpected argument '%s' (options are --NAME=VALUE)\n", app->name, a);
			diag("Try '%s --help' for the options.\n", app->name);
			return 2;
		}
		const char *name = a + 2, *eq = strchr(name, '=');
		size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
		const char *value = eq ? eq + 1 : NULL;
		bool is_log = nlen == 3 && !memcmp(name, "log", 3);
		const struct param_def *p = is_log ? NULL : find_param(app, name, nlen);
		if (!is_log && !p)
			return bad_option(app, name, nlen, "unknown option");
		if (p && !p->runtime)
			return bad_option(app, name, nlen, "fixed when the app was built; cannot be set at run time");
		if (!value) {
			if (p && p->type == PARAM_BOOL)
				value = "true"; /* --flag alone */
			else if (i + 1 < argc)
				value = argv[++i];
			else
				return bad_option(app, name, nlen, "missing value");
		}
		const char *why = NULL;
		if (is_log) {
			if (log_set_levels(value, &why) != 0)
				return bad_option(app, name, nlen, why);
		} else if (param_parse(p->type, value, strlen(value), p->dest, &why) != 0) {
			char msg[256];
			fmt_snprintf(msg, sizeof msg, "%s (got '%s')", why, value);
			return bad_option(app, name, nlen, msg);
		}
	}
	return -1;
}

/* ---- lifecycle ---- */

static void teardown(void)
{
	while (R.connected) {
		const struct devtab_entry *d = &R.app->devices[--R.connected];
		log_debug(runtime, "disconnecting %s (%s %s)", d->name, d->kind, d->impl);
		if (d->disconnect)
			d->disconnect();
	}
}

/* After a device failed to connect: the values its run-time options had,
 * since a wrong or missing one (a path, an address) is the usual cause and
 * a default the user never saw is easy to miss. */
static void diag_device_params(const struct runtime_app *app, const char *device)
{
	size_t dl = strlen(device);
	char line[400];
	size_t n = 0;
	for (size_t i = 0; i < app->nparams; i++) {
		const struct param_def *p = &app->params[i];
		if (!p->runtime || strncmp(p->name, device, dl) != 0 || p->name[dl] != '-')
			continue;
		char val[160];
		if (param_format(p->type, p->dest, val, sizeof val) < 0)
			continue;
		int k = fmt_snprintf(line + n, sizeof line - n, " --%s=%s", p->name, val);
		if (k < 0 || (size_t)k >= sizeof line - n)
			break;
		n += (size_t)k;
	}
	if (n > 0)
		diag("%s: the options of device '%s' were%s (see --help)\n", app->name, device, line);
}

/* Decide the exit code (the first decision wins). */
static void decide(int code)
{
	if (!R.stopping) {
		R.stopping = true;
		R.code = code;
	}
}

static void main_fiber(void *arg)
{
	unsigned gen = R.gen;
	const struct runtime_app *app = R.app;
	(void)arg;
	for (size_t i = 0; i < app->ndevices; i++) {
		const struct devtab_entry *d = &app->devices[i];
		if (R.stopping)
			return; /* the stop fiber tears down */
		log_debug(runtime, "connecting %s (%s %s)", d->name, d->kind, d->impl);
		int rc = d->connect ? d->connect() : 0;
		if (gen != R.gen)
			return;
		if (rc < 0) {
			const char *en = err_name(rc);
			char num[24];
			if (!en) {
				fmt_snprintf(num, sizeof num, "error %d", rc);
				en = num;
			}
			diag("%s: cannot connect device '%s' (%s %s): %s (%s)\n", app->name, d->name, d->kind,
			     d->impl, en, err_text(rc));
			diag_device_params(app, d->name);
			decide(1);
			teardown();
			sched_stop(R.code);
			return;
		}
		R.connected = i + 1;
	}
	if (R.stopping)
		return;
	int rc = app->entry ? app->entry() : 0;
	if (gen != R.gen)
		return; /* a runtime that has already ended */
	log_debug(runtime, "entry returned %d", rc);
	decide(rc);
	teardown();
	sched_stop(R.code);
}

static void stop_fiber(void *arg)
{
	unsigned gen = (unsigned)(uintptr_t)arg;
	if (gen != R.gen)
		return;
	teardown();
	sched_stop(R.code);
}

void runtime_request_stop(int code)
{
	if (R.stopping)
		return;
	decide(code);
	log_debug(runtime, "stop requested (code %d)", code);
	struct fiber *f = fiber_spawn(stop_fiber, (void *)(uintptr_t)R.gen, "runtime-stop", 0);
	if (f)
		fiber_detach(f);
	else
		sched_stop(code); /* no memory for a fiber: stop without teardown */
}

int runtime_main(const struct runtime_app *app, int argc, char **argv)
{
	R.app = app;
	R.connected = 0;
	R.stopping = false;
	R.code = 0;
	R.gen++;
	log_set_origin(plat_monotonic_ns());

	int rc = parse_args(app, argc, argv);
	if (rc >= 0)
		return rc;

	struct fiber *f = fiber_spawn(main_fiber, NULL, "main", 0);
	if (!f) {
		diag("%s: out of memory for the main fiber\n", app->name);
		return 1;
	}
	fiber_detach(f);
	int code = sched_run();
	return R.stopping ? R.code : code;
}
