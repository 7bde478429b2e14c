package dev.arenaemu.kernel.bpf.jit;

import dev.arenaemu.emulator.x86.X86Assembler;

/**
 * BPF → x86-64 register mapping of arch/x86/net/bpf_jit_comp.c ({@code reg2hex},
 * docs/semantics.md#register-mapping), and each x86 register's byte offset in {@code struct
 * pt_regs} ({@code reg2pt_regs}), which the exception table records.
 */
public final class BpfRegisterMap {
    private BpfRegisterMap() {}

    /** Kernel-internal BPF_REG_AX (blinding/scratch, r10) and the JIT's AUX_REG (r11). */
    public static final int BPF_REG_AX = 11;
    public static final int AUX_REG = X86Assembler.R11;
    public static final int ARENA_BASE_REG = X86Assembler.R12;

    private static final int[] X86 = {
        X86Assembler.RAX, X86Assembler.RDI, X86Assembler.RSI, X86Assembler.RDX, X86Assembler.RCX,
        X86Assembler.R8, X86Assembler.RBX, X86Assembler.R13, X86Assembler.R14, X86Assembler.R15,
        X86Assembler.RBP, X86Assembler.R10};

    /** offsetof(struct pt_regs, reg) indexed by x86 encoding (rax=0 … r15=15). */
    private static final int[] PT_REGS = {80, 88, 96, 40, 152, 32, 104, 112, 72, 64, 56, 48, 24, 16, 8, 0};

    /** The x86 register (hardware encoding) holding BPF register {@code bpfReg} (0..10, or AX). */
    public static int x86(int bpfReg) {
        if (bpfReg < 0 || bpfReg >= X86.length) throw new IllegalArgumentException("no BPF register r" + bpfReg);
        return X86[bpfReg];
    }

    public static int ptRegsOffset(int x86Reg) {
        return PT_REGS[x86Reg];
    }
}
