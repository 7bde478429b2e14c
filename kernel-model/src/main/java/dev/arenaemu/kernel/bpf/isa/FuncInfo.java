package dev.arenaemu.kernel.bpf.isa;

import java.util.List;

/**
 * One record of BPF_PROG_LOAD's func_info (struct bpf_func_info: the first instruction of a
 * subprogram and its BTF FUNC), with what the verifier reads from that FUNC's prototype:
 * the linkage (BTF_FUNC_STATIC / BTF_FUNC_GLOBAL; only global functions are verified on
 * their own, btf_prepare_func_args), the return type's kind and each argument's kind
 * (decl tags {@code arg:...} included).
 */
public record FuncInfo(int insn, String name, boolean global, Ret ret, List<Arg> args) {
    public FuncInfo {
        args = List.copyOf(args);
    }

    /** The return type, modifiers and typedefs skipped. */
    public enum Ret { VOID, SCALAR, POINTER, OTHER }

    /** One parameter as BTF describes it: {@code type} is btf_type_str of the resolved type (for messages). */
    public record Arg(Kind kind, List<String> tags, String type) {
        public Arg {
            tags = List.copyOf(tags);
        }
    }

    /**
     * INT/ENUM parameters; pointers to a scalar type (int, enum, or a pointer), to a struct or
     * union with a size, to void or a function (no size); anything else (a struct by value, ...).
     */
    public enum Kind { SCALAR, PTR_TO_SCALAR, PTR_TO_SIZED, PTR_TO_UNSIZED, OTHER }
}
