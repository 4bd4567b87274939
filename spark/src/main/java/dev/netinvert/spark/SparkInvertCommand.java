package dev.netinvert.spark;

import dev.netinvert.solvers.io.Npy;
import dev.netinvert.solvers.io.Tensor;
import java.io.PrintWriter;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code netinvert spark-invert}: a Parquet data set (or a 2-D .npy) of observations → a Parquet data set of
 * results, by {@link SparkInversion#invert} on a Spark master. The solver options are the command line's
 * {@code invert} options of the same name; anything not given keeps the solver's default. Under
 * {@code spark-submit} leave out {@code --master} (spark-submit's applies).
 */
@Command(name = "spark-invert", mixinStandardHelpOptions = true,
        description = {"Invert many observations on Apache Spark: --observed obs.parquet (columns id, y as array<float> "
                + "or float32 little-endian binary) or obs.npy (2-D, one observation per row; id = row index) → --out "
                + "results.parquet (id, solution, iterations, stop_reason, residual, residuals, unique, seconds, kernels, "
                + "vector_bits, executor, error).",
                "Exit codes: 0 done, 1 failure, 2 bad arguments, 3 some solve diverged, 4 some rows were refused "
                        + "(their error column says why)."})
public final class SparkInvertCommand implements Callable<Integer> {

    @Option(names = "--observed", required = true, description = "Observations: a Parquet file or folder, or a 2-D .npy.")
    Path observed;

    @Option(names = "--model", required = true, description = "Model description JSON; shipped to the executors with "
            + "addFile when it exists here, else expected at this path on every executor.")
    String model;

    @Option(names = "--method", required = true, description = "latent-pursuit, layered-bp, gd, adam, pdhg-tv, landweber, "
            + "lifted-cd.")
    String method;

    @Option(names = "--out", required = true, description = "Results, written as Parquet (refused if it exists, unless "
            + "--overwrite).")
    String out;

    @Option(names = "--master", description = "Spark master, e.g. local[2] or spark://host:7077 (default: spark-submit's, "
            + "else local[*]).")
    String master;

    @Option(names = "--partitions", description = "Repartition the observations into N partitions (default: as read).")
    Integer partitions;

    @Option(names = "--id-column", defaultValue = "id", description = "Id column (default ${DEFAULT-VALUE}).")
    String idColumn;

    @Option(names = "--y-column", defaultValue = "y", description = "Observation column (default ${DEFAULT-VALUE}).")
    String yColumn;

    @Option(names = "--overwrite", description = "Replace --out if it exists.")
    boolean overwrite;

    @Option(names = "--require-simd", description = "Fail when an executor runs the scalar kernels (default: warn).")
    boolean requireSimd;

    @Option(names = "--fail-fast", description = "Fail the job on the first bad row (default: report it in its error column).")
    boolean failFast;

    @Option(names = "--allow-nonfinite", description = "Accept NaN/Inf in weights and observations.")
    boolean allowNonFinite;

    @Option(names = "--max-iter", description = "Iteration budget (default: the solver's).")
    Integer maxIter;

    @Option(names = "--tol", description = "Stopping tolerance (default: the solver's).")
    Double tol;

    @Option(names = "--lambda", description = "l1 weight of latent-pursuit / layered-bp (default: the solver's).")
    Double lambda;

    @Option(names = "--rho", description = "ADMM penalty of latent-pursuit.")
    Double rho;

    @Option(names = "--gamma", description = "Gaussian prior weight of latent-pursuit.")
    Double gamma;

    @Option(names = "--no-debias", description = "Skip the pursuits' debiasing.")
    boolean noDebias;

    @Option(names = "--step", description = "Step size of gd/adam.")
    Double step;

    @Option(names = "--momentum", description = "Momentum of gd, beta1 of adam.")
    Double momentum;

    @Option(names = "--seed", description = "Seed of gd/adam's random start.")
    Long seed;

    @Option(names = "--init-std", description = "Standard deviation of gd/adam's random start.")
    Double initStd;

    @Option(names = "--alpha", description = "TV weight of pdhg-tv and lifted-cd.")
    Double alpha;

    @Option(names = "--delta", description = "Noise level of landweber (required by it).")
    Double delta;

    @Option(names = "--eta", description = "Discrepancy factor of landweber.")
    Double eta;

    @Option(names = "--inner-iter", description = "PDHG iterations per x0-step of lifted-cd.")
    Integer innerIter;

    @Option(names = "--image", description = "Input image CxHxW or HxW for pdhg-tv / lifted-cd (default: square).")
    String image;

    @Option(names = "--batch-size", description = "Observations per lockstep block of pdhg-tv, landweber, lifted-cd, gd and adam on a "
            + "dense network (default: 64).")
    Integer batchSize;

    @Option(names = "--verbose", description = "Stack traces on errors.")
    boolean verbose;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command and returns its exit code (for tests). */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new SparkInvertCommand());
        cl.setExecutionExceptionHandler((e, c, parsed) -> {
            PrintWriter err = c.getErr();
            String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            err.println("netinvert spark-invert: " + msg.replace('\n', ' '));
            if (parsed.hasMatchedOption("--verbose")) {
                e.printStackTrace(err);
            }
            err.flush();
            return e instanceof IllegalArgumentException ? 2 : 1;
        });
        return cl.execute(args);
    }

    InversionOptions options() {
        return InversionOptions.builder().maxIterations(maxIter).tol(tol).lambda(lambda).rho(rho).gamma(gamma)
                .debias(noDebias ? Boolean.FALSE : null).step(step).momentum(momentum).seed(seed).initStd(initStd)
                .alpha(alpha).delta(delta).eta(eta).innerIterations(innerIter).image(image == null ? null : image(image))
                .allowNonFinite(allowNonFinite).failFast(failFast).requireSimd(requireSimd).batchSize(batchSize).build();
    }

    @Override
    public Integer call() throws Exception {
        InversionOptions o = options();
        if (partitions != null && partitions < 1) {
            throw new IllegalArgumentException("--partitions must be >= 1, got " + partitions);
        }
        if (!Files.exists(observed)) {
            throw new IllegalArgumentException("--observed " + observed + ": no such file or folder");
        }
        SparkSession.Builder b = SparkSession.builder().appName("netinvert spark-invert");
        if (master != null) {
            b.master(master);
        } else if (!hasMaster()) {
            b.master("local[*]");
        }
        SparkSession spark = b.getOrCreate();
        Dataset<Row> obs = observed.toString().toLowerCase(Locale.ROOT).endsWith(".npy")
                ? npy(spark, observed) : spark.read().parquet(observed.toString());
        if (partitions != null) {
            obs = obs.repartition(partitions);
        }
        long t0 = System.nanoTime();
        SparkInversion.invert(obs, idColumn, yColumn, model, method, o).write()
                .mode(overwrite ? SaveMode.Overwrite : SaveMode.ErrorIfExists).parquet(out);
        double seconds = (System.nanoTime() - t0) * 1e-9;
        Dataset<Row> written = spark.read().parquet(out);
        List<String> scalar = SparkInversion.checkKernels(written, requireSimd);
        Row counts = written.selectExpr("count(*)", "count(error)", "count_if(stop_reason = 'diverged')").first();
        long rows = counts.getLong(0), refused = counts.getLong(1), diverged = counts.getLong(2);
        System.out.printf(Locale.ROOT, "%d observations in %.2f s (%.1f per second), %d refused, %d diverged; results in %s%n",
                rows, seconds, rows / seconds, refused, diverged, out);
        if (refused > 0) {
            written.filter("error is not null").select("id", "error").limit(5).collectAsList()
                    .forEach(r -> System.out.println("  refused id=" + r.get(0) + ": " + r.getString(1)));
        }
        scalar.forEach(s -> System.out.println("  warning: " + s));
        return diverged > 0 ? 3 : refused > 0 ? 4 : 0;
    }

    /** Whether spark-submit (or the environment) already set a master. */
    private static boolean hasMaster() {
        return System.getProperty("spark.master") != null;
    }

    /** A 2-D .npy of observations as (id = row index, y = float32 little-endian bytes) rows, read on the driver. */
    private static Dataset<Row> npy(SparkSession spark, Path file) throws Exception {
        List<Row> rows = new ArrayList<>();
        try (Arena arena = Arena.ofShared()) {
            Tensor t = Npy.read(file, arena);
            if (t.rank() != 2) {
                throw new IllegalArgumentException("--observed " + file + ": expected a 2-D array (one observation per "
                        + "row), got shape " + Arrays.toString(t.shape()));
            }
            var m = t.asMatrix();
            ValueLayout.OfFloat le = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < m.rows(); i++) {
                byte[] bytes = new byte[m.cols() * Float.BYTES];
                var row = m.row(i);
                java.lang.foreign.MemorySegment.copy(row.segment(), le, row.byteOffset(),
                        java.lang.foreign.MemorySegment.ofArray(bytes), le, 0, m.cols());
                rows.add(RowFactory.create((long) i, bytes));
            }
        }
        StructType schema = new StructType().add("id", DataTypes.LongType, false).add("y", DataTypes.BinaryType, false);
        return spark.createDataFrame(rows, schema);
    }

    private static int[] image(String s) {
        String[] p = s.toLowerCase(Locale.ROOT).split("x");
        try {
            int[] v = Arrays.stream(p).mapToInt(q -> Integer.parseInt(q.trim())).toArray();
            if ((v.length == 2 || v.length == 3) && Arrays.stream(v).allMatch(x -> x > 0)) {
                return v.length == 2 ? new int[] {1, v[0], v[1]} : v;
            }
        } catch (NumberFormatException e) {
            // fall through
        }
        throw new IllegalArgumentException("--image must be HxW or CxHxW with positive integers, got '" + s + "'");
    }
}
