package dev.arenaemu.user;

import dev.arenaemu.emulator.paging.PteFlag;
import dev.arenaemu.kernel.mm.VmFlag;
import dev.arenaemu.user.mm.Mm;
import dev.arenaemu.user.mm.Vma;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Structural invariants of one address space, checked after every step of the randomised tests. */
final class MmChecks {
    private MmChecks() {}

    /**
     * VMAs sorted and disjoint; every present PTE inside an accessible VMA, with RW iff VM_WRITE
     * and NX iff not VM_EXEC.
     */
    static void consistent(Mm mm) {
        List<Vma> vmas = mm.vmas();
        for (int i = 1; i < vmas.size(); i++) assertTrue(vmas.get(i - 1).end() <= vmas.get(i).start(), "overlapping VMAs " + vmas);
        for (var pte : mm.snapshot().ptes()) {
            Vma v = mm.find(pte.va());
            assertTrue(v != null, "PTE outside every VMA at 0x" + Long.toHexString(pte.va()));
            assertTrue((v.flags() & (VmFlag.READ.bit | VmFlag.WRITE.bit | VmFlag.EXEC.bit)) != 0, "PTE in an inaccessible VMA " + v);
            assertEquals(v.has(VmFlag.WRITE), pte.writable(), "RW bit of 0x" + Long.toHexString(pte.va()) + " in " + v);
            long e = mm.pageTable().entry(pte.va());
            assertEquals(!v.has(VmFlag.EXEC), (e & PteFlag.NX) != 0, "NX bit of 0x" + Long.toHexString(pte.va()) + " in " + v);
        }
    }
}
