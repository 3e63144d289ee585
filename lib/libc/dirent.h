/* Not available to freestanding synth code; see the message below. */
#error "<dirent.h> is a host OS header; synth apps are freestanding: list folders with kv_list or fs_list (devices/kv.h, devices/fs.h)"
