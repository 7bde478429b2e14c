package dev.arenaemu.scenarios.replay;

import dev.arenaemu.kernel.Errno;
import dev.arenaemu.kernel.bpf.BpfMap;
import dev.arenaemu.kernel.bpf.BpfProg;
import dev.arenaemu.kernel.bpf.isa.Insn;
import dev.arenaemu.scenarios.format.Era;
import dev.arenaemu.scenarios.format.Scenario;
import dev.arenaemu.scenarios.format.ScenarioReader;
import dev.arenaemu.scenarios.format.Step;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The replay's programs go through the kernel's bpf(2): the arena is a BPF map of the World's
 * {@link dev.arenaemu.kernel.bpf.BpfSyscall}, processes reach it through fds holding their own
 * references, loaded programs hold one more (prog->aux->used_maps), and teardown frees the arena
 * only through the last of them (docs/semantics.md#teardown, catalogue 68).
 */
class ProgramsTest {
    private static final String ALLOC = "r1 = map[arena] ll\\nr2 = 0\\nr3 = 1\\nr4 = -1\\nr5 = 0\\ncall bpf_arena_alloc_pages\\nexit";

    /** U maps the 4-page arena, then Alloc allocates one page through the kfunc. */
    private static final String SCENARIO = """
        {"name": "programs wiring", "era": "v6.13", "arena": {"max_entries": 4},
         "programs": {"Alloc": {"asm": "%s"}, "Unset": {"asm": "exit"}},
         "steps": [
           {"op": "mmap", "length": "16K", "as": "X"},
           {"op": "run_program", "program": "Alloc"}
         ]}""".formatted(ALLOC);

    private record Replay(World world, StepRunner runner, List<Effect> effects) {}

    private static Replay replay() throws Exception {
        Scenario s = ScenarioReader.parse(Path.of("programs.json"), SCENARIO);
        World w = new World(Era.V6_13, s.processes());
        StepRunner runner = new StepRunner(w, s);
        List<Effect> effects = new ArrayList<>();
        for (Step step : s.steps()) {
            Effect e = runner.apply(step);
            step.common().bind().ifPresent(b -> w.bind(b, e.ret().orElse(0)));
            effects.add(e);
        }
        return new Replay(w, runner, effects);
    }

    @Test
    void theLoadedProgramBakesTheArenaMapObjectOfTheWorldsBpfSyscall() throws Exception {
        Replay r = replay();
        try (World w = r.world()) {
            BpfMap.ArenaMap arena = w.arenaMap("arena").orElseThrow();
            BpfProg prog = w.bpf().progs().getFirst();
            List<Insn> insns = prog.verified().program().insns();
            long ldImm64 = (insns.get(0).imm() & 0xFFFF_FFFFL) | ((long) insns.get(1).imm() << 32);
            assertEquals(arena.objectAddress(), ldImm64, "ld_imm64 map[arena] is the struct bpf_map BPF_MAP_CREATE made");
            assertEquals(arena, w.bpf().mapAt(ldImm64));
            assertEquals(arena, prog.arenaMap().orElseThrow());
            assertEquals(w.lookup("base"), r.effects().getLast().ret().orElseThrow(), "the kfunc reached the arena through that object");
        }
    }

    @Test
    void creatorFdVmaAndProgramEachHoldAReferenceOnTheArena() throws Exception {
        Replay r = replay();
        try (World w = r.world()) {
            // creator's fd (the World) + U's fd + U's VMA (vm_file) + the program's used_maps
            assertEquals(4, w.arenaMap("arena").orElseThrow().refs());
        }
    }

    @Test
    void catalogue68_teardownFreesTheArenaWithItsLastReference() throws Exception {
        Replay r = replay();
        try (World w = r.world()) {
            BpfMap.ArenaMap arena = w.arenaMap("arena").orElseThrow();
            w.teardown();
            assertTrue(arena.isFreed(), "processes exited, programs and the creator's fd closed: " + arena);
            assertTrue(arena.arena().isFreed());
            assertEquals(List.of(), w.bpf().progs());
            assertEquals(List.of(), w.bpf().maps());
        }
    }

    @Test
    void aRejectedLoadNamesTheInstructionIndexAndTheVerifierMessage() throws Exception {
        Replay r = replay();
        try (World w = r.world()) {
            Effect e = r.runner().apply(ScenarioReader.parse(Path.of("run.json"), """
                {"name": "run", "era": "v6.13", "arena": {"max_entries": 4}, "programs": {"Unset": {"asm": "exit"}},
                 "steps": [{"op": "run_program", "program": "Unset"}]}""").steps().getLast());
            assertTrue(e.summary().contains("at insn 0: "), e.summary());
            assertTrue(e.summary().contains("R0"), e.summary());
            assertEquals(Errno.EACCES.neg(), e.ret().orElseThrow(), e.summary());
            assertFalse(w.bpf().progs().stream().anyMatch(p -> p.name().equals("Unset")));
        }
    }
}
