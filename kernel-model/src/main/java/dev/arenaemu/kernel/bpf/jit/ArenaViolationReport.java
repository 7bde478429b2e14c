package dev.arenaemu.kernel.bpf.jit;

/**
 * The v6.18 arena fault report ({@code bpf_prog_report_arena_violation}, called by
 * {@code ex_handler_bpf}): the faulting address is the pointer register plus the instruction's
 * offset in 64-bit arithmetic, moved to the user view by adding {@code clear_lo32(user_vm_start)}.
 */
public final class ArenaViolationReport {
    private ArenaViolationReport() {}

    public static long userAddress(long pointer, short off, long userVmStart) {
        return (userVmStart & ~0xFFFF_FFFFL) + pointer + off;
    }

    public static String line(boolean write, long userAddress) {
        return String.format("ERROR: Arena %s access at unmapped address 0x%x", write ? "WRITE" : "READ", userAddress);
    }
}
