package dev.arenaemu.scenarios.replay;

import dev.arenaemu.kernel.Errno;
import dev.arenaemu.kernel.arena.Arena;
import dev.arenaemu.scenarios.check.WorldState;
import dev.arenaemu.scenarios.format.Arg;
import dev.arenaemu.scenarios.format.Expect;
import dev.arenaemu.scenarios.format.Names;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Supplier;

/** Compares a step's {@link Effect} and the state after it with the step's {@link Expect}. */
final class Expectations {
    private Expectations() {}

    static List<Mismatch> check(int step, String place, Expect e, Effect effect, World world, WorldState state, boolean userAccess) {
        List<Mismatch> out = new ArrayList<>();
        e.ret().ifPresent(r -> {
            long want = r.eval(world);
            if (effect.ret().isEmpty()) out.add(new Mismatch(step, place, "return value", show(r, want), "the step returns nothing", null));
            else if (effect.ret().getAsLong() != want) out.add(new Mismatch(step, place, "return value", show(r, want), ret(effect.ret()), null));
        });
        e.errno().ifPresent(en -> {
            if (effect.ret().isEmpty() || effect.ret().getAsLong() != -en.number()) {
                out.add(new Mismatch(step, place, "errno", "-" + en.name() + " (" + -en.number() + ")", ret(effect.ret()), null));
            }
        });
        e.value().ifPresent(v -> {
            long want = v.eval(world);
            if (effect.value().isEmpty() || effect.value().getAsLong() != want) {
                out.add(new Mismatch(step, place, "value read", show(v, want),
                    effect.value().isEmpty() ? "no value (" + signalText(effect) + ")" : hex(effect.value().getAsLong()), null));
            }
        });
        for (String text : e.output()) {
            if (!effect.summary().contains(text)) out.add(new Mismatch(step, place, "output", "contains \"" + text + "\"", effect.summary(), null));
        }
        for (Map.Entry<String, Arg> r : e.regs().entrySet()) {
            long want = r.getValue().eval(world);
            Long got = effect.regs().get(r.getKey());
            if (got == null || got != want) {
                out.add(new Mismatch(step, place, "register " + r.getKey(), show(r.getValue(), want), got == null ? "not available" : hex(got), null));
            }
        }
        e.retval().ifPresent(r -> {
            long want = r.eval(world);
            Long got = effect.regs().get("retval");
            if (got == null || got != want) {
                out.add(new Mismatch(step, place, "retval (u32, BPF_PROG_TEST_RUN)", show(r, want), got == null ? "not available" : hex(got), null));
            }
        });
        e.stderr().ifPresent(lines -> {
            List<String> want = new ArrayList<>();
            for (Expect.StderrLine l : lines) want.add(l.text(l.addr().eval(world)));
            if (!want.equals(effect.stderr())) {
                out.add(new Mismatch(step, place, "program stderr", want.isEmpty() ? "nothing" : String.join("\n", want),
                    effect.stderr().isEmpty() ? "nothing" : String.join("\n", effect.stderr()), null));
            }
        });
        if (e.signal().isPresent()) {
            Expect.SignalExpect se = e.signal().get();
            if (effect.signal().isEmpty()) {
                out.add(new Mismatch(step, place, "signal", se.name(), "no signal", null));
            } else {
                Effect.SignalInfo got = effect.signal().get();
                String want = se.name() + se.code().map(c -> " " + c).orElse("") + se.addr().map(a -> " at " + show(a, a.eval(world))).orElse("");
                boolean ok = got.signo() == se.signo()
                    && se.code().map(c -> Names.SI_CODES.get(c) == got.code()).orElse(true)
                    && se.addr().map(a -> a.eval(world) == got.addr()).orElse(true);
                if (!ok) out.add(new Mismatch(step, place, "signal", want, signalText(effect), PageMap.excerpt(state, got.addr())));
            }
        } else if (userAccess && effect.signal().isPresent()) {
            out.add(new Mismatch(step, place, "signal", "no signal", signalText(effect), PageMap.excerpt(state, effect.signal().get().addr())));
        }
        e.faultIn().ifPresent(f -> {
            if (f != effect.faultIn()) out.add(new Mismatch(step, place, "arena fault-in", f ? "a fault-in" : "no fault-in", effect.faultIn() ? "a fault-in" : "no fault-in", null));
        });
        if (effect.focus().isPresent() && !out.isEmpty()) {
            String excerpt = PageMap.excerpt(state, effect.focus().getAsLong());
            out.replaceAll(m -> m.excerpt() == null ? new Mismatch(m.step(), m.place(), m.what(), m.expected(), m.actual(), excerpt) : m);
        }
        out.addAll(state(step, place, e, world, state));
        return out;
    }

    /**
     * The state-only expectations (pages, mem_usage, vma_list): also what "final" checks. Each
     * talks about the arena it names, else the arena its expectation names, else the scenario's
     * first arena.
     */
    static List<Mismatch> state(int step, String place, Expect e, World world, WorldState state) {
        List<Mismatch> out = new ArrayList<>();
        for (Expect.PageExpect p : e.pages()) {
            Optional<String> named = p.arena().or(e::arena);
            Optional<WorldState.ArenaState> arena = named.isEmpty() ? state.arena() : state.arena(named.get());
            if (named.isPresent() && arena.isEmpty()) {
                out.add(notCreated(step, place, "pages at " + p.addr().text(), named.get()));
                continue;
            }
            long start = p.addr().eval(world);
            String in = named.isPresent() && state.arenas().size() > 1 ? " in arena " + named.get() : "";
            for (long i = 0; i < p.count(); i++) {
                long ua = start + i * 4096;
                long page = i;
                // Named only for a mismatch: a "count" of thousands of pages would format thousands of names.
                Supplier<String> what = () -> "page " + p.addr().text() + (page == 0 ? "" : "+" + page + "*PAGE") + String.format(" (0x%x)", ua) + in;
                checkPage(step, place, what, p, ua, arena, world, state, out);
            }
        }
        if (e.memUsage().isEmpty() && e.vmaList().isEmpty()) return out;
        Optional<Arena> arena = e.arena().isEmpty() ? world.arena() : world.arenaMap(e.arena().get()).map(m -> m.arena());
        if (e.arena().isPresent() && arena.isEmpty()) {
            out.add(notCreated(step, place, "mem_usage and vma_list", e.arena().get()));
            return out;
        }
        String of = e.arena().map(n -> " of arena " + n).orElse("");
        e.memUsage().ifPresent(m -> {
            long want = m.eval(world);
            long got = arena.map(a -> a.memUsage()).orElse(0L);
            if (got != want) out.add(new Mismatch(step, place, "mem_usage" + of, show(m, want), Long.toString(got), null));
        });
        e.vmaList().ifPresent(n -> {
            int got = arena.map(a -> a.vmaList().size()).orElse(0);
            if (got != n) out.add(new Mismatch(step, place, "vma_list entries" + of, Integer.toString(n), Integer.toString(got), null));
        });
        return out;
    }

    /** An expectation naming an arena whose create_arena step failed in this run (a sweep provokes that on purpose). */
    private static Mismatch notCreated(int step, String place, String what, String arena) {
        return new Mismatch(step, place, what, "arena " + arena + " exists", "arena " + arena + " was not created in this run", null);
    }

    private static void checkPage(int step, String place, Supplier<String> what, Expect.PageExpect p, long ua, Optional<WorldState.ArenaState> arena,
                                  World world, WorldState s, List<Mismatch> out) {
        Long kpte = arena.map(a -> PageMap.kernelPte(a, ua)).orElse(null);
        // Only a mismatch shows the excerpt: building it for every checked page costs a map walk.
        Supplier<String> excerpt = () -> arena.map(a -> PageMap.excerpt(s, a, ua)).orElse("");
        boolean kernel = kpte != null;
        if (p.kernel().isPresent() && p.kernel().get() != kernel) {
            out.add(new Mismatch(step, place, what.get() + ": kernel PTE", p.kernel().get() ? "present" : "absent", StateDiff.pte(kpte), excerpt.get()));
        }
        for (Map.Entry<String, Boolean> u : p.user().entrySet()) {
            Long upte = PageMap.userPte(s, u.getKey(), ua);
            if ((upte != null) != u.getValue()) {
                out.add(new Mismatch(step, place, what.get() + ": user PTE in " + u.getKey(), u.getValue() ? "present" : "absent", StateDiff.pte(upte), excerpt.get()));
            }
        }
        if (p.state().isPresent() && arena.isPresent()) {
            WorldState.ArenaState a = arena.get();
            Expect.PageState got = kernel ? Expect.PageState.POPULATED : a.isFree(PageMap.pgoff(a, ua)) ? Expect.PageState.FREE : Expect.PageState.RESERVED;
            if (got != p.state().get()) out.add(new Mismatch(step, place, what.get() + ": state", lower(p.state().get()), lower(got), excerpt.get()));
        }
        for (Map.Entry<String, String> f : p.frames().entrySet()) {
            boolean inKernel = f.getKey().equals(Expect.PageExpect.KERNEL);
            Long pte = inKernel ? kpte : PageMap.userPte(s, f.getKey(), ua);
            String where = what.get() + ": frame " + (inKernel ? "of the kernel PTE" : "in " + f.getKey());
            if (pte == null || (pte & 1) == 0) {
                out.add(new Mismatch(step, place, where, f.getValue(), "no PTE", excerpt.get()));
                continue;
            }
            world.checkFrame(f.getValue(), WorldState.frameOf(pte))
                .ifPresent(got -> out.add(new Mismatch(step, place, where, f.getValue(), got, excerpt.get())));
        }
        if (p.value().isPresent()) {
            long want = p.value().get().eval(world);
            long got = kernel ? world.kernel().frames().bytes(WorldState.frameOf(kpte)).getLong(0) : 0;
            if (got != want) out.add(new Mismatch(step, place, what.get() + ": value (u64 at the page start, as BPF reads it)", show(p.value().get(), want), hex(got), excerpt.get()));
        }
    }

    private static String lower(Expect.PageState s) {
        return s.name().toLowerCase(Locale.ROOT);
    }

    static String show(Arg a, long v) {
        String h = hex(v);
        return a.text().equals(Long.toString(v)) || a.text().equalsIgnoreCase(h) ? h : a.text() + " = " + h;
    }

    static String hex(long v) {
        return v >= 0 && v < 10 ? Long.toString(v) : (v < 0 && v > -4096 ? Long.toString(v) : "0x" + Long.toHexString(v));
    }

    static String ret(OptionalLong r) {
        if (r.isEmpty()) return "nothing";
        long v = r.getAsLong();
        return v < 0 && v > -4096 ? Errno.describe(v) : hex(v);
    }

    static String signalText(Effect effect) {
        if (effect.signal().isEmpty()) return "no signal";
        Effect.SignalInfo s = effect.signal().get();
        String code = s.signo() == 11 ? (s.code() == 1 ? " SEGV_MAPERR" : s.code() == 2 ? " SEGV_ACCERR" : " code " + s.code()) : " code " + s.code();
        return Names.signalName(s.signo()) + code + " at 0x" + Long.toHexString(s.addr());
    }
}
