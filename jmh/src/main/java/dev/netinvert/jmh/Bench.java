package dev.netinvert.jmh;

import java.lang.foreign.Arena;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * What every benchmark class shares, stated once (JMH reads class annotations through the superclass, and a
 * subclass's own annotation wins, as in the JMH sample {@code JMHSample_24_Inheritance}): the average time
 * per call in microseconds unless a class says otherwise, one shared state object, and the one fork setting.
 *
 * <p>Two forks, so that fork-to-fork spread (JIT compilation order differs between JVMs) shows in every
 * result; the Vector API module; native access, which lets the loaders view mapped weight files as native
 * segments as the command-line program does. A command-line {@code -jvmArgsAppend} replaces these
 * arguments: give all three again there (jmh/results-session.sh does, adding {@code -XX:UseAVX=2} for the
 * AVX2 runs).
 *
 * <p>{@link #arena} holds every native input and workspace of a trial: one shared arena, so that every
 * segment at every call site is the same native kind (DESIGN.md decision 2). It is made with the state
 * object (one per fork, and a fork runs one trial) and closed after the trial, before or after a subclass's
 * own tear-down (JMH does not order them; the thread pools those close do not touch the arena).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 2, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-XX:CompileCommand=quiet", "-XX:CompileCommand=inline,jdk.internal.foreign.AbstractMemorySegmentImpl::asSlice",
        "-XX:CompileCommand=inline,jdk.internal.foreign.AbstractMemorySegmentImpl::asSliceNoCheck",
        "-XX:-UseProfiledLoopPredicate"})
@State(Scope.Benchmark)
public abstract class Bench {
    protected final Arena arena = Arena.ofShared();

    @TearDown
    public void closeArena() {
        arena.close();
    }
}
