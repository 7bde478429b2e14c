package dev.arenaemu.kernel.bpf;

/**
 * The parts of BPF_PROG_LOAD's union bpf_attr (and of the system's sysctls) the model uses:
 * {@code jitRequested} is prog->jit_requested (bpf_jit_enable); arena programs need it.
 */
public record ProgLoadAttr(boolean jitRequested) {
    public static final ProgLoadAttr DEFAULT = new ProgLoadAttr(true);
}
