package dev.arenaemu.emulator.paging;

import dev.arenaemu.emulator.memory.PageTablePool;

import java.util.function.LongConsumer;

/**
 * A 4-level x86-64 page table living in guest memory: the bytes Unicorn's MMU walks and updates
 * (it sets A and D in these very entries). Java writes and walks the same bytes.
 *
 * <p>Intermediate entries are always P|RW|US; the leaf decides access, as Linux does. Removing a
 * leaf does not flush any TLB: the caller flushes the CPUs that may cache it (see {@code Cpu}).
 */
public final class PageTable {
    private static final long TABLE_FLAGS = PteFlag.P | PteFlag.RW | PteFlag.US;
    private static final long ADDR_MASK = PteFlag.FRAME_MASK;

    private final PageTablePool pool;
    private final long root;

    private PageTable(PageTablePool pool, long root) {
        this.pool = pool;
        this.root = root;
    }

    /** A new, empty root. */
    public static PageTable create(PageTablePool pool) {
        return new PageTable(pool, pool.allocate());
    }

    /**
     * A new root that shares the upper half (kernel space, PML4 slots 256..511) with {@code kernel},
     * as every Linux process does. The kernel's upper slots must all be populated already
     * (see {@link #preallocateUpperHalf}) so later kernel mappings show up here too.
     */
    public static PageTable sharingUpperHalf(PageTablePool pool, PageTable kernel) {
        PageTable table = create(pool);
        for (int i = 256; i < 512; i++) pool.write(table.root, i, pool.read(kernel.root, i));
        return table;
    }

    /** Gives every upper-half PML4 slot its PDPT now, so roots that copy the slots stay in sync. */
    public void preallocateUpperHalf() {
        for (int i = 256; i < 512; i++) {
            if ((pool.read(root, i) & PteFlag.P) == 0) pool.write(root, i, pool.allocate() | TABLE_FLAGS);
        }
    }

    /** The physical address to load into CR3. */
    public long root() {
        return root;
    }

    public PageTablePool pool() {
        return pool;
    }

    /** Maps the 4 KiB page at {@code va} to {@code pa} with {@code flags} (P is implied). Returns the old entry. */
    public long map(long va, long pa, long flags) {
        // One walk serves both the leaf write and the present-leaf counts of the tables above it:
        // this runs twice on every populating user fault (kernel PTE, user PTE).
        long pdpt = tableBelow(root, va, 3, true);
        long pd = tableBelow(pdpt, va, 2, true);
        long table = tableBelow(pd, va, 1, true);
        int index = index(va, 0);
        long old = pool.read(table, index);
        pool.write(table, index, (pa & ADDR_MASK) | flags | PteFlag.P);
        if ((old & PteFlag.P) == 0) countLeaf(pdpt, pd, table, +1);
        return old;
    }

    /**
     * Creates the missing tables on the path to {@code va}'s leaf entry without writing the leaf
     * (apply_to_page_range with no callback): later {@link #map} calls there allocate nothing.
     */
    public void populate(long va) {
        walkToLeafTable(va, true);
    }

    /** Clears the leaf for {@code va}; returns the old entry (0 if there was none). */
    public long unmap(long va) {
        long pdpt = tableBelow(root, va, 3, false);
        long pd = pdpt == 0 ? 0 : tableBelow(pdpt, va, 2, false);
        long table = pd == 0 ? 0 : tableBelow(pd, va, 1, false);
        if (table == 0) return 0;
        int index = index(va, 0);
        long old = pool.read(table, index);
        pool.write(table, index, 0);
        if ((old & PteFlag.P) != 0) countLeaf(pdpt, pd, table, -1);
        return old;
    }

    /** Replaces the permission bits of a present leaf, keeping frame, A and D; returns the old entry. */
    public long protect(long va, long flags) {
        long table = walkToLeafTable(va, false);
        if (table == 0) return 0;
        int index = index(va, 0);
        long old = pool.read(table, index);
        if ((old & PteFlag.P) == 0) return old;
        long keep = old & (ADDR_MASK | PteFlag.A | PteFlag.D);
        pool.write(table, index, keep | flags | PteFlag.P);
        return old;
    }

    /** The raw leaf entry for {@code va}, or 0 when any level is absent. */
    public long entry(long va) {
        long table = walkToLeafTable(va, false);
        return table == 0 ? 0 : pool.read(table, index(va, 0));
    }

    public Pte walk(long va) {
        return new Pte(entry(va));
    }

    /**
     * Visits the address of every present leaf in [start, end), reading the entries, but skipping
     * absent subtrees and tables below which no leaf is present (see {@link PageTablePool}).
     */
    public void forEachPresent(LongConsumer visitor) {
        visit(root, 3, 0, 0, 0, (va, pte) -> visitor.accept(va));   // end 0: the range wraps to cover all 2^64 bytes
    }

    /** A present leaf: its address and the raw entry. */
    @FunctionalInterface
    public interface LeafVisitor {
        void leaf(long va, long pte);
    }

    /** Like {@link #forEachPresent(long, long, LongConsumer)}, with each leaf's entry (no second walk to read it). */
    public void forEachPresentEntry(long start, long end, LeafVisitor visitor) {
        visit(root, 3, 0, start, end, visitor);
    }

    /** Like {@link #forEachPresent(LongConsumer)}, over [start, end) only. */
    public void forEachPresent(long start, long end, LongConsumer visitor) {
        visit(root, 3, 0, start, end, (va, pte) -> visitor.accept(va));
    }

    private void visit(long table, int level, long base, long start, long end, LeafVisitor visitor) {
        long span = 1L << (12 + 9 * level);
        for (int i = 0; i < 512; i++) {
            long lo = canonical(base + i * span);
            long hi = lo + span;
            if (Long.compareUnsigned(hi - 1, start) < 0 || Long.compareUnsigned(lo, end - 1) > 0) continue;
            long e = pool.read(table, i);
            if ((e & PteFlag.P) == 0) continue;
            if (level == 0) visitor.leaf(lo, e);
            else if (pool.presentLeavesBelow(e & ADDR_MASK) > 0) visit(e & ADDR_MASK, level - 1, lo, start, end, visitor);
        }
    }

    /** Frees every table page below this root that is not shared with {@code kernel}, then the root. */
    public void destroy(PageTable kernel) {
        for (int i = 0; i < 512; i++) {
            long e = pool.read(root, i);
            if ((e & PteFlag.P) == 0) continue;
            // Compare frames only: the MMU sets A in either copy of a shared slot as it walks it.
            if (kernel != null && i >= 256 && (e & ADDR_MASK) == (pool.read(kernel.root, i) & ADDR_MASK)) continue;
            freeSubtree(e & ADDR_MASK, 2);
        }
        pool.free(root);
    }

    private void freeSubtree(long table, int level) {
        if (level > 0) {
            for (int i = 0; i < 512; i++) {
                long e = pool.read(table, i);
                if ((e & PteFlag.P) != 0) freeSubtree(e & ADDR_MASK, level - 1);
            }
        }
        pool.free(table);
    }

    /** Adjusts the present-leaf count of the tables on the path to a leaf (PDPT, PD, PT), root excepted (roots are never skipped). */
    private void countLeaf(long pdpt, long pd, long table, int delta) {
        pool.adjustPresentLeaves(pdpt, delta);
        pool.adjustPresentLeaves(pd, delta);
        pool.adjustPresentLeaves(table, delta);
    }

    private long walkToLeafTable(long va, boolean create) {
        long table = root;
        for (int level = 3; level >= 1 && table != 0; level--) table = tableBelow(table, va, level, create);
        return table;
    }

    /**
     * The table the entry for {@code va} in {@code table} (a table of {@code level}: 3 the root)
     * points to; when absent, a new one if {@code create}, else 0.
     */
    private long tableBelow(long table, long va, int level, boolean create) {
        int index = index(va, level);
        long e = pool.read(table, index);
        if ((e & PteFlag.P) == 0) {
            if (!create) return 0;
            e = pool.allocate() | TABLE_FLAGS;
            pool.write(table, index, e);
        }
        return e & ADDR_MASK;
    }

    private static int index(long va, int level) {
        return (int) ((va >>> (12 + 9 * level)) & 511);
    }

    private static long canonical(long va) {
        return (va << 16) >> 16;
    }
}
