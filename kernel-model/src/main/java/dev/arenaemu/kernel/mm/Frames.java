package dev.arenaemu.kernel.mm;

import dev.arenaemu.emulator.memory.HostBuffer;
import dev.arenaemu.kernel.KernelBug;
import dev.arenaemu.kernel.KernelEvent;
import dev.arenaemu.kernel.inject.FaultInjection;
import dev.arenaemu.kernel.inject.InjectionSite;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * The page allocator and struct page over the machine's RAM: which physical frames are in use,
 * with their reference count (page_ref_count) and map count (page_mapcount).
 *
 * <p>RAM is one physical buffer of the machine, mapped once in every CPU; a frame is a 4 KiB page
 * of it with a real page frame number, and every mapping of a frame (kernel vm_area, user VMA) is
 * a PTE naming it. {@link #allocPage} picks the frame: the most recently freed one first (as the
 * kernel's per-CPU free lists do), else one never used. A freed frame can thus come back for any
 * other use at once, and a stale PTE or TLB entry that still names it reads or writes whatever it
 * holds now.
 *
 * <p>{@link FreePolicy#POISON} (the default) is page poisoning: a freed page is filled with
 * {@link #PAGE_POISON} and checked when allocated again; a page whose bytes changed while it was
 * free — a write through a stale PTE or TLB entry — is reported as {@link KernelEvent.UseAfterFree}.
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
    /** DISCARD: freed pages waiting to be returned to the host, flushed at this count. */
    private static final int DISCARD_BATCH = 16384;
    /** The memmap is sparse like SPARSEMEM's: counts and states in chunks created on first use. */
    private static final int CHUNK = 512;

    /** One in-use frame as the invariant checker sees it. */
    public record FrameInfo(long phys, int refcount, int mapcount) {}

    private final HostBuffer ram;
    /** The RAM held other bytes before (a reset machine's buffer): a FRESH page is zeroed when allocated. */
    private final boolean dirty;
    private final int pages;
    private final int[][] refcount;
    private final int[][] mapcount;
    private final byte[][] state;
    private final FreePolicy policy;
    private final FaultInjection injection;
    private final Consumer<KernelEvent> events;
    /** Freed frames, the most recent on top: the next allocation takes it. */
    private int[] freeStack = new int[256];
    private int freeCount;
    /** Frames below this index have been handed out at least once. */
    private int nextFresh;
    private int[] pending = new int[64];
    private int pendingCount;
    private long inUse;

    /**
     * @param ram    the machine's RAM buffer for the page allocator; its size bounds the frames in use
     * @param zeroed whether its bytes are known to be zero (fresh host memory)
     */
    public Frames(HostBuffer ram, boolean zeroed, FreePolicy policy, FaultInjection injection, Consumer<KernelEvent> events) {
        if (ram.size() < PAGE_SIZE || (ram.physBase() & (PAGE_SIZE - 1)) != 0) throw new IllegalArgumentException("RAM not a page-aligned run of pages: " + ram);
        this.ram = ram;
        this.dirty = !zeroed;
        this.pages = Math.toIntExact(ram.size() >>> PAGE_SHIFT);
        int chunks = (pages + CHUNK - 1) / CHUNK;
        this.refcount = new int[chunks][];
        this.mapcount = new int[chunks][];
        this.state = new byte[chunks][];
        this.policy = policy;
        this.injection = injection;
        this.events = events;
    }

    /**
     * alloc_page(GFP_KERNEL | __GFP_ZERO): a zeroed page with refcount 1 and mapcount 0, or
     * {@link #NO_PAGE} when RAM is exhausted or {@link InjectionSite#PAGE_ALLOC} fails this
     * attempt. {@code where} names the caller for reports.
     */
    public long allocPage(String where) {
        if (injection.shouldFail(InjectionSite.PAGE_ALLOC)) return NO_PAGE;
        int i;
        boolean reused = freeCount > 0;
        if (reused) {
            i = freeStack[--freeCount];
        } else if (nextFresh < pages) {
            i = nextFresh++;
        } else {
            return NO_PAGE;
        }
        long phys = physOf(i);
        checkFreePage(i, phys, reused, where);
        setState(i, IN_USE);
        setRef(i, 1);
        setMap(i, 0);
        inUse++;
        return phys;
    }

    /** get_page(): one more reference to an in-use frame. */
    public void getPage(long phys) {
        int i = index(phys);
        if (state(i) != IN_USE || ref(i) <= 0) throw new KernelBug("get_page on free frame 0x" + Long.toHexString(phys));
        setRef(i, ref(i) + 1);
    }

    /** put_page() / __free_page(): drops a reference; frees (and poisons) the frame at zero. True if freed. */
    public boolean putPage(long phys) {
        int i = index(phys);
        if (state(i) != IN_USE || ref(i) <= 0) throw new KernelBug("put_page on free frame 0x" + Long.toHexString(phys) + " (double free)");
        setRef(i, ref(i) - 1);
        if (ref(i) > 0) return false;
        if (map(i) != 0) throw new KernelBug("frame 0x" + Long.toHexString(phys) + " freed while mapped " + map(i) + " times");
        if (policy == FreePolicy.POISON) {
            ram.fill(offsetOf(i), PAGE_SIZE, PAGE_POISON);
            setState(i, POISONED);
        } else {
            setState(i, DISCARD_PENDING);
            if (pendingCount == pending.length) pending = Arrays.copyOf(pending, pending.length * 2);
            pending[pendingCount++] = i;
            if (pendingCount >= DISCARD_BATCH) flushDiscards();
        }
        if (freeCount == freeStack.length) freeStack = Arrays.copyOf(freeStack, freeStack.length * 2);
        freeStack[freeCount++] = i;
        inUse--;
        return true;
    }

    /** page_add/remove_*_rmap's counting: a user PTE now maps ({@code +1}) or no longer maps ({@code -1}) the frame. */
    public void addMapcount(long phys, int delta) {
        int i = index(phys);
        if (state(i) != IN_USE) throw new KernelBug("mapcount change on free frame 0x" + Long.toHexString(phys));
        int now = map(i) + delta;
        if (now < 0) throw new KernelBug("negative mapcount on frame 0x" + Long.toHexString(phys));
        setMap(i, now);
    }

    public int refcount(long phys) {
        return ref(index(phys));
    }

    public int mapcount(long phys) {
        return map(index(phys));
    }

    public boolean inUse(long phys) {
        return state(index(phys)) == IN_USE;
    }

    /** Whether {@code phys} is a frame of this allocator's RAM. */
    public boolean contains(long phys) {
        return ram.containsPhys(phys);
    }

    /** The bytes of a frame, as a buffer of one page at the frame's physical address (scenario page values, tests, benchmarks). */
    public HostBuffer bytes(long phys) {
        return ram.slice(offsetOf(index(phys)), PAGE_SIZE);
    }

    /** Frames in use now. */
    public long used() {
        return inUse;
    }

    /** Frames handed out at least once: what the allocator added to the host's resident memory at most. */
    public long touched() {
        return nextFresh;
    }

    /** Every in-use frame with its counts, by physical address. */
    public List<FrameInfo> snapshot() {
        List<FrameInfo> out = new ArrayList<>();
        for (int c = 0; c < state.length; c++) {
            if (state[c] == null) continue;
            for (int j = 0; j < CHUNK; j++) {
                int i = c * CHUNK + j;
                if (state[c][j] == IN_USE) out.add(new FrameInfo(physOf(i), ref(i), map(i)));
            }
        }
        return out;
    }

    /** Returns every pending page to the host, one madvise per contiguous run. */
    public void flushDiscards() {
        int[] idx = Arrays.copyOf(pending, pendingCount);
        pendingCount = 0;
        Arrays.sort(idx);
        int k = 0;
        while (k < idx.length) {
            if (state(idx[k]) != DISCARD_PENDING) { k++; continue; }   // reallocated meanwhile
            int first = idx[k];
            int last = first;
            setState(first, FRESH);
            k++;
            while (k < idx.length && (idx[k] == last || (idx[k] == last + 1 && state(idx[k]) == DISCARD_PENDING))) {
                if (idx[k] == last + 1) {
                    last++;
                    setState(last, FRESH);
                }
                k++;
            }
            ram.discard(offsetOf(first), (long) (last - first + 1) << PAGE_SHIFT);
        }
    }

    /**
     * check_poison_mem + __GFP_ZERO on the way out of the allocator. This runs on every user
     * fault that populates an arena page and was most of that fault's Java time, so both passes
     * use libc through {@link HostBuffer} (memcmp against a poisoned page, memset), which beats
     * MemorySegment's mismatch and fill on whole pages (emulator/docs/costs.md, "The populating
     * user fault: where its Java time went"). The offset of the first changed byte is looked for
     * only when memcmp says there is one.
     */
    private void checkFreePage(int i, long phys, boolean reused, String where) {
        long at = offsetOf(i);
        switch (state(i)) {
            case POISONED -> {
                long changed = ram.firstByteOtherThan(at, PAGE_SIZE, PAGE_POISON);
                if (changed >= 0) events.accept(new KernelEvent.UseAfterFree(phys, (int) changed, where));
                ram.fill(at, PAGE_SIZE, (byte) 0);
            }
            case DISCARD_PENDING -> ram.fill(at, PAGE_SIZE, (byte) 0);   // still holds its old bytes; its pending entry goes stale
            default -> {                                                 // FRESH: never used, or returned to the host
                if (dirty || reused) ram.fill(at, PAGE_SIZE, (byte) 0);  // a reset machine's buffer, or a discarded page a stale PTE wrote to
            }
        }
    }

    private long physOf(int i) {
        return ram.phys((long) i << PAGE_SHIFT);
    }

    private int index(long phys) {
        if (!ram.containsPhys(phys) || (phys & (PAGE_SIZE - 1)) != 0) {
            throw new KernelBug("no page frame at physical address 0x" + Long.toHexString(phys));
        }
        return (int) ((phys - ram.physBase()) >>> PAGE_SHIFT);
    }

    /** Where page {@code i} starts in the RAM buffer. */
    private static long offsetOf(int i) {
        return (long) i << PAGE_SHIFT;
    }

    private byte state(int i) {
        byte[] c = state[i / CHUNK];
        return c == null ? FRESH : c[i % CHUNK];
    }

    private int ref(int i) {
        int[] c = refcount[i / CHUNK];
        return c == null ? 0 : c[i % CHUNK];
    }

    private int map(int i) {
        int[] c = mapcount[i / CHUNK];
        return c == null ? 0 : c[i % CHUNK];
    }

    private void setState(int i, byte v) {
        chunk(i);
        state[i / CHUNK][i % CHUNK] = v;
    }

    private void setRef(int i, int v) {
        chunk(i);
        refcount[i / CHUNK][i % CHUNK] = v;
    }

    private void setMap(int i, int v) {
        chunk(i);
        mapcount[i / CHUNK][i % CHUNK] = v;
    }

    private void chunk(int i) {
        int c = i / CHUNK;
        if (state[c] != null) return;
        state[c] = new byte[CHUNK];
        refcount[c] = new int[CHUNK];
        mapcount[c] = new int[CHUNK];
    }

}
