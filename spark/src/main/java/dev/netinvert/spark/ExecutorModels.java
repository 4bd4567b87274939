package dev.netinvert.spark;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.netinvert.solvers.io.LoadOptions;
import dev.netinvert.solvers.io.ModelFiles;
import dev.netinvert.solvers.network.Network;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.SparkEnv;
import org.apache.spark.SparkFiles;

/**
 * The networks an executor JVM has loaded: one per model file, memory-mapped once (read-only, by
 * {@link ModelFiles}) in a shared arena that lives as long as the JVM, and read concurrently by every task
 * thread. Spark reuses executor JVMs across tasks and jobs, so the second partition of a job, and every
 * later job with the same model, finds the network mapped already.
 *
 * <p>A model reaches the executors in one of two ways: shipped with {@code SparkContext.addFile} (the
 * description and every file it references, flat, under their own names; {@link #filesToShip}), found on
 * the executor with {@link SparkFiles#get}; or on storage every executor mounts at the same path.
 */
final class ExecutorModels {
    private ExecutorModels() {}

    private record Loaded(Network network, Arena arena) {}

    /** Keyed by the absolute path of the description on this JVM and the non-finite policy. */
    private static final ConcurrentHashMap<String, Loaded> CACHE = new ConcurrentHashMap<>();

    /**
     * The network of {@code modelPath} on this executor.
     *
     * @param modelPath the path the driver was given
     * @param shipped   whether the driver shipped it with {@code addFile} (then it is looked up by file name
     *                  in {@link SparkFiles#getRootDirectory()})
     * @throws IllegalStateException naming the executor and the path when the file is not there
     */
    static Network get(String modelPath, boolean shipped, boolean allowNonFinite) {
        Path local = shipped ? Path.of(SparkFiles.get(Path.of(modelPath).getFileName().toString())) : Path.of(modelPath);
        if (!Files.isRegularFile(local)) {
            throw new IllegalStateException("model file " + local + " is missing on executor " + executor() + " (the job "
                    + "was given " + modelPath + (shipped ? ", shipped with SparkContext.addFile" : ", expected on storage "
                    + "every executor mounts at that path; a model that exists on the driver is shipped with addFile")
                    + ")");
        }
        String key = local.toAbsolutePath().normalize() + (allowNonFinite ? "|allow-nonfinite" : "");
        return CACHE.computeIfAbsent(key, k -> load(local, allowNonFinite)).network();
    }

    private static Loaded load(Path description, boolean allowNonFinite) {
        // Shared, never closed: the mapping is read by every task thread for the life of the executor.
        Arena arena = Arena.ofShared();
        try {
            Network net = ModelFiles.load(description, arena, LoadOptions.STRICT.withAllowNonFinite(allowNonFinite));
            return new Loaded(net, arena);
        } catch (IOException e) {
            arena.close();
            throw new UncheckedIOException("model " + description + " on executor " + executor() + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /** How many models this JVM holds (for tests: a model is loaded once per JVM, not once per task). */
    static int loadedCount() {
        return CACHE.size();
    }

    /** "driver" or the executor's id, and its host. */
    static String executor() {
        SparkEnv env = SparkEnv.get();
        if (env == null) {
            return "(no Spark environment)";
        }
        return env.executorId() + "@" + env.blockManager().blockManagerId().host();
    }

    /**
     * The files to ship for a model description: the description, its {@code "tensors"} file and every
     * {@code .npy} a layer names. {@code addFile} ships files flat, under their names, so a reference into a
     * sub-folder, an absolute reference, or two files of the same name cannot be shipped.
     *
     * @throws IllegalArgumentException naming the reference that cannot be shipped
     */
    static List<Path> filesToShip(Path description) throws IOException {
        Map<String, Object> json = JSON.std.mapFrom(Files.readString(description));
        Set<String> refs = new LinkedHashSet<>();
        if (json.get("tensors") instanceof String s) {
            refs.add(s);
        }
        if (json.get("layers") instanceof List<?> layers) {
            for (Object l : layers) {
                if (l instanceof Map<?, ?> layer) {
                    for (String k : new String[] {"weight", "bias"}) {
                        if (layer.get(k) instanceof String r && r.toLowerCase(java.util.Locale.ROOT).endsWith(".npy")) {
                            refs.add(r);
                        }
                    }
                }
            }
        }
        List<Path> files = new ArrayList<>();
        files.add(description.toAbsolutePath().normalize());
        Set<String> names = new LinkedHashSet<>();
        names.add(description.getFileName().toString());
        Path dir = description.toAbsolutePath().getParent();
        for (String r : refs) {
            Path p = Path.of(r);
            if (p.isAbsolute() || p.getNameCount() != 1) {
                throw new IllegalArgumentException("model " + description + " references '" + r + "', which is not a file "
                        + "beside the description; SparkContext.addFile ships files flat, so put the model on storage "
                        + "every executor mounts and pass shipModel = false");
            }
            if (!names.add(r)) {
                throw new IllegalArgumentException("model " + description + ": '" + r + "' has the name of another "
                        + "shipped file");
            }
            files.add(dir.resolve(r));
        }
        return files;
    }
}
