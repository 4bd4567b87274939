package dev.netinvert.solvers.pursuit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.Blas;
import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.StopReason;
import dev.netinvert.solvers.linalg.LeastSquares;
import dev.netinvert.solvers.network.SeededGaussian;
import java.lang.foreign.Arena;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.Test;

/**
 * Stop reasons and warnings of package-private stages that no public solve reaches on demand (issue 18):
 * a Gauss–Newton line search that fails is STALLED, not TOLERANCE, and a linearized-ADMM stage whose power
 * iteration did not converge says so and uses a safe step. This class sits in the solvers' package for
 * that access; everything else tests through the public API from {@code dev.netinvert.tests}.
 */
class PursuitStopReasonInternalsTest {

    /**
     * min ½‖y − (Az + c)‖² with A = [[1, 0], [0, a], [0, 2a]], a = 1e-9, started at z = (Z, 0), Z = 3e4,
     * where r = (0, 2⁻⁵², 0): the loss is at its rounding floor, but the Gauss–Newton step Δz = (0, 2⁻⁵²/(5a))
     * ≈ (0, 4.4e-8) is above the step tolerance 1e-12·‖z‖ = 3e-8 and predicts a reduction ‖JΔz‖² = ‖r‖²/5,
     * far above 1e-8·‖r‖², so no stopping test holds. The full step moves u₂ = 1 by 0.4 of half an ulp
     * (no change) and u₃ = 0.5 by 0.8 of half an ulp (one ulp up), so the loss rises by a quarter; the half
     * step is below the step tolerance, so the line search ends there having found no descent.
     */
    @Test
    void aFailedGaussNewtonLineSearchIsStalledNotTolerance() {
        double a = 1e-9, big = 3e4, e = Math.ulp(1.0);
        DMatrixRMaj am = new DMatrixRMaj(new double[][] {{1, 0}, {0, a}, {0, 2 * a}});
        DMatrixRMaj c = new DMatrixRMaj(new double[][] {{-big}, {1}, {0.5}});
        double[] y = {0, 1 + e, 0.5};
        double[] z = {big, 0};
        Stage st = Debias.gaussNewton("debias", am, c, y, OutputActivation.of(Activation.IDENTITY), 50, z,
                new LeastSquares(), System.nanoTime());
        assertEquals(StopReason.STALLED, st.stopReason(), st.toString());
        assertEquals(1, st.iterations(), st.toString());
        assertEquals(big, z[0], 0, "a rejected step leaves z where it was");
        assertEquals(0, z[1], 0, "a rejected step leaves z where it was");
        assertEquals(e, st.residual(), 1e-3 * e, "residual ‖r‖ of the start");
    }

    /** A stage as LatentPursuit runs it, on P (30 × 10) with |S| = 20 and a feasible positive x*. */
    static Stage admmStage(Arena arena, int normIterations) {
        int m = 30, n = 10, s = 20;
        FloatMatrix p = FloatMatrix.allocate(arena, m, n);
        SeededGaussian g = new SeededGaussian(3);
        for (int i = 0; i < m; i++) {
            g.fill(p.row(i), 0.0, 1.0 / Math.sqrt(n));
        }
        FloatVec xs = FloatVec.allocate(arena, n);
        for (int j = 0; j < n; j++) {
            xs.set(j, 0.1f + 0.05f * j);
        }
        // Rows off S with p_i·x* > 0 are flipped, so x* satisfies W^{S^c}x ≤ 0 and solves (9) [002] exactly.
        for (int i = s; i < m; i++) {
            FloatVec row = p.row(i);
            if (Blas.dot(row, xs) > 0) {
                Blas.scale(-1f, row);
            }
        }
        FloatVec target = FloatVec.allocate(arena, s);
        Blas.gemv(1f, p.rows(0, s), xs, 0f, target);
        FloatVec x = FloatVec.allocate(arena, n);
        return LinearizedAdmm.solve("ladmm-mid-layer", 2, p, s, null, target, false, 0, 0, 1e-2, 1e-6, 100_000, x,
                normIterations);
    }

    @Test
    void anUnconvergedNormEstimateIsAWarningAndTheSafeBoundIsUsed() {
        try (Arena arena = Arena.ofConfined()) {
            Stage ok = admmStage(arena, LinearizedAdmm.LAMBDA_MAX_ITERATIONS);
            assertTrue(ok.warnings().isEmpty(), ok.toString());
            Stage capped = admmStage(arena, 2);
            assertEquals(1, capped.warnings().size(), capped.toString());
            assertTrue(capped.warnings().get(0).contains("did not converge in 2 iterations"), capped.warnings().get(0));
            // The Frobenius bound keeps Q ⪰ 0 of eq. (11) [002]: the stage still converges, only more slowly.
            assertEquals(StopReason.TOLERANCE, capped.stopReason(), capped.toString());
            assertEquals(StopReason.TOLERANCE, ok.stopReason(), ok.toString());
            assertTrue(capped.iterations() >= ok.iterations(), "smaller steps: " + capped + " vs " + ok);
            assertTrue(capped.residual() < 1e-4 && ok.residual() < 1e-4, capped + " / " + ok);
        }
    }
}
