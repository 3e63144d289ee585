/* size_t, ptrdiff_t, NULL and offsetof for freestanding builds. */
#ifndef SYNTH_LIBC_STDDEF_H
#define SYNTH_LIBC_STDDEF_H

typedef __SIZE_TYPE__ size_t;
typedef __PTRDIFF_TYPE__ ptrdiff_t;
typedef __WCHAR_TYPE__ wchar_t;

typedef struct {
	long long ll __attribute__((aligned(__alignof__(long long))));
	long double ld __attribute__((aligned(__alignof__(long double))));
} max_align_t;

#ifndef NULL
#define NULL ((void *)0)
#endif

#define offsetof(type, member) __builtin_offsetof(type, member)

#endif
