package dev.arenaemu.user;

import dev.arenaemu.kernel.Errno;
import dev.arenaemu.kernel.KernelEra;
import dev.arenaemu.kernel.arena.Arena;
import dev.arenaemu.user.exec.UserResult;
import dev.arenaemu.user.mm.MapFlag;
import dev.arenaemu.user.mm.MremapFlag;
import dev.arenaemu.user.mm.Prot;
import dev.arenaemu.user.mm.Vma;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static dev.arenaemu.user.UserWorld.K16;
import static dev.arenaemu.user.UserWorld.SHARED;
import static dev.arenaemu.user.UserWorld.mapArena;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Catalogue 19, 20, fork (65-style for E2–E4: v6.13 and v7.0; 66 for the latest era):
 * docs/semantics.md#generic-mmap-checks, #vma-lifecycle.
 */
class ArenaVmaLifecycleTest {

    @Test
    void scenario19_readOnlyMappingFaultsReadsInButWritesAreAccerrAndMayBitsForbidUpgrades() {
        try (UserWorld w = new UserWorld()) {
            Arena arena = w.arena(4, 0, 0);
            Process u = w.processes.spawn();
            long x = mapArena(u, arena, Prot.READ.bit);
            assertEquals(new UserResult.Value(0), u.user().load(x, 8));
            assertEquals(1, arena.populatedPages(), "the read allocated a zero page");
            assertEquals(new UserResult.Signaled(Signal.segvAccerr(x + 4096)), u.user().store(x + 4096, 8, 1));
            assertEquals(1, arena.populatedPages(), "core mm refused the write before arena_vm_fault");
            assertTrue(arena.isFree(1));
            assertEquals(Errno.EACCES.neg(), u.mprotect(x, K16, Prot.RW), "VM_MAYWRITE cleared by bpf_map_mmap");
            assertEquals(Errno.EACCES.neg(), u.mprotect(x, K16, Prot.EXEC.bit), "VM_MAYEXEC cleared by bpf_map_mmap");
        }
    }

    @ParameterizedTest
    @EnumSource(value = KernelEra.class, names = {"V6_13", "V7_0"})
    void scenario20_e2toE4_growFailsMoveIsRefusedByGetUnmappedAreaAndPartialMunmapSplits(KernelEra era) {
        UserWorld.withMappedArena(era, 0, (w, arena, u, x) -> {
            assertEquals(Errno.EFAULT.neg(), u.mremap(x, K16, 2 * K16, MremapFlag.MAYMOVE.bit, 0), "VM_DONTEXPAND");
            assertEquals(x, u.mremap(x, K16, K16, MremapFlag.MAYMOVE.bit, 0), "same size without MREMAP_FIXED: nothing to do");
            // mremap_to asks the file's get_unmapped_area for the target: arena_get_unmapped_area
            // answers -EINVAL for any address but user_vm_start (kernel source: an E2–E4
            // "move succeeds" needs an address the arena accepts, which no move can have;
            // docs/semantics.md#address-selection).
            long y = x - 0x10_0000;
            assertEquals(Errno.EINVAL.neg(), u.mremap(x, K16, K16, MremapFlag.MAYMOVE.bit | MremapFlag.FIXED.bit, y));
            var entry = arena.vmaList().getFirst();
            Vma original = u.mm().find(x);
            assertEquals(0, u.munmap(x + 4096, 4096));
            assertEquals(2, entry.mmapCount(), "open on both new pieces, close on the unmapped one");
            assertFalse(original.alive(), "__split_vma kept the original object for the piece that went: the entry dangles");
            assertEquals(0, u.munmap(x, 4096));
            assertEquals(0, u.munmap(x + 8192, 8192));
            assertTrue(arena.vmaList().isEmpty(), "both pieces closed cleanly");
        });
    }

    @ParameterizedTest
    @EnumSource(value = KernelEra.class, names = {"V6_13", "V7_0"})
    void scenario20_e2toE4_afterThePartialMunmapTheRecordedVmaIsGoneSoAFreeMissesTheSurvivingPieces(KernelEra era) {
        UserWorld.withMappedArena(era, 0, (w, arena, u, x) -> {
            u.user().store(x + 3 * 4096, 8, 31);
            assertEquals(0, u.munmap(x + 4096, 4096));

            arena.freePages(x + 3 * 4096, 1);

            assertTrue(w.kernel.events().stream().anyMatch(e -> e instanceof dev.arenaemu.kernel.KernelEvent.DanglingVma),
                "zap_pages followed the entry's VMA pointer, which __split_vma left on the unmapped piece");
            assertTrue(u.mm().pageTable().walk(x + 3 * 4096).present(), "the surviving piece was not zapped");
            assertEquals(new UserResult.Value(31), u.user().load(x + 3 * 4096, 8), "and still reads the freed page");
        });
    }

    @Test
    void scenario20_latest_moveAndPartialMunmapAreEinvalAndTheVmaIsUnchanged() {
        UserWorld.withMappedArena(KernelEra.LATEST, 0, (w, arena, u, x) -> {
            Vma vma = u.mm().find(x);
            assertEquals(Errno.EFAULT.neg(), u.mremap(x, K16, 2 * K16, MremapFlag.MAYMOVE.bit, 0));
            assertEquals(Errno.EINVAL.neg(), u.mremap(x, K16, K16, MremapFlag.MAYMOVE.bit | MremapFlag.FIXED.bit, x - 0x10_0000));
            assertEquals(Errno.EINVAL.neg(), u.munmap(x + 4096, 4096), "may_split");
            assertEquals(Errno.EINVAL.neg(), u.mprotect(x + 4096, 4096, Prot.READ.bit), "may_split");
            assertSame(vma, u.mm().find(x + K16 - 1));
            assertEquals(x, vma.start());
            assertEquals(x + K16, vma.end());
            assertEquals(1, arena.vmaList().getFirst().mmapCount());
            assertEquals(0, u.mprotect(x, K16, Prot.READ.bit), "whole-VMA mprotect is still allowed");
        });
    }

    @ParameterizedTest
    @EnumSource(value = KernelEra.class, names = {"V6_13", "V7_0"})
    void scenario65_e2toE4_forkSharesTheEntryAndTheChildKeepsAPageBpfFreed(KernelEra era) {
        UserWorld.withMappedArena(era, 0, (w, arena, parent, x) -> {
            parent.user().store(x, 8, 9);
            Process child = parent.fork();
            assertEquals(2, arena.vmaList().getFirst().mmapCount(), "dup_mmap called open on the child's copy");
            assertSame(parent.mm().find(x), arena.vmaList().getFirst().vma(), "the entry records the parent's VMA");
            assertFalse(child.mm().pageTable().walk(x).present(), "vma_needs_copy: shared file mappings get no PTEs at fork");
            assertEquals(new UserResult.Value(9), child.user().load(x, 8), "the child faults the same page in");

            arena.freePages(x, 1);

            assertFalse(parent.mm().pageTable().walk(x).present(), "the recorded (parent's) VMA was zapped");
            assertTrue(child.mm().pageTable().walk(x).present(), "the child's PTE survived the free");
            assertEquals(new UserResult.Value(9), child.user().load(x, 8), "stale data through the surviving PTE");
            assertEquals(0, arena.populatedPages());
            assertTrue(arena.isFree(0));
        });
    }

    @Test
    void scenario66_latest_forkLeavesTheChildWithoutArenaVmaUntilItMapsTheArenaItself() {
        UserWorld.withArenaFd(KernelEra.LATEST, 0, (w, arena, parent, fd) -> {
            long x = parent.mmap(0, K16, Prot.RW, SHARED, fd, 0);
            parent.user().store(x, 8, 9);
            Process child = parent.fork();
            assertNull(child.mm().find(x), "VM_DONTCOPY");
            assertEquals(new UserResult.Signaled(Signal.segvMaperr(x)), child.user().load(x, 8));
            assertEquals(x, child.mmap(x, K16, Prot.RW, SHARED | MapFlag.FIXED.bit, fd, 0));
            assertEquals(2, arena.vmaList().size());
            assertEquals(new UserResult.Value(9), child.user().load(x, 8));

            arena.freePages(x, 1);

            assertFalse(child.mm().pageTable().walk(x).present(), "the free zapped the child too");
            assertFalse(parent.mm().pageTable().walk(x).present());
            assertEquals(new UserResult.Value(0), child.user().load(x, 8), "a new zero page");
        });
    }

    @Test
    void exitClosesEveryArenaVma() {
        UserWorld.withMappedArena(KernelEra.V6_13, 0, (w, arena, u, x) -> {
            u.user().store(x, 8, 1);
            u.exit();
            assertTrue(arena.vmaList().isEmpty());
            assertEquals(1, arena.populatedPages(), "pages belong to the arena, not to the mapping");
            var frames = w.kernel.frames().snapshot();
            assertEquals(1, frames.size());
            assertEquals(1, frames.getFirst().refcount(), "the user PTE's page reference was dropped");
            assertEquals(0, frames.getFirst().mapcount());
        });
    }
}
