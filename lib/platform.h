/* The few primitives the portable core needs from a platform. Each
 * backend (backends/unix, later backends/xen) implements every function
 * here; nothing else in lib/ reaches the platform. */
#ifndef SYNTH_LIB_PLATFORM_H
#define SYNTH_LIB_PLATFORM_H

#include <stddef.h>
#include <stdint.h>

/* Monotonic time in nanoseconds since an arbitrary origin, and wall-clock
 * time in nanoseconds since the UNIX epoch. */
uint64_t plat_monotonic_ns(void);
int64_t plat_wall_ns(void);

/* Block until a platform event is ready (then dispatch it, which usually
 * signals a struct cond) or the monotonic deadline passes. A deadline of
 * 0 polls without blocking; SCHED_FOREVER waits without a deadline. Called
 * only by the scheduler when no fiber is runnable. */
void plat_wait(uint64_t deadline);

/* General-purpose memory. plat_alloc returns 16-byte-aligned memory or
 * NULL. */
void *plat_alloc(size_t size);
void *plat_calloc(size_t n, size_t size);
void *plat_realloc(void *p, size_t size);
void plat_free(void *p);

/* Fiber stacks: size usable bytes with an inaccessible guard below them
 * where the platform can make one (the scheduler also checks a canary).
 * Returns the lowest usable address, or NULL. */
void *plat_stack_alloc(size_t size);
void plat_stack_free(void *base, size_t size);

/* Diagnostics that must work before and after every device: log lines and
 * panics go here (stderr on UNIX, the emergency console on Xen). */
void plat_diag_write(const char *buf, size_t len);

/* Optional: the program's standard output (stdout on UNIX), used for
 * --help so it can be piped. Declared weak: a platform that has no such
 * thing leaves it out and --help goes to plat_diag_write. */
void plat_out_write(const char *buf, size_t len) __attribute__((weak));

/* Fill buf with entropy for seeding (e.g. TCP ISN secrets). */
void plat_entropy(void *buf, size_t len);

/* End the program. plat_panic prints the message and aborts. */
__attribute__((noreturn)) void plat_exit(int code);
__attribute__((noreturn)) void plat_panic(const char *msg);

#endif
