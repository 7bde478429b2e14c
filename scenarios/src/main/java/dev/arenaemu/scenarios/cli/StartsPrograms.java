package dev.arenaemu.scenarios.cli;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The external programs a command may start (besides the JVM itself), by the name it runs them
 * under. The launcher installs a subcommand's programs before it runs it; its per-subcommand list
 * is checked against these declarations by LauncherInstallListTest, so a command that starts a
 * new program fails the build until the launcher installs it. No annotation: starts none.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface StartsPrograms {
    String[] value();
}
