package dev.arenaemu.kernel.bpf.isa;

import java.util.Arrays;
import java.util.Optional;

/**
 * The BPF helpers this kernel models, by their {@code BPF_FUNC_*} id (include/uapi/linux/bpf.h):
 * a helper call is {@code call imm} with src = 0. Every other helper id is "invalid func
 * unknown#imm" to the verifier.
 */
public enum BpfHelper {
    /** BPF_FUNC_spin_lock: {@code void bpf_spin_lock(struct bpf_spin_lock *lock)}, kernel/bpf/helpers.c. */
    SPIN_LOCK(93, "bpf_spin_lock"),
    /** BPF_FUNC_spin_unlock: {@code void bpf_spin_unlock(struct bpf_spin_lock *lock)}. */
    SPIN_UNLOCK(94, "bpf_spin_unlock");

    public final int id;
    public final String symbol;

    BpfHelper(int id, String symbol) {
        this.id = id;
        this.symbol = symbol;
    }

    public static Optional<BpfHelper> byId(int id) {
        return Arrays.stream(values()).filter(h -> h.id == id).findFirst();
    }
}
