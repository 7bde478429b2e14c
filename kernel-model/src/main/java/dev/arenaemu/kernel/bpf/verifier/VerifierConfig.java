package dev.arenaemu.kernel.bpf.verifier;

import dev.arenaemu.kernel.KernelEra;

/**
 * The environment of one BPF_PROG_LOAD: kernel era, the loader's capabilities (bpf_capable(),
 * perfmon_capable() = allow_ptr_leaks) and the JIT situation (prog->jit_requested,
 * bpf_jit_supports_arena()). The JIT is x86-64's (bpf_jit_supports_insn of arch/x86).
 */
public record VerifierConfig(KernelEra era, boolean bpfCapable, boolean perfmonCapable, boolean jitRequested,
                             boolean jitSupportsArena) {
    /** root on x86-64 with the JIT enabled. */
    public static VerifierConfig privileged(KernelEra era) {
        return new VerifierConfig(era, true, true, true, true);
    }

    public VerifierConfig withCaps(boolean bpf, boolean perfmon) {
        return new VerifierConfig(era, bpf, perfmon, jitRequested, jitSupportsArena);
    }

    public VerifierConfig withJit(boolean requested, boolean supportsArena) {
        return new VerifierConfig(era, bpfCapable, perfmonCapable, requested, supportsArena);
    }
}
