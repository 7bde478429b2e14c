package dev.arenaemu.scenarios.bench;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The benchmarks' bound runs what it claims: one handled #PF per page, every pass, both answers. */
class BareFaultLoopTest {
    @Test
    void everyPassTakesOneFaultPerPageForInstallAndForFixup() {
        try (BareFaultLoop read = new BareFaultLoop(EmulatorBench.READ_LOOP); BareFaultLoop fixup = new BareFaultLoop(EmulatorBench.FIXUP_LOOP)) {
            for (int pass = 1; pass <= 3; pass++) {
                read.reset(pass == 3);
                assertEquals((long) pass * BareFaultLoop.PAGES, read.run(false));
                fixup.reset(false);
                assertEquals((long) pass * BareFaultLoop.PAGES, fixup.run(true));
            }
        }
    }
}
