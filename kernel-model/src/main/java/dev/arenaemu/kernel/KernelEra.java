package dev.arenaemu.kernel;

import dev.arenaemu.kernel.mm.VmFaultResult;

/**
 * Which kernel's arena semantics the model follows (docs/semantics.md#eras, #era-differences). Every
 * difference is a behaviour switch method that says since which era it holds, so another era
 * (v6.9's maple tree) is a new constant in kernel order plus the few switches it changes, not a
 * new code path per call site.
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
    // declaration order is kernel order: since(era) below relies on it
    V6_13,
    V7_0,
    LATEST;

    public static final KernelEra DEFAULT = LATEST;

    /**
     * The era a scenario names: the constant ("V6_13", "latest"), the kernel version ("v6.13",
     * "6.13", "v7.0") or the era tag of docs/semantics.md#eras ("E3", "E4", "E5"). Null when nothing matches.
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

    /** True from {@code era} on: the behaviour arrived in that kernel and stayed. */
    private boolean since(KernelEra era) {
        return compareTo(era) >= 0;
    }

    /**
     * E5: a scratch page is allocated at creation and parked on kernel-side faults
     * (docs/semantics.md#kernel-side-access).
     */
    public boolean usesScratchPage() {
        return since(LATEST);
    }

    /**
     * What a user fault returns when its page allocation fails: E1–E4 SIGSEGV, E5 OOM
     * (docs/semantics.md#mutex-era-fault, #preallocating-fault).
     */
    public VmFaultResult faultAllocFailure() {
        return since(LATEST) ? VmFaultResult.OOM : VmFaultResult.SIGSEGV;
    }

    /** E5: arena_vm_fault allocates the page before taking the lock (docs/semantics.md#preallocating-fault). */
    public boolean faultPreallocatesPage() {
        return since(LATEST);
    }

    /**
     * E5: bpf_arena_alloc_pages rejects node ids other than NUMA_NO_NODE that are not online
     * (docs/semantics.md#allocation).
     */
    public boolean validatesNumaNode() {
        return since(LATEST);
    }

    /**
     * E5: bpf_arena_free_pages returns early when the address lies below user_vm_start
     * (docs/semantics.md#free).
     */
    public boolean freeGuardsBelowStart() {
        return since(LATEST);
    }

    /** E5: map_mem_usage reports nr_pages << PAGE_SHIFT; earlier eras report 0 (docs/semantics.md#creation). */
    public boolean reportsMemUsage() {
        return since(LATEST);
    }

    /**
     * E5: arena_map_mmap sets VM_DONTCOPY, so fork gives the child no arena VMA
     * (docs/semantics.md#registering-the-vma, #vma-lifecycle).
     */
    public boolean setsDontCopy() {
        return since(LATEST);
    }

    /**
     * E5: arena_vm_ops has may_split and mremap callbacks returning -EINVAL
     * (docs/semantics.md#vma-lifecycle).
     */
    public boolean rejectsSplitAndMremap() {
        return since(LATEST);
    }

    /**
     * E5: map_direct_value_addr rejects {@code off >= size}; earlier {@code off > size}
     * (docs/semantics.md#generic-map-operations).
     */
    public boolean directValueRejectsEnd() {
        return since(LATEST);
    }

    /**
     * E5: zap_pages checks that the VMA recorded in each vma_list entry still exists and still
     * belongs to this arena before zapping it; E1–E4 zap the recorded VMA blindly (docs/semantics.md#free).
     */
    public boolean zapRefindsVma() {
        return since(LATEST);
    }

    /**
     * The single-page free's "is it user-mapped?" test: E5 {@code page_ref_count > 1}, E1–E4
     * {@code page_mapped()} (mapcount) (docs/semantics.md#free).
     */
    public boolean singlePageZapByRefcount() {
        return since(LATEST);
    }

    /**
     * E4+: bpf_arena_alloc_pages allocates and maps in batches of 1024 pages and rolls back
     * exactly the PTEs written; E1–E3 allocate all pages, then map them all (docs/semantics.md#allocation).
     */
    public boolean allocatesInBatches() {
        return since(V7_0);
    }

    /**
     * E4+: free clears all kernel PTEs of the range first, flushes once, then zaps user PTEs;
     * E1–E3 zap first and unmap page by page (docs/semantics.md#free).
     */
    public boolean freeClearsPtesBeforeZap() {
        return since(V7_0);
    }

    /**
     * E4+: bytes from kern_vm_start whose page tables (all levels above the PTEs) arena_map_alloc
     * creates up front so later PTE writes allocate nothing: 4 GiB in E4, 4 GiB + GUARD_SZ/2 in
     * E5 (the scratch-page recovery window); 0 before (docs/semantics.md#creation).
     */
    public long prepopulatedBytes() {
        return switch (this) {
            case V6_13 -> 0;
            case V7_0 -> 1L << 32;
            case LATEST -> (1L << 32) + (1L << 15);
        };
    }

    /**
     * E4+: the verifier may call {@code bpf_arena_alloc_pages_non_sleepable} /
     * {@code bpf_arena_free_pages_non_sleepable}, whose frees are deferred to a worker
     * (irq_work → workqueue). Before E4 arena kfuncs are KF_SLEEPABLE only (docs/semantics.md#kfuncs, #free).
     */
    public boolean hasNonSleepableKfuncs() {
        return since(V7_0);
    }

    /**
     * Verifier: sign-extending loads from arena memory (BPF_PROBE_MEM32SX, x86 JIT support since
     * v6.18). The v6.13 constant predates it: "sign extending loads from arena are not supported yet".
     */
    public boolean signExtendingArenaLoads() {
        return since(V7_0);
    }

    /**
     * v6.18+: {@code ex_handler_bpf} calls {@code bpf_prog_report_arena_violation}, which writes
     * "ERROR: Arena READ|WRITE access at unmapped address 0x…" to the program's BPF stderr stream
     * (docs/semantics.md#exception-table, #era-differences). Before, a faulting arena access is
     * fixed up silently.
     */
    public boolean reportsArenaFaults() {
        return since(V7_0);
    }

    /**
     * Verifier (resolve_pseudo_ldimm64): E1–E3 refuse a direct value offset {@code >= BPF_MAX_VAR_OFF}
     * ("direct value offset of %u is not allowed"), so arena globals at the end of a 4 GiB arena
     * load only from v7.0 on (docs/semantics.md#arena-binding, catalogue 63).
     */
    public boolean directValueMaxVarOffCheck() {
        return !since(V7_0);
    }

    /**
     * x86-64 JIT ({@code emit_atomic_rmw}, {@code emit_atomic_rmw_index}): BPF_XCHG carries a
     * {@code lock} prefix up to v6.19; "x86/bpf: Avoid emitting LOCK prefix for XCHG atomic ops"
     * (Uros Bizjak, bpf-next Dec 2025, in v7.0) drops it, as {@code xchg} with a memory operand
     * is locked anyway. Every other read-modify-write atomic keeps its {@code lock}.
     */
    public boolean xchgHasLockPrefix() {
        return !since(V7_0);
    }

    /**
     * Verifier (check_atomic): BPF_LOAD_ACQ / BPF_STORE_REL (imm 0x100 / 0x110) exist from v6.15
     * ("bpf: Introduce load-acquire and store-release instructions", 880442305a39). Before, the
     * opcode switch of check_atomic rejects them: "BPF_ATOMIC uses invalid atomic opcode %02x",
     * -EINVAL. The V6_13 constant stands for the kernels before that (the 6.12 kernels read back
     * reject them); V7_0 and later accept them.
     */
    public boolean hasLoadAcquireStoreRelease() {
        return since(V7_0);
    }
}
