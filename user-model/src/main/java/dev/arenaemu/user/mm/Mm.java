package dev.arenaemu.user.mm;

import dev.arenaemu.emulator.cpu.Cpu;
import dev.arenaemu.emulator.cpu.Machine;
import dev.arenaemu.emulator.memory.HostBuffer;
import dev.arenaemu.emulator.paging.PageTable;
import dev.arenaemu.emulator.paging.PteFlag;
import dev.arenaemu.kernel.Errno;
import dev.arenaemu.kernel.mm.Frames;
import dev.arenaemu.kernel.mm.MappableFile;
import dev.arenaemu.kernel.mm.VmFlag;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * mm_struct: one user address space. The VMA set and the user page-table root (with the kernel's
 * upper half). The address space owns no CPU: a process runs on one of the machine's CPUs by
 * loading this root ({@link #switchTo}), and the CPUs that hold it loaded are its
 * {@link #cpumask()}, the CPUs its TLB shootdowns reach.
 *
 * <p>A VMA is not a Unicorn region: the only regions are the machine's physical buffers, and
 * Unicorn 2.1.4 reads the frame a PTE names. The PTEs, installed lazily by the fault path, carry
 * that frame and decide presence and permission. The syscalls that change the VMA set live
 * in {@link Mmap}, {@link Mprotect}, {@link Mremap} and {@link Fork}, named after their kernel files.
 */
public final class Mm {
    public static final long PAGE_SIZE = 4096;
    /** TASK_SIZE_MAX on x86-64 with 4-level paging: the end of user space. */
    public static final long TASK_SIZE = 0x7FFF_FFFF_F000L;
    /** mmap_base without randomisation: TASK_SIZE minus the minimum 128 MiB stack gap (mm/util.c mmap_base). */
    public static final long MMAP_BASE = TASK_SIZE - (128L << 20);
    /** TASK_UNMAPPED_BASE: where the bottom-up fallback search starts. */
    public static final long UNMAPPED_BASE = (TASK_SIZE / 3) & ~(PAGE_SIZE - 1);
    /** vm.mmap_min_addr default. */
    public static final long MMAP_MIN_ADDR = 0x1_0000;

    private final Machine machine;
    private final Frames frames;
    private final PageTable table;
    private final AnonMemory anon;
    private final String name;
    private final TreeMap<Long, Vma> vmas = new TreeMap<>();
    private boolean dead;

    /** A new, empty address space whose anonymous mappings take their bytes from {@code anon}. */
    public Mm(Machine machine, Frames frames, AnonMemory anon, String name) {
        this.machine = machine;
        this.frames = frames;
        this.anon = anon;
        this.name = name;
        this.table = machine.newUserPageTable();
    }

    public Machine machine() { return machine; }
    public Frames frames() { return frames; }
    public AnonMemory anonMemory() { return anon; }
    public PageTable pageTable() { return table; }
    public String name() { return name; }
    public boolean dead() { return dead; }

    // ---- the VMA set ------------------------------------------------------------------------

    /** find_vma_intersection for one address: the VMA containing it, or null. */
    public Vma find(long address) {
        Map.Entry<Long, Vma> e = vmas.floorEntry(address);
        return e != null && e.getValue().contains(address) ? e.getValue() : null;
    }

    /** The VMAs overlapping [start, end), in address order (addresses compare unsigned; user space ends at TASK_SIZE). */
    public List<Vma> intersecting(long start, long end) {
        List<Vma> out = new ArrayList<>();
        if (Long.compareUnsigned(end, TASK_SIZE) > 0) end = TASK_SIZE;
        if (Long.compareUnsigned(start, end) >= 0) return out;
        Map.Entry<Long, Vma> first = vmas.lowerEntry(start);
        if (first != null && first.getValue().end() > start) out.add(first.getValue());
        out.addAll(vmas.subMap(start, true, end, false).values());
        return out;
    }

    /** Every VMA in address order (a copy). */
    public List<Vma> vmas() {
        return List.copyOf(vmas.values());
    }

    // ---- get_unmapped_area --------------------------------------------------------------------

    /**
     * arch_get_unmapped_area_topdown: a free range of {@code length} bytes. MAP_FIXED returns the
     * hint unchecked (the caller validates); a usable hint is taken as is; otherwise the highest
     * gap below {@link #MMAP_BASE}, then bottom-up from {@link #UNMAPPED_BASE} (the kernel's
     * fallback), else -ENOMEM. Only VMAs count as occupied: the machine's physical memory has no
     * virtual addresses, so the whole range below {@link #TASK_SIZE} is available.
     */
    public long getUnmappedArea(long hint, long length, long mapFlags) {
        if (Long.compareUnsigned(length, TASK_SIZE - MMAP_MIN_ADDR) > 0) return Errno.ENOMEM.neg();
        if (MapFlag.has(mapFlags, MapFlag.FIXED)) return hint;
        if (hint != 0) {
            hint = pageAlign(hint);
            if (hint >= MMAP_MIN_ADDR && TASK_SIZE - length >= hint && isFree(hint, hint + length)) return hint;
        }
        long top = topDown(length);
        if (top >= 0) return top;
        long bottom = bottomUp(length);
        return bottom >= 0 ? bottom : Errno.ENOMEM.neg();
    }

    /** No VMA in [start, end). */
    public boolean isFree(long start, long end) {
        return intersecting(start, end).isEmpty();
    }

    private long topDown(long length) {
        long high = MMAP_BASE;
        for (long[] used : occupiedDescending()) {
            if (used[1] <= high && high - used[1] >= length) return high - length;
            high = Math.min(high, used[0]);
        }
        return high - MMAP_MIN_ADDR >= length ? high - length : -1;
    }

    private long bottomUp(long length) {
        long low = UNMAPPED_BASE;
        for (long[] used : occupiedAscending()) {
            if (used[1] <= low) continue;
            if (used[0] >= low && used[0] - low >= length) return low;
            low = Math.max(low, used[1]);
        }
        return TASK_SIZE - low >= length ? low : -1;
    }

    private List<long[]> occupiedAscending() {
        List<long[]> out = new ArrayList<>();
        for (Vma v : vmas.values()) out.add(new long[] {v.start(), v.end()});
        return out;
    }

    private List<long[]> occupiedDescending() {
        List<long[]> out = occupiedAscending();
        java.util.Collections.reverse(out);
        return out;
    }

    // ---- building blocks for the syscalls ----------------------------------------------------

    /** A new VMA, not yet in the set (mmap_region's vm_area_alloc). */
    Vma newVma(long start, long end, long flags, long pgoff, MappableFile file) {
        return new Vma(this, start, end, flags, pgoff, file);
    }

    /** Gives an anonymous VMA fresh zeroed bytes; false when there is no memory for them. */
    boolean attachAnon(Vma vma) {
        AnonMemory.Slice slice = anon.allocate(vma.length());
        if (slice == null) return false;
        vma.setBytes(slice.buffer(), slice.offset());
        return true;
    }

    /** Gives a shared anonymous VMA a new shmem object of its length; false when there is no memory. */
    boolean attachShmem(Vma vma) {
        AnonMemory.Slice slice = anon.allocate(vma.length());
        if (slice == null) return false;
        vma.setShmem(new ShmemFile(slice.buffer(), slice.offset(), vma.length()));
        return true;
    }

    /** Gives back the bytes of an anonymous VMA that was never linked. */
    void releaseAnon(Vma vma) {
        releaseBytes(vma);
    }

    /**
     * Whether a shared VMA's object would cover [start, end) (mremap growing a mapping). A file
     * (the arena) has no such bound: its fault handler decides what each page is. A shmem
     * object has a fixed size (a deviation: Linux would map past its end and SIGBUS there).
     */
    boolean bytesCover(Vma vma, long start, long end) {
        if (vma.bytes() == null) return true;
        return vma.bytesOffsetOf(start) >= 0 && vma.bytesOffsetOf(start) + (end - start) <= vma.bytes().size();
    }

    /** Links {@code vma} into the set. */
    void insert(Vma vma) {
        vmas.put(vma.start(), vma);
    }

    /**
     * __split_vma: {@code vma} is cut at {@code addr}; the new object takes the lower piece when
     * {@code newBelow}, else the upper one, and vm_ops->open is called on it. vm_ops->may_split
     * may refuse first. Returns 0 or that refusal's negative errno.
     */
    int split(Vma vma, long addr, boolean newBelow) {
        if (vma.ops() != null) {
            int err = vma.ops().maySplit(vma, addr);
            if (err != 0) return err;
        }
        Vma piece = vma.duplicate(this);
        long pgoffAtAddr = vma.pgoff() + ((addr - vma.start()) >>> 12);
        vmas.remove(vma.start());
        if (newBelow) {
            piece.setRange(vma.start(), addr, vma.pgoff());
            vma.setRange(addr, vma.end(), pgoffAtAddr);
        } else {
            piece.setRange(addr, vma.end(), pgoffAtAddr);
            vma.setRange(vma.start(), addr, vma.pgoff());
        }
        insert(vma);
        insert(piece);
        if (piece.ops() != null) piece.ops().open(piece);
        return 0;
    }

    /**
     * Unmaps one whole VMA (unmap_region + remove_vma): its PTEs are zapped, then vm_ops->close
     * runs, then the VMA dies and its anonymous bytes go.
     */
    void remove(Vma vma) {
        zapPtes(vma, vma.start(), vma.end());
        if (vma.ops() != null) vma.ops().close(vma);
        detach(vma);
    }

    /** Takes {@code vma} out of the set without callbacks (its PTEs must be gone). */
    void detach(Vma vma) {
        vmas.remove(vma.start());
        releaseBytes(vma);
        vma.kill();
    }

    /** Private anonymous bytes go back to the pool; a shmem object when its last VMA goes. */
    private void releaseBytes(Vma vma) {
        if (vma.privateAnonymous() && vma.bytes() != null) {
            anon.release(vma.bytes(), vma.bytesOffsetOf(vma.start()), vma.length());
        } else if (vma.shmem() != null && vma.shmem().put()) {
            anon.release(vma.shmem().buffer, vma.shmem().offset, vma.shmem().length);
        }
    }

    /** Gives {@code vma} a new end without callbacks (mremap growing in place). */
    void resize(Vma vma, long end) {
        vmas.remove(vma.start());
        vma.setRange(vma.start(), end, vma.pgoff());
        insert(vma);
    }

    // ---- PTEs ----------------------------------------------------------------------------------

    /**
     * The leaf permission bits for a VMA's flags: US, RW iff VM_WRITE, NX unless VM_EXEC. An inaccessible
     * (PROT_NONE) VMA has no present PTEs at all: the fault path refuses to install them and
     * mprotect zaps them, so a present user PTE always means an accessible page, for CPL3 and
     * for kernel uaccess alike (no SMAP here to tell them apart).
     */
    static long pteFlags(long vmFlags) {
        return PteFlag.US | (VmFlag.has(vmFlags, VmFlag.WRITE) ? PteFlag.RW : 0) | (VmFlag.has(vmFlags, VmFlag.EXEC) ? 0 : PteFlag.NX);
    }

    static boolean accessible(long vmFlags) {
        return (vmFlags & (VmFlag.READ.bit | VmFlag.WRITE.bit | VmFlag.EXEC.bit)) != 0;
    }

    /** Installs the user PTE of the page at {@code va} to frame {@code phys} (the fault path's set_pte_at). */
    void installPte(Vma vma, long va, long phys) {
        table.map(va, phys, pteFlags(vma.flags()));
    }

    /**
     * The bytes of private anonymous memory at [va, va + length), whether or not its pages are
     * present yet: for staging buffers the emulator keeps in the process's own memory (a page
     * not yet touched shows these bytes once it faults in). The range must lie in one VMA.
     */
    public HostBuffer anonymousBytes(long va, int length) {
        Vma vma = find(va);
        if (vma == null || !vma.privateAnonymous() || vma.bytes() == null || va + length > vma.end()) {
            throw new IllegalArgumentException("[0x" + Long.toHexString(va) + ", +" + length + ") is not private anonymous memory of one VMA");
        }
        return vma.bytes().slice(vma.bytesOffsetOf(va), length);
    }

    /** The frame of the anonymous page at {@code va}. */
    long anonPhys(Vma vma, long va) {
        return vma.bytes().phys(vma.bytesOffsetOf(va));
    }

    /**
     * zap_page_range_single: clears the present PTEs of [from, to) in {@code vma} and flushes this
     * address space's TLB; then file pages drop the mapping's map count and page reference (the
     * fault handler's get_page is balanced here). Anonymous pages stay in their slice.
     */
    void zapPtes(Vma vma, long from, long to) {
        List<Long> pages = vma.anonymous() ? null : new ArrayList<>();
        long[] count = {0};
        long[] lastVa = {0};
        table.forEachPresent(from, to, va -> {
            long old = table.unmap(va);
            if (pages != null) pages.add(old & PteFlag.FRAME_MASK);
            count[0]++;
            lastVa[0] = va;
        });
        flushTlb(count[0], lastVa[0]);
        // As tlb_finish_mmu does: pages are released only once no TLB can reach them.
        if (pages != null) {
            for (long phys : pages) {
                frames.addMapcount(phys, -1);
                frames.putPage(phys);
            }
        }
    }

    /** Rewrites the permission bits of the present PTEs in [from, to) of {@code vma} (change_protection). */
    void reprotect(Vma vma, long from, long to) {
        if (!accessible(vma.flags())) {
            zapPtes(vma, from, to);
            return;
        }
        long flags = pteFlags(vma.flags());
        long[] count = {0};
        long[] lastVa = {0};
        table.forEachPresent(from, to, va -> {
            table.protect(va, flags);
            count[0]++;
            lastVa[0] = va;
        });
        flushTlb(count[0], lastVa[0]);
    }

    /** Moves present PTEs of [from, from+len) to [to, to+len) (move_page_tables). */
    void movePtes(long from, long to, long length) {
        List<long[]> moved = new ArrayList<>();
        table.forEachPresent(from, from + length, va -> moved.add(new long[] {va, table.unmap(va)}));
        for (long[] m : moved) table.map(m[0] - from + to, m[1] & PteFlag.FRAME_MASK, m[1] & (PteFlag.US | PteFlag.RW));
        flushTlb(moved.size(), moved.isEmpty() ? 0 : moved.getLast()[0]);
    }

    /**
     * flush_tlb_mm_range: reaches exactly the CPUs of {@link #cpumask()}; a CPU that loaded
     * another root since it ran this one dropped its entries with that CR3 load, and one that
     * never ran it has none. One page: invlpg. More: one full flush, because outside a run each
     * flush is a whole uc_emu_start of a stub (and inside a run both are the same whole-TLB
     * uc_ctl(UC_CTL_TLB_FLUSH)), so several invlpg never beat one mov cr3 here.
     */
    private void flushTlb(long pages, long va) {
        if (pages == 0) return;
        for (Cpu cpu : cpumask()) {
            if (pages == 1) cpu.flushTlbPage(va);
            else cpu.flushTlbAll();
        }
    }

    /** flush_tlb_mm: every CPU that may cache this address space's entries drops all of them. */
    public void flushTlbAll() {
        for (Cpu cpu : cpumask()) cpu.flushTlbAll();
    }

    // ---- CPUs ----------------------------------------------------------------------------------

    /**
     * switch_mm: {@code cpu} loads this address space's root (a guest {@code mov cr3}, which
     * drops that CPU's cached translations) unless it holds it already. From then on the CPU is
     * in {@link #cpumask()}.
     */
    public void switchTo(Cpu cpu) {
        if (dead) throw new IllegalStateException(name + " has exited: its page tables are gone");
        cpu.switchAddressSpace(table);
    }

    /**
     * mm_cpumask as the kernel keeps it for TLB shootdowns: the CPUs whose CR3 holds this root
     * now (switch_mm_irqs_off clears a CPU's bit in the previous mm when it loads another, and
     * should_flush_tlb skips CPUs whose loaded_mm is another; a CPU that left dropped its entries
     * with the CR3 load). In CPU order, so flushes run in a fixed order.
     */
    public List<Cpu> cpumask() {
        List<Cpu> out = new ArrayList<>(2);
        for (Cpu cpu : machine.kernelCpus()) if (cpu.pageTable() == table) out.add(cpu);
        return out;
    }

    // ---- exit ----------------------------------------------------------------------------------

    /**
     * exit_mmap: unmaps every VMA (close called on each; anonymous bytes go back to the pool),
     * then frees the tables. A CPU that still holds this root loads the kernel's first (the
     * kernel keeps a lazily loaded mm alive until its CPU switches away; freeing the tables
     * under a loaded CR3 would let that CPU walk reused table pages).
     */
    public void exit() {
        if (dead) return;
        for (Vma v : List.copyOf(vmas.values())) remove(v);
        dead = true;
        for (Cpu cpu : cpumask()) cpu.switchAddressSpace(machine.kernelPageTable());
        table.destroy(machine.kernelPageTable());
    }

    /** The VMAs and the present user PTEs, for invariant checks and reports. */
    public MmSnapshot snapshot() {
        List<MmSnapshot.VmaView> v = new ArrayList<>();
        for (Vma vma : vmas.values()) v.add(new MmSnapshot.VmaView(vma.start(), vma.end(), vma.flags(), vma.pgoff(), vma.file()));
        List<MmSnapshot.PteView> p = new ArrayList<>();
        if (!dead) {
            table.forEachPresent(0, TASK_SIZE, va -> {
                long e = table.entry(va);
                p.add(new MmSnapshot.PteView(va, e & PteFlag.FRAME_MASK, (e & PteFlag.RW) != 0));
            });
        }
        return new MmSnapshot(List.copyOf(v), List.copyOf(p));
    }


    static long pageAlign(long v) {
        return (v + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
    }
}
