package dev.arenaemu.kernel.arena;

import dev.arenaemu.emulator.memory.HostBuffer;
import dev.arenaemu.kernel.KernelEra;
import org.junit.jupiter.api.Test;


import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A 4 GiB arena is sparse: its kernel range holds no host memory at all (a vm_area is only
 * virtual addresses), and each page it populates is one frame of the page allocator's RAM, which
 * the host backs only once the frame is touched. 1000 populated pages cost exactly 1000 resident
 * host pages of that RAM.
 */
class ArenaFootprintTest {

    @Test
    void aFourGibArenaWithAThousandPopulatedPagesCostsAThousandResidentFrames() {
        try (ArenaFixture fx = new ArenaFixture(KernelEra.V6_13)) {
            Arena arena = fx.create(ArenaAttr.of(1L << 20, 0, 1L << 44));   // 4 GiB: max_entries 2^20 pages
            fx.mmap(arena, 1L << 44, 1L << 32);
            long first = arena.allocPages(0, 1, -1, 0);
            HostBuffer ram = fx.kernel.frames().bytes(arena.kernVm().pageAt(arena.kernelAddress(first)));
            long before = ram.residentBytes();
            int pages = 1000;
            for (int i = 1; i < pages; i++) {
                long p = arena.allocPages(first + (long) i * 4096 * 1000, 1, -1, 0);   // spread over the 4 GiB
                fx.kernel.frames().bytes(arena.kernVm().pageAt(arena.kernelAddress(p))).putLong(0, i);
            }
            assertEquals(pages, arena.populatedPages());
            assertEquals((pages - 1) * 4096L, ram.residentBytes() - before,
                "resident bytes the 999 further populated pages added to the frames' RAM");
        }
    }
}
