package dev.arenaemu.kernel.bpf.elf;

import static dev.arenaemu.kernel.bpf.isa.Bpf.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.arenaemu.kernel.bpf.BpfTestPrograms;
import dev.arenaemu.kernel.bpf.isa.BpfProgram;
import dev.arenaemu.kernel.bpf.isa.Insn;
import dev.arenaemu.kernel.bpf.isa.Kfunc;
import dev.arenaemu.kernel.bpf.isa.Reloc;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Loading clang-19 objects of the selftest programs (docs/scenario-catalogue.md#selftests) into the
 * BpfObject model (docs/semantics.md#libbpf).
 */
class BpfObjectLoaderTest {

    private static BpfObject load(String source) {
        return BpfObjectLoader.load(BpfTestPrograms.compile(source));
    }

    @Test
    void arenaMapDefinitionDecodesUintAndUlongMembers() {
        MapDefinition arena = load("arena_list.bpf.c").arena().orElseThrow();
        assertEquals(new MapDefinition("arena", MapDefinition.BPF_MAP_TYPE_ARENA, 0, 0, 100, MapDefinition.BPF_F_MMAPABLE, 1L << 44, 0), arena);
    }

    @Test
    void mapExtraAbove32BitsComesFromAnEnum64() {
        // (1 << 44) | (0xFFFFFFFF - 2 * 4096 + 1): the arena ends at a 4 GiB boundary
        // (docs/scenario-catalogue.md#12-1-verifier_arena)
        assertEquals(0x1000_FFFF_E000L, load("verifier_arena.bpf.c").arena().orElseThrow().mapExtra());
    }

    @Test
    void largeArenaDeclaresAllPagesOf4GiB() {
        BpfObject obj = load("verifier_arena_large.bpf.c");
        assertEquals(1L << 20, obj.arena().orElseThrow().maxEntries());
        assertEquals(4096 + 100 * 8, obj.arenaGlobals().orElseThrow().size());
    }

    @Test
    void arenaWithoutMapExtraHasZeroExtra() {
        assertEquals(0, load("arena_htab.bpf.c").arena().orElseThrow().mapExtra());
    }

    /**
     * btf_parse_fields over a global-data DATASEC: the offset of the struct bpf_spin_lock variable
     * is what libbpf's internal map gets as its value record; a section without one has none, and
     * two locks in one section are refused.
     */
    @Test
    void aStructBpfSpinLockInGlobalDataIsFoundThroughBtf() {
        BpfObject obj = load("spin_lock_global.bpf.c");
        DataSection bss = obj.dataSection(".bss").orElseThrow();
        assertEquals(bss.variable("lock").orElseThrow().offset(), bss.spinLockOffset());
        assertNotEquals(bss.variable("counter").orElseThrow().offset(), bss.spinLockOffset());
        assertEquals(DataSection.NO_SPIN_LOCK, load("arena_list.bpf.c").dataSections().stream()
            .filter(d -> !d.isArena()).findFirst().map(DataSection::spinLockOffset).orElse(DataSection.NO_SPIN_LOCK));
        ElfException e = assertThrows(ElfException.class, () -> load("two_spin_locks.bpf.c"));
        assertTrue(e.getMessage().contains(".bss.two has more than one 'struct bpf_spin_lock'"), e.getMessage());
    }

    @Test
    void arenaGlobalsCarryTheirInitialImage() {
        DataSection globals = load("arena_list.bpf.c").arenaGlobals().orElseThrow();
        DataSection.Variable testVal = globals.variable("test_val").orElseThrow();
        int initial = ByteBuffer.wrap(globals.image()).order(ByteOrder.LITTLE_ENDIAN).getInt((int) testVal.offset());
        assertEquals(1, initial);
        assertEquals(24, globals.size());
    }

    @Test
    void bssBecomesAnInternalArrayMap() {
        BpfObject obj = load("arena_list.bpf.c");
        MapDefinition bss = obj.map(".bss").orElseThrow();
        assertEquals(MapDefinition.BPF_MAP_TYPE_ARRAY, bss.type());
        assertEquals(1, bss.maxEntries());
        assertEquals(obj.dataSections().stream().filter(d -> d.name().equals(".bss")).findFirst().orElseThrow().size(), bss.valueSize());
        assertEquals("GPL", obj.license());
    }

    @Test
    void programsAreFoundPerSection() {
        BpfObject obj = load("arena_list.bpf.c");
        assertEquals(List.of("arena_list_add", "arena_list_del"), obj.programs().stream().map(BpfProgram::name).toList());
        assertEquals("syscall", obj.program("arena_list_add").orElseThrow().section());
    }

    @Test
    void kfuncExternsResolveByName() {
        BpfProgram add = load("arena_list.bpf.c").program("arena_list_add").orElseThrow();
        List<Insn> kfuncCalls = add.insns().stream().filter(i -> i.isCall() && i.src() == PSEUDO_KFUNC_CALL).toList();
        assertFalse(kfuncCalls.isEmpty());
        assertTrue(kfuncCalls.stream().allMatch(i -> i.imm() == Kfunc.BPF_ARENA_ALLOC_PAGES.id));
    }

    @Test
    void mapAndGlobalReferencesBecomeRelocations() {
        BpfProgram add = load("arena_list.bpf.c").program("arena_list_add").orElseThrow();
        assertTrue(add.relocations().contains(new Reloc.ArenaGlobal(relocIndex(add, "global_head"), "arena", 8)));
        Reloc.MapFd arenaRef = add.relocations().stream().filter(r -> r instanceof Reloc.MapFd).map(r -> (Reloc.MapFd) r).findFirst().orElseThrow();
        assertEquals("arena", arenaRef.map());
        Insn ld = add.insns().get(arenaRef.insn());
        assertTrue(ld.isLdImm64());
        assertEquals(PSEUDO_MAP_FD, ld.src());
        for (Reloc r : add.relocations()) {
            if (r instanceof Reloc.ArenaGlobal g) {
                assertEquals(PSEUDO_MAP_VALUE, add.insns().get(g.insn()).src());
                assertEquals(g.offset(), add.insns().get(g.insn() + 1).imm());
            }
        }
    }

    /** The ld_imm64 of {@code &global_head}: the ArenaGlobal relocation with the variable's offset. */
    private static int relocIndex(BpfProgram p, String var) {
        long offset = load("arena_list.bpf.c").arenaGlobals().orElseThrow().variable(var).orElseThrow().offset();
        return p.relocations().stream().filter(r -> r instanceof Reloc.ArenaGlobal g && g.offset() == offset).findFirst().orElseThrow().insn();
    }

    @Test
    void bpfToBpfCalleeIsAppendedAndCallPointsAtIt() {
        BpfObject obj = load("arena_htab.bpf.c");
        BpfProgram prog = obj.program("arena_htab_llvm").orElseThrow();
        List<Insn> insns = prog.insns();
        int callAt = -1;
        for (int i = 0; i < insns.size(); i++) if (insns.get(i).isCall() && insns.get(i).src() == PSEUDO_CALL) callAt = i;
        assertTrue(callAt >= 0, "no bpf-to-bpf call");
        int target = callAt + 1 + insns.get(callAt).imm();
        assertTrue(target > callAt && target < insns.size());
        // the callee starts by spilling its third argument (htab_update in .text)
        assertEquals(STX | MEM | W, insns.get(target).opcode());
        assertTrue(insns.get(insns.size() - 1).isExit());
    }

    @Test
    void unknownKfuncIsAnError() {
        ElfException e = assertThrows(ElfException.class, () -> load("unknown_kfunc.bpf.c"));
        assertTrue(e.getMessage().contains("bpf_no_such_kfunc"), e.getMessage());
        assertTrue(e.offset() > 0);
    }

    @Test
    void scenario62_globalsAtOffsetZero() {
        assertEquals(0, ArenaGlobalsPlacement.OFFSET_ZERO.arenaDataOffset(100 * 4096, 100, 4096));
    }

    @Test
    void scenario63_globalsAtTheEndOfTheArena() {
        assertEquals(99 * 4096, ArenaGlobalsPlacement.END_OF_ARENA.arenaDataOffset(100 * 4096, 100, 4096));
    }

    @Test
    void objectComputesItsArenaDataOffset() {
        BpfObject obj = load("arena_list.bpf.c");
        assertEquals(0, obj.arenaDataOffset(ArenaGlobalsPlacement.OFFSET_ZERO, 4096));
        assertEquals(99 * 4096, obj.arenaDataOffset(ArenaGlobalsPlacement.END_OF_ARENA, 4096));
    }

    @Test
    void scenario64_globalsLargerThanTheArena() {
        var e = assertThrows(ArenaGlobalsPlacement.ArenaTooSmallException.class,
            () -> ArenaGlobalsPlacement.END_OF_ARENA.arenaDataOffset(2 * 4096, 3 * 4096, 4096));
        assertEquals("declared ARENA map size (8192) is too small to hold global __arena variables of size 12288", e.getMessage());
    }
}
