package dev.arenaemu.emulator.ffm;

/**
 * The uc_x86_reg ids this project uses (unicorn/x86.h). Checked against 2.1.4's x86_const.py
 * (the wheel's): every id here is the same number as in 2.0.1.
 */
public enum X86Reg {
    RAX(35), RBP(36), RBX(37), RCX(38), RDI(39), RDX(40), RIP(41), RSI(43), RSP(44),
    CS(11), DS(17), ES(28), FS(32), GS(33), SS(49), EFLAGS(25),
    CR0(50), CR2(52), CR3(53), CR4(54),
    DR0(66), DR1(67), DR2(68), DR3(69), DR4(70), DR5(71), DR6(72), DR7(73),
    R8(106), R9(107), R10(108), R11(109), R12(110), R13(111), R14(112), R15(113),
    GDTR(243), MSR(248);

    /** The 16 general registers in x86 encoding order (rax=0 … r15=15). */
    private static final X86Reg[] BY_ENCODING = {RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI,
        R8, R9, R10, R11, R12, R13, R14, R15};

    public final int id;

    X86Reg(int id) {
        this.id = id;
    }

    /** The general register with this 4-bit x86 encoding. */
    public static X86Reg gpr(int encoding) {
        return BY_ENCODING[encoding];
    }
}
