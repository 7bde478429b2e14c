package dev.arenaemu.scenarios.oracle;

import dev.arenaemu.scenarios.format.ScenarioReader;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GuestResultsTest {
    @Test
    void runnerLinesBecomeObservationsAndErrorsNameTheScenario() throws Exception {
        CompiledScenario cs = OpEncoder.compile(ScenarioReader.parse(Path.of("t.json"), """
            {"name": "x", "era": "latest", "arena": {"max_entries": 4},
             "steps": [{"op": "mmap", "length": "16K"}, {"op": "read", "addr": "base+8K"}, {"op": "read", "addr": "base"}]}"""), 0);
        long base = 0x7f00_0000_0000L, end = base + 0x4000;
        List<String> lines = List.of(
            "[    1.0] some kernel line",
            "@@ORACLE {\"boot\":\"Linux version 7.3.4\",\"btf\":1}",
            "@@ORACLE {\"sc\":0,\"begin\":1}",
            "@@ORACLE {\"sc\":0,\"st\":-1,\"ret\":0,\"arenas\":[[0,0,0]],\"procs\":[{\"p\":0,\"vmas\":[],\"ptes\":[]}]}",
            "@@ORACLE {\"sc\":0,\"st\":0,\"ret\":" + base + ",\"arenas\":[[" + base + "," + end + ",0]],\"procs\":[{\"p\":0,\"vmas\":[["
                + base + "," + end + ",\"rw-s\"]],\"ptes\":[]}]}",
            "@@ORACLE {\"sc\":0,\"st\":1,\"val\":0,\"arenas\":[[" + base + "," + end + ",4096]],\"procs\":[{\"p\":0,\"vmas\":[["
                + base + "," + end + ",\"rw-s\"]],\"ptes\":[[" + (base + 0x2000) + ",1234]]}]}",
            "@@ORACLE {\"sc\":0,\"timeout\":20000}");
        GuestResults.Parsed p = GuestResults.parse(lines);
        assertEquals("Linux version 7.3.4", p.kernelVersion());
        assertTrue(p.btf());
        SideResult k = GuestResults.side(cs, p.scenarios().get(0), null);
        assertEquals("base+0x0", k.steps().get(0).fields().get("ret"));
        assertEquals("0", k.steps().get(1).fields().get("value"));
        assertEquals("base+0x2000=f1", k.steps().get(1).fields().get("pages U"));
        assertEquals("4096", k.steps().get(1).fields().get("memlock arena"));
        assertNull(k.steps().get(2));
        assertTrue(k.error().startsWith("timed out"), k.error());
        assertEquals(1, k.errorStep());
    }

    @Test
    void aScenarioThatNeverBeganCarriesTheBootError() throws Exception {
        CompiledScenario cs = OpEncoder.compile(ScenarioReader.parse(Path.of("t.json"), """
            {"name": "x", "era": "latest", "steps": [{"op": "create_arena", "max_entries": 1}]}"""), 0);
        SideResult k = GuestResults.side(cs, null, "the kernel reported \"Kernel panic\"");
        assertEquals("the kernel reported \"Kernel panic\"", k.error());
        assertTrue(k.steps().isEmpty());
    }
}
