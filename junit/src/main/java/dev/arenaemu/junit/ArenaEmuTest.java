package dev.arenaemu.junit;

import dev.arenaemu.BootOptions;
import dev.arenaemu.emulator.cpu.Machine;
import dev.arenaemu.kernel.Capability;
import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A test (class or method) that runs against a booted arena-emu system: parameters of type
 * {@link dev.arenaemu.ArenaEmu}, {@link dev.arenaemu.emulator.cpu.Machine},
 * {@link dev.arenaemu.kernel.Kernel}, {@link dev.arenaemu.kernel.bpf.BpfSyscall} and
 * {@link dev.arenaemu.user.Processes} of test methods and their {@code @BeforeEach}/{@code @AfterEach}
 * methods are parts of one system, booted for that test and closed after it (whether it passed
 * or not). The annotation nearest the test wins: a method's over its class's.
 *
 * <pre>{@code
 * @ArenaEmuTest(era = "v6.13")
 * class MyArenaTest {
 *     @Test
 *     void allocates(ArenaEmu emu) { ... }
 * }
 * }</pre>
 */
@Target({ElementType.TYPE, ElementType.METHOD, ElementType.ANNOTATION_TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(ArenaEmuExtension.class)
public @interface ArenaEmuTest {
    /** The kernel era: "v6.13", "v7.0", "latest" (anything {@code KernelEra.parse} accepts). */
    String era() default "latest";

    /** Kernel CPUs of the machine. */
    int cpus() default Machine.DEFAULT_CPUS;

    /** RAM the kernel's page allocator may hand out. */
    long ramBytes() default BootOptions.DEFAULT_RAM_BYTES;

    /** The caller's capabilities (capable()); the default is all three the BPF paths check. */
    Capability[] capabilities() default {Capability.CAP_SYS_ADMIN, Capability.CAP_PERFMON, Capability.CAP_BPF};

    /**
     * Take the machine from the JVM-wide pool and give it back reset (fast: no boot, page tables
     * kept); false boots a machine of its own and closes it after the test.
     */
    boolean pooled() default true;
}
