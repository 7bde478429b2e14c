package dev.arenaemu.kernel.bpf.verifier;

import dev.arenaemu.kernel.Errno;

import static dev.arenaemu.kernel.bpf.isa.Bpf.*;

import dev.arenaemu.kernel.bpf.isa.BpfProgram;
import dev.arenaemu.kernel.bpf.isa.FuncInfo;
import dev.arenaemu.kernel.bpf.isa.Insn;
import dev.arenaemu.kernel.bpf.isa.Kfunc;
import dev.arenaemu.kernel.bpf.isa.InsnValidity;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * bpf_check() for the arena-relevant part of the kernel verifier, in the kernel's order:
 * program size, opcode validity, resolve_pseudo_ldimm64 (map binding, docs/semantics.md#arena-binding),
 * check_subprogs + check_cfg, do_check ({@link AbstractInterpreter}), check_max_stack_depth,
 * then the rewrites of convert_ctx_accesses / do_misc_fixups for arena (PROBE_MEM32,
 * PROBE_MEM32SX, PROBE_ATOMIC, cast_kern → 32-bit mov, ALU64 → ALU32 on arena pointers),
 * specialize_kfunc (alloc/free call sites in a non-sleepable context become the _non_sleepable
 * variants) and convert_pseudo_ld_imm64 (map references become plain 64-bit constants).
 *
 * <p>Not modelled: helper calls other than bpf_spin_lock/unlock (every other helper is
 * "unknown"), scalar range tracking and branch
 * pruning, nullable pointers other than an iterator's context ({@link BtfAccess}), PTR_TO_MEM
 * and kernel-BTF ({@code arg:trusted}) arguments of global functions ({@link GlobalFunc}).
 */
public final class Verifier {
    private Verifier() {}

    public static VerifiedProgram verify(BpfProgram program, Map<String, MapDescriptor> maps, VerifierConfig config) {
        List<Insn> insns = program.insns();
        int limit = config.bpfCapable() ? COMPLEXITY_LIMIT_INSNS : MAXINSNS;
        if (insns.isEmpty() || insns.size() > limit) {
            throw new VerifierException(Errno.E2BIG, -1, "program of " + insns.size() + " insns is outside [1, " + limit + "]");
        }
        for (int i = 0; i < insns.size(); i++) {
            int index = i;
            InsnValidity.problem(insns, i, false).ifPresent(p -> {
                throw new VerifierException(Errno.EINVAL, index, p);
            });
            if (insns.get(i).isLdImm64()) i++;
        }
        LdImm64Resolver resolved = new LdImm64Resolver(program, maps, config);
        ControlFlow cfg = new ControlFlow(insns, config.bpfCapable());
        Optional<IterTarget> iter = IterTarget.ofSection(program.section());
        if (IterTarget.isIterSection(program.section()) && iter.isEmpty()) {
            // libbpf resolves the target's bpf_iter_NAME in the kernel's BTF first; only bpf_map is modelled
            throw new VerifierException(Errno.EINVAL, -1, "iterator target of SEC(\"" + program.section() + "\") is not modelled (only bpf_map)");
        }
        if (iter.isPresent() && !(config.bpfCapable() && config.perfmonCapable())) {
            // bpf_prog_load: BPF_PROG_TYPE_TRACING is a perfmon program type, and needs CAP_BPF
            throw new VerifierException(Errno.EPERM, -1, "BPF_PROG_TYPE_TRACING programs need CAP_BPF and CAP_PERFMON");
        }
        AbstractInterpreter check = new AbstractInterpreter(insns, resolved, cfg, config, isSleepable(program.section()), iter,
            globalFuncs(program, cfg, resolved, config));
        check.run();
        List<Integer> depths = stackDepths(cfg, check, insns);
        return rewrite(program, resolved, cfg, check, depths, config);
    }

    /**
     * check_btf_func + btf_prepare_func_args: the func_info records that name a global function
     * (the main program, subprogram 0, is never one) give that subprogram its BTF types; a record
     * that is not at a subprogram start is refused as check_btf_func refuses it.
     */
    private static GlobalFunc[] globalFuncs(BpfProgram program, ControlFlow cfg, LdImm64Resolver resolved, VerifierConfig config) {
        GlobalFunc[] globals = new GlobalFunc[cfg.subprogStarts.size()];
        if (program.funcInfo().isEmpty()) return globals;
        if (program.funcInfo().size() != globals.length) {
            throw new VerifierException(Errno.EINVAL, -1, "number of funcs in func_info doesn't match number of subprogs");
        }
        for (int k = 0; k < globals.length; k++) {
            FuncInfo f = program.funcInfo().get(k);
            if (f.insn() != cfg.subprogStarts.get(k)) {
                throw new VerifierException(Errno.EINVAL, f.insn(), "func_info BTF section doesn't match subprog layout in BPF program");
            }
            if (k > 0 && f.global()) globals[k] = GlobalFunc.prepare(f, config, resolved.arena.isPresent());
        }
        return globals;
    }

    /** SEC("syscall") and the ".s" program types are sleepable (BPF_F_SLEEPABLE). */
    public static boolean isSleepable(String section) {
        return section.equals("syscall") || section.endsWith(".s") || section.contains(".s/");
    }

    /**
     * check_max_stack_depth: each frame rounded up to 32 bytes, every call chain within
     * MAX_BPF_STACK. Returns each subprogram's own depth, unrounded (subprog_info[i].stack_depth,
     * what jit_subprogs hands the JIT as func[i]->aux->stack_depth).
     */
    private static List<Integer> stackDepths(ControlFlow cfg, AbstractInterpreter check, List<Insn> insns) {
        int n = cfg.subprogStarts.size();
        List<Integer> rounded = new ArrayList<>();
        List<Integer> depths = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            depths.add(check.stackDepth[k]);
            rounded.add(Math.max(check.stackDepth[k], 1) + 31 & ~31);
        }
        int[] deepest = new int[n];
        Arrays.fill(deepest, -1);
        int total = chain(0, cfg, insns, rounded, deepest, new boolean[n]);
        if (total > MAX_BPF_STACK) {
            throw new VerifierException(Errno.EACCES, -1, "combined stack size of " + callDepth(0, cfg, insns, new boolean[n]) + " calls is " + total + ". Too large");
        }
        return depths;
    }

    private static int chain(int k, ControlFlow cfg, List<Insn> insns, List<Integer> depths, int[] memo, boolean[] onPath) {
        if (memo[k] >= 0) return memo[k];
        if (onPath[k]) return 0; // recursion: the kernel rejects it elsewhere; not modelled here
        onPath[k] = true;
        int worst = 0;
        for (int callee : callees(k, cfg, insns)) worst = Math.max(worst, chain(callee, cfg, insns, depths, memo, onPath));
        onPath[k] = false;
        return memo[k] = depths.get(k) + worst;
    }

    private static int callDepth(int k, ControlFlow cfg, List<Insn> insns, boolean[] onPath) {
        if (onPath[k]) return 0;
        onPath[k] = true;
        int worst = 0;
        for (int callee : callees(k, cfg, insns)) worst = Math.max(worst, callDepth(callee, cfg, insns, onPath));
        onPath[k] = false;
        return 1 + worst;
    }

    private static List<Integer> callees(int k, ControlFlow cfg, List<Insn> insns) {
        List<Integer> out = new ArrayList<>();
        for (int i = cfg.subprogStarts.get(k); i < cfg.subprogEnd(k); i++) {
            Insn insn = insns.get(i);
            if (insn.isCall() && insn.src() == PSEUDO_CALL) out.add(cfg.subprogStarts.indexOf(i + insn.imm() + 1));
            if (insn.isLdImm64()) i++;
        }
        return out;
    }

    private static VerifiedProgram rewrite(BpfProgram program, LdImm64Resolver resolved, ControlFlow cfg, AbstractInterpreter check,
                                           List<Integer> depths, VerifierConfig config) {
        List<Insn> out = new ArrayList<>(program.insns());
        InsnAux[] aux = check.aux;
        boolean noUserConv = resolved.arena.map(a -> (a.flags() & MapDescriptor.BPF_F_NO_USER_CONV) != 0).orElse(false);
        int exentries = 0;
        for (int i = 0; i < out.size(); i++) {
            Insn insn = out.get(i);
            if (aux[i].arenaAccess()) {
                out.set(i, probeMode(i, insn, config));
                exentries++;
            } else if (aux[i].cast() == CastKind.KERN || (aux[i].cast() == CastKind.USER && noUserConv)) {
                // convert to a 32-bit mov that clears the upper half; off and imm cleared for the JIT
                out.set(i, new Insn(ALU | MOV | X, insn.dst(), insn.src(), 0, 0));
            } else if (aux[i].narrowedToAlu32()) {
                out.set(i, insn.withOpcode(ALU | insn.op() | insn.source()));
            } else if (check.nonSleepableCalls.contains(i)) {
                out.set(i, insn.withImm(Kfunc.byId(insn.imm()).orElseThrow().nonSleepable().id));
            } else if (insn.isLdImm64() && resolved.byInsn.containsKey(i)) {
                long address = resolved.byInsn.get(i).address();
                out.set(i, new Insn(insn.opcode(), insn.dst(), 0, 0, (int) address));
                out.set(i + 1, out.get(i + 1).withImm((int) (address >>> 32)));
            }
            if (insn.isLdImm64()) i++;
        }
        List<Integer> subprogStarts = cfg.subprogStarts;
        if (config.bpfCapable()) {
            // opt_remove_nops (privileged only; it runs before the other rewrites, and commutes with them)
            MiscFixups.Result noNops = MiscFixups.removeNops(out);
            if (noNops.insns().size() != out.size()) {
                InsnAux[] kept = new InsnAux[noNops.insns().size()];
                for (int i = 0; i < out.size(); i++) {
                    boolean removed = i + 1 < out.size() ? noNops.map(i) == noNops.map(i + 1) : noNops.map(i) == kept.length;
                    if (!removed) kept[noNops.map(i)] = aux[i];
                }
                subprogStarts = subprogStarts.stream().map(noNops::map).toList();
                out = new ArrayList<>(noNops.insns());
                aux = kept;
            }
        }
        // do_misc_fixups / opt_subreg_zext_lo32_rnd_hi32: the guards become instructions
        MiscFixups.Result fixed = MiscFixups.apply(out, true, config.era().zextsArenaCmpxchg());
        List<InsnAux> fixedAux = new ArrayList<>();
        for (int i = 0; i < out.size(); i++) {
            int from = fixed.map(i), to = fixed.map(i + 1);
            for (int k = from; k < to; k++) {
                // the instruction's own facts stay with it; inserted ones are plain, as reachable as it
                boolean original = fixed.insns().get(k).equals(out.get(i)) && noOriginalYet(fixed, out, i, k);
                fixedAux.add(original ? aux[i] : aux[i].reachable() ? InsnAux.NONE.withReachable() : InsnAux.NONE);
            }
        }
        List<Integer> starts = subprogStarts.stream().map(fixed::map).toList();
        return new VerifiedProgram(program.withInsns(fixed.insns()), fixedAux, resolved.arena, exentries, starts, depths,
            resolved.usedMaps());
    }

    /** True when {@code k} is the first slot of old instruction {@code i}'s patch that holds the instruction itself. */
    private static boolean noOriginalYet(MiscFixups.Result fixed, List<Insn> out, int i, int k) {
        for (int j = fixed.map(i); j < k; j++) if (fixed.insns().get(j).equals(out.get(i))) return false;
        return true;
    }

    /** convert_ctx_accesses, case PTR_TO_ARENA. */
    private static Insn probeMode(int i, Insn insn, VerifierConfig config) {
        if (insn.cls() == STX && insn.mode() == ATOMIC) return insn.withOpcode(STX | PROBE_ATOMIC | insn.size());
        if (insn.mode() == MEMSX) {
            if (!config.era().signExtendingArenaLoads()) {
                throw new VerifierException(Errno.EOPNOTSUPP, i, "sign extending loads from arena are not supported yet");
            }
            return insn.withOpcode(insn.cls() | PROBE_MEM32SX | insn.size());
        }
        return insn.withOpcode(insn.cls() | PROBE_MEM32 | insn.size());
    }
}
