package dev.arenaemu.user.libbpf;

import dev.arenaemu.kernel.KernelEra;
import dev.arenaemu.kernel.bpf.TestRunResult;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/**
 * The exception-table fixup (docs/semantics.md#exception-table), catalogue 58–60 through libbpf and
 * the JIT: arena_fixups' unpopulated_access writes and reads a page past its 2-page allocation and
 * the page below it, does a fetch-add on the unpopulated page, then reads its own pages after
 * freeing them. Loads give 0, stores and the atomic are dropped, the program completes, and every
 * faulting access is reported on the program's stderr with the user address (v6.18 ex_handler_bpf
 * report; v6.13 fixes up silently).
 */
class ArenaFixupsEndToEndTest {
    @ErasWithArenaAtomics
    void arenaFixups_unpopulatedLoadsGiveZeroStoresAreDroppedAndReported(KernelEra era) throws Exception {
        try (LibbpfWorld w = new LibbpfWorld(era)) {
            // sign_extending_load needs v6.18+'s PROBE_MEM32SX; it is not what this test is about
            BpfSkeleton skel = w.load("arena_fixups.bpf.c", OpenOptions.DEFAULT, "sign_extending_load");
            long base = skel.arenaBase();
            TestRunResult r = skel.program("unpopulated_access").testRun();
            TestRunResult.Returned ret = assertInstanceOf(TestRunResult.Returned.class, r, r::toString);
            assertEquals(0, ret.r0(), "return codes 2, 3, 4 name the check that failed");

            // clang folds p0 = page1 - 4096 into the access's s16 offset: the JIT reaches
            // kern_vm_start - 4096, the lower guard, and the report's 64-bit sum is base - 4096
            long p1 = base, p3 = base + 2 * 4096, p0 = base - 4096;
            List<String> errors = ret.stderr().stream().map(l -> l.lines().findFirst().orElseThrow()).toList();
            if (!era.reportsArenaFaults()) {
                assertEquals(List.of(), errors, "before v6.18 the fixups are silent");
                skel.destroy();
                return;
            }
            assertEquals(List.of(
                write(p3), write(p0),                 // *p3 = 3; *p0 = 4
                read(p3), read(p0),                   // *p3 != 0 || *p0 != 0
                write(p3),                            // fetch_add on the unpopulated page
                read(p1), read(p1 + 4096)),           // after bpf_arena_free_pages
                errors);
            assertEquals("Call trace:", ret.stderr().getFirst().lines().skip(1).findFirst().orElseThrow());
            skel.destroy();
        }
    }

    private static String read(long address) {
        return String.format("ERROR: Arena READ access at unmapped address 0x%x", address);
    }

    private static String write(long address) {
        return String.format("ERROR: Arena WRITE access at unmapped address 0x%x", address);
    }
}
