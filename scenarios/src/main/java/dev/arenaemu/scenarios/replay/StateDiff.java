package dev.arenaemu.scenarios.replay;

import dev.arenaemu.scenarios.check.WorldState;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The PTE changes between two snapshots, per address space, as trace lines such as
 * {@code pte kernel 0xffffc90000009000: absent -> frame 0x1000002000 RW} — the "which PTEs
 * changed in which space" part of the trace. Each arena's kernel range is a space: the
 * scenario's first arena is {@code kernel} (so single-arena traces read as they always did),
 * every further arena {@code kernel[<name>]}. Ordered by space (the arenas in creation order,
 * then the processes by name), then address, so it is deterministic.
 */
public final class StateDiff {
    private StateDiff() {}

    public static List<String> lines(WorldState before, WorldState after) {
        List<String> out = new ArrayList<>();
        for (String arena : arenaNames(before, after)) {
            diff(arena.equals(firstName(before, after)) ? "kernel" : "kernel[" + arena + "]", kernelPtes(before, arena), kernelPtes(after, arena), out);
        }
        Map<String, NavigableMap<Long, Long>> b = new TreeMap<>(), a = new TreeMap<>();
        for (WorldState.SpaceState s : before.spaces()) b.put(s.process(), s.ptes());
        for (WorldState.SpaceState s : after.spaces()) a.put(s.process(), s.ptes());
        TreeSet<String> names = new TreeSet<>(b.keySet());
        names.addAll(a.keySet());
        for (String n : names) diff(n, b.getOrDefault(n, new TreeMap<>()), a.getOrDefault(n, new TreeMap<>()), out);
        return out;
    }

    /** The arenas of either snapshot, in creation order (an arena only appears or disappears, it never moves). */
    private static List<String> arenaNames(WorldState before, WorldState after) {
        java.util.LinkedHashSet<String> names = new java.util.LinkedHashSet<>();
        for (WorldState.ArenaState a : before.arenas()) names.add(a.name());
        for (WorldState.ArenaState a : after.arenas()) names.add(a.name());
        return List.copyOf(names);
    }

    /** The scenario's arena: the first one created, whichever snapshot still has it. */
    private static String firstName(WorldState before, WorldState after) {
        return before.arena().or(after::arena).map(WorldState.ArenaState::name).orElse("");
    }

    private static NavigableMap<Long, Long> kernelPtes(WorldState s, String arena) {
        return s.arena(arena).map(WorldState.ArenaState::kernelPtes).orElse(new TreeMap<>());
    }

    /** A merge of the two maps' entries, both in ascending address order: one pass, no key set. */
    private static void diff(String space, NavigableMap<Long, Long> before, NavigableMap<Long, Long> after, List<String> out) {
        Iterator<Map.Entry<Long, Long>> b = before.entrySet().iterator(), a = after.entrySet().iterator();
        Map.Entry<Long, Long> x = b.hasNext() ? b.next() : null, y = a.hasNext() ? a.next() : null;
        while (x != null || y != null) {
            int order = x == null ? 1 : y == null ? -1 : Long.compareUnsigned(x.getKey(), y.getKey());
            if (order < 0) {
                changed(space, x.getKey(), x.getValue(), null, out);
                x = b.hasNext() ? b.next() : null;
            } else if (order > 0) {
                changed(space, y.getKey(), null, y.getValue(), out);
                y = a.hasNext() ? a.next() : null;
            } else {
                if (!x.getValue().equals(y.getValue())) changed(space, x.getKey(), x.getValue(), y.getValue(), out);
                x = b.hasNext() ? b.next() : null;
                y = a.hasNext() ? a.next() : null;
            }
        }
    }

    private static void changed(String space, long k, Long before, Long after, List<String> out) {
        // Concatenation, not String.format: an arena-wide free changes thousands of PTEs per step.
        out.add("pte " + space + " 0x" + Long.toHexString(k) + ": " + pte(before) + " -> " + pte(after));
    }

    public static String pte(Long entry) {
        if (entry == null || (entry & 1) == 0) return "absent";
        return "frame 0x" + Long.toHexString(WorldState.frameOf(entry)) + ((entry & 2) != 0 ? " RW" : " RO") + ((entry & 4) != 0 ? " U" : "");
    }
}
