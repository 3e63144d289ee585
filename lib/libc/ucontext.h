/* Not available to freestanding synth code; see the message below. */
#error "<ucontext.h> is a host OS header; synth apps are freestanding: use fibers (lib/sched.h)"
