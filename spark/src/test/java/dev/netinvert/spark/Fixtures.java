package dev.netinvert.spark;

import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.solvers.io.Npy;
import dev.netinvert.solvers.network.DenseLayer;
import dev.netinvert.solvers.network.Network;
import dev.netinvert.solvers.network.RandomNetworks;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/** One local[2] SparkSession per test JVM, and the small models and observations the tests invert. */
final class Fixtures {
    private Fixtures() {}

    /** n_0 = 10 → n_1 = 40 ReLU → n = 100 tanh, the generator of sec. 6.1 [002] at a tenth of its size. */
    static final int N0 = 10, N1 = 40, N = 100;

    private static SparkSession session;
    private static Path models;

    /**
     * A folder for model files that lives as long as the test JVM (under target/): files shipped with
     * {@code addFile} must stay in place, unchanged, while the SparkContext lives, since an executor may fetch
     * them again for a later task and refuses a file whose contents changed ("exists and does not match").
     * A JUnit {@code @TempDir} is deleted after its class, while the session is shared by every class.
     */
    static synchronized Path modelDir(String name) throws IOException {
        if (models == null) {
            Files.createDirectories(Path.of("target"));
            models = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "test-models-");
        }
        return models.resolve(name);
    }

    static synchronized SparkSession spark() {
        if (session == null) {
            session = SparkSession.builder().master("local[2]").appName("netinvert-spark-tests")
                    .config("spark.driver.bindAddress", "127.0.0.1")
                    .config("spark.driver.host", "127.0.0.1")
                    .config("spark.ui.enabled", "false")
                    .config("spark.sql.shuffle.partitions", "2")
                    .getOrCreate();
            session.sparkContext().setLogLevel("ERROR");
        }
        return session;
    }

    /** Writes {@code net} as a model description with one .npy per weight and bias; returns the JSON's path. */
    static Path writeModel(Network net, Path dir, String prefix) throws IOException {
        Files.createDirectories(dir);
        StringBuilder json = new StringBuilder("{\"version\": 1, \"layers\": [");
        for (int l = 1; l <= net.depth(); l++) {
            DenseLayer layer = net.dense(l);
            String w = prefix + "-w" + l + ".npy";
            Npy.write(dir.resolve(w), layer.weight());
            json.append(l > 1 ? ", " : "").append("{\"weight\": \"").append(w).append('"');
            if (layer.bias() != null) {
                String b = prefix + "-b" + l + ".npy";
                Npy.write(dir.resolve(b), layer.bias());
                json.append(", \"bias\": \"").append(b).append('"');
            }
            json.append(", \"activation\": \"").append(layer.activation().name()).append("\"}");
        }
        Path p = dir.resolve(prefix + ".json");
        Files.writeString(p, json.append("]}").toString());
        return p;
    }

    static Network generator(Arena arena) {
        return RandomNetworks.generator002(arena, 7, N0, N1, N);
    }

    /** y_i = G(z_i) for {@code count} seeded latents of the generator. */
    static FloatMatrix observations(Arena arena, Network net, int count, long seed) {
        FloatMatrix z = RandomNetworks.latentBatch(arena, count, net.inputSize(), seed, RandomNetworks.latentStd(N0, N1));
        FloatMatrix y = FloatMatrix.allocate(arena, count, net.outputSize());
        for (int i = 0; i < count; i++) {
            y.row(i).copyFrom(net.forward(z.row(i), arena).toArray());
        }
        return y;
    }

    static StructType arraySchema() {
        return new StructType().add("id", DataTypes.LongType, false)
                .add("y", DataTypes.createArrayType(DataTypes.FloatType, false), true);
    }

    static StructType binarySchema() {
        return new StructType().add("id", DataTypes.LongType, false).add("y", DataTypes.BinaryType, true);
    }

    /** Rows (i, y_i) with y as float[] (array&lt;float&gt;). */
    static List<Row> arrayRows(FloatMatrix y) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < y.rows(); i++) {
            rows.add(RowFactory.create((long) i, y.row(i).toArray()));
        }
        return rows;
    }

    /** Rows (i, y_i) with y as float32 little-endian bytes. */
    static List<Row> binaryRows(FloatMatrix y) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < y.rows(); i++) {
            rows.add(RowFactory.create((long) i, littleEndian(y.row(i).toArray())));
        }
        return rows;
    }

    static byte[] littleEndian(float[] v) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(v.length * 4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (float f : v) {
            b.putFloat(f);
        }
        return b.array();
    }
}
