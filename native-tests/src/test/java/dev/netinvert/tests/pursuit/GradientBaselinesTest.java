package dev.netinvert.tests.pursuit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.StepSize;
import dev.netinvert.solvers.StopReason;
import dev.netinvert.solvers.experiments.ImageMetrics;
import dev.netinvert.solvers.network.Network;
import dev.netinvert.solvers.network.RandomNetworks;
import dev.netinvert.solvers.pursuit.GradientDescent;
import dev.netinvert.solvers.pursuit.InversionResult;
import java.lang.foreign.Arena;
import org.junit.jupiter.api.Test;

/** Gradient descent with momentum and Adam on ½‖M(G(z) − y)‖²: convergence, stop reasons, determinism. */
class GradientBaselinesTest {

    /** A small, strongly expansive generator (20 → 200 → 400) on which the loss is benign. */
    static Network net(Arena arena) {
        return RandomNetworks.generator002(arena, 21, 20, 200, 400);
    }

    /** The spread of the latent vectors drawn for {@link #net}. */
    static final double STD = RandomNetworks.latentStd(20, 200);

    /** {@link #net}, a latent z ~ N(0, STD²) drawn with {@code seed}, and its signal y = G(z). */
    record Case(Network net, FloatVec z, FloatVec y) {
        static Case of(Arena arena, long seed) {
            Network net = GradientBaselinesTest.net(arena);
            FloatVec z = RandomNetworks.latent(arena, 20, seed, STD);
            return new Case(net, z, net.forward(z, arena));
        }
    }

    @Test
    void gradientDescentWithMomentumDrivesTheLossDownAndRecoversZ() {
        try (Arena arena = Arena.ofConfined()) {
            Case c = Case.of(arena, 1);
            GradientDescent.Options o = GradientDescent.Options.builder().seed(9).initStd(STD).maxIterations(4000).build();
            InversionResult r = GradientDescent.solve(c.net(), c.y(), null, o);
            double snr = ImageMetrics.snrDb(c.z().toArray(), r.z());
            assertTrue(snr > 40, "GD SNR " + snr + " dB, " + r.stages());
            assertTrue(r.residual() < 1e-3, "residual " + r.residual());
            assertEquals("gd", r.method());
            assertTrue(r.stages().get(0).iterations() >= 1 && r.seconds() > 0);
            // Same seed, same run: bit-identical.
            assertArrayEquals(r.z(), GradientDescent.solve(c.net(), c.y(), null, o).z());
        }
    }

    @Test
    void adamConverges() {
        try (Arena arena = Arena.ofConfined()) {
            Case c = Case.of(arena, 2);
            InversionResult r = GradientDescent.solve(c.net(), c.y(), null,
                    GradientDescent.Options.builder().method(GradientDescent.Method.ADAM).seed(3).initStd(STD)
                            .maxIterations(4000).build());
            double snr = ImageMetrics.snrDb(c.z().toArray(), r.z());
            assertTrue(snr > 30, "Adam SNR " + snr + " dB, " + r.stages());
            assertEquals("adam", r.method());
        }
    }

    @Test
    void stopReasonsAreTruthful() {
        try (Arena arena = Arena.ofConfined()) {
            Case c = Case.of(arena, 4);
            Network net = c.net();
            FloatVec y = c.y();
            GradientDescent.Options o = GradientDescent.Options.builder().seed(5).initStd(STD).build();
            // A too-large step on a generator with a linear output blows up (a tanh output would saturate and
            // stop at a flat point with a zero gradient instead, which is reported as such).
            Network linear = RandomNetworks.gaussian(arena, 21, new int[] {20, 200, 400},
                    java.util.List.of(dev.netinvert.kernels.Activation.RELU, dev.netinvert.kernels.Activation.IDENTITY),
                    RandomNetworks.WeightScale.unit());
            FloatVec yl = linear.forward(c.z(), arena);
            InversionResult huge = GradientDescent.solve(linear, yl, null, o.toBuilder().step(StepSize.fixed(1e3)).maxIterations(200).build());
            assertEquals(StopReason.DIVERGED, huge.stopReason(), huge.stages().toString());
            assertTrue(Double.isFinite(huge.stages().get(0).residual()), "the last finite loss is reported");
            InversionResult few = GradientDescent.solve(net, y, null, o.toBuilder().maxIterations(3).build());
            assertEquals(StopReason.MAX_ITERATIONS, few.stopReason());
            assertEquals(3, few.totalIterations());
            InversionResult loose = GradientDescent.solve(net, y, null, o.toBuilder().gradTol(1e30).build());
            assertEquals(StopReason.TOLERANCE, loose.stopReason());
            assertEquals(0, loose.totalIterations());
            // The paper's rule: the first step of the list whose run reaches the tolerance.
            InversionResult searched = GradientDescent.solveWithStepSearch(net, y, null,
                    o.toBuilder().maxIterations(50).gradTol(1e30).build(), new double[] {1e3, 1e-6});
            assertEquals(StopReason.TOLERANCE, searched.stopReason());
        }
    }

    @Test
    void maskedEntriesDoNotPullTheSolution() {
        try (Arena arena = Arena.ofConfined()) {
            Case c = Case.of(arena, 6);
            FloatVec y = c.y();
            FloatVec mask = FloatVec.allocate(arena, 400);
            for (int i = 0; i < 400; i++) {
                mask.set(i, i < 200 ? 1f : 0f);
                if (i >= 200) {
                    y.set(i, -0.5f); // garbage where unobserved
                }
            }
            InversionResult r = GradientDescent.solve(c.net(), y, mask,
                    GradientDescent.Options.builder().seed(9).initStd(STD).maxIterations(4000).build());
            assertTrue(ImageMetrics.snrDb(c.z().toArray(), r.z()) > 40, r.stages().toString());
        }
    }
}
