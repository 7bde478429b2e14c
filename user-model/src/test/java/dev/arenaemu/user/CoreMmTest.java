package dev.arenaemu.user;

import dev.arenaemu.emulator.cpu.Budget;
import dev.arenaemu.emulator.cpu.RunResult;
import dev.arenaemu.kernel.KernelEra;
import dev.arenaemu.kernel.Errno;
import dev.arenaemu.kernel.mm.VmFaultResult;
import dev.arenaemu.user.exec.UserResult;
import dev.arenaemu.user.mm.MapFlag;
import dev.arenaemu.user.mm.Mm;
import dev.arenaemu.user.mm.MremapFlag;
import dev.arenaemu.user.mm.Prot;
import dev.arenaemu.user.mm.Vma;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The generic mm machinery against a small test file: splits, moves, fork, exit, fault results, user execution. */
class CoreMmTest {
    static final long SHARED = MapFlag.SHARED.bit;
    static final long ANON = MapFlag.PRIVATE.bit | MapFlag.ANONYMOUS.bit;

    /** A test body given a world, an 8-page {@link TestFile}, a process and its shared read-write mapping of the file at {@code a}. */
    @FunctionalInterface
    interface MappedFileTest {
        void run(UserWorld w, TestFile f, Process p, long a);
    }

    /** Runs {@code test} with the first {@code length} bytes of a fresh 8-page TestFile mapped MAP_SHARED in one fresh process. */
    private static void withMappedFile(long length, MappedFileTest test) {
        try (UserWorld w = new UserWorld()) {
            TestFile f = new TestFile(w.machine, w.kernel.frames(), 8);
            Process p = w.processes.spawn();
            test.run(w, f, p, p.mmap(0, length, Prot.RW, SHARED, p.installFd(f), 0));
        }
    }

    @Test
    void partialMunmapSplitsWithOpenOnEachNewPieceAndCloseOnTheRemovedOne() {
        withMappedFile(4 * 4096, (w, f, p, a) -> {
            assertEquals(3, p.user().load(a + 3 * 4096, 1).value(), "file page 3 is filled with 3");
            Vma original = p.mm().find(a);
            assertEquals(0, p.munmap(a + 4096, 4096));
            assertEquals(List.of("mmap", "may_split", "open", "may_split", "open", "close"), f.calls);
            assertFalse(original.alive(), "__split_vma kept the original object for the middle piece");
            assertEquals(3, p.user().load(a + 3 * 4096, 1).value(), "the upper piece still shows file page 3");
            assertEquals(3, p.mm().find(a + 2 * 4096).pgoff() + 1, "vm_pgoff follows the split");
        });
    }

    @Test
    void maySplitRefusalLeavesTheMappingWhole() {
        withMappedFile(4 * 4096, (w, f, p, a) -> {
            f.maySplitAnswer = Errno.EINVAL.neg();
            assertEquals(Errno.EINVAL.neg(), p.munmap(a, 4096));
            assertEquals(Errno.EINVAL.neg(), p.mprotect(a + 4096, 4096, Prot.READ.bit));
            assertEquals(a + 4 * 4096, p.mm().find(a).end());
            assertEquals(0, f.count("open"));
        });
    }

    @Test
    void mremapMovesPtesAndCallsTheVmOpsMremapOnTheCopy() {
        withMappedFile(2 * 4096, (w, f, p, a) -> {
            p.user().store(a + 4096, 8, 0xABCD);
            long phys = p.mm().pageTable().walk(a + 4096).frame();
            long to = a - 0x10_0000;
            assertEquals(to, p.mremap(a, 2 * 4096, 2 * 4096, MremapFlag.MAYMOVE.bit | MremapFlag.FIXED.bit, to));
            assertEquals(List.of("mmap", "open", "mremap", "close"), f.calls);
            assertEquals(phys, p.mm().pageTable().walk(to + 4096).frame(), "move_page_tables carried the PTE");
            assertEquals(0xABCD, p.user().load(to + 4096, 8).value());
            assertEquals(new UserResult.Signaled(Signal.segvMaperr(a + 4096)), p.user().load(a + 4096, 8));
            assertEquals(1, w.kernel.frames().mapcount(phys));
        });
    }

    @Test
    void refusedVmOpsMremapMovesPtesBackAndUnmapsTheCopy() {
        withMappedFile(2 * 4096, (w, f, p, a) -> {
            f.mremapAnswer = Errno.EINVAL.neg();
            p.user().store(a, 8, 77);
            long to = a - 0x10_0000;
            assertEquals(Errno.EINVAL.neg(), p.mremap(a, 2 * 4096, 2 * 4096, MremapFlag.MAYMOVE.bit | MremapFlag.FIXED.bit, to));
            assertEquals(List.of("mmap", "open", "mremap", "close"), f.calls);
            assertTrue(p.mm().pageTable().walk(a).present(), "PTEs moved back");
            assertEquals(77, p.user().load(a, 8).value());
            assertEquals(null, p.mm().find(to));
        });
    }

    @Test
    void anonymousMremapGrowsInPlaceOrMovesWithItsContents() {
        UserWorld.withProcess(KernelEra.V6_13, (w, p) -> {
            long a = p.mmap(0, 4096, Prot.RW, ANON, -1, 0);
            p.user().store(a, 8, 11);
            long grown = p.mremap(a, 4096, 3 * 4096, 0, 0);
            assertEquals(a, grown, "nothing above: grows in place");
            assertEquals(11, p.user().load(a, 8).value());
            assertEquals(0, p.user().load(a + 2 * 4096, 8).value());
            long blocker = p.mmap(a + 3 * 4096, 4096, Prot.RW, ANON | MapFlag.FIXED.bit, -1, 0);
            assertEquals(a + 3 * 4096, blocker);
            assertEquals(Errno.ENOMEM.neg(), p.mremap(a, 3 * 4096, 4 * 4096, 0, 0), "cannot grow, may not move");
            long moved = p.mremap(a, 3 * 4096, 4 * 4096, MremapFlag.MAYMOVE.bit, 0);
            assertNotEquals(a, moved);
            assertEquals(11, p.user().load(moved, 8).value());
            assertEquals(new UserResult.Signaled(Signal.segvMaperr(a)), p.user().load(a, 8));
        });
    }

    @Test
    void forkCopiesAnonymousMemoryPrivatelyAndSharesFileMappingsThroughOpen() {
        try (UserWorld w = new UserWorld()) {
            TestFile f = new TestFile(w.machine, w.kernel.frames(), 8);
            Process parent = w.processes.spawn();
            long anon = parent.mmap(0, 4096, Prot.RW, ANON, -1, 0);
            long file = parent.mmap(0, 4096, Prot.RW, SHARED, parent.installFd(f), 0);
            parent.user().store(anon, 8, 1);
            parent.user().store(file, 8, 2);
            Process child = parent.fork();
            assertEquals(1, f.count("open"));
            assertEquals(1, child.user().load(anon, 8).value());
            child.user().store(anon, 8, 10);
            assertEquals(1, parent.user().load(anon, 8).value(), "private: the child's write stays in the child");
            child.user().store(file, 8, 20);
            assertEquals(20, parent.user().load(file, 8).value(), "shared: one page");
            long anonBefore = w.processes.anonBytesInUse();
            child.exit();
            assertEquals(1, f.count("close"));
            assertTrue(parent.mm().find(file).alive());
            assertEquals(1, parent.user().load(anon, 8).value());
            assertTrue(w.processes.anonBytesInUse() < anonBefore, "the child's anonymous memory went back to the pool");
        }
    }

    @Test
    void faultResultsBecomeSignalsOrRetries() {
        withMappedFile(4096, (w, f, p, a) -> {
            f.faultOverride = VmFaultResult.SIGBUS;
            assertEquals(new UserResult.Signaled(Signal.busAdrerr(a + 8)), p.user().load(a + 8, 8));
            f.faultOverride = VmFaultResult.SIGSEGV;
            assertEquals(new UserResult.Signaled(Signal.segvMaperr(a)), p.user().store(a, 8, 1));
            f.faultOverride = VmFaultResult.RETRY;
            assertEquals(new UserResult.OutOfBudget(RunResult.Limit.FAULTS, p.user().load(a, 8) instanceof UserResult.OutOfBudget o ? o.rip() : -1),
                p.user().load(a, 8), "VM_FAULT_RETRY forever: the fault budget stops it");
            f.faultOverride = null;
            assertEquals(0, p.user().load(a + 8, 8).value());
        });
    }

    @Test
    void userCodeCanMapMemoryWithTheSyscallInstructionAndExit() {
        UserWorld.withProcess(KernelEra.V6_13, (w, p) -> {
            // mmap(0, 4096, RW, PRIVATE|ANON, -1, 0); *(u64*)rax = 1234; exit(*(u64*)rax)
            byte[] code = {
                0x31, (byte) 0xFF,                                  // xor edi, edi
                (byte) 0xBE, 0x00, 0x10, 0x00, 0x00,                // mov esi, 4096
                (byte) 0xBA, 0x03, 0x00, 0x00, 0x00,                // mov edx, 3
                0x41, (byte) 0xBA, 0x22, 0x00, 0x00, 0x00,          // mov r10d, 0x22
                0x49, (byte) 0xC7, (byte) 0xC0, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, // mov r8, -1
                0x45, 0x31, (byte) 0xC9,                            // xor r9d, r9d
                (byte) 0xB8, 0x09, 0x00, 0x00, 0x00,                // mov eax, 9
                0x0F, 0x05,                                         // syscall
                0x48, (byte) 0xC7, 0x00, (byte) 0xD2, 0x04, 0x00, 0x00, // mov qword [rax], 1234
                0x48, (byte) 0x8B, 0x38,                            // mov rdi, [rax]
                (byte) 0xB8, 0x3C, 0x00, 0x00, 0x00,                // mov eax, 60
                0x0F, 0x05};                                        // syscall
            long entry = p.loadCode(code);
            int before = p.mm().vmas().size();
            assertEquals(new UserResult.Exited(1234), p.call(entry, Budget.DEFAULT));
            assertEquals(before + 1, p.mm().vmas().size());
        });
    }

    @Test
    void runawayAndIllegalUserCodeEndWithoutHurtingTheProcess() {
        UserWorld.withProcess(KernelEra.V6_13, (w, p) -> {
            long loop = p.loadCode(new byte[] {(byte) 0xEB, (byte) 0xFE});        // jmp $
            UserResult r = p.call(loop, new Budget(100_000, 0, 100));
            assertTrue(r instanceof UserResult.OutOfBudget o && o.limit() == RunResult.Limit.INSTRUCTIONS, r.toString());
            long ud = p.loadCode(new byte[] {0x0F, 0x0B});                        // ud2
            assertEquals(new UserResult.Signaled(new Signal(Signal.SIGILL, Signal.ILL_ILLOPN, ud)), p.call(ud, Budget.DEFAULT));
            long div = p.loadCode(new byte[] {0x31, (byte) 0xC9, (byte) 0xF7, (byte) 0xF1});   // xor ecx, ecx; div ecx
            assertEquals(new UserResult.Signaled(new Signal(Signal.SIGFPE, Signal.FPE_INTDIV, div + 2)), p.call(div, Budget.DEFAULT));
            assertEquals(2, p.signals().size());
            long a = p.mmap(0, 4096, Prot.RW, ANON, -1, 0);
            assertEquals(0, p.user().load(a, 8).value(), "the process still works");
        });
    }

    @Test
    void exitClosesEverythingAndReturnsOnlyTheProcessPageTables() {
        try (UserWorld w = new UserWorld()) {
            KernelAccessFree k = new KernelAccessFree(w);
            int tablesBefore = w.machine.kernelPageTable().pool().pagesInUse();
            TestFile f = new TestFile(w.machine, w.kernel.frames(), 8);
            Process p = w.processes.spawn();
            long a = p.mmap(0, 2 * 4096, Prot.RW, SHARED, p.installFd(f), 0);
            p.user().store(a, 8, 1);
            k.touchKernelHalf();
            long phys = p.mm().pageTable().walk(a).frame();
            p.exit();
            assertEquals(1, f.count("close"));
            assertEquals(0, w.kernel.frames().mapcount(phys));
            assertEquals(1, w.kernel.frames().refcount(phys), "only the file's own reference is left");
            assertEquals(tablesBefore, w.machine.kernelPageTable().pool().pagesInUse(), "the shared kernel half survives exit");
            Process q = w.processes.spawn();
            long b = q.mmap(0, 4096, Prot.RW, ANON, -1, 0);
            assertEquals(0, q.user().load(b, 8).value());
            q.exit();
        }
    }

    /** Walks the kernel half from the kernel CPU, which sets A in the kernel's upper PML4 slots. */
    private record KernelAccessFree(UserWorld w) {
        void touchKernelHalf() {
            var cpu = w.machine.kernelCpu();
            var stub = w.machine.stubs().kernel(new byte[] {0x48, (byte) 0x8B, 0x07});   // mov rax, [rdi]
            cpu.reg(dev.arenaemu.emulator.x86.X86Reg.RDI, cpu.kernelStackBottom());
            assertSame(RunResult.Returned.class, cpu.run(stub.address(), stub.end(), Budget.SHORT).getClass());
        }
    }

    @Test
    void topDownPlacementHonoursFreeHintsAndStacksMappingsDownwards() {
        UserWorld.withProcess(KernelEra.V6_13, (w, p) -> {
            long a = p.mmap(0, 4096, Prot.RW, ANON, -1, 0);
            long b = p.mmap(0, 8192, Prot.RW, ANON, -1, 0);
            assertEquals(Mm.MMAP_BASE - 4096, a);
            assertEquals(a - 8192, b);
            long hinted = p.mmap(0x5000_0000_0000L, 4096, Prot.RW, ANON, -1, 0);
            assertEquals(0x5000_0000_0000L, hinted);
            long clash = p.mmap(a, 4096, Prot.RW, ANON, -1, 0);
            assertEquals(b - 4096, clash, "an occupied hint falls back to the top-down search");
        });
    }

    @Test
    void snapshotListsVmasAndPresentUserPtes() {
        try (UserWorld w = new UserWorld()) {
            TestFile f = new TestFile(w.machine, w.kernel.frames(), 8);
            Process p = w.processes.spawn();
            long a = p.mmap(0, 2 * 4096, Prot.READ.bit, SHARED, p.installFd(f), 0);
            p.user().load(a + 4096, 8);
            var snap = p.mm().snapshot();
            var vma = snap.vmas().stream().filter(v -> v.file() == f).findFirst().orElseThrow();
            assertEquals(a, vma.start());
            assertEquals(a + 2 * 4096, vma.end());
            assertEquals(List.of(new dev.arenaemu.user.mm.MmSnapshot.PteView(a + 4096, f.pageCache.get(1L), false)),
                snap.ptes().stream().filter(pte -> pte.va() >= a && pte.va() < a + 2 * 4096).toList());
        }
    }

    @Test
    void anExitedProcessRefusesFurtherWorkInsteadOfTouchingAClosedEngine() {
        UserWorld.withProcess(KernelEra.V6_13, (w, p) -> {
            long a = p.mmap(0, 4096, Prot.RW, ANON, -1, 0);
            var user = p.user();
            p.exit();
            org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, () -> user.load(a, 8));
            org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, () -> p.mmap(0, 4096, Prot.RW, ANON, -1, 0));
            org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, () -> p.uaccess().fromUser(a, 8));
            assertEquals(0, w.processes.anonBytesInUse(), "the stack and the mapping went back to the pool");
        });
    }

    @Test
    void sharedAnonymousMemoryStaysSharedAcrossForkSplitAndMoveUntilTheLastMappingGoes() {
        try (UserWorld w = new UserWorld()) {
            long shared = MapFlag.SHARED.bit | MapFlag.ANONYMOUS.bit;
            Process parent = w.processes.spawn();
            long before = w.processes.anonBytesInUse();
            long a = parent.mmap(0, 4 * 4096, Prot.RW, shared, -1, 0);
            Process child = parent.fork();
            child.user().store(a + 3 * 4096, 8, 42);
            assertEquals(42, parent.user().load(a + 3 * 4096, 8).value(), "one shmem object behind both");
            assertEquals(0, parent.munmap(a, 4096), "a split piece keeps the object alive");
            parent.user().store(a + 4096, 8, 7);
            assertEquals(7, child.user().load(a + 4096, 8).value());
            long to = a - 0x10_0000;
            assertEquals(to, child.mremap(a + 4096, 3 * 4096, 3 * 4096, MremapFlag.MAYMOVE.bit | MremapFlag.FIXED.bit, to));
            assertEquals(42, child.user().load(to + 2 * 4096, 8).value(), "moved with its pages");
            child.user().store(to, 8, 9);
            assertEquals(9, parent.user().load(a + 4096, 8).value(), "still the same object after the move");
            child.exit();
            parent.exit();
            assertEquals(before - Process.STACK_SIZE, w.processes.anonBytesInUse(), "the object went with its last mapping");
        }
    }
}
