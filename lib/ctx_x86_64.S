/* Context switch for x86-64 (System V ABI), see lib/ctx.h. Saves rbp, rbx,
 * r12-r15, MXCSR and the x87 control word on the current stack; every
 * other register is caller-saved, so the C caller has already spilled it. */
#if defined(__x86_64__)

	.text
	.globl ctx_switch
	.type ctx_switch, @function
	.p2align 4
/* void ctx_switch(void **save, void *to): rdi = save, rsi = to */
ctx_switch:
	.cfi_startproc
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	subq $8, %rsp
	stmxcsr (%rsp)
	fnstcw 4(%rsp)
	movq %rsp, (%rdi)
	movq %rsi, %rsp
	ldmxcsr (%rsp)
	fldcw 4(%rsp)
	addq $8, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret
	.cfi_endproc
	.size ctx_switch, .-ctx_switch

	.globl ctx_trampoline
	.type ctx_trampoline, @function
	.p2align 4
/* Entered by ctx_switch's ret on a fresh stack: r12 = fn, r13 = arg. */
ctx_trampoline:
	.cfi_startproc
	.cfi_undefined rip
	movq %r13, %rdi
	andq $-16, %rsp
	callq *%r12
	ud2
	.cfi_endproc
	.size ctx_trampoline, .-ctx_trampoline

#endif

#if defined(__linux__) && defined(__ELF__)
	.section .note.GNU-stack, "", %progbits
#endif
