package dev.arenaemu.kernel.bpf.jit;

import dev.arenaemu.emulator.cpu.Budget;
import dev.arenaemu.emulator.cpu.Machine;
import dev.arenaemu.emulator.trap.FaultHandler;
import dev.arenaemu.kernel.bpf.interp.ArenaMemory;
import dev.arenaemu.kernel.bpf.interp.BpfInterpreter;
import dev.arenaemu.kernel.bpf.interp.KernelMemory;
import dev.arenaemu.kernel.bpf.isa.Bpf;
import dev.arenaemu.kernel.bpf.isa.Insn;
import dev.arenaemu.kernel.testing.SeededCheck;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.random.RandomGenerator;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The JIT run by Unicorn (arch/x86/net/bpf_jit_comp.c's code shapes) and the reference
 * interpreter (kernel/bpf/core.c's ___bpf_prog_run semantics) agree on random valid programs:
 * same R0, same main stack bytes, same arena bytes, same stderr reports. One machine and one
 * kernel CPU serve every program; each program is placed at the same address (uc_mem_write drops
 * stale translations). Programs per run: system property {@code arenaemu.jitdiff.programs}
 * (default 10 000). A failing program is reduced item by item ({@link RandomPrograms.Shape}).
 */
class JitInterpreterDifferentialTest {
    static final int PROGRAMS_PER_RUN = Integer.getInteger("arenaemu.jitdiff.programs", 10_000);
    static final AtomicLong PROGRAMS = new AtomicLong();
    /** Straight-line programs cannot loop: no wall-clock budget (each would cost a timer thread). */
    private static final Budget BUDGET = new Budget(1_000_000, 0, 10_000);

    static final class Rig {
        final Machine machine = new Machine();
        final ArenaFixture arena = new ArenaFixture(machine);
        final JitRuntime runtime = new JitRuntime(machine, Rig::dispatch);

        Rig() {
            runtime.installFaultHandler(FaultHandler.DELIVER_ALL);
            for (int page : RandomPrograms.POPULATED) arena.populate(page);
        }

        static CallResult dispatch(CallTarget target, long a1, long a2, long a3, long a4, long a5) {
            return CallResult.of(a1 * 3 + (a2 ^ a3) - a4 + (a5 << 1) + target.hashCode());
        }
    }

    private static Rig rig;

    static synchronized Rig rig() {
        if (rig == null) rig = new Rig();
        return rig;
    }

    @Test
    void jitInUnicornMatchesTheInterpreter() {
        long before = PROGRAMS.get();
        SeededCheck.forAll("JIT vs interpreter", PROGRAMS_PER_RUN, Case::of,
            c -> c.shape().smaller().stream().map(c::with).toList(), Case::show, c -> check(rig(), c));
        System.out.println("jitdiff: " + (PROGRAMS.get() - before) + " programs agreed");
    }

    /**
     * The reducer's steps keep programs inside what the generator guarantees (forward jumps in
     * range, arena pointer made next to its access, prologue kept): every shape on the way from
     * a program down to its prologue still runs and agrees both ways.
     */
    @Test
    void reducedShapesAreStillValidPrograms() {
        for (long seed = 0; seed < 20; seed++) {
            Case c = Case.of(seed);
            while (true) {
                check(rig(), c);
                List<RandomPrograms.Shape> smaller = c.shape().smaller();
                if (smaller.isEmpty()) break;
                c = c.with(smaller.get(new Random(seed).nextInt(smaller.size())));
            }
            assertEquals(RandomPrograms.Shape.PROLOGUE, c.shape().items().size());
        }
    }

    /** One differential case: the program's shape, R1..R5 and the arena's initial bytes. */
    record Case(RandomPrograms.Shape shape, long[] args, byte[] initialArena) {
        static Case of(long seed) {
            return of(new Random(seed), seed ^ 0x5DEECE66DL);
        }

        /** A case from any source of choices (the fuzz target passes the fuzzer's bytes); the arena's bytes come from {@code arenaSeed}. */
        static Case of(RandomGenerator choices, long arenaSeed) {
            RandomPrograms gen = new RandomPrograms(choices);
            RandomPrograms.Shape shape = gen.shape();
            long[] args = {gen.randomArg(), gen.randomArg(), gen.randomArg(), gen.randomArg(), gen.randomArg()};
            byte[] initial = new byte[RandomPrograms.ARENA_PAGES * 4096];
            new Random(arenaSeed).nextBytes(initial);
            return new Case(shape, args, initial);
        }

        Case with(RandomPrograms.Shape smaller) {
            return new Case(smaller, args, initialArena);
        }

        String show() {
            List<Insn> program = shape.insns();
            return "args " + Arrays.toString(args) + "\n" + dump(program) + "\n" + firstDivergence(rig(), program, args, initialArena);
        }
    }

    /** Runs one case both ways; an AssertionError names what differs. */
    static void check(Rig rig, Case c) {
        List<Insn> program = c.shape().insns();
        long[] args = c.args();
        byte[] initial = c.initialArena();
        int arenaBytes = initial.length;

        // JIT side
        rig.arena.buffer.write(ArenaFixture.GUARD, initial);
        long fp = JitRuntime.mainFramePointer();
        rig.machine.kernelCpu().write(fp - 512, new byte[512]);
        LoadedProgram loaded;
        try {
            loaded = rig.runtime.load("diff", program, rig.arena.options());
        } catch (JitException e) {
            throw new AssertionError("JIT rejected a valid program: " + e.getMessage(), e);
        }
        JitRuntime.Outcome outcome;
        try {
            outcome = rig.runtime.run(loaded, BUDGET, args);
        } finally {
            rig.runtime.unload(loaded);
        }
        byte[] jitStack = rig.machine.kernelCpu().read(fp - 512, 512);
        byte[] jitArena = rig.arena.buffer.read(ArenaFixture.GUARD, arenaBytes);
        List<String> jitErr = loaded.stderr().stream().map(s -> s.lines().findFirst().orElseThrow()).toList();

        // interpreter side
        ArenaModel model = new ArenaModel(rig.arena, initial.clone());
        BpfInterpreter interp = new BpfInterpreter(program, rig.arena.options(), model, KernelMemory.NONE, Rig::dispatch, fp);
        BpfInterpreter.Result result = interp.run(1_000_000, args);

        if (!(outcome instanceof JitRuntime.Outcome.Returned r)) {
            fail("JIT run failed: " + outcome);
            return;
        }
        assertEquals(result.r0(), r.r0(), "r0 differs (interpreter vs JIT)");
        assertEquals(HexFormat.of().formatHex(interp.mainStack()), HexFormat.of().formatHex(jitStack), "stack differs");
        if (!Arrays.equals(model.bytes, jitArena)) fail("arena bytes differ at offset " + Arrays.mismatch(model.bytes, jitArena));
        assertEquals(interp.stderr(), jitErr, "stderr differs");
        PROGRAMS.incrementAndGet();
    }

    /**
     * For a failure report: the shortest prefix of the main function after which some register
     * differs (each prefix is closed by stores of R0..R9 to the stack and an exit; jumps past the
     * cut land on that tail). Only computed for a failure message.
     */
    private static String firstDivergence(Rig rig, List<Insn> program, long[] args, byte[] initial) {
        {
            {
                for (int cut = 1; cut <= program.size(); cut++) {
                    if (program.get(cut - 1).opcode() == (Bpf.JMP | Bpf.EXIT)) break;
                    if (cut < program.size() && program.get(cut - 1).opcode() == (Bpf.LD | Bpf.IMM | Bpf.DW)) continue;
                    if (program.subList(0, cut).stream().anyMatch(i -> i.opcode() == (Bpf.JMP | Bpf.CALL) && i.src() == Bpf.PSEUDO_CALL)) break;
                    List<Insn> prefix = new java.util.ArrayList<>();
                    for (int i = 0; i < cut; i++) {
                        Insn in = program.get(i);
                        boolean jump = (in.cls() == Bpf.JMP || in.cls() == Bpf.JMP32) && (in.opcode() & 0xF0) != Bpf.CALL
                            && (in.opcode() & 0xF0) != Bpf.EXIT;
                        if (jump) {
                            boolean imm = in.opcode() == (Bpf.JMP32 | Bpf.JA);
                            int off = imm ? in.imm() : in.off();
                            int clamped = Math.min(off, cut - i - 1);
                            in = imm ? new Insn(in.opcode(), 0, 0, 0, clamped) : new Insn(in.opcode(), in.dst(), in.src(), clamped, in.imm());
                        }
                        prefix.add(in);
                    }
                    for (int r = 0; r <= 9; r++) prefix.add(new Insn(Bpf.STX | Bpf.MEM | Bpf.DW, 10, r, -8 * (r + 1), 0));
                    prefix.add(new Insn(Bpf.JMP | Bpf.EXIT, 0, 0, 0, 0));
                    String diff = compare(rig, prefix, args, initial);
                    if (diff != null) return "first divergence after insn " + (cut - 1) + ": " + diff;
                }
                return "no register divergence found by prefix search";
            }
        }
    }

    /** Registers (as stored in the top 80 stack bytes) after running {@code prefix} both ways, or null if equal. */
    private static String compare(Rig rig, List<Insn> prefix, long[] args, byte[] initial) {
        rig.arena.buffer.write(ArenaFixture.GUARD, initial);
        long fp = JitRuntime.mainFramePointer();
        rig.machine.kernelCpu().write(fp - 512, new byte[512]);
        LoadedProgram loaded = rig.runtime.load("prefix", prefix, rig.arena.options());
        JitRuntime.Outcome outcome = rig.runtime.run(loaded, BUDGET, args);
        rig.runtime.unload(loaded);
        if (!(outcome instanceof JitRuntime.Outcome.Returned)) return "JIT run of the prefix failed: " + outcome;
        ByteBuffer jit = ByteBuffer.wrap(rig.machine.kernelCpu().read(fp - 80, 80)).order(ByteOrder.LITTLE_ENDIAN);
        BpfInterpreter interp = new BpfInterpreter(prefix, rig.arena.options(), new ArenaModel(rig.arena, initial.clone()),
            KernelMemory.NONE, Rig::dispatch, fp);
        interp.run(1_000_000, args);
        ByteBuffer ref = ByteBuffer.wrap(interp.mainStack(), 512 - 80, 80).slice().order(ByteOrder.LITTLE_ENDIAN);
        StringBuilder sb = new StringBuilder();
        for (int r = 0; r <= 9; r++) {
            long a = ref.getLong(80 - 8 * (r + 1)), b = jit.getLong(80 - 8 * (r + 1));
            if (a != b) sb.append(String.format("r%d interp=0x%x jit=0x%x; ", r, a, b));
        }
        return sb.isEmpty() ? null : sb.toString();
    }

    static String dump(List<Insn> program) {
        return java.util.stream.IntStream.range(0, program.size())
            .mapToObj(i -> String.format("%3d: %s", i, program.get(i))).collect(Collectors.joining("\n"));
    }

    /** The interpreter's arena: presence from the kernel page table, bytes from its own copy. */
    private static final class ArenaModel implements ArenaMemory {
        private final ArenaFixture fixture;
        private final byte[] bytes;
        private final ByteBuffer view;

        ArenaModel(ArenaFixture fixture, byte[] bytes) {
            this.fixture = fixture;
            this.bytes = bytes;
            this.view = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        }

        private int offset(long kaddr, int size) {
            long off = kaddr - ArenaFixture.KERN_VM_START;
            if (off < 0 || off + size > bytes.length) throw new AssertionError("present page outside the modelled arena: 0x" + Long.toHexString(kaddr));
            return (int) off;
        }

        @Override
        public boolean present(long kaddr) {
            return fixture.present(kaddr);
        }

        @Override
        public long load(long kaddr, int size) {
            int at = offset(kaddr, size);
            return switch (size) {
                case 1 -> view.get(at) & 0xFFL;
                case 2 -> view.getShort(at) & 0xFFFFL;
                case 4 -> view.getInt(at) & 0xFFFF_FFFFL;
                default -> view.getLong(at);
            };
        }

        @Override
        public void store(long kaddr, int size, long value) {
            int at = offset(kaddr, size);
            switch (size) {
                case 1 -> view.put(at, (byte) value);
                case 2 -> view.putShort(at, (short) value);
                case 4 -> view.putInt(at, (int) value);
                default -> view.putLong(at, value);
            }
        }
    }
}
