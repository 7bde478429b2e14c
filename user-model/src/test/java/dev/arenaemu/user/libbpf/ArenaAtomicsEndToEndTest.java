package dev.arenaemu.user.libbpf;

import dev.arenaemu.kernel.Errno;
import dev.arenaemu.kernel.KernelEra;
import org.junit.jupiter.api.Test;

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
    /** What prog_tests/arena_atomics.c checks after the subtests ran, one line a subtest: global=value. */
    private static final String EXPECTED = """
        add64_value=3 add64_result=1 add32_value=3 add32_result=1 add_stack_value_copy=3 add_stack_result=1 add_noreturn_value=3
        sub64_value=-1 sub64_result=1 sub32_value=-1 sub32_result=1
        and64_value=0x1000000000 and32_value=0x010 or64_value=0x11100000000 or32_value=0x111 xor64_value=0x10100000000 xor32_value=0x101
        cmpxchg64_value=2 cmpxchg64_result_fail=1 cmpxchg64_result_succeed=1 cmpxchg32_value=2 cmpxchg32_result_fail=1 cmpxchg32_result_succeed=1
        xchg64_value=2 xchg64_result=1 xchg32_value=2 xchg32_result=1
        """.strip();

    @ErasWithArenaAtomics
    void arenaAtomics_everySubtestGivesTheSelftestValues(KernelEra era) throws Exception {
        try (LibbpfWorld w = new LibbpfWorld(era)) {
            BpfSkeleton skel = w.load("arena_atomics.bpf.c", OpenOptions.DEFAULT, "and_fetch_rejected");
            for (String p : new String[] {"add", "sub", "and", "or", "xor", "cmpxchg", "xchg"}) {
                assertEquals(0, skel.program(p).testRun().r0(), p);
            }
            for (String expected : EXPECTED.split("\\s+")) {
                String name = expected.substring(0, expected.indexOf('='));
                long value = Long.decode(expected.substring(name.length() + 1));
                // the 32-bit globals are compared as the u32 the selftest reads
                if (name.contains("32")) assertEquals(value & 0xFFFF_FFFFL, u32(w, skel, name), name);
                else assertEquals(value, u64(w, skel, name), name);
            }
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
