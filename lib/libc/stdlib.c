/* malloc and friends for targets without a C library: thin names over the
 * platform's allocator. Compiles to nothing in hosted builds (UNIX uses
 * the host's), or when SYNTH_LIBC_NO_STDLIB is defined. */
#if !__STDC_HOSTED__ && !defined(SYNTH_LIBC_NO_STDLIB)

#include <stdlib.h>

#include "lib/platform.h"

void *malloc(size_t size)
{
	return plat_alloc(size);
}

void *calloc(size_t n, size_t size)
{
	return plat_calloc(n, size);
}

void *realloc(void *p, size_t size)
{
	return plat_realloc(p, size);
}

void free(void *p)
{
	plat_free(p);
}

void abort(void)
{
	plat_panic("abort() called");
}

#endif
