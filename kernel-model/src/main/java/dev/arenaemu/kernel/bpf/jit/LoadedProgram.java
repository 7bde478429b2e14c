package dev.arenaemu.kernel.bpf.jit;

import java.util.List;
import java.util.Optional;

/**
 * A JIT image placed in the kernel module area: where it lives, its exception table in absolute
 * addresses, and the program's BPF stderr stream (arena fault reports, v6.18
 * {@code bpf_prog_report_arena_violation}).
 */
public record LoadedProgram(String name, JitImage image, long address, int reservedSize, BpfStderr stderrStream) {
    /** {@code address} is the entry point (function 0); {@code reservedSize} the bytes reserved in the module area. */
    LoadedProgram(String name, JitImage image, long address, int reservedSize) {
        this(name, image, address, reservedSize, new BpfStderr());
    }

    public long end() { return address + image.code().length; }

    public boolean contains(long rip) {
        return rip >= address && rip < end();
    }

    /** The exception-table entry for a faulting instruction at {@code rip}, if it has one. */
    public Optional<ExceptionTableEntry> exceptionEntry(long rip) {
        long offset = rip - address;
        for (ExceptionTableEntry e : image.extable()) if (e.insnOffset() == offset) return Optional.of(e);
        return Optional.empty();
    }

    /** Reports written to the program's BPF_STDERR stream, oldest first (each starts with its ERROR line). */
    public List<String> stderr() {
        return stderrStream.lines();
    }

    /** Appends a line to the program's stderr stream (the fault paths report here). */
    public void reportToStderr(String line) {
        stderrStream.append(line);
    }

    @Override
    public String toString() {
        return String.format("%s@0x%x(+%d)", name, address, image.code().length);
    }
}
