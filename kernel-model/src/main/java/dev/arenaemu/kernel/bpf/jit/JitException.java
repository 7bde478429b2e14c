package dev.arenaemu.kernel.bpf.jit;

/** The JIT refused a program; the message names the instruction index. */
public final class JitException extends RuntimeException {
    public JitException(String message) {
        super(message);
    }
}
