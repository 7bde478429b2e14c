package dev.arenaemu.kernel.arena;

import dev.arenaemu.kernel.KernelEra;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A test run in v7.0 and latest, eras with the non-sleepable arena kfuncs and their deferred free
 * (E4+, KernelEra.hasNonSleepableKfuncs); the test method takes the {@link KernelEra}.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@ParameterizedTest
@EnumSource(value = KernelEra.class, names = {"V7_0", "LATEST"})
@interface ErasWithNonSleepableKfuncs {}
