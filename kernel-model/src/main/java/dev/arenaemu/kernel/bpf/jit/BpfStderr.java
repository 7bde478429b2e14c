package dev.arenaemu.kernel.bpf.jit;

import java.util.ArrayList;
import java.util.List;

/**
 * A loaded program's BPF_STDERR stream: the reports its fault paths write (v6.18
 * {@code bpf_prog_report_arena_violation}). Kernel CPUs may append while a test-run reader copies,
 * hence the lock. Equal only to itself, so the program holding it keeps identity semantics. Read
 * and written through {@link LoadedProgram#stderr()} and {@link LoadedProgram#reportToStderr}.
 */
public final class BpfStderr {
    private final List<String> lines = new ArrayList<>();

    synchronized void append(String line) {
        lines.add(line);
    }

    synchronized List<String> lines() {
        return List.copyOf(lines);
    }
}
