package dev.netinvert.tests.kernels;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.kernels.Prox;
import dev.netinvert.tests.AllocationBudget;
import java.lang.foreign.Arena;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The sums Σ Ψ(u), Σ Φ*(z) and Σ B_Ψ(y, z) allocate nothing once warm, for every activation. The solvers evaluate
 * them whenever they sample their objective (PDHG-TV and Landweber every tenth iteration by default, the lifted
 * coordinate descent's objective per layer), which the solver allocation tests leave out (no history there).
 * Under AVX2 the vector loops of six of the seven Bregman losses, and tanh's Σ Ψ, called helpers that C2 refused
 * to inline (NodeCountInliningCutoff), boxing on every step: 98-172 KB per sum over 4 096 elements; with 128-bit
 * vectors the compares and blends of two-lane double masks were not intrinsified at all (0.5-2.8 MB). 4 099
 * elements: the vector loops and the scalar tail both run.
 */
@Tag("allocation")
class ProxSumsAllocationTest {

    static java.util.List<Activation> activations() {
        return ProxFixtures.ACTIVATIONS;
    }

    @ParameterizedTest
    @MethodSource("activations")
    void sumsAllocateNothingOnceWarm(Activation sigma) {
        int n = 4099;
        SplittableRandom rnd = new SplittableRandom(16);
        try (Arena arena = Arena.ofConfined()) {
            FloatVec u = FloatVec.allocate(arena, n), y = FloatVec.allocate(arena, n), z = FloatVec.allocate(arena, n);
            for (int i = 0; i < n; i++) {
                float zi = (float) (2 * rnd.nextGaussian());
                z.set(i, zi);
                u.set(i, sigma.apply(zi) * 0.9f); // inside dom Ψ: the vector loops take every lane
                y.set(i, u.get(i));
            }
            double[] sink = new double[1];
            AllocationBudget.assertNothingOnceWarm(() -> sink[0] += Prox.psi(sigma, u) + Prox.conjugate(sigma, z)
                    + Prox.bregmanLoss(sigma, y, z), "bytes allocated by 200 × (Σ Ψ, Σ Φ*, Σ B_Ψ) for " + sigma);
            if (!Double.isFinite(sink[0])) {
                throw new AssertionError(sigma + ": the sums of in-domain data must be finite, got " + sink[0]);
            }
        }
    }
}
