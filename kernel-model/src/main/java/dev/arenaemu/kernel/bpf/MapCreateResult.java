package dev.arenaemu.kernel.bpf;

import dev.arenaemu.kernel.Errno;

/** BPF_MAP_CREATE's outcome: the new map, or the errno the syscall returns. */
public sealed interface MapCreateResult {
    record Created(BpfMap map) implements MapCreateResult {}

    record Failed(Errno errno) implements MapCreateResult {}

    /** The map, or an {@link IllegalStateException} naming the errno. */
    default BpfMap orThrow() {
        return switch (this) {
            case Created c -> c.map();
            case Failed f -> throw new IllegalStateException("BPF_MAP_CREATE failed: " + Errno.describe(f.errno().neg()));
        };
    }
}
