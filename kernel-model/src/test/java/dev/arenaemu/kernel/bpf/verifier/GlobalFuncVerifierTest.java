package dev.arenaemu.kernel.bpf.verifier;

import dev.arenaemu.kernel.Errno;
import dev.arenaemu.kernel.KernelEra;

import static dev.arenaemu.kernel.bpf.isa.Bpf.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.arenaemu.kernel.bpf.BpfTestPrograms;
import dev.arenaemu.kernel.bpf.elf.BpfObject;
import dev.arenaemu.kernel.bpf.elf.BpfObjectLoader;
import dev.arenaemu.kernel.bpf.isa.BpfProgram;
import dev.arenaemu.kernel.bpf.isa.FuncInfo;
import dev.arenaemu.kernel.bpf.isa.Insn;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Global subprograms (src/test/c/global_funcs.bpf.c): the loader's func_info from .BTF.ext,
 * btf_prepare_func_args's argument and return types, btf_check_func_arg_match at the call site,
 * and do_check_common verifying a global function from its BTF types alone.
 */
class GlobalFuncVerifierTest {
    private static BpfObject object() {
        return BpfObjectLoader.load(BpfTestPrograms.compile("global_funcs.bpf.c"));
    }

    private static VerifiedProgram verify(BpfProgram p, KernelEra era) {
        return Verifier.verify(p, ArenaProgramsVerifierTest.created(object()), VerifierConfig.privileged(era));
    }

    private static VerifiedProgram verify(String program, KernelEra era) {
        return verify(object().program(program).orElseThrow(), era);
    }

    /** libbpf's func_info: one record per linked function at its linked start, with the FUNC's linkage and prototype. */
    @Test
    void funcInfoComesFromBtfExt() {
        BpfProgram p = object().program("tagged_arg").orElseThrow();
        assertEquals(2, p.funcInfo().size());
        FuncInfo main = p.funcInfo().get(0), callee = p.funcInfo().get(1);
        assertEquals("tagged_arg", main.name());
        assertEquals(0, main.insn());
        assertEquals("add_tagged", callee.name());
        assertTrue(callee.global());
        Insn call = p.insns().stream().filter(i -> i.isCall() && i.src() == PSEUDO_CALL).findFirst().orElseThrow();
        int site = p.insns().indexOf(call);
        assertEquals(site + call.imm() + 1, callee.insn());
        assertEquals(FuncInfo.Ret.SCALAR, callee.ret());
        assertEquals(List.of(FuncInfo.Kind.PTR_TO_SCALAR, FuncInfo.Kind.SCALAR), callee.args().stream().map(FuncInfo.Arg::kind).toList());
        assertEquals(List.of("arena"), callee.args().get(0).tags());
        assertEquals(List.of(), callee.args().get(1).tags());
        FuncInfo st = object().program("static_index").orElseThrow().funcInfo().get(1);
        assertEquals("lookup_static", st.name());
        assertFalse(st.global());
    }

    /** ARG_PTR_TO_ARENA (arg:arena, every era): the callee, verified alone, accesses arena memory through R1. */
    @ParameterizedTest
    @EnumSource(KernelEra.class)
    void arenaTaggedArgumentIsAnArenaPointerInTheCallee(KernelEra era) {
        VerifiedProgram v = verify("tagged_arg", era);
        int calleeStart = v.subprogStarts().get(1);
        boolean calleeProbes = false;
        for (int i = calleeStart; i < v.program().insns().size(); i++) calleeProbes |= v.aux().get(i).arenaAccess();
        assertTrue(calleeProbes, "the callee's load/store through its arg:arena parameter becomes PROBE_MEM32");
    }

    /**
     * do_check_common: a global function's int parameter is an unknown scalar whatever its caller
     * passed, so indexing an array by it is refused; the same body as a static function is
     * verified with the caller's constant and passes.
     */
    @Test
    void globalFunctionIsVerifiedWithoutItsCallersValues() {
        assertDoesNotThrow(() -> verify("static_index", KernelEra.LATEST));
        VerifierException e = assertThrows(VerifierException.class, () -> verify("global_index", KernelEra.LATEST));
        assertEquals(Errno.EACCES, e.errno());
        int callee = object().program("global_index").orElseThrow().funcInfo().get(1).insn();
        assertTrue(e.insnIndex() >= callee, "refused inside the callee: " + e.getMessage());
    }

    /** btf_prepare_func_args before E5: a pointer return type is refused with EINVAL. */
    @ParameterizedTest
    @EnumSource(value = KernelEra.class, names = "LATEST", mode = EnumSource.Mode.EXCLUDE)
    void arenaPointerReturnIsRefusedBeforeE5(KernelEra era) {
        VerifierException e = assertThrows(VerifierException.class, () -> verify("arena_return", era));
        assertEquals(Errno.EINVAL, e.errno());
        assertEquals("Global function same() return value not void or scalar. Only those are supported.", e.kernelMessage());
    }

    /** E5 (check_arena_arg_ret, v7.1+): the arena pointer passes in untagged and comes back; the caller stores through it. */
    @Test
    void arenaPointerPassesThroughAGlobalFunctionInE5() {
        VerifiedProgram v = verify("arena_return", KernelEra.LATEST);
        assertTrue(v.exceptionEntries() >= 2, "the store through the returned pointer and the load are arena accesses");
    }

    /** btf_check_func_arg_match, ARG_ANYTHING: a pointer where the callee takes an int is refused. */
    @Test
    void pointerForAScalarParameterIsRefused() {
        BpfProgram p = object().program("global_index").orElseThrow();
        List<Insn> insns = new java.util.ArrayList<>(p.insns());
        // the call's argument set-up (r1 = 1) becomes r1 = r10: a stack pointer
        int set = insns.indexOf(new Insn(ALU | MOV | K, R1, 0, 0, 1));
        assertTrue(set >= 0, "the caller sets r1 = 1");
        insns.set(set, new Insn(ALU64 | MOV | X, R1, R10, 0, 0));
        VerifierException e = assertThrows(VerifierException.class, () -> verify(p.withInsns(insns), KernelEra.LATEST));
        assertEquals(Errno.EINVAL, e.errno());
        assertEquals("R1 is not a scalar", e.kernelMessage());
    }

    /** btf_check_func_arg_match, ARG_PTR_TO_ARENA: only an arena pointer or a scalar may be passed, not a stack pointer. */
    @ParameterizedTest
    @EnumSource(KernelEra.class)
    void stackPointerForAnArenaParameterIsRefused(KernelEra era) {
        BpfProgram p = object().program("tagged_arg").orElseThrow();
        List<Insn> insns = new java.util.ArrayList<>(p.insns());
        // the argument set-up r1 = r0 (the allocated page) becomes r1 = r10
        int set = insns.indexOf(new Insn(ALU64 | MOV | X, R1, R0, 0, 0));
        assertTrue(set >= 0, "the caller sets r1 = r0");
        insns.set(set, new Insn(ALU64 | MOV | X, R1, R10, 0, 0));
        VerifierException e = assertThrows(VerifierException.class, () -> verify(p.withInsns(insns), era));
        assertEquals(Errno.EINVAL, e.errno());
        assertEquals("R1 is not a pointer to arena or scalar.", e.kernelMessage());
    }
}
