package dev.arenaemu.kernel;

/**
 * A fix of a later era that stable kernel series took in (docs/eras.md#profiles-for-real-builds).
 * A behaviour profile ({@link KernelEra#isProfile()}) is an era plus the backports its build
 * series carries; the switches these fixes change answer the later era's way in such a profile.
 *
 * @param upstream the upstream commit (12 hex digits)
 * @param title    the commit's subject
 * @param stable   the first stable releases that carry it, as far as the stable review mails show
 */
public enum Backport {
    /**
     * arena_vm_may_split and arena_vm_mremap return -EINVAL, arena_map_mmap sets VM_DONTCOPY:
     * queued for 6.12.88 (review series of 12 May 2026, patch 178/206), 6.18 and 7.0.7 (patch of
     * the 7.0.7-rc1 series); upstream 4fddde2a732d.
     */
    FORK_SPLIT_MREMAP("4fddde2a732d", "bpf: Fix use-after-free in arena_vm_close on fork", "6.12.88, 7.0.7"),
    /**
     * bpf_arena_alloc_pages returns NULL for a node id that is not NUMA_NO_NODE and not an online
     * node: 6.12.91 (review series of 20 May 2026, patch 356/666) and 7.0.10 (patch 0620/1146);
     * upstream 2845989f2eba.
     */
    NUMA_NODE_CHECK("2845989f2eba", "bpf: Validate node_id in arena_alloc_pages()", "6.12.91, 7.0.10");

    private final String upstream;
    private final String title;
    private final String stable;

    Backport(String upstream, String title, String stable) {
        this.upstream = upstream;
        this.title = title;
        this.stable = stable;
    }

    public String upstream() { return upstream; }
    public String title() { return title; }
    public String stable() { return stable; }
}
