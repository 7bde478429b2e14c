package dev.arenaemu.kernel;

/**
 * A fix of a later era that stable kernel series took in (docs/eras.md#profiles-for-real-builds).
 * A behaviour profile ({@link KernelEra#isProfile()}) is an era plus the backports its build
 * series carries; the switches these fixes change answer the later era's way in such a profile.
 */
public enum Backport {
    /**
     * arena_vm_may_split and arena_vm_mremap return -EINVAL, arena_map_mmap sets VM_DONTCOPY:
     * queued for 6.12.88 (review series of 12 May 2026, patch 178/206), 6.18 and 7.0.7 (patch of
     * the 7.0.7-rc1 series).
     */
    FORK_SPLIT_MREMAP(new Commit("4fddde2a732d", "bpf: Fix use-after-free in arena_vm_close on fork", "6.12.88, 7.0.7")),
    /**
     * bpf_arena_alloc_pages returns NULL for a node id that is not NUMA_NO_NODE and not an online
     * node: 6.12.91 (review series of 20 May 2026, patch 356/666) and 7.0.10 (patch 0620/1146).
     */
    NUMA_NODE_CHECK(new Commit("2845989f2eba", "bpf: Validate node_id in arena_alloc_pages()", "6.12.91, 7.0.10")),
    /**
     * adjust_reg_min_max_vals: an ALU op with an arena source makes the destination an arena
     * pointer: the same review series of 20 May 2026, 6.12 patch 094/666 and 7.0 patch 0196/1146.
     */
    ARENA_SOURCE_ALU(new Commit("ac61bffe91d4", "bpf: Allow instructions with arena source and non-arena dest registers", "6.12.91, 7.0.10"));

    /**
     * @param upstream the upstream commit (12 hex digits)
     * @param title    its subject
     * @param stable   the first stable releases that carry it, as the stable review series show
     */
    public record Commit(String upstream, String title, String stable) {}

    public final Commit commit;

    Backport(Commit commit) {
        this.commit = commit;
    }
}
