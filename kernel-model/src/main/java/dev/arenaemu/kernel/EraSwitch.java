package dev.arenaemu.kernel;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a {@link KernelEra} behaviour switch and names the kernel code it stands for. Which eras
 * a switch differs in is never written here: {@link KernelEra#switches()} calls the method on
 * every era, so the {@code eras} listing and the switch cannot disagree.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface EraSwitch {
    /** The kernel function(s) or definition the switch models. */
    String function();

    /** What changes, in a few words, with the era tags of each side. */
    String change();
}
