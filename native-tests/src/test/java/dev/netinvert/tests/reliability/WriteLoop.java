package dev.netinvert.tests.reliability;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.io.AtomicFiles;
import dev.netinvert.solvers.io.Npy;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The child process of {@link InterruptedWriteTest}: writes {@code solution.npy} and {@code result.json}
 * in a loop, versions {@code start}, {@code start + 1}, … , through the project's writers ({@link Npy#write}
 * and, for the JSON, {@link AtomicFiles#write} with the pretty-printed jackson-jr text, which is what the
 * CLI's package-private {@code Json.write} does), and prints {@code solution k} / {@code result k} after
 * each file is in place, until it is killed.
 *
 * <p>Version k is recognisable throughout: every element of the solution is k, the JSON holds
 * {@code "version": k} and {@code entries} copies of k, so a file mixing two versions or cut short cannot
 * pass for a complete one.
 *
 * <p>Arguments: folder, first version, solution length (floats), JSON entries.
 */
public final class WriteLoop {
    private WriteLoop() {}

    static final String SOLUTION = "solution.npy";
    static final String RESULT = "result.json";

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        int start = Integer.parseInt(args[1]);
        int floats = Integer.parseInt(args[2]);
        int entries = Integer.parseInt(args[3]);
        try (Arena arena = Arena.ofConfined()) {
            FloatVec v = FloatVec.allocate(arena, floats);
            for (int k = start; ; k++) {
                writeSolution(dir, v, k);
                System.out.println("solution " + k);
                System.out.flush();
                writeResult(dir, k, entries);
                System.out.println("result " + k);
                System.out.flush();
            }
        }
    }

    static void writeSolution(Path dir, FloatVec v, int version) throws IOException {
        for (int i = 0; i < v.length(); i++) {
            v.set(i, version);
        }
        Npy.write(dir.resolve(SOLUTION), v);
    }

    static void writeResult(Path dir, int version, int entries) throws IOException {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("version", version);
        List<Integer> values = new ArrayList<>(entries);
        for (int i = 0; i < entries; i++) {
            values.add(version);
        }
        json.put("values", values);
        json.put("end", "complete");
        AtomicFiles.write(dir.resolve(RESULT),
                JSON.std.with(JSON.Feature.PRETTY_PRINT_OUTPUT).asString(json).getBytes(StandardCharsets.UTF_8));
    }
}
