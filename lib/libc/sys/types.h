/* Not available to freestanding synth code; see the message below. */
#error "<sys/types.h> is a host OS header; synth apps are freestanding: use <stdint.h> and <stddef.h> types"
