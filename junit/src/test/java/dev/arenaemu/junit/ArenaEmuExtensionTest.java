package dev.arenaemu.junit;

import dev.arenaemu.ArenaEmu;
import dev.arenaemu.emulator.cpu.Machine;
import dev.arenaemu.kernel.Capability;
import dev.arenaemu.kernel.CreateResult;
import dev.arenaemu.kernel.Errno;
import dev.arenaemu.kernel.Kernel;
import dev.arenaemu.kernel.KernelEra;
import dev.arenaemu.kernel.arena.ArenaAttr;
import dev.arenaemu.kernel.bpf.BpfMap;
import dev.arenaemu.kernel.bpf.BpfSyscall;
import dev.arenaemu.user.Processes;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

/** {@link ArenaEmuTest}: what it injects, which annotation wins, and that the system is closed after each test. */
@ArenaEmuTest(era = "v6.13")
class ArenaEmuExtensionTest {
    private ArenaEmu fromBeforeEach;

    @BeforeEach
    void before(ArenaEmu emu) {
        fromBeforeEach = emu;
    }

    @Test
    void everyPartIsOfTheOneSystemTheClassAnnotationDescribes(ArenaEmu emu, Machine machine, Kernel kernel, BpfSyscall bpf, Processes processes) {
        assertEquals(KernelEra.V6_13, emu.era());
        assertSame(fromBeforeEach, emu, "@BeforeEach and the test share the test's system");
        assertSame(emu.machine(), machine);
        assertSame(emu.kernel(), kernel);
        assertSame(emu.bpf(), bpf);
        assertSame(emu.processes(), processes);
        assertFalse(emu.isClosed());
    }

    @Test
    @ArenaEmuTest(era = "v7.0", cpus = 3)
    void theMethodAnnotationWinsOverTheClassOne(ArenaEmu emu) {
        assertEquals(KernelEra.V7_0, emu.era());
        assertEquals(3, emu.machine().cpuCount());
    }

    /** arena_map_alloc refuses a caller without CAP_BPF first: -EPERM (docs/semantics.md#creation, catalogue 13-10). */
    @Test
    @ArenaEmuTest(capabilities = {Capability.CAP_PERFMON, Capability.CAP_SYS_ADMIN})
    void capabilitiesReachTheKernel(BpfSyscall bpf) {
        CreateResult<BpfMap> r = bpf.mapCreateArena("arena", ArenaAttr.of(4, 0, 0));
        assertEquals(Errno.EPERM, assertInstanceOf(CreateResult.Failed.class, r).errno());
    }

    @Nested
    class InANestedClass {
        @Test
        void theEnclosingClassAnnotationApplies(ArenaEmu emu) {
            assertEquals(KernelEra.V6_13, emu.era());
        }
    }

    // ---- cases run through the JUnit launcher, so that their failures can be inspected ----

    @Test
    void theSystemIsClosedAfterATestThatFailed() {
        TestExecutionSummary s = run(FailingCase.class);
        assertEquals(1, s.getTestsFailedCount());
        assertEquals("deliberate", s.getFailures().getFirst().getException().getMessage());
        assertTrue(FailingCase.seen.get().isClosed(), "closed with the test's extension context");
    }

    @Test
    void anUnknownEraFailsTheTestNamingTheKnownOnes() {
        TestExecutionSummary s = run(UnknownEra.class);
        assertEquals(1, s.getTestsFailedCount());
        String message = s.getFailures().getFirst().getException().getMessage();
        assertTrue(message.contains("unknown era 'v5.4'") && message.contains("latest"), message);
    }

    @Test
    void withoutTheAnnotationTheExtensionSaysWhatIsMissing() {
        TestExecutionSummary s = run(NoAnnotation.class);
        assertEquals(1, s.getTestsFailedCount());
        assertTrue(s.getFailures().getFirst().getException().getMessage().contains("no @ArenaEmuTest"));
    }

    private static TestExecutionSummary run(Class<?> testClass) {
        Launcher launcher = LauncherFactory.create();
        LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request().selectors(selectClass(testClass))
            .configurationParameter(LaunchedCase.PARAMETER, testClass.getName()).build();
        SummaryGeneratingListener listener = new SummaryGeneratingListener();
        launcher.execute(request, listener);
        TestExecutionSummary summary = listener.getSummary();
        assertEquals(1, summary.getTestsStartedCount(), () -> "ran " + List.of(summary.getTestsStartedCount()));
        return summary;
    }

    @ArenaEmuTest
    @ExtendWith(LaunchedCase.class)
    static class FailingCase {
        static final AtomicReference<ArenaEmu> seen = new AtomicReference<>();

        @Test
        void fails(ArenaEmu emu) {
            seen.set(emu);
            emu.spawn();
            throw new AssertionError("deliberate");
        }
    }

    @ArenaEmuTest(era = "v5.4")
    @ExtendWith(LaunchedCase.class)
    static class UnknownEra {
        @Test
        void boots(ArenaEmu emu) {
            fail("should not run");
        }
    }

    @ExtendWith(ArenaEmuExtension.class)
    @ExtendWith(LaunchedCase.class)
    static class NoAnnotation {
        @Test
        void boots(ArenaEmu emu) {
            fail("should not run");
        }
    }
}
