package dev.arenaemu.scenarios;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The emulator's one seam: the kernel model, the user model and the scenarios talk frames, PTEs,
 * CPUs and traps (the emulator's cpu, memory, paging, trap and x86 packages), never the engine
 * binding. Nothing of theirs may use the FFM API (a MemorySegment, a downcall) or the binding's
 * own package, so a change of engine stays inside the emulator. Checked on the compiled main
 * classes of the three modules, with ArchUnit.
 */
class SeamTest {
    private static final String[] MODEL_PACKAGES = {"dev.arenaemu.kernel..", "dev.arenaemu.user..", "dev.arenaemu.scenarios.."};

    @Test
    void theModelsAndTheScenariosNeverTouchTheEngineBindingOrTheFfmApi() {
        JavaClasses classes = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.arenaemu.kernel", "dev.arenaemu.user", "dev.arenaemu.scenarios");
        assertTrue(classes.size() > 300, "the three modules' main classes were found: " + classes.size());
        noClasses().that().resideInAnyPackage(MODEL_PACKAGES)
            .should().dependOnClassesThat().resideInAnyPackage("java.lang.foreign..", "dev.arenaemu.emulator.ffm..")
            .because("FFM types and the Unicorn binding stay inside the emulator's ffm package (emulator/README.md)")
            .check(classes);
    }
}
