package dev.arenaemu.user;

/**
 * A signal the kernel sent to a process, with the siginfo fields a test checks: signal number,
 * si_code and si_addr (uapi asm-generic/signal.h, siginfo.h values).
 */
public record Signal(int signo, int siCode, long address) {
    public static final int SIGKILL = 9, SIGBUS = 7, SIGSEGV = 11;
    public static final int SEGV_MAPERR = 1, SEGV_ACCERR = 2;
    public static final int BUS_ADRERR = 2;
    /** SI_KERNEL: sent by the kernel itself (the OOM kill). */
    public static final int SI_KERNEL = 0x80;

    public static Signal segvMaperr(long address) { return new Signal(SIGSEGV, SEGV_MAPERR, address); }
    public static Signal segvAccerr(long address) { return new Signal(SIGSEGV, SEGV_ACCERR, address); }
    public static Signal busAdrerr(long address) { return new Signal(SIGBUS, BUS_ADRERR, address); }
    public static Signal oomKill() { return new Signal(SIGKILL, SI_KERNEL, 0); }

    @Override
    public String toString() {
        String name = switch (signo) {
            case SIGSEGV -> siCode == SEGV_MAPERR ? "SIGSEGV/SEGV_MAPERR" : siCode == SEGV_ACCERR ? "SIGSEGV/SEGV_ACCERR" : "SIGSEGV";
            case SIGBUS -> "SIGBUS";
            case SIGKILL -> "SIGKILL";
            default -> "signal " + signo;
        };
        return name + " at 0x" + Long.toHexString(address);
    }
}
