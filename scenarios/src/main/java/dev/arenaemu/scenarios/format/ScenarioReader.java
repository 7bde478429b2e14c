package dev.arenaemu.scenarios.format;

import dev.arenaemu.kernel.bpf.asm.AsmException;
import dev.arenaemu.kernel.bpf.asm.Assembler;
import dev.arenaemu.kernel.bpf.isa.BpfProgram;
import dev.arenaemu.kernel.bpf.isa.Reloc;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads a scenario file strictly: unknown fields, unknown ops, wrong types, bad expressions,
 * undeclared processes/programs/symbols and out-of-range numbers are all errors naming
 * file:line:column. The format is documented in docs/scenario-format.md and
 * scenarios/schema/scenario.schema.json.
 */
public final class ScenarioReader {
    public static final long MAX_FILE_BYTES = 4L << 20;

    private final Path file;
    private final String label;
    /** Symbols usable at the current point: builtins plus every earlier step's "as". */
    private final Set<String> symbols = new LinkedHashSet<>(Expr.BUILTINS);
    private final Set<String> processes = new LinkedHashSet<>();
    /** The scenario's "cpus", read before the steps that name one. */
    private int cpus = Scenario.DEFAULT_CPUS;
    private final Set<String> exited = new HashSet<>();
    /** Arena names usable at the current point: the top-level "arena" and every earlier create_arena's "name". */
    private final Set<String> arenas = new LinkedHashSet<>();
    private Map<String, ProgramSpec> programs = Map.of();

    private ScenarioReader(Path file) {
        this.file = file;
        this.label = file.toString();
    }

    public static Scenario read(Path file) throws ScenarioException {
        Where top = new Where(file.toString(), 1, 1);
        byte[] bytes;
        try {
            if (!Files.isRegularFile(file)) throw new ScenarioException(top, "no such scenario file");
            if (Files.size(file) > MAX_FILE_BYTES) throw new ScenarioException(top, "scenario file larger than " + MAX_FILE_BYTES + " bytes");
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new ScenarioException(top, "cannot read: " + e.getMessage());
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new ScenarioException(top, "not UTF-8 text");
        }
        return parse(file, text);
    }

    public static Scenario parse(Path file, String text) throws ScenarioException {
        return new ScenarioReader(file).scenario(JsonTree.parse(file.toString(), text));
    }

    private Scenario scenario(Node root) throws ScenarioException {
        ObjectReader o = new ObjectReader(root, "the scenario");
        o.optString("$schema");
        String name = o.string("name");
        if (name.isBlank()) throw new ScenarioException(o.req("name").where(), "\"name\" must not be empty");
        String description = o.optString("description").orElse("");
        Set<Era> eras = eras(o.req("era"));
        long seed = o.integer("seed", 0, 0, Long.MAX_VALUE);
        long maxInstructions = o.integer("max_instructions", Scenario.DEFAULT_MAX_INSTRUCTIONS, 1, 1_000_000_000L);
        cpus = (int) o.integer("cpus", Scenario.DEFAULT_CPUS, 1, Scenario.MAX_CPUS);

        List<Node> procNodes = o.array("processes");
        for (Node p : procNodes) {
            String pn = identifier(p, "processes[]");
            if (!processes.add(pn)) throw new ScenarioException(p.where(), "process \"" + pn + "\" declared twice");
        }
        if (processes.isEmpty()) processes.add("U");

        programs = programs(o.object("programs"));
        List<Inject> inject = injects(o.array("inject"));

        List<Step> steps = new ArrayList<>();
        Optional<Node> arena = o.opt("arena");
        if (arena.isPresent()) {
            ArenaSpec spec = arena(arena.get(), "the arena");
            arenas.add(spec.name());
            steps.add(new Step.CreateArena(new Step.Common(-1, spec.where(), "create_arena", Expect.none(spec.where()), List.of(), Optional.empty(), 0), spec));
        }
        Node stepsNode = o.req("steps");
        if (!(stepsNode instanceof Node.Arr arr)) throw ObjectReader.typeError(stepsNode, "steps", "an array");
        if (arr.items().size() + steps.size() > Scenario.MAX_STEPS) throw new ScenarioException(arr.where(), "more than " + Scenario.MAX_STEPS + " steps");
        for (int i = 0; i < arr.items().size(); i++) steps.add(step(arr.items().get(i), i));
        if (steps.isEmpty()) throw new ScenarioException(arr.where(), "a scenario needs at least one step (or an \"arena\")");
        for (ProgramSpec p : programs.values()) if (p.inline()) checkAsm(p);

        Expect fin = o.opt("final").isPresent() ? expect(o.req("final"), "\"final\"", true, null) : Expect.none(o.where());
        Set<String> violations = names(o.array("expect_violations"), "expect_violations", Scenario.INVARIANTS);
        Set<String> reports = names(o.array("expect_kernel_reports"), "expect_kernel_reports", Scenario.KERNEL_REPORTS);
        Set<String> caps = o.has("capabilities") ? names(o.array("capabilities"), "capabilities", Scenario.CAPABILITIES)
            : new LinkedHashSet<>(Scenario.CAPABILITIES);
        o.finish();
        List<String> initial = procNodes.isEmpty() ? List.of("U") : procNodes.stream().map(n -> ((Node.Str) n).value()).toList();
        return new Scenario(file, name, description, eras, seed, initial, programs, inject, List.copyOf(steps), fin, maxInstructions, violations, reports, caps, cpus);
    }

    private static Set<String> names(List<Node> nodes, String field, List<String> allowed) throws ScenarioException {
        Set<String> out = new LinkedHashSet<>();
        for (Node n : nodes) {
            String v = ObjectReader.asString(n, field);
            if (!allowed.contains(v)) throw new ScenarioException(n.where(), "unknown name \"" + v + "\" in \"" + field + "\" (known: " + String.join(", ", allowed) + ")");
            out.add(v);
        }
        return out;
    }

    private Set<Era> eras(Node n) throws ScenarioException {
        List<Node> items = n instanceof Node.Arr a ? a.items() : List.of(n);
        if (items.isEmpty()) throw new ScenarioException(n.where(), "\"era\" must name at least one era (" + Era.KNOWN + ")");
        Set<Era> eras = EnumSet.noneOf(Era.class);
        for (Node i : items) {
            String s = ObjectReader.asString(i, "era");
            Era e = Era.byLabel(s);
            if (e == null) throw new ScenarioException(i.where(), "unknown era \"" + s + "\" (known: " + Era.KNOWN + ")");
            eras.add(e);
        }
        return eras;
    }

    private Map<String, ProgramSpec> programs(Map<String, Node.Field> fields) throws ScenarioException {
        Map<String, ProgramSpec> out = new LinkedHashMap<>();
        for (Node.Field f : fields.values()) {
            ObjectReader p = new ObjectReader(f.value(), "program \"" + f.name() + "\"");
            Optional<String> asm = p.optString("asm");
            Optional<String> path = p.optString("file");
            String section = p.optString("section").orElse(null);
            boolean sleepable = p.bool("sleepable", true);
            boolean jit = p.bool("jit", true);
            Optional<String> mcpu = p.optString("mcpu");
            p.optString("comment");
            if (asm.isPresent() == path.isPresent()) throw new ScenarioException(p.where(), "program \"" + f.name() + "\" needs exactly one of \"asm\" or \"file\"");
            Path resolved = null;
            if (path.isPresent()) {
                String ps = path.get();
                if (!ps.endsWith(".c") && !ps.endsWith(".bpf.o") && !ps.endsWith(".o")) {
                    throw new ScenarioException(p.req("file").where(), "program file must be a .c source or a .bpf.o object: " + ps);
                }
                Path dir = file.toAbsolutePath().getParent();
                resolved = dir == null ? Path.of(ps) : dir.resolve(ps).normalize();
                if (!Files.isRegularFile(resolved)) throw new ScenarioException(p.req("file").where(), "program file not found: " + resolved);
            }
            if (mcpu.isPresent()) {
                Where at = p.req("mcpu").where();
                if (!ProgramSpec.MCPUS.contains(mcpu.get())) throw new ScenarioException(at, "\"mcpu\" must be one of " + String.join(", ", ProgramSpec.MCPUS) + " (clang's -mcpu), got \"" + mcpu.get() + "\"");
                if (resolved == null || !resolved.toString().endsWith(".c")) throw new ScenarioException(at, "\"mcpu\" is clang's -mcpu: only a program compiled from a .c file has one");
            }
            p.finish();
            out.put(f.name(), new ProgramSpec(p.where(), f.name(), asm.orElse(null), resolved, section, sleepable, jit, mcpu.orElse("v4")));
        }
        return out;
    }

    /**
     * An inline program assembles, and each of its {@code map[name]} names an arena of this
     * scenario (the top-level "arena" or a create_arena "name"): it is loaded as BPF_PROG_LOAD
     * with that arena's map, and a name that matches none is a mistake, not the first arena.
     */
    private void checkAsm(ProgramSpec p) throws ScenarioException {
        BpfProgram program;
        try {
            program = Assembler.assemble(p.name(), p.sleepable() ? "syscall" : "socket", p.asm());
        } catch (AsmException e) {
            throw new ScenarioException(p.where(), "program \"" + p.name() + "\" asm line " + e.at().line() + ", column " + e.at().column() + ": " + e.reason());
        }
        for (Reloc r : program.relocations()) {
            String map = switch (r) {
                case Reloc.MapFd m -> m.map();
                case Reloc.MapValue m -> m.map();
                case Reloc.ArenaGlobal g -> g.arenaMap();
            };
            if (!arenas.contains(map)) {
                throw new ScenarioException(p.where(), "program \"" + p.name() + "\" insn " + r.insn() + ": map[" + map + "] names no arena of this scenario (arenas: "
                    + (arenas.isEmpty() ? "none" : String.join(", ", arenas)) + "; an arena is named by the top-level \"arena\" or a create_arena step's \"name\", \"arena\" by default)");
            }
        }
    }

    private List<Inject> injects(List<Node> nodes) throws ScenarioException {
        List<Inject> out = new ArrayList<>();
        for (Node n : nodes) {
            ObjectReader i = new ObjectReader(n, "an inject entry");
            String site = i.string("site");
            if (!site.matches("[a-z][a-z0-9_]*")) throw new ScenarioException(i.req("site").where(), "bad fault-injection site name \"" + site + "\"");
            long nth = i.integer("nth", 0, 1, Long.MAX_VALUE);
            int probability = (int) i.integer("probability", 0, 1, 100);
            long seed = i.integer("seed", 0, 0, Long.MAX_VALUE);
            long times = i.integer("times", 0, 0, Long.MAX_VALUE);
            long interval = i.integer("interval", 1, 1, Long.MAX_VALUE);
            i.optString("comment");
            if ((nth > 0) == (probability > 0)) throw new ScenarioException(i.where(), "an inject entry needs exactly one of \"nth\" or \"probability\"");
            i.finish();
            out.add(new Inject(i.where(), site, nth, probability, seed, times, interval));
        }
        return out;
    }

    private ArenaSpec arena(Node n, String what) throws ScenarioException {
        ObjectReader a = new ObjectReader(n, what);
        ArenaSpec spec = arenaAttributes(a, what);
        a.optString("comment");
        a.finish();
        return spec;
    }

    /** The arena attributes of an "arena" object, or of a create_arena step, where they sit directly in the step object. */
    private ArenaSpec arenaAttributes(ObjectReader a, String what) throws ScenarioException {
        long maxEntries = a.integer("max_entries", -1, 0, 0xFFFF_FFFFL);
        if (maxEntries < 0) throw new ScenarioException(a.where(), what + " is missing the required field \"max_entries\"");
        long flags = a.has("flags") ? flags(a.req("flags"), "flags", Names.MAP_FLAGS, "BPF_F_") : ArenaSpec.BPF_F_MMAPABLE;
        Arg extra = a.has("map_extra") ? arg(a.req("map_extra"), "map_extra") : Arg.of(0, a.where());
        long keySize = a.integer("key_size", 0, 0, 0xFFFF_FFFFL);
        long valueSize = a.integer("value_size", 0, 0, 0xFFFF_FFFFL);
        String name = a.optString("name").orElse("arena");
        return new ArenaSpec(a.where(), name, maxEntries, flags, extra, keySize, valueSize);
    }

    private Step step(Node n, int index) throws ScenarioException {
        try {
            return stepUnchecked(n, index);
        } catch (ScenarioException e) {
            String op = n instanceof Node.Obj o && o.fields().get("op") != null && o.fields().get("op").value() instanceof Node.Str str ? str.value() : null;
            throw new ScenarioException(e, index, op);
        }
    }

    /** A step's "cpu": a kernel CPU of the scenario's machine (default 0). */
    private int cpu(ObjectReader s, String what) throws ScenarioException {
        if (!s.has("cpu")) return 0;
        long cpu = s.integer("cpu", 0, 0, Scenario.MAX_CPUS - 1);
        if (cpu >= cpus) throw new ScenarioException(s.req("cpu").where(), what + ": no CPU " + cpu + " (the scenario has " + cpus + "; set \"cpus\")");
        return (int) cpu;
    }

    private Step stepUnchecked(Node n, int index) throws ScenarioException {
        ObjectReader s = new ObjectReader(n, "step " + index);
        String op = s.string("op");
        String what = "step " + index + " (" + op + ")";
        s.optString("comment");
        List<Inject> inject = injects(s.array("inject"));
        Optional<String> bind = Optional.empty();
        if (s.has("as")) {
            Node asNode = s.req("as");
            String b = identifier(asNode, "as");
            if (Expr.BUILTINS.contains(b) || Expr.FUNCTIONS.contains(b)) throw new ScenarioException(asNode.where(), "\"as\" cannot rebind the built-in name " + b);
            bind = Optional.of(b);
        }
        // The step's own expectations may use its binding (checked after the step bound it); its arguments may not.
        Set<String> before = new LinkedHashSet<>(symbols);
        bind.ifPresent(symbols::add);
        // Likewise a create_arena step's expectations may name the arena it creates,
        if (op.equals("create_arena")) arenas.add(s.optString("name").orElse("arena"));
        // and a fork's expectations the child it creates (its user PTEs after the fork); the fork's own "process" may not.
        String forked = null;
        if (op.equals("fork") && s.has("child") && s.req("child") instanceof Node.Str cs && !processes.contains(cs.value())) forked = cs.value();
        if (forked != null) processes.add(forked);
        Expect expect;
        try {
            expect = s.has("expect") ? expect(s.req("expect"), what + " expect", false, op) : Expect.none(s.where());
        } finally {
            if (forked != null) processes.remove(forked);
        }
        symbols.retainAll(before);
        int cpu = cpu(s, what);
        Step.Common c = new Step.Common(index, s.where(), op, expect, inject, bind, cpu);
        Step step = switch (op) {
            case "create_arena" -> new Step.CreateArena(c, arenaAttributes(s, what));
            case "mmap" -> {
                boolean anon = s.bool("anonymous", false);
                long dfltFlags = anon ? Names.MAP_PRIVATE | Names.MAP_ANONYMOUS : Names.MAP_SHARED;
                Optional<String> mapped = arenaRef(s);
                if (anon && mapped.isPresent()) throw new ScenarioException(s.req("arena").where(), "an \"anonymous\" mmap maps no arena; drop \"arena\"");
                yield new Step.Mmap(c, process(s), optArg(s, "addr", 0), arg(s.req("length"), "length"),
                    s.has("prot") ? flags(s.req("prot"), "prot", Names.PROT, "PROT_") : Names.PROT_READ | Names.PROT_WRITE,
                    s.has("flags") ? flags(s.req("flags"), "flags", Names.MMAP_FLAGS, "MAP_") : dfltFlags,
                    optArg(s, "offset", 0), anon, mapped);
            }
            case "munmap" -> new Step.Munmap(c, process(s), arg(s.req("addr"), "addr"), arg(s.req("length"), "length"));
            case "mprotect" -> new Step.Mprotect(c, process(s), arg(s.req("addr"), "addr"), arg(s.req("length"), "length"),
                flags(s.req("prot"), "prot", Names.PROT, "PROT_"));
            case "mremap" -> new Step.Mremap(c, process(s), arg(s.req("addr"), "addr"), arg(s.req("old_size"), "old_size"),
                arg(s.req("new_size"), "new_size"), s.has("flags") ? flags(s.req("flags"), "flags", Names.MREMAP_FLAGS, "MREMAP_") : 0,
                s.has("new_addr") ? Optional.of(arg(s.req("new_addr"), "new_addr")) : Optional.empty());
            case "fork" -> {
                String parent = process(s);
                Node childNode = s.req("child");
                String child = identifier(childNode, "child");
                if (!processes.add(child)) throw new ScenarioException(childNode.where(), "process \"" + child + "\" already exists");
                yield new Step.Fork(c, parent, child);
            }
            case "exit" -> {
                String p = process(s);
                exited.add(p);
                yield new Step.Exit(c, p);
            }
            case "read" -> new Step.Read(c, process(s), arg(s.req("addr"), "addr"), size(s));
            case "write" -> new Step.Write(c, process(s), arg(s.req("addr"), "addr"), size(s), arg(s.req("value"), "value"));
            case "copy" -> new Step.Copy(c, process(s), arg(s.req("src"), "src"), arg(s.req("dst"), "dst"), arg(s.req("length"), "length"));
            case "run_code" -> {
                String proc = process(s);
                Node codeNode = s.req("code");
                String hex = ObjectReader.asString(codeNode, "code").replace(" ", "");
                try {
                    if (hex.isEmpty() || hex.length() % 2 != 0) throw new IllegalArgumentException("odd number of hex digits");
                    HexFormat.of().parseHex(hex);
                } catch (IllegalArgumentException e) {
                    throw new ScenarioException(codeNode.where(), "\"code\" must be x86-64 machine code in hex: " + e.getMessage());
                }
                yield new Step.RunCode(c, proc, hex, regs(s.object("regs"), "regs"));
            }
            case "run_program" -> {
                Node pn = s.req("program");
                String prog = ObjectReader.asString(pn, "program");
                if (!programs.containsKey(prog)) {
                    throw new ScenarioException(pn.where(), what + " runs the undeclared program \"" + prog + "\" (declared: " + String.join(", ", programs.keySet()) + ")");
                }
                List<Arg> args = new ArrayList<>();
                for (Node a : s.array("args")) args.add(arg(a, "args[]"));
                if (args.size() > 5) throw new ScenarioException(s.req("args").where(), "a BPF program takes at most 5 arguments (r1..r5)");
                yield new Step.RunProgram(c, prog, args);
            }
            case "kfunc" -> {
                Node fn = s.req("name");
                String fname = ObjectReader.asString(fn, "name").replaceFirst("^bpf_arena_", "");
                Step.Kfunc k = null;
                for (Step.Kfunc kf : Step.Kfunc.values()) if (kf.label.equals(fname)) k = kf;
                if (k == null) throw new ScenarioException(fn.where(), "unknown kfunc \"" + fname + "\" (known: alloc_pages, free_pages, reserve_pages)");
                String mapType = s.optString("map_type").orElse("arena");
                if (!mapType.equals("arena") && !mapType.equals("array")) {
                    throw new ScenarioException(s.req("map_type").where(), "\"map_type\" is the type of the map argument: arena or array, got \"" + mapType + "\"");
                }
                boolean array = mapType.equals("array");
                if (array && s.has("arena")) throw new ScenarioException(s.req("arena").where(), "\"map_type\": \"array\" passes an array map, not an arena; drop \"arena\"");
                yield new Step.KfuncCall(c, k, optArg(s, "addr", 0), arg(s.req("page_cnt"), "page_cnt"), optArg(s, "node_id", -1),
                    optArg(s, "flags", 0), s.bool("sleepable", true), arenaRef(s), array);
            }
            case "map_op" -> {
                Node on = s.req("name");
                String name = ObjectReader.asString(on, "name");
                Step.MapOp mapOp = null;
                for (Step.MapOp m : Step.MapOp.values()) if (m.label.equals(name)) mapOp = m;
                if (mapOp == null) {
                    throw new ScenarioException(on.where(), "unknown map operation \"" + name
                        + "\" (known: lookup, update, delete, get_next_key, push, pop, peek, freeze, direct_value_addr)");
                }
                yield new Step.MapOperation(c, mapOp, optArg(s, "offset", 0), arenaRef(s));
            }
            case "run_work" -> new Step.RunWork(c);
            case "flush_tlb" -> {
                if (s.has("process") && s.has("cpu")) throw new ScenarioException(s.req("cpu").where(), what + ": flush either a process's CPU or kernel CPU \"cpu\", not both");
                yield new Step.FlushTlb(c, s.has("process") ? Optional.of(process(s)) : Optional.empty(),
                    s.has("cpu") ? java.util.OptionalInt.of(cpu) : java.util.OptionalInt.empty());
            }
            case "checkpoint" -> new Step.Checkpoint(c, s.optString("label").orElse("checkpoint " + index));
            default -> throw new ScenarioException(s.req("op").where(), "unknown step op \"" + op
                + "\" (known: create_arena, mmap, munmap, mprotect, mremap, fork, exit, read, write, copy, run_code, run_program, kfunc, map_op, run_work, flush_tlb, checkpoint)");
        };
        s.finish();
        bind.ifPresent(symbols::add);
        return step;
    }

    private String process(ObjectReader s) throws ScenarioException {
        Node n = s.has("process") ? s.req("process") : null;
        s.opt("process");
        String p = n == null ? processes.iterator().next() : ObjectReader.asString(n, "process");
        Where at = n == null ? s.where() : n.where();
        if (!processes.contains(p)) throw new ScenarioException(at, "unknown process \"" + p + "\" (declared: " + String.join(", ", processes) + ")");
        if (exited.contains(p)) throw new ScenarioException(at, "process \"" + p + "\" is used after its exit step");
        return p;
    }

    private static int size(ObjectReader s) throws ScenarioException {
        long size = s.integer("size", 8, 1, 8);
        if (Long.bitCount(size) != 1) throw new ScenarioException(s.req("size").where(), "\"size\" must be 1, 2, 4 or 8, got " + size);
        return (int) size;
    }

    private Expect expect(Node n, String what, boolean stateOnly, String op) throws ScenarioException {
        ObjectReader e = new ObjectReader(n, what);
        Optional<Arg> retval = Optional.empty();
        Optional<List<Expect.StderrLine>> stderr = Optional.empty();
        Optional<Arg> ret = Optional.empty();
        Optional<Expect.Errno> errno = Optional.empty();
        Optional<Arg> value = Optional.empty();
        Map<String, Arg> regs = Map.of();
        Optional<Expect.SignalExpect> signal = Optional.empty();
        Optional<Boolean> faultIn = Optional.empty();
        List<String> output = new ArrayList<>();
        if (!stateOnly) {
            for (Node t : e.array("output")) output.add(ObjectReader.asString(t, "output"));
            if (e.has("ret")) ret = Optional.of(arg(e.req("ret"), "ret"));
            Optional<Boolean> isNull = e.optBool("null");
            if (isNull.isPresent()) {
                if (ret.isPresent()) throw new ScenarioException(e.req("null").where(), "give either \"ret\" or \"null\", not both");
                if (!isNull.get()) throw new ScenarioException(e.req("null").where(), "\"null\": false is not a check; use \"ret\"");
                ret = Optional.of(Arg.of(0, e.req("null").where()));
            }
            if (e.has("errno")) {
                Node en = e.req("errno");
                String name = ObjectReader.asString(en, "errno");
                Long num = Names.ERRNO.get(name);
                if (num == null) throw new ScenarioException(en.where(), "unknown errno \"" + name + "\" (known: " + String.join(", ", Names.ERRNO.keySet()) + ")");
                if (ret.isPresent()) throw new ScenarioException(en.where(), "give either \"ret\" or \"errno\", not both");
                errno = Optional.of(new Expect.Errno(name, num.intValue()));
            }
            if (e.has("value")) value = Optional.of(arg(e.req("value"), "value"));
            regs = regs(e.object("regs"), "regs");
            if (e.has("signal")) signal = Optional.of(signal(e.req("signal")));
            faultIn = e.optBool("fault_in");
            // What BPF_PROG_TEST_RUN hands back besides r0: only a run_program step has them.
            for (String only : List.of("retval", "stderr")) {
                if (e.has(only) && !"run_program".equals(op)) {
                    throw new ScenarioException(e.req(only).where(), "\"" + only + "\" is what BPF_PROG_TEST_RUN reports: only a run_program step has it");
                }
            }
            if (e.has("retval")) retval = Optional.of(arg(e.req("retval"), "retval"));
            if (e.has("stderr")) {
                List<Expect.StderrLine> lines = new ArrayList<>();
                for (Node l : e.array("stderr")) lines.add(stderrLine(l));
                stderr = Optional.of(List.copyOf(lines));
            }
        }
        List<Expect.PageExpect> pages = new ArrayList<>();
        for (Node p : e.array("pages")) pages.add(page(p));
        Optional<Arg> memUsage = e.has("mem_usage") ? Optional.of(arg(e.req("mem_usage"), "mem_usage")) : Optional.empty();
        Optional<Integer> vmaList = e.has("vma_list") ? Optional.of((int) e.integer("vma_list", 0, 0, 1 << 20)) : Optional.empty();
        Optional<String> arena = arenaRef(e);
        e.finish();
        return new Expect(e.where(), ret, errno, value, regs, signal, pages, memUsage, faultIn, vmaList, arena, retval, stderr, List.copyOf(output));
    }

    /** One line the program's BPF stderr stream must show: {@code {"arena_violation": "READ"|"WRITE", "addr": expr}}. */
    private Expect.StderrLine stderrLine(Node n) throws ScenarioException {
        ObjectReader l = new ObjectReader(n, "a stderr line");
        Node an = l.req("arena_violation");
        String access = ObjectReader.asString(an, "arena_violation");
        if (!access.equals("READ") && !access.equals("WRITE")) {
            throw new ScenarioException(an.where(), "\"arena_violation\" is the access the report names: READ or WRITE, got \"" + access + "\"");
        }
        Arg addr = arg(l.req("addr"), "addr");
        l.finish();
        return new Expect.StderrLine(l.where(), access.equals("WRITE"), addr);
    }

    private Expect.SignalExpect signal(Node n) throws ScenarioException {
        ObjectReader s = new ObjectReader(n, "a signal expectation");
        Node sn = s.req("signo");
        String name = ObjectReader.asString(sn, "signo");
        Long signo = Names.SIGNALS.get(name);
        if (signo == null) throw new ScenarioException(sn.where(), "unknown signal \"" + name + "\" (known: " + String.join(", ", Names.SIGNALS.keySet()) + ")");
        Optional<String> code = s.optString("code");
        if (code.isPresent() && !Names.SI_CODES.containsKey(code.get())) {
            throw new ScenarioException(s.req("code").where(), "unknown si_code \"" + code.get() + "\" (known: " + String.join(", ", Names.SI_CODES.keySet()) + ")");
        }
        Optional<Arg> addr = s.has("addr") ? Optional.of(arg(s.req("addr"), "addr")) : Optional.empty();
        s.finish();
        return new Expect.SignalExpect(s.where(), name, signo.intValue(), code, addr);
    }

    private Expect.PageExpect page(Node n) throws ScenarioException {
        ObjectReader p = new ObjectReader(n, "a page expectation");
        Arg addr = arg(p.req("addr"), "addr");
        long count = p.integer("count", 1, 1, 1 << 20);
        Optional<Boolean> kernel = p.optBool("kernel");
        Map<String, Boolean> user = new LinkedHashMap<>();
        for (Node.Field f : p.object("user").values()) {
            if (!processes.contains(f.name())) throw new ScenarioException(f.keyWhere(), "unknown process \"" + f.name() + "\" (declared: " + String.join(", ", processes) + ")");
            if (!(f.value() instanceof Node.Bool b)) throw ObjectReader.typeError(f.value(), "user." + f.name(), "a boolean");
            user.put(f.name(), b.value());
        }
        Optional<Expect.PageState> state = Optional.empty();
        if (p.has("state")) {
            Node sn = p.req("state");
            String st = ObjectReader.asString(sn, "state");
            try {
                state = Optional.of(Expect.PageState.valueOf(st.toUpperCase(java.util.Locale.ROOT)));
            } catch (IllegalArgumentException ex) {
                throw new ScenarioException(sn.where(), "unknown page state \"" + st + "\" (known: free, reserved, populated)");
            }
        }
        Optional<Arg> value = p.has("value") ? Optional.of(arg(p.req("value"), "value")) : Optional.empty();
        Map<String, String> frames = p.has("frame") ? frames(p.req("frame"), count) : Map.of();
        Optional<String> arena = arenaRef(p);
        p.finish();
        return new Expect.PageExpect(p.where(), addr, count, kernel, user, state, value, frames, arena);
    }

    /** "frame": a name for the kernel PTE's frame, or {"kernel"|process: name}; one page only. */
    private Map<String, String> frames(Node n, long count) throws ScenarioException {
        if (count != 1) throw new ScenarioException(n.where(), "\"frame\" names the frames of one page: use it with count 1");
        Map<String, String> frames = new LinkedHashMap<>();
        if (n instanceof Node.Obj obj) {
            for (Node.Field f : obj.fields().values()) {
                if (!f.name().equals(Expect.PageExpect.KERNEL) && !processes.contains(f.name())) {
                    throw new ScenarioException(f.keyWhere(), "unknown frame location \"" + f.name() + "\" (\"kernel\" or a process: " + String.join(", ", processes) + ")");
                }
                frames.put(f.name(), frameName(f.value()));
            }
            if (frames.isEmpty()) throw new ScenarioException(n.where(), "\"frame\" names no frame");
        } else {
            frames.put(Expect.PageExpect.KERNEL, frameName(n));
        }
        return frames;
    }

    private static String frameName(Node n) throws ScenarioException {
        String name = ObjectReader.asString(n, "frame");
        if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) throw new ScenarioException(n.where(), "frame name \"" + name + "\" is not an identifier");
        return name;
    }

    /**
     * The optional "arena" field of a step or expectation: the name of an arena created before
     * this point (the top-level "arena" or an earlier create_arena), like symbols must be bound
     * before they are used.
     */
    private Optional<String> arenaRef(ObjectReader o) throws ScenarioException {
        Optional<Node> n = o.opt("arena");
        if (n.isEmpty()) return Optional.empty();
        String name = ObjectReader.asString(n.get(), "arena");
        if (!arenas.contains(name)) {
            throw new ScenarioException(n.get().where(), "unknown arena \"" + name + "\" (created so far: "
                + (arenas.isEmpty() ? "none" : String.join(", ", arenas)) + "; an arena is named by its create_arena step's \"name\", \"arena\" by default)");
        }
        return Optional.of(name);
    }

    private Map<String, Arg> regs(Map<String, Node.Field> fields, String what) throws ScenarioException {
        Map<String, Arg> out = new LinkedHashMap<>();
        for (Node.Field f : fields.values()) {
            if (!f.name().matches("r([0-9]|10)|r[a-d]x|r[sd]i|rbp|rsp|r(8|9|1[0-5])|rip")) {
                throw new ScenarioException(f.keyWhere(), "unknown register \"" + f.name() + "\" in " + what + " (BPF r0..r10 or x86-64 rax..r15, rip)");
            }
            out.put(f.name(), arg(f.value(), what + "." + f.name()));
        }
        return out;
    }

    private Arg optArg(ObjectReader o, String name, long dflt) throws ScenarioException {
        return o.has(name) ? arg(o.req(name), name) : Arg.of(dflt, o.where());
    }

    /** An integer literal or an expression string; symbols must already be known at this point. */
    private Arg arg(Node n, String name) throws ScenarioException {
        if (n instanceof Node.Int i) {
            BigInteger v = i.value();
            if (v.bitLength() > 64 || (v.signum() < 0 && v.bitLength() > 63)) throw new ScenarioException(n.where(), "\"" + name + "\" does not fit in 64 bits: " + v);
            return new Arg(v.toString(), new Expr.Num(v.longValue()), n.where());
        }
        if (!(n instanceof Node.Str s)) throw ObjectReader.typeError(n, name, "an integer or an expression string");
        Expr e;
        try {
            e = ExprParser.parse(s.value());
        } catch (ExprParser.SyntaxError err) {
            throw new ScenarioException(shift(n.where(), err.offset), "bad expression \"" + s.value() + "\" in \"" + name + "\": " + err.getMessage());
        }
        List<String> unknown = new ArrayList<>();
        e.symbols(sym -> { if (!symbols.contains(sym)) unknown.add(sym); });
        if (!unknown.isEmpty()) {
            String sym = unknown.getFirst();
            int at = Math.max(0, s.value().indexOf(sym));
            throw new ScenarioException(shift(n.where(), at), "unknown symbol \"" + sym + "\" in \"" + name + "\" (known here: "
                + String.join(", ", new TreeSet<>(symbols)) + "; bind new ones with \"as\")");
        }
        return new Arg(s.value(), e, n.where());
    }

    /** The position of character {@code offset} inside a string literal that starts at {@code w} (the quote). */
    private static Where shift(Where w, int offset) {
        return new Where(w.file(), w.line(), w.column() + 1 + offset);
    }

    private long flags(Node n, String name, Map<String, Long> table, String prefix) throws ScenarioException {
        if (n instanceof Node.Int) return ObjectReader.integerValue(n, name, 0, Long.MAX_VALUE);
        List<Node> items;
        if (n instanceof Node.Arr a) items = a.items();
        else if (n instanceof Node.Str) items = List.of(n);
        else throw ObjectReader.typeError(n, name, "a flag name, a list of flag names or an integer");
        long v = 0;
        for (Node i : items) {
            if (i instanceof Node.Int) { v |= ObjectReader.integerValue(i, name, 0, Long.MAX_VALUE); continue; }
            for (String part : ObjectReader.asString(i, name).split("\\|")) {
                String key = part.trim();
                if (key.startsWith(prefix)) key = key.substring(prefix.length());
                Long bit = table.get(key);
                if (bit == null) throw new ScenarioException(i.where(), "unknown " + name + " name \"" + part.trim() + "\" (known: " + String.join(", ", table.keySet()) + ")");
                v |= bit;
            }
        }
        return v;
    }

    private static String identifier(Node n, String name) throws ScenarioException {
        String s = ObjectReader.asString(n, name);
        if (!s.matches("[A-Za-z_][A-Za-z0-9_]*")) throw new ScenarioException(n.where(), "\"" + name + "\" must be an identifier (letters, digits, _), got \"" + s + "\"");
        return s;
    }
}
