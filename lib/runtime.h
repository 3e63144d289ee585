/* The device manager: what a generated devtab.c hands to the runtime, and
 * the one entry the platform's startup code calls. The runtime parses the
 * command line against the generated parameter table, connects devices in
 * dependency order inside the first fiber, runs the app's entry, and
 * disconnects in reverse order when the app returns or a stop is
 * requested (SIGINT/SIGTERM on UNIX). */
#ifndef SYNTH_LIB_RUNTIME_H
#define SYNTH_LIB_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#include "lib/param.h"

/* One device instance in connect order. connect returns 0 or a negative
 * errno; it runs inside a fiber and may block (a DHCP lease, say).
 * disconnect must not block for long; it is called only for devices whose
 * connect succeeded, in reverse order. */
struct devtab_entry {
	const char *name;  /* instance name from the manifest ("net") or generated for a dependency */
	const char *kind;  /* "stack" */
	const char *impl;  /* "socket" */
	int (*connect)(void);
	void (*disconnect)(void);
};

/* Everything the generated devtab.c describes. */
struct runtime_app {
	const char *name;       /* app name from the manifest */
	const char *target;     /* target it was synthesized for */
	const char *summary;    /* one line for --help */
	const struct devtab_entry *devices;
	size_t ndevices;
	const struct param_def *params;
	size_t nparams;
	/* Runs the app's entry point with its devices; returns the exit code. */
	int (*entry)(void);
};

/* Called by the platform's startup code (main() on UNIX) with the argument
 * vector. Returns the process exit code: the entry's return value, 0 after
 * a requested stop, 1 when a device failed to connect, 2 for a bad
 * command line. --help prints usage and returns 0. */
int runtime_main(const struct runtime_app *app, int argc, char **argv);

/* Ask the running app to stop: devices are disconnected in reverse order
 * and runtime_main returns code. Safe to call from a timer or platform
 * event handler, and more than once (the first code wins). */
void runtime_request_stop(int code);

/* The app, as the generated devtab.c defines it. */
extern const struct runtime_app runtime_app;

#endif
