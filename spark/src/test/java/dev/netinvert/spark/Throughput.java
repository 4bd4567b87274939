package dev.netinvert.spark;

import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.KernelProvider;
import dev.netinvert.solvers.network.Network;
import dev.netinvert.solvers.network.RandomNetworks;
import dev.netinvert.solvers.parallel.Batch;
import dev.netinvert.solvers.parallel.Parallelism;
import dev.netinvert.solvers.pursuit.LatentPursuit;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Observations per second of Latent-Pursuit on the generator of sec. 6.1 [002] (n_0 = 100 → n_1 = 300 ReLU →
 * n = 625 tanh), for the fork-join batch of {@code netinvert invert} on 1 and 2 threads and for
 * {@link SparkInversion} in local[1] and local[2]; the same observations and options everywhere. Each
 * configuration first inverts a warm-up set, then the timed set. Not a test: run by hand (see SCALING.md),
 * {@code java <flags> -cp ... dev.netinvert.spark.Throughput [observations]}. With first argument
 * {@code lockstep}, it times gd (200 iterations) in Spark local[2] with lockstep blocks of B = 1 and
 * B = {@link dev.netinvert.solvers.batch.LockstepDefaults#BATCH_SIZE} instead.
 */
public final class Throughput {
    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("lockstep")) {
            lockstep(args.length > 1 ? Integer.parseInt(args[1]) : 512);
            return;
        }
        int count = args.length > 0 ? Integer.parseInt(args[0]) : 400;
        int warm = Math.max(20, count / 5);
        Path dir = Files.createTempDirectory("netinvert-throughput");
        try (Arena arena = Arena.ofShared()) {
            Network net = RandomNetworks.generator002(arena, 7, 100, 300, 625);
            FloatMatrix z = RandomNetworks.latentBatch(arena, count + warm, 100, 1, RandomNetworks.latentStd(100, 300));
            FloatMatrix y = FloatMatrix.allocate(arena, count + warm, 625);
            for (int i = 0; i < count + warm; i++) {
                y.row(i).copyFrom(net.forward(z.row(i), arena).toArray());
            }
            Path model = Fixtures.writeModel(net, dir, "gen625");
            System.out.printf(Locale.ROOT, "kernels: %s; %d observations (+%d warm-up), latent-pursuit defaults%n",
                    KernelProvider.getInstance().describe(), count, warm);
            LatentPursuit.Options o = LatentPursuit.Options.defaults();
            for (int threads : new int[] {1, 2}) {
                try (Parallelism par = Parallelism.of(threads)) {
                    Batch.solveRows(y.rows(count, count + warm), par, (i, yi) -> LatentPursuit.solve(net, yi, null, o));
                    long t0 = System.nanoTime();
                    Batch.solveRows(y.rows(0, count), par, (i, yi) -> LatentPursuit.solve(net, yi, null, o));
                    report("fork-join (invert), " + threads + " thread(s)", count, t0);
                }
            }
            for (int cores : new int[] {1, 2}) {
                SparkSession spark = SparkSession.builder().master("local[" + cores + "]").appName("throughput")
                        .config("spark.driver.bindAddress", "127.0.0.1").config("spark.driver.host", "127.0.0.1")
                        .config("spark.ui.enabled", "false").getOrCreate();
                spark.sparkContext().setLogLevel("ERROR");
                Dataset<Row> all = spark.createDataFrame(Fixtures.binaryRows(y), Fixtures.binarySchema()).cache();
                all.count();
                Dataset<Row> warmRows = all.filter("id >= " + count).repartition(cores);
                Dataset<Row> timed = all.filter("id < " + count).repartition(2 * cores).cache();
                timed.count();
                SparkInversion.invert(warmRows, model.toString(), "latent-pursuit", InversionOptions.defaults())
                        .write().format("noop").mode("overwrite").save();
                long t0 = System.nanoTime();
                SparkInversion.invert(timed, model.toString(), "latent-pursuit", InversionOptions.defaults())
                        .write().format("noop").mode("overwrite").save();
                report("Spark local[" + cores + "], " + 2 * cores + " partitions", count, t0);
                spark.stop();
            }
        }
    }

    /** gd on the same generator in Spark local[2], 4 partitions: lockstep blocks of B = 1 against B = 64. */
    private static void lockstep(int count) throws Exception {
        Path dir = Files.createTempDirectory("netinvert-throughput");
        try (Arena arena = Arena.ofShared()) {
            Network net = RandomNetworks.generator002(arena, 7, 100, 300, 625);
            FloatMatrix z = RandomNetworks.latentBatch(arena, count, 100, 1, RandomNetworks.latentStd(100, 300));
            FloatMatrix y = FloatMatrix.allocate(arena, count, 625);
            for (int i = 0; i < count; i++) {
                y.row(i).copyFrom(net.forward(z.row(i), arena).toArray());
            }
            Path model = Fixtures.writeModel(net, dir, "gen625");
            System.out.printf(Locale.ROOT, "kernels: %s; %d observations, gd 200 iterations%n",
                    KernelProvider.getInstance().describe(), count);
            SparkSession spark = SparkSession.builder().master("local[2]").appName("throughput")
                    .config("spark.driver.bindAddress", "127.0.0.1").config("spark.driver.host", "127.0.0.1")
                    .config("spark.ui.enabled", "false").getOrCreate();
            spark.sparkContext().setLogLevel("ERROR");
            Dataset<Row> timed = spark.createDataFrame(Fixtures.binaryRows(y), Fixtures.binarySchema()).repartition(4).cache();
            timed.count();
            for (int round = 0; round < 2; round++) { // the first round warms up
                for (int b : new int[] {1, dev.netinvert.solvers.batch.LockstepDefaults.BATCH_SIZE}) {
                    InversionOptions o = InversionOptions.builder().maxIterations(200).batchSize(b).build();
                    long t0 = System.nanoTime();
                    SparkInversion.invert(timed, model.toString(), "gd", o).write().format("noop").mode("overwrite").save();
                    if (round == 1) {
                        report("Spark local[2], 4 partitions, gd, B = " + b, count, t0);
                    }
                }
            }
            spark.stop();
        }
    }

    private static void report(String what, int count, long t0) {
        double s = (System.nanoTime() - t0) * 1e-9;
        System.out.printf(Locale.ROOT, "%-40s %7.2f s  %8.1f observations/s%n", what, s, count / s);
    }
}
