/* random "getrandom": the kernel's getrandom(2). */
#ifndef SYNTH_BACKENDS_UNIX_RANDOM_GETRANDOM_H
#define SYNTH_BACKENDS_UNIX_RANDOM_GETRANDOM_H

#include "devices/random.h"

struct random_getrandom {
	int unused;
};

struct random_getrandom_config {
	int unused;
};

int random_getrandom_connect(struct random *dev, struct random_getrandom *state,
                             const struct random_getrandom_config *cfg);
void random_getrandom_disconnect(struct random_getrandom *state);

#endif
