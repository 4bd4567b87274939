package dev.netinvert.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.apache.spark.SparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Inverts a data set of observations on a Spark cluster: every row y is inverted independently with the same
 * network and method, as {@code netinvert invert} inverts the rows of a batch on one machine (fork-join over
 * rows, {@code solvers.parallel.Batch}), and with the same results: each row's solve is the single-machine
 * solve, run on one executor thread. A partition shares its executor's memory-mapped network with the other
 * task threads and reuses one observation buffer ({@link PartitionInverter}).
 *
 * <p>Output columns ({@link #resultSchema}): {@code id} (the input's id, same type), {@code solution}
 * (array&lt;float&gt;: the latent z for the generator methods of [002], the image x for the lifted methods of
 * [000]), {@code iterations} (summed over stages), {@code stop_reason} (a {@code StopReason} label, the worst
 * stage's), {@code residual} (‖M(G(z) − y)‖₂ for the pursuits, the discrepancy ‖σ(Wx + b) − y‖₂ for the
 * lifted methods), {@code residuals} (per stage for the pursuits, per-layer Bregman residuals for the lifted
 * methods), {@code unique} (Cor. 1 [002] on the recovered supports; null for the methods that report none),
 * {@code seconds} (the solve's wall time), {@code kernels} and {@code vector_bits} (the kernel implementation
 * the executor ran: {@code "simd"} or {@code "scalar"}), {@code executor} (id@host) and {@code error} (why the
 * row was not inverted, else null).
 */
public final class SparkInversion {
    private SparkInversion() {}

    private static final System.Logger LOG = System.getLogger("dev.netinvert.spark");

    /**
     * Inverts every row of {@code observations}. The result is lazy, like any Dataset: nothing runs until an
     * action (a write, a collect). The method and its options are checked here, on the driver.
     *
     * @param observations rows with an {@code id} column (any type) and a {@code y} column, either
     *                     {@code array<float>} of n_L values or {@code binary} of 4·n_L bytes (float32,
     *                     little-endian, as NumPy's {@code y.astype('<f4').tobytes()})
     * @param modelPath    a model description JSON ({@code ModelFiles}); when it exists on the driver it is
     *                     shipped with {@code SparkContext.addFile} together with the files it references,
     *                     otherwise it must exist at that path on every executor (shared storage)
     * @param method       latent-pursuit, layered-bp, gd, adam (generators, [002]); pdhg-tv, landweber,
     *                     lifted-cd (lifted Bregman, [000])
     * @param options      overrides of the solvers' defaults, bad-row and SIMD policies
     * @throws IllegalArgumentException if a column is missing or of the wrong type, or the method or its
     *                                  options are not valid
     */
    public static Dataset<Row> invert(Dataset<Row> observations, String modelPath, String method, InversionOptions options) {
        return invert(observations, "id", "y", modelPath, method, options);
    }

    /** {@link #invert(Dataset, String, String, InversionOptions)} with other column names. */
    public static Dataset<Row> invert(Dataset<Row> observations, String idColumn, String yColumn, String modelPath,
                                      String method, InversionOptions options) {
        Objects.requireNonNull(observations, "observations");
        Objects.requireNonNull(modelPath, "modelPath");
        Objects.requireNonNull(options, "options");
        String m = RowSolver.checkMethod(method, options);
        StructType in = observations.schema();
        StructField id = field(in, idColumn, "the observation's id");
        StructField y = field(in, yColumn, "the observation y");
        DataType yt = y.dataType();
        boolean binary;
        if (yt instanceof BinaryType) {
            binary = true;
        } else if (yt instanceof ArrayType a && a.elementType() instanceof FloatType) {
            binary = false;
        } else {
            throw new IllegalArgumentException("column '" + yColumn + "': expected array<float> or binary (float32 "
                    + "little-endian), got " + yt.simpleString());
        }
        boolean shipped = ship(observations.sparkSession().sparkContext(), Path.of(modelPath));
        PartitionInverter work = new PartitionInverter(modelPath, shipped, m, options, binary);
        return observations.select(idColumn, yColumn).mapPartitions(work, Encoders.row(resultSchema(id.dataType())));
    }

    /** The result columns for an id column of type {@code idType} (see the class comment). */
    public static StructType resultSchema(DataType idType) {
        return new StructType(new StructField[] {
                DataTypes.createStructField("id", idType, true),
                DataTypes.createStructField("solution", DataTypes.createArrayType(DataTypes.FloatType, false), true),
                DataTypes.createStructField("iterations", DataTypes.IntegerType, true),
                DataTypes.createStructField("stop_reason", DataTypes.StringType, true),
                DataTypes.createStructField("residual", DataTypes.DoubleType, true),
                DataTypes.createStructField("residuals", DataTypes.createArrayType(DataTypes.DoubleType, false), true),
                DataTypes.createStructField("unique", DataTypes.BooleanType, true),
                DataTypes.createStructField("seconds", DataTypes.DoubleType, true),
                DataTypes.createStructField("kernels", DataTypes.StringType, false),
                DataTypes.createStructField("vector_bits", DataTypes.IntegerType, false),
                DataTypes.createStructField("executor", DataTypes.StringType, false),
                DataTypes.createStructField("error", DataTypes.StringType, true)});
    }

    /**
     * The guard against a silent scalar fallback, for a result that has been computed (e.g. read back after
     * writing it): the executors that ran the scalar kernels, as "executor (N rows)" lines. Logs a warning when
     * there are any; with {@code requireSimd} throws instead. (With {@link InversionOptions#requireSimd()}
     * the executors refuse to run scalar already; this check also serves results computed without it.)
     *
     * @throws IllegalStateException with {@code requireSimd}, naming the executors that ran scalar
     */
    public static List<String> checkKernels(Dataset<Row> results, boolean requireSimd) {
        List<Row> scalar = results.filter("kernels <> 'simd'").groupBy("executor", "kernels").count().collectAsList();
        List<String> lines = new ArrayList<>();
        for (Row r : scalar) {
            lines.add(r.getString(0) + " ran " + r.getString(1) + " kernels (" + r.getLong(2) + " rows)");
        }
        if (!lines.isEmpty()) {
            String msg = "executors without SIMD kernels (each row ran several times slower than it would with "
                    + "--add-modules jdk.incubator.vector): " + String.join("; ", lines);
            if (requireSimd) {
                throw new IllegalStateException("requireSimd: " + msg);
            }
            LOG.log(System.Logger.Level.WARNING, "netinvert: " + msg);
        }
        return lines;
    }

    private static StructField field(StructType schema, String name, String what) {
        Objects.requireNonNull(name, "column name");
        for (StructField f : schema.fields()) {
            if (f.name().equals(name)) {
                return f;
            }
        }
        throw new IllegalArgumentException("observations: no column '" + name + "' (" + what + "); the columns are "
                + Arrays.toString(schema.fieldNames()));
    }

    /** Ships the model with addFile when the driver has it; false when it is to be found on shared storage. */
    private static boolean ship(SparkContext sc, Path description) {
        if (!Files.isRegularFile(description)) {
            return false;
        }
        try {
            for (Path p : ExecutorModels.filesToShip(description)) {
                if (!Files.isRegularFile(p)) {
                    throw new IllegalArgumentException("model " + description + " references " + p + ", which does not exist");
                }
                sc.addFile(p.toUri().toString());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("model " + description + ": " + e.getMessage(), e);
        }
        return true;
    }
}
