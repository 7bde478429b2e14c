package dev.arenaemu.scenarios.oracle;

import dev.arenaemu.scenarios.format.Names;
import dev.arenaemu.scenarios.format.Step;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a {@link RawStep} into the fields both sides compare. Addresses are written relative to
 * the arena they fall in ({@code base+0x1000}; a further arena by its label), since a real kernel
 * places an arena without map_extra wherever its get_unmapped_area finds room; kernel addresses
 * are only "kernel address" (KASLR); frames are named by first appearance in the step ({@code f1},
 * {@code f2}, ...: the same name means the same page); errnos by name.
 */
public final class Normalizer {
    private static final long WINDOW = 1L << 32;

    private final List<RawStep.Arena> arenas;

    public Normalizer(List<RawStep.Arena> arenas) {
        this.arenas = arenas;
    }

    /** How a step's return value is compared. */
    public enum Ret { NONE, VALUE, OK_OR_ERRNO }

    public static Ret retKind(Step step) {
        return switch (step) {
            case Step.Mmap s -> s.anonymous() ? Ret.OK_OR_ERRNO : Ret.VALUE;
            case Step.Fork s -> Ret.OK_OR_ERRNO;
            case Step.CreateArena s -> Ret.VALUE;
            case Step.Munmap s -> Ret.VALUE;
            case Step.Mprotect s -> Ret.VALUE;
            case Step.Mremap s -> Ret.VALUE;
            case Step.RunProgram s -> Ret.VALUE;
            case Step.RunCode s -> Ret.VALUE;
            case Step.MapOperation s -> Ret.VALUE;
            case Step.KfuncCall s -> s.kfunc() == Step.Kfunc.FREE_PAGES ? Ret.NONE : Ret.VALUE;
            default -> Ret.NONE;
        };
    }

    /** The compared fields of a step that was run ({@code ret} only for steps whose result is compared). */
    public static Map<String, String> fields(Step step, StepPlan.Mode mode, RawStep raw) {
        Normalizer n = new Normalizer(raw.arenas());
        Map<String, String> out = new LinkedHashMap<>();
        Ret kind = mode == StepPlan.Mode.RUN ? retKind(step) : Ret.NONE;
        if (kind != Ret.NONE) {
            out.put("ret", raw.ret().isEmpty() ? "none" : kind == Ret.OK_OR_ERRNO ? n.okOrErrno(raw.ret().getAsLong()) : n.value(raw.ret().getAsLong()));
        }
        if (step instanceof Step.Read) out.put("value", raw.value().isEmpty() ? "none" : n.value(raw.value().getAsLong()));
        boolean access = step instanceof Step.Read || step instanceof Step.Write || step instanceof Step.Copy || step instanceof Step.RunProgram
            || step instanceof Step.RunCode;
        if (access || raw.signal() != null) out.put("signal", raw.signal() == null ? "none" : n.signal(raw.signal()));
        out.putAll(n.state(raw));
        return out;
    }

    /** VMAs, pages (frames by identity across every process of the step) and memlock per arena. */
    Map<String, String> state(RawStep raw) {
        Map<String, String> out = new LinkedHashMap<>();
        Map<Long, String> frames = new HashMap<>();
        for (RawStep.Proc p : raw.procs()) {
            List<String> vmas = new ArrayList<>();
            for (RawStep.Vma v : p.vmas()) vmas.add("[" + value(v.start()) + ", " + value(v.end()) + ") " + v.perms());
            out.put("vmas " + p.name(), vmas.isEmpty() ? "none" : String.join("; ", vmas));
            List<RawStep.Pte> ptes = new ArrayList<>(p.ptes());
            ptes.sort(Comparator.comparingLong(RawStep.Pte::va));
            List<String> pages = new ArrayList<>();
            for (RawStep.Pte t : ptes) pages.add(value(t.va()) + "=" + frames.computeIfAbsent(t.frame(), f -> "f" + (frames.size() + 1)));
            out.put("pages " + p.name(), pages.isEmpty() ? "none" : String.join(" ", pages));
        }
        for (RawStep.Arena a : raw.arenas()) if (a.memlock() >= 0) out.put("memlock " + a.label(), Long.toString(a.memlock()));
        return out;
    }

    String okOrErrno(long v) {
        return v < 0 && v >= -4095 ? "-" + Names.errnoName(-v) : "ok";
    }

    /** A number as both sides can compare it: an errno, an address relative to its arena, or the value. */
    public String value(long v) {
        if (v == 0) return "0";
        if (v < 0 && v >= -4095) return "-" + Names.errnoName(-v);
        if (v < 0) return "kernel address";
        for (int i = 0; i < arenas.size(); i++) {
            RawStep.Arena a = arenas.get(i);
            if (a.base() == 0) continue;
            long hi = Math.max(a.end(), a.base()) + WINDOW;
            if (v >= a.base() - WINDOW && v < hi) {
                String name = i == 0 ? "base" : a.label();
                long d = v - a.base();
                return d >= 0 ? name + "+0x" + Long.toHexString(d) : name + "-0x" + Long.toHexString(-d);
            }
        }
        return "0x" + Long.toHexString(v);
    }

    String signal(RawStep.Signal s) {
        String code = switch (s.signo() * 100 + s.code()) {
            case 1101 -> "SEGV_MAPERR";
            case 1102 -> "SEGV_ACCERR";
            case 702 -> "BUS_ADRERR";
            default -> "code " + s.code();
        };
        return Names.signalName(s.signo()) + " " + code + " at " + value(s.addr());
    }
}
