package dev.arenaemu.user;

import dev.arenaemu.kernel.Errno;
import dev.arenaemu.kernel.KernelEra;
import dev.arenaemu.kernel.arena.Arena;
import dev.arenaemu.kernel.arena.ArenaAttr;
import dev.arenaemu.kernel.inject.InjectionSite;
import dev.arenaemu.user.exec.UserResult;
import dev.arenaemu.user.mm.MapFlag;
import dev.arenaemu.user.mm.Prot;
import org.junit.jupiter.api.Test;

import java.util.OptionalLong;

import static dev.arenaemu.user.UserWorld.K16;
import static dev.arenaemu.user.UserWorld.SHARED;
import static dev.arenaemu.user.UserWorld.mapArena;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Catalogue "User fault path" and the zaps of "Free" (docs/scenario-catalogue.md): CPL3 #PF →
 * do_user_addr_fault → arena_vm_fault (docs/semantics.md#user-page-fault, #free).
 */
class ArenaUserFaultTest {

    @Test
    void scenario28_aUserReadAllocatesAZeroPageSharedWithTheKernelMapping() {
        UserWorld.withMappedArena(KernelEra.V6_13, 0, (w, arena, u, x) -> {
            KernelAccess bpf = new KernelAccess(w.machine, arena);
            assertEquals(OptionalLong.empty(), bpf.read(x + 8192), "not populated yet");
            assertEquals(new UserResult.Value(0), u.user().load(x + 8192, 8));
            assertFalse(arena.isFree(2), "the fault took pgoff 2 from the free set");
            assertTrue(u.mm().pageTable().walk(x + 8192).present());
            assertEquals(u.mm().pageTable().walk(x + 8192).frame(), w.machine.kernelPageTable().walk(arena.kernelAddress(x + 8192)).frame(),
                "user and kernel PTE name the same frame");
            u.user().store(x + 8192, 8, 1234);
            assertEquals(OptionalLong.of(1234), bpf.read(x + 8192));
            assertTrue(bpf.write(x + 8192 + 8, 5678));
            assertEquals(new UserResult.Value(5678), u.user().load(x + 8192 + 8, 8));
        });
    }

    @Test
    void scenario29_segvOnFaultGivesMaperrToUserAndEfaultToAUaccessSyscall() {
        UserWorld.withMappedArena(KernelEra.V6_13, ArenaAttr.BPF_F_SEGV_ON_FAULT, (w, arena, u, x) -> {
            assertEquals(new UserResult.Signaled(Signal.segvMaperr(x + 8192)), u.user().load(x + 8192, 4));
            assertEquals(0, arena.populatedPages());
            assertTrue(arena.isFree(2), "free set unchanged");
            int signalsBefore = u.signals().size();
            var read = u.uaccess().fromUser(x + 8192, 16);
            assertNull(read.data());
            assertEquals(Errno.EFAULT.neg(), read.errno());
            assertEquals(signalsBefore, u.signals().size(), "a uaccess failure sends no signal");
            assertEquals(Errno.EFAULT.neg(), u.uaccess().toUser(x + 8192, new byte[8]));
        });
    }

    @Test
    void scenario30_segvOnFaultStillMapsPagesBpfAllocated() {
        UserWorld.withMappedArena(KernelEra.V6_13, ArenaAttr.BPF_F_SEGV_ON_FAULT, (w, arena, u, x) -> {
            KernelAccess bpf = new KernelAccess(w.machine, arena);
            long p = arena.allocPages(0, 1, -1, 0);
            assertEquals(x, p);
            assertTrue(bpf.write(p, 42));
            assertEquals(new UserResult.Value(42), u.user().load(x, 8));
            var read = u.uaccess().fromUser(x, 8);
            assertEquals(42, read.data()[0]);
        });
    }

    @Test
    void scenario31_v6_13_pageAllocationFailureInTheFaultIsSigsegvAndRestoresTheFreeSet() {
        UserWorld.withMappedArena(KernelEra.V6_13, 0, (w, arena, u, x) -> {
            w.kernel.faultInjection().failNth(InjectionSite.PAGE_ALLOC, 1);
            assertEquals(new UserResult.Signaled(Signal.segvMaperr(x + 8192)), u.user().load(x + 8192, 8));
            assertTrue(arena.isFree(2));
            assertEquals(0, arena.populatedPages());
        });
    }

    @Test
    void scenario31_latest_pageAllocationFailureIsOomAndTheRetriedFaultSucceeds() {
        UserWorld.withMappedArena(KernelEra.LATEST, 0, (w, arena, u, x) -> {
            w.kernel.faultInjection().failNth(InjectionSite.PAGE_ALLOC, 1);
            assertEquals(new UserResult.Value(0), u.user().load(x + 8192, 8), "VM_FAULT_OOM, then the retried access faults in");
            assertTrue(u.signals().isEmpty());
            assertFalse(arena.isFree(2));
        });
    }

    @Test
    void scenario31_latest_persistentOomKillsTheProcess() {
        UserWorld.withMappedArena(KernelEra.LATEST, 0, (w, arena, u, x) -> {
            w.kernel.faultInjection().configure(InjectionSite.PAGE_ALLOC, dev.arenaemu.kernel.inject.FaultAttr.always());
            assertEquals(new UserResult.Signaled(Signal.oomKill()), u.user().load(x + 8192, 8));
        });
    }

    @Test
    void scenario32_kernelPteInstallFailureIsSigsegvAndReleasesThePage() {
        UserWorld.withMappedArena(KernelEra.V6_13, 0, (w, arena, u, x) -> {
            long framesBefore = w.kernel.frames().used();
            w.kernel.faultInjection().failNth(InjectionSite.KERNEL_PTE_INSTALL, 1);
            assertEquals(new UserResult.Signaled(Signal.segvMaperr(x + 8192)), u.user().load(x + 8192, 8));
            assertEquals(framesBefore, w.kernel.frames().used(), "page released");
            assertTrue(arena.isFree(2), "free set restored");
        });
    }

    @Test
    void scenario33_aUserFaultOnAReservedPagePopulatesIt() {
        UserWorld.withMappedArena(KernelEra.V6_13, 0, (w, arena, u, x) -> {
            assertEquals(0, arena.reservePages(x + 4096, 1));
            assertEquals(new UserResult.Value(0), u.user().load(x + 4096, 8));
            assertEquals(1, arena.populatedPages());
            assertEquals(0, arena.allocPages(x + 4096, 1, -1, 0));
            assertEquals(Errno.EBUSY.neg(), arena.reservePages(x + 4096, 1));
        });
    }

    @Test
    void scenario33_withSegvOnFaultAReservedPageSegfaults() {
        UserWorld.withMappedArena(KernelEra.V6_13, ArenaAttr.BPF_F_SEGV_ON_FAULT, (w, arena, u, x) -> {
            assertEquals(0, arena.reservePages(x + 4096, 1));
            assertEquals(new UserResult.Signaled(Signal.segvMaperr(x + 4096)), u.user().load(x + 4096, 8));
        });
    }

    @Test
    void scenario34_twoProcessesShareThePageTheFirstFaultedIn() {
        UserWorld.withMappedArena(KernelEra.V6_13, 0, (w, arena, u, x) -> {
            KernelAccess bpf = new KernelAccess(w.machine, arena);
            Process u2 = w.processes.spawn();
            assertEquals(x, u2.mmap(x, K16, Prot.RW, SHARED | MapFlag.FIXED.bit, u2.installFd(arena), 0));
            assertEquals(new UserResult.Value(0), u.user().store(x + 4096, 8, 7));
            assertEquals(new UserResult.Value(7), u2.user().load(x + 4096, 8));
            assertEquals(OptionalLong.of(7), bpf.read(x + 4096));
            assertEquals(1, arena.populatedPages());
            long frame = u.mm().pageTable().walk(x + 4096).frame();
            assertEquals(frame, u2.mm().pageTable().walk(x + 4096).frame());
            assertEquals(2, w.kernel.frames().mapcount(frame));
            assertEquals(3, w.kernel.frames().refcount(frame), "the arena's reference and one per user PTE");
        });
    }

    @Test
    void scenario45_freeingAUserMappedPageZapsItAndTheNextTouchGetsANewZeroPage() {
        UserWorld.withMappedArena(KernelEra.V6_13, 0, (w, arena, u, x) -> {
            KernelAccess bpf = new KernelAccess(w.machine, arena);
            long p = arena.allocPages(x, 1, -1, 0);
            assertTrue(bpf.write(p, 99));
            assertEquals(new UserResult.Value(99), u.user().load(x, 8));
            arena.freePages(p, 1);
            assertFalse(u.mm().pageTable().walk(x).present(), "zapped");
            assertEquals(OptionalLong.empty(), bpf.read(x), "kernel PTE removed");
            assertTrue(arena.isFree(0));
            assertEquals(new UserResult.Value(0), u.user().load(x, 8), "a new zero page");
        });
    }

    @Test
    void scenario52_aMultiPageFreeZapsEveryProcess() {
        UserWorld.withMappedArena(KernelEra.V6_13, 0, (w, arena, u, x) -> {
            Process u2 = w.processes.spawn();
            u2.mmap(x, K16, Prot.RW, SHARED | MapFlag.FIXED.bit, u2.installFd(arena), 0);
            for (Process p : new Process[] {u, u2}) {
                p.user().store(x, 8, 1);
                p.user().store(x + 4096, 8, 2);
            }
            arena.freePages(x, 2);
            for (Process p : new Process[] {u, u2}) {
                assertFalse(p.mm().pageTable().walk(x).present());
                assertFalse(p.mm().pageTable().walk(x + 4096).present());
                assertEquals(new UserResult.Value(0), p.user().load(x + 4096, 8));
            }
        });
    }

    @Test
    void userBlockCopiesCrossPagesAndFaultEachPageIn() {
        UserWorld.withMappedArena(KernelEra.V6_13, 0, (w, arena, u, x) -> {
            byte[] data = new byte[10000];
            for (int i = 0; i < data.length; i++) data[i] = (byte) (i * 7);
            assertEquals(new UserResult.Value(data.length), u.user().writeBytes(x + 100, data));
            assertEquals(3, arena.populatedPages());
            assertArrayEquals(data, u.user().readBytes(x + 100, data.length).data());
            assertArrayEquals(data, u.uaccess().fromUser(x + 100, data.length).data());
        });
    }

    @Test
    void scenario44_aUserFaultOnPageZeroSteersTheFirstAllocation() {
        try (UserWorld w = new UserWorld()) {
            Arena arena = w.arena(100, 0, 0);
            Process u = w.processes.spawn();
            long base = u.mmap(0, 100 * 4096L, Prot.RW, SHARED, u.installFd(arena), 0);
            assertEquals(new UserResult.Value(0), u.user().store(base, 2, 0x55aa));
            assertEquals(base + 4096, arena.allocPages(0, 1, -1, 0));
        }
    }

    @Test
    void scenario70_latest_memUsageCountsUserFaultedPagesUntilBpfFreesThem() {
        try (UserWorld w = new UserWorld(KernelEra.LATEST)) {
            Arena arena = w.arena(1000, 0, 1L << 44);
            Process u = w.processes.spawn();
            long base = u.mmap(1L << 44, 1000 * 4096L, Prot.RW, SHARED | MapFlag.FIXED.bit, u.installFd(arena), 0);
            assertEquals(1L << 44, base);
            for (int i = 0; i < 8; i++) u.user().load(base + i * 4096L, 8);
            assertEquals(8 * 4096L, arena.memUsage());
            arena.freePages(base, 8);
            assertEquals(0, arena.memUsage());
            for (int i = 0; i < 8; i++) assertFalse(u.mm().pageTable().walk(base + i * 4096L).present());
        }
    }
}
