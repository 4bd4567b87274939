package dev.netinvert.solvers.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Objects;

/**
 * Writes a file so that a crash never leaves a half-written file that looks complete: the content goes to
 * a temporary file in the <em>same folder</em> (so the final move is a rename within one file system),
 * is forced to the device, and is then moved over the target with {@link StandardCopyOption#ATOMIC_MOVE}.
 * Readers see either the old file or the whole new one.
 *
 * <p>If the file system cannot move atomically ({@link AtomicMoveNotSupportedException}, e.g. some network
 * or FUSE file systems), the move falls back to {@link StandardCopyOption#REPLACE_EXISTING}: the target may
 * then be briefly absent, but never partly written, because the content is complete before the move. On
 * any failure the temporary file is deleted and the target is left as it was. Temporary files are named
 * {@code .<target name>.<random>.tmp}.
 */
public final class AtomicFiles {
    private AtomicFiles() {}

    /** Writes the content of a file through a channel positioned at 0. */
    @FunctionalInterface
    public interface ChannelWriter {
        void write(FileChannel channel) throws IOException;
    }

    /**
     * Writes {@code target} atomically with {@code writer}; the target's folder must exist.
     *
     * @throws IOException from the writer or the file system; the target is then unchanged
     */
    public static void write(Path target, ChannelWriter writer) throws IOException {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(writer, "writer");
        Path absolute = target.toAbsolutePath();
        Path dir = absolute.getParent();
        Path tmp = Files.createTempFile(dir, "." + absolute.getFileName() + ".", ".tmp");
        boolean moved = false;
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                writer.write(ch);
                ch.force(true);
            }
            try {
                Files.move(tmp, absolute, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, absolute, StandardCopyOption.REPLACE_EXISTING);
            }
            moved = true;
        } finally {
            if (!moved) {
                Files.deleteIfExists(tmp);
            }
        }
    }

    /** Writes {@code bytes} to {@code target} atomically. */
    public static void write(Path target, byte[] bytes) throws IOException {
        Objects.requireNonNull(bytes, "bytes");
        write(target, ch -> writeFully(ch, java.nio.ByteBuffer.wrap(bytes)));
    }

    /** Writes every remaining byte of {@code buffer} (a channel may write fewer per call). */
    static void writeFully(FileChannel ch, java.nio.ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            ch.write(buffer);
        }
    }
}
