package dev.arenaemu.kernel.arena;

import dev.arenaemu.kernel.KernelBug;
import dev.arenaemu.kernel.EveryEra;
import dev.arenaemu.kernel.KernelEra;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** arena_map_free and mem_usage (docs/semantics.md#teardown, #creation; catalogue 68, 70). */
class ArenaTeardownTest extends MappedArenaTest {
    @EveryEra
    void scenario68_teardownFreesEveryPopulatedPageExactlyOnce(KernelEra era) {
        fx = new ArenaFixture(era);
        Arena arena = fx.create(ArenaAttr.of(8, 0, 0));
        RecordingVma vma = fx.mmap(arena, X, 8 * Arena.PAGE_SIZE);
        arena.allocPages(0, 3, -1, 0);
        vma.touch(arena, X + 0x1000, true);     // BPF page also user-mapped
        vma.touch(arena, X + 0x6000, true);     // user-populated page
        vma.unmap(arena);
        long kernVm = arena.kernVm().addr();
        arena.allocPages(0, 1, -1, 0);           // the program keeps working after munmap
        arena.free();
        assertEquals(0, fx.kernel.frames().used());
        assertTrue(fx.kernel.events().isEmpty());
        assertTrue(fx.kernel.addressSpace().areas().isEmpty());
        assertEquals(0, fx.machine.kernelPageTable().entry(kernVm + Arena.GUARD_SZ / 2), "kernel PTEs gone");
        assertThrows(KernelBug.class, () -> arena.allocPages(0, 1, -1, 0));
    }

    @Test
    void scenario70_memUsageFollowsInstalledPages() {
        fx = new ArenaFixture(KernelEra.LATEST);
        long base = 1L << 44;
        Arena arena = fx.create(ArenaAttr.of(1000, 0, base));
        RecordingVma vma = fx.mmap(arena, base, 1000 * Arena.PAGE_SIZE);
        long p = arena.allocPages(0, 17, -1, 0);
        assertEquals(17 * 4096, arena.memUsage());
        arena.freePages(p, 1);
        assertEquals(16 * 4096, arena.memUsage());
        arena.freePages(p + 4096, 10);
        assertEquals(6 * 4096, arena.memUsage());
        arena.freePages(p + 11 * 4096, 6);
        assertEquals(0, arena.memUsage());
        for (int i = 0; i < 8; i++) vma.touch(arena, base + 0x100000 + i * 4096L, true);
        assertEquals(8 * 4096, arena.memUsage());
        arena.freePages(base + 0x100000, 8);
        assertEquals(0, arena.memUsage());
        assertEquals(0, vma.pteCount(), "the bulk free zapped the user PTEs");
    }

    @Test
    void scenario70_memUsageIsZeroBeforeE5() {
        fx = new ArenaFixture(KernelEra.V6_13);
        Arena arena = fx.create(ArenaAttr.of(8, 0, 0));
        fx.mmap(arena, X, 8 * Arena.PAGE_SIZE);
        arena.allocPages(0, 3, -1, 0);
        assertEquals(0, arena.memUsage());
        assertEquals(3, arena.populatedPages());
    }

    @EveryEra
    void releasedKernelRangeIsReusedEmptyAndZeroed(KernelEra era) {
        fx = new ArenaFixture(era);
        Arena first = fx.create(ArenaAttr.of(4, 0, X));
        long p = first.allocPages(0, 1, -1, 0);
        fx.kernelStore(first.kernelAddress(p), 0x77);
        long kernVmStart = first.kernVmStart();
        first.free();
        assertEquals(0, fx.kernelLoad(kernVmStart), "no PTE after free_vm_area");
        Arena second = fx.create(ArenaAttr.of(4, 0, X));
        assertEquals(kernVmStart, second.kernVmStart(), "vmalloc reused the range");
        assertTrue(second.snapshot().kernelPages().isEmpty());
        assertEquals(X, second.allocPages(0, 1, -1, 0));
        assertEquals(0, fx.kernelLoad(second.kernelAddress(X)), "the old arena's bytes are gone");
        assertTrue(fx.kernel.events().isEmpty());
    }
}
