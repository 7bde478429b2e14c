package dev.arenaemu.kernel.bpf.jit;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * A JIT image placed in the kernel module area: where it lives, its exception table in absolute
 * addresses, and the program's BPF stderr stream (arena fault reports, v6.18
 * {@code bpf_prog_report_arena_violation}).
 */
public final class LoadedProgram {
    private final String name;
    private final JitImage image;
    private final long address;
    private final int reservedSize;
    private final List<String> stderr = Collections.synchronizedList(new ArrayList<>());

    LoadedProgram(String name, JitImage image, long address, int reservedSize) {
        this.name = name;
        this.image = image;
        this.address = address;
        this.reservedSize = reservedSize;
    }

    public String name() { return name; }
    public JitImage image() { return image; }
    /** The entry point (function 0). */
    public long address() { return address; }
    public long end() { return address + image.code().length; }
    int reservedSize() { return reservedSize; }

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
        synchronized (stderr) {
            return List.copyOf(stderr);
        }
    }

    /** Appends a line to the program's stderr stream (the fault paths report here). */
    public void reportToStderr(String line) {
        stderr.add(line);
    }

    @Override
    public String toString() {
        return String.format("%s@0x%x(+%d)", name, address, image.code().length);
    }
}
