package dev.arenaemu.kernel.bpf.jit;

import dev.arenaemu.emulator.cpu.Budget;
import dev.arenaemu.emulator.cpu.Machine;
import dev.arenaemu.emulator.trap.FaultHandler;
import dev.arenaemu.kernel.bpf.interp.ArenaMemory;
import dev.arenaemu.kernel.bpf.interp.BpfInterpreter;
import dev.arenaemu.kernel.bpf.interp.KernelMemory;
import dev.arenaemu.kernel.bpf.isa.Bpf;
import dev.arenaemu.kernel.bpf.isa.Insn;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The JIT run by Unicorn and the reference interpreter agree on random valid programs: same R0,
 * same main stack bytes, same arena bytes, same stderr reports. One machine and one kernel CPU
 * serve every try; each program is placed at the same address (uc_mem_write drops stale
 * translations). Programs per try: system property {@code arenaemu.jitdiff.programsPerTry}
 * (default 1; 10 000 tries per run).
 */
class JitInterpreterDifferentialTest {
    static final int PROGRAMS_PER_TRY = Integer.getInteger("arenaemu.jitdiff.programsPerTry", 1);
    static final AtomicLong PROGRAMS = new AtomicLong();
    /** Straight-line programs cannot loop: no wall-clock budget (each would cost a timer thread). */
    private static final Budget BUDGET = new Budget(1_000_000, 0, 10_000);

    private static final class Rig {
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

    private static synchronized Rig rig() {
        if (rig == null) rig = new Rig();
        return rig;
    }

    @Property(tries = 10_000)
    void jitInUnicornMatchesTheInterpreter(@ForAll long seed) {
        Rig rig = rig();
        Random seeds = new Random(seed);
        for (int i = 0; i < PROGRAMS_PER_TRY; i++) check(rig, seeds.nextLong());
    }

    private static void check(Rig rig, long seed) {
        RandomPrograms gen = new RandomPrograms(seed);
        List<Insn> program = gen.program();
        long[] args = {gen.randomArg(), gen.randomArg(), gen.randomArg(), gen.randomArg(), gen.randomArg()};
        int arenaBytes = RandomPrograms.ARENA_PAGES * 4096;
        byte[] initial = new byte[arenaBytes];
        new Random(seed ^ 0x5DEECE66DL).nextBytes(initial);

        // JIT side
        MemorySegment arenaSeg = rig.arena.buffer.memory().asSlice(ArenaFixture.GUARD, arenaBytes);
        arenaSeg.copyFrom(MemorySegment.ofArray(initial));
        long fp = JitRuntime.mainFramePointer();
        rig.machine.kernelCpu().write(fp - 512, new byte[512]);
        LoadedProgram loaded;
        try {
            loaded = rig.runtime.load("diff", program, rig.arena.options());
        } catch (JitException e) {
            throw new AssertionError("JIT rejected a valid program: " + e.getMessage() + "\n" + dump(program), e);
        }
        JitRuntime.Outcome outcome;
        try {
            outcome = rig.runtime.run(loaded, BUDGET, args);
        } finally {
            rig.runtime.unload(loaded);
        }
        byte[] jitStack = rig.machine.kernelCpu().read(fp - 512, 512);
        byte[] jitArena = arenaSeg.toArray(ValueLayout.JAVA_BYTE);
        List<String> jitErr = loaded.stderr().stream().map(s -> s.lines().findFirst().orElseThrow()).toList();

        // interpreter side
        ArenaModel model = new ArenaModel(rig.arena, initial.clone());
        BpfInterpreter interp = new BpfInterpreter(program, rig.arena.options(), model, KernelMemory.NONE, Rig::dispatch, fp);
        BpfInterpreter.Result result = interp.run(1_000_000, args);

        java.util.function.Supplier<String> context = () -> "seed " + seed + ", args " + Arrays.toString(args) + "\n"
            + dump(program) + "\n" + firstDivergence(rig, program, args, initial);
        if (!(outcome instanceof JitRuntime.Outcome.Returned r)) {
            fail("JIT run failed: " + outcome + "\n" + context.get());
            return;
        }
        assertEquals(result.r0(), r.r0(), () -> "r0 differs (interpreter vs JIT)\n" + context.get());
        assertEquals(HexFormat.of().formatHex(interp.mainStack()), HexFormat.of().formatHex(jitStack), () -> "stack differs\n" + context.get());
        if (!Arrays.equals(model.bytes, jitArena)) fail("arena bytes differ at offset " + Arrays.mismatch(model.bytes, jitArena) + "\n" + context.get());
        assertEquals(interp.stderr(), jitErr, () -> "stderr differs\n" + context.get());
        long agreed = PROGRAMS.incrementAndGet();
        if (agreed % 10_000 == 0) System.out.println("jitdiff: " + agreed + " programs agreed (programsPerTry=" + PROGRAMS_PER_TRY + ")");
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
        rig.arena.buffer.memory().asSlice(ArenaFixture.GUARD, initial.length).copyFrom(MemorySegment.ofArray(initial));
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
