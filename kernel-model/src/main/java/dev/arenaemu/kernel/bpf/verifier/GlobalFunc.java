package dev.arenaemu.kernel.bpf.verifier;

import dev.arenaemu.kernel.Errno;
import dev.arenaemu.kernel.bpf.isa.FuncInfo;
import java.util.ArrayList;
import java.util.List;

/**
 * A global subprogram as btf_prepare_func_args sees it: each argument's verifier type from its
 * BTF (scalars ARG_ANYTHING, {@code arg:ctx} ARG_PTR_TO_CTX, {@code arg:arena} ARG_PTR_TO_ARENA,
 * other pointers ARG_PTR_TO_MEM) and whether its return value may be an arena pointer. The
 * kernel verifies such a function once, from these types, instead of from its callers' states
 * (do_check_common), and checks every call against them (btf_check_func_arg_match).
 */
record GlobalFunc(String name, List<ArgType> args, boolean returnsValue, boolean returnsArena) {
    /** The subset of enum bpf_arg_type a global function's parameter gets. */
    enum ArgType { ANYTHING, PTR_TO_CTX, PTR_TO_ARENA, PTR_TO_MEM }

    /**
     * btf_prepare_func_args for a global function; {@code arenaProgram}: the program uses an
     * arena map (the E5 rule for untagged pointers, {@link dev.arenaemu.kernel.KernelEra#globalFuncsPassArenaPointers()}).
     */
    static GlobalFunc prepare(FuncInfo f, VerifierConfig config, boolean arenaProgram) {
        boolean arenaPointers = config.era().globalFuncsPassArenaPointers();
        if (f.args().size() > 5) {
            throw new VerifierException(Errno.EINVAL, f.insn(), "Global function " + f.name() + "() with " + f.args().size() + " > 5 args. Buggy compiler.");
        }
        boolean returnsArena = f.ret() == FuncInfo.Ret.POINTER && arenaPointers;
        if (f.ret() == FuncInfo.Ret.OTHER || (f.ret() == FuncInfo.Ret.POINTER && !returnsArena)) {
            throw new VerifierException(Errno.EINVAL, f.insn(), "Global function " + f.name() + "() return value not void or scalar. Only those are supported.");
        }
        List<ArgType> args = new ArrayList<>();
        for (int i = 0; i < f.args().size(); i++) {
            args.add(argType(f, i, arenaPointers && arenaProgram));
        }
        return new GlobalFunc(f.name(), args, f.ret() != FuncInfo.Ret.VOID, returnsArena);
    }

    private static ArgType argType(FuncInfo f, int i, boolean untaggedArena) {
        FuncInfo.Arg a = f.args().get(i);
        for (String tag : a.tags()) {
            if (!List.of("ctx", "trusted", "untrusted", "nonnull", "nullable", "arena").contains(tag)) {
                throw new VerifierException(Errno.EOPNOTSUPP, f.insn(), "arg#" + i + " has unsupported set of tags");
            }
        }
        boolean pointer = a.kind() != FuncInfo.Kind.SCALAR && a.kind() != FuncInfo.Kind.OTHER;
        if (!pointer) {
            if (!a.tags().isEmpty()) throw new VerifierException(Errno.EINVAL, f.insn(), "arg#" + i + " has pointer tag, but is not a pointer type");
            if (a.kind() == FuncInfo.Kind.SCALAR) return ArgType.ANYTHING;
            throw new VerifierException(Errno.EINVAL, f.insn(), "Arg#" + i + " type " + a.type() + " in " + f.name() + "() is not supported yet.");
        }
        if (a.tags().contains("ctx")) {
            if (a.tags().size() > 1) throw new VerifierException(Errno.EINVAL, f.insn(), "arg#" + i + " has invalid combination of tags");
            return ArgType.PTR_TO_CTX;
        }
        if (a.tags().contains("trusted") || a.tags().contains("untrusted")) {
            throw new VerifierException(Errno.EINVAL, f.insn(), "arg#" + i + ": arg:trusted / arg:untrusted (kernel BTF types) are not modelled");
        }
        if (a.tags().contains("arena")) {
            if (a.tags().size() > 1) throw new VerifierException(Errno.EINVAL, f.insn(), "arg#" + i + " arena cannot be combined with any other tags");
            return ArgType.PTR_TO_ARENA;
        }
        if (untaggedArena && a.kind() == FuncInfo.Kind.PTR_TO_SCALAR && a.tags().isEmpty()) return ArgType.PTR_TO_ARENA;
        if (a.tags().contains("nullable")) throw new VerifierException(Errno.EINVAL, f.insn(), "arg#" + i + " has invalid combination of tags");
        if (a.kind() == FuncInfo.Kind.PTR_TO_UNSIZED) {
            throw new VerifierException(Errno.EINVAL, f.insn(), "arg#" + i + " reference type('" + a.type() + "') size cannot be determined");
        }
        return ArgType.PTR_TO_MEM;
    }

    /** do_check_common: the registers a global function starts with, from its argument types. */
    FrameState entryState() {
        FrameState s = new FrameState();
        for (int a = 0; a < args.size(); a++) {
            s.regs[1 + a] = switch (args.get(a)) {
                case ANYTHING -> RegState.UNKNOWN;
                case PTR_TO_CTX -> RegState.CTX;
                case PTR_TO_ARENA -> RegState.ARENA;
                case PTR_TO_MEM -> throw new VerifierException(Errno.EINVAL, -1,
                    "global function " + name + "() arg#" + a + ": PTR_TO_MEM arguments are not modelled by this verifier");
            };
        }
        s.regs[10] = RegState.FP;
        return s;
    }

    /** btf_check_func_arg_match: each register against its argument type, at call site {@code i}. */
    void checkCall(int i, FrameState s) {
        for (int a = 0; a < args.size(); a++) {
            int r = 1 + a;
            RegState reg = s.regs[r];
            if (reg.type() == RegType.NOT_INIT) throw new VerifierException(Errno.EACCES, i, "R" + r + " !read_ok");
            switch (args.get(a)) {
                case ANYTHING -> {
                    if (reg.type() != RegType.SCALAR) throw new VerifierException(Errno.EINVAL, i, "R" + r + " is not a scalar");
                }
                case PTR_TO_CTX -> {
                    if (reg.type() != RegType.PTR_TO_CTX) throw new VerifierException(Errno.EINVAL, i, "arg#" + a + " expects pointer to ctx");
                }
                case PTR_TO_ARENA -> {
                    if (reg.type() != RegType.PTR_TO_ARENA && reg.type() != RegType.SCALAR) {
                        throw new VerifierException(Errno.EINVAL, i, "R" + r + " is not a pointer to arena or scalar.");
                    }
                }
                case PTR_TO_MEM -> {
                    // ARG_PTR_TO_MEM | PTR_MAYBE_NULL: NULL, or memory the verifier can bound
                    boolean isNull = reg.constant().isPresent() && reg.constant().getAsLong() == 0;
                    if (!isNull && reg.type() != RegType.PTR_TO_STACK && reg.type() != RegType.PTR_TO_MAP_VALUE) {
                        throw new VerifierException(Errno.EACCES, i, "R" + r + " type=" + reg.typeName() + " expected=fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_");
                    }
                }
            }
        }
    }

    /** check_return_code for a global subprogram: R0 a scalar, or (E5) an arena pointer if the function returns one. */
    void checkExit(int i, RegState r0) {
        if (!returnsValue) return;
        boolean ok = r0.type() == RegType.SCALAR || (returnsArena && r0.type() == RegType.PTR_TO_ARENA);
        if (!ok) throw new VerifierException(Errno.EINVAL, i, "At subprogram exit the register R0 is not a scalar value (" + r0.typeName() + ")");
    }
}
