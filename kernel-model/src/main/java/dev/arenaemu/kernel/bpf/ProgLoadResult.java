package dev.arenaemu.kernel.bpf;

import dev.arenaemu.kernel.Errno;

/**
 * BPF_PROG_LOAD's outcome: the loaded program, or the errno with the verifier-log line and the
 * instruction index it was about (-1 when the refusal is not about one instruction).
 */
public sealed interface ProgLoadResult {
    record Loaded(BpfProg prog) implements ProgLoadResult {}

    record Rejected(Errno errno, String log, int insnIndex) implements ProgLoadResult {
        @Override
        public String toString() {
            return (insnIndex >= 0 ? "insn " + insnIndex + ": " : "") + log + " -> " + Errno.describe(errno.neg());
        }
    }

    /** The program, or an {@link IllegalStateException} carrying the rejection. */
    default BpfProg orThrow() {
        return switch (this) {
            case Loaded l -> l.prog();
            case Rejected r -> throw new IllegalStateException("BPF_PROG_LOAD failed: " + r);
        };
    }
}
