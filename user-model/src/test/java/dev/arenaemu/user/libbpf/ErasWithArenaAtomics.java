package dev.arenaemu.user.libbpf;

import dev.arenaemu.kernel.KernelEra;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A test run once per era that lets BPF programs use atomics on arena pointers: every era but
 * v6.9, whose verifier refuses them (KernelEra.allowsArenaAtomics). The test takes the KernelEra.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@ParameterizedTest
@EnumSource(value = KernelEra.class, names = "V6_9", mode = EnumSource.Mode.EXCLUDE)
@interface ErasWithArenaAtomics {}
