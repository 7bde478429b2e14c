package dev.arenaemu.junit;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Lets a test class that is meant to fail run only when a test launches it on purpose (through the
 * JUnit launcher, with its name as {@link #PARAMETER}), not when a pattern such as
 * {@code -Dtest='ArenaEmuExtensionTest*'} happens to select it.
 */
final class LaunchedCase implements ExecutionCondition {
    static final String PARAMETER = "arenaemu.junit.launched-case";

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        String launched = context.getConfigurationParameter(PARAMETER).orElse("");
        return context.getTestClass().map(Class::getName).filter(launched::equals).isPresent()
            ? ConditionEvaluationResult.enabled("launched by the test that inspects its failure")
            : ConditionEvaluationResult.disabled("a case for ArenaEmuExtensionTest to launch, failing on purpose");
    }
}
