package dev.netinvert.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.KernelProvider;
import dev.netinvert.solvers.cli.Main;
import dev.netinvert.solvers.io.Npy;
import dev.netinvert.solvers.io.Tensor;
import dev.netinvert.solvers.lifted.LiftedResult;
import dev.netinvert.solvers.batch.LockstepGradientDescent;
import dev.netinvert.solvers.batch.LockstepPdhgTv;
import dev.netinvert.solvers.lifted.PdhgTv;
import dev.netinvert.solvers.network.Network;
import dev.netinvert.solvers.network.RandomNetworks;
import dev.netinvert.solvers.parallel.Parallelism;
import dev.netinvert.solvers.pursuit.GradientDescent;
import dev.netinvert.solvers.pursuit.InversionResult;
import dev.netinvert.solvers.IterationListener;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.function.Function;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SparkInversion in local[2]: agreement with the single-machine {@code netinvert invert} bit for bit, the two
 * input encodings, Parquet, bad rows, bad arguments and a model missing on the executors.
 */
class SparkInversionTest {

    static final int COUNT = 240;

    @TempDir
    static Path dir;

    static Arena arena;
    static Network net;
    static FloatMatrix y;
    static Path model;
    static SparkSession spark;

    @BeforeAll
    static void setUp() throws Exception {
        arena = Arena.ofShared();
        net = Fixtures.generator(arena);
        y = Fixtures.observations(arena, net, COUNT, 11);
        model = Fixtures.writeModel(net, Fixtures.modelDir("gen"), "gen");
        spark = Fixtures.spark();
    }

    @AfterAll
    static void tearDown() {
        arena.close();
    }

    private static Dataset<Row> arrays(FloatMatrix obs, int partitions) {
        return spark.createDataFrame(Fixtures.arrayRows(obs), Fixtures.arraySchema()).repartition(partitions);
    }

    private static List<Row> sorted(Dataset<Row> results) {
        List<Row> rows = new ArrayList<>(results.collectAsList());
        rows.sort(Comparator.comparingLong(r -> r.getLong(0)));
        return rows;
    }

    private static float[] solution(Row r) {
        List<Float> s = r.getList(r.fieldIndex("solution"));
        float[] a = new float[s.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = s.get(i);
        }
        return a;
    }

    /** Rows {@code ids} of {@code obs} as (id, y array) rows, in {@code partitions} partitions. */
    private static Dataset<Row> subset(FloatMatrix obs, List<Integer> ids, boolean binary, int partitions) {
        List<Row> rows = new ArrayList<>();
        for (int i : ids) {
            float[] v = obs.row(i).toArray();
            rows.add(RowFactory.create((long) i, binary ? Fixtures.littleEndian(v) : v));
        }
        return spark.createDataFrame(rows, binary ? Fixtures.binarySchema() : Fixtures.arraySchema()).repartition(partitions);
    }

    /** SparkInversion on rows {@code ids}: row → what is compared. */
    private static Function<List<Integer>, Map<Integer, SameResults.Sig>> spark(FloatMatrix obs, Path m, String method,
                                                                                 InversionOptions o, boolean binary) {
        return ids -> {
            Map<Integer, SameResults.Sig> out = new HashMap<>();
            for (Row r : SparkInversion.invert(subset(obs, ids, binary, 3), m.toString(), method, o).collectAsList()) {
                assertNull(r.getAs("error"), "row " + r.getLong(0));
                assertEquals(KernelProvider.getInstance().name(), r.getAs("kernels"));
                assertEquals(KernelProvider.getInstance().kernelSupport().vectorBitSize(), r.<Integer>getAs("vector_bits"));
                out.put((int) r.getLong(0), new SameResults.Sig(solution(r), r.getAs("iterations"), r.getAs("stop_reason"),
                        r.getAs("residual"), r.getAs("unique")));
            }
            return out;
        };
    }

    /**
     * The pursuits are deterministic (sequential, no random start, every solve allocates its own workspace), so
     * a row inverted on an executor thread equals the row inverted by {@code netinvert invert} (fork-join over
     * rows) bit for bit, when both run the same kernel implementation and vector width (here: one JVM), up to
     * the interpreted-versus-compiled reduction order {@link SameResults} allows for.
     */
    @Test
    void latentPursuitEqualsTheSingleMachineInvertCommandBitForBit() {
        int[] call = {0};
        Function<List<Integer>, Map<Integer, SameResults.Sig>> cli = ids -> {
            try {
                Path d = dir.resolve("invert-" + call[0]++);
                Files.createDirectories(d);
                FloatMatrix part = FloatMatrix.allocate(arena, ids.size(), Fixtures.N);
                for (int k = 0; k < ids.size(); k++) {
                    part.row(k).copyFrom(y.row(ids.get(k)).toArray());
                }
                Npy.write(d.resolve("y.npy"), part);
                int code = Main.run("invert", "--model", model.toString(), "--observed", d.resolve("y.npy").toString(),
                        "--method", "latent-pursuit", "--threads", "2", "--quiet", "--out", d.toString());
                assertEquals(0, code, "netinvert invert exit code");
                FloatMatrix sol = Npy.read(d.resolve("solution.npy"), arena).asMatrix();
                List<?> perRow = (List<?>) JSON.std.mapFrom(Files.readString(d.resolve("result.json"))).get("results");
                Map<Integer, SameResults.Sig> out = new HashMap<>();
                for (int k = 0; k < ids.size(); k++) {
                    Map<?, ?> e = (Map<?, ?>) perRow.get(k);
                    out.put(ids.get(k), new SameResults.Sig(sol.row(k).toArray(), ((Number) e.get("iterations")).intValue(),
                            (String) e.get("stop_reason"), ((Number) e.get("residual")).doubleValue(),
                            (Boolean) ((Map<?, ?>) e.get("uniqueness")).get("holds")));
                }
                return out;
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        };
        Map<Integer, SameResults.Sig> first = spark(y, model, "latent-pursuit", InversionOptions.defaults(), false)
                .apply(java.util.stream.IntStream.range(0, COUNT).boxed().toList());
        assertEquals(COUNT, first.size());
        assertTrue(first.values().stream().anyMatch(r -> Boolean.TRUE.equals(r.unique())),
                "n_1 = 40 >= 2 n_0 should make Cor. 1 hold for some rows");
        SameResults.assertSame(COUNT, cli, spark(y, model, "latent-pursuit", InversionOptions.defaults(), false),
                "latent-pursuit: netinvert invert vs Spark");
    }

    @Test
    void binaryInputGivesTheSameResultsAsArrays() {
        InversionOptions o = InversionOptions.builder().maxIterations(300).build();
        SameResults.assertSame(40, spark(y, model, "layered-bp", o, false), spark(y, model, "layered-bp", o, true),
                "layered-bp: array<float> vs binary");
    }

    /** Spark's results in output order (for one partition: the input order), with the row ids. */
    private static List<Row> inOrder(Dataset<Row> obs, Path m, String method, InversionOptions o) {
        return SparkInversion.invert(obs, m.toString(), method, o).collectAsList();
    }

    private static SameResults.Sig sig(Row r) {
        return new SameResults.Sig(solution(r), r.getAs("iterations"), r.getAs("stop_reason"), r.getAs("residual"),
                r.getAs("unique"));
    }

    /**
     * Up to {@link SameResults#ROUNDS} tries of {@code a} against {@code b} on the whole block composition (a
     * retry of only the differing rows would change the blocks): the JIT's reduction order may change a last
     * bit once, a real difference stays.
     */
    private static void assertSameBlocks(java.util.function.Supplier<List<SameResults.Sig>> a,
                                         java.util.function.Supplier<List<SameResults.Sig>> b, String what) {
        for (int round = 1; ; round++) {
            List<SameResults.Sig> x = a.get(), z = b.get();
            if (x.equals(z) || round == SameResults.ROUNDS) {
                assertEquals(z.size(), x.size(), what);
                for (int i = 0; i < x.size(); i++) {
                    assertEquals(z.get(i), x.get(i), what + ": row " + i + " of " + x.size() + " after " + round + " rounds");
                }
                return;
            }
        }
    }

    /**
     * pdhg-tv on an 8×8 image through a 64 → 96 sigmoid perceptron runs in lockstep: in one partition with B =
     * 5 (blocks of 5, 5, 2) it equals LockstepPdhgTv on the same rows in the same order with B = 5 bit for bit;
     * in three partitions (other blocks) it agrees with single PdhgTv solves within the batched engine's
     * tolerance (LockstepPdhgTvTest: 1e-3 relative on x, ±2 % + 2 iterations).
     */
    @Test
    void pdhgTvRunsInLockstepBlocks() throws Exception {
        Network p = RandomNetworks.gaussian(arena, 3, new int[] {64, 96},
                List.of(dev.netinvert.kernels.Activation.SIGMOID), RandomNetworks.WeightScale.fanIn());
        FloatMatrix x = RandomNetworks.latentBatch(arena, 12, 64, 5, 0.5);
        FloatMatrix obs = FloatMatrix.allocate(arena, 12, 96);
        for (int i = 0; i < 12; i++) {
            obs.row(i).copyFrom(p.forward(x.row(i), arena).toArray());
        }
        Path m = Fixtures.writeModel(p, Fixtures.modelDir("perceptron"), "perceptron");
        InversionOptions o = InversionOptions.builder().maxIterations(200).alpha(1e-3).batchSize(5).build();
        PdhgTv.Options direct = PdhgTv.Options.builder().maxIterations(200).alpha(1e-3).build();

        Dataset<Row> one = spark.createDataFrame(Fixtures.arrayRows(obs), Fixtures.arraySchema()).coalesce(1);
        List<Long> order = new ArrayList<>();
        assertSameBlocks(() -> {
            List<Row> rows = inOrder(one, m, "pdhg-tv", o);
            order.clear();
            rows.forEach(r -> order.add(r.getLong(0)));
            return rows.stream().map(SparkInversionTest::sig).toList();
        }, () -> {
            FloatMatrix block = FloatMatrix.allocate(arena, order.size(), 96);
            for (int k = 0; k < order.size(); k++) {
                block.row(k).copyFrom(obs.row(order.get(k).intValue()).toArray());
            }
            try (Parallelism seq = Parallelism.sequential()) {
                return LockstepPdhgTv.solve(p.dense(1), block, 1, 8, 8, direct, 5, seq).stream()
                        .map(r -> new SameResults.Sig(r.x(), r.iterations(), r.stopReason().label(), r.discrepancy(), null))
                        .toList();
            }
        }, "pdhg-tv: one partition, B = 5, vs LockstepPdhgTv");
        assertEquals(12, order.size());

        List<Row> spread = sorted(SparkInversion.invert(arrays(obs, 3), m.toString(), "pdhg-tv", o));
        try (Parallelism seq = Parallelism.sequential()) {
            for (int i = 0; i < 12; i++) {
                LiftedResult r = PdhgTv.solve(p.layer(1), obs.row(i), 1, 8, 8, direct, seq, IterationListener.NONE);
                float[] got = solution(spread.get(i));
                double diff = 0, norm = 0;
                for (int j = 0; j < got.length; j++) {
                    diff += (got[j] - r.x()[j]) * (double) (got[j] - r.x()[j]);
                    norm += r.x()[j] * (double) r.x()[j];
                }
                assertTrue(Math.sqrt(diff) <= 1e-3 * Math.sqrt(norm), "row " + i + ": ||x - x_single|| = " + Math.sqrt(diff)
                        + ", ||x_single|| = " + Math.sqrt(norm));
                int it = spread.get(i).getAs("iterations");
                assertTrue(Math.abs(it - r.iterations()) <= 0.02 * r.iterations() + 2,
                        "row " + i + ": iterations " + it + " vs single " + r.iterations());
            }
        }
    }

    /**
     * gd on the (dense) generator in one partition with B = 6 and bad rows among the good ones: the bad rows
     * get their errors and take no slot, and the good rows equal LockstepGradientDescent on the good rows alone,
     * in order, with B = 6 (blocks 6, 6, 6, 2), bit for bit, in the input order.
     */
    @Test
    void gdLockstepBlocksSkipBadRows() {
        List<Row> rows = new ArrayList<>();
        List<Integer> good = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            rows.add(RowFactory.create((long) i, y.row(i).toArray()));
            good.add(i);
            if (i % 7 == 3) {
                float[] nan = y.row(i).toArray();
                nan[5] = Float.NaN;
                rows.add(RowFactory.create(1000L + i, nan));
                rows.add(RowFactory.create(2000L + i, new float[7]));
            }
        }
        Dataset<Row> one = spark.createDataFrame(rows, Fixtures.arraySchema()).coalesce(1);
        InversionOptions o = InversionOptions.builder().maxIterations(60).batchSize(6).build();
        GradientDescent.Options direct = GradientDescent.Options.builder().method(GradientDescent.Method.GD)
                .maxIterations(60).build();
        List<Long> order = new ArrayList<>();
        assertSameBlocks(() -> {
            List<Row> out = inOrder(one, model, "gd", o);
            assertEquals(rows.size(), out.size());
            order.clear();
            List<SameResults.Sig> sigs = new ArrayList<>();
            for (Row r : out) {
                long id = r.getLong(0);
                order.add(id);
                if (id >= 2000) {
                    assertEquals("y has 7 elements, expected 100 (the network's output size)", r.getAs("error"));
                } else if (id >= 1000) {
                    assertTrue(r.<String>getAs("error").contains("expected finite values, found 1 NaN/Inf"), r.<String>getAs("error"));
                    assertNull(r.getAs("solution"));
                } else {
                    assertNull(r.getAs("error"), "row " + id);
                    sigs.add(sig(r));
                }
            }
            return sigs;
        }, () -> {
            List<Long> goodOrder = order.stream().filter(id -> id < 1000).toList();
            assertEquals(good.size(), goodOrder.size());
            FloatMatrix block = FloatMatrix.allocate(arena, goodOrder.size(), Fixtures.N);
            for (int k = 0; k < goodOrder.size(); k++) {
                block.row(k).copyFrom(y.row(goodOrder.get(k).intValue()).toArray());
            }
            try (Parallelism seq = Parallelism.sequential()) {
                List<SameResults.Sig> sigs = new ArrayList<>();
                for (InversionResult r : LockstepGradientDescent.solve(net, block, null, direct, 6, seq)) {
                    sigs.add(new SameResults.Sig(r.z(), r.totalIterations(), r.stopReason().label(), r.residual(),
                            r.uniqueness() == null ? null : r.uniqueness().holds()));
                }
                return sigs;
            }
        }, "gd: one partition with bad rows, B = 6, vs LockstepGradientDescent");
        for (int i = 1; i < order.size(); i++) {
            assertTrue(Math.floorMod(order.get(i - 1), 1000) <= Math.floorMod(order.get(i), 1000),
                    "results in input order: " + order);
        }
    }

    @Test
    void parquetRoundTrip() {
        Path in = dir.resolve("obs.parquet"), out = dir.resolve("results.parquet");
        List<Row> rows = new ArrayList<>(Fixtures.arrayRows(y.rows(0, 30)));
        rows.add(RowFactory.create(30L, new float[3]));
        spark.createDataFrame(rows, Fixtures.arraySchema()).repartition(2).write().parquet(in.toString());
        InversionOptions o = InversionOptions.builder().maxIterations(300).build();
        Dataset<Row> results = SparkInversion.invert(spark.read().parquet(in.toString()), model.toString(), "gd", o).cache();
        results.write().parquet(out.toString());
        List<Row> computed = sorted(results);
        List<Row> back = sorted(spark.read().parquet(out.toString()));
        results.unpersist();
        assertEquals(31, back.size());
        assertEquals(SparkInversion.resultSchema(DataTypes.LongType).fieldNames().length, back.getFirst().length());
        for (int i = 0; i < 30; i++) {
            assertArrayEquals(solution(computed.get(i)), solution(back.get(i)), 0f, "row " + i);
            assertEquals(computed.get(i).<Double>getAs("residual"), back.get(i).<Double>getAs("residual"));
            assertEquals(computed.get(i).<String>getAs("stop_reason"), back.get(i).<String>getAs("stop_reason"));
            assertEquals(Fixtures.N0, solution(back.get(i)).length);
        }
        assertNull(back.get(30).getAs("solution"));
        assertEquals("y has 3 elements, expected 100 (the network's output size)", back.get(30).getAs("error"));
    }

    @Test
    void badRowsAreReportedPerRowAndTheGoodOnesSolved() {
        List<Row> rows = new ArrayList<>();
        float[] good = y.row(0).toArray();
        float[] nan = good.clone();
        nan[17] = Float.NaN;
        float[] outside = good.clone();
        outside[3] = 1.5f; // tanh's range is |y| <= 1
        rows.add(RowFactory.create(0L, good));
        rows.add(RowFactory.create(1L, new float[Fixtures.N - 1]));
        rows.add(RowFactory.create(2L, nan));
        rows.add(RowFactory.create(3L, outside));
        rows.add(RowFactory.create(4L, null));
        List<Row> r = sorted(SparkInversion.invert(spark.createDataFrame(rows, Fixtures.arraySchema()).repartition(2),
                model.toString(), "latent-pursuit", InversionOptions.defaults()));
        assertNull(r.get(0).getAs("error"));
        assertNotNull(r.get(0).getAs("solution"));
        assertEquals("y has 99 elements, expected 100 (the network's output size)", r.get(1).getAs("error"));
        assertTrue(r.get(2).<String>getAs("error").contains("expected finite values, found 1 NaN/Inf; the first is element 17"),
                r.get(2).<String>getAs("error"));
        assertTrue(r.get(3).<String>getAs("error").contains("outside the domain of the last activation tanh")
                && r.get(3).<String>getAs("error").contains("element 3 = 1.5"), r.get(3).<String>getAs("error"));
        assertEquals("y is null", r.get(4).getAs("error"));
        for (int i = 1; i < 5; i++) {
            assertNull(r.get(i).getAs("solution"));
            assertNull(r.get(i).getAs("iterations"));
        }

        List<Row> bin = List.of(RowFactory.create(0L, new byte[4 * Fixtures.N - 2]));
        Row b = SparkInversion.invert(spark.createDataFrame(bin, Fixtures.binarySchema()), model.toString(),
                "latent-pursuit", InversionOptions.defaults()).first();
        assertEquals("y has 398 bytes, expected 400 (100 float32 little-endian values, the network's output size)",
                b.getAs("error"));

        Exception e = assertThrows(Exception.class, () -> SparkInversion.invert(
                spark.createDataFrame(rows, Fixtures.arraySchema()).repartition(1), model.toString(), "latent-pursuit",
                InversionOptions.builder().failFast(true).build()).collectAsList());
        assertTrue(e.getMessage().contains("observation id=1: y has 99 elements, expected 100"), e.getMessage());
    }

    @Test
    void badArgumentsAreRefusedOnTheDriver() {
        Dataset<Row> ok = arrays(y.rows(0, 2), 1);
        InversionOptions d = InversionOptions.defaults();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SparkInversion.invert(ok.withColumnRenamed("y", "obs"), model.toString(), "latent-pursuit", d));
        assertEquals("observations: no column 'y' (the observation y); the columns are [id, obs]", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> SparkInversion.invert(ok.drop("id"), model.toString(), "latent-pursuit", d));
        assertTrue(e.getMessage().startsWith("observations: no column 'id'"), e.getMessage());
        Dataset<Row> doubles = ok.selectExpr("id", "cast(y as array<double>) as y");
        e = assertThrows(IllegalArgumentException.class,
                () -> SparkInversion.invert(doubles, model.toString(), "latent-pursuit", d));
        assertEquals("column 'y': expected array<float> or binary (float32 little-endian), got array<double>", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> SparkInversion.invert(ok, model.toString(), "pursuit", d));
        assertTrue(e.getMessage().startsWith("method must be one of [latent-pursuit, layered-bp, gd, adam, pdhg-tv"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> SparkInversion.invert(ok, model.toString(), "landweber", d));
        assertTrue(e.getMessage().startsWith("method landweber needs InversionOptions.delta"), e.getMessage());
    }

    @Test
    void aModelMissingOnTheExecutorsIsAClearError() {
        String missing = dir.resolve("nowhere/model.json").toString();
        Exception e = assertThrows(Exception.class, () -> SparkInversion.invert(arrays(y.rows(0, 2), 1), missing,
                "latent-pursuit", InversionOptions.defaults()).collectAsList());
        assertTrue(e.getMessage().contains("model file " + missing + " is missing on executor driver@"), e.getMessage());
    }

    @Test
    void theModelIsMappedOncePerExecutorJvm() {
        InversionOptions o = InversionOptions.builder().maxIterations(50).build();
        SparkInversion.invert(arrays(y.rows(0, 8), 4), model.toString(), "gd", o).collectAsList();
        int loaded = ExecutorModels.loadedCount();
        SparkInversion.invert(arrays(y.rows(8, 16), 4), model.toString(), "gd", o).collectAsList();
        assertEquals(loaded, ExecutorModels.loadedCount(), "a second job with the same model maps nothing new");
    }

    @Test
    void theKernelGuardWarnsOrFailsOnScalarRows() {
        StructType schema = SparkInversion.resultSchema(DataTypes.LongType);
        List<Row> rows = List.of(
                RowFactory.create(0L, null, null, null, null, null, null, null, "simd", 512, "1@a", null),
                RowFactory.create(1L, null, null, null, null, null, null, null, "scalar", 32, "2@b", null),
                RowFactory.create(2L, null, null, null, null, null, null, null, "scalar", 32, "2@b", null));
        Dataset<Row> results = spark.createDataFrame(rows, schema);
        assertEquals(List.of("2@b ran scalar kernels (2 rows)"), SparkInversion.checkKernels(results, false));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> SparkInversion.checkKernels(results, true));
        assertTrue(e.getMessage().startsWith("requireSimd: executors without SIMD kernels") && e.getMessage().contains("2@b"),
                e.getMessage());
        assertEquals(List.of(), SparkInversion.checkKernels(results.filter("kernels = 'simd'"), true));
    }
}
