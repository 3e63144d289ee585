/* Not available to freestanding synth code; see the message below. */
#error "<netinet/in.h> is a host OS header; synth apps are freestanding: use the stack device (devices/stack.h) and struct ipv4_addr (lib/param.h)"
