package dev.arenaemu.kernel;

import dev.arenaemu.kernel.mm.VmFaultResult;

/**
 * Which kernel's arena semantics the model follows (arena-semantics.md §0, §11). Every
 * difference is a behaviour switch method, so another era (v6.9's maple tree, v7.0's spinlock
 * and deferred free) is a new constant overriding a few methods, not a new code path per call site.
 *
 * <ul>
 *   <li>{@link #V6_13}: era E3 (v6.13–v6.18): range tree, one mutex, synchronous free, zap of the
 *       VMA recorded in each vma_list entry. Includes {@code bpf_arena_reserve_pages} (v6.17).</li>
 *   <li>{@link #V7_0}: era E4 (bpf-next Dec 2025): E3 plus batched allocation with exact
 *       PTE rollback, the clear-PTEs-then-zap free order and the non-sleepable kfunc variants
 *       whose frees are deferred to a worker. Its rqspinlock is uncontended here (it never
 *       fails).</li>
 *   <li>{@link #LATEST}: era E5 (kernel-patches/bpf-rc @90a84015): scratch page, fault
 *       preallocation and VM_FAULT_OOM, NUMA node validation, free-below-start guard,
 *       mem_usage, VM_DONTCOPY + may_split/mremap -EINVAL, direct_value_addr {@code >=},
 *       generation-marked zap that re-finds the VMA.</li>
 * </ul>
 */
public enum KernelEra {
    V6_13 {
        @Override public boolean usesScratchPage() { return false; }
        @Override public VmFaultResult faultAllocFailure() { return VmFaultResult.SIGSEGV; }
        @Override public boolean faultPreallocatesPage() { return false; }
        @Override public boolean validatesNumaNode() { return false; }
        @Override public boolean freeGuardsBelowStart() { return false; }
        @Override public boolean reportsMemUsage() { return false; }
        @Override public boolean setsDontCopy() { return false; }
        @Override public boolean rejectsSplitAndMremap() { return false; }
        @Override public boolean directValueRejectsEnd() { return false; }
        @Override public boolean zapRefindsVma() { return false; }
        @Override public boolean singlePageZapByRefcount() { return false; }
        @Override public boolean allocatesInBatches() { return false; }
        @Override public boolean freeClearsPtesBeforeZap() { return false; }
        @Override public long prepopulatedBytes() { return 0; }
        @Override public boolean hasNonSleepableKfuncs() { return false; }
        @Override public boolean signExtendingArenaLoads() { return false; }
        @Override public boolean directValueMaxVarOffCheck() { return true; }
    },
    V7_0 {
        @Override public boolean usesScratchPage() { return false; }
        @Override public VmFaultResult faultAllocFailure() { return VmFaultResult.SIGSEGV; }
        @Override public boolean faultPreallocatesPage() { return false; }
        @Override public boolean validatesNumaNode() { return false; }
        @Override public boolean freeGuardsBelowStart() { return false; }
        @Override public boolean reportsMemUsage() { return false; }
        @Override public boolean setsDontCopy() { return false; }
        @Override public boolean rejectsSplitAndMremap() { return false; }
        @Override public boolean directValueRejectsEnd() { return false; }
        @Override public boolean zapRefindsVma() { return false; }
        @Override public boolean singlePageZapByRefcount() { return false; }
        @Override public boolean allocatesInBatches() { return true; }
        @Override public boolean freeClearsPtesBeforeZap() { return true; }
        @Override public long prepopulatedBytes() { return 1L << 32; }
        @Override public boolean hasNonSleepableKfuncs() { return true; }
        @Override public boolean signExtendingArenaLoads() { return true; }
        @Override public boolean directValueMaxVarOffCheck() { return false; }
    },
    LATEST {
        @Override public boolean usesScratchPage() { return true; }
        @Override public VmFaultResult faultAllocFailure() { return VmFaultResult.OOM; }
        @Override public boolean faultPreallocatesPage() { return true; }
        @Override public boolean validatesNumaNode() { return true; }
        @Override public boolean freeGuardsBelowStart() { return true; }
        @Override public boolean reportsMemUsage() { return true; }
        @Override public boolean setsDontCopy() { return true; }
        @Override public boolean rejectsSplitAndMremap() { return true; }
        @Override public boolean directValueRejectsEnd() { return true; }
        @Override public boolean zapRefindsVma() { return true; }
        @Override public boolean singlePageZapByRefcount() { return true; }
        @Override public boolean allocatesInBatches() { return true; }
        @Override public boolean freeClearsPtesBeforeZap() { return true; }
        @Override public long prepopulatedBytes() { return (1L << 32) + (1L << 15); }
        @Override public boolean hasNonSleepableKfuncs() { return true; }
        @Override public boolean signExtendingArenaLoads() { return true; }
        @Override public boolean directValueMaxVarOffCheck() { return false; }
    };

    public static final KernelEra DEFAULT = LATEST;

    /**
     * The era a scenario names: the constant ("V6_13", "latest"), the kernel version ("v6.13",
     * "6.13", "v7.0") or the spec's era tag ("E3", "E4", "E5"). Null when nothing matches.
     */
    public static KernelEra parse(String name) {
        String n = name.trim().toUpperCase(java.util.Locale.ROOT);
        return switch (n) {
            case "V6_13", "V6.13", "6.13", "E3" -> V6_13;
            case "V7_0", "V7.0", "7.0", "E4" -> V7_0;
            case "LATEST", "E5" -> LATEST;
            default -> null;
        };
    }

    /** E5: a scratch page is allocated at creation and parked on kernel-side faults (§6.5). */
    public abstract boolean usesScratchPage();

    /** What a user fault returns when its page allocation fails: E1–E4 SIGSEGV, E5 OOM (§5.1, §5.3). */
    public abstract VmFaultResult faultAllocFailure();

    /** E5: arena_vm_fault allocates the page before taking the lock (§5.3). */
    public abstract boolean faultPreallocatesPage();

    /** E5: bpf_arena_alloc_pages rejects node ids other than NUMA_NO_NODE that are not online (§6.1). */
    public abstract boolean validatesNumaNode();

    /** E5: bpf_arena_free_pages returns early when the address lies below user_vm_start (§6.2). */
    public abstract boolean freeGuardsBelowStart();

    /** E5: map_mem_usage reports nr_pages << PAGE_SHIFT; earlier eras report 0 (§3). */
    public abstract boolean reportsMemUsage();

    /** E5: arena_map_mmap sets VM_DONTCOPY, so fork gives the child no arena VMA (§4.3, §4.4). */
    public abstract boolean setsDontCopy();

    /** E5: arena_vm_ops has may_split and mremap callbacks returning -EINVAL (§4.4). */
    public abstract boolean rejectsSplitAndMremap();

    /** E5: map_direct_value_addr rejects {@code off >= size}; earlier {@code off > size} (§3.1). */
    public abstract boolean directValueRejectsEnd();

    /**
     * E5: zap_pages checks that the VMA recorded in each vma_list entry still exists and still
     * belongs to this arena before zapping it; E1–E4 zap the recorded VMA blindly (§6.2).
     */
    public abstract boolean zapRefindsVma();

    /**
     * The single-page free's "is it user-mapped?" test: E5 {@code page_ref_count > 1}, E1–E4
     * {@code page_mapped()} (mapcount) (§6.2).
     */
    public abstract boolean singlePageZapByRefcount();

    /**
     * E4+: bpf_arena_alloc_pages allocates and maps in batches of 1024 pages and rolls back
     * exactly the PTEs written; E1–E3 allocate all pages, then map them all (§6.1).
     */
    public abstract boolean allocatesInBatches();

    /**
     * E4+: free clears all kernel PTEs of the range first, flushes once, then zaps user PTEs;
     * E1–E3 zap first and unmap page by page (§6.2).
     */
    public abstract boolean freeClearsPtesBeforeZap();

    /**
     * E4+: bytes from kern_vm_start whose page tables (all levels above the PTEs) arena_map_alloc
     * creates up front so later PTE writes allocate nothing: 4 GiB in E4, 4 GiB + GUARD_SZ/2 in
     * E5 (the scratch-page recovery window); 0 before (§3).
     */
    public abstract long prepopulatedBytes();

    /**
     * E4+: the verifier may call {@code bpf_arena_alloc_pages_non_sleepable} /
     * {@code bpf_arena_free_pages_non_sleepable}, whose frees are deferred to a worker
     * (irq_work → workqueue). Before E4 arena kfuncs are KF_SLEEPABLE only (§6, §6.2).
     */
    public abstract boolean hasNonSleepableKfuncs();

    /**
     * Verifier: sign-extending loads from arena memory (BPF_PROBE_MEM32SX, x86 JIT support since
     * v6.18). The v6.13 constant predates it: "sign extending loads from arena are not supported yet".
     */
    public abstract boolean signExtendingArenaLoads();

    /**
     * Verifier (resolve_pseudo_ldimm64): E1–E3 refuse a direct value offset {@code >= BPF_MAX_VAR_OFF}
     * ("direct value offset of %u is not allowed"), so arena globals at the end of a 4 GiB arena
     * load only from v7.0 on (§9.1, catalogue 63).
     */
    public abstract boolean directValueMaxVarOffCheck();
}
