package dev.arenaemu.kernel.arena;

import dev.arenaemu.kernel.mm.Frames;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The arena's own invariants (docs/semantics.md#data-model), checked from a snapshot. */
final class ArenaInvariants {
    private ArenaInvariants() {}

    /**
     * Every populated page: a frame in use, held once by the arena plus once per user PTE,
     * never in the free set; populated count and mem_usage agree; frames in use are exactly the
     * populated pages plus the scratch page (when nothing else holds frames).
     */
    static void check(Arena arena, Frames frames, int userPtes) {
        ArenaSnapshot s = arena.snapshot();
        long populated = 0;
        long mapped = 0;
        for (ArenaSnapshot.KernelPage p : s.kernelPages()) {
            if (p.scratch()) continue;
            populated++;
            mapped += p.mapcount();
            assertTrue(frames.inUse(p.frame()), "populated page's frame is in use: " + p);
            assertEquals(1 + p.mapcount(), p.refcount(), "arena reference + one per user PTE: " + p);
            long pgoff = arena.computePgoff(arena.userVmStart() + p.offset() - (arena.userVmStart() & 0xFFFF_FFFFL));
            assertFalse(arena.isFree(pgoff), "populated pgoff " + pgoff + " is not free");
        }
        assertEquals(populated, arena.populatedPages());
        assertEquals(userPtes, mapped, "user PTEs and mapcounts agree");
        if (arena.kernel().era().reportsMemUsage()) assertEquals(populated * Arena.PAGE_SIZE, s.memUsage());
        long scratch = arena.scratchPage() != Frames.NO_PAGE ? 1 : 0;
        assertEquals(populated + scratch, frames.used(), "no frame leaked or double-counted");
    }
}
