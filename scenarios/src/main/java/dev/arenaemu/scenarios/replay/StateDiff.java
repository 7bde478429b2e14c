package dev.arenaemu.scenarios.replay;

import dev.arenaemu.scenarios.check.WorldState;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The PTE changes between two snapshots, per address space, as trace lines such as
 * {@code pte kernel 0xffffc90000009000: absent -> frame 0x1000002000 RW} — the "which PTEs
 * changed in which space" part of the trace. Ordered by space, then address, so it is deterministic.
 */
public final class StateDiff {
    private StateDiff() {}

    public static List<String> lines(WorldState before, WorldState after) {
        List<String> out = new ArrayList<>();
        diff("kernel", before.arena().map(WorldState.ArenaState::kernelPtes).orElse(new TreeMap<>()),
            after.arena().map(WorldState.ArenaState::kernelPtes).orElse(new TreeMap<>()), out);
        Map<String, NavigableMap<Long, Long>> b = new TreeMap<>(), a = new TreeMap<>();
        for (WorldState.SpaceState s : before.spaces()) b.put(s.process(), s.ptes());
        for (WorldState.SpaceState s : after.spaces()) a.put(s.process(), s.ptes());
        TreeSet<String> names = new TreeSet<>(b.keySet());
        names.addAll(a.keySet());
        for (String n : names) diff(n, b.getOrDefault(n, new TreeMap<>()), a.getOrDefault(n, new TreeMap<>()), out);
        return out;
    }

    private static void diff(String space, NavigableMap<Long, Long> before, NavigableMap<Long, Long> after, List<String> out) {
        TreeSet<Long> keys = new TreeSet<>(Long::compareUnsigned);
        keys.addAll(before.keySet());
        keys.addAll(after.keySet());
        for (long k : keys) {
            Long x = before.get(k), y = after.get(k);
            if (x == null ? y == null : x.equals(y)) continue;
            out.add(String.format("pte %s 0x%x: %s -> %s", space, k, pte(x), pte(y)));
        }
    }

    public static String pte(Long entry) {
        if (entry == null || (entry & 1) == 0) return "absent";
        return String.format("frame 0x%x %s%s", WorldState.frameOf(entry), (entry & 2) != 0 ? "RW" : "RO", (entry & 4) != 0 ? " U" : "");
    }
}
