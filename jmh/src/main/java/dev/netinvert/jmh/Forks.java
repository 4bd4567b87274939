package dev.netinvert.jmh;

/**
 * The one fork setting of every benchmark: {@code @Fork(value = Forks.COUNT, jvmArgsAppend = {Forks.MODULE,
 * Forks.VECTOR, Forks.NATIVE})}. Two forks, so that fork-to-fork spread (JIT compilation order differs
 * between JVMs) shows in every result; the Vector API module; native access, which lets the loaders view
 * mapped weight files as native segments as the command-line program does. A command-line
 * {@code -jvmArgsAppend} replaces these arguments: give all three again there (jmh/results-session.sh does,
 * adding {@code -XX:UseAVX=2} for the AVX2 runs).
 */
final class Forks {
    private Forks() {}

    static final int COUNT = 2;
    static final String MODULE = "--add-modules";
    static final String VECTOR = "jdk.incubator.vector";
    static final String NATIVE = "--enable-native-access=ALL-UNNAMED";
}
