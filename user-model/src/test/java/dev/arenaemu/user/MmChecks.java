package dev.arenaemu.user;

import dev.arenaemu.emulator.ffm.Unicorn;
import dev.arenaemu.emulator.memory.PhysicalMemory;
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
     * VMAs sorted and disjoint; each VMA exactly one Unicorn region and each user region a VMA;
     * every present PTE inside an accessible VMA, with RW iff VM_WRITE.
     */
    static void consistent(Mm mm) {
        List<Vma> vmas = mm.vmas();
        for (int i = 1; i < vmas.size(); i++) assertTrue(vmas.get(i - 1).end() <= vmas.get(i).start(), "overlapping VMAs " + vmas);
        List<Unicorn.Region> regions = mm.cpu().regions();
        for (Vma v : vmas) {
            assertTrue(regions.stream().anyMatch(r -> r.begin() == v.start() && r.end() == v.end() - 1),
                "no region for " + v + " in " + regions);
        }
        for (Unicorn.Region r : regions) {
            boolean user = Long.compareUnsigned(r.begin(), Mm.TASK_SIZE) < 0;
            boolean physical = PhysicalMemory.inWindow(r.begin(), r.end() - r.begin() + 1);
            if (user && !physical) {
                assertTrue(vmas.stream().anyMatch(v -> v.start() == r.begin() && v.end() - 1 == r.end()),
                    "a user region without its VMA: " + r + " (VMAs " + vmas + ")");
            }
        }
        for (var pte : mm.snapshot().ptes()) {
            Vma v = mm.find(pte.va());
            assertTrue(v != null, "PTE outside every VMA at 0x" + Long.toHexString(pte.va()));
            assertTrue((v.flags() & (VmFlag.READ.bit | VmFlag.WRITE.bit | VmFlag.EXEC.bit)) != 0, "PTE in an inaccessible VMA " + v);
            assertEquals(v.has(VmFlag.WRITE), pte.writable(), "RW bit of 0x" + Long.toHexString(pte.va()) + " in " + v);
        }
    }
}
