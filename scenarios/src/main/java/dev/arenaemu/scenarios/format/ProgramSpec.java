package dev.arenaemu.scenarios.format;

import java.nio.file.Path;

/**
 * A BPF program a scenario runs: inline assembler text, or a path (relative to the scenario
 * file) to a {@code .c} source compiled with clang-19 or a prebuilt {@code .bpf.o}.
 * {@code section} picks the program inside an object; {@code sleepable} is SEC("syscall") vs
 * a non-sleepable type (docs/semantics.md#kfuncs, E4 call-site specialisation). {@code jit} false loads it
 * without prog->jit_requested (the interpreter only), which an arena program cannot use.
 */
public record ProgramSpec(Where where, String name, String asm, Path file, String section, boolean sleepable, boolean jit) {
    public boolean inline() {
        return asm != null;
    }
}
