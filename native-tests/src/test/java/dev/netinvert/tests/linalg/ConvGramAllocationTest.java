package dev.netinvert.tests.linalg;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netinvert.kernels.Blas;
import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.linalg.ConjugateGradient;
import dev.netinvert.solvers.linalg.ConvGramFft;
import dev.netinvert.solvers.linalg.LinearOperator;
import dev.netinvert.tests.AllocationBudget;
import java.lang.foreign.Arena;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Once warm, {@link ConvGramFft#solve} on power-of-two domains (every zero-padded one) and
 * {@link ConjugateGradient#solve} (with an operator that allocates nothing) allocate nothing. On other domains
 * JTransforms' mixed-radix 1-D transform allocates a work array per call: measured and bounded here.
 */
@Tag("allocation")
class ConvGramAllocationTest {

    @Test
    void solvesAllocateNothingOnceWarm() {
        try (Arena arena = Arena.ofConfined()) {
            SplittableRandom rnd = new SplittableRandom(31);
            FloatVec w = FloatVec.of(arena, ConvGramFftTest.weights(rnd, 16, 8, 3));
            ConvGramFft padded = ConvGramFft.zeroPadded(w, 16, 8, 3, 14, 14, 1, 0.1);
            FloatVec r = FloatVec.of(arena, ConvGramFftTest.uniform(rnd, padded.domainLength()));
            FloatVec x = FloatVec.allocate(arena, padded.domainLength());
            AllocationBudget.assertNothingOnceWarm(() -> padded.solve(r, x), "bytes allocated by 200 FFT solves (16x16)");
            ConvGramFft odd = ConvGramFft.periodic(w, 16, 8, 3, 14, 14, 1, 0.1);
            FloatVec r2 = FloatVec.of(arena, ConvGramFftTest.uniform(rnd, odd.domainLength()));
            FloatVec x2 = FloatVec.allocate(arena, odd.domainLength());
            long bytes = AllocationBudget.bestRound(() -> odd.solve(r2, x2), 200L * 64 * 1024); // a known allocation: stop at the bound
            System.out.printf("ConvGramFft.solve on a 14x14 periodic domain (JTransforms mixed radix): %d B per solve%n",
                    bytes / 200);
            assertTrue(bytes / 200 < 64 * 1024, bytes / 200 + " B per 14x14 solve");

            int m = 37, n = 61;
            float[] wv = ConvGramFftTest.uniform(rnd, m * n);
            FloatMatrix wm = FloatMatrix.of(arena, m, n, wv);
            LinearOperator dense = new LinearOperator() {
                public int inputs() { return n; }
                public int outputs() { return m; }
                public void apply(FloatVec in, FloatVec out) { Blas.gemv(1f, wm, in, 0f, out); }
                public void applyAdjoint(FloatVec in, FloatVec out) { Blas.gemvT(1f, wm, in, 0f, out); }
            };
            ConjugateGradient cg = new ConjugateGradient(dense, 0.5, ConjugateGradient.Options.defaults(), arena);
            FloatVec rc = FloatVec.of(arena, ConvGramFftTest.uniform(rnd, n)), xc = FloatVec.allocate(arena, n);
            AllocationBudget.assertNothingOnceWarm(() -> {
                Blas.fill(xc, 0f);
                cg.solve(rc, xc);
            }, "bytes allocated by 200 CG solves");
            assertTrue(cg.lastConverged());
        }
    }
}
