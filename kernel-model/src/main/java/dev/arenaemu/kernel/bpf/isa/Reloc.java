package dev.arenaemu.kernel.bpf.isa;

/**
 * A reference from one instruction of a {@link BpfProgram} to an object the loader resolves at
 * load time (libbpf's struct reloc_desc after bpf_program__record_reloc). {@code insn} is the
 * index of the (first slot of the) instruction in the program's instruction list.
 */
public sealed interface Reloc {
    int insn();

    /** {@code rX = map[NAME] ll}: ld_imm64 with src = BPF_PSEUDO_MAP_FD, imm = the map's fd. */
    record MapFd(int insn, String map) implements Reloc {}

    /**
     * {@code rX = map_value[NAME + off] ll}: ld_imm64 with src = BPF_PSEUDO_MAP_VALUE, the map's
     * fd in insn[0].imm and {@code offset} in insn[1].imm (globals in .bss/.data/.rodata).
     */
    record MapValue(int insn, String map, long offset) implements Reloc {}

    /**
     * {@code rX = arena_global[off] ll}: a reference to an {@code __arena} global, {@code offset}
     * bytes into the .addr_space.1 image. libbpf turns it into a MapValue on the arena map with
     * offset {@code arena_data_off + offset} (docs/semantics.md#libbpf); see ArenaGlobalsPlacement.
     */
    record ArenaGlobal(int insn, String arenaMap, long offset) implements Reloc {}
}
