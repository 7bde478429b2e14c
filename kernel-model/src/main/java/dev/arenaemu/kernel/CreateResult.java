package dev.arenaemu.kernel;

/**
 * What a path that creates a kernel object gave (the kernel's ERR_PTR): the object, or the errno
 * the syscall returns. Arena.create gives {@code CreateResult<Arena>} (arena_map_alloc),
 * BPF_MAP_CREATE {@code CreateResult<BpfMap>}.
 */
public sealed interface CreateResult<T> {
    record Created<T>(T object) implements CreateResult<T> {}

    record Failed<T>(Errno errno) implements CreateResult<T> {}

    /** The object, or an {@link IllegalStateException} naming the errno (for callers that expect success). */
    default T orThrow() {
        return switch (this) {
            case Created<T> c -> c.object();
            case Failed<T> f -> throw new IllegalStateException("creation failed: " + Errno.describe(f.errno().neg()));
        };
    }
}
