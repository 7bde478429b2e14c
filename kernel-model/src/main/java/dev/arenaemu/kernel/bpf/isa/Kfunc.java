package dev.arenaemu.kernel.bpf.isa;

import java.util.Arrays;
import java.util.Optional;

/**
 * The kfuncs this kernel exports. In the kernel a kfunc call carries the BTF id of the function
 * in {@code imm} (src = BPF_PSEUDO_KFUNC_CALL); this emulator has no vmlinux BTF, so each kfunc
 * gets a fixed id here, and the ELF loader resolves extern kfunc symbols by name to these ids.
 */
public enum Kfunc {
    BPF_ARENA_ALLOC_PAGES(1, "bpf_arena_alloc_pages", 5),
    BPF_ARENA_FREE_PAGES(2, "bpf_arena_free_pages", 3),
    BPF_ARENA_RESERVE_PAGES(3, "bpf_arena_reserve_pages", 3);

    public final int id;
    public final String symbol;
    public final int argCount;

    Kfunc(int id, String symbol, int argCount) {
        this.id = id;
        this.symbol = symbol;
        this.argCount = argCount;
    }

    /**
     * The kernel function a call site of this kfunc reaches, what a jited call's target is on a
     * real kernel: from v7.0 (E4, {@link dev.arenaemu.kernel.KernelEra#hasNonSleepableKfuncs()})
     * the verifier's specialize_kfunc gives alloc and free call sites in a non-sleepable program
     * their {@code _non_sleepable} variants (the 7.0.13 and 7.3.4 images read back by the oracle
     * call {@code bpf_arena_alloc_pages_non_sleepable} from a socket filter); else this kfunc.
     */
    public String callSiteSymbol(dev.arenaemu.kernel.KernelEra era, boolean sleepable) {
        boolean specialized = !sleepable && era.hasNonSleepableKfuncs() && this != BPF_ARENA_RESERVE_PAGES;
        return specialized ? symbol + "_non_sleepable" : symbol;
    }

    public static Optional<Kfunc> byId(int id) {
        return Arrays.stream(values()).filter(k -> k.id == id).findFirst();
    }

    public static Optional<Kfunc> bySymbol(String symbol) {
        return Arrays.stream(values()).filter(k -> k.symbol.equals(symbol)).findFirst();
    }
}
