/* Not available to freestanding synth code; see the message below. */
#error "<setjmp.h> is a host OS header; synth apps are freestanding: use fibers (lib/sched.h) and error returns"
