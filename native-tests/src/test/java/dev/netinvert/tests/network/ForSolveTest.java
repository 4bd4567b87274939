package dev.netinvert.tests.network;

import static dev.netinvert.tests.UniformVectors.random;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.Blas;
import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.network.DenseLayer;
import dev.netinvert.solvers.network.Network;
import dev.netinvert.solvers.network.Trace;
import dev.netinvert.tests.SameBits;
import java.lang.foreign.Arena;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * {@code Layer.forSolve} / {@code Network.forSolve}: a dense layer with W's GEMV copy ({@code Blas.packForGemv}) gives
 * the same forward and apply bits as the layer itself, shares its operator norm, and exists exactly where the kernels
 * keep a copy (SIMD, 8+ lanes, short rows): so a solver that takes the copy changes no result, and the copy cannot
 * silently disappear where it should be there.
 */
class ForSolveTest {

    /** The generator of sec. 6.1 [002] (100 → 300 → 625, ReLU then tanh), plus a 17-row tail layer. */
    private static Network generator(Arena arena, SplittableRandom rnd) {
        return Network.of(
                new DenseLayer(matrix(arena, 300, 100, rnd), random(arena, 300, rnd), Activation.RELU),
                new DenseLayer(matrix(arena, 625, 300, rnd), null, Activation.TANH),
                new DenseLayer(matrix(arena, 17, 625, rnd), random(arena, 17, rnd), Activation.IDENTITY));
    }

    private static FloatMatrix matrix(Arena arena, int rows, int cols, SplittableRandom rnd) {
        FloatMatrix w = FloatMatrix.allocatePadded(arena, rows, cols);
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                w.set(i, j, (float) (rnd.nextDouble(-1, 1) / Math.sqrt(cols)));
            }
        }
        return w;
    }

    @Test
    void aDenseLayersCopyGivesTheSameBitsAndSharesTheNorm() {
        try (Arena arena = Arena.ofShared(); Arena solve = Arena.ofShared()) {
            SplittableRandom rnd = new SplittableRandom(6);
            Network g = generator(arena, rnd);
            for (int l = 1; l <= g.depth(); l++) {
                DenseLayer layer = g.dense(l), copy = layer.forSolve(solve);
                FloatVec x = random(arena, layer.inputs(), rnd);
                FloatVec u0 = FloatVec.allocate(arena, layer.outputs()), u1 = FloatVec.allocate(arena, layer.outputs());
                assertSameBits("forward", l, layer, copy, d -> d.forward(x, u0, null), u0, d -> d.forward(x, u1, null), u1);
                assertSameBits("apply", l, layer, copy, d -> d.apply(x, u0, null), u0, d -> d.apply(x, u1, null), u1);
                assertSame(layer.operatorNorm(), copy.operatorNorm(), "one norm cache for layer " + l);
                assertSame(layer.weight(), copy.weight());
                boolean kept = Blas.active().gemvPackedBytes(layer.outputs(), layer.inputs()) > 0;
                if (kept) {
                    assertNotSame(layer, copy, "layer " + l + " should carry W's GEMV copy");
                    assertTrue(copy.toString().contains("GEMV copy"), copy.toString());
                } else {
                    assertSame(layer, copy, "layer " + l + ": no copy, the layer itself");
                }
            }
            boolean simd8 = Blas.active().name().equals("simd") && Blas.active().vectorBitSize() >= 256;
            assertEquals(simd8, Blas.active().gemvPackedBytes(625, 300) > 0,
                    "the 625×300 layer has a GEMV copy exactly with 8+ SIMD lanes (" + Blas.active().name() + ")");
        }
    }

    /** {@code op} on the layer into u0 and on its copy into u1 give the same bits. */
    private static void assertSameBits(String op, int l, DenseLayer layer, DenseLayer copy, Consumer<DenseLayer> run0,
                                       FloatVec u0, Consumer<DenseLayer> run1, FloatVec u1) {
        SameBits.assertSameBits(() -> {
            run0.accept(layer);
            return u0.toArray();
        }, () -> {
            run1.accept(copy);
            return u1.toArray();
        }, op + ", layer " + l + ": " + copy);
    }

    @Test
    void aNetworkForASolveGivesTheSameForwardAndGradientBits() {
        try (Arena arena = Arena.ofShared(); Arena solve = Arena.ofShared()) {
            SplittableRandom rnd = new SplittableRandom(7);
            Network g = generator(arena, rnd), s = g.forSolve(solve);
            assertEquals(Blas.active().gemvPackedBytes(625, 300) == 0, s == g, "the same network where nothing is kept");
            FloatVec z = random(arena, 100, rnd), y = random(arena, 17, rnd);
            Trace t0 = g.newTrace(arena, true), t1 = s.newTrace(arena, true);
            FloatVec grad0 = FloatVec.allocate(arena, 100), grad1 = FloatVec.allocate(arena, 100);
            double loss0 = g.lossGradient(z, y, grad0, t0), loss1 = s.lossGradient(z, y, grad1, t1);
            assertEquals(loss0, loss1, 0.0);
            assertArrayEquals(grad0.toArray(), grad1.toArray());
            assertArrayEquals(g.forward(z, t0).toArray(), s.forward(z, t1).toArray());
        }
    }
}
