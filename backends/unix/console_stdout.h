/* console "stdout": line-buffered text on the process's standard output. */
#ifndef SYNTH_BACKENDS_UNIX_CONSOLE_STDOUT_H
#define SYNTH_BACKENDS_UNIX_CONSOLE_STDOUT_H

#include <stdbool.h>

#include "backends/unix/unix_io.h"
#include "devices/console.h"

#define CONSOLE_STDOUT_BUF 4096

struct console_stdout {
	int fd;                /* 1, or a test's descriptor */
	unsigned len;          /* bytes buffered in buf */
	bool busy;             /* a fiber is flushing: others queue on idle */
	bool watched;          /* io is registered with epoll (only after an EAGAIN) */
	int error;             /* sticky negative errno once the output failed */
	struct cond idle;
	struct unix_io io;
	char buf[CONSOLE_STDOUT_BUF];
};

struct console_stdout_config {
	int unused;
};

int console_stdout_connect(struct console *dev, struct console_stdout *state,
                           const struct console_stdout_config *cfg);
void console_stdout_disconnect(struct console_stdout *state);

/* For tests: the same device writing to another descriptor (not owned:
 * disconnect flushes but does not close it). */
int console_stdout_connect_fd(struct console *dev, struct console_stdout *state, int fd);

#endif
