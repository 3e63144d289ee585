/* Not available to freestanding synth code; see the message below. */
#error "<netdb.h> is a host OS header; synth apps are freestanding: there is no resolver; take addresses as typed params (lib/param.h)"
