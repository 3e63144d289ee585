/* Context switch for AArch64 (AAPCS64), see lib/ctx.h. Saves x19-x28, the
 * frame pointer and link register, d8-d15 and FPCR on the current stack. */
#if defined(__aarch64__)

	.text
	.globl ctx_switch
	.type ctx_switch, %function
	.p2align 4
/* void ctx_switch(void **save, void *to): x0 = save, x1 = to */
ctx_switch:
	sub sp, sp, #176
	stp x19, x20, [sp, #0]
	stp x21, x22, [sp, #16]
	stp x23, x24, [sp, #32]
	stp x25, x26, [sp, #48]
	stp x27, x28, [sp, #64]
	stp x29, x30, [sp, #80]
	stp d8, d9, [sp, #96]
	stp d10, d11, [sp, #112]
	stp d12, d13, [sp, #128]
	stp d14, d15, [sp, #144]
	mrs x9, fpcr
	str x9, [sp, #160]
	mov x9, sp
	str x9, [x0]
	mov sp, x1
	ldp x19, x20, [sp, #0]
	ldp x21, x22, [sp, #16]
	ldp x23, x24, [sp, #32]
	ldp x25, x26, [sp, #48]
	ldp x27, x28, [sp, #64]
	ldp x29, x30, [sp, #80]
	ldp d8, d9, [sp, #96]
	ldp d10, d11, [sp, #112]
	ldp d12, d13, [sp, #128]
	ldp d14, d15, [sp, #144]
	ldr x9, [sp, #160]
	msr fpcr, x9
	add sp, sp, #176
	ret
	.size ctx_switch, .-ctx_switch

	.globl ctx_trampoline
	.type ctx_trampoline, %function
	.p2align 4
/* Entered by ctx_switch's ret on a fresh stack: x19 = fn, x20 = arg. */
ctx_trampoline:
	mov x0, x20
	blr x19
	brk #1
	.size ctx_trampoline, .-ctx_trampoline

#endif

#if defined(__linux__) && defined(__ELF__)
	.section .note.GNU-stack, "", %progbits
#endif
