package dev.netinvert.tests.build;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.netinvert.kernels.KernelProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every JVM the project starts carries {@link KernelProvider#JVM_FLAGS} (README, "JVM flags"), but each
 * launcher spells the flags in its own language: the root pom's property (checked at run time by
 * {@code ProviderTest.theTestJvmHasTheProjectsJitFlags}), the {@code netinvert} script, JMH's {@code @Fork}
 * annotation, {@code results-session.sh} and the README's recipes. This test reads those files and fails when
 * one of them lacks a flag, so a change to the constant cannot leave a launcher behind.
 */
class JvmFlagsTest {

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"pom.xml", "netinvert", "jmh/src/main/java/dev/netinvert/jmh/Bench.java",
            "jmh/results-session.sh", "README.md"})
    void everyLauncherPassesTheInlineFlags(String file) throws IOException {
        String text = Files.readString(projectRoot().resolve(file));
        String[] flags = KernelProvider.JVM_FLAGS.split(" ");
        assertFalse(flags.length < 4, KernelProvider.JVM_FLAGS);
        for (String flag : flags) {
            // "…::asSlice" is a prefix of "…::asSliceNoCheck": the flag must end where the name ends.
            Pattern whole = Pattern.compile(Pattern.quote(flag) + "(?![A-Za-z0-9_])");
            assertTrue(whole.matcher(text).find(), () -> file + " does not pass " + flag);
        }
    }

    /** The modules' {@code exec:exec} configurations take the flags from the root pom's property. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"solvers/pom.xml", "spark/pom.xml"})
    void everyExecConfigurationUsesTheProperty(String file) throws IOException {
        String text = Files.readString(projectRoot().resolve(file));
        assertTrue(text.contains("<commandlineArgs>"), () -> file + " has no exec:exec configuration");
        for (String line : text.lines().filter(l -> l.contains("<commandlineArgs>")).toList()) {
            assertTrue(line.contains("${jvm.jit.flags}"), () -> file + ": " + line.strip());
        }
    }

    /** The checkout's root: the first directory upwards from the working directory with the launcher script. */
    static Path projectRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("netinvert")) && Files.isDirectory(dir.resolve("jmh"))) {
                return dir;
            }
        }
        return fail("no directory with the netinvert script above " + Path.of("").toAbsolutePath());
    }
}
