package dev.arenaemu.scenarios.check;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Checks the {@link Invariant}s on a {@link WorldState}, arena by arena: each arena has its own
 * kernel range, range tree and vma_list, and a user PTE is checked against the kernel PTE of the
 * arena its VMA maps. Frame refcounts are checked over the mappings of all arenas together (a
 * frame's refcount counts every PTE naming it, whichever arena installed it). When more than one
 * arena is live, every violation names the arena it concerns.
 *
 * <p>Work is proportional to the PTEs that exist (the snapshot only holds present entries, found
 * by walking populated subtrees), plus the free-set runs and VMAs.
 */
public final class InvariantChecker {
    private static final long PAGE = 4096;

    private final WorldState state;
    private final int step;
    private final List<Violation> out = new ArrayList<>();
    /** Every frame some checked PTE maps: how many PTEs, and which arenas' mappings they are. */
    /**
     * Mappings per frame, keyed by page frame number (phys >>> 12): page-aligned addresses as keys
     * would share HashMap buckets (their low hash bits are all zero).
     */
    private final Map<Long, Integer> mappings = new HashMap<>();
    /** Which arenas map each frame (by page frame number); only kept when several arenas are live (it names them in reports). */
    private final Map<Long, TreeSet<String>> mappedBy = new HashMap<>();

    private InvariantChecker(WorldState state, int step) {
        this.state = state;
        this.step = step;
    }

    /** Every violation in {@code state}, attributed to {@code step}. */
    public static List<Violation> check(WorldState state, int step) {
        InvariantChecker c = new InvariantChecker(state, step);
        for (WorldState.ArenaState a : state.arenas()) {
            c.kernelPtes(a);
            c.userPtes(a);
            c.vmaList(a);
        }
        c.frames();
        return c.out;
    }

    /** kernel-pte-in-range and populated-not-free for one arena's kernel range. */
    private void kernelPtes(WorldState.ArenaState a) {
        long lo = a.kern(a.userVmStart());
        long size = a.userVmEnd() - a.userVmStart();
        for (var e : a.kernelPtes().entrySet()) {
            long kaddr = e.getKey();
            long frame = WorldState.frameOf(e.getValue());
            // E5's scratch page backs unpopulated reads; it is the arena's own, not a user page.
            if (frame == a.scratchFrame() && a.scratchFrame() != 0) continue;
            if (a.userVmStart() == 0 || kaddr < lo || kaddr >= lo + size) {
                add(Invariant.KERNEL_PTE_IN_RANGE, a, String.format(
                    "kernel PTE at 0x%x (offset 0x%x from kern_vm_start) lies outside the user range's image [0x%x, 0x%x)%s",
                    kaddr, kaddr - a.kernVmStart(), lo, lo + size, inGuard(a, kaddr) ? ", in the guard" : ""));
                continue;
            }
            long pgoff = ((kaddr - a.kernVmStart()) - (a.userVmStart() & 0xFFFF_FFFFL)) / PAGE;
            if (a.isFree(pgoff)) {
                add(Invariant.POPULATED_NOT_FREE, a, String.format(
                    "pgoff %d (kernel 0x%x, frame 0x%x) is populated but free in the range tree", pgoff, kaddr, frame));
            }
            mapped(frame, a);
        }
    }

    /** user-pte-matches-kernel: each user PTE in a VMA of {@code a} against {@code a}'s kernel PTE at the same lo32. */
    private void userPtes(WorldState.ArenaState a) {
        for (WorldState.SpaceState s : state.spaces()) {
            for (WorldState.VmaRange v : s.arenaVmas()) {
                if (!v.arena().equals(a.name())) continue;
                for (var e : s.ptesIn(v).entrySet()) {
                    long uaddr = e.getKey();
                    long frame = WorldState.frameOf(e.getValue());
                    Long kpte = a.kernelPtes().get(a.kern(uaddr));
                    if (kpte == null || WorldState.frameOf(kpte) != frame) {
                        add(Invariant.USER_PTE_MATCHES_KERNEL, a, String.format(
                            "%s: user PTE 0x%x -> frame 0x%x but kernel PTE at 0x%x is %s", s.process(), uaddr, frame, a.kern(uaddr),
                            kpte == null ? "absent" : String.format("frame 0x%x", WorldState.frameOf(kpte))));
                    }
                    mapped(frame, a);
                }
            }
        }
    }

    /** vma-list-matches: {@code a}'s vma_list against the VMAs that map {@code a}, in every process. */
    private void vmaList(WorldState.ArenaState a) {
        int arenaVmas = 0;
        for (WorldState.SpaceState s : state.spaces()) {
            for (WorldState.VmaRange v : s.arenaVmas()) if (v.arena().equals(a.name())) arenaVmas++;
        }
        int listed = 0;
        for (WorldState.VmaRef v : a.vmaList()) {
            if (!v.alive()) {
                add(Invariant.VMA_LIST_MATCHES, a, String.format(
                    "vma_list entry records [0x%x, 0x%x), a VMA that no longer exists (dangling)", v.start(), v.end()));
            }
            listed += v.mmapCount();
        }
        if (listed != arenaVmas) {
            add(Invariant.VMA_LIST_MATCHES, a, String.format("vma_list accounts for %d VMA(s) but %d arena VMA(s) exist", listed, arenaVmas));
        }
    }

    /** frame-refcount and no-freed-frame-mapped over the mappings of every arena. */
    private void frames() {
        TreeMap<Long, Violation> found = new TreeMap<>();   // reported in frame order, whatever the map's
        for (var e : mappings.entrySet()) {
            long frame = e.getKey() << 12;
            WorldState.FrameCount fc = state.frames().get(frame);
            if (fc == null || !fc.inUse()) {
                found.put(frame, new Violation(Invariant.NO_FREED_FRAME_MAPPED, step, String.format(
                    "%sframe 0x%x is mapped by %d PTE(s) but the page allocator has it free", arenaPrefix(mappedBy.get(e.getKey())), frame, e.getValue())));
            } else if (fc.refcount() != e.getValue()) {
                found.put(frame, new Violation(Invariant.FRAME_REFCOUNT, step, String.format(
                    "%sframe 0x%x has refcount %d but %d mapping(s) (kernel + user)", arenaPrefix(mappedBy.get(e.getKey())), frame, fc.refcount(), e.getValue())));
            }
        }
        out.addAll(found.values());
    }

    private void mapped(long frame, WorldState.ArenaState a) {
        long pfn = frame >>> 12;
        mappings.merge(pfn, 1, Integer::sum);
        if (state.arenas().size() > 1) mappedBy.computeIfAbsent(pfn, f -> new TreeSet<>()).add(a.name());
    }

    private void add(Invariant inv, WorldState.ArenaState a, String detail) {
        out.add(new Violation(inv, step, arenaPrefix(new TreeSet<>(List.of(a.name()))) + detail));
    }

    /** "arena other: " when several arenas are live (so the reader knows which one), else nothing: single-arena reports stay as they were. */
    private String arenaPrefix(TreeSet<String> arenas) {
        if (state.arenas().size() < 2) return "";
        return (arenas.size() == 1 ? "arena " : "arenas ") + String.join(", ", arenas) + ": ";
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
