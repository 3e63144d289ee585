/* random "getrandom": fills buffers from getrandom(2), which blocks only
 * until the kernel's pool is first seeded, early at boot. */
#include "backends/unix/random_getrandom.h"
#include "backends/unix/unix_io.h"

static int getrandom_fill(void *state, void *buf, size_t len)
{
	(void)state;
	return unix_getrandom(buf, len);
}

static const struct random_ops getrandom_ops = {
	.name = "getrandom",
	.version = RANDOM_OPS_V1,
	.fill = getrandom_fill,
};

int random_getrandom_connect(struct random *dev, struct random_getrandom *state,
                             const struct random_getrandom_config *cfg)
{
	(void)cfg;
	dev->ops = &getrandom_ops;
	dev->state = state;
	return 0;
}

void random_getrandom_disconnect(struct random_getrandom *state)
{
	(void)state;
}
