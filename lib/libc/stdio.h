/* Formatting only. There is no FILE, no stdout and no file I/O in synth's
 * freestanding world: print through the console device
 * (console_printf in devices/console.h) or log (lib/log.h), and read files
 * through the kv or fs device. snprintf/vsnprintf are synth's own
 * fmt_snprintf/fmt_vsnprintf (lib/fmt.h), with C semantics. */
#ifndef SYNTH_LIBC_STDIO_H
#define SYNTH_LIBC_STDIO_H

#include <stdarg.h>
#include <stddef.h>

#include "lib/fmt.h"

#define snprintf fmt_snprintf
#define vsnprintf fmt_vsnprintf

#endif
