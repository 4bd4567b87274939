package dev.netinvert.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;

/**
 * Says once, at INFO, when memory of a confined arena becomes a {@link FloatVec} or {@link FloatMatrix} in a JVM
 * started without {@link KernelProvider#STABLE_PREDICATES}. The library's own memory is shared, so such a vector
 * brings confined and shared segments into the same kernels, and C2 may then deoptimize and recompile them again and
 * again during warm-up (the mechanism and its cost: {@link KernelProvider#STABLE_PREDICATES}). A performance hint
 * only: the memory works as it is. Its own class, so that making a vector does not start {@link KernelProvider}.
 */
final class ConfinedMemoryHint {
    private ConfinedMemoryHint() {}

    /** Whether this JVM was started with {@link KernelProvider#STABLE_PREDICATES}; true when that cannot be told. */
    static final boolean FLAG = flagPresent();

    /** A thread that owns no arena: a segment it may not access belongs to a confined arena of another thread. */
    private static final Thread NOBODY = Thread.ofPlatform().unstarted(() -> { });

    /** Set once the hint is out. Plain, not volatile: a race between threads can only repeat the hint. */
    private static boolean said;

    /** Called for every vector and matrix made: one static-final test in a JVM with the flag. */
    static void note(MemorySegment segment) {
        if (!FLAG && !said && confined(segment)) {
            said = true;
            System.getLogger("dev.netinvert.kernels").log(System.Logger.Level.INFO,
                    "netinvert kernels: a vector or matrix in a confined arena (Arena::ofConfined) reached the"
                            + " library, whose own memory is shared, and this JVM was started without "
                            + KernelProvider.STABLE_PREDICATES + ": C2 may then recompile the kernels again and again"
                            + " while they warm up. Allocate in Arena.ofShared(), ofAuto() or global(), or add the"
                            + " flag (README, \"JVM flags\")");
        }
    }

    /** Whether {@code segment} belongs to a confined arena (heap and global segments, shared and automatic ones do not). */
    static boolean confined(MemorySegment segment) {
        return !segment.isAccessibleBy(NOBODY);
    }

    private static boolean flagPresent() {
        try {
            return ManagementFactory.getRuntimeMXBean().getInputArguments().contains(KernelProvider.STABLE_PREDICATES);
        } catch (LinkageError | RuntimeException e) { // no java.management in this runtime image
            return true;
        }
    }
}
