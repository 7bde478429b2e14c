package dev.arenaemu.kernel.bpf.verifier;

import dev.arenaemu.kernel.Errno;
import dev.arenaemu.kernel.KernelEra;
import dev.arenaemu.kernel.bpf.asm.Assembler;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/**
 * bpf_map iterator programs (SEC("iter[.s]/bpf_map")) and the BTF-typed pointers of their context,
 * as the kernel's btf_ctx_access, check_ptr_to_btf_access, mark_ptr_or_null_regs and
 * check_kfunc_args (KF_ARG_PTR_TO_MAP of a KF_TRUSTED_ARGS kfunc) treat them: the programs of the
 * upstream verifier_arena.c iter_maps1/2/3 and the variations around them. Offsets are those of
 * {@link KernelStruct}: bpf_iter__bpf_map.meta 0, .map 8; bpf_iter_meta.seq 0; bpf_map.inner_map_meta
 * 8, .max_entries 36.
 */
class IterProgramsVerifierTest {
    private static final VerifierConfig ROOT = VerifierConfig.privileged(KernelEra.V6_9);
    private static final String SLEEPABLE = "iter.s/bpf_map";

    /** The call every program ends with: bpf_arena_alloc_pages(r1, NULL, r3, NUMA_NO_NODE, 0). */
    private static final String ALLOC_CALL = """
        r2 = 0
        w4 = -1
        r5 = 0
        call bpf_arena_alloc_pages
        w0 = 0
        exit""";

    /** iter_maps1 as clang-19 -O2 emits it: the map, its NULL check, max_entries, the kfunc. */
    private static final String ITER_MAPS1 = """
        r1 = *(u64 *)(r1 + 8)
        if r1 == 0 goto +5
        r3 = *(u32 *)(r1 + 36)
        """ + ALLOC_CALL;

    private static VerifiedProgram verify(String section, String asm, VerifierConfig config) {
        return Verifier.verify(Assembler.assemble("p", section, asm), Map.of(), config);
    }

    private static void assertRejected(String section, String asm, VerifierConfig config, Errno errno, int insn, String message) {
        VerifierException e = assertThrows(VerifierException.class, () -> verify(section, asm, config));
        assertEquals(message, e.kernelMessage());
        assertEquals(errno, e.errno());
        assertEquals(insn, e.insnIndex());
    }

    /** iter_maps1: the iterated map, once NULL-checked, is a trusted struct bpf_map *: it loads in every era. */
    @ParameterizedTest
    @EnumSource(KernelEra.class)
    void iterMaps1_trustedMapAfterNullCheckLoads(KernelEra era) {
        assertDoesNotThrow(() -> verify(SLEEPABLE, ITER_MAPS1, VerifierConfig.privileged(era)));
    }

    /** iter_maps2: ctx->meta->seq is trusted (BTF_TYPE_SAFE_TRUSTED) but a seq_file: the strict struct match fails. */
    @Test
    void iterMaps2_seqFileIsNotABpfMap() {
        String asm = """
            r1 = *(u64 *)(r1 + 0)
            r1 = *(u64 *)(r1 + 0)
            r3 = 1
            """ + ALLOC_CALL;
        assertRejected(SLEEPABLE, asm, ROOT, Errno.EINVAL, 6,
            "kernel function bpf_arena_alloc_pages args#0 expected pointer to STRUCT bpf_map but R1 has a pointer to STRUCT seq_file");
    }

    private static final String ITER_MAPS3 = """
        r1 = *(u64 *)(r1 + 8)
        if r1 == 0 goto +6
        r3 = *(u32 *)(r1 + 36)
        r1 = *(u64 *)(r1 + 8)
        """ + ALLOC_CALL;

    /** iter_maps3: map->inner_map_meta, walked in a sleepable program (outside RCU), is untrusted. */
    @Test
    void iterMaps3_walkedPointerIsUntrustedAndRefused() {
        assertRejected(SLEEPABLE, ITER_MAPS3, ROOT, Errno.EINVAL, 7, "R1 must be referenced or trusted");
    }

    /**
     * What the kernel's log prints for R1 after iter_maps3's walk (print_verifier_state), which the
     * upstream test's __msg("untrusted_ptr_bpf_map") matches: check_ptr_to_btf_access's flags.
     */
    @Test
    void walkedPointerStates() {
        BtfAccess sleepable = new BtfAccess(ROOT, true, Optional.of(IterTarget.BPF_MAP));
        RegState map = sleepable.contextRead(0, 8, 8, false);
        assertEquals("trusted_ptr_or_null_bpf_map()", map.toString());
        RegState checked = RegState.btf(map.btf().notNull());
        assertEquals("untrusted_ptr_bpf_map()", sleepable.read(1, 1, checked, 8, 8, false).toString());
        assertEquals(RegType.SCALAR, sleepable.read(1, 1, checked, 36, 4, false).type());
        RegState meta = sleepable.contextRead(0, 0, 8, false);
        assertEquals("trusted_ptr_bpf_iter_meta()", meta.toString());
        assertEquals("trusted_ptr_seq_file()", sleepable.read(1, 1, meta, 0, 8, false).toString());
        // inside RCU (a non-sleepable program) the walk gives the old plain PTR_TO_BTF_ID
        BtfAccess inRcu = new BtfAccess(ROOT, false, Optional.of(IterTarget.BPF_MAP));
        assertEquals("ptr_bpf_map()", inRcu.read(1, 1, checked, 8, 8, false).toString());
        // and walking on from an untrusted pointer stays untrusted
        RegState untrusted = sleepable.read(1, 1, checked, 8, 8, false);
        assertEquals("untrusted_ptr_bpf_map()", inRcu.read(2, 1, untrusted, 8, 8, false).toString());
    }

    /** Non-sleepable iterators (E4+, where the arena kfuncs are no longer KF_SLEEPABLE): the plain walked pointer is still not trusted. */
    @Test
    void nonSleepableWalkIsPlainAndRefused() {
        assertRejected("iter/bpf_map", ITER_MAPS3, VerifierConfig.privileged(KernelEra.V7_0), Errno.EINVAL, 7, "R1 must be referenced or trusted");
        assertDoesNotThrow(() -> verify("iter/bpf_map", ITER_MAPS1, VerifierConfig.privileged(KernelEra.V7_0)));
        // before E4 the kfunc is KF_SLEEPABLE: check_kfunc_call refuses it before looking at the arguments
        assertRejected("iter/bpf_map", ITER_MAPS1, ROOT, Errno.EACCES, 6, "program must be sleepable to call sleepable kfunc bpf_arena_alloc_pages");
    }

    /** Without the NULL check the map is PTR_MAYBE_NULL: the kfunc refuses it, and so does a load through it. */
    @Test
    void maybeNullMapIsRefused() {
        assertRejected(SLEEPABLE, "r1 = *(u64 *)(r1 + 8)\nr3 = 1\n" + ALLOC_CALL, ROOT, Errno.EACCES, 5,
            "Possibly NULL pointer passed to trusted arg0");
        assertRejected(SLEEPABLE, "r1 = *(u64 *)(r1 + 8)\nr3 = *(u32 *)(r1 + 36)\n" + ALLOC_CALL, ROOT, Errno.EACCES, 1,
            "R1 invalid mem access 'trusted_ptr_or_null_'");
        assertRejected(SLEEPABLE, "r1 = *(u64 *)(r1 + 8)\nr1 += 8\nw0 = 0\nexit", ROOT, Errno.EACCES, 1,
            "R1 pointer arithmetic on trusted_ptr_or_null_ prohibited, null-check it first");
    }

    /** mark_ptr_or_null_regs refines every copy with the same id, on the branch that is not NULL (JNE form too). */
    @Test
    void nullCheckRefinesCopiesOnTheRightBranch() {
        String copies = """
            r6 = *(u64 *)(r1 + 8)
            r7 = r6
            *(u64 *)(r10 - 8) = r6
            if r6 != 0 goto +2
            w0 = 0
            exit
            r1 = *(u64 *)(r10 - 8)
            r3 = *(u32 *)(r7 + 36)
            """ + ALLOC_CALL;
        assertDoesNotThrow(() -> verify(SLEEPABLE, copies, ROOT));
        // on the NULL branch the pointer is scalar 0
        String wrongBranch = """
            r1 = *(u64 *)(r1 + 8)
            if r1 != 0 goto +2
            r3 = *(u32 *)(r1 + 36)
            exit
            w0 = 0
            exit""";
        assertRejected(SLEEPABLE, wrongBranch, ROOT, Errno.EACCES, 2, "R1 invalid mem access 'scalar'");
    }

    /** A pointer moved off the struct's start is no longer the object: check_func_arg_reg_off. */
    @Test
    void modifiedMapPointerIsRefused() {
        String asm = """
            r1 = *(u64 *)(r1 + 8)
            if r1 == 0 goto +6
            r3 = 1
            r1 += 8
            """ + ALLOC_CALL;
        assertRejected(SLEEPABLE, asm, ROOT, Errno.EACCES, 7, "dereference of modified trusted_ptr_ ptr R1 off=8 disallowed");
    }

    /** btf_ctx_access / btf_struct_access limits: whole argument slots, read only, pointer members read whole. */
    @Test
    void contextAndStructAccessLimits() {
        assertRejected(SLEEPABLE, "r2 = *(u64 *)(r1 + 16)\nw0 = 0\nexit", ROOT, Errno.EACCES, 0, "invalid bpf_context access off=16 size=8");
        assertRejected(SLEEPABLE, "r2 = *(u32 *)(r1 + 8)\nw0 = 0\nexit", ROOT, Errno.EACCES, 0, "invalid bpf_context access off=8 size=4");
        assertRejected(SLEEPABLE, "r2 = 0\n*(u64 *)(r1 + 8) = r2\nw0 = 0\nexit", ROOT, Errno.EACCES, 1, "invalid bpf_context access off=8 size=8");
        String walk = "r1 = *(u64 *)(r1 + 8)\nif r1 == 0 goto +1\n%s\nw0 = 0\nexit";
        assertRejected(SLEEPABLE, walk.formatted("r2 = *(u32 *)(r1 + 8)"), ROOT, Errno.EACCES, 2,
            "cannot access ptr member inner_map_meta with moff 8 in struct bpf_map with off 8 size 4");
        assertRejected(SLEEPABLE, walk.formatted("*(u32 *)(r1 + 36) = 1"), ROOT, Errno.EACCES, 2, "only read is supported");
        assertRejected(SLEEPABLE, walk.formatted("r2 = *(u64 *)(r1 - 8)"), ROOT, Errno.EACCES, 2,
            "R1 is ptr_bpf_map invalid negative access: off=-8");
    }

    /** Program-type gates: tracing needs CAP_BPF and CAP_PERFMON; only the bpf_map target is modelled. */
    @Test
    void programTypeGates() {
        assertRejected(SLEEPABLE, ITER_MAPS1, ROOT.withCaps(true, false), Errno.EPERM, -1,
            "BPF_PROG_TYPE_TRACING programs need CAP_BPF and CAP_PERFMON");
        assertRejected("iter.s/task", "w0 = 0\nexit", ROOT, Errno.EINVAL, -1, "iterator target of SEC(\"iter.s/task\") is not modelled (only bpf_map)");
        assertTrue(Verifier.isSleepable(SLEEPABLE));
        assertFalse(Verifier.isSleepable("iter/bpf_map"));
    }
}
