package dev.arenaemu.kernel.bpf.verifier;

/** The errnos the verifier returns (include/uapi/asm-generic/errno-base.h, errno.h values). */
public enum Errno {
    EPERM(1), EBADF(9), EACCES(13), EFAULT(14), EBUSY(16), EINVAL(22), E2BIG(7), ERANGE(34), EOPNOTSUPP(95);

    public final int value;

    Errno(int value) {
        this.value = value;
    }

    /** The kernel's return value, e.g. -22 for EINVAL. */
    public int negative() { return -value; }
}
