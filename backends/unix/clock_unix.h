/* clock "unix": CLOCK_MONOTONIC and CLOCK_REALTIME through the vDSO. */
#ifndef SYNTH_BACKENDS_UNIX_CLOCK_UNIX_H
#define SYNTH_BACKENDS_UNIX_CLOCK_UNIX_H

#include "devices/clock.h"

struct clock_unix {
	int unused;
};

struct clock_unix_config {
	int unused;
};

int clock_unix_connect(struct clock *dev, struct clock_unix *state, const struct clock_unix_config *cfg);
void clock_unix_disconnect(struct clock_unix *state);

#endif
