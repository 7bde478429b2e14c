package dev.arenaemu.kernel.bpf.elf;

import java.util.List;
import java.util.Optional;

/**
 * A global-data section with its initial image: .bss (all zero), .data, .rodata (and their
 * ".name" suffixed variants), or .addr_space.1 holding the {@code __arena} globals. The
 * variables list is what a skeleton would expose (name, offset and size inside the section);
 * {@code spinLockOffset} is where the section's BTF places a {@code struct bpf_spin_lock} variable
 * (what the internal map's value record gets at BPF_MAP_CREATE), or {@link #NO_SPIN_LOCK}.
 */
public record DataSection(String name, long size, byte[] image, boolean readOnly, List<Variable> variables, long spinLockOffset) {
    public static final String ARENA = ".addr_space.1";
    /** {@link #spinLockOffset()} of a section without a struct bpf_spin_lock variable. */
    public static final long NO_SPIN_LOCK = -1;

    /** A global variable of the section (an STT_OBJECT symbol). */
    public record Variable(String name, long offset, long size) {}

    public DataSection {
        image = image.clone();
        variables = List.copyOf(variables);
    }

    @Override
    public byte[] image() {
        return image.clone();
    }

    public boolean isArena() { return name.equals(ARENA); }

    public Optional<Variable> variable(String varName) {
        return variables.stream().filter(v -> v.name().equals(varName)).findFirst();
    }
}
