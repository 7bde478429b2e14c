package dev.arenaemu.kernel;

import dev.arenaemu.kernel.mm.VmFaultResult;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Era names and the switches that tell E3, E4 and E5 apart (docs/semantics.md#eras, #era-differences). */
class KernelEraTest {
    @Test
    void scenarioNamesResolve() {
        assertEquals(KernelEra.V6_13, KernelEra.parse("v6.13"));
        assertEquals(KernelEra.V6_13, KernelEra.parse("E3"));
        assertEquals(KernelEra.V7_0, KernelEra.parse("7.0"));
        assertEquals(KernelEra.LATEST, KernelEra.parse("latest"));
        assertEquals(KernelEra.LATEST, KernelEra.parse(" E5 "));
        assertNull(KernelEra.parse("v6.9"));
        assertEquals(KernelEra.LATEST, KernelEra.DEFAULT);
    }

    @Test
    void onlyE5HasTheForkAndOomFixes() {
        assertTrue(KernelEra.LATEST.setsDontCopy() && KernelEra.LATEST.rejectsSplitAndMremap());
        assertFalse(KernelEra.V7_0.setsDontCopy() || KernelEra.V6_13.rejectsSplitAndMremap());
        assertEquals(VmFaultResult.OOM, KernelEra.LATEST.faultAllocFailure());
        assertEquals(VmFaultResult.SIGSEGV, KernelEra.V7_0.faultAllocFailure());
    }

    /**
     * The table in docs/semantics.md#era-differences: which era each boolean switch turns on in (E3
     * = V6_13, E4 = V7_0, E5 = LATEST).
     */
    @Test
    void switchesFollowTheEraTable() {
        record Row(String name, java.util.function.Predicate<KernelEra> on, boolean e3, boolean e4, boolean e5) {}
        java.util.List<Row> table = java.util.List.of(
            new Row("usesScratchPage", KernelEra::usesScratchPage, false, false, true),
            new Row("faultPreallocatesPage", KernelEra::faultPreallocatesPage, false, false, true),
            new Row("validatesNumaNode", KernelEra::validatesNumaNode, false, false, true),
            new Row("freeGuardsBelowStart", KernelEra::freeGuardsBelowStart, false, false, true),
            new Row("reportsMemUsage", KernelEra::reportsMemUsage, false, false, true),
            new Row("setsDontCopy", KernelEra::setsDontCopy, false, false, true),
            new Row("rejectsSplitAndMremap", KernelEra::rejectsSplitAndMremap, false, false, true),
            new Row("directValueRejectsEnd", KernelEra::directValueRejectsEnd, false, false, true),
            new Row("zapRefindsVma", KernelEra::zapRefindsVma, false, false, true),
            new Row("singlePageZapByRefcount", KernelEra::singlePageZapByRefcount, false, false, true),
            new Row("allocatesInBatches", KernelEra::allocatesInBatches, false, true, true),
            new Row("freeClearsPtesBeforeZap", KernelEra::freeClearsPtesBeforeZap, false, true, true),
            new Row("hasNonSleepableKfuncs", KernelEra::hasNonSleepableKfuncs, false, true, true),
            new Row("signExtendingArenaLoads", KernelEra::signExtendingArenaLoads, false, true, true),
            new Row("reportsArenaFaults", KernelEra::reportsArenaFaults, false, true, true),
            new Row("directValueMaxVarOffCheck", KernelEra::directValueMaxVarOffCheck, true, false, false));
        for (Row r : table) {
            assertEquals(java.util.List.of(r.e3(), r.e4(), r.e5()),
                java.util.List.of(r.on().test(KernelEra.V6_13), r.on().test(KernelEra.V7_0), r.on().test(KernelEra.LATEST)), r.name());
        }
        assertEquals(java.util.List.of(0L, 1L << 32, (1L << 32) + (1L << 15)),
            java.util.List.of(KernelEra.V6_13.prepopulatedBytes(), KernelEra.V7_0.prepopulatedBytes(), KernelEra.LATEST.prepopulatedBytes()));
        assertEquals(VmFaultResult.SIGSEGV, KernelEra.V6_13.faultAllocFailure());
    }

    @Test
    void errnoValuesAreTheKernels() {
        assertEquals(-22, Errno.EINVAL.neg());
        assertEquals(524, Errno.ENOTSUPP.value);
        assertEquals(Errno.EBUSY, Errno.of(-16));
        assertEquals("-ERANGE (-34)", Errno.describe(-34));
        assertTrue(Errno.isErrValue(-12L));
        assertFalse(Errno.isErrValue(0x7f00_0000_0000L));
    }
}
