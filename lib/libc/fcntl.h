/* Not available to freestanding synth code; see the message below. */
#error "<fcntl.h> is a host OS header; synth apps are freestanding: read files through the kv or fs device (devices/kv.h, devices/fs.h)"
