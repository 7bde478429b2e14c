package dev.arenaemu.emulator.x86;

/**
 * The x86-64 registers the machine reads and writes: general registers, RIP, segment and control
 * registers, debug registers, GDTR and the MSR access. Which number the engine gives each is the
 * binding's business (emulator's ffm package), not its users'.
 */
public enum X86Reg {
    RAX, RBP, RBX, RCX, RDI, RDX, RIP, RSI, RSP,
    CS, DS, ES, FS, GS, SS, EFLAGS,
    CR0, CR2, CR3, CR4,
    DR0, DR1, DR2, DR3, DR4, DR5, DR6, DR7,
    R8, R9, R10, R11, R12, R13, R14, R15,
    GDTR, MSR;

    /** The 16 general registers in x86 encoding order (rax=0 … r15=15). */
    private static final X86Reg[] BY_ENCODING = {RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI,
        R8, R9, R10, R11, R12, R13, R14, R15};

    /** The general register with this 4-bit x86 encoding. */
    public static X86Reg gpr(int encoding) {
        return BY_ENCODING[encoding];
    }
}
