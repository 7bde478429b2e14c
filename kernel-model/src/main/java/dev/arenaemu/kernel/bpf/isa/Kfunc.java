package dev.arenaemu.kernel.bpf.isa;

import java.util.Arrays;
import java.util.Optional;

/**
 * The kfuncs this kernel exports. In the kernel a kfunc call carries the BTF id of the function
 * in {@code imm} (src = BPF_PSEUDO_KFUNC_CALL); this emulator has no vmlinux BTF, so each kfunc
 * gets a fixed id here, and the ELF loader resolves extern kfunc symbols by name to these ids.
 */
public enum Kfunc {
    BPF_ARENA_ALLOC_PAGES(1, "bpf_arena_alloc_pages", 5, true),
    BPF_ARENA_FREE_PAGES(2, "bpf_arena_free_pages", 3, true),
    BPF_ARENA_RESERVE_PAGES(3, "bpf_arena_reserve_pages", 3, true),
    /**
     * E4+: what the verifier's specialize_kfunc puts at a call site of bpf_arena_alloc_pages /
     * bpf_arena_free_pages in a non-sleepable context (a non-sleepable program, or under
     * bpf_spin_lock). Not in the exported set: a program cannot name them.
     */
    BPF_ARENA_ALLOC_PAGES_NON_SLEEPABLE(4, "bpf_arena_alloc_pages_non_sleepable", 5, false),
    BPF_ARENA_FREE_PAGES_NON_SLEEPABLE(5, "bpf_arena_free_pages_non_sleepable", 3, false);

    public final int id;
    public final String symbol;
    public final int argCount;
    /** In the BTF kfunc set programs may call (the specialised variants are not). */
    public final boolean exported;

    Kfunc(int id, String symbol, int argCount, boolean exported) {
        this.id = id;
        this.symbol = symbol;
        this.argCount = argCount;
        this.exported = exported;
    }

    public static Optional<Kfunc> byId(int id) {
        return Arrays.stream(values()).filter(k -> k.id == id).findFirst();
    }

    /** An exported kfunc by name, as a program's extern symbol resolves. */
    public static Optional<Kfunc> bySymbol(String symbol) {
        return Arrays.stream(values()).filter(k -> k.exported && k.symbol.equals(symbol)).findFirst();
    }

    /** The non-sleepable variant specialize_kfunc substitutes, or this kfunc when it has none. */
    public Kfunc nonSleepable() {
        return switch (this) {
            case BPF_ARENA_ALLOC_PAGES -> BPF_ARENA_ALLOC_PAGES_NON_SLEEPABLE;
            case BPF_ARENA_FREE_PAGES -> BPF_ARENA_FREE_PAGES_NON_SLEEPABLE;
            default -> this;
        };
    }
}
