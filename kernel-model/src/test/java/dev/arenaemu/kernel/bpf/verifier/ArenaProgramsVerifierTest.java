package dev.arenaemu.kernel.bpf.verifier;

import dev.arenaemu.kernel.Errno;
import dev.arenaemu.kernel.KernelEra;

import static dev.arenaemu.kernel.bpf.isa.Bpf.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.arenaemu.kernel.bpf.BpfTestPrograms;
import dev.arenaemu.kernel.bpf.elf.BpfObject;
import dev.arenaemu.kernel.bpf.elf.BpfObjectLoader;
import dev.arenaemu.kernel.bpf.elf.MapDefinition;
import dev.arenaemu.kernel.bpf.isa.BpfProgram;
import dev.arenaemu.kernel.bpf.isa.Insn;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * The selftest programs (docs/scenario-catalogue.md#selftests), compiled by clang-19, loaded by the
 * ELF loader and verified: every access through an arena pointer ends up in a PROBE mode, every
 * cast_kern is a 32-bit move.
 */
class ArenaProgramsVerifierTest {
    private static final long KERNEL_MAPS = 0xFFFF_8880_1000_0000L;

    /** Stand-ins for the created maps: arena at map_extra (or 1<<44), arrays at made-up kernel addresses. */
    static Map<String, MapDescriptor> created(BpfObject obj) {
        Map<String, MapDescriptor> maps = new HashMap<>();
        long next = KERNEL_MAPS;
        for (MapDefinition def : obj.maps()) {
            if (def.isArena()) {
                long base = def.mapExtra() != 0 ? def.mapExtra() : 1L << 44;
                maps.put(def.name(), MapDescriptor.arena(def.name(), def.mapFlags(), next, base, base + def.maxEntries() * 4096));
            } else {
                maps.put(def.name(), new MapDescriptor(def.name(), def.type(), def.mapFlags(), def.valueSize(), next, next + 0x100, 0, 0));
            }
            next += 0x10_0000;
        }
        return maps;
    }

    private static VerifiedProgram verify(String source, String program, KernelEra era) {
        BpfObject obj = BpfObjectLoader.load(BpfTestPrograms.compile(source));
        BpfProgram p = obj.program(program).orElseThrow();
        return Verifier.verify(p, created(obj), VerifierConfig.privileged(era));
    }

    @ParameterizedTest
    @CsvSource({
        "arena_list.bpf.c, arena_list_add", "arena_list.bpf.c, arena_list_del", "arena_htab.bpf.c, arena_htab_llvm",
        "arena_atomics.bpf.c, add", "arena_atomics.bpf.c, sub", "arena_atomics.bpf.c, and", "arena_atomics.bpf.c, or",
        "arena_atomics.bpf.c, xor", "arena_atomics.bpf.c, cmpxchg", "arena_atomics.bpf.c, xchg",
        "arena_fixups.bpf.c, unpopulated_access"})
    void selftestProgramVerifiesWithArenaAccessesRewritten(String source, String program) {
        VerifiedProgram v = verify(source, program, KernelEra.V6_13);
        List<Insn> insns = v.program().insns();
        assertTrue(v.arena().isPresent());
        assertTrue(v.exceptionEntries() > 0);
        int probes = 0;
        for (int i = 0; i < insns.size(); i++) {
            Insn insn = insns.get(i);
            assertFalse(insn.isAddrSpaceCast() && insn.imm() == CAST_KERN, "cast_kern left at " + i);
            // PROBE_MEM32SX (0xC0) only means something in class LDX; in STX 0xC0 is plain BPF_ATOMIC
            boolean probe = (insn.cls() == LDX || insn.cls() == ST || insn.cls() == STX)
                && (insn.mode() == PROBE_MEM32 || insn.mode() == PROBE_ATOMIC || (insn.cls() == LDX && insn.mode() == PROBE_MEM32SX));
            assertEquals(v.aux().get(i).arenaAccess(), probe, "insn " + i);
            if (probe) probes++;
            if (insn.isLdImm64()) {
                assertEquals(0, insn.src(), "pseudo ld_imm64 left at " + i);
                i++;
            }
        }
        assertEquals(v.exceptionEntries(), probes);
    }

    /** Selftest 12-1: every program of verifier_arena.c verifies, bound to the arena at map_extra. */
    @Test
    void verifierArenaProgramsAllVerify() {
        BpfObject obj = BpfObjectLoader.load(BpfTestPrograms.compile("verifier_arena.bpf.c"));
        assertEquals(List.of("basic_alloc1", "basic_alloc2", "basic_reserve1", "basic_reserve2", "reserve_twice", "reserve_invalid_region"),
            obj.programs().stream().map(BpfProgram::name).toList());
        for (BpfProgram p : obj.programs()) {
            VerifiedProgram v = Verifier.verify(p, created(obj), VerifierConfig.privileged(KernelEra.V6_13));
            assertEquals(0x1000_FFFF_E000L, v.arena().orElseThrow().userVmStart(), p.name());
        }
    }

    /**
     * Scenario 63 on the 4 GiB arena of selftest 12-2 (verifier_arena_large): globals at the end
     * sit at offset 4 GiB - 8 KiB, above BPF_MAX_VAR_OFF, so only a kernel without that check (E4+)
     * accepts the program.
     */
    @Test
    void scenario63_globalsAtTheEndOfA4GiBArenaNeedE4() {
        BpfObject obj = BpfObjectLoader.load(BpfTestPrograms.compile("verifier_arena_large.bpf.c"));
        long end = obj.arenaDataOffset(dev.arenaemu.kernel.bpf.elf.ArenaGlobalsPlacement.END_OF_ARENA, 4096);
        assertEquals((1L << 32) - 2 * 4096, end);
        BpfProgram atEnd = obj.program("big_alloc1").orElseThrow().withArenaDataOffset(end);
        VerifierException e = assertThrows(VerifierException.class,
            () -> Verifier.verify(atEnd, created(obj), VerifierConfig.privileged(KernelEra.V6_13)));
        assertEquals(Errno.EINVAL, e.errno());
        assertEquals("direct value offset of " + end + " is not allowed", e.kernelMessage());
        assertNotNull(Verifier.verify(atEnd, created(obj), VerifierConfig.privileged(KernelEra.V7_0)));
    }

    @Test
    void scenario62_globalsAtOffsetZeroOfA4GiBArenaVerifyInE3() {
        BpfObject obj = BpfObjectLoader.load(BpfTestPrograms.compile("verifier_arena_large.bpf.c"));
        for (BpfProgram p : obj.programs()) {
            assertNotNull(Verifier.verify(p.withArenaDataOffset(0), created(obj), VerifierConfig.privileged(KernelEra.V6_13)), p.name());
        }
    }

    /** -mcpu=v3 (no ldsx/movsx/sdiv, different register allocation) must verify the same way. */
    @ParameterizedTest
    @CsvSource({"arena_list.bpf.c, arena_list_add", "arena_list.bpf.c, arena_list_del", "arena_htab.bpf.c, arena_htab_llvm",
        "arena_atomics.bpf.c, cmpxchg", "arena_fixups.bpf.c, unpopulated_access", "arena_fixups.bpf.c, sign_extending_load"})
    void selftestProgramCompiledForV3Verifies(String source, String program) {
        BpfObject obj = BpfObjectLoader.load(BpfTestPrograms.compile(source, "v3"));
        VerifiedProgram v = Verifier.verify(obj.program(program).orElseThrow(), created(obj), VerifierConfig.privileged(KernelEra.V6_13));
        assertTrue(v.exceptionEntries() > 0);
        assertTrue(v.program().insns().stream().noneMatch(i -> i.cls() == LDX && i.mode() == MEMSX));
    }

    @Test
    void atomicsProgramUsesProbeAtomicForEveryArenaAtomic() {
        VerifiedProgram v = verify("arena_atomics.bpf.c", "cmpxchg", KernelEra.V6_13);
        long atomics = v.program().insns().stream().filter(i -> i.cls() == STX && i.mode() == PROBE_ATOMIC).count();
        assertEquals(4, atomics);
        assertTrue(v.program().insns().stream().noneMatch(i -> i.cls() == STX && i.mode() == ATOMIC));
    }

    @Test
    void scenario27_fetchAndFromCIsRejected() {
        VerifierException e = assertThrows(VerifierException.class, () -> verify("arena_atomics.bpf.c", "and_fetch_rejected", KernelEra.V6_13));
        assertEquals(Errno.EACCES, e.errno());
        assertTrue(e.kernelMessage().matches("BPF_ATOMIC stores into R\\d arena is not allowed"), e.kernelMessage());
    }

    @Test
    void signExtendingLoadFromCNeedsV618() {
        VerifierException e = assertThrows(VerifierException.class, () -> verify("arena_fixups.bpf.c", "sign_extending_load", KernelEra.V6_13));
        assertEquals(Errno.EOPNOTSUPP, e.errno());
        VerifiedProgram v = verify("arena_fixups.bpf.c", "sign_extending_load", KernelEra.V7_0);
        assertTrue(v.program().insns().stream().anyMatch(i -> i.cls() == LDX && i.mode() == PROBE_MEM32SX));
    }

    @Test
    void scenario63_globalsAtTheEndAreAddressedThere() {
        BpfObject obj = BpfObjectLoader.load(BpfTestPrograms.compile("arena_list.bpf.c"));
        MapDefinition arena = obj.arena().orElseThrow();
        long dataOff = dev.arenaemu.kernel.bpf.elf.ArenaGlobalsPlacement.END_OF_ARENA
            .arenaDataOffset(arena.maxEntries() * 4096, obj.arenaGlobals().orElseThrow().size(), 4096);
        BpfProgram add = obj.program("arena_list_add").orElseThrow().withArenaDataOffset(dataOff);
        long headOff = obj.arenaGlobals().orElseThrow().variable("global_head").orElseThrow().offset();
        int ld = add.relocations().stream().filter(r -> r instanceof dev.arenaemu.kernel.bpf.isa.Reloc.MapValue v
            && v.map().equals("arena") && v.offset() == dataOff + headOff).findFirst().orElseThrow().insn();
        VerifiedProgram v = Verifier.verify(add, created(obj), VerifierConfig.privileged(KernelEra.V7_0));
        assertEquals((1L << 44) + 99 * 4096 + headOff, Insn.imm64(v.program().insns().get(ld), v.program().insns().get(ld + 1)));
    }

    @Test
    void htabSubprogramIsItsOwnFrame() {
        VerifiedProgram v = verify("arena_htab.bpf.c", "arena_htab_llvm", KernelEra.V6_13);
        assertEquals(2, v.subprogStarts().size());
        // subprog_info[i].stack_depth as the verifier found it: unrounded (the JIT rounds to 8)
        assertTrue(v.stackDepths().stream().allMatch(d -> d >= 0 && d <= 512), v.stackDepths()::toString);
    }
}
