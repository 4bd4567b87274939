package dev.netinvert.solvers.io;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;

/**
 * Read-only file mappings that the kernels read as fast as arena memory.
 *
 * <p>{@link FileChannel#map} returns a segment of a class of its own (a mapped segment). Weights mapped
 * in place beside a workspace allocated in an arena put two segment classes at the kernels' call sites,
 * and C2 compiled the Vector API's loads there slower: the circle experiment's PDHG iteration with W, b
 * and y loaded from .npy files took 398 µs against 269 µs with the same data in an arena (AVX-512), and
 * 692 µs against 229 µs under {@code -XX:UseAVX=2} (JMH {@code PdhgIterationBench}, {@code source}
 * parameter). So the mapping is viewed again, zero-copy, as a plain native segment: the same address and
 * length, the same arena (it is unmapped when the arena closes, as before), read-only. That view needs
 * {@link MemorySegment#reinterpret(long, Arena, java.util.function.Consumer)}, a restricted method; where
 * the caller's module has no native access ({@code --enable-native-access=ALL-UNNAMED} on the command line,
 * as the launcher, the CLI jar and the Maven builds give it), the mapped segment is used as it is: correct,
 * only slower.
 */
final class MappedFiles {
    private MappedFiles() {}

    private static final boolean NATIVE_VIEW = MappedFiles.class.getModule().isNativeAccessEnabled();

    /** {@code bytes} bytes of {@code ch} from {@code offset}, mapped read-only for the lifetime of {@code arena}. */
    static MemorySegment mapReadOnly(FileChannel ch, long offset, long bytes, Arena arena) throws IOException {
        MemorySegment mapped = ch.map(FileChannel.MapMode.READ_ONLY, offset, bytes, arena);
        if (!NATIVE_VIEW || bytes == 0) {
            return mapped;
        }
        return MemorySegment.ofAddress(mapped.address()).reinterpret(bytes, arena, null).asReadOnly();
    }
}
