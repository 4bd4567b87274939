package dev.netinvert.tests.kernels;

import static dev.netinvert.tests.UniformVectors.random;

import dev.netinvert.kernels.Conv;
import dev.netinvert.kernels.ConvShape;
import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.kernels.Pool;
import dev.netinvert.kernels.PoolShape;
import dev.netinvert.tests.AllocationBudget;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Warm convolution and pooling calls allocate nothing: the single-image forward map, adjoint and weight gradient at
 * stride 1 (the vectorised correlation, wide and 128-bit rows) and stride 2 (the scalar loops), max and average
 * pooling with their adjoints, and the batched im2col + GEMM path. Measured with the thread's allocated-bytes
 * counter in the surefire "allocation" executions (preferred width, -XX:UseAVX=2, 128 bits), each a JVM of its own.
 * The batched path calls Blas's GEMM kernels; like everything else here it must allocate 0 B at every width (the
 * bound of 32 KB per GEMM call below 512 bits went with the vector copies of SimdGemm's packing).
 */
@Tag("allocation")
class ConvAllocationTest {

    @Test
    void singleImageConvolutionsAndPoolingAllocateNothingOnceWarm() {
        try (Arena arena = Arena.ofConfined()) {
            SplittableRandom rnd = new SplittableRandom(7);
            ConvShape[] shapes = {
                new ConvShape(1, 28, 28, 8, 4, 2, 1), new ConvShape(8, 14, 14, 16, 4, 2, 1),
                new ConvShape(3, 32, 32, 6, 5, 1, 0), new ConvShape(6, 14, 14, 16, 5, 1, 0),
                new ConvShape(3, 9, 11, 5, 3, 1, 1),
            };
            int n = shapes.length;
            FloatVec[] w = new FloatVec[n], b = new FloatVec[n], x = new FloatVec[n], y = new FloatVec[n];
            FloatVec[] back = new FloatVec[n], dw = new FloatVec[n], db = new FloatVec[n];
            for (int i = 0; i < n; i++) {
                ConvShape s = shapes[i];
                w[i] = random(arena, s.weightLength(), rnd);
                b[i] = random(arena, s.outChannels(), rnd);
                x[i] = random(arena, s.inputs(), rnd);
                y[i] = FloatVec.allocate(arena, s.outputs());
                back[i] = FloatVec.allocate(arena, s.inputs());
                dw[i] = FloatVec.allocate(arena, s.weightLength());
                db[i] = FloatVec.allocate(arena, s.outChannels());
            }
            PoolShape ps = new PoolShape(6, 28, 28, 2, 2, 0);
            FloatVec px = random(arena, ps.inputs(), rnd), py = FloatVec.allocate(arena, ps.outputs());
            FloatVec pback = FloatVec.allocate(arena, ps.inputs());
            MemorySegment argmax = arena.allocate(4L * ps.outputs());
            AllocationBudget.assertNothingOnceWarm(() -> {
                for (int i = 0; i < n; i++) {
                    Conv.forward(shapes[i], w[i], b[i], x[i], y[i]);
                    Conv.adjoint(shapes[i], w[i], y[i], back[i], null);
                    Conv.weightGradient(shapes[i], x[i], y[i], 0f, dw[i], db[i]);
                }
                Pool.maxForward(ps, px, py, argmax);
                Pool.maxAdjoint(ps, argmax, py, pback);
                Pool.avgForward(ps, px, py);
                Pool.avgAdjoint(ps, py, pback);
            }, "bytes allocated by 200 rounds of single-image conv and pooling calls");
        }
    }

    @Test
    void batchedIm2colPathAllocatesNothingOnceWarm() {
        try (Arena arena = Arena.ofConfined()) {
            SplittableRandom rnd = new SplittableRandom(8);
            ConvShape s = new ConvShape(8, 14, 14, 16, 4, 2, 1);
            int batch = 4;
            FloatVec w = random(arena, s.weightLength(), rnd), b = random(arena, s.outChannels(), rnd);
            FloatMatrix xs = FloatMatrix.allocate(arena, batch, s.inputs());
            FloatMatrix ys = FloatMatrix.allocate(arena, batch, s.outputs());
            FloatMatrix back = FloatMatrix.allocate(arena, batch, s.inputs());
            FloatVec scratch = FloatVec.allocate(arena, (int) Conv.im2colLength(s));
            FloatVec x0 = xs.row(0), y0 = ys.row(0), b0 = back.row(0);
            AllocationBudget.assertNothingOnceWarm(() -> {
                Conv.forwardIm2col(s, w, b, xs, ys, scratch);
                Conv.adjointIm2col(s, w, ys, back, null, scratch);
                Conv.forward(s, w, b, x0, y0, scratch);
                Conv.adjoint(s, w, y0, b0, null, scratch);
            }, "bytes allocated by 200 batched forward + adjoint calls");
        }
    }
}
