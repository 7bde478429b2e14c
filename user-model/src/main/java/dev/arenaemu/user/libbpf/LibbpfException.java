package dev.arenaemu.user.libbpf;

import dev.arenaemu.kernel.Errno;

/**
 * A libbpf API call failed: the errno libbpf returns (as {@code -errno}) and the message it
 * prints through its log callback ("libbpf: map 'arena': failed to mmap arena: -EINVAL").
 */
public final class LibbpfException extends Exception {
    private final Errno errno;

    public LibbpfException(Errno errno, String message) {
        super("libbpf: " + message + ": " + Errno.describe(errno.neg()));
        this.errno = errno;
    }

    public Errno errno() { return errno; }
}
