/* Not available to freestanding synth code; see the message below. */
#error "<sys/epoll.h> is a host OS header; synth apps are freestanding: block in device calls; fibers wait for you (lib/sched.h)"
