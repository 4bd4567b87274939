package dev.netinvert.tests.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.netinvert.kernels.Activation;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ForkJoinPool;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * DESIGN.md decision 7: a fork-join caller splits the rows into a partition fixed by the problem size,
 * gives each block its own output, and adds the partials in block order. The result must then be
 * bit-identical from run to run, and whether the blocks run one after another or concurrently, in any
 * order, on a pool of threads. Every output is reset to NaN before each run, so a block that did not run
 * cannot pass for one that did.
 */
@Tag("kernels")
class PartitionDeterminismTest {

    static final int RUNS = 3;

    static final List<Shape> SHAPES = List.of(new Shape(61, 257, 263, 7), new Shape(100, 784, 784, 0),
            new Shape(784, 100, 101, 7));

    static Stream<Arguments> cases(List<Impl> impls) {
        return impls.stream().flatMap(impl -> SHAPES.stream().map(s -> Arguments.of(impl, s)));
    }

    /**
     * Every implementation. The second test below found that {@code FloatVector.reduceLanes(ADD)}, whose
     * order the Vector API leaves free to "vary over time", made the SIMD dot products change in their last
     * bits once C2 compiled them; the kernels now add the lanes in a fixed order and must be reproducible.
     */
    static Stream<Arguments> allImpls() {
        return cases(Impl.all());
    }

    /** One block's work: writes its partial output (cols floats) and returns its partial scalar. */
    interface BlockKernel {
        double run(int r0, int r1, Buf partial);
    }

    /** The inputs shared by every block. */
    record Inputs(Mat w, Buf x, Buf b, Buf t, Buf r, Buf z) {
        static Inputs of(Arena arena, Shape s) {
            SplittableRandom rnd = Data.random("determinism", s.toString());
            int m = s.rows(), n = s.cols();
            float[] wv = Data.uniform(rnd, m * n, -1, 1);
            float scale = (float) (1 / Math.sqrt(n));
            for (int i = 0; i < wv.length; i++) {
                wv[i] *= scale;
            }
            return new Inputs(Mat.of(arena, s, wv), Buf.of(arena, Data.uniform(rnd, n, -1, 1), s.vecMisalign(0)),
                    Buf.of(arena, Data.uniform(rnd, m, -0.5, 0.5), s.vecMisalign(1)),
                    Buf.of(arena, Data.uniform(rnd, m, 0, 1), s.vecMisalign(2)),
                    Buf.of(arena, Data.uniform(rnd, m, -1, 1), s.vecMisalign(3)),
                    Buf.alloc(arena, m, s.vecMisalign(4)));
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("allImpls")
    void gemvTRowsSummedInBlockOrderIsBitIdentical(Impl impl, Shape s) {
        try (Arena arena = Arena.ofShared()) {
            Inputs in = Inputs.of(arena, s);
            assertReproducible(impl + " gemvTRows " + s, arena, s, in,
                    (r0, r1, part) -> {
                        impl.gemvT(0.75f, in.w(), r0, r1, in.r(), 0f, part);
                        return 0;
                    });
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("allImpls")
    void bregmanGradientRowsSummedInBlockOrderIsBitIdentical(Impl impl, Shape s) {
        Activation sigma = Activation.leakyRelu(0.1f);
        try (Arena arena = Arena.ofShared()) {
            Inputs in = Inputs.of(arena, s);
            assertReproducible(impl + " bregmanGradientRows " + s, arena, s, in,
                    (r0, r1, part) -> impl.bregmanGradient(sigma, in.w(), r0, r1, in.x(), in.b(), in.t(), in.z(), part));
        }
    }

    /** The combined outputs of one partitioned evaluation. */
    record Result(float[] sum, float[] z, double scalarSum) {}

    private static void assertReproducible(String what, Arena arena, Shape s, Inputs in, BlockKernel kernel) {
        int m = s.rows(), n = s.cols(), blk = s.blockRows();
        int blocks = (m + blk - 1) / blk;
        Buf[] parts = new Buf[blocks];
        double[] scalars = new double[blocks];
        Runnable[] tasks = new Runnable[blocks];
        for (int k = 0; k < blocks; k++) {
            int kk = k, r0 = k * blk, r1 = Math.min(m, r0 + blk);
            parts[k] = Buf.alloc(arena, n, s.vecMisalign(5 + k));
            tasks[k] = () -> scalars[kk] = kernel.run(r0, r1, parts[kk]);
        }

        List<Result> results = new ArrayList<>();
        for (int run = 0; run < RUNS; run++) {
            poison(parts, scalars, in.z());
            for (Runnable task : tasks) {
                task.run();
            }
            results.add(combine(parts, scalars, in.z()));
        }
        // Blocks in reverse order, concurrently (the arena is shared): the combination order alone fixes the result.
        poison(parts, scalars, in.z());
        ForkJoinPool pool = new ForkJoinPool(2);
        try {
            pool.submit(() -> IntStream.range(0, blocks).map(k -> blocks - 1 - k).parallel().forEach(k -> tasks[k].run()))
                    .join();
        } finally {
            pool.shutdown();
        }
        results.add(combine(parts, scalars, in.z()));

        Result first = results.getFirst();
        for (int i = 1; i < results.size(); i++) {
            Result other = results.get(i);
            String run = what + " in blocks of " + blk + (i < RUNS ? ", run " + i : ", concurrent run");
            Tol.assertAllBits(run + ": sum of partials", first.sum(), other.sum(), 0, n);
            Tol.assertAllBits(run + ": z", first.z(), other.z(), 0, m);
            assertEquals(Double.doubleToRawLongBits(first.scalarSum()), Double.doubleToRawLongBits(other.scalarSum()),
                    run + ": sum of the blocks' Σe²");
        }
    }

    private static void poison(Buf[] parts, double[] scalars, Buf z) {
        for (Buf p : parts) {
            p.seg.fill(Buf.POISON);
        }
        z.seg.fill(Buf.POISON);
        Arrays.fill(scalars, Double.NaN);
    }

    /** Adds the block partials in block order. */
    private static Result combine(Buf[] parts, double[] scalars, Buf z) {
        float[] sum = parts[0].read();
        double scalarSum = scalars[0];
        for (int k = 1; k < parts.length; k++) {
            float[] p = parts[k].read();
            for (int j = 0; j < sum.length; j++) {
                sum[j] += p[j];
            }
            scalarSum += scalars[k];
        }
        return new Result(sum, z.read(), scalarSum);
    }
}
