/* The memory and string functions of lib/libc/string.h for targets without
 * a C library (the Xen kernel, later virtio). The compiler also emits calls
 * to memcpy/memset/memmove/memcmp on its own, so these must exist there.
 * Hosted builds (UNIX) use the host's optimised versions: this file
 * compiles to nothing unless built with -ffreestanding, and
 * SYNTH_LIBC_NO_STRING excludes it explicitly. */
#if !__STDC_HOSTED__ && !defined(SYNTH_LIBC_NO_STRING)

#define SYNTH_LIBC_NO_BUILTIN_MACROS
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* gcc would otherwise recognise the byte loops below as memcpy/memset and
 * compile them into calls to themselves. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-tree-loop-distribute-patterns")
#endif

typedef uint64_t __attribute__((may_alias, aligned(1))) u64_unaligned;

void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;
	while (n >= 8) {
		*(u64_unaligned *)d = *(const u64_unaligned *)s;
		d += 8;
		s += 8;
		n -= 8;
	}
	while (n--)
		*d++ = *s++;
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;
	if (d == s || n == 0)
		return dst;
	if ((uintptr_t)d - (uintptr_t)s >= n)
		return memcpy(dst, src, n); /* d is below s or past s's end: forward is safe */
	while (n >= 8) {
		n -= 8;
		*(u64_unaligned *)(d + n) = *(const u64_unaligned *)(s + n);
	}
	while (n--)
		d[n] = s[n];
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;
	uint64_t w = (unsigned char)c * UINT64_C(0x0101010101010101);
	while (n >= 8) {
		*(u64_unaligned *)d = w;
		d += 8;
		n -= 8;
	}
	while (n--)
		*d++ = (unsigned char)c;
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;
	for (size_t i = 0; i < n; i++)
		if (x[i] != y[i])
			return x[i] - y[i];
	return 0;
}

void *memchr(const void *s, int c, size_t n)
{
	const unsigned char *p = s;
	for (size_t i = 0; i < n; i++)
		if (p[i] == (unsigned char)c)
			return (void *)(p + i);
	return NULL;
}

size_t strlen(const char *s)
{
	const char *p = s;
	while (*p)
		p++;
	return (size_t)(p - s);
}

size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;
	while (n < max && s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (unsigned char)*a - (unsigned char)*b;
		if (!*a)
			break;
	}
	return 0;
}

char *strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}

char *strrchr(const char *s, int c)
{
	const char *last = NULL;
	for (;; s++) {
		if (*s == (char)c)
			last = s;
		if (!*s)
			return (char *)last;
	}
}

#endif
