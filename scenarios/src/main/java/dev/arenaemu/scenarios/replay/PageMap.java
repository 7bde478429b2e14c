package dev.arenaemu.scenarios.replay;

import dev.arenaemu.scenarios.check.WorldState;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads page states out of a {@link WorldState}: one arena page's kernel PTE, each process's
 * user PTE and its range-tree state, and the few-line page-map excerpts mismatches show.
 */
final class PageMap {
    private PageMap() {}

    static Long kernelPte(WorldState.ArenaState a, long uaddr) {
        return a.kernelPtes().get(a.kern(uaddr));
    }

    static Long userPte(WorldState s, String process, long uaddr) {
        for (WorldState.SpaceState sp : s.spaces()) if (sp.process().equals(process)) return sp.ptes().get(uaddr & -4096L);
        return null;
    }

    static long pgoff(WorldState.ArenaState a, long uaddr) {
        return (((uaddr & 0xFFFF_FFFFL) - (a.userVmStart() & 0xFFFF_FFFFL)) & 0xFFFF_FFFFL) >>> 12;
    }

    /** The excerpt around {@code uaddr} in the arena whose user range holds it (else the first arena). */
    static String excerpt(WorldState s, long uaddr) {
        return s.arenaAt(uaddr).map(a -> excerpt(s, a, uaddr)).orElse("");
    }

    /** Three pages of arena {@code a} around {@code uaddr}: kernel PTE, every process's PTE, free-set state. */
    static String excerpt(WorldState s, WorldState.ArenaState a, long uaddr) {
        List<String> lines = new ArrayList<>();
        lines.add("page map around 0x" + Long.toHexString(uaddr) + (s.arenas().size() > 1 ? " in arena " + a.name() : "") + ":");
        long page = uaddr & -4096L;
        for (long p = page - 4096; p <= page + 4096; p += 4096) {
            StringBuilder b = new StringBuilder(String.format("%s 0x%x pgoff %d: kernel %s", p == page ? ">" : " ", p, pgoff(a, p),
                StateDiff.pte(kernelPte(a, p))));
            for (WorldState.SpaceState sp : s.spaces()) b.append(" | ").append(sp.process()).append(' ').append(StateDiff.pte(sp.ptes().get(p)));
            b.append(" | ").append(a.isFree(pgoff(a, p)) ? "free" : "not free");
            lines.add(b.toString());
        }
        return String.join("\n", lines);
    }
}
