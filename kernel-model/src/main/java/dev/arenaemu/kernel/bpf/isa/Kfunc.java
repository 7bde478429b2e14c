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
    BPF_ARENA_FREE_PAGES_NON_SLEEPABLE(5, "bpf_arena_free_pages_non_sleepable", 3, false),
    // The test module's kfuncs with __arena arguments (tools/testing/selftests/bpf/test_kmods,
    // E5): written for this project from what the arena_kfunc selftests expect of them.
    /** {@code u64 (u64 *p__arena)}: returns *p and increments it. */
    BPF_KFUNC_ARENA_ARG_TEST(10, "bpf_kfunc_arena_arg_test", ArenaArg.ARENA),
    /** {@code u64 (u64 *p__arena)}: returns the argument as the kfunc received it (the rebased address). */
    BPF_KFUNC_ARENA_CAP_TEST(11, "bpf_kfunc_arena_cap_test", ArenaArg.ARENA),
    /** {@code u64 (u64 *p__arena__nullable)}: the same for a nullable argument. */
    BPF_KFUNC_ARENA_CAP_NULLABLE_TEST(12, "bpf_kfunc_arena_cap_nullable_test", ArenaArg.NULLABLE),
    /** {@code u64 (u64 *a__arena, …, u64 *e__arena__nullable)}: the sum of the values behind the non-NULL arguments. */
    BPF_KFUNC_ARENA_ARGS5_TEST(13, "bpf_kfunc_arena_args5_test",
        ArenaArg.ARENA, ArenaArg.ARENA, ArenaArg.ARENA, ArenaArg.ARENA, ArenaArg.NULLABLE),
    /** {@code u64 (u64 *p__arena, u64 *q__arena__nullable)}: *p plus *q when q is not NULL. */
    BPF_KFUNC_ARENA_MIXED_TEST(14, "bpf_kfunc_arena_mixed_test", ArenaArg.ARENA, ArenaArg.NULLABLE);

    /**
     * How a kfunc parameter is declared: a plain argument, or an arena pointer ({@code __arena}
     * suffix: the JIT rebases it to {@code kern_vm_start + lo32}; {@code __arena__nullable}: a zero
     * lo32 stays NULL).
     */
    public enum ArenaArg { PLAIN, ARENA, NULLABLE }

    public final int id;
    public final String symbol;
    public final int argCount;
    /** In the BTF kfunc set programs may call (the specialised variants are not). */
    public final boolean exported;
    /** Each parameter's kind; all PLAIN for the arena kfuncs of kernel/bpf/arena.c. */
    public final java.util.List<ArenaArg> args;

    Kfunc(int id, String symbol, int argCount, boolean exported) {
        this.id = id;
        this.symbol = symbol;
        this.argCount = argCount;
        this.exported = exported;
        this.args = java.util.Collections.nCopies(argCount, ArenaArg.PLAIN);
    }

    /** A test-module kfunc whose parameters are all arena pointers. */
    Kfunc(int id, String symbol, ArenaArg... args) {
        this.id = id;
        this.symbol = symbol;
        this.argCount = args.length;
        this.exported = true;
        this.args = java.util.List.of(args);
    }

    /** One of the arena kfuncs of kernel/bpf/arena.c (the rest are the test module's). */
    public boolean isArenaKfunc() {
        return id <= BPF_ARENA_FREE_PAGES_NON_SLEEPABLE.id;
    }

    /** Has {@code __arena} parameters (the test module's kfuncs). */
    public boolean takesArenaArgs() {
        return args.stream().anyMatch(a -> a != ArenaArg.PLAIN);
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
