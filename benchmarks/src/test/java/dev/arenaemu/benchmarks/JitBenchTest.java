package dev.arenaemu.benchmarks;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** JitBench measures what it claims: the counted JIT run, the uncounted one and the interpreter build the same list. */
class JitBenchTest {
    @Test
    void theThreeListBuildsAgree() {
        JitBench b = new JitBench();
        b.boot();
        try {
            long jit = b.listBuild1000Jit();
            assertEquals(jit, b.listBuild1000JitNoCount());
            assertEquals(jit, b.listBuild1000Interpreter());
        } finally {
            b.shutdown();
        }
    }
}
