/* Not available to freestanding synth code; see the message below. */
#error "<pthread.h> is a host OS header; synth apps are freestanding: there are no OS threads; use fibers and conditions (lib/sched.h)"
