package dev.arenaemu.scenarios.oracle;

import java.util.List;
import java.util.OptionalLong;

/**
 * One step as a side saw it, before normalization: absolute addresses and frame numbers.
 *
 * @param arenas the live arenas in creation order (label, user_vm_start, user_vm_end, memlock or -1)
 * @param procs  the live processes in runner order, each with its arena VMAs and present PTEs
 */
public record RawStep(OptionalLong ret, OptionalLong value, Signal signal, List<Arena> arenas, List<Proc> procs) {
    public record Signal(int signo, int code, long addr) {}

    public record Arena(String label, long base, long end, long memlock) {}

    public record Vma(long start, long end, String perms) {}

    /** A present user PTE: its user address and the frame it maps (an identity, not compared as a number). */
    public record Pte(long va, long frame) {}

    public record Proc(String name, List<Vma> vmas, List<Pte> ptes) {}
}
