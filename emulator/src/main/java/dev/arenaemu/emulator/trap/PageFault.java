package dev.arenaemu.emulator.trap;

/**
 * A page fault as the CPU raised it: the faulting address (CR2), the #PF error code, the RIP of
 * the faulting instruction and the privilege level it ran at. {@code noRegion} marks an access
 * through a present PTE to a frame where the machine has no RAM (a PTE pointing nowhere, which
 * only a model bug writes); {@code address} is then the physical address the engine reports,
 * since the walk succeeded. It is dispatched like a not-present fault.
 */
public record PageFault(long address, int errorCode, long rip, int cpl, boolean noRegion) {
    public static final int PF_PROT = 1, PF_WRITE = 1 << 1, PF_USER = 1 << 2, PF_RSVD = 1 << 3, PF_INSTR = 1 << 4;

    /** The page was present: a protection violation rather than a missing page. */
    public boolean present() { return (errorCode & PF_PROT) != 0; }
    public boolean write() { return (errorCode & PF_WRITE) != 0; }
    public boolean user() { return (errorCode & PF_USER) != 0; }
    public boolean reserved() { return (errorCode & PF_RSVD) != 0; }
    public boolean fetch() { return (errorCode & PF_INSTR) != 0; }

    @Override
    public String toString() {
        return String.format("#PF at 0x%x (err 0x%x%s%s%s) rip=0x%x cpl=%d%s", address, errorCode,
            present() ? " P" : "", write() ? " W" : " R", user() ? " U" : " S", rip, cpl, noRegion ? " no-region" : "");
    }
}
