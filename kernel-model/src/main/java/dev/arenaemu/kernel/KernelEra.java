package dev.arenaemu.kernel;

import dev.arenaemu.kernel.mm.Frames;
import dev.arenaemu.kernel.mm.VmFaultResult;

/**
 * Which kernel's arena semantics the model follows (docs/semantics.md#eras, #era-differences). Every
 * difference is a behaviour switch method that says since which era it holds, so another era
 * (v6.9's maple tree) is a new constant in kernel order plus the few switches it changes, not a
 * new code path per call site.
 *
 * <ul>
 *   <li>{@link #V6_9}: era E1 (v6.9, 317460317a02 "bpf: Introduce bpf_arena."): a maple tree of
 *       allocated page offsets (mtree_insert_range / mtree_alloc_range / mtree_store_range), one
 *       mutex, no vm_ops->open (split, mremap and fork copies share a vma_list entry that the
 *       first close frees: CVE-2024-42075), no reserve kfunc, no atomics on arena pointers.</li>
 *   <li>{@link #V6_10}: era E2 (v6.10–v6.12): E1 plus "bpf: Fix remap of arena." (b90d77e5fd78:
 *       refcounted vma_list entries, arena_vm_open) and "bpf: Add support for certain atomics in
 *       bpf_arena to x86 JIT" (PROBE_ATOMIC).</li>
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
 *
 * <p>The last constants are <em>behaviour profiles</em> of real stable builds: an era ({@link
 * #base()}) plus the later fixes ({@link Backport}) that build series carries, seen by the real
 * kernel oracle (docs/eras.md#profiles-for-real-builds). A profile behaves as its base era in
 * every switch except those its backports change, which answer the later era's way.
 * <ul>
 *   <li>{@link #V6_12_STABLE}: E2 plus the fork/split/mremap fix and the NUMA node check (6.12.91
 *       and later).</li>
 *   <li>{@link #V7_0_STABLE}: E4 plus the same two fixes (7.0.10 and later). 7.0.13 still has the
 *       free-below-start defect of E3–E4 (no early return in arena_free_pages).</li>
 * </ul>
 */
public enum KernelEra {
    // declaration order is kernel order: since(era) below relies on it
    V6_9("v6.9"),
    V6_10("v6.10", "v6.11", "v6.12"),
    V6_13("v6.13"),
    V7_0("v7.0"),
    LATEST("latest"),
    // behaviour profiles of stable builds: after the eras, each naming its base era
    V6_12_STABLE(V6_10, java.util.EnumSet.allOf(Backport.class), "v6.12-stable"),
    V7_0_STABLE(V7_0, java.util.EnumSet.allOf(Backport.class), "v7.0-stable");

    public static final KernelEra DEFAULT = LATEST;

    private final java.util.List<String> versions;
    /** The era a profile builds on; null for an era itself. */
    private final KernelEra base;
    private final java.util.Set<Backport> backports;

    KernelEra(String... versions) {
        this(null, java.util.EnumSet.noneOf(Backport.class), versions);
    }

    KernelEra(KernelEra base, java.util.Set<Backport> backports, String... versions) {
        this.base = base;
        this.backports = java.util.Collections.unmodifiableSet(backports);
        this.versions = java.util.List.of(versions);
    }

    /** The era this constant behaves as apart from its backports: itself for an era, the base era for a profile. */
    public KernelEra base() {
        return base == null ? this : base;
    }

    /** True for a behaviour profile of a stable build series (an era plus backports). */
    public boolean isProfile() {
        return base != null;
    }

    /** The later fixes this profile carries (none for an era). */
    public java.util.Set<Backport> backports() {
        return backports;
    }

    /** The five eras E1 … E5 in kernel order, without the profiles. */
    public static java.util.List<KernelEra> eras() {
        return java.util.Arrays.stream(values()).filter(e -> !e.isProfile()).toList();
    }

    /** The behaviour profiles of stable build series. */
    public static java.util.List<KernelEra> profiles() {
        return java.util.Arrays.stream(values()).filter(KernelEra::isProfile).toList();
    }

    private boolean carries(Backport fix) {
        return backports.contains(fix);
    }

    /**
     * The era a scenario names: the constant ("V6_13", "latest"), a kernel version it stands for
     * ("v6.13", "6.13", "v7.0"; v6.11 and v6.12 are E2 like v6.10) or the era tag of
     * docs/semantics.md#eras ("E1" … "E5"). Null when nothing matches.
     */
    public static KernelEra parse(String name) {
        String n = name.trim().toLowerCase(java.util.Locale.ROOT);
        for (KernelEra e : values()) {
            if (n.equals(e.name().toLowerCase(java.util.Locale.ROOT)) || n.equals(e.tag().toLowerCase(java.util.Locale.ROOT))) return e;
            for (String v : e.versions) {
                if (n.equals(v) || (v.startsWith("v") && n.equals(v.substring(1)))) return e;
            }
        }
        return null;
    }

    /** True from {@code era} on: the behaviour arrived in that kernel and stayed (a profile answers as its base era). */
    private boolean since(KernelEra era) {
        return base().compareTo(era) >= 0;
    }

    /**
     * E1–E2: the arena's page offsets live in a maple tree of <em>allocated</em> ranges
     * (arena_alloc_pages: mtree_insert_range for a fixed address, mtree_alloc_range — lowest
     * first fit — for any; arena_free_pages: mtree_store_range(NULL); arena_vm_fault:
     * mtree_insert / mtree_erase); E3+ a range_tree of <em>free</em> runs with best fit ("bpf:
     * Introduce range_tree data structure and use it in bpf arena", v6.13).
     */
    @EraSwitch(function = "arena_alloc_pages, arena_free_pages, arena_vm_fault",
        change = "maple tree, lowest first fit (E1-E2) -> range_tree, best fit (E3+)")
    public boolean usesMapleTree() {
        return !since(V6_13);
    }

    /**
     * E2+: arena_vm_ops has .open, and each vma_list entry counts the VMAs sharing it
     * (mmap_count), so arena_vm_close frees it only with the last one ("bpf: Fix remap of arena.",
     * b90d77e5fd78, v6.10, CVE-2024-42075). E1 has no .open: a split, mremap or fork copy shares
     * the entry, and the first close frees it under the others.
     */
    @EraSwitch(function = "arena_vm_open, arena_vm_close",
        change = "no vm_ops->open, the first close frees a shared vma_list entry (E1) -> refcounted entries (E2+, bpf: Fix remap of arena.)")
    public boolean hasVmOpen() {
        return since(V6_10);
    }

    /**
     * bpf_arena_reserve_pages exists (v6.17, "bpf: Add bpf_arena_reserve_pages kfunc"; this
     * model's E3 constant includes it). Before, the kfunc is unknown to the verifier.
     */
    @EraSwitch(function = "bpf_arena_reserve_pages", change = "absent (E1-E2) -> present (E3+, v6.17)")
    public boolean hasReservePages() {
        return since(V6_13);
    }

    /**
     * Verifier check_atomic: E1 refuses every BPF_ATOMIC through a PTR_TO_ARENA register
     * ("BPF_ATOMIC stores into R%d arena is not allowed"); E2+ allows the ones the JIT supports
     * in arena (bpf_jit_supports_insn(insn, true), BPF_PROBE_ATOMIC: "bpf: Add support for
     * certain atomics in bpf_arena to x86 JIT", v6.10).
     */
    @EraSwitch(function = "check_atomic, bpf_jit_supports_insn", change = "no atomics on arena pointers (E1) -> PROBE_ATOMIC (E2+)")
    public boolean allowsArenaAtomics() {
        return since(V6_10);
    }

    /**
     * GUARD_SZ, bytes an s16 instruction offset reaches: E1–E2 {@code 1 << 16}; from "bpf/arena:
     * fix softlockup in arena_map_free on 64k page kernel" (Feb 2025, v6.14; this model's E3
     * constant is a later snapshot) {@code round_up(1 << 16, 2 * PAGE_SIZE)}, which only differs
     * on 64K-page kernels. On x86-64's 4K pages both are 64 KiB, the value {@code Arena.GUARD_SZ}
     * uses.
     */
    @EraSwitch(function = "GUARD_SZ (arena_map_alloc, bpf_arena_get_kern_vm_start)",
        change = "1 << 16 (E1-E2) -> round_up(1 << 16, 2 * PAGE_SIZE) (E3+); both 64 KiB on 4K pages")
    public long guardSize() {
        long s16Reach = 1L << 16;
        if (!since(V6_13)) return s16Reach;
        long twoPages = 2 * Frames.PAGE_SIZE;
        return (s16Reach + twoPages - 1) / twoPages * twoPages;
    }

    /**
     * E5: a scratch page is allocated at creation and parked on kernel-side faults
     * (docs/semantics.md#kernel-side-access).
     */
    @EraSwitch(function = "arena_map_alloc, bpf_arena_handle_page_fault", change = "no scratch page (E1-E4) -> scratch page parked on kernel faults (E5)")
    public boolean usesScratchPage() {
        return since(LATEST);
    }

    /**
     * What a user fault returns when its page allocation fails: E1–E4 SIGSEGV, E5 OOM
     * (docs/semantics.md#mutex-era-fault, #preallocating-fault).
     */
    @EraSwitch(function = "arena_vm_fault", change = "page allocation failure: VM_FAULT_SIGSEGV (E1-E4) -> VM_FAULT_OOM (E5)")
    public VmFaultResult faultAllocFailure() {
        return since(LATEST) ? VmFaultResult.OOM : VmFaultResult.SIGSEGV;
    }

    /** E5: arena_vm_fault allocates the page before taking the lock (docs/semantics.md#preallocating-fault). */
    @EraSwitch(function = "arena_vm_fault", change = "page allocated under the lock (E1-E4) -> before the lock (E5)")
    public boolean faultPreallocatesPage() {
        return since(LATEST);
    }

    /**
     * E5: bpf_arena_alloc_pages rejects node ids other than NUMA_NO_NODE that are not online
     * (docs/semantics.md#allocation).
     */
    @EraSwitch(function = "bpf_arena_alloc_pages", change = "node_id unchecked (E1-E4) -> offline or out-of-range node is NULL (E5)")
    public boolean validatesNumaNode() {
        return since(LATEST) || carries(Backport.NUMA_NODE_CHECK);
    }

    /**
     * E5: bpf_arena_free_pages returns early when the address lies below user_vm_start
     * (docs/semantics.md#free).
     */
    @EraSwitch(function = "arena_free_pages", change = "no check (E1-E4) -> full_uaddr < user_vm_start returns early (E5)")
    public boolean freeGuardsBelowStart() {
        return since(LATEST);
    }

    /** E5: map_mem_usage reports nr_pages << PAGE_SHIFT; earlier eras report 0 (docs/semantics.md#creation). */
    @EraSwitch(function = "arena_map_mem_usage", change = "0 (E1-E4) -> nr_pages << PAGE_SHIFT (E5)")
    public boolean reportsMemUsage() {
        return since(LATEST);
    }

    /**
     * E5: arena_map_mmap sets VM_DONTCOPY, so fork gives the child no arena VMA
     * (docs/semantics.md#registering-the-vma, #vma-lifecycle).
     */
    @EraSwitch(function = "arena_map_mmap", change = "VM_DONTEXPAND (E1-E4) -> VM_DONTEXPAND | VM_DONTCOPY (E5)")
    public boolean setsDontCopy() {
        return since(LATEST) || carries(Backport.FORK_SPLIT_MREMAP);
    }

    /**
     * E5: arena_vm_ops has may_split and mremap callbacks returning -EINVAL
     * (docs/semantics.md#vma-lifecycle).
     */
    @EraSwitch(function = "arena_vm_may_split, arena_vm_mremap", change = "allowed (E1-E4) -> -EINVAL (E5)")
    public boolean rejectsSplitAndMremap() {
        return since(LATEST) || carries(Backport.FORK_SPLIT_MREMAP);
    }

    /**
     * E5: map_direct_value_addr rejects {@code off >= size}; earlier {@code off > size}
     * (docs/semantics.md#generic-map-operations).
     */
    @EraSwitch(function = "arena_map_direct_value_addr", change = "off > size is -ERANGE (E1-E4) -> off >= size (E5)")
    public boolean directValueRejectsEnd() {
        return since(LATEST);
    }

    /**
     * E5: zap_pages checks that the VMA recorded in each vma_list entry still exists and still
     * belongs to this arena before zapping it; E1–E4 zap the recorded VMA blindly (docs/semantics.md#free).
     */
    @EraSwitch(function = "zap_pages", change = "zaps the recorded VMA blindly (E1-E4) -> re-finds it under mmap_read_lock (E5)")
    public boolean zapRefindsVma() {
        return since(LATEST);
    }

    /**
     * The single-page free's "is it user-mapped?" test: E5 {@code page_ref_count > 1}, E1–E4
     * {@code page_mapped()} (mapcount) (docs/semantics.md#free).
     */
    @EraSwitch(function = "arena_free_pages", change = "single-page zap if page_mapped() (E1-E4) -> if page_ref_count > 1 (E5)")
    public boolean singlePageZapByRefcount() {
        return since(LATEST);
    }

    /**
     * E4+: bpf_arena_alloc_pages allocates and maps in batches of 1024 pages and rolls back
     * exactly the PTEs written; E1–E3 allocate all pages, then map them all (docs/semantics.md#allocation).
     */
    @EraSwitch(function = "arena_alloc_pages", change = "all pages then all PTEs (E1-E3) -> 1024-page batches with exact PTE rollback (E4+)")
    public boolean allocatesInBatches() {
        return since(V7_0);
    }

    /**
     * E4+: free clears all kernel PTEs of the range first, flushes once, then zaps user PTEs;
     * E1–E3 zap first and unmap page by page (docs/semantics.md#free).
     */
    @EraSwitch(function = "arena_free_pages", change = "zap, then unmap page by page (E1-E3) -> clear all PTEs, flush, then zap (E4+)")
    public boolean freeClearsPtesBeforeZap() {
        return since(V7_0);
    }

    /**
     * E4+: bytes from kern_vm_start whose page tables (all levels above the PTEs) arena_map_alloc
     * creates up front so later PTE writes allocate nothing: 4 GiB in E4, 4 GiB + GUARD_SZ/2 in
     * E5 (the scratch-page recovery window); 0 before (docs/semantics.md#creation).
     */
    @EraSwitch(function = "arena_map_alloc (apply_to_page_range)", change = "no page tables up front (E1-E3) -> 4 GiB (E4) -> 4 GiB + GUARD_SZ/2 (E5)")
    public long prepopulatedBytes() {
        return switch (this) {
            case V6_9, V6_10, V6_12_STABLE, V6_13 -> 0;
            case V7_0, V7_0_STABLE -> 1L << 32;
            case LATEST -> (1L << 32) + (1L << 15);
        };
    }

    /**
     * E4+: the verifier may call {@code bpf_arena_alloc_pages_non_sleepable} /
     * {@code bpf_arena_free_pages_non_sleepable}, whose frees are deferred to a worker
     * (irq_work → workqueue). Before E4 arena kfuncs are KF_SLEEPABLE only (docs/semantics.md#kfuncs, #free).
     */
    @EraSwitch(function = "bpf_arena_alloc_pages_non_sleepable, bpf_arena_free_pages_non_sleepable", change = "KF_SLEEPABLE only (E1-E3) -> non-sleepable variants, deferred free (E4+)")
    public boolean hasNonSleepableKfuncs() {
        return since(V7_0);
    }

    /**
     * Verifier: sign-extending loads from arena memory (BPF_PROBE_MEM32SX, x86 JIT support since
     * v6.18). The v6.13 constant predates it: "sign extending loads from arena are not supported yet".
     */
    @EraSwitch(function = "check_mem_access (BPF_PROBE_MEM32SX)", change = "sign-extending arena loads refused (E1-E3) -> accepted (E4+)")
    public boolean signExtendingArenaLoads() {
        return since(V7_0);
    }

    /**
     * v6.18+: {@code ex_handler_bpf} calls {@code bpf_prog_report_arena_violation}, which writes
     * "ERROR: Arena READ|WRITE access at unmapped address 0x…" to the program's BPF stderr stream
     * (docs/semantics.md#exception-table, #era-differences). Before, a faulting arena access is
     * fixed up silently.
     */
    @EraSwitch(function = "ex_handler_bpf, bpf_prog_report_arena_violation", change = "silent fixup (E1-E3) -> ERROR: Arena READ/WRITE access to BPF stderr (E4+)")
    public boolean reportsArenaFaults() {
        return since(V7_0);
    }

    /**
     * Verifier (resolve_pseudo_ldimm64): E1–E3 refuse a direct value offset {@code >= BPF_MAX_VAR_OFF}
     * ("direct value offset of %u is not allowed"), so arena globals at the end of a 4 GiB arena
     * load only from v7.0 on (docs/semantics.md#arena-binding, catalogue 63).
     */
    @EraSwitch(function = "resolve_pseudo_ldimm64", change = "direct value offset >= BPF_MAX_VAR_OFF refused (E1-E3) -> allowed (E4+)")
    public boolean directValueMaxVarOffCheck() {
        return !since(V7_0);
    }

    /**
     * x86-64 JIT ({@code do_jit}, conditional jumps and {@code emit_jmp}): the largest forward
     * displacement that still gets the 2-byte rel8 form. Up to v6.11 any {@code is_imm8} offset
     * (127); "bpf, x64: Fix a jit convergence issue" (Yonghong Song, 2024, in v6.12) limits
     * forward jumps to 123 ({@code is_imm8_jmp_offset}) so that a jcc/jmp pair can no longer
     * flip between rel8 and rel32 forever. Era v6.10 stands for 6.10–6.12 and takes the 6.12
     * limit: the 6.12.117 image the oracle read back has a {@code jne} rel32 of 0x7d
     * (docs/oracle.md, JIT images).
     */
    @EraSwitch(function = "do_jit (x86-64 JIT): is_imm8 -> is_imm8_jmp_offset", change = "rel8 forward jumps up to 127 (E1) -> up to 123 (E2+)")
    public int shortJumpMaxForward() {
        return since(V6_10) ? 123 : 127;
    }

    /**
     * Verifier ({@code opt_subreg_zext_lo32_rnd_hi32}, {@code is_cmpxchg_insn}): whether a 32-bit
     * cmpxchg on arena memory (mode BPF_PROBE_ATOMIC once convert_ctx_accesses has run) gets the
     * {@code BPF_ZEXT_REG(r0)} a 32-bit cmpxchg on kernel memory gets (the JIT's
     * {@code mov eax,eax}). Seen on real kernels with {@code oracle --jit} on
     * {@code w0 = cmpxchg32_32(arena)} followed by a 64-bit read of R0 (corpus 13-jit-arena-cmpxchg32): 6.12.117
     * and 7.3.4 insert it, 7.0.13 does not. The commits behind the difference were not
     * identified; E2 and E3 are taken to behave as 6.12 showed (docs/oracle.md, JIT images).
     */
    @EraSwitch(function = "opt_subreg_zext_lo32_rnd_hi32 (is_cmpxchg_insn)", change = "zext after a 32-bit arena cmpxchg (E2, E3, E5); none in E4 (7.0.13 shows none)")
    public boolean zextsArenaCmpxchg() {
        return base() != V7_0;
    }

    /**
     * x86-64 JIT ({@code emit_atomic_rmw}, {@code emit_atomic_rmw_index}): BPF_XCHG carries a
     * {@code lock} prefix up to v6.19; "x86/bpf: Avoid emitting LOCK prefix for XCHG atomic ops"
     * (Uros Bizjak, bpf-next Dec 2025, in v7.0) drops it, as {@code xchg} with a memory operand
     * is locked anyway. Every other read-modify-write atomic keeps its {@code lock}.
     */
    @EraSwitch(function = "emit_atomic_rmw, emit_atomic_rmw_index (x86-64 JIT)", change = "lock xchg (E1-E3) -> xchg without the lock prefix (E4+)")
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
    @EraSwitch(function = "check_atomic", change = "BPF_LOAD_ACQ/BPF_STORE_REL invalid opcodes (E1-E3) -> accepted (E4+)")
    public boolean hasLoadAcquireStoreRelease() {
        return since(V7_0);
    }

    /**
     * Verifier (adjust_reg_min_max_vals): ac61bffe91d4 "bpf: Allow instructions with arena source
     * and non-arena dest registers" (April 2026, Fixes: the v6.9 cast patch; in v7.1 and
     * backported to the 7.0.y and older stable trees in May 2026). Before it only a PTR_TO_ARENA
     * <em>destination</em> took the arena path (any op, ALU64 narrowed to 32 bits); an arena
     * source with a scalar destination went through adjust_ptr_min_max_vals ({@code scalar +=
     * arena} became PTR_TO_ARENA without the narrowing, {@code scalar ^= arena} "bitwise operator
     * ^= on pointer prohibited"), and with a pointer destination "pointer += pointer prohibited".
     * After it the destination becomes the arena pointer for any op. The E4 snapshot (bpf-next
     * Dec 2025) predates it; E5 has it, and so do the stable profiles ({@link Backport#ARENA_SOURCE_ALU}).
     */
    @EraSwitch(function = "adjust_reg_min_max_vals",
        change = "arena source with a non-arena destination is pointer arithmetic (E1-E4) -> destination becomes PTR_TO_ARENA for any op (E5)")
    public boolean arenaSourceAluMakesArenaPointer() {
        return since(LATEST) || carries(Backport.ARENA_SOURCE_ALU);
    }

    /**
     * x86-64 JIT, extable entry of a {@code BPF_STX | BPF_PROBE_ATOMIC} load-acquire
     * (ex_handler_bpf reads the arena register and the register to clear from ex->fixup): the
     * v6.18 code that added the fault reports records, for every non-LDX instruction, the
     * destination register as the arena pointer and DONT_CLEAR, so a faulting
     * {@code r0 = load_acquire((u32 *)(r1 + off))} is reported as a WRITE at r0's value + off and
     * r0 keeps its value. The later stream selftest stream_arena_load_acquire_fault expects a READ
     * at the access's address (r1 + off), i.e. an entry like an LDX's: pointer = src, clear = dst.
     * E4 (Dec 2025) has the v6.18 code; E5 follows the selftest.
     */
    @EraSwitch(function = "do_jit (populate_extable), ex_handler_bpf", change =
        "load-acquire fault: WRITE at dst, dst kept (E1-E4) -> READ at src + off, dst cleared (E5)")
    public boolean loadAcquireExtableLikeLoad() {
        return since(LATEST);
    }

    /**
     * Verifier (do_check_insn, kfunc_spin_allowed): while a bpf_spin_lock is held only
     * bpf_spin_unlock and the kfuncs flagged KF_SPINLOCK_SAFE may be called; ed3b3093b624 "bpf:
     * Add KF_SPINLOCK_SAFE flag for kfuncs under bpf_spin_lock" (bpf-next, v7.3 cycle) flags the
     * three arena kfuncs. Before it any kfunc call under the lock is "function calls are not
     * allowed while holding a lock" (-EINVAL). Under the lock the call site is non-sleepable, so
     * alloc and free are specialised to their _non_sleepable variants.
     */
    @EraSwitch(
        function = "do_check_insn, kfunc_spin_allowed",
        change = "arena kfuncs refused under bpf_spin_lock (E1-E4) -> KF_SPINLOCK_SAFE, allowed (E5)")
    public boolean arenaKfuncsSpinlockSafe() {
        return since(LATEST);
    }

    /**
     * Verifier (check_kfunc_args) and x86-64 JIT: kfunc parameters named {@code __arena} /
     * {@code __arena__nullable} (252d36716326 "bpf: Support __arena and __arena__nullable kfunc
     * argument suffixes", 41b75522304c "bpf, x86: JIT __arena kfunc argument rebasing", with the
     * test module's kfuncs that use them). The argument must be an arena pointer or a scalar in a
     * program bound to an arena; before the call the JIT makes it {@code kern_vm_start + lo32}
     * ({@code movl; addq %r12}), a nullable one only when lo32 is not 0. Before E5 those kfuncs do
     * not exist.
     */
    @EraSwitch(function = "check_kfunc_args, do_jit (BPF_CALL)",
               change = "no __arena kfunc parameters (E1-E4) -> rebased to kern_vm_start + lo32 (E5)")
    public boolean hasArenaKfuncArgs() {
        return since(LATEST);
    }

    /**
     * btf_prepare_func_args: a global (non-static) subprogram's return type must be void, an
     * integer or an enum ("Global function %s() return value not void or scalar"), and an
     * untagged pointer argument is ARG_PTR_TO_MEM. The upstream selftest check_arena_arg_ret
     * (marked v7.1+) expects arena pointers to pass through global functions untagged and come
     * back as return values; the model gives E5 that: a pointer return is an arena pointer (an
     * unknown scalar at the caller, like a {@code void __arena *} kfunc return) and an untagged
     * pointer to a scalar type is an arena argument in a program bound to an arena. The kernel
     * commit behind the change was not read (docs/semantics.md#known-gaps).
     */
    @EraSwitch(function = "btf_prepare_func_args, btf_check_func_arg_match",
               change = "global functions return only void/scalars, untagged pointer args are memory (E1-E4) -> arena pointers pass and return (E5)")
    public boolean globalFuncsPassArenaPointers() {
        return since(LATEST);
    }

    /**
     * What a faulting arena atomic with BPF_FETCH (fetch_add/and/or/xor, xchg, cmpxchg) leaves in
     * the register that receives the old value. E1–E4: the x86-64 JIT records its
     * exception-table entry like a store, DONT_CLEAR, so {@code ex_handler_bpf} skips the
     * instruction and the register keeps what it held (v6.12.117 and 7.0.13 show this). E5: the
     * register is zeroed like a faulting load's destination, as the real 7.3.4 kernel shows
     * (docs/oracle.md, "Atomics on an unpopulated page"); the x86 JIT sources read for E5 still
     * record DONT_CLEAR, so the commit that changed it is not identified.
     */
    @EraSwitch(function = "ex_handler_bpf, the PROBE_ATOMIC exception-table entry (x86-64 JIT)",
        change = "fetch register kept (DONT_CLEAR, E1-E4) -> fetch register zeroed like a load's destination (E5, seen on 7.3.4)")
    public boolean atomicFaultClearsFetchRegister() {
        return since(LATEST);
    }

    /** One behaviour switch: its method, the kernel code it models, and its value in every era. */
    public record Switch(String name, String function, String change, java.util.Map<KernelEra, Object> values) {
        /** The eras whose value differs from the era before them (the first era never does; profiles are not eras). */
        public java.util.List<KernelEra> changesIn() {
            java.util.List<KernelEra> out = new java.util.ArrayList<>();
            java.util.List<KernelEra> eras = KernelEra.eras();
            for (int i = 1; i < eras.size(); i++) {
                if (!java.util.Objects.equals(values.get(eras.get(i - 1)), values.get(eras.get(i)))) out.add(eras.get(i));
            }
            return out;
        }

        /** True when the profile's value differs from its base era's (one of its backports changes it). */
        public boolean differsFromBase(KernelEra profile) {
            return !java.util.Objects.equals(values.get(profile.base()), values.get(profile));
        }
    }

    /**
     * Every {@link EraSwitch} method, evaluated in every era by calling it, sorted by name
     * (reflection gives no declaration order). What {@code arena-emu
     * eras} prints is derived from these values, not from a table kept by hand.
     */
    public static java.util.List<Switch> switches() {
        java.util.List<Switch> out = new java.util.ArrayList<>();
        for (java.lang.reflect.Method m : KernelEra.class.getDeclaredMethods()) {
            EraSwitch a = m.getAnnotation(EraSwitch.class);
            if (a == null) continue;
            java.util.Map<KernelEra, Object> values = new java.util.EnumMap<>(KernelEra.class);
            for (KernelEra e : values()) {
                try {
                    values.put(e, m.invoke(e));
                } catch (ReflectiveOperationException ex) {
                    throw new IllegalStateException("era switch " + m.getName() + " cannot be evaluated", ex);
                }
            }
            out.add(new Switch(m.getName(), a.function(), a.change(), java.util.Map.copyOf(values)));
        }
        out.sort(java.util.Comparator.comparing(Switch::name));
        return out;
    }

    /** The name scenarios and the CLI use for this era ("v6.9", ..., "latest"). */
    public String label() {
        return versions.getFirst();
    }

    /** Every kernel version name this era stands for, the label first ("v6.10", "v6.11", "v6.12"). */
    public java.util.List<String> versions() {
        return versions;
    }

    /** The spec's era tag (E1 … E5); a profile's is its base era's with "-stable" (E2-stable, E4-stable). */
    public String tag() {
        return isProfile() ? base.tag() + "-stable" : "E" + (ordinal() + 1);
    }
}
