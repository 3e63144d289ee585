/* Not available to freestanding synth code; see the message below. */
#error "<sys/socket.h> is a host OS header; synth apps are freestanding: use the stack device (devices/stack.h)"
