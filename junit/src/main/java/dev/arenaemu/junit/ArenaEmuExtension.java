package dev.arenaemu.junit;

import dev.arenaemu.ArenaEmu;
import dev.arenaemu.BootOptions;
import dev.arenaemu.emulator.cpu.Machine;
import dev.arenaemu.emulator.cpu.MachinePool;
import dev.arenaemu.kernel.Capability;
import dev.arenaemu.kernel.Kernel;
import dev.arenaemu.kernel.bpf.BpfSyscall;
import dev.arenaemu.user.Processes;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Resolves the parameters {@link ArenaEmuTest} describes. The system lives in the store of the
 * context that first asked for it (a test method's, shared with its {@code @BeforeEach} and
 * {@code @AfterEach} methods; a class's for a constructor or {@code @BeforeAll}), and JUnit closes
 * it when that context ends, since {@link ArenaEmu} is {@link AutoCloseable}.
 */
public final class ArenaEmuExtension implements ParameterResolver {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(ArenaEmuExtension.class);

    /** The parts a parameter may ask for, each reached from the system. */
    private static final Map<Class<?>, Function<ArenaEmu, Object>> PARTS = Map.of(
        ArenaEmu.class, emu -> emu,
        Machine.class, ArenaEmu::machine,
        Kernel.class, ArenaEmu::kernel,
        BpfSyscall.class, ArenaEmu::bpf,
        Processes.class, ArenaEmu::processes);

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return PARTS.containsKey(parameter.getParameter().getType());
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        ArenaEmu emu = context.getStore(NAMESPACE).getOrComputeIfAbsent(ArenaEmu.class, k -> boot(context), ArenaEmu.class);
        return PARTS.get(parameter.getParameter().getType()).apply(emu);
    }

    private static ArenaEmu boot(ExtensionContext context) {
        ArenaEmuTest spec = nearest(context).orElseThrow(() -> new ParameterResolutionException(
            "no @ArenaEmuTest on " + context.getDisplayName() + " or the classes around it"));
        BootOptions options;
        try {
            options = BootOptions.of(spec.era()).withCpus(spec.cpus()).withRamBytes(spec.ramBytes())
                .withCapabilities(capabilities(spec.capabilities())).withPool(spec.pooled() ? MachinePool.shared() : null);
        } catch (IllegalArgumentException e) {
            throw new ParameterResolutionException("@ArenaEmuTest on " + context.getDisplayName() + ": " + e.getMessage(), e);
        }
        return ArenaEmu.boot(options);
    }

    /** The annotation on the method, else on its class, else on the classes around a @Nested one. */
    private static Optional<ArenaEmuTest> nearest(ExtensionContext context) {
        for (ExtensionContext c = context; c != null; c = c.getParent().orElse(null)) {
            Optional<ArenaEmuTest> found = AnnotationSupport.findAnnotation(c.getElement(), ArenaEmuTest.class);
            if (found.isPresent()) return found;
        }
        return Optional.empty();
    }

    private static EnumSet<Capability> capabilities(Capability[] caps) {
        EnumSet<Capability> out = EnumSet.noneOf(Capability.class);
        out.addAll(Arrays.asList(caps));
        return out;
    }
}
