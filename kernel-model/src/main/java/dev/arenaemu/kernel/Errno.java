package dev.arenaemu.kernel;

/**
 * Error numbers with the values of include/uapi/asm-generic/errno-base.h, errno.h and the
 * kernel-internal include/linux/errno.h (ENOTSUPP). Kernel functions in this model return them
 * the kernel way: an int or long that is {@code -errno} on failure, see {@link #neg()}.
 */
public enum Errno {
    EPERM(1), ENOENT(2), ESRCH(3), EINTR(4), EIO(5), E2BIG(7), EBADF(9), EAGAIN(11), ENOMEM(12),
    EACCES(13), EFAULT(14), EBUSY(16), EEXIST(17), ENODEV(19), EINVAL(22), ENOSPC(28), ERANGE(34),
    EOPNOTSUPP(95), EALREADY(114), ENOTSUPP(524);

    /** The positive kernel value. */
    public final int value;

    Errno(int value) {
        this.value = value;
    }

    /** The value as kernel functions return it: {@code -value}. */
    public int neg() {
        return -value;
    }

    /** The errno of a positive or negative value, or null when no constant has it. */
    public static Errno of(long code) {
        long v = Math.abs(code);
        for (Errno e : values()) if (e.value == v) return e;
        return null;
    }

    /** "-EINVAL (-22)" for a negative return value; the number itself otherwise. */
    public static String describe(long ret) {
        if (ret >= 0) return Long.toString(ret);
        Errno e = of(ret);
        return e == null ? Long.toString(ret) : "-" + e.name() + " (" + ret + ")";
    }

    /** IS_ERR_VALUE for an unsigned long return: the last 4095 values of the address space. */
    public static boolean isErrValue(long ret) {
        return Long.compareUnsigned(ret, -4095L) >= 0;
    }
}
