package dev.arenaemu.scenarios.format;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The symbolic names a scenario may use for flags, errnos and signals, with Linux x86-64 values
 * (include/uapi/asm-generic/errno-base.h, errno.h, mman-common.h, uapi/linux/bpf.h, signal.h).
 */
public final class Names {
    private Names() {}

    public static final Map<String, Long> MAP_FLAGS = table(
        "NO_PREALLOC", ArenaSpec.BPF_F_NO_PREALLOC, "NUMA_NODE", ArenaSpec.BPF_F_NUMA_NODE, "RDONLY", ArenaSpec.BPF_F_RDONLY,
        "WRONLY", ArenaSpec.BPF_F_WRONLY, "RDONLY_PROG", ArenaSpec.BPF_F_RDONLY_PROG, "MMAPABLE", ArenaSpec.BPF_F_MMAPABLE,
        "SEGV_ON_FAULT", ArenaSpec.BPF_F_SEGV_ON_FAULT, "NO_USER_CONV", ArenaSpec.BPF_F_NO_USER_CONV);

    public static final long PROT_READ = 1, PROT_WRITE = 2, PROT_EXEC = 4;
    public static final Map<String, Long> PROT = table("NONE", 0L, "READ", PROT_READ, "WRITE", PROT_WRITE, "EXEC", PROT_EXEC);

    public static final long MAP_SHARED = 1, MAP_PRIVATE = 2, MAP_FIXED = 0x10, MAP_ANONYMOUS = 0x20, MAP_FIXED_NOREPLACE = 0x10_0000;
    public static final Map<String, Long> MMAP_FLAGS = table("SHARED", MAP_SHARED, "PRIVATE", MAP_PRIVATE, "FIXED", MAP_FIXED,
        "ANONYMOUS", MAP_ANONYMOUS, "FIXED_NOREPLACE", MAP_FIXED_NOREPLACE);

    public static final long MREMAP_MAYMOVE = 1, MREMAP_FIXED = 2, MREMAP_DONTUNMAP = 4;
    public static final Map<String, Long> MREMAP_FLAGS = table("MAYMOVE", MREMAP_MAYMOVE, "FIXED", MREMAP_FIXED, "DONTUNMAP", MREMAP_DONTUNMAP);

    public static final Map<String, Long> ERRNO = table(
        "EPERM", 1L, "ENOENT", 2L, "ESRCH", 3L, "EINTR", 4L, "EIO", 5L, "E2BIG", 7L, "EBADF", 9L, "EAGAIN", 11L,
        "ENOMEM", 12L, "EACCES", 13L, "EFAULT", 14L, "EBUSY", 16L, "EEXIST", 17L, "ENODEV", 19L, "EINVAL", 22L,
        "ENOSPC", 28L, "ERANGE", 34L, "ENOSYS", 38L, "EOPNOTSUPP", 95L, "EALREADY", 114L, "ENOTSUPP", 524L);

    public static final Map<String, Long> SIGNALS = table("SIGBUS", 7L, "SIGSEGV", 11L);

    /** si_code values per signal (SEGV_MAPERR/ACCERR for SIGSEGV, BUS_ADRERR for SIGBUS). */
    public static final Map<String, Long> SI_CODES = table("SEGV_MAPERR", 1L, "SEGV_ACCERR", 2L, "BUS_ADRERR", 2L);

    public static String errnoName(long number) {
        for (var e : ERRNO.entrySet()) if (e.getValue() == number) return e.getKey();
        return "errno " + number;
    }

    public static String signalName(long signo) {
        for (var e : SIGNALS.entrySet()) if (e.getValue() == signo) return e.getKey();
        return "signal " + signo;
    }

    private static Map<String, Long> table(Object... kv) {
        Map<String, Long> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], ((Number) kv[i + 1]).longValue());
        return java.util.Collections.unmodifiableMap(m);
    }
}
