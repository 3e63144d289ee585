/* hello: the smallest synth app. It prints a few lines to the console
 * device with a pause between them, reading the time from the clock
 * device, and exits 0. */
#include "devices.h"
#include "lib/sched.h"

int hello_main(struct app_devices *devs, const struct app_params *params)
{
	uint64_t start = clock_monotonic_ns(devs->clock);

	for (uint32_t i = 1; i <= params->count; i++) {
		uint64_t ms = (clock_monotonic_ns(devs->clock) - start) / 1000000u;
		int64_t wall_s = clock_wall_ns(devs->clock) / 1000000000;
		if (console_printf(devs->console, "hello from synth: line %u of %u, %llu ms in, unix time %lld\n",
		                   (unsigned)i, (unsigned)params->count, (unsigned long long)ms,
		                   (long long)wall_s) < 0)
			return 1;
		if (i < params->count)
			fiber_sleep_ns(params->pause);
	}
	return 0;
}
