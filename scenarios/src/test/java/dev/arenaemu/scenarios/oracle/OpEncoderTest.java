package dev.arenaemu.scenarios.oracle;

import dev.arenaemu.kernel.bpf.isa.Bpf;
import dev.arenaemu.kernel.bpf.isa.Insn;
import dev.arenaemu.scenarios.format.Scenario;
import dev.arenaemu.scenarios.format.ScenarioReader;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The runner's op list: lines, postfix expressions, plans, the program wrapper. */
class OpEncoderTest {
    private static Scenario scenario(String json) throws Exception {
        return ScenarioReader.parse(Path.of("test.json"), json);
    }

    private static List<String> lines(CompiledScenario cs) {
        return cs.text().lines().toList();
    }

    @Test
    void stepsBecomeLinesWithPostfixExpressions() throws Exception {
        CompiledScenario cs = OpEncoder.compile(scenario("""
            {"name": "x", "era": "latest", "arena": {"max_entries": 4},
             "steps": [
               {"op": "mmap", "length": "16K", "as": "X"},
               {"op": "write", "addr": "X+4K", "value": "0x2a", "size": 4},
               {"op": "read", "addr": "end-2*PAGE"},
               {"op": "kfunc", "name": "alloc_pages", "page_cnt": 1, "addr": "clear_lo32(base)"},
               {"op": "fork", "child": "C"},
               {"op": "exit", "process": "C"}
             ]}"""), 3);
        List<String> l = lines(cs);
        assertEquals("S 3 1 0x0 " + (OpEncoder.SCENARIO_TIMEOUT_MS + 7 * OpEncoder.STEP_TIMEOUT_MS), l.get(0));
        assertEquals("T -1 A -1 -1 0 #4 #1024 #0 #0 #0", l.get(1));
        // "as": X is slot 3 (0..2 are base, end, size); 16K = 16384
        assertEquals("T 0 m 0 3 #0 #16384 3 1 #0 0 0", l.get(2));
        assertEquals("T 1 W 0 -1 $3,#4096,+ 4 #42", l.get(3));
        assertEquals("T 2 R 0 -1 $1,#2,#4096,*,- 8", l.get(4));
        assertEquals("T 3 K 0 -1 alloc 0 $0,C #1 #18446744073709551615 #0 1", l.get(5));
        assertEquals("T 4 f 0 -1 1", l.get(6));
        assertEquals("T 5 x 1 -1", l.get(7));
        assertEquals(List.of("U", "C"), cs.processes());
        assertEquals(List.of("arena"), cs.arenas());
        assertTrue(cs.plans().stream().allMatch(p -> p.mode() == StepPlan.Mode.RUN));
    }

    @Test
    void runCodeSendsTheBytesAndSixRegisters() throws Exception {
        CompiledScenario cs = OpEncoder.compile(scenario("""
            {"name": "x", "era": "latest", "arena": {"max_entries": 4},
             "steps": [{"op": "run_code", "code": "48 89 f0 c3", "regs": {"rdi": "base", "rsi": "0x42"}}]}"""), 0);
        assertEquals("T 0 X 0 -1 4889f0c3 $0 #66 #0 #0 #0 #0", lines(cs).get(2));
    }

    @Test
    void kernelAddressesAreNotExpressible() throws Exception {
        CompiledScenario cs = OpEncoder.compile(scenario("""
            {"name": "x", "era": "latest", "arena": {"max_entries": 4, "map_extra": "0x1000_0000_0000"},
             "steps": [{"op": "read", "addr": "kern(base)"}]}"""), 0);
        assertEquals("T 0 R 0 -1 $0,! 8", lines(cs).get(2));
    }

    @Test
    void inexpressibleStepsAndWhatFollowsThemAreNotObservable() throws Exception {
        CompiledScenario cs = OpEncoder.compile(scenario("""
            {"name": "x", "era": "latest", "arena": {"max_entries": 4},
             "steps": [
               {"op": "mmap", "length": "16K"},
               {"op": "checkpoint", "label": "a"},
               {"op": "kfunc", "name": "alloc_pages", "page_cnt": 1, "inject": [{"site": "page_alloc", "nth": 1}]},
               {"op": "read", "addr": "base"}
             ]}"""), 0);
        assertEquals(StepPlan.Mode.RUN, cs.plan(0).mode());
        assertEquals(StepPlan.Mode.STATE_ONLY, cs.plan(1).mode());
        assertEquals(StepPlan.Mode.NOT_OBSERVABLE, cs.plan(2).mode());
        assertEquals(StepPlan.Mode.NOT_OBSERVABLE, cs.plan(3).mode());
        assertTrue(cs.plan(3).reason().startsWith("follows step 2"), cs.plan(3).reason());
        assertEquals(4, lines(cs).size(), "S, setup, mmap, checkpoint: nothing after the injected step is sent");
    }

    @Test
    void faultInjectionMakesTheWholeScenarioNotObservable() throws Exception {
        CompiledScenario cs = OpEncoder.compile(scenario("""
            {"name": "x", "era": "latest", "arena": {"max_entries": 4}, "inject": [{"site": "page_alloc", "nth": 1}],
             "steps": [{"op": "kfunc", "name": "alloc_pages", "page_cnt": 1}]}"""), 0);
        assertTrue(cs.plans().stream().allMatch(p -> p.mode() == StepPlan.Mode.NOT_OBSERVABLE));
        assertTrue(cs.notObservable().contains("fault injection"));
    }

    @Test
    void missingCapabilitiesAreDroppedAroundBpfCalls() throws Exception {
        CompiledScenario cs = OpEncoder.compile(scenario("""
            {"name": "x", "era": "latest", "capabilities": ["CAP_BPF"],
             "steps": [{"op": "create_arena", "max_entries": 1}]}"""), 0);
        long drop = (1L << OpEncoder.CAP_SYS_ADMIN) | (1L << OpEncoder.CAP_PERFMON);
        assertEquals("S 0 1 0x" + Long.toHexString(drop) + " " + (OpEncoder.SCENARIO_TIMEOUT_MS + OpEncoder.STEP_TIMEOUT_MS), lines(cs).get(0));
    }

    @Test
    void programsAreWrappedAndTheirReferencesRelocated() throws Exception {
        CompiledScenario cs = OpEncoder.compile(scenario("""
            {"name": "x", "era": "latest", "arena": {"max_entries": 4},
             "programs": {"P": {"asm": "r1 = map[arena] ll\\nr2 = 0\\nr3 = 1\\nr4 = -1\\nr5 = 0\\ncall bpf_arena_alloc_pages\\nexit"}},
             "steps": [{"op": "run_program", "program": "P", "args": ["base"]}]}"""), 0);
        String p = lines(cs).get(1);
        String[] t = p.split(" ");
        assertEquals("P", t[0]);
        int n = Integer.parseInt(t[3]);
        // 7 prologue + 8 body (ld_imm64 is 2 slots) + 5 epilogue
        assertEquals(OpEncoder.PROLOGUE + 8 + 5, n);
        assertEquals("m:7:0;v:0:io;v:15:io;k:13:bpf_arena_alloc_pages", t[4 + n]);
        Insn exit = Insn.decode(Long.parseUnsignedLong(t[4 + 14], 16));
        assertEquals(Bpf.JMP | Bpf.JA, exit.opcode(), "exit becomes a jump to the epilogue");
        assertEquals(0, exit.off(), "the epilogue follows the last instruction");
        assertEquals("T 0 P 0 -1 0 1 $0", lines(cs).get(3));
    }

    /**
     * A C object (clang-19, the project's libbpf): its .bss map once ("D"), its __arena globals
     * once ("Y", at the era's arena_data_off), its programs wrapped like inline ones with the
     * object's map references relocated ("d" data map, "a" map value on the arena, "y" the
     * globals copy before the first load), and sym() resolved as the replay resolves it.
     */
    @Test
    void cObjectsAreLoadedWithTheirMapsAndGlobals() throws Exception {
        Scenario s = dev.arenaemu.scenarios.format.ScenarioReader.read(Path.of("corpus/13-e2e-one-object-two-programs.json"));
        CompiledScenario latest = OpEncoder.compile(s, 0, dev.arenaemu.scenarios.format.Era.LATEST);
        List<String> l = lines(latest);
        assertTrue(l.stream().anyMatch(x -> x.startsWith("D 0 2 4 ")), String.join("\n", l));
        assertEquals(1, l.stream().filter(x -> x.startsWith("D ")).count(), "one .bss for both programs");
        String y = l.stream().filter(x -> x.startsWith("Y ")).findFirst().orElseThrow();
        assertEquals("Y 0 0 12288 6400000000000000", y, "total = 100 in the last page of the 4-page arena");
        List<String> progs = l.stream().filter(x -> x.startsWith("P ")).toList();
        assertEquals(2, progs.size());
        for (String p : progs) {
            String relocs = p.substring(p.lastIndexOf(' ') + 1);
            assertTrue(relocs.contains("d:") && relocs.contains("a:") && relocs.contains("y:0:0"), relocs);
        }
        assertTrue(latest.plans().stream().allMatch(p -> p.mode() != StepPlan.Mode.NOT_OBSERVABLE), latest.plans().toString());
        assertTrue(l.contains("T 4 R 0 -1 $0,#12288,+ 8"), String.join("\n", l));
        // v6.13's libbpf puts the globals at offset 0
        List<String> old = lines(OpEncoder.compile(s, 0, dev.arenaemu.scenarios.format.Era.V6_13));
        assertTrue(old.contains("Y 0 0 0 6400000000000000") && old.contains("T 4 R 0 -1 $0,#0,+ 8"), String.join("\n", old));
    }
}
