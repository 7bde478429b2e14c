package dev.arenaemu.kernel.mm;

import dev.arenaemu.emulator.cpu.Machine;
import dev.arenaemu.emulator.memory.HostBuffer;
import dev.arenaemu.kernel.KernelBug;
import dev.arenaemu.kernel.KernelEvent;
import dev.arenaemu.kernel.inject.FaultInjection;
import dev.arenaemu.kernel.inject.InjectionSite;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** struct page counts, the RAM bound, frame choice, zeroing, poisoning and use-after-free detection. */
class FramesTest {
    private final Machine machine = new Machine();
    private final FaultInjection injection = new FaultInjection();
    private final List<KernelEvent> events = new ArrayList<>();

    @AfterEach
    void close() {
        machine.close();
    }

    private Frames frames(int pages, Frames.FreePolicy policy) {
        HostBuffer ram = machine.allocate("test ram", pages * 4096L);
        return new Frames(ram, true, policy, injection, events::add);
    }

    @Test
    void countsFollowGetPutAndMapcount() {
        Frames f = frames(16, Frames.FreePolicy.POISON);
        long p = f.allocPage("test");
        assertEquals(1, f.refcount(p));
        f.getPage(p);
        f.addMapcount(p, 1);
        assertEquals(2, f.refcount(p));
        assertEquals(1, f.mapcount(p));
        f.addMapcount(p, -1);
        assertFalse(f.putPage(p));
        assertTrue(f.putPage(p));
        assertFalse(f.inUse(p));
        assertThrows(KernelBug.class, () -> f.putPage(p), "double free");
    }

    @Test
    void freeingAMappedPageIsAKernelBug() {
        Frames f = frames(16, Frames.FreePolicy.POISON);
        long p = f.allocPage("test");
        f.addMapcount(p, 1);
        assertThrows(KernelBug.class, () -> f.putPage(p));
    }

    /** Frames are distinct physical pages with real frame numbers inside the RAM buffer. */
    @Test
    void inUseFramesAreDistinctPagesOfTheRam() {
        Frames f = frames(64, Frames.FreePolicy.POISON);
        Set<Long> seen = new HashSet<>();
        for (int i = 0; i < 64; i++) {
            long p = f.allocPage("test");
            assertTrue(f.contains(p) && (p & 0xFFF) == 0, "page-aligned frame of the RAM: 0x" + Long.toHexString(p));
            assertTrue(seen.add(p), "frame handed out twice while in use");
        }
        assertEquals(Frames.NO_PAGE, f.allocPage("one too many"), "RAM exhausted");
    }

    /** The most recently freed frame is the next one handed out (per-CPU free lists are LIFO). */
    @Test
    void aFreedFrameIsReusedFirst() {
        Frames f = frames(16, Frames.FreePolicy.POISON);
        long a = f.allocPage("a");
        long b = f.allocPage("b");
        f.putPage(a);
        assertEquals(a, f.allocPage("reuse"));
        assertNotEquals(a, f.allocPage("fresh"));
        assertTrue(f.inUse(b));
    }

    @Test
    void ramBoundAndInjectionGiveNoPage() {
        Frames f = frames(2, Frames.FreePolicy.POISON);
        long a = f.allocPage("a");
        assertTrue(a != Frames.NO_PAGE);
        assertTrue(f.allocPage("b") != Frames.NO_PAGE);
        assertEquals(Frames.NO_PAGE, f.allocPage("c"));
        f.putPage(a);
        injection.failNth(InjectionSite.PAGE_ALLOC, 1);
        assertEquals(Frames.NO_PAGE, f.allocPage("d"));
        assertEquals(1, f.used());
    }

    @Test
    void poisonedPageIsZeroedOnReuseAndChangesAreReported() {
        Frames f = frames(16, Frames.FreePolicy.POISON);
        long p = f.allocPage("test");
        f.bytes(p).putLong(0, 123);
        f.putPage(p);
        assertEquals(Frames.PAGE_POISON, f.bytes(p).getByte(0));
        assertEquals(p, f.allocPage("clean reuse"));
        assertTrue(events.isEmpty());
        assertEquals(0, f.bytes(p).getLong(0));
        f.putPage(p);
        f.bytes(p).putByte(4000, (byte) 1);   // a write through a stale mapping
        assertEquals(p, f.allocPage("dirty reuse"));
        KernelEvent.UseAfterFree uaf = assertInstanceOf(KernelEvent.UseAfterFree.class, events.getFirst());
        assertEquals(4000, uaf.offset());
        assertEquals("dirty reuse", uaf.where());
    }

    /** check_poison_mem covers the whole page: a change in its first or last byte is reported at that offset. */
    @Test
    void aChangeAtEitherEndOfAPoisonedPageIsReported() {
        Frames f = frames(16, Frames.FreePolicy.POISON);
        long p = f.allocPage("test");
        for (int offset : new int[] {0, Frames.PAGE_SIZE - 1}) {
            f.putPage(p);
            f.bytes(p).putByte(offset, (byte) 0xab);
            assertEquals(p, f.allocPage("reuse"));
            KernelEvent.UseAfterFree uaf = assertInstanceOf(KernelEvent.UseAfterFree.class, events.getLast());
            assertEquals(offset, uaf.offset());
            for (long at = 0; at < Frames.PAGE_SIZE; at += 8) assertEquals(0, f.bytes(p).getLong(at), "byte " + at + " zeroed");
        }
        assertEquals(2, events.size());
    }

    @Test
    void discardPolicyReturnsMemoryInBatchesAndZeroesOnReuse() {
        Frames f = frames(16, Frames.FreePolicy.DISCARD);
        long a = f.allocPage("a");
        long b = f.allocPage("b");
        f.bytes(a).putLong(8, 5);
        f.bytes(b).putLong(8, 6);
        f.putPage(a);
        f.putPage(b);
        assertEquals(b, f.allocPage("reuse before the batch went back"));
        assertEquals(0, f.bytes(b).getLong(8), "zeroed on reuse");
        f.bytes(b).putLong(8, 7);
        f.flushDiscards();
        assertEquals(0, f.bytes(a).getLong(8), "returned to the host: reads as zero");
        assertEquals(7, f.bytes(b).getLong(8), "the reallocated page was not discarded");
        assertEquals(a, f.allocPage("reuse after discard"));
        assertTrue(events.isEmpty(), "DISCARD does not check freed pages");
    }

    @Test
    void unknownPhysicalAddressIsAKernelBug() {
        Frames f = frames(16, Frames.FreePolicy.POISON);
        assertThrows(KernelBug.class, () -> f.refcount(0x1234_5000L));
    }

    /**
     * RAM over a reused buffer (a reset machine's): its pages hold whatever the previous user
     * left, and alloc_page(__GFP_ZERO) must still hand out zeroes.
     */
    @Test
    void aReusedBuffersPagesAreZeroedWhenAllocated() {
        HostBuffer ram = machine.allocate("reused ram", 16 * 4096L);
        ram.putLong(0, 0xDEAD_BEEFL);
        Frames f = new Frames(ram, false, Frames.FreePolicy.POISON, injection, events::add);
        long p = f.allocPage("test");
        assertEquals(ram.phys(0), p);
        assertEquals(0, f.bytes(p).getLong(0), "__GFP_ZERO holds on a reused buffer");
        assertEquals(1, f.touched());
        assertTrue(events.isEmpty(), events.toString());
    }
}
