package dev.arenaemu.emulator.ffm;

import dev.arenaemu.emulator.x86.X86Reg;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What switching one engine between counted and uncounted runs does on the loaded libunicorn:
 * the question that was asked before the machine kept its budget with native charge hooks
 * instead of Unicorn's count (emulator/docs/costs.md, "The instruction budget on 2.1.4"). A
 * counted run stops after exactly the same number of instructions whatever the engine translated
 * before; the machine no longer switches modes, because leaving count mode flushes every
 * translation. Kept as the record of the engine behaviour the costs document cites.
 */
class CountModeSwitchTest {
    private static final long CODE = 0x1000;
    /** mov ecx, 100000; loop: dec ecx; jnz loop — then CODE + 9. */
    private static final byte[] LOOP = {(byte) 0xB9, (byte) 0xA0, (byte) 0x86, 0x01, 0x00, (byte) 0xFF, (byte) 0xC9, 0x75, (byte) 0xFC};
    private static final long END = CODE + LOOP.length;
    private static final int COUNT = 1001;   // mov, then 500 x (dec, jnz)

    private static Unicorn engine() {
        Unicorn uc = new Unicorn();
        uc.memMap(CODE, 0x1000, Unicorn.PROT_ALL);
        uc.memWrite(CODE, LOOP);
        return uc;
    }

    /** ECX when a run counted to {@link #COUNT} stops. */
    private static long countedStop(Unicorn uc) {
        uc.start(CODE, END, 0, COUNT);
        return uc.regRead(X86Reg.RCX);
    }

    @Test
    void aCountedRunStopsAtTheSameInstructionAfterTheEngineRanTheCodeUncounted() {
        Unicorn fresh = engine(), mixed = engine();
        try {
            long expected = countedStop(fresh);
            mixed.start(CODE, END, 0, 0);            // translated without the count hook, runs to the end
            assertEquals(0, mixed.regRead(X86Reg.RCX));
            assertEquals(expected, countedStop(mixed), "the count hook instruments blocks translated before it existed");
            mixed.start(CODE, END, 0, 0);
            assertEquals(expected, countedStop(mixed), "and again after another uncounted run");
        } finally {
            fresh.close();
            mixed.close();
        }
    }

    /** Prints what alternating modes costs per uncounted run (a benchmark's figure, not asserted). */
    @Test
    void alternatingModesCostIsPrinted() {
        Unicorn uc = engine();
        try {
            long uncountedOnly = timeUncounted(uc, false), alternating = timeUncounted(uc, true);
            System.out.printf("uncounted 100,000-iteration loop: %.1f us alone, %.1f us right after a counted run%n",
                uncountedOnly / 1e3, alternating / 1e3);
            assertEquals(0, uc.regRead(X86Reg.RCX));
        } finally {
            uc.close();
        }
    }

    private static long timeUncounted(Unicorn uc, boolean countedBefore) {
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 50; i++) {
            if (countedBefore) uc.start(CODE, END, 0, 3);
            long t = System.nanoTime();
            uc.start(CODE, END, 0, 0);
            best = Math.min(best, System.nanoTime() - t);
        }
        return best;
    }
}
