package dev.arenaemu.kernel.bpf.jit;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.random.RandomGenerator;

/**
 * Coverage-guided version of {@link JitInterpreterDifferentialTest} (docs/fuzzing.md): the
 * fuzzer's bytes make every choice of the program generator ({@link RandomPrograms}), so
 * coverage of the JIT, the interpreter and the fault path steers which programs are tried.
 * Contract: the JIT run in Unicorn and the interpreter agree on R0, the main stack, the arena
 * bytes and the stderr reports.
 */
class JitDifferentialFuzzTest {
    @FuzzTest(maxDuration = "2m")
    void anyProgram(FuzzedDataProvider data) {
        long arenaSeed = data.consumeLong();
        JitInterpreterDifferentialTest.Case c = JitInterpreterDifferentialTest.Case.of(new Choices(data), arenaSeed);
        JitInterpreterDifferentialTest.check(JitInterpreterDifferentialTest.rig(), c);
    }

    /** The generator's choices read from the fuzzer's input; an exhausted input reads as zeros. */
    private record Choices(FuzzedDataProvider data) implements RandomGenerator {
        @Override
        public long nextLong() {
            return data.consumeLong();
        }

        @Override
        public int nextInt() {
            return data.consumeInt();
        }

        @Override
        public int nextInt(int bound) {
            return data.consumeInt(0, bound - 1);
        }

        @Override
        public boolean nextBoolean() {
            return data.consumeBoolean();
        }
    }
}
