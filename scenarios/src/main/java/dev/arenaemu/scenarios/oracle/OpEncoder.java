package dev.arenaemu.scenarios.oracle;

import dev.arenaemu.kernel.bpf.asm.AsmException;
import dev.arenaemu.kernel.bpf.asm.Assembler;
import dev.arenaemu.kernel.bpf.elf.ArenaGlobalsPlacement;
import dev.arenaemu.kernel.bpf.elf.DataSection;
import dev.arenaemu.kernel.bpf.elf.MapDefinition;
import dev.arenaemu.kernel.bpf.isa.Bpf;
import dev.arenaemu.kernel.bpf.isa.BpfProgram;
import dev.arenaemu.kernel.bpf.isa.Insn;
import dev.arenaemu.kernel.bpf.isa.Kfunc;
import dev.arenaemu.kernel.bpf.isa.Reloc;
import dev.arenaemu.scenarios.format.Arg;
import dev.arenaemu.scenarios.format.Era;
import dev.arenaemu.scenarios.format.Expr;
import dev.arenaemu.scenarios.format.ProgramSpec;
import dev.arenaemu.scenarios.format.Scenario;
import dev.arenaemu.scenarios.format.Step;
import dev.arenaemu.scenarios.replay.CompiledObjects;
import dev.arenaemu.user.libbpf.LibbpfException;
import dev.arenaemu.user.libbpf.LibbpfObject;
import dev.arenaemu.user.libbpf.OpenOptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Compiles a {@link Scenario} into the guest runner's op list (runner.c reads it). One line per
 * item, tokens separated by spaces:
 * <pre>
 * S number processes drop_caps timeout_ms                  a scenario starts (processes 0..n-1 exist)
 * P prog sleepable n insn_hex... relocs                     a program (relocs "m:insn:arena;k:insn:kfunc")
 * D map type key value max_entries flags init freeze         a C object's .bss/.data/.rodata array map
 * Y object arena offset globals                              a C object's __arena globals (copied before its first load)
 * T step op process bind operands...                        a step (bind: the "as" slot, -1 none)
 * </pre>
 * Program relocations: {@code m} map fd of an arena, {@code a} map value on an arena (__arena
 * globals), {@code d} a data map, {@code v} the runner's io map, {@code k} a kfunc by name,
 * {@code y} the object whose globals must be in the arena first.
 * Operands that are expressions are written in postfix, comma-separated, without spaces:
 * {@code #n} an unsigned decimal, {@code $k} a slot (0 base, 1 end, 2 size of the first arena, 3..
 * the "as" names), {@code + - * & | < >} (shifts), {@code n} negate, {@code L H C} lo32, hi32,
 * clear_lo32, and {@code !} for what the runner cannot know (kern_vm_start, sym() of an __arena
 * global of another arena than the first). The guest evaluates
 * them with its own values, so addresses follow where the real kernel put the arena.
 */
public final class OpEncoder {
    /**
     * A scenario gets this long, plus {@link #STEP_TIMEOUT_MS} per step, on a TCG guest before the
     * runner kills its process tree (a 250-step scenario took over 20 s on a loaded 2-core host).
     */
    public static final int SCENARIO_TIMEOUT_MS = 20_000;
    public static final int STEP_TIMEOUT_MS = 1_000;

    static final int CAP_SYS_ADMIN = 21, CAP_PERFMON = 38, CAP_BPF = 39;

    /** Instructions the runner's program wrapper puts in front (r1..r5 from the io map's value). */
    static final int PROLOGUE = 7;

    /** The runner's buffer for run_code's machine code. */
    static final int MAX_CODE = 1024;

    private final Scenario scenario;
    /** Where this era's libbpf puts __arena globals (the era's replay opens objects the same way). */
    private final ArenaGlobalsPlacement placement;
    /** C objects by {@link ProgramSpec#objectKey()}: their number and the runner's indices of their data maps. */
    private final Map<String, EncodedObject> objects = new HashMap<>();
    private final List<String> objectLines = new ArrayList<>();
    private int dataMaps;
    private final Map<String, Integer> slots = new HashMap<>();
    private final List<String> processes = new ArrayList<>();
    private final List<String> arenas = new ArrayList<>();
    private final Map<String, Integer> programs = new LinkedHashMap<>();
    private final List<String> programLines = new ArrayList<>();
    private final Map<String, String> programProblems = new HashMap<>();

    private OpEncoder(Scenario scenario, Era era) {
        this.scenario = scenario;
        this.placement = era.compareTo(Era.V7_0) < 0 ? ArenaGlobalsPlacement.OFFSET_ZERO : ArenaGlobalsPlacement.END_OF_ARENA;
        slots.put("base", 0);
        slots.put("end", 1);
        slots.put("size", 2);
    }

    /** Compiles {@code scenario} as the runner's scenario number {@code number}, for a kernel of the latest era. */
    public static CompiledScenario compile(Scenario scenario, int number) {
        return compile(scenario, number, Era.LATEST);
    }

    /** Compiles {@code scenario} for a kernel replayed under {@code era} (C objects are opened as that era's libbpf does). */
    public static CompiledScenario compile(Scenario scenario, int number, Era era) {
        return new OpEncoder(scenario, era).compile(number);
    }

    private CompiledScenario compile(int number) {
        processes.addAll(scenario.processes());
        List<StepPlan> plans = new ArrayList<>();
        List<String> steps = new ArrayList<>();
        String whole = scenario.inject().isEmpty() ? null
            : "fault injection (\"inject\") has no counterpart on a stock kernel (no CONFIG_FAULT_INJECTION knobs for the arena's allocations)";
        String stoppedBy = whole;
        for (Step step : scenario.steps()) {
            int idx = step.common().index();
            if (stoppedBy != null) {
                plans.add(new StepPlan(idx, StepPlan.Mode.NOT_OBSERVABLE, stoppedBy));
                continue;
            }
            Encoded e = encode(step);
            plans.add(new StepPlan(idx, e.mode(), e.reason()));
            if (e.line() != null) steps.add("T " + idx + " " + e.line());
            // a step with effects the runner cannot reproduce leaves the kernel in another state than the emulator
            if (e.mode() == StepPlan.Mode.NOT_OBSERVABLE && e.effects()) stoppedBy = "follows step " + idx + ", which the runner cannot express (" + e.reason() + ")";
        }
        StringBuilder text = new StringBuilder();
        text.append("S ").append(number).append(' ').append(scenario.processes().size()).append(" 0x")
            .append(Long.toHexString(dropCaps(scenario))).append(' ').append(timeoutMs(scenario)).append('\n');
        for (String o : objectLines) text.append(o).append('\n');
        for (String p : programLines) text.append(p).append('\n');
        for (String s : steps) text.append(s).append('\n');
        return new CompiledScenario(scenario, number, text.toString(), List.copyOf(plans), List.copyOf(processes), List.copyOf(arenas), whole);
    }

    static long timeoutMs(Scenario s) {
        return SCENARIO_TIMEOUT_MS + (long) STEP_TIMEOUT_MS * s.steps().size();
    }

    /** The capability bits the scenario's caller does not hold (of the three the arena checks). */
    static long dropCaps(Scenario s) {
        long drop = 0;
        if (!s.capabilities().contains("CAP_SYS_ADMIN")) drop |= 1L << CAP_SYS_ADMIN;
        if (!s.capabilities().contains("CAP_PERFMON")) drop |= 1L << CAP_PERFMON;
        if (!s.capabilities().contains("CAP_BPF")) drop |= 1L << CAP_BPF;
        return drop;
    }

    /** One step: its runner line (null: nothing to send), how it is compared, and whether skipping it changes the state. */
    private record Encoded(String line, StepPlan.Mode mode, String reason, boolean effects) {
        static Encoded run(String line) {
            return new Encoded(line, StepPlan.Mode.RUN, null, true);
        }

        static Encoded stateOnly(String reason) {
            return new Encoded("N 0 -1", StepPlan.Mode.STATE_ONLY, reason, false);
        }

        static Encoded not(String reason, boolean effects) {
            return new Encoded(null, StepPlan.Mode.NOT_OBSERVABLE, reason, effects);
        }
    }

    private Encoded encode(Step step) {
        if (!step.common().inject().isEmpty()) return Encoded.not("the step injects a failure, which a stock kernel cannot", true);
        String bind = step.common().bind().map(this::slot).map(String::valueOf).orElse("-1");
        return switch (step) {
            case Step.CreateArena s -> {
                int a = arenas.size();
                arenas.add(s.spec().name());
                var spec = s.spec();
                yield Encoded.run("A -1 " + bind + " " + a + " " + num(spec.maxEntries()) + " " + num(spec.flags()) + " "
                    + expr(spec.mapExtra()) + " " + num(spec.keySize()) + " " + num(spec.valueSize()));
            }
            case Step.Mmap s -> Encoded.run("m " + proc(s.process()) + " " + bind + " " + expr(s.addr()) + " " + expr(s.length()) + " "
                + s.prot() + " " + s.flags() + " " + expr(s.offset()) + " " + (s.anonymous() ? 1 : 0) + " " + arena(s.arena()));
            case Step.Munmap s -> Encoded.run("u " + proc(s.process()) + " " + bind + " " + expr(s.addr()) + " " + expr(s.length()));
            case Step.Mprotect s -> Encoded.run("p " + proc(s.process()) + " " + bind + " " + expr(s.addr()) + " " + expr(s.length()) + " " + s.prot());
            case Step.Mremap s -> Encoded.run("r " + proc(s.process()) + " " + bind + " " + expr(s.addr()) + " " + expr(s.oldSize()) + " "
                + expr(s.newSize()) + " " + s.flags() + " " + s.newAddr().map(this::expr).orElse("#0"));
            case Step.Fork s -> {
                String line = "f " + proc(s.process()) + " " + bind + " " + processes.size();
                processes.add(s.child());
                yield Encoded.run(line);
            }
            case Step.Exit s -> Encoded.run("x " + proc(s.process()) + " -1");
            case Step.Read s -> Encoded.run("R " + proc(s.process()) + " " + bind + " " + expr(s.addr()) + " " + s.size());
            case Step.Write s -> Encoded.run("W " + proc(s.process()) + " " + bind + " " + expr(s.addr()) + " " + s.size() + " " + expr(s.value()));
            case Step.Copy s -> Encoded.run("C " + proc(s.process()) + " " + bind + " " + expr(s.src()) + " " + expr(s.dst()) + " " + expr(s.length()));
            case Step.RunCode s -> runCode(s, bind);
            case Step.RunProgram s -> program(s, bind);
            // arena -1: the runner passes a BPF_MAP_TYPE_ARRAY of its own, as "array_map" asks
            case Step.KfuncCall s -> Encoded.run("K 0 " + bind + " " + s.kfunc().label.replace("_pages", "") + " " + (s.arrayMap() ? "-1" : arena(s.arena())) + " "
                + expr(s.addr()) + " " + expr(s.pageCount()) + " " + expr(s.nodeId()) + " " + expr(s.flags()) + " " + (s.sleepable() ? 1 : 0));
            case Step.RunWork s -> Encoded.stateOnly("the kernel runs its workqueue by itself; the count of items run is the emulator's");
            case Step.MapOperation s -> switch (s.operation()) {
                case LOOKUP, UPDATE, DELETE, GET_NEXT_KEY, FREEZE -> Encoded.run("M 0 " + bind + " " + s.operation().label + " " + arena(s.arena()));
                // no bpf(2) command reaches these arena map ops from user space
                case PUSH, POP, PEEK, DIRECT_VALUE_ADDR -> Encoded.stateOnly("map op " + s.operation().label + " has no bpf(2) command that reaches it from user space");
            };
            case Step.FlushTlb s -> Encoded.stateOnly("TLB flushes are not visible to user space");
            case Step.Checkpoint s -> Encoded.stateOnly(null);
        };
    }

    /** The code (hex without spaces) and rdi, rsi, rdx, rcx, r8, r9 (0 when not given). */
    private Encoded runCode(Step.RunCode s, String bind) {
        String hex = s.hex().replaceAll("\\s", "");
        if (hex.length() / 2 > MAX_CODE) return Encoded.not("run_code longer than " + MAX_CODE + " bytes", true);
        StringBuilder line = new StringBuilder("X " + proc(s.process()) + " " + bind + " " + hex);
        for (String r : List.of("rdi", "rsi", "rdx", "rcx", "r8", "r9")) line.append(' ').append(s.regs().containsKey(r) ? expr(s.regs().get(r)) : "#0");
        return Encoded.run(line.toString());
    }

    private Encoded program(Step.RunProgram s, String bind) {
        String name = s.program();
        if (!programs.containsKey(name) && !programProblems.containsKey(name)) {
            String problem = addProgram(scenario.programs().get(name));
            if (problem != null) programProblems.put(name, problem);
        }
        if (programProblems.containsKey(name)) return Encoded.not(programProblems.get(name), true);
        StringBuilder line = new StringBuilder("P 0 " + bind + " " + programs.get(name) + " " + s.args().size());
        for (Arg a : s.args()) line.append(' ').append(expr(a));
        return Encoded.run(line.toString());
    }

    /** Adds the program's "P" line; returns why it cannot run on the kernel, or null. */
    private String addProgram(ProgramSpec spec) {
        if (spec == null) return "no such program";
        if (!spec.jit()) return "\"jit\": false: a kernel's JIT choice is system-wide (CONFIG_BPF_JIT_ALWAYS_ON), not per program";
        BpfProgram p;
        List<String> relocs = new ArrayList<>();
        if (spec.inline()) {
            try {
                p = Assembler.assemble(spec.name(), "syscall", spec.asm());
            } catch (AsmException e) {
                return "the assembler refuses the program: " + e.reason();
            }
            for (Reloc r : p.relocations()) {
                switch (r) {
                    case Reloc.MapFd m -> relocs.add("m:" + (m.insn() + PROLOGUE) + ":" + arenaByName(m.map()));
                    case Reloc.MapValue m -> { return "the program uses map values (globals), which the runner does not create"; }
                    case Reloc.ArenaGlobal m -> { return "the program uses __arena globals, which the runner does not place"; }
                }
            }
        } else {
            EncodedObject o;
            try {
                o = object(spec);
            } catch (IOException | LibbpfException e) {
                return "libbpf cannot open " + spec.file().getFileName() + " (no kernel call): " + e.getMessage();
            }
            String entry = spec.section() != null ? spec.section() : o.object.object().programs().size() == 1 ? o.object.object().programs().getFirst().name() : null;
            var found = entry == null ? java.util.Optional.<BpfProgram>empty() : o.object.object().program(entry);
            if (found.isEmpty()) return "no program " + entry + " in " + spec.file().getFileName();
            p = found.get().withArenaDataOffset(o.object.arenaDataOffset());
            for (Reloc r : p.relocations()) {
                String map = switch (r) {
                    case Reloc.MapFd m -> m.map();
                    case Reloc.MapValue m -> m.map();
                    case Reloc.ArenaGlobal g -> g.arenaMap();
                };
                int at = r.insn() + PROLOGUE;
                Integer data = o.dataMaps.get(map);
                // an object's arena is the scenario's arena of that name, else its first (bpf_map__reuse_fd), as in the replay
                if (data != null) relocs.add("d:" + at + ":" + data);
                else relocs.add((r instanceof Reloc.MapFd ? "m:" : "a:") + at + ":" + arenaByName(map));
            }
            if (o.hasGlobals) relocs.add("y:0:" + o.number);
        }
        return wrap(spec, p, relocs);
    }

    /** The program between the io prologue and epilogue, every exit a jump to the epilogue, as a "P" line. */
    private String wrap(ProgramSpec spec, BpfProgram p, List<String> relocs) {
        List<Insn> body = p.insns();
        List<Insn> out = new ArrayList<>(wrapperPrologue());
        int epilogue = PROLOGUE + body.size();
        relocs.add("v:0:io");
        relocs.add("v:" + epilogue + ":io");
        for (int i = 0; i < body.size(); i++) {
            Insn in = body.get(i);
            boolean secondSlot = i > 0 && body.get(i - 1).isLdImm64();
            if (!secondSlot && in.isCall() && in.src() == Bpf.PSEUDO_CALL) return "the program has BPF-to-BPF calls; the runner's wrapper handles one function";
            if (!secondSlot && in.isCall() && in.src() == Bpf.PSEUDO_KFUNC_CALL) {
                Kfunc k = Kfunc.byId(in.imm()).orElse(null);
                if (k == null) return "kfunc id " + in.imm() + " unknown";
                relocs.add("k:" + (out.size()) + ":" + k.symbol);
            }
            // every exit goes through the epilogue, which stores the 64-bit r0 into the ctx
            if (!secondSlot && in.isExit()) in = new Insn(Bpf.JMP | Bpf.JA, 0, 0, epilogue - (out.size() + 1), 0);
            out.add(in);
        }
        out.addAll(wrapperEpilogue());
        int index = programs.size();
        programs.put(spec.name(), index);
        StringBuilder line = new StringBuilder("P " + index + " " + (spec.sleepable() ? 1 : 0) + " " + out.size());
        for (Insn in : out) line.append(' ').append(Long.toHexString(in.encode()));
        line.append(' ').append(String.join(";", relocs));
        programLines.add(line.toString());
        return null;
    }

    /** A C object opened once per scenario (its programs share its data maps and globals), with its "D" and "Y" lines. */
    private record EncodedObject(int number, LibbpfObject object, Map<String, Integer> dataMaps, boolean hasGlobals) {}

    private EncodedObject object(ProgramSpec spec) throws IOException, LibbpfException {
        EncodedObject o = objects.get(spec.objectKey());
        if (o != null) return o;
        Path file = spec.file();
        byte[] elf = file.toString().endsWith(".c") ? CompiledObjects.compile(file, spec.mcpu()) : Files.readAllBytes(file);
        LibbpfObject lo = LibbpfObject.open(elf, OpenOptions.placement(placement));
        Map<String, Integer> data = new HashMap<>();
        for (MapDefinition d : lo.object().maps()) {
            if (d.isArena()) continue;
            byte[] image = lo.object().dataSections().stream().filter(x -> x.name().equals(d.name())).findFirst().map(DataSection::image).orElse(new byte[0]);
            boolean freeze = (d.mapFlags() & MapDefinition.BPF_F_RDONLY_PROG) != 0;
            objectLines.add("D " + dataMaps + " " + d.type() + " " + d.keySize() + " " + d.valueSize() + " " + d.maxEntries() + " 0x"
                + Long.toHexString(d.mapFlags()) + " " + JitOpEncoder.hex(image) + " " + (freeze ? 1 : 0));
            data.put(d.name(), dataMaps++);
        }
        byte[] globals = lo.object().arenaGlobals().map(DataSection::image).orElse(new byte[0]);
        int number = objects.size();
        if (globals.length > 0) {
            String arena = lo.object().arena().map(MapDefinition::name).orElse("arena");
            objectLines.add("Y " + number + " " + arenaByName(arena) + " " + lo.arenaDataOffset() + " " + JitOpEncoder.hex(globals));
        }
        o = new EncodedObject(number, lo, data, globals.length > 0);
        objects.put(spec.objectKey(), o);
        return o;
    }

    /**
     * The scenario's r1..r5 come from the runner's io map (u64 args[5], result), reached with
     * ld_imm64 BPF_PSEUDO_MAP_VALUE ("v" reloc): BPF_PROG_TEST_RUN reports only 32 bits of r0, and
     * a non-sleepable program (a socket filter) has no writable context.
     */
    static List<Insn> wrapperPrologue() {
        int ldx = Bpf.LDX | Bpf.MEM | Bpf.DW;
        List<Insn> out = new ArrayList<>(Insn.ldImm64(1, Bpf.PSEUDO_MAP_VALUE, 0));
        out.addAll(List.of(new Insn(ldx, 2, 1, 8, 0), new Insn(ldx, 3, 1, 16, 0), new Insn(ldx, 4, 1, 24, 0),
            new Insn(ldx, 5, 1, 32, 0), new Insn(ldx, 1, 1, 0, 0)));
        return out;
    }

    /** io[5] = r0; return 0. */
    static List<Insn> wrapperEpilogue() {
        List<Insn> out = new ArrayList<>(Insn.ldImm64(1, Bpf.PSEUDO_MAP_VALUE, 0));
        out.addAll(List.of(new Insn(Bpf.STX | Bpf.MEM | Bpf.DW, 1, 0, 40, 0), new Insn(Bpf.ALU64 | Bpf.MOV | Bpf.K, 0, 0, 0, 0),
            new Insn(Bpf.JMP | Bpf.EXIT, 0, 0, 0, 0)));
        return out;
    }

    private int arenaByName(String name) {
        int i = arenas.indexOf(name);
        return i < 0 ? 0 : i;
    }

    private String arena(Optional<String> name) {
        return Integer.toString(name.map(this::arenaByName).orElse(0));
    }

    private int proc(String name) {
        int i = processes.indexOf(name);
        if (i < 0) throw new IllegalStateException("process " + name + " unknown to the encoder");
        return i;
    }

    private int slot(String name) {
        return slots.computeIfAbsent(name, n -> slots.size());
    }

    static String num(long v) {
        return "#" + Long.toUnsignedString(v);
    }

    /**
     * sym(name): user_vm_start + arena_data_off + the variable's offset, as the replay resolves it
     * (the first C object that defines it), when its arena is the first one (the runner's "base"
     * slot); "!" (not observable) otherwise.
     */
    private String global(String name) {
        for (ProgramSpec spec : scenario.programs().values()) {
            if (spec.inline()) continue;
            EncodedObject o;
            try {
                o = object(spec);
            } catch (IOException | LibbpfException e) {
                continue;
            }
            var v = o.object.object().arenaGlobals().flatMap(g -> g.variable(name));
            if (v.isEmpty()) continue;
            String arena = o.object.object().arena().map(MapDefinition::name).orElse("arena");
            if (arenaByName(arena) != 0) return "!";
            return "$0," + num(o.object.arenaDataOffset() + v.get().offset()) + ",+";
        }
        return "!";
    }

    private String expr(Arg a) {
        List<String> out = new ArrayList<>();
        postfix(a.expr(), out);
        return String.join(",", out);
    }

    private void postfix(Expr e, List<String> out) {
        switch (e) {
            case Expr.Num n -> out.add(num(n.value()));
            case Expr.Sym s -> out.add(switch (s.name()) {
                case "PAGE" -> num(4096);
                case "NULL" -> num(0);
                case "kern_vm_start" -> "!";
                default -> "$" + slot(s.name());
            });
            case Expr.Global g -> out.add(global(g.name()));
            case Expr.Neg n -> {
                postfix(n.operand(), out);
                out.add("n");
            }
            case Expr.Binary b -> {
                postfix(b.left(), out);
                postfix(b.right(), out);
                out.add(String.valueOf(b.op()));
            }
            case Expr.Call c -> {
                postfix(c.argument(), out);
                out.add(switch (c.function()) {
                    case "lo32" -> "L";
                    case "hi32" -> "H";
                    case "clear_lo32" -> "C";
                    default -> "!";
                });
            }
        }
    }
}
