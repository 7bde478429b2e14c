package dev.arenaemu.kernel.mm;

import dev.arenaemu.emulator.cpu.Machine;
import dev.arenaemu.emulator.memory.HostBuffer;
import dev.arenaemu.kernel.KernelBug;
import dev.arenaemu.kernel.KernelEvent;
import dev.arenaemu.kernel.inject.FaultInjection;
import dev.arenaemu.kernel.inject.InjectionSite;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** struct page counts, the RAM bound, zeroing, poisoning and use-after-free detection. */
class FramesTest {
    private final Machine machine = new Machine();
    private final FaultInjection injection = new FaultInjection();
    private final List<KernelEvent> events = new ArrayList<>();
    private final HostBuffer ram = machine.allocate("test ram", 16 * 4096);

    @AfterEach
    void close() {
        machine.close();
    }

    private Frames frames(long ramBytes, Frames.FreePolicy policy) {
        Frames f = new Frames(ramBytes, policy, injection, events::add);
        f.addSection(ram);
        return f;
    }

    @Test
    void countsFollowGetPutAndMapcount() {
        Frames f = frames(1 << 20, Frames.FreePolicy.POISON);
        long p = f.allocPage(ram.phys(0), "test");
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
        Frames f = frames(1 << 20, Frames.FreePolicy.POISON);
        long p = f.allocPage(ram.phys(0), "test");
        f.addMapcount(p, 1);
        assertThrows(KernelBug.class, () -> f.putPage(p));
    }

    @Test
    void ramBoundAndInjectionGiveNoPage() {
        Frames f = frames(2 * 4096, Frames.FreePolicy.POISON);
        assertTrue(f.allocPage(ram.phys(0), "a") != Frames.NO_PAGE);
        assertTrue(f.allocPage(ram.phys(4096), "b") != Frames.NO_PAGE);
        assertEquals(Frames.NO_PAGE, f.allocPage(ram.phys(8192), "c"));
        f.putPage(ram.phys(0));
        injection.failNth(InjectionSite.PAGE_ALLOC, 1);
        assertEquals(Frames.NO_PAGE, f.allocPage(ram.phys(8192), "d"));
        assertEquals(1, f.used());
    }

    @Test
    void poisonedPageIsZeroedOnReuseAndChangesAreReported() {
        Frames f = frames(1 << 20, Frames.FreePolicy.POISON);
        long p = f.allocPage(ram.phys(4096), "test");
        f.bytes(p).set(ValueLayout.JAVA_LONG, 0, 123);
        f.putPage(p);
        assertEquals(Frames.PAGE_POISON, f.bytes(p).get(ValueLayout.JAVA_BYTE, 0));
        f.allocPage(p, "clean reuse");
        assertTrue(events.isEmpty());
        assertEquals(0, f.bytes(p).get(ValueLayout.JAVA_LONG, 0));
        f.putPage(p);
        f.bytes(p).set(ValueLayout.JAVA_BYTE, 4000, (byte) 1);
        f.allocPage(p, "dirty reuse");
        KernelEvent.UseAfterFree uaf = assertInstanceOf(KernelEvent.UseAfterFree.class, events.getFirst());
        assertEquals(4000, uaf.offset());
        assertEquals("dirty reuse", uaf.where());
    }

    @Test
    void discardPolicyReturnsMemoryInBatchesAndZeroesOnReuse() {
        Frames f = frames(1 << 20, Frames.FreePolicy.DISCARD);
        long a = f.allocPage(ram.phys(0), "a");
        long b = f.allocPage(ram.phys(4096), "b");
        f.bytes(a).set(ValueLayout.JAVA_LONG, 8, 5);
        f.bytes(b).set(ValueLayout.JAVA_LONG, 8, 6);
        f.putPage(a);
        f.putPage(b);
        f.allocPage(b, "reuse before the batch went back");
        assertEquals(0, f.bytes(b).get(ValueLayout.JAVA_LONG, 8), "zeroed on reuse");
        f.bytes(b).set(ValueLayout.JAVA_LONG, 8, 7);
        f.flushDiscards();
        assertEquals(0, f.bytes(a).get(ValueLayout.JAVA_LONG, 8), "returned to the host: reads as zero");
        assertEquals(7, f.bytes(b).get(ValueLayout.JAVA_LONG, 8), "the reallocated page was not discarded");
        f.allocPage(a, "reuse after discard");
        assertTrue(events.isEmpty(), "DISCARD does not check freed pages");
    }

    @Test
    void unknownPhysicalAddressIsAKernelBug() {
        Frames f = frames(1 << 20, Frames.FreePolicy.POISON);
        assertThrows(KernelBug.class, () -> f.refcount(0x1234_5000L));
    }

    /**
     * A section over a reused buffer (a reset machine's, see KernelAddressSpace): its pages hold
     * whatever the previous user left, and alloc_page(__GFP_ZERO) must still hand out zeroes.
     */
    @Test
    void aReusedBuffersPagesAreZeroedWhenAllocatedAndTheirUseIsCounted() {
        ram.memory().set(java.lang.foreign.ValueLayout.JAVA_LONG, 4096, 0xDEAD_BEEFL);
        Frames f = new Frames(1 << 20, Frames.FreePolicy.POISON, injection, events::add);
        f.addSection(ram, false);
        long p = f.allocPage(ram.phys(4096), "test");
        assertEquals(0, f.bytes(p).get(java.lang.foreign.ValueLayout.JAVA_LONG, 0), "__GFP_ZERO holds on a reused buffer");
        f.allocPage(ram.phys(2 * 4096), "test");
        f.putPage(p);
        f.putPage(ram.phys(2 * 4096));
        assertEquals(2, f.removeSection(ram), "two pages were used: what the section can have made resident");
        assertTrue(events.isEmpty(), events.toString());
    }
}
