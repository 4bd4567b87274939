package dev.netinvert.tests.pursuit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.StopReason;
import dev.netinvert.solvers.network.Network;
import dev.netinvert.solvers.network.RandomNetworks;
import dev.netinvert.solvers.pursuit.Generators;
import dev.netinvert.solvers.pursuit.InversionResult;
import dev.netinvert.solvers.pursuit.Lambdas;
import dev.netinvert.solvers.pursuit.LayeredBasisPursuit;
import dev.netinvert.solvers.pursuit.LinearizedAdmm;
import dev.netinvert.solvers.pursuit.Oracle;
import dev.netinvert.solvers.pursuit.Stage;
import dev.netinvert.tests.GeneratorSignal;
import java.lang.foreign.Arena;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Stop reasons that say what happened (issue 18): a least-squares solve is DIRECT, a stage with nothing to
 * solve for is EMPTY_SUPPORT with 0 iterations — neither is a tolerance that was met — and the power
 * iteration behind the linearized ADMM's step says when it did not converge.
 */
class StopReasonTruthTest {

    static Stage stage(InversionResult r, String name) {
        return r.stages().stream().filter(s -> s.name().equals(name)).reduce((a, b) -> b).orElseThrow();
    }

    @Test
    void layeredBasisPursuitsLeastSquaresStageIsADirectSolve() {
        try (Arena arena = Arena.ofConfined()) {
            GeneratorSignal s = GeneratorSignal.sec61(arena, 300, 101);
            InversionResult r = LayeredBasisPursuit.solve(s.net(), s.y(), null,
                    LayeredBasisPursuit.Options.builder().debias(false).build());
            Stage ls = stage(r, "ls-first-layer");
            assertEquals(StopReason.DIRECT, ls.stopReason(), ls.toString());
            assertEquals(1, ls.iterations());
            // The LASSO met its tolerance, so the whole inversion did: TOLERANCE outranks DIRECT.
            assertEquals(StopReason.TOLERANCE, stage(r, "lasso-last-layer").stopReason());
            assertEquals(StopReason.TOLERANCE, r.stopReason());
        }
    }

    @Test
    void anEmptySupportIsReportedAsSuchNotAsConvergence() {
        try (Arena arena = Arena.ofConfined()) {
            // Two hidden layers, so that the mid-layer LASSO of Alg. 2 [002] runs on the support of x_2.
            Network net = RandomNetworks.gaussian(arena, 5, new int[] {20, 60, 80, 150},
                    List.of(Activation.RELU, Activation.RELU, Activation.TANH), RandomNetworks.WeightScale.fanIn());
            GeneratorSignal s = GeneratorSignal.of(arena, net, 9, 1.0);
            // λ far above ‖W_Lᵀ φ⁻¹(y)‖_∞: the last LASSO's solution is 0, so S_2 = ∅ and then S_1 = ∅.
            for (boolean debias : new boolean[] {false, true}) {
                InversionResult r = LayeredBasisPursuit.solve(net, s.y(), null, LayeredBasisPursuit.Options.builder()
                        .lambdas(Lambdas.uniform(1e6)).debias(debias).build());
                assertEquals(0, r.supports().get(1).length, "x_2 = 0");
                Stage mid = stage(r, "lasso-mid-layer");
                assertEquals(StopReason.EMPTY_SUPPORT, mid.stopReason(), mid.toString());
                assertEquals(0, mid.iterations());
                Stage ls = stage(r, "ls-first-layer");
                assertEquals(StopReason.EMPTY_SUPPORT, ls.stopReason(), ls.toString());
                assertEquals(0, ls.iterations());
                assertEquals(StopReason.EMPTY_SUPPORT, r.stopReason(), "the inversion as a whole, debias " + debias);
                assertFalse(r.stopReason().succeeded());
                assertEquals("empty-support", r.stopReason().label());
            }
        }
    }

    @Test
    void theOraclesLayerWiseSolvesAreDirectAndAnEmptySupportIsFlagged() {
        try (Arena arena = Arena.ofConfined()) {
            GeneratorSignal s = GeneratorSignal.sec61(arena, 300, 102);
            List<int[]> supports = Generators.supportsOf(s.net(), s.z());
            InversionResult layerWise = Oracle.solve(s.net(), s.y(), null, supports,
                    Oracle.Options.builder().endToEnd(false).build());
            for (Stage st : layerWise.stages()) {
                assertEquals(StopReason.DIRECT, st.stopReason(), st.toString());
                assertEquals(1, st.iterations());
            }
            assertEquals(StopReason.DIRECT, layerWise.stopReason(), "only direct solves");
            assertTrue(layerWise.stopReason().succeeded());

            InversionResult empty = Oracle.solve(s.net(), s.y(), null, List.of(new int[0]),
                    Oracle.Options.builder().endToEnd(false).build());
            for (Stage st : empty.stages()) {
                assertEquals(StopReason.EMPTY_SUPPORT, st.stopReason(), st.toString());
                assertEquals(0, st.iterations());
            }
            assertEquals(StopReason.EMPTY_SUPPORT, empty.stopReason());
        }
    }

    @Test
    void severityOrderAndLabels() {
        StopReason[] order = {StopReason.DIRECT, StopReason.DISCREPANCY, StopReason.GAP, StopReason.TOLERANCE, StopReason.STALLED,
                StopReason.EMPTY_SUPPORT, StopReason.MAX_ITERATIONS, StopReason.DIVERGED};
        assertEquals(StopReason.values().length, order.length, "every reason is ranked");
        for (int i = 0; i < order.length; i++) {
            for (int j = 0; j < order.length; j++) {
                StopReason w = order[Math.max(i, j)];
                assertEquals(w, StopReason.worst(order[i], order[j]), order[i] + " vs " + order[j]);
            }
        }
        assertEquals("direct", StopReason.DIRECT.label());
        assertEquals("stalled", StopReason.STALLED.label());
        assertFalse(StopReason.STALLED.succeeded());
        assertFalse(StopReason.MAX_ITERATIONS.succeeded());
        assertTrue(StopReason.DISCREPANCY.succeeded());
        assertTrue(StopReason.GAP.succeeded());
        assertEquals("gap", StopReason.GAP.label());
    }

    @Test
    void lambdaMaxSaysWhetherItsLanczosIterationConverged() {
        try (Arena arena = Arena.ofConfined()) {
            // P = diag(3, 2, 1, …) with D = diag(1, 1, ρ, …): λ_max(PᵀDP) = 9. Rows 0 and 1 are in S.
            int n = 6;
            FloatMatrix p = FloatMatrix.allocate(arena, n, n);
            for (int i = 0; i < n; i++) {
                p.set(i, i, i == 0 ? 3f : i == 1 ? 2.9f : 1f);
            }
            LinearizedAdmm.LambdaMax full = LinearizedAdmm.lambdaMax(p, 2, 1e-2f, arena);
            assertTrue(full.converged(), full.toString());
            assertTrue(full.iterations() <= LinearizedAdmm.LAMBDA_MAX_ITERATIONS);
            assertEquals(9, full.value(), 1e-5 * 9, full.toString());
            // Eigenvalues 9 and 8.41 of PᵀDP: two Lanczos steps cannot meet 5e-7, and the result must say
            // so instead of passing off its estimate (a lower bound) as λ_max.
            LinearizedAdmm.LambdaMax capped = LinearizedAdmm.lambdaMax(p, 2, 1e-2f, 2, arena);
            assertFalse(capped.converged(), capped.toString());
            assertEquals(2, capped.iterations());
            assertTrue(capped.value() < 9 * (1 - 1e-6), "approaches from below: " + capped);
        }
    }
}
