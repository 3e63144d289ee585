/* Not available to freestanding synth code; see the message below. */
#error "<signal.h> is a host OS header; synth apps are freestanding: the runtime handles stop requests; an app ends by returning from its entry (lib/runtime.h)"
