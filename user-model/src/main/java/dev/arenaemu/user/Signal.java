package dev.arenaemu.user;

/**
 * A signal the kernel sent to a process, with the siginfo fields a test checks: signal number,
 * si_code and si_addr (uapi asm-generic/signal.h, siginfo.h values).
 */
public record Signal(int signo, int siCode, long address) {
    public static final int SIGILL = 4, SIGTRAP = 5, SIGBUS = 7, SIGFPE = 8, SIGKILL = 9, SIGSEGV = 11;
    public static final int SEGV_MAPERR = 1, SEGV_ACCERR = 2;
    public static final int BUS_ADRERR = 2;
    public static final int ILL_ILLOPN = 2;
    public static final int FPE_INTDIV = 1;
    /** SI_KERNEL: sent by the kernel itself (the OOM kill). */
    public static final int SI_KERNEL = 0x80;

    public static Signal segvMaperr(long address) { return new Signal(SIGSEGV, SEGV_MAPERR, address); }
    public static Signal segvAccerr(long address) { return new Signal(SIGSEGV, SEGV_ACCERR, address); }
    public static Signal busAdrerr(long address) { return new Signal(SIGBUS, BUS_ADRERR, address); }
    public static Signal oomKill() { return new Signal(SIGKILL, SI_KERNEL, 0); }

    /**
     * The signal arch/x86/kernel/traps.c sends for a CPU exception raised in user mode, or null
     * for vectors this model does not turn into signals. {@code rip} is the faulting instruction.
     */
    public static Signal forTrap(int vector, long rip) {
        return switch (vector) {
            case 0 -> new Signal(SIGFPE, FPE_INTDIV, rip);      // #DE: do_error_trap(..., SIGFPE, FPE_INTDIV)
            case 3 -> new Signal(SIGTRAP, SI_KERNEL, 0);        // #BP (int3)
            case 6 -> new Signal(SIGILL, ILL_ILLOPN, rip);      // #UD: handle_invalid_op
            case 13 -> new Signal(SIGSEGV, SI_KERNEL, 0);       // #GP: exc_general_protection
            default -> null;
        };
    }

    @Override
    public String toString() {
        String name = switch (signo) {
            case SIGSEGV -> siCode == SEGV_MAPERR ? "SIGSEGV/SEGV_MAPERR" : siCode == SEGV_ACCERR ? "SIGSEGV/SEGV_ACCERR" : "SIGSEGV";
            case SIGBUS -> "SIGBUS";
            case SIGKILL -> "SIGKILL";
            case SIGILL -> "SIGILL";
            case SIGFPE -> "SIGFPE";
            case SIGTRAP -> "SIGTRAP";
            default -> "signal " + signo;
        };
        return name + " at 0x" + Long.toHexString(address);
    }
}
