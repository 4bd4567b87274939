package dev.netinvert.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.solvers.IterationListener;
import dev.netinvert.solvers.batch.LockstepGradientDescent;
import dev.netinvert.solvers.batch.LockstepLiftedCoordinateDescent;
import dev.netinvert.solvers.batch.LockstepPdhgTv;
import dev.netinvert.solvers.lifted.LiftedCoordinateDescent;
import dev.netinvert.solvers.lifted.LiftedResult;
import dev.netinvert.solvers.lifted.PdhgTv;
import dev.netinvert.solvers.network.Network;
import dev.netinvert.solvers.network.RandomNetworks;
import dev.netinvert.solvers.parallel.Parallelism;
import dev.netinvert.solvers.pursuit.GradientDescent;
import dev.netinvert.solvers.pursuit.InversionResult;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The lockstep path of a partition (pdhg-tv, landweber, lifted-cd, gd, adam on a dense network): blocks of B valid rows,
 * equal bit for bit to the batch solvers on the same block composition, within the batched engine's
 * tolerance of single solves otherwise, bad rows reported on their own. Shares the local[2] session of
 * {@link Fixtures}.
 */
class SparkLockstepTest {

    static Arena arena;
    static Network net;
    static FloatMatrix y;
    static Path model;
    static SparkSession spark;

    @BeforeAll
    static void setUp() throws Exception {
        arena = Arena.ofShared();
        net = Fixtures.generator(arena);
        y = Fixtures.observations(arena, net, 20, 11);
        model = Fixtures.writeModel(net, Fixtures.modelDir("gen-lockstep"), "gen");
        spark = Fixtures.spark();
    }

    @AfterAll
    static void tearDown() {
        arena.close();
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
            return rows.stream().map(SparkLockstepTest::sig).toList();
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

        List<Row> spread = sorted(SparkInversion.invert(spark.createDataFrame(Fixtures.arrayRows(obs), Fixtures.arraySchema()).repartition(3), m.toString(), "pdhg-tv", o));
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
     * lifted-cd on an 8×8 image through a 64 → 96 → 120 ReLU network runs in lockstep: in one partition with B = 5
     * (blocks of 5, 5, 2) it equals LockstepLiftedCoordinateDescent on the same rows in the same order with B = 5
     * bit for bit, hidden-layer residuals included.
     */
    @Test
    void liftedCdRunsInLockstepBlocks() throws Exception {
        Network p = RandomNetworks.gaussianWithBias(arena, 4, new int[] {64, 96, 120},
                List.of(dev.netinvert.kernels.Activation.RELU, dev.netinvert.kernels.Activation.RELU),
                RandomNetworks.WeightScale.fanIn(), 0.05);
        FloatMatrix x = RandomNetworks.latentBatch(arena, 12, 64, 6, 0.5);
        FloatMatrix obs = FloatMatrix.allocate(arena, 12, 120);
        for (int i = 0; i < 12; i++) {
            obs.row(i).copyFrom(p.forward(x.row(i), arena).toArray());
        }
        Path m = Fixtures.writeModel(p, Fixtures.modelDir("lifted"), "lifted");
        InversionOptions o = InversionOptions.builder().maxIterations(80).alpha(1e-2).batchSize(5).build();
        LiftedCoordinateDescent.Options direct = LiftedCoordinateDescent.Options.builder(1e-2).maxOuterIterations(80)
                .build();
        Dataset<Row> one = spark.createDataFrame(Fixtures.arrayRows(obs), Fixtures.arraySchema()).coalesce(1);
        List<Long> order = new ArrayList<>();
        List<double[]> residuals = new ArrayList<>();
        assertSameBlocks(() -> {
            List<Row> rows = inOrder(one, m, "lifted-cd", o);
            order.clear();
            residuals.clear();
            rows.forEach(r -> {
                order.add(r.getLong(0));
                residuals.add(r.<Double>getList(r.fieldIndex("residuals")).stream().mapToDouble(Double::doubleValue)
                        .toArray());
            });
            return rows.stream().map(SparkLockstepTest::sig).toList();
        }, () -> {
            FloatMatrix block = FloatMatrix.allocate(arena, order.size(), 120);
            for (int k = 0; k < order.size(); k++) {
                block.row(k).copyFrom(obs.row(order.get(k).intValue()).toArray());
            }
            try (Parallelism seq = Parallelism.sequential()) {
                List<LiftedResult> direct5 = LockstepLiftedCoordinateDescent.solve(p, block, 1, 8, 8, direct, 5, seq);
                for (int k = 0; k < direct5.size(); k++) {
                    assertEquals(2, residuals.get(k).length);
                    assertEquals(direct5.get(k).layerResiduals()[1], residuals.get(k)[1], "row " + k);
                }
                return direct5.stream()
                        .map(r -> new SameResults.Sig(r.x(), r.iterations(), r.stopReason().label(), r.discrepancy(), null))
                        .toList();
            }
        }, "lifted-cd: one partition, B = 5, vs LockstepLiftedCoordinateDescent");
        assertEquals(12, order.size());
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
}
