package dev.arenaemu.user;

import dev.arenaemu.kernel.KernelEra;
import dev.arenaemu.kernel.Errno;
import dev.arenaemu.kernel.arena.Arena;
import dev.arenaemu.user.exec.UserResult;
import dev.arenaemu.user.mm.MapFlag;
import dev.arenaemu.user.mm.Prot;
import org.junit.jupiter.api.Test;

import static dev.arenaemu.user.UserWorld.K16;
import static dev.arenaemu.user.UserWorld.SHARED;
import static dev.arenaemu.user.UserWorld.mapArena;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Catalogue "mmap and VMAs" (docs/scenario-catalogue.md#mmap-and-vmas): mmap of an arena fd through
 * the process's do_mmap (docs/semantics.md#mmap).
 */
class ArenaMmapTest {
    static final long FIXED = MapFlag.SHARED.bit | MapFlag.FIXED.bit;

    @Test
    void scenario12_mapPrivateIsRejectedAndTheStartStaysUnset() {
        UserWorld.withArenaFd(KernelEra.V6_13, 0, (w, arena, u, fd) -> {
            assertEquals(Errno.EINVAL.neg(), u.mmap(0, K16, Prot.RW, MapFlag.PRIVATE.bit, fd, 0));
            assertEquals(0, arena.userVmStart());
            assertEquals(1, u.mm().vmas().size(), "only the stack");
        });
    }

    @Test
    void scenario13_nonZeroOffsetIsRejected() {
        UserWorld.withArenaFd(KernelEra.V6_13, 0, (w, arena, u, fd) -> {
            assertEquals(Errno.EINVAL.neg(), u.mmap(0, K16, Prot.RW, SHARED, fd, 4096));
            assertEquals(0, arena.userVmStart());
        });
    }

    @Test
    void scenario14_firstMappingFixesTheAddressWithoutPopulatingAnything() {
        UserWorld.withMappedArena(KernelEra.V6_13, 0, (w, arena, u, x) -> {
            assertFalse(Errno.isErrValue(x), Errno.describe(x));
            assertEquals(x >>> 32, (x + K16 - 1) >>> 32, "does not cross 4 GiB");
            assertEquals(x, arena.userVmStart());
            assertEquals(x + K16, arena.userVmEnd());
            assertEquals(1, arena.vmaList().size());
            assertSame(u.mm().find(x), arena.vmaList().getFirst().vma());
            for (long a = x; a < x + K16; a += 4096) assertFalse(u.mm().pageTable().walk(a).present());
            assertEquals(0, arena.populatedPages());
            assertEquals(0, arena.memUsage());
        });
    }

    @Test
    void scenario15_laterMappingsMustMatchStartAndLength() {
        UserWorld.withArenaFd(KernelEra.V6_13, 0, (w, arena, u, fd) -> {
            long x = u.mmap(0, K16, Prot.RW, SHARED, fd, 0);
            assertEquals(Errno.EINVAL.neg(), u.mmap(0, K16, Prot.RW, SHARED, fd, 0));
            assertEquals(Errno.EINVAL.neg(), u.mmap(x, 8192, Prot.RW, FIXED, fd, 0));
            assertEquals(Errno.E2BIG.neg(), u.mmap(x, 2 * K16, Prot.RW, FIXED, fd, 0));
            Process u2 = w.processes.spawn();
            assertEquals(x, u2.mmap(x, K16, Prot.RW, FIXED, u2.installFd(arena), 0));
            assertEquals(2, arena.vmaList().size());
        });
    }

    @Test
    void scenario16_mapExtraFixesTheAddress() {
        try (UserWorld w = new UserWorld()) {
            long e = 0x1000_FFFF_E000L;
            Arena arena = w.arena(2, 0, e);
            Process u = w.processes.spawn();
            int fd = u.installFd(arena);
            assertEquals(Errno.EINVAL.neg(), u.mmap(0, 8192, Prot.RW, SHARED, fd, 0));
            assertEquals(e, u.mmap(e, 8192, Prot.RW, FIXED, fd, 0));
            assertEquals(new UserResult.Value(0), u.user().store(e + 4096 + 8, 8, 5));
            assertEquals(new UserResult.Value(5), u.user().load(e + 4096 + 8, 8));
        }
    }

    @Test
    void scenario17_aFourGibArenaIsFourGibAligned() {
        try (UserWorld w = new UserWorld()) {
            Arena arena = w.arena(1L << 20, 0, 0);
            Process u = w.processes.spawn();
            long base = u.mmap(0, 1L << 32, Prot.RW, SHARED, u.installFd(arena), 0);
            assertFalse(Errno.isErrValue(base), Errno.describe(base));
            assertEquals(0, base & 0xFFFF_FFFFL);
            assertEquals(new UserResult.Value(0), u.user().store(base + (1L << 32) - 8, 8, 9));
            assertEquals(new UserResult.Value(9), u.user().load(base + (1L << 32) - 8, 8));
        }
    }

    @Test
    void scenario18_theStartIsStickyAfterEveryMappingIsGone() {
        UserWorld.withArenaFd(KernelEra.V6_13, 0, (w, arena, u, fd) -> {
            long x = u.mmap(0, K16, Prot.RW, SHARED, fd, 0);
            assertEquals(0, u.munmap(x, K16));
            assertTrue(arena.vmaList().isEmpty());
            assertEquals(x, arena.userVmStart());
            assertEquals(Errno.EINVAL.neg(), u.mmap(0, K16, Prot.RW, SHARED, fd, 0));
            assertEquals(x, u.mmap(x, K16, Prot.RW, FIXED, fd, 0));
        });
    }

    @Test
    void scenario67_remappingOverItselfClosesTheOldVmaAndKeepsThePages() {
        UserWorld.withArenaFd(KernelEra.V6_13, 0, (w, arena, u, fd) -> {
            long x = u.mmap(0, K16, Prot.RW, SHARED, fd, 0);
            assertEquals(new UserResult.Value(0), u.user().store(x + 4096, 8, 0xC0FFEE));
            var oldVma = u.mm().find(x);
            var oldEntry = arena.vmaList().getFirst();
            assertEquals(x, u.mmap(x, K16, Prot.RW, FIXED, fd, 0));
            assertFalse(oldVma.alive());
            assertEquals(1, arena.vmaList().size());
            assertNotEquals(oldEntry, arena.vmaList().getFirst(), "old entry removed, new one registered");
            assertSame(u.mm().find(x), arena.vmaList().getFirst().vma());
            assertFalse(u.mm().pageTable().walk(x + 4096).present(), "the new VMA starts without PTEs");
            assertEquals(1, arena.populatedPages(), "the page stays in the kernel range");
            assertEquals(new UserResult.Value(0xC0FFEE), u.user().load(x + 4096, 8));
        });
    }
}
