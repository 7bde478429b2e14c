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
        assertEquals(KernelEra.V6_9, KernelEra.parse("v6.9"));
        assertEquals(KernelEra.V6_9, KernelEra.parse("E1"));
        assertEquals(KernelEra.V6_10, KernelEra.parse("v6.10"));
        assertEquals(KernelEra.V6_10, KernelEra.parse("v6.11"));
        assertEquals(KernelEra.V6_10, KernelEra.parse("6.12"));
        assertEquals(KernelEra.V6_10, KernelEra.parse("E2"));
        assertNull(KernelEra.parse("v6.8"));
        assertEquals(KernelEra.LATEST, KernelEra.DEFAULT);
        assertEquals(KernelEra.V6_12_STABLE, KernelEra.parse("v6.12-stable"));
        assertEquals(KernelEra.V6_12_STABLE, KernelEra.parse("6.12-stable"));
        assertEquals(KernelEra.V7_0_STABLE, KernelEra.parse("V7_0_STABLE"));
        assertEquals(KernelEra.V7_0_STABLE, KernelEra.parse("E4-stable"));
        assertEquals(java.util.List.of(KernelEra.V6_9, KernelEra.V6_10, KernelEra.V6_13, KernelEra.V7_0, KernelEra.LATEST), KernelEra.eras());
        assertEquals(java.util.List.of(KernelEra.V6_12_STABLE, KernelEra.V7_0_STABLE), KernelEra.profiles());
    }

    /**
     * The profiles of real stable builds (docs/eras.md#profiles-for-real-builds): each answers every
     * switch as its base era except the four its backports change, which answer as E5 does —
     * arena_vm_may_split / arena_vm_mremap -EINVAL and VM_DONTCOPY in arena_map_mmap (4fddde2a732d,
     * "bpf: Fix use-after-free in arena_vm_close on fork"), the node check of arena_alloc_pages
     * (2845989f2eba, "bpf: Validate node_id in arena_alloc_pages()"), arena_free_pages' early
     * return below user_vm_start, and adjust_reg_min_max_vals' arena-source rule (ac61bffe91d4).
     */
    @Test
    void profilesAreTheirBaseEraPlusTheirBackports() {
        java.util.Set<String> backported = java.util.Set.of("rejectsSplitAndMremap", "setsDontCopy", "validatesNumaNode",
            "arenaSourceAluMakesArenaPointer");
        assertEquals(KernelEra.V6_10, KernelEra.V6_12_STABLE.base());
        assertEquals(KernelEra.V7_0, KernelEra.V7_0_STABLE.base());
        assertEquals(KernelEra.LATEST, KernelEra.LATEST.base());
        assertFalse(KernelEra.LATEST.isProfile());
        for (KernelEra profile : KernelEra.profiles()) {
            assertTrue(profile.isProfile());
            assertEquals(java.util.EnumSet.allOf(Backport.class), profile.backports(), profile.label());
            for (KernelEra.Switch s : KernelEra.switches()) {
                Object expected = backported.contains(s.name()) ? s.values().get(KernelEra.LATEST) : s.values().get(profile.base());
                assertEquals(expected, s.values().get(profile), profile.label() + " " + s.name());
                assertEquals(backported.contains(s.name()), s.differsFromBase(profile), profile.label() + " " + s.name());
            }
        }
        // not an era: no switch "changes" in a profile
        for (KernelEra.Switch s : KernelEra.switches()) assertFalse(s.changesIn().stream().anyMatch(KernelEra::isProfile), s.name());
        assertTrue(KernelEra.V6_12_STABLE.usesMapleTree(), "arena_alloc_pages of 6.12 keeps its maple tree");
        assertFalse(KernelEra.V7_0_STABLE.usesScratchPage(), "no scratch page in 7.0.x");
        assertEquals("E2-stable", KernelEra.V6_12_STABLE.tag());
        assertFalse(KernelEra.V7_0_STABLE.freeGuardsBelowStart(), "7.0.13 still has the E3-E4 free-below-start wrap");
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
            new Row("directValueMaxVarOffCheck", KernelEra::directValueMaxVarOffCheck, true, false, false),
            new Row("arenaSourceAluMakesArenaPointer", KernelEra::arenaSourceAluMakesArenaPointer, false, false, true),
            new Row("loadAcquireExtableLikeLoad", KernelEra::loadAcquireExtableLikeLoad, false, false, true),
            new Row("arenaKfuncsSpinlockSafe", KernelEra::arenaKfuncsSpinlockSafe, false, false, true),
            new Row("hasArenaKfuncArgs", KernelEra::hasArenaKfuncArgs, false, false, true),
            new Row("globalFuncsPassArenaPointers", KernelEra::globalFuncsPassArenaPointers, false, false, true),
            new Row("zextsArenaCmpxchg", KernelEra::zextsArenaCmpxchg, true, false, true),

            new Row("atomicFaultClearsFetchRegister", KernelEra::atomicFaultClearsFetchRegister, false, false, true));
        for (Row r : table) {
            assertEquals(java.util.List.of(r.e3(), r.e4(), r.e5()),
                java.util.List.of(r.on().test(KernelEra.V6_13), r.on().test(KernelEra.V7_0), r.on().test(KernelEra.LATEST)), r.name());
        }
        assertEquals(java.util.List.of(0L, 1L << 32, (1L << 32) + (1L << 15)),
            java.util.List.of(KernelEra.V6_13.prepopulatedBytes(), KernelEra.V7_0.prepopulatedBytes(), KernelEra.LATEST.prepopulatedBytes()));
        assertEquals(VmFaultResult.SIGSEGV, KernelEra.V6_13.faultAllocFailure());
    }

    /**
     * The switches that tell E1 and E2 apart from E3, each with the kernel function and the commit
     * whose title it cites: usesMapleTree (arena_alloc_pages et al., "bpf: Introduce range_tree data
     * structure and use it in bpf arena"), hasVmOpen (arena_vm_open, "bpf: Fix remap of arena."),
     * allowsArenaAtomics (check_atomic, "bpf: Add support for certain atomics in bpf_arena to x86
     * JIT"), hasReservePages (bpf_arena_reserve_pages, "bpf/arena: add bpf_arena_reserve_pages
     * kfunc"), guardSize (GUARD_SZ, "bpf/arena: fix softlockup in arena_map_free on 64k page kernel").
     */
    @Test
    void mapleEraSwitchesFollowTheSources() {
        record Row(String name, java.util.function.Predicate<KernelEra> on, boolean e1, boolean e2, boolean e3, boolean e4, boolean e5) {}
        java.util.List<Row> table = java.util.List.of(
            new Row("usesMapleTree", KernelEra::usesMapleTree, true, true, false, false, false),
            new Row("hasVmOpen", KernelEra::hasVmOpen, false, true, true, true, true),
            new Row("allowsArenaAtomics", KernelEra::allowsArenaAtomics, false, true, true, true, true),
            new Row("hasReservePages", KernelEra::hasReservePages, false, false, true, true, true),
            // E1/E2 share the E3 values of the switches that arrived later
            new Row("reportsMemUsage", KernelEra::reportsMemUsage, false, false, false, false, true),
            new Row("signExtendingArenaLoads", KernelEra::signExtendingArenaLoads, false, false, false, true, true),
            new Row("directValueMaxVarOffCheck", KernelEra::directValueMaxVarOffCheck, true, true, true, false, false),
            new Row("hasNonSleepableKfuncs", KernelEra::hasNonSleepableKfuncs, false, false, false, true, true),
            new Row("rejectsSplitAndMremap", KernelEra::rejectsSplitAndMremap, false, false, false, false, true));
        for (Row r : table) {
            assertEquals(java.util.List.of(r.e1(), r.e2(), r.e3(), r.e4(), r.e5()),
                KernelEra.eras().stream().map(r.on()::test).toList(), r.name());
        }
        for (KernelEra e : KernelEra.values()) assertEquals(1L << 16, e.guardSize(), "GUARD_SZ on 4K pages, " + e);
        assertEquals(0L, KernelEra.V6_9.prepopulatedBytes());
        assertEquals(VmFaultResult.SIGSEGV, KernelEra.V6_10.faultAllocFailure());
    }

    /** `arena-emu eras` is built from switches(): every behaviour method is an @EraSwitch and is evaluated in every era. */
    @Test
    void everyBehaviourMethodIsAnEraSwitch() {
        java.util.Set<String> notSwitches = java.util.Set.of("parse", "label", "versions", "tag", "switches", "values", "valueOf", "since",
            "base", "isProfile", "backports", "carries", "eras", "profiles");
        java.util.Set<String> methods = new java.util.TreeSet<>();
        for (java.lang.reflect.Method m : KernelEra.class.getDeclaredMethods()) {
            if (m.isSynthetic() || notSwitches.contains(m.getName()) || m.getName().startsWith("lambda$")) continue;
            methods.add(m.getName());
            assertTrue(m.isAnnotationPresent(EraSwitch.class), m.getName() + " is a behaviour switch without @EraSwitch");
        }
        java.util.List<KernelEra.Switch> switches = KernelEra.switches();
        assertEquals(methods, switches.stream().map(KernelEra.Switch::name).collect(java.util.stream.Collectors.toCollection(java.util.TreeSet::new)));
        KernelEra.Switch open = switches.stream().filter(s -> s.name().equals("hasVmOpen")).findFirst().orElseThrow();
        assertEquals(java.util.List.of(KernelEra.V6_10), open.changesIn());
        KernelEra.Switch maple = switches.stream().filter(s -> s.name().equals("usesMapleTree")).findFirst().orElseThrow();
        assertEquals(java.util.List.of(KernelEra.V6_13), maple.changesIn());
        KernelEra.Switch guard = switches.stream().filter(s -> s.name().equals("guardSize")).findFirst().orElseThrow();
        assertEquals(java.util.List.of(), guard.changesIn(), "same GUARD_SZ on 4K pages in every era");
        assertEquals(java.util.List.of("v6.10", "v6.11", "v6.12"), KernelEra.V6_10.versions());
        assertEquals("E1", KernelEra.V6_9.tag());
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
