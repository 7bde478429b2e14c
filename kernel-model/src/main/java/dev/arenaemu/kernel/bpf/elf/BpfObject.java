package dev.arenaemu.kernel.bpf.elf;

import dev.arenaemu.kernel.bpf.isa.BpfProgram;
import java.util.List;
import java.util.Optional;

/**
 * What a clang-compiled BPF object declares, after ELF parsing and libbpf-style static linking:
 * programs (each with its bpf-to-bpf callees appended and {@link dev.arenaemu.kernel.bpf.isa.Reloc}
 * records for every map/global reference), map definitions (BTF maps followed by the internal
 * maps of the data sections), the data sections with their initial images, and the license.
 */
public record BpfObject(List<BpfProgram> programs, List<MapDefinition> maps, List<DataSection> dataSections, String license) {
    public BpfObject {
        programs = List.copyOf(programs);
        maps = List.copyOf(maps);
        dataSections = List.copyOf(dataSections);
    }

    public Optional<BpfProgram> program(String name) {
        return programs.stream().filter(p -> p.name().equals(name)).findFirst();
    }

    public Optional<MapDefinition> map(String name) {
        return maps.stream().filter(m -> m.name().equals(name)).findFirst();
    }

    /** libbpf supports a single arena per object ("only single ARENA map is supported"). */
    public Optional<MapDefinition> arena() {
        return maps.stream().filter(MapDefinition::isArena).findFirst();
    }

    /**
     * arena_data_off for this object's arena (mapping size = max_entries pages) under the given
     * libbpf placement policy; 0 when there are no {@code __arena} globals.
     */
    public long arenaDataOffset(ArenaGlobalsPlacement placement, long pageSize) {
        long dataSize = arenaGlobals().map(DataSection::size).orElse(0L);
        if (dataSize == 0) return 0;
        MapDefinition arena = arena().orElseThrow(() -> new IllegalStateException("__arena globals without an arena map"));
        return placement.arenaDataOffset(arena.maxEntries() * pageSize, dataSize, pageSize);
    }

    /** The global-data section behind internal map {@code name} (named after the section). */
    public Optional<DataSection> dataSection(String name) {
        return dataSections.stream().filter(s -> s.name().equals(name)).findFirst();
    }

    /** The {@code __arena} globals (.addr_space.1), if any. */
    public Optional<DataSection> arenaGlobals() {
        return dataSections.stream().filter(DataSection::isArena).findFirst();
    }
}
