package dev.netinvert.tests.pursuit;

import static dev.netinvert.tests.ArgumentErrors.assertMessage;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.StepSize;
import dev.netinvert.solvers.experiments.ImageMetrics;
import dev.netinvert.solvers.network.Network;
import dev.netinvert.solvers.network.RandomNetworks;
import dev.netinvert.solvers.pursuit.GradientDescent;
import dev.netinvert.solvers.pursuit.Lambdas;
import dev.netinvert.solvers.pursuit.LatentPursuit;
import dev.netinvert.solvers.pursuit.LayeredBasisPursuit;
import dev.netinvert.solvers.pursuit.Oracle;
import dev.netinvert.solvers.pursuit.Supports;
import dev.netinvert.solvers.pursuit.Uniqueness;
import java.lang.foreign.Arena;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Bad input gives errors that name the argument, the expected and the actual value; Cor. 1 at its boundaries. */
class PursuitArgumentsTest {

    @Test
    void observationsAndMasksAreValidated() {
        try (Arena arena = Arena.ofConfined()) {
            Network net = RandomNetworks.generator002(arena, 1, 10, 40, 60);
            LatentPursuit.Options o = LatentPursuit.Options.defaults();
            assertMessage(() -> LatentPursuit.solve(net, FloatVec.allocate(arena, 59), null, o), "y", "60", "59");
            FloatVec y = FloatVec.allocate(arena, 60);
            y.set(3, Float.NaN);
            assertMessage(() -> LatentPursuit.solve(net, y, null, o), "y", "finite", "element 3");
            y.set(3, 0f);
            FloatVec half = FloatVec.allocate(arena, 60);
            half.set(7, 0.5f);
            assertMessage(() -> LatentPursuit.solve(net, y, half, o), "mask", "0 (unknown) or 1", "element 7", "0.5");
            assertMessage(() -> LatentPursuit.solve(net, y, FloatVec.allocate(arena, 60), o), "mask", "no output is observed");
            assertMessage(() -> Oracle.solve(net, y, FloatVec.allocate(arena, 61), List.of(new int[0]), Oracle.Options.defaults()),
                    "mask", "60", "61");
            assertMessage(() -> LayeredBasisPursuit.solve(net, y, null, LayeredBasisPursuit.Options.builder().lambdas(Lambdas.explicit(0, 0)).build()),
                    "lambdas", "1", "2");
            assertMessage(() -> GradientDescent.solve(net, FloatVec.allocate(arena, 3), null, GradientDescent.Options.defaults()),
                    "y", "60", "3");
        }
    }

    @Test
    void networksThePursuitsCannotInvertAreRefusedWithTheReason() {
        try (Arena arena = Arena.ofConfined()) {
            FloatVec y = FloatVec.allocate(arena, 60);
            Network one = RandomNetworks.gaussian(arena, 1, new int[] {10, 60}, List.of(Activation.TANH),
                    RandomNetworks.WeightScale.unit());
            assertMessage(() -> LatentPursuit.solve(one, y, null, LatentPursuit.Options.defaults()), "depth >= 2", "depth 1");
            Network tanhHidden = RandomNetworks.gaussian(arena, 1, new int[] {10, 40, 60}, List.of(Activation.TANH, Activation.TANH),
                    RandomNetworks.WeightScale.unit());
            assertMessage(() -> LatentPursuit.solve(tanhHidden, y, null, LatentPursuit.Options.defaults()),
                    "hidden layer 1", "relu", "tanh");
            Network reluOut = RandomNetworks.gaussian(arena, 1, new int[] {10, 40, 60}, List.of(Activation.RELU, Activation.RELU),
                    RandomNetworks.WeightScale.unit());
            assertMessage(() -> LatentPursuit.solve(reluOut, y, null, LatentPursuit.Options.defaults()), "invertible", "relu");
            Network net = RandomNetworks.generator002(arena, 1, 10, 40, 60);
            assertMessage(() -> Oracle.solve(net, y, null, List.of(), Oracle.Options.defaults()), "supports", "expected 1", "got 0");
            assertMessage(() -> Oracle.solve(net, y, null, List.of(new int[] {3, 3}), Oracle.Options.defaults()),
                    "supports[0]", "strictly increasing", "[0, 40)");
            assertMessage(() -> Oracle.solve(net, y, null, List.of(new int[] {40}), Oracle.Options.defaults()), "supports[0]");
        }
    }

    @Test
    void optionsAreValidated() {
        assertMessage(() -> LatentPursuit.Options.builder().rho(0).build(), "rho", "> 0", "0.0");
        assertMessage(() -> LatentPursuit.Options.builder().gamma(-1).build(), "gamma", ">= 0");
        assertMessage(() -> LatentPursuit.Options.builder().tol(0).build(), "tol");
        assertMessage(() -> LatentPursuit.Options.builder().maxIterations(0).build(), "maxIterations");
        assertMessage(() -> LatentPursuit.Options.builder().supportThreshold(1.5).build(), "supportThreshold", "1.5");
        assertMessage(() -> GradientDescent.Options.builder().step(StepSize.fixed(-1)).build(), "step");
        assertMessage(() -> GradientDescent.Options.builder().momentum(1).build(), "momentum");
        assertMessage(() -> Oracle.Options.builder().iterations(0).build(), "iterations");
        assertMessage(() -> Supports.support(new float[3], 1), "threshold");
        assertMessage(() -> ImageMetrics.snrDb(new float[3], new float[2]), "estimate", "3", "2");
    }

    @Test
    void corollary1AtItsBoundaries() {
        // (i) s_L < (n+1)/2: 312 < 313 holds, 313 < 313 does not.
        assertTrue(Uniqueness.of(100, new int[] {312}, 625).holds());
        Uniqueness u = Uniqueness.of(100, new int[] {313}, 625);
        assertEquals(List.of("(i)"), u.violated().stream().map(Uniqueness.Condition::name).toList());
        // (ii) s_1 < (s_2 + 1)/2: 100 < 100.5 holds, 101 does not; (iii) s_1 >= n_0.
        assertTrue(Uniqueness.of(40, new int[] {100, 200}, 625).holds());
        Uniqueness v = Uniqueness.of(40, new int[] {101, 200}, 625);
        assertEquals(List.of("(ii) i=1"), v.violated().stream().map(Uniqueness.Condition::name).toList());
        assertTrue(v.report().contains("VIOLATED (ii) i=1: s_1 = 101 < (s_2 + 1)/2 = 100.5"), v.report());
        Uniqueness w = Uniqueness.of(100, new int[] {99}, 625);
        assertFalse(w.holds());
        assertTrue(w.report().contains("s_1 = 99 >= n_0 = 100"), w.report());
        assertTrue(Uniqueness.of(100, new int[] {100}, 625).holds());
        assertMessage(() -> Uniqueness.of(0, new int[] {1}, 1), "n0");
        assertMessage(() -> Uniqueness.of(1, new int[0], 1), "cardinalities");
    }
}
