package dev.arenaemu.user.libbpf;

import dev.arenaemu.kernel.bpf.ProgLoadAttr;
import dev.arenaemu.kernel.bpf.elf.ArenaGlobalsPlacement;

/**
 * What differs between libbpf versions and load settings: where the {@code __arena} globals go
 * (offset 0 before libbpf's Dec 2025 change, end of the arena after; docs/semantics.md#libbpf) and the program
 * load attributes (jit_requested).
 */
public record OpenOptions(ArenaGlobalsPlacement placement, ProgLoadAttr loadAttr) {
    /** Current libbpf: globals at the end of the arena, JIT on. */
    public static final OpenOptions DEFAULT = new OpenOptions(ArenaGlobalsPlacement.END_OF_ARENA, ProgLoadAttr.DEFAULT);

    public static OpenOptions placement(ArenaGlobalsPlacement placement) {
        return new OpenOptions(placement, ProgLoadAttr.DEFAULT);
    }
}
