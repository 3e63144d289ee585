/* Not available to freestanding synth code; see the message below. */
#error "<sys/stat.h> is a host OS header; synth apps are freestanding: use the kv or fs device (devices/kv.h, devices/fs.h)"
