/* Not available to freestanding synth code; see the message below. */
#error "<unistd.h> is a host OS header; synth apps are freestanding: use the devices (devices/*.h) for I/O and lib/sched.h to sleep"
