/* Not available to freestanding synth code; see the message below. */
#error "<sys/ioctl.h> is a host OS header; synth apps are freestanding: use the device interfaces (devices/*.h)"
