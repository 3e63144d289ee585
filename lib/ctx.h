/* Per-architecture context switch used by the scheduler (lib/sched.c):
 * a few lines of assembly in lib/ctx_ARCH.S that save the callee-saved
 * registers and the floating-point control state on the current stack,
 * store the stack pointer, and resume another stack. No system call, no
 * signal mask (unlike ucontext). Internal to lib/. */
#ifndef SYNTH_LIB_CTX_H
#define SYNTH_LIB_CTX_H

#include <stdint.h>

/* Save the current context on its stack, store its stack pointer in *save
 * and resume the context whose stack pointer is to. Returns when another
 * context switches back to *save. */
void ctx_switch(void **save, void *to);

/* First code that runs on a fresh stack: calls fn(arg) from registers the
 * initial frame set up; fn must never return. */
void ctx_trampoline(void);

/* Lay out an initial frame at the top of a fresh stack (top 16-byte
 * aligned) so that ctx_switch(..., sp) starts fn(arg). Returns sp. */
static inline void *ctx_init(void *top, void (*fn)(void *), void *arg)
{
#if defined(__x86_64__)
	/* From the stack pointer up: mxcsr + x87 control word, r15, r14,
	 * r13 (arg), r12 (fn), rbx, rbp, return address. */
	uint64_t *sp = (uint64_t *)top - 8;
	sp[0] = 0x1F80u | ((uint64_t)0x037Fu << 32); /* default MXCSR, x87 CW */
	sp[1] = 0;                                    /* r15 */
	sp[2] = 0;                                    /* r14 */
	sp[3] = (uint64_t)(uintptr_t)arg;             /* r13 */
	sp[4] = (uint64_t)(uintptr_t)fn;              /* r12 */
	sp[5] = 0;                                    /* rbx */
	sp[6] = 0;                                    /* rbp: ends frame-pointer walks */
	sp[7] = (uint64_t)(uintptr_t)ctx_trampoline;  /* return address */
	return sp;
#elif defined(__aarch64__)
	/* 22 slots: x19..x28, x29, x30, d8..d15, fpcr, pad. */
	uint64_t *sp = (uint64_t *)top - 22;
	for (int i = 0; i < 22; i++)
		sp[i] = 0;
	sp[0] = (uint64_t)(uintptr_t)fn;             /* x19 */
	sp[1] = (uint64_t)(uintptr_t)arg;            /* x20 */
	sp[11] = (uint64_t)(uintptr_t)ctx_trampoline; /* x30 */
	return sp;
#else
#error "lib/ctx.h: no context switch for this architecture (add lib/ctx_ARCH.S)"
#endif
}

#endif
