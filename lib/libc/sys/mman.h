/* Not available to freestanding synth code; see the message below. */
#error "<sys/mman.h> is a host OS header; synth apps are freestanding: allocate with malloc (<stdlib.h>) or plat_alloc (lib/platform.h)"
