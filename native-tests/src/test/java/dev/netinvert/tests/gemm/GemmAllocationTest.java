package dev.netinvert.tests.gemm;


import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.Blas;
import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.kernels.PackedMatrix;
import dev.netinvert.kernels.Fused;
import dev.netinvert.tests.AllocationBudget;
import java.lang.foreign.Arena;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The GEMM kernels and the batched Bregman gradient allocate nothing once warm, at every vector width: the
 * surefire executions "allocation" (preferred width), "allocation-avx2" (-XX:UseAVX=2) and "allocation-simd-128",
 * each in a JVM of its own. The shapes take every path of the SIMD implementation: full and partial strips of
 * columns, partial blocks of rows, NT as Y = X·Wᵀ (W transposed into the panel) and as Yᵀ = W·Xᵀ (X packed whole),
 * several k-blocks (depth 3001, and 600 in the packed Yᵀ = W·Xᵀ, also with W's rows packed once), one-vector
 * strips (3 rows of X), several row blocks of W in the fused gradient, NN with W packed once, β = 0, 1 and other,
 * with and without a bias. The per-thread workspace is created (and grown to its largest size) in the first,
 * unmeasured rounds.
 */
@Tag("allocation")
class GemmAllocationTest {

    static float[] uniform(SplittableRandom rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        return a;
    }

    static FloatMatrix random(Arena arena, SplittableRandom rnd, int rows, int cols) {
        return FloatMatrix.of(arena, rows, cols, uniform(rnd, rows * cols));
    }

    @Test
    void gemmsAllocateNothingOnceWarm() {
        try (Arena arena = Arena.ofConfined()) {
            SplittableRandom rnd = new SplittableRandom(7);
            // 37 × 129 by 61 × 129: Yᵀ = W·Xᵀ (m > B); 61 × 129 by 37 × 129: Y = X·Wᵀ (m ≤ B).
            FloatMatrix x = random(arena, rnd, 37, 129), w = random(arena, rnd, 61, 129);
            FloatMatrix y = FloatMatrix.allocate(arena, 37, 61), y2 = FloatMatrix.allocate(arena, 61, 37);
            FloatMatrix g = FloatMatrix.allocate(arena, 61, 129), z = FloatMatrix.allocate(arena, 37, 129);
            FloatVec b = FloatVec.of(arena, uniform(rnd, 61)), b2 = FloatVec.of(arena, uniform(rnd, 37));
            // Depth 3001 (several k-blocks of NN and TN) with 5 rows.
            FloatMatrix dd = random(arena, rnd, 5, 3001), wd = random(arena, rnd, 3001, 40);
            FloatMatrix zd = FloatMatrix.allocate(arena, 5, 40), xd = random(arena, rnd, 3001, 7);
            FloatMatrix gd = FloatMatrix.allocate(arena, 40, 7);
            // Yᵀ = W·Xᵀ with X packed whole: 20 rows at depth 600 (k-blocks with tiles below 512 bits), and 3 rows
            // (one-vector strips).
            FloatMatrix xk = random(arena, rnd, 20, 600), wk = random(arena, rnd, 30, 600);
            FloatMatrix yk = FloatMatrix.allocate(arena, 20, 30), x3 = random(arena, rnd, 3, 129);
            FloatMatrix y3 = FloatMatrix.allocate(arena, 3, 61);
            // NN with W packed once (Blas.pack): 37 rows (past the few-rows route) by 61 × 129, and 20 rows by the
            // 600 × 30 W at several k-blocks
            PackedMatrix wp = Blas.pack(arena, w), wkp = Blas.pack(arena, random(arena, rnd, 600, 30));
            FloatMatrix zk = FloatMatrix.allocate(arena, 20, 30);
            PackedMatrix wkNT = Blas.pack(arena, wk); // NT Yᵀ = W·Xᵀ reading W's packed rows (below 512 bits)
            AllocationBudget.assertNothingOnceWarm(() -> {
                Blas.gemmNN(1f, y, wp, 0f, z);
                Blas.gemmNN(-1f, y, wp, 2f, z);
                Blas.gemmNN(1f, xk, wkp, 0f, zk);
                Blas.gemmNT(1f, xk, wkNT, 0f, yk, null);
                Blas.gemmNT(1f, x, w, 0f, y, b);
                Blas.gemmNT(0.5f, x, w, 1f, y, null);
                Blas.gemmNT(1f, w, x, 0.25f, y2, b2);
                Blas.gemmTN(1f, y, x, 0f, g);
                Blas.gemmTN(-0.5f, y, x, 1f, g);
                Blas.gemmNN(1f, y, w, 0f, z);
                Blas.gemmNN(-1f, y, w, 2f, z);
                Blas.gemmNN(1f, dd, wd, 0f, zd);
                Blas.gemmTN(1f, wd, xd, 0f, gd);
                Blas.gemmNT(1f, xk, wk, 0f, yk, null);
                Blas.gemmNT(1f, x3, w, 0f, y3, b);
            }, "bytes allocated by 200 rounds of the GEMMs at " + Blas.active().vectorBitSize()
                    + " bits");
        }
    }

    @Test
    void batchedBregmanGradientAllocatesNothingOnceWarm() {
        try (Arena arena = Arena.ofConfined()) {
            SplittableRandom rnd = new SplittableRandom(11);
            int bt = 17, n = 300, m = 250; // blocks of 210 rows of W (256 KiB / 1200 B, a multiple of 6): two
            FloatMatrix w = random(arena, rnd, m, n), x = random(arena, rnd, bt, n), t = random(arena, rnd, bt, m);
            FloatVec b = FloatVec.of(arena, uniform(rnd, m));
            FloatMatrix z = FloatMatrix.allocate(arena, bt, m), r = FloatMatrix.allocate(arena, bt, m);
            FloatMatrix g = FloatMatrix.allocate(arena, bt, n);
            double[] sums = new double[bt];
            AllocationBudget.assertNothingOnceWarm(() -> {
                Fused.bregmanGradientBatch(Activation.TANH, w, x, b, t, z, r, g, sums);
                Fused.bregmanGradientBatch(Activation.RELU, w, x, null, t, null, r, g, null);
            }, "bytes allocated by 200 rounds of the batched gradient at "
                    + Blas.active().vectorBitSize() + " bits");
        }
    }
}
