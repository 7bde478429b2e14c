package dev.arenaemu.user;

import dev.arenaemu.emulator.paging.Pte;
import dev.arenaemu.kernel.KernelEra;
import dev.arenaemu.kernel.Errno;
import dev.arenaemu.user.exec.UserResult;
import dev.arenaemu.user.mm.MapFlag;
import dev.arenaemu.user.mm.Mm;
import dev.arenaemu.user.mm.Prot;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Anonymous private memory: top-down placement, zero fill on first touch, and the access checks of do_user_addr_fault. */
class AnonymousMemoryTest {
    private static final long ANON = MapFlag.PRIVATE.bit | MapFlag.ANONYMOUS.bit;

    @Test
    void firstMappingGoesJustBelowMmapBaseAndReadsZeroThenWhatWasStored() {
        UserWorld.withProcess(KernelEra.V6_13, (w, p) -> {
            long a = p.mmap(0, 3 * 4096, Prot.RW, ANON, -1, 0);
            assertEquals(Mm.MMAP_BASE - 3 * 4096, a);
            assertEquals(new UserResult.Value(0), p.user().load(a + 4096, 8));
            assertEquals(new UserResult.Value(0), p.user().store(a + 4096 + 8, 8, 0x1122_3344_5566_7788L));
            assertEquals(new UserResult.Value(0x1122_3344_5566_7788L), p.user().load(a + 4096 + 8, 8));
            assertEquals(new UserResult.Value(0x88), p.user().load(a + 4096 + 8, 1));
            assertEquals(new UserResult.Value(0x7788), p.user().load(a + 4096 + 8, 2));
            assertEquals(new UserResult.Value(0x5566_7788), p.user().load(a + 4096 + 8, 4));
            Pte pte = p.mm().pageTable().walk(a + 4096);
            assertTrue(pte.present() && pte.user() && pte.writable(), pte.toString());
            assertFalse(p.mm().pageTable().walk(a).present(), "untouched pages have no PTE");
        });
    }

    @Test
    void accessWithoutVmaIsSegvMaperrAndTheAccessStops() {
        UserWorld.withProcess(KernelEra.V6_13, (w, p) -> {
            long a = p.mmap(0, 4096, Prot.RW, ANON, -1, 0);
            assertEquals(0, p.munmap(a, 4096));
            UserResult r = p.user().load(a, 4);
            assertEquals(new UserResult.Signaled(Signal.segvMaperr(a)), r);
            assertEquals(new UserResult.Signaled(Signal.segvMaperr(0x10)), p.user().store(0x10, 1, 1));
        });
    }

    @Test
    void writeToReadOnlyAndReadOfProtNoneAreSegvAccerr() {
        UserWorld.withProcess(KernelEra.V6_13, (w, p) -> {
            long a = p.mmap(0, 2 * 4096, Prot.RW, ANON, -1, 0);
            assertEquals(new UserResult.Value(0), p.user().store(a, 4, 77));
            assertEquals(0, p.mprotect(a, 4096, Prot.READ.bit));
            assertEquals(new UserResult.Signaled(Signal.segvAccerr(a)), p.user().store(a, 4, 1));
            assertEquals(new UserResult.Value(77), p.user().load(a, 4));
            assertEquals(3, p.mm().vmas().size(), "mprotect split the mapping in two (plus the stack)");
            assertEquals(0, p.mprotect(a, 4096, Prot.NONE));
            assertEquals(new UserResult.Signaled(Signal.segvAccerr(a)), p.user().load(a, 4));
            assertEquals(0, p.mprotect(a, 4096, Prot.RW));
            assertEquals(new UserResult.Value(77), p.user().load(a, 4), "contents survive PROT_NONE");
        });
    }

    @Test
    void downgradesOfAWholeVmaReachTheTlb() {
        UserWorld.withProcess(KernelEra.V6_13, (w, p) -> {
            long a = p.mmap(0, 4096, Prot.RW, ANON, -1, 0);
            assertEquals(new UserResult.Value(0), p.user().store(a, 8, 3));
            assertEquals(new UserResult.Value(3), p.user().load(a, 8), "the translation is cached now");
            assertEquals(0, p.mprotect(a, 4096, Prot.READ.bit));
            assertEquals(new UserResult.Signaled(Signal.segvAccerr(a)), p.user().store(a, 8, 4));
            assertEquals(new UserResult.Value(3), p.user().load(a, 8));
            assertEquals(0, p.mprotect(a, 4096, Prot.NONE), "no split: no region change flushes for us");
            assertEquals(new UserResult.Signaled(Signal.segvAccerr(a)), p.user().load(a, 8));
        });
    }

    @Test
    void anAccessStraddlingTheEndOfAMappingIsSegvMaperr() {
        UserWorld.withProcess(KernelEra.V6_13, (w, p) -> {
            long a = p.mmap(0, 4096, Prot.RW, ANON, -1, 0);
            p.user().store(a, 8, 1);
            assertEquals(new UserResult.Signaled(Signal.segvMaperr(a + 4096)), p.user().load(a + 4096 - 4, 8),
                "si_addr is the first byte without a mapping, as CR2 would be");
        });
    }

    @Test
    void userCodeRunsAtCpl3WithRegisterArgumentsAndExits() {
        UserWorld.withProcess(KernelEra.V6_13, (w, p) -> {
            // lea rax, [rdi + rsi]; ret
            long code = p.loadCode(new byte[] {0x48, (byte) 0x8D, 0x04, 0x37, (byte) 0xC3});
            assertFalse(Errno.isErrValue(code), Errno.describe(code));
            assertEquals(new UserResult.Exited(42), p.call(code, dev.arenaemu.emulator.cpu.Budget.DEFAULT, 40, 2));
            assertEquals(3, p.cpu().cpl());
        });
    }
}
