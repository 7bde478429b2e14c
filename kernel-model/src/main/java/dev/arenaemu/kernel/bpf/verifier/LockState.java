package dev.arenaemu.kernel.bpf.verifier;

/**
 * The bpf_spin_lock a verifier state holds (the kernel's active_locks / active_lock_ptr): none,
 * the lock at {@code off} in the value of map {@code map}, or {@link #MIXED} where paths that
 * hold different locks (or none) meet — this verifier joins paths the kernel walks one by one, so
 * a mixed state is treated as held for the calls and exits the kernel refuses under a lock, and as
 * not held for bpf_spin_unlock: each of those fails on one of the kernel's paths too.
 */
record LockState(String map, long off, boolean mixed) {
    static final LockState NONE = new LockState(null, 0, false);
    static final LockState MIXED = new LockState(null, 0, true);

    static LockState held(String map, long off) {
        return new LockState(map, off, false);
    }

    /** A lock may be held on some path reaching here. */
    boolean maybeHeld() {
        return map != null || mixed;
    }

    LockState join(LockState o) {
        return equals(o) ? this : MIXED;
    }
}
