package dev.arenaemu.kernel;

import dev.arenaemu.kernel.mm.VmFaultResult;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Era names and the switches that tell E3, E4 and E5 apart (arena-semantics.md §0, §11). */
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
