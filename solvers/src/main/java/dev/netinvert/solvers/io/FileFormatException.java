package dev.netinvert.solvers.io;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A file that cannot be used as asked: malformed, truncated, of an unsupported type, or holding values
 * the caller's model cannot take (a wrong shape, NaN, an observation outside the last activation's
 * domain). The message names the file and, where there is one, the tensor, and says what was expected
 * and what was found; {@link #file()} and {@link #tensor()} give them to programs.
 *
 * <p>It is an {@link IOException} because every reader here already declares one: a caller that handles
 * "could not read the file" handles this too, and one that wants to tell the two apart catches this first.
 */
public class FileFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final String tensor;

    /**
     * @param file   the file at fault
     * @param tensor the tensor (a safetensors name, a model description's reference), or null
     * @param detail what is wrong: expected vs actual
     */
    public FileFormatException(Path file, String tensor, String detail) {
        this(file, tensor, detail, null);
    }

    public FileFormatException(Path file, String tensor, String detail, Throwable cause) {
        super(file + (tensor == null ? "" : ": tensor '" + tensor + "'") + ": " + detail, cause);
        this.file = file;
        this.tensor = tensor;
    }

    /** The file at fault. */
    public Path file() {
        return file;
    }

    /** The tensor at fault, if the problem is in one tensor. */
    public Optional<String> tensor() {
        return Optional.ofNullable(tensor);
    }
}
