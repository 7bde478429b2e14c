package dev.arenaemu.scenarios.oracle;

import dev.arenaemu.scenarios.format.Scenario;
import dev.arenaemu.scenarios.format.ScenarioReader;
import dev.arenaemu.scenarios.format.Step;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.assertEquals;

class NormalizerTest {
    private static final long BASE = 0x7f12_0000_0000L;
    private final Normalizer n = new Normalizer(List.of(new RawStep.Arena("arena", BASE, BASE + 0x4000, 0),
        new RawStep.Arena("other", 0x1000_0000_0000L, 0x1000_0000_1000L, 4096)));

    @Test
    void valuesAreRelativeToTheirArenaErrnosNamedKernelAddressesHidden() {
        assertEquals("0", n.value(0));
        assertEquals("0x2a", n.value(42));
        assertEquals("base+0x1000", n.value(BASE + 0x1000));
        assertEquals("base-0x80000000", n.value(BASE - 0x8000_0000L));
        assertEquals("other+0x0", n.value(0x1000_0000_0000L));
        assertEquals("-EINVAL", n.value(-22));
        assertEquals("kernel address", n.value(0xffff_c900_0000_1000L));
    }

    @Test
    void framesAreNamedByIdentityAcrossProcesses() throws Exception {
        Scenario s = ScenarioReader.parse(Path.of("t.json"), """
            {"name": "x", "era": "latest", "arena": {"max_entries": 4}, "steps": [{"op": "read", "addr": "base"}]}""");
        Step read = s.steps().get(1);
        RawStep a = new RawStep(OptionalLong.empty(), OptionalLong.of(7), null, List.of(new RawStep.Arena("arena", BASE, BASE + 0x4000, 8192)),
            List.of(new RawStep.Proc("U", List.of(new RawStep.Vma(BASE, BASE + 0x4000, "rw-s")),
                    List.of(new RawStep.Pte(BASE + 0x1000, 900), new RawStep.Pte(BASE, 555))),
                new RawStep.Proc("C", List.of(), List.of(new RawStep.Pte(BASE + 0x1000, 900)))));
        // other frame numbers, same identities: the same fields
        RawStep b = new RawStep(OptionalLong.empty(), OptionalLong.of(7), null, List.of(new RawStep.Arena("arena", BASE, BASE + 0x4000, 8192)),
            List.of(new RawStep.Proc("U", List.of(new RawStep.Vma(BASE, BASE + 0x4000, "rw-s")),
                    List.of(new RawStep.Pte(BASE, 3), new RawStep.Pte(BASE + 0x1000, 4))),
                new RawStep.Proc("C", List.of(), List.of(new RawStep.Pte(BASE + 0x1000, 4)))));
        Map<String, String> fa = Normalizer.fields(read, StepPlan.Mode.RUN, a);
        assertEquals(fa, Normalizer.fields(read, StepPlan.Mode.RUN, b));
        assertEquals("base+0x0=f1 base+0x1000=f2", fa.get("pages U"));
        assertEquals("base+0x1000=f2", fa.get("pages C"));
        assertEquals("[base+0x0, base+0x4000) rw-s", fa.get("vmas U"));
        assertEquals("none", fa.get("vmas C"));
        assertEquals("0x7", fa.get("value"));
        assertEquals("none", fa.get("signal"));
        assertEquals("8192", fa.get("memlock arena"));
    }

    @Test
    void signalsAreNamed() {
        assertEquals("SIGSEGV SEGV_MAPERR at base+0x2000", n.signal(new RawStep.Signal(11, 1, BASE + 0x2000)));
        assertEquals("SIGBUS BUS_ADRERR at base+0x0", n.signal(new RawStep.Signal(7, 2, BASE)));
    }
}
