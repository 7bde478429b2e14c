package dev.arenaemu.user.libbpf;

import dev.arenaemu.kernel.Errno;
import dev.arenaemu.kernel.KernelEra;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Selftest 12-6 (prog_tests/arena_atomics.c, docs/scenario-catalogue.md#12-6-arena_atomics): every
 * subtest's program runs JIT'd on the globals libbpf placed in the arena; user space reads the
 * results from the mapping at CPL3. and_fetch_rejected has autoload off, as the selftest's
 * __failure programs are not loaded.
 */
class ArenaAtomicsEndToEndTest {
    @ParameterizedTest
    @EnumSource(KernelEra.class)
    void arenaAtomics_everySubtestGivesTheSelftestValues(KernelEra era) throws Exception {
        try (LibbpfWorld w = new LibbpfWorld(era)) {
            BpfSkeleton skel = w.load("arena_atomics.bpf.c", OpenOptions.DEFAULT, "and_fetch_rejected");
            for (String p : new String[] {"add", "sub", "and", "or", "xor", "cmpxchg", "xchg"}) {
                assertEquals(0, skel.program(p).testRun().r0(), p);
            }
            // add
            assertEquals(3, u64(w, skel, "add64_value"));
            assertEquals(1, u64(w, skel, "add64_result"));
            assertEquals(3, u32(w, skel, "add32_value"));
            assertEquals(1, u32(w, skel, "add32_result"));
            assertEquals(3, u64(w, skel, "add_stack_value_copy"));
            assertEquals(1, u64(w, skel, "add_stack_result"));
            assertEquals(3, u64(w, skel, "add_noreturn_value"));
            // sub
            assertEquals(-1, u64(w, skel, "sub64_value"));
            assertEquals(1, u64(w, skel, "sub64_result"));
            assertEquals(-1, (int) u32(w, skel, "sub32_value"));
            assertEquals(1, u32(w, skel, "sub32_result"));
            // and / or / xor
            assertEquals(0x010L << 32, u64(w, skel, "and64_value"));
            assertEquals(0x010, u32(w, skel, "and32_value"));
            assertEquals(0x111L << 32, u64(w, skel, "or64_value"));
            assertEquals(0x111, u32(w, skel, "or32_value"));
            assertEquals(0x101L << 32, u64(w, skel, "xor64_value"));
            assertEquals(0x101, u32(w, skel, "xor32_value"));
            // cmpxchg
            assertEquals(2, u64(w, skel, "cmpxchg64_value"));
            assertEquals(1, u64(w, skel, "cmpxchg64_result_fail"));
            assertEquals(1, u64(w, skel, "cmpxchg64_result_succeed"));
            assertEquals(2, u32(w, skel, "cmpxchg32_value"));
            assertEquals(1, u32(w, skel, "cmpxchg32_result_fail"));
            assertEquals(1, u32(w, skel, "cmpxchg32_result_succeed"));
            // xchg
            assertEquals(2, u64(w, skel, "xchg64_value"));
            assertEquals(1, u64(w, skel, "xchg64_result"));
            assertEquals(2, u32(w, skel, "xchg32_value"));
            assertEquals(1, u32(w, skel, "xchg32_result"));
            skel.destroy();
        }
    }

    /** Catalogue 27 through the real load path: with autoload on, the object does not load. */
    @Test
    void scenario27_fetchAndOnArenaFailsTheWholeObjectLoad() throws Exception {
        try (LibbpfWorld w = new LibbpfWorld(KernelEra.LATEST)) {
            LibbpfException e = assertThrows(LibbpfException.class, () -> w.load("arena_atomics.bpf.c", OpenOptions.DEFAULT));
            assertEquals(Errno.EACCES, e.errno());
            assertTrue(e.getMessage().contains("prog 'and_fetch_rejected'") && e.getMessage().contains("BPF_ATOMIC stores into R"), e.getMessage());
            assertTrue(w.bpf.maps().isEmpty(), "the failed load released every map it created");
            assertTrue(w.user.mm().vmas().stream().noneMatch(v -> v.start() == 1L << 44), "and unmapped the arena");
        }
    }

    private static long u64(LibbpfWorld w, BpfSkeleton skel, String name) {
        return w.user.user().load(skel.arenaGlobal(name), 8).value();
    }

    private static long u32(LibbpfWorld w, BpfSkeleton skel, String name) {
        return w.user.user().load(skel.arenaGlobal(name), 4).value() & 0xFFFF_FFFFL;
    }
}
