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
import dev.netinvert.solvers.network.Network;
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
