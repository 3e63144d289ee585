/* clock "unix": the device face of the platform clocks (platform.c). */
#include "backends/unix/clock_unix.h"
#include "lib/platform.h"

static uint64_t clock_unix_monotonic(void *state)
{
	(void)state;
	return plat_monotonic_ns();
}

static int64_t clock_unix_wall(void *state)
{
	(void)state;
	return plat_wall_ns();
}

static const struct clock_ops clock_unix_ops = {
	.name = "unix",
	.version = CLOCK_OPS_V1,
	.monotonic_ns = clock_unix_monotonic,
	.wall_ns = clock_unix_wall,
};

int clock_unix_connect(struct clock *dev, struct clock_unix *state, const struct clock_unix_config *cfg)
{
	(void)cfg;
	dev->ops = &clock_unix_ops;
	dev->state = state;
	return 0;
}

void clock_unix_disconnect(struct clock_unix *state)
{
	(void)state;
}
