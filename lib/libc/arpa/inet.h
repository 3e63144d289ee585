/* Not available to freestanding synth code; see the message below. */
#error "<arpa/inet.h> is a host OS header; synth apps are freestanding: use the stack device (devices/stack.h); parse or print addresses with param_parse/param_format (lib/param.h)"
