/* Heap allocation and abort for freestanding builds. On UNIX these are the
 * host C library's; on targets without one, lib/libc/stdlib.c maps them
 * to the platform's allocator (lib/platform.h). Prefer plat_alloc in new
 * core code; these exist so that protocol code reads naturally. */
#ifndef SYNTH_LIBC_STDLIB_H
#define SYNTH_LIBC_STDLIB_H

#include <stddef.h>

void *malloc(size_t size);
void *calloc(size_t n, size_t size);
void *realloc(void *p, size_t size);
void free(void *p);
__attribute__((noreturn)) void abort(void);

#endif
