/* Not available to freestanding synth code; see the message below. */
#error "<sys/time.h> is a host OS header; synth apps are freestanding: use the clock device (devices/clock.h) or lib/sched.h deadlines"
