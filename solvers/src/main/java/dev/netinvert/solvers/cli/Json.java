package dev.netinvert.solvers.cli;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.netinvert.solvers.io.AtomicFiles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** The JSON files the commands write (result.json, summary.json, diagnostics): pretty-printed, written atomically. */
final class Json {
    private Json() {}

    static void write(Path file, Object json) throws Exception {
        AtomicFiles.write(file, JSON.std.with(JSON.Feature.PRETTY_PRINT_OUTPUT).asString(json).getBytes(StandardCharsets.UTF_8));
    }

    /** JSON has no NaN or infinity: those become null. */
    static Object finite(double v) {
        return Double.isFinite(v) ? v : null;
    }
}
