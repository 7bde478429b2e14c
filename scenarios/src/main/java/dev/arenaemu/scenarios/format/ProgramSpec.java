package dev.arenaemu.scenarios.format;

import java.nio.file.Path;
import java.util.List;

/**
 * A BPF program a scenario runs: inline assembler text, or a path (relative to the scenario
 * file) to a {@code .c} source compiled with clang-19 or a prebuilt {@code .bpf.o}.
 * {@code section} picks the program inside an object; {@code sleepable} is SEC("syscall") vs
 * a non-sleepable type (docs/semantics.md#kfuncs, E4 call-site specialisation). {@code jit} false loads it
 * without prog->jit_requested (the interpreter only), which an arena program cannot use.
 * {@code mcpu} is clang's -mcpu for a {@code .c} source (v4 unless the scenario says v3 or v2);
 * programs naming the same file with the same mcpu come from one object, opened once.
 */
public record ProgramSpec(Where where, String name, String asm, Path file, String section, boolean sleepable, boolean jit, String mcpu) {
    /** The -mcpu values a scenario may ask for; v4 is the default. */
    public static final List<String> MCPUS = List.of("v2", "v3", "v4");

    public ProgramSpec(Where where, String name, String asm, Path file, String section, boolean sleepable, boolean jit) {
        this(where, name, asm, file, section, sleepable, jit, "v4");
    }

    public boolean inline() {
        return asm != null;
    }

    /** What identifies the object this program comes from: programs with the same key share one libbpf open. */
    public String objectKey() {
        return file + " -mcpu=" + mcpu;
    }
}
