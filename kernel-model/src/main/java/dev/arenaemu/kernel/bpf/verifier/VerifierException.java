package dev.arenaemu.kernel.bpf.verifier;

import dev.arenaemu.kernel.Errno;

/**
 * The program was rejected: the kernel's verifier-log line, the errno bpf(BPF_PROG_LOAD) returns,
 * and the index of the instruction being checked (-1 when the check is not about one instruction,
 * e.g. the program-size limit).
 */
public final class VerifierException extends RuntimeException {
    private final Errno errno;
    private final String kernelMessage;
    private final int insnIndex;

    public VerifierException(Errno errno, int insnIndex, String kernelMessage) {
        super((insnIndex >= 0 ? "insn " + insnIndex + ": " : "") + kernelMessage + " (-" + errno + ")");
        this.errno = errno;
        this.kernelMessage = kernelMessage;
        this.insnIndex = insnIndex;
    }

    public Errno errno() { return errno; }

    public String kernelMessage() { return kernelMessage; }

    public int insnIndex() { return insnIndex; }
}
