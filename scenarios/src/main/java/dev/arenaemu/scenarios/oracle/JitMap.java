package dev.arenaemu.scenarios.oracle;

import dev.arenaemu.kernel.bpf.elf.MapDefinition;

/**
 * A map a program of {@code oracle --jit} needs, as libbpf would create it: BPF_MAP_CREATE's
 * type, sizes, flags and map_extra; an array map's initial value ({@code init}, .data/.rodata
 * images) and whether libbpf freezes it (.rodata); an arena's {@code __arena} globals image and
 * where in the mapping it goes (arena_data_off).
 */
public record JitMap(String name, int type, long keySize, long valueSize, long maxEntries, long flags, long mapExtra,
                     byte[] init, boolean freeze, long globalsOffset, byte[] globals) {
    public boolean isArena() {
        return type == MapDefinition.BPF_MAP_TYPE_ARENA;
    }

    /** An arena of a scenario (inline assembler programs reference the scenario's arenas by name). */
    public static JitMap arena(String name, long maxEntries, long flags, long mapExtra) {
        return new JitMap(name, MapDefinition.BPF_MAP_TYPE_ARENA, 0, 0, maxEntries, flags, mapExtra, new byte[0], false, 0, new byte[0]);
    }
}
