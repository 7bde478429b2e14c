package dev.arenaemu.scenarios.check;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks the {@link Invariant}s on a {@link WorldState}. Work is proportional to the PTEs that
 * exist (the snapshot only holds present entries, found by walking populated subtrees), plus
 * the free-set runs and VMAs.
 */
public final class InvariantChecker {
    private static final long PAGE = 4096;

    private InvariantChecker() {}

    /** Every violation in {@code state}, attributed to {@code step}. */
    public static List<Violation> check(WorldState state, int step) {
        List<Violation> out = new ArrayList<>();
        if (state.arena().isEmpty()) return out;
        WorldState.ArenaState a = state.arena().get();
        long lo = a.kern(a.userVmStart());
        long size = a.userVmEnd() - a.userVmStart();
        Map<Long, Integer> mappings = new HashMap<>();

        for (var e : a.kernelPtes().entrySet()) {
            long kaddr = e.getKey();
            long frame = WorldState.frameOf(e.getValue());
            if (frame == a.scratchFrame() && a.scratchFrame() != 0) continue;
            if (a.userVmStart() == 0 || kaddr < lo || kaddr >= lo + size) {
                out.add(new Violation(Invariant.KERNEL_PTE_IN_RANGE, step, String.format(
                    "kernel PTE at 0x%x (offset 0x%x from kern_vm_start) lies outside the user range's image [0x%x, 0x%x)%s",
                    kaddr, kaddr - a.kernVmStart(), lo, lo + size, inGuard(a, kaddr) ? ", in the guard" : "")));
                continue;
            }
            long pgoff = ((kaddr - a.kernVmStart()) - (a.userVmStart() & 0xFFFF_FFFFL)) / PAGE;
            if (a.isFree(pgoff)) {
                out.add(new Violation(Invariant.POPULATED_NOT_FREE, step, String.format(
                    "pgoff %d (kernel 0x%x, frame 0x%x) is populated but free in the range tree", pgoff, kaddr, frame)));
            }
            mappings.merge(frame, 1, Integer::sum);
        }

        int arenaVmas = 0;
        for (WorldState.SpaceState s : state.spaces()) {
            arenaVmas += s.arenaVmas().size();
            for (var e : s.ptes().entrySet()) {
                long uaddr = e.getKey();
                long frame = WorldState.frameOf(e.getValue());
                Long kpte = a.kernelPtes().get(a.kern(uaddr));
                if (kpte == null || WorldState.frameOf(kpte) != frame) {
                    out.add(new Violation(Invariant.USER_PTE_MATCHES_KERNEL, step, String.format(
                        "%s: user PTE 0x%x -> frame 0x%x but kernel PTE at 0x%x is %s", s.process(), uaddr, frame, a.kern(uaddr),
                        kpte == null ? "absent" : String.format("frame 0x%x", WorldState.frameOf(kpte)))));
                }
                mappings.merge(frame, 1, Integer::sum);
            }
        }

        for (var e : mappings.entrySet()) {
            WorldState.FrameCount fc = state.frames().get(e.getKey());
            if (fc == null || !fc.inUse()) {
                out.add(new Violation(Invariant.NO_FREED_FRAME_MAPPED, step, String.format(
                    "frame 0x%x is mapped by %d PTE(s) but the page allocator has it free", e.getKey(), e.getValue())));
            } else if (fc.refcount() != e.getValue()) {
                out.add(new Violation(Invariant.FRAME_REFCOUNT, step, String.format(
                    "frame 0x%x has refcount %d but %d mapping(s) (kernel + user)", e.getKey(), fc.refcount(), e.getValue())));
            }
        }

        int listed = 0;
        for (WorldState.VmaRef v : a.vmaList()) {
            if (!v.alive()) {
                out.add(new Violation(Invariant.VMA_LIST_MATCHES, step, String.format(
                    "vma_list entry records [0x%x, 0x%x), a VMA that no longer exists (dangling)", v.start(), v.end())));
            }
            listed += v.mmapCount();
        }
        if (listed != arenaVmas) {
            out.add(new Violation(Invariant.VMA_LIST_MATCHES, step, String.format(
                "vma_list accounts for %d VMA(s) but %d arena VMA(s) exist", listed, arenaVmas)));
        }
        return out;
    }

    /**
     * After teardown (every process exited, the arena freed): the page allocator must be back
     * at {@code baselineFrames}, the number in use before the scenario created anything.
     */
    public static List<Violation> checkTeardown(long baselineFrames, long framesInUse, List<Long> leaked) {
        if (framesInUse == baselineFrames) return List.of();
        StringBuilder frames = new StringBuilder();
        for (int i = 0; i < Math.min(8, leaked.size()); i++) frames.append(String.format(" 0x%x", leaked.get(i)));
        return List.of(new Violation(Invariant.TEARDOWN_RETURNS_FRAMES, Integer.MAX_VALUE, String.format(
            "%d frame(s) still allocated after teardown (before the scenario: %d)%s", framesInUse - baselineFrames, baselineFrames,
            leaked.isEmpty() ? "" : ":" + frames + (leaked.size() > 8 ? " ..." : ""))));
    }

    private static boolean inGuard(WorldState.ArenaState a, long kaddr) {
        long half = a.guardSize() / 2;
        return (kaddr >= a.kernVmStart() - half && kaddr < a.kernVmStart())
            || (kaddr >= a.kernVmStart() + (1L << 32) && kaddr < a.kernVmStart() + (1L << 32) + half);
    }
}
