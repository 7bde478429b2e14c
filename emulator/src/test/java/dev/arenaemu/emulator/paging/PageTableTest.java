package dev.arenaemu.emulator.paging;

import dev.arenaemu.emulator.memory.PhysicalMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The table bytes Java writes, read back the way the MMU walks them (SDM 4.5, 4-level paging). */
class PageTableTest {
    private static final long USER_VA = 0x0000_7F00_1234_5000L;
    private static final long KERNEL_VA = 0xFFFF_C900_0000_3000L;

    private final PhysicalMemory physical = new PhysicalMemory();

    @AfterEach
    void close() {
        physical.close();
    }

    @Test
    void mapWritesFramePresentAndFlagsInTheLeafAndUnmapClearsIt() {
        PageTable t = PageTable.create(physical.pageTablePool());
        assertEquals(0, t.map(USER_VA, 0x10_0000_7000L, PteFlag.RW | PteFlag.US));
        Pte pte = t.walk(USER_VA);
        assertTrue(pte.present() && pte.writable() && pte.user());
        assertEquals(0x10_0000_7000L, pte.frame());
        assertEquals(Pte.ABSENT, t.walk(USER_VA + 4096), "the neighbour stays absent");
        assertEquals(pte.raw(), t.unmap(USER_VA));
        assertFalse(t.walk(USER_VA).present());
    }

    @Test
    void protectChangesRightsButKeepsFrameAccessedAndDirty() {
        PageTable t = PageTable.create(physical.pageTablePool());
        t.map(USER_VA, 0x10_0000_7000L, PteFlag.RW | PteFlag.US | PteFlag.A | PteFlag.D);
        t.protect(USER_VA, PteFlag.US);
        Pte pte = t.walk(USER_VA);
        assertTrue(pte.present() && !pte.writable() && pte.user() && pte.accessed() && pte.dirty());
        assertEquals(0x10_0000_7000L, pte.frame());
        assertEquals(0, t.protect(USER_VA + 4096, PteFlag.RW), "protecting an absent page changes nothing");
        assertEquals(Pte.ABSENT, t.walk(USER_VA + 4096));
    }

    @Test
    void forEachPresentVisitsCanonicalAddressesInBothHalvesInOrder() {
        PageTable t = PageTable.create(physical.pageTablePool());
        t.map(KERNEL_VA, 0x10_0000_0000L, PteFlag.RW);
        t.map(USER_VA, 0x10_0000_1000L, PteFlag.US);
        t.map(USER_VA + 0x20_0000, 0x10_0000_2000L, PteFlag.US);   // another page table
        List<Long> seen = new ArrayList<>();
        t.forEachPresent(0, 0, seen::add);                          // end 0: up to the top of the address space
        assertEquals(List.of(USER_VA, USER_VA + 0x20_0000, KERNEL_VA), seen);
        seen.clear();
        t.forEachPresent(USER_VA + 4096, USER_VA + 0x20_1000, seen::add);
        assertEquals(List.of(USER_VA + 0x20_0000), seen, "the range is [start, end)");
    }

    @Test
    void userRootSharesTheKernelUpperHalfIncludingLaterMappingsAndDestroyFreesOnlyItsOwnTables() {
        PageTable kernel = PageTable.create(physical.pageTablePool());
        kernel.preallocateUpperHalf();
        int beforeUser = physical.pageTablePool().pagesInUse();
        PageTable user = PageTable.sharingUpperHalf(physical.pageTablePool(), kernel);
        kernel.map(KERNEL_VA, 0x10_0000_0000L, PteFlag.RW);           // after the user root was made
        assertEquals(kernel.entry(KERNEL_VA), user.entry(KERNEL_VA));
        user.map(USER_VA, 0x10_0000_1000L, PteFlag.US);
        assertEquals(0, kernel.entry(USER_VA), "the lower half is the process's own");
        int kernelTablesNow = physical.pageTablePool().pagesInUse();
        user.destroy(kernel);
        assertEquals(kernelTablesNow - 4, physical.pageTablePool().pagesInUse(), "root, PDPT, PD and PT of the user half");
        assertTrue(kernel.walk(KERNEL_VA).present(), "the shared kernel tables survive");
        assertTrue(beforeUser < kernelTablesNow);
    }

    /**
     * Emptied tables (as an E4+ arena leaves 2048 of them after pre-populating) are skipped by
     * the walk through the pool's present-leaf counts; a leaf mapped later, or mapped twice, is
     * counted once and found again.
     */
    @Test
    void forEachPresentSkipsEmptiedTablesAndFindsLeavesMappedLater() {
        PageTable t = PageTable.create(physical.pageTablePool());
        for (long va = USER_VA; va < USER_VA + (64L << 21); va += 1L << 21) {
            t.map(va, 0x10_0000_0000L, PteFlag.US);
            t.unmap(va);
        }
        List<Long> seen = new ArrayList<>();
        t.forEachPresent(0, 0, seen::add);
        assertEquals(List.of(), seen);
        long later = USER_VA + (7L << 21) + 0x3000;
        t.map(later, 0x10_0000_1000L, PteFlag.US);
        t.map(later, 0x10_0000_2000L, PteFlag.US | PteFlag.RW);   // replaces a present leaf
        t.forEachPresent(0, 0, seen::add);
        assertEquals(List.of(later), seen);
        t.unmap(later);
        seen.clear();
        t.forEachPresent(0, 0, seen::add);
        assertEquals(List.of(), seen, "one unmap undoes the double map");
    }

    /** Counts belong to the shared table pages, so a root sharing the kernel half sees later kernel leaves. */
    @Test
    void forEachPresentOfASharingRootSeesKernelLeavesMappedAfterTheCopy() {
        PageTable kernel = PageTable.create(physical.pageTablePool());
        kernel.preallocateUpperHalf();
        PageTable user = PageTable.sharingUpperHalf(physical.pageTablePool(), kernel);
        kernel.map(KERNEL_VA, 0x10_0000_0000L, PteFlag.RW);
        List<Long> seen = new ArrayList<>();
        user.forEachPresent(0, 0, seen::add);
        assertEquals(List.of(KERNEL_VA), seen);
    }
}
