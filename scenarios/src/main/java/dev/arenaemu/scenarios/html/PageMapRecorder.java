package dev.arenaemu.scenarios.html;

import dev.arenaemu.scenarios.check.Violation;
import dev.arenaemu.scenarios.check.WorldState;
import dev.arenaemu.scenarios.format.Scenario;
import dev.arenaemu.scenarios.format.Step;
import dev.arenaemu.scenarios.replay.Mismatch;
import dev.arenaemu.scenarios.replay.Outcome;
import dev.arenaemu.scenarios.replay.StepObserver;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Records the replays of one scenario (one per era) step by step for {@link PageMapHtml}: each
 * step's snapshot becomes, per arena, one character per drawn page (populated, reserved, free),
 * the kernel PTEs' frames, and per process and arena the user PTEs' frames and which pages its
 * VMAs cover. All address arithmetic happens here (64-bit addresses do not fit a JS number); the
 * page is given page offsets, frame numbers and addresses as text.
 */
public final class PageMapRecorder implements StepObserver {
    /** Arenas up to this many pages are drawn whole; larger ones only where something happens. */
    static final int MAX_COLUMNS = 4096;
    private static final Pattern HEX = Pattern.compile("0x([0-9a-fA-F]{1,16})");

    private final List<Map<String, Object>> runs = new ArrayList<>();
    private Scenario scenario;
    private final List<Snap> snaps = new ArrayList<>();

    /** One recorded step: index -1 and no step for the state before the first step. */
    private record Snap(Step.Common step, List<String> trace, WorldState state, List<Mismatch> mismatches, List<Violation> violations) {}

    public Scenario scenario() {
        return scenario;
    }

    /** The recorded runs, in the order they ran (JSON-ready maps). */
    public List<Map<String, Object>> runs() {
        return runs;
    }

    @Override
    public void begin(Scenario s, String eraLabel, WorldState before) {
        scenario = s;
        snaps.clear();
        snaps.add(new Snap(null, List.of(), before, List.of(), List.of()));
    }

    @Override
    public void step(Step.Common step, List<String> trace, WorldState after, List<Mismatch> mismatches, List<Violation> violations) {
        snaps.add(new Snap(step, trace, after, mismatches, violations));
    }

    @Override
    public void end(Outcome o) {
        // A replay that failed before its world existed has no snapshot: an empty state stands for it.
        if (snaps.isEmpty()) snaps.add(new Snap(null, List.of(), new WorldState(List.of(), List.of(), Map.of()), List.of(), List.of()));
        Map<String, Object> run = new LinkedHashMap<>();
        run.put("era", o.era().label);
        run.put("status", o.status().name());
        run.put("problems", o.problems());
        // Arenas by name, in order of first appearance, and the page columns each one draws.
        Map<String, long[]> columns = new LinkedHashMap<>();
        Map<String, Long> pages = new LinkedHashMap<>();
        Map<String, Set<Long>> busy = new LinkedHashMap<>();
        for (Snap sn : snaps) {
            for (WorldState.ArenaState a : sn.state().arenas()) {
                pages.merge(a.name(), pageCount(a), Math::max);
                Set<Long> b = busy.computeIfAbsent(a.name(), k -> new TreeSet<>());
                if (pageCount(a) > MAX_COLUMNS) collectBusy(sn.state(), a, b);
            }
        }
        List<Map<String, Object>> arenas = new ArrayList<>();
        for (var e : pages.entrySet()) {
            long[] cols = columnsOf(e.getValue(), busy.get(e.getKey()));
            columns.put(e.getKey(), cols);
            Map<String, Object> am = new LinkedHashMap<>();
            am.put("name", e.getKey());
            am.put("pages", e.getValue());
            List<Long> c = new ArrayList<>();
            for (long x : cols) c.add(x);
            am.put("cols", c);
            arenas.add(am);
        }
        run.put("arenas", arenas);
        List<String> processes = new ArrayList<>(new LinkedHashSet<>(snaps.stream().flatMap(sn -> sn.state().spaces().stream().map(WorldState.SpaceState::process)).toList()));
        run.put("processes", processes);
        List<Map<String, Object>> steps = new ArrayList<>();
        for (Snap sn : snaps) steps.add(step(sn, columns));
        run.put("steps", steps);
        runs.add(run);
        snaps.clear();
    }

    private static Map<String, Object> step(Snap sn, Map<String, long[]> columns) {
        Map<String, Object> m = new LinkedHashMap<>();
        Step.Common c = sn.step();
        m.put("label", c == null ? "start" : c.index() < 0 ? "setup" : Integer.toString(c.index()));
        m.put("op", c == null ? "(before the first step)" : c.op());
        m.put("place", c == null ? "" : c.place());
        m.put("trace", sn.trace());
        m.put("mismatches", sn.mismatches().stream().map(Mismatch::describe).toList());
        m.put("violations", sn.violations().stream().map(Violation::describe).toList());
        WorldState s = sn.state();
        List<String> names = new ArrayList<>(columns.keySet());
        List<Object> arenas = new ArrayList<>();
        for (String name : names) {
            WorldState.ArenaState a = s.arena(name).orElse(null);
            if (a == null) {
                arenas.add(null);
                continue;
            }
            long[] cols = columns.get(name);
            Map<Long, Integer> colOf = colIndex(cols);
            StringBuilder st = new StringBuilder();
            List<List<Long>> kernel = new ArrayList<>();
            for (int i = 0; i < cols.length; i++) {
                if (cols[i] < 0) {
                    st.append('-');
                    continue;
                }
                Long pte = a.kernelPtes().get(a.kern(a.userVmStart() + cols[i] * 4096));
                boolean present = pte != null && (pte & 1) != 0;
                st.append(present ? 'p' : a.isFree(cols[i]) ? 'f' : 'r');
                if (present) kernel.add(List.of((long) i, WorldState.frameOf(pte) >>> 12, (pte & 2) != 0 ? 1L : 0L));
            }
            Map<String, Object> am = new LinkedHashMap<>();
            am.put("user", a.userVmStart() == 0 ? "not placed yet" : range(a.userVmStart(), a.userVmEnd()));
            am.put("kern", hex(a.kernVmStart()));
            am.put("base", hex(a.userVmStart()));
            am.put("vmaList", a.vmaList().size());
            am.put("st", st.toString());
            am.put("k", kernel);
            List<Map<String, Object>> procs = new ArrayList<>();
            for (WorldState.SpaceState sp : s.spaces()) {
                char[] cov = ".".repeat(cols.length).toCharArray();
                for (int i = 0; i < cols.length; i++) if (cols[i] < 0) cov[i] = '-';
                List<List<Long>> user = new ArrayList<>();
                List<String> vmas = new ArrayList<>();
                for (WorldState.VmaRange v : sp.arenaVmas()) {
                    if (!v.arena().equals(name)) continue;
                    vmas.add(range(v.start(), v.end()));
                    for (int i = 0; i < cols.length; i++) {
                        if (cols[i] < 0) continue;
                        long addr = userAddr(a, v, cols[i]);
                        if (addr < 0) continue;
                        if (cov[i] == '.') cov[i] = 'v';
                        Long pte = sp.ptes().get(addr);
                        if (pte != null && (pte & 1) != 0 && cov[i] != 'p') {
                            cov[i] = 'p';
                            user.add(List.of((long) i, WorldState.frameOf(pte) >>> 12, (pte & 2) != 0 ? 1L : 0L));
                        }
                    }
                }
                Map<String, Object> pm = new LinkedHashMap<>();
                pm.put("name", sp.process());
                pm.put("vmas", vmas);
                pm.put("cov", new String(cov));
                pm.put("u", user);
                procs.add(pm);
            }
            am.put("procs", procs);
            am.put("bad", badColumns(sn, a, colOf));
            arenas.add(am);
        }
        m.put("arenas", arenas);
        return m;
    }

    /** The user address at which VMA {@code v} maps arena page {@code pgoff}, or -1 if it does not. */
    private static long userAddr(WorldState.ArenaState a, WorldState.VmaRange v, long pgoff) {
        // A VMA maps the arena page whose pgoff is lo32(address) - lo32(user_vm_start), in pages.
        long first = pgoffOf(a, v.start());
        long n = (v.end() - v.start()) >>> 12;
        long d = pgoff - first;
        return d >= 0 && d < n ? v.start() + d * 4096 : -1;
    }

    private static long pgoffOf(WorldState.ArenaState a, long uaddr) {
        return (((uaddr & 0xFFFF_FFFFL) - (a.userVmStart() & 0xFFFF_FFFFL)) & 0xFFFF_FFFFL) >>> 12;
    }

    /** Columns of pages a violation or a mismatch of this step names (by user or kernel address, or the excerpt's marked page). */
    private static List<Integer> badColumns(Snap sn, WorldState.ArenaState a, Map<Long, Integer> colOf) {
        Set<Integer> out = new TreeSet<>();
        List<String> texts = new ArrayList<>();
        for (Violation v : sn.violations()) texts.add(v.detail());
        for (Mismatch x : sn.mismatches()) {
            if (x.excerpt() == null) continue;
            for (String line : x.excerpt().lines().toList()) if (line.startsWith(">")) texts.add(line);
        }
        for (String t : texts) {
            Matcher m = HEX.matcher(t);
            while (m.find()) {
                long addr = Long.parseUnsignedLong(m.group(1), 16);
                Long pgoff = null;
                if (a.userVmStart() != 0 && Long.compareUnsigned(addr, a.userVmStart()) >= 0 && Long.compareUnsigned(addr, a.userVmEnd()) < 0) {
                    pgoff = (addr - a.userVmStart()) >>> 12;
                } else if (Long.compareUnsigned(addr, a.kernVmStart()) >= 0 && Long.compareUnsigned(addr - a.kernVmStart(), 1L << 32) < 0) {
                    pgoff = (((addr - a.kernVmStart()) - (a.userVmStart() & 0xFFFF_FFFFL)) & 0xFFFF_FFFFL) >>> 12;
                }
                Integer col = pgoff == null ? null : colOf.get(pgoff);
                if (col != null) out.add(col);
            }
        }
        return List.copyOf(out);
    }

    private static Map<Long, Integer> colIndex(long[] cols) {
        Map<Long, Integer> m = new java.util.HashMap<>();
        for (int i = 0; i < cols.length; i++) if (cols[i] >= 0) m.put(cols[i], i);
        return m;
    }

    /** The arena's pages: its user range in pages, or (not placed yet) as far as its free set reaches. */
    static long pageCount(WorldState.ArenaState a) {
        if (a.userVmEnd() > a.userVmStart()) return (a.userVmEnd() - a.userVmStart()) >>> 12;
        long n = 0;
        for (WorldState.Run r : a.freeRuns()) n = Math.max(n, r.start() + r.length());
        return n;
    }

    /** Pages of a large arena worth drawing in this state: not free, or holding a kernel or user PTE. */
    private static void collectBusy(WorldState s, WorldState.ArenaState a, Set<Long> out) {
        long n = pageCount(a);
        long prev = 0;
        for (WorldState.Run r : a.freeRuns()) {
            for (long p = prev; p < r.start() && out.size() < 4 * MAX_COLUMNS; p++) out.add(p);
            prev = r.start() + r.length();
        }
        for (long p = prev; p < n && out.size() < 4 * MAX_COLUMNS; p++) out.add(p);
        // A kernel PTE at kern_vm_start + lo32(uaddr) belongs to pgoff (lo32(uaddr) - lo32(user_vm_start)) / PAGE.
        for (long k : a.kernelPtes().keySet()) out.add((((k - a.kernVmStart()) - (a.userVmStart() & 0xFFFF_FFFFL)) & 0xFFFF_FFFFL) >>> 12);
        for (WorldState.SpaceState sp : s.spaces()) {
            for (WorldState.VmaRange v : sp.arenaVmas()) {
                if (v.arena().equals(a.name())) for (long u : sp.ptesIn(v).keySet()) out.add(pgoffOf(a, u));
            }
        }
    }

    /**
     * The drawn columns: every page of an arena of up to {@link #MAX_COLUMNS} pages; for larger
     * ones the first and last 16 pages and every busy page (up to the limit), with -1 (a gap
     * marker) where pages are left out.
     */
    static long[] columnsOf(long pages, Set<Long> busy) {
        if (pages <= MAX_COLUMNS) {
            long[] c = new long[(int) pages];
            for (int i = 0; i < c.length; i++) c[i] = i;
            return c;
        }
        TreeSet<Long> keep = new TreeSet<>();
        for (long p = 0; p < 16; p++) keep.add(p);
        for (long p = pages - 16; p < pages; p++) keep.add(p);
        for (long p : busy) {
            if (keep.size() >= MAX_COLUMNS) break;
            if (p >= 0 && p < pages) keep.add(p);
        }
        List<Long> out = new ArrayList<>();
        long prev = -1;
        for (long p : keep) {
            if (p != prev + 1) out.add(-1L);
            out.add(p);
            prev = p;
        }
        return out.stream().mapToLong(Long::longValue).toArray();
    }

    private static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }

    private static String range(long a, long b) {
        return "[" + hex(a) + ", " + hex(b) + ")";
    }
}
