package dev.arenaemu.kernel.bpf.verifier;

import java.util.Optional;

/**
 * A BPF iterator target (bpf_iter_reg) a SEC("iter/NAME") or SEC("iter.s/NAME") program attaches
 * to: BPF_PROG_TYPE_TRACING with expected_attach_type BPF_TRACE_ITER, its context the arguments of
 * the target's bpf_iter_NAME function. Only the bpf_map iterator (kernel/bpf/map_iter.c) is
 * modelled, for loading: creating its link and reading it is not.
 */
public enum IterTarget {
    BPF_MAP("bpf_map", KernelStruct.BPF_ITER__BPF_MAP);

    public final String name;
    public final KernelStruct context;

    IterTarget(String name, KernelStruct context) {
        this.name = name;
        this.context = context;
    }

    /** True for the sections libbpf gives the iterator program type (its section_defs "iter+", "iter.s+"). */
    public static boolean isIterSection(String section) {
        return section.startsWith("iter/") || section.startsWith("iter.s/");
    }

    public static Optional<IterTarget> ofSection(String section) {
        if (!isIterSection(section)) return Optional.empty();
        String target = section.substring(section.indexOf('/') + 1);
        for (IterTarget t : values()) if (t.name.equals(target)) return Optional.of(t);
        return Optional.empty();
    }

    /**
     * btf_ctx_access for the context's 8-byte argument slots: the meta argument is a trusted
     * pointer (prog_args_trusted() holds for BPF_TRACE_ITER); the map argument is what
     * bpf_map_reg_info's ctx_arg_info declares, PTR_TO_BTF_ID_OR_NULL | PTR_TRUSTED (since v6.6).
     */
    BtfPointer contextArgument(KernelStruct.Field field, int id) {
        boolean nullable = field.name().equals("map");
        return new BtfPointer(field.pointee(), BtfPointer.Trust.TRUSTED, nullable, nullable ? id : 0);
    }
}
