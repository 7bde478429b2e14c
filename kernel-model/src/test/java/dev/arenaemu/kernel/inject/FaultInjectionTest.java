package dev.arenaemu.kernel.inject;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** lib/fault-inject.c knobs and fail-nth, per site. */
class FaultInjectionTest {
    private final FaultInjection fi = new FaultInjection();

    private List<Boolean> hits(InjectionSite site, int n) {
        List<Boolean> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(fi.shouldFail(site));
        return out;
    }

    @Test
    void failNthFailsExactlyThatHitOnceCountedFromNow() {
        fi.shouldFail(InjectionSite.PAGE_ALLOC);
        fi.failNth(InjectionSite.PAGE_ALLOC, 3);
        assertEquals(List.of(false, false, true, false, false), hits(InjectionSite.PAGE_ALLOC, 5));
        assertEquals(6, fi.hits(InjectionSite.PAGE_ALLOC));
        assertEquals(List.of(new FaultInjection.Injected(InjectionSite.PAGE_ALLOC, 4)), fi.injected());
    }

    @Test
    void sitesAreIndependent() {
        fi.failNth(InjectionSite.RANGE_TREE_NODE, 1);
        assertFalse(fi.shouldFail(InjectionSite.PAGE_ALLOC));
        assertTrue(fi.shouldFail(InjectionSite.RANGE_TREE_NODE));
    }

    @Test
    void intervalTimesAndSpaceFollowShouldFail() {
        fi.configure(InjectionSite.PAGE_ALLOC, FaultAttr.always().withInterval(3).withTimes(2).withSpace(2));
        // Two hits pass (space), then every 3rd eligible hit fails, twice.
        assertEquals(List.of(false, false, false, false, true, false, false, true, false, false, false),
            hits(InjectionSite.PAGE_ALLOC, 11));
    }

    @Test
    void probabilityIsSeededAndReproducible() {
        fi.configure(InjectionSite.PAGE_ALLOC, FaultAttr.probability(30, 42));
        List<Boolean> first = hits(InjectionSite.PAGE_ALLOC, 200);
        FaultInjection again = new FaultInjection();
        again.configure(InjectionSite.PAGE_ALLOC, FaultAttr.probability(30, 42));
        List<Boolean> second = new ArrayList<>();
        for (int i = 0; i < 200; i++) second.add(again.shouldFail(InjectionSite.PAGE_ALLOC));
        assertEquals(first, second);
        long failures = first.stream().filter(b -> b).count();
        assertTrue(failures > 30 && failures < 90, "about 30%: " + failures);
    }

    @Test
    void zeroProbabilityNeverFailsAndClearStopsInjection() {
        fi.configure(InjectionSite.PAGE_ALLOC, FaultAttr.probability(0, 1));
        assertFalse(hits(InjectionSite.PAGE_ALLOC, 50).contains(true));
        fi.configure(InjectionSite.PAGE_ALLOC, FaultAttr.always());
        assertTrue(fi.shouldFail(InjectionSite.PAGE_ALLOC));
        fi.clear(InjectionSite.PAGE_ALLOC);
        assertFalse(fi.shouldFail(InjectionSite.PAGE_ALLOC));
    }
}
