package dev.arenaemu.kernel.mm;

import dev.arenaemu.emulator.ffm.HostMemory;
import dev.arenaemu.emulator.memory.HostBuffer;
import dev.arenaemu.kernel.KernelBug;
import dev.arenaemu.kernel.KernelEvent;
import dev.arenaemu.kernel.inject.FaultInjection;
import dev.arenaemu.kernel.inject.InjectionSite;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * The page allocator and struct page: which physical frames are in use, with their reference
 * count (page_ref_count) and map count (page_mapcount), over a bounded amount of RAM.
 *
 * <p>Frames have fixed homes. Unicorn 2.0.1 reads the bytes of the region at a virtual address,
 * not those of the PTE's frame, so an arena page at kernel offset {@code o} can only ever be the
 * bytes at offset {@code o} of the arena's {@link HostBuffer}; its physical address, which every
 * PTE names, is {@code buffer.phys(o)}. Allocation therefore takes the physical address the page
 * will have ({@link #allocPage}); the RAM bound, the counts, zeroing and fault injection are the
 * allocator's. Buffers are registered as sections (the sparse memmap) before use.
 *
 * <p>{@link FreePolicy#POISON} (the default) is page poisoning: a freed page is filled with
 * {@link #PAGE_POISON} and checked when allocated again; a page whose bytes changed while it was
 * free — a write through a stale TLB entry — is reported as {@link KernelEvent.UseAfterFree}.
 * {@link FreePolicy#DISCARD} is a kernel without page poisoning, for workloads that free
 * gigabytes: freed pages go back to the host in coalesced batches (they read as zeros and cost
 * no RSS) and are not checked.
 */
public final class Frames {
    public static final int PAGE_SIZE = 4096;
    public static final int PAGE_SHIFT = 12;
    /** include/linux/poison.h PAGE_POISON. */
    public static final byte PAGE_POISON = (byte) 0xaa;
    /** The "NULL struct page *": no frame has physical address 0 in this machine. */
    public static final long NO_PAGE = 0;

    /** What happens to a page's bytes when its last reference goes. */
    public enum FreePolicy { POISON, DISCARD }

    private static final byte FRESH = 0, IN_USE = 1, POISONED = 2, DISCARD_PENDING = 3;
    /** DISCARD: freed pages waiting to be returned to the host, per section, flushed at this count. */
    private static final int DISCARD_BATCH = 16384;
    private static final MemorySegment POISON_PAGE = MemorySegment.ofArray(filled(PAGE_POISON));

    /**
     * The memmap of one buffer, sparse like the kernel's (SPARSEMEM): counts and states live in
     * chunks of {@link #CHUNK} pages created on first use, so a 4 GiB arena with a few pages in use
     * costs kilobytes of heap, not the 9 MiB a flat array would.
     */
    private static final class Section {
        static final int CHUNK = 512;
        final HostBuffer buffer;
        final int pages;
        final int[][] refcount;
        final int[][] mapcount;
        final byte[][] state;
        int[] pending = new int[64];
        int pendingCount;
        /** The buffer held other bytes before (a reused buffer): a FRESH page is zeroed when allocated. */
        final boolean dirty;
        /** Pages allocated at least once: what this section added to the host's resident memory. */
        long touched;

        Section(HostBuffer buffer, boolean dirty) {
            this.buffer = buffer;
            this.dirty = dirty;
            this.pages = Math.toIntExact(buffer.size() >>> PAGE_SHIFT);
            int chunks = (pages + CHUNK - 1) / CHUNK;
            refcount = new int[chunks][];
            mapcount = new int[chunks][];
            state = new byte[chunks][];
        }

        int index(long phys) {
            return (int) ((phys - buffer.physBase()) >>> PAGE_SHIFT);
        }

        MemorySegment page(int index) {
            return buffer.memory().asSlice((long) index << PAGE_SHIFT, PAGE_SIZE);
        }

        byte state(int i) {
            byte[] c = state[i / CHUNK];
            return c == null ? FRESH : c[i % CHUNK];
        }

        int ref(int i) {
            int[] c = refcount[i / CHUNK];
            return c == null ? 0 : c[i % CHUNK];
        }

        int map(int i) {
            int[] c = mapcount[i / CHUNK];
            return c == null ? 0 : c[i % CHUNK];
        }

        void setState(int i, byte v) {
            chunk(i);
            state[i / CHUNK][i % CHUNK] = v;
        }

        void setRef(int i, int v) {
            chunk(i);
            refcount[i / CHUNK][i % CHUNK] = v;
        }

        void setMap(int i, int v) {
            chunk(i);
            mapcount[i / CHUNK][i % CHUNK] = v;
        }

        /** Index of every in-use page, ascending. */
        void forEachInUse(java.util.function.IntConsumer visitor) {
            for (int c = 0; c < state.length; c++) {
                if (state[c] == null) continue;
                for (int j = 0; j < CHUNK; j++) if (state[c][j] == IN_USE) visitor.accept(c * CHUNK + j);
            }
        }

        private void chunk(int i) {
            int c = i / CHUNK;
            if (state[c] != null) return;
            state[c] = new byte[CHUNK];
            refcount[c] = new int[CHUNK];
            mapcount[c] = new int[CHUNK];
        }
    }

    /** One in-use frame as the invariant checker sees it. */
    public record FrameInfo(long phys, int refcount, int mapcount) {}

    private final long capacity;
    private final FreePolicy policy;
    private final FaultInjection injection;
    private final Consumer<KernelEvent> events;
    private final TreeMap<Long, Section> sections = new TreeMap<>();
    private Section last;
    private long inUse;

    public Frames(long ramBytes, FreePolicy policy, FaultInjection injection, Consumer<KernelEvent> events) {
        if (ramBytes < PAGE_SIZE) throw new IllegalArgumentException("RAM smaller than a page: " + ramBytes);
        this.capacity = ramBytes >>> PAGE_SHIFT;
        this.policy = policy;
        this.injection = injection;
        this.events = events;
    }

    /** Makes the pages of {@code buffer} allocatable (memmap for a new memory section). */
    public void addSection(HostBuffer buffer) {
        addSection(buffer, true);
    }

    /** A section whose bytes are zero ({@code zeroed}) or hold whatever a previous user left (pages are then zeroed on allocation). */
    public void addSection(HostBuffer buffer, boolean zeroed) {
        if ((buffer.physBase() & (PAGE_SIZE - 1)) != 0) throw new IllegalArgumentException("section not page aligned: " + buffer);
        sections.put(buffer.physBase(), new Section(buffer, !zeroed));
    }

    /**
     * Removes a section; every page in it must be free. Returns how many of its pages were ever
     * allocated (the most it can have added to the host's resident memory).
     */
    public long removeSection(HostBuffer buffer) {
        Section s = sections.get(buffer.physBase());
        if (s == null) return 0;
        s.forEachInUse(i -> {
            throw new KernelBug("section " + buffer.name() + " removed with frame 0x" + Long.toHexString(buffer.phys((long) i << PAGE_SHIFT)) + " still in use");
        });
        sections.remove(buffer.physBase());
        if (last == s) last = null;
        return s.touched;
    }

    /**
     * alloc_page(GFP_KERNEL | __GFP_ZERO) for the frame at {@code phys}: a zeroed page with
     * refcount 1 and mapcount 0, or {@link #NO_PAGE} when RAM is exhausted or
     * {@link InjectionSite#PAGE_ALLOC} fails this attempt. {@code where} names the caller for
     * reports.
     */
    public long allocPage(long phys, String where) {
        Section s = section(phys);
        if (injection.shouldFail(InjectionSite.PAGE_ALLOC)) return NO_PAGE;
        int i = s.index(phys);
        if (s.state(i) == IN_USE) {
            // Only possible when a stale user PTE still holds the page (see KernelEvent.FrameAliased).
            events.accept(new KernelEvent.FrameAliased(phys, s.ref(i), where));
            s.page(i).fill((byte) 0);
            s.setRef(i, s.ref(i) + 1);
            return phys;
        }
        if (inUse >= capacity) return NO_PAGE;
        checkFreePage(s, i, phys, where);
        s.setState(i, IN_USE);
        s.setRef(i, 1);
        s.setMap(i, 0);
        inUse++;
        return phys;
    }

    /** get_page(): one more reference to an in-use frame. */
    public void getPage(long phys) {
        Section s = section(phys);
        int i = s.index(phys);
        if (s.state(i) != IN_USE || s.ref(i) <= 0) throw new KernelBug("get_page on free frame 0x" + Long.toHexString(phys));
        s.setRef(i, s.ref(i) + 1);
    }

    /** put_page() / __free_page(): drops a reference; frees (and poisons) the frame at zero. True if freed. */
    public boolean putPage(long phys) {
        Section s = section(phys);
        int i = s.index(phys);
        if (s.state(i) != IN_USE || s.ref(i) <= 0) throw new KernelBug("put_page on free frame 0x" + Long.toHexString(phys) + " (double free)");
        s.setRef(i, s.ref(i) - 1);
        if (s.ref(i) > 0) return false;
        if (s.map(i) != 0) throw new KernelBug("frame 0x" + Long.toHexString(phys) + " freed while mapped " + s.map(i) + " times");
        MemorySegment page = s.page(i);
        if (policy == FreePolicy.POISON) {
            page.fill(PAGE_POISON);
            s.setState(i, POISONED);
        } else {
            s.setState(i, DISCARD_PENDING);
            if (s.pendingCount == s.pending.length) s.pending = java.util.Arrays.copyOf(s.pending, s.pending.length * 2);
            s.pending[s.pendingCount++] = i;
            if (s.pendingCount >= DISCARD_BATCH) flushDiscards(s);
        }
        inUse--;
        return true;
    }

    /** page_add/remove_*_rmap's counting: a user PTE now maps ({@code +1}) or no longer maps ({@code -1}) the frame. */
    public void addMapcount(long phys, int delta) {
        Section s = section(phys);
        int i = s.index(phys);
        if (s.state(i) != IN_USE) throw new KernelBug("mapcount change on free frame 0x" + Long.toHexString(phys));
        int now = s.map(i) + delta;
        if (now < 0) throw new KernelBug("negative mapcount on frame 0x" + Long.toHexString(phys));
        s.setMap(i, now);
    }

    /**
     * Forgets what a free frame held, zeroing it: for bytes changed legitimately while it was not
     * allocated (E5 scratch-page parking writes through the arena's region at that offset).
     */
    public void scrub(long phys) {
        Section s = section(phys);
        int i = s.index(phys);
        if (s.state(i) == IN_USE) throw new KernelBug("scrub of in-use frame 0x" + Long.toHexString(phys));
        s.page(i).fill((byte) 0);
        s.setState(i, FRESH);
    }

    public int refcount(long phys) {
        Section s = section(phys);
        return s.ref(s.index(phys));
    }

    public int mapcount(long phys) {
        Section s = section(phys);
        return s.map(s.index(phys));
    }

    public boolean inUse(long phys) {
        Section s = section(phys);
        return s.state(s.index(phys)) == IN_USE;
    }

    /** The bytes of a frame (for tests and the invariant checker). */
    public MemorySegment bytes(long phys) {
        Section s = section(phys);
        return s.page(s.index(phys));
    }

    /** Frames in use now. */
    public long used() {
        return inUse;
    }

    /** Frames the RAM bound allows. */
    public long capacity() {
        return capacity;
    }

    public FreePolicy policy() {
        return policy;
    }

    /** Every in-use frame with its counts, by physical address. */
    public List<FrameInfo> snapshot() {
        List<FrameInfo> out = new ArrayList<>();
        for (Map.Entry<Long, Section> e : sections.entrySet()) {
            Section s = e.getValue();
            s.forEachInUse(i -> out.add(new FrameInfo(e.getKey() + ((long) i << PAGE_SHIFT), s.ref(i), s.map(i))));
        }
        return out;
    }

    /** Returns every pending page of the section to the host, one madvise per contiguous run. */
    public void flushDiscards() {
        for (Section s : sections.values()) flushDiscards(s);
    }

    private void flushDiscards(Section s) {
        int[] idx = java.util.Arrays.copyOf(s.pending, s.pendingCount);
        s.pendingCount = 0;
        java.util.Arrays.sort(idx);
        int k = 0;
        while (k < idx.length) {
            if (s.state(idx[k]) != DISCARD_PENDING) { k++; continue; }   // reallocated meanwhile
            int first = idx[k];
            int last = first;
            s.setState(first, FRESH);
            k++;
            while (k < idx.length && (idx[k] == last || (idx[k] == last + 1 && s.state(idx[k]) == DISCARD_PENDING))) {
                if (idx[k] == last + 1) {
                    last++;
                    s.setState(last, FRESH);
                }
                k++;
            }
            HostMemory.discard(s.buffer.memory().asSlice((long) first << PAGE_SHIFT, (long) (last - first + 1) << PAGE_SHIFT));
        }
    }

    private void checkFreePage(Section s, int i, long phys, String where) {
        switch (s.state(i)) {
            case POISONED -> {
                MemorySegment page = s.page(i);
                long diff = page.mismatch(POISON_PAGE);
                if (diff >= 0) events.accept(new KernelEvent.UseAfterFree(phys, (int) diff, where));
                page.fill((byte) 0);
            }
            case DISCARD_PENDING -> s.page(i).fill((byte) 0);   // still holds its old bytes; its pending entry goes stale
            default -> {                                        // FRESH: never used, or returned to the host
                s.touched++;
                if (s.dirty) s.page(i).fill((byte) 0);          // ... unless the buffer is a reused one
            }
        }
    }

    private Section section(long phys) {
        Section s = last;
        if (s != null && s.buffer.containsPhys(phys)) return s;
        Map.Entry<Long, Section> e = sections.floorEntry(phys);
        if (e == null || !e.getValue().buffer.containsPhys(phys) || (phys & (PAGE_SIZE - 1)) != 0) {
            throw new KernelBug("no page frame at physical address 0x" + Long.toHexString(phys));
        }
        last = e.getValue();
        return last;
    }

    private static byte[] filled(byte b) {
        byte[] a = new byte[PAGE_SIZE];
        java.util.Arrays.fill(a, b);
        return a;
    }
}
