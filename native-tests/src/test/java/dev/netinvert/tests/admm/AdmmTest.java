package dev.netinvert.tests.admm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.Blas;
import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.StopReason;
import dev.netinvert.solvers.admm.Admm;
import dev.netinvert.solvers.admm.AdmmResult;
import dev.netinvert.solvers.admm.Box;
import dev.netinvert.solvers.admm.GradientBaseline;
import dev.netinvert.solvers.admm.InversionLoss;
import dev.netinvert.solvers.admm.OutputLoss;
import dev.netinvert.solvers.admm.ReferenceAdmm;
import dev.netinvert.solvers.network.DenseLayer;
import dev.netinvert.solvers.network.Network;
import dev.netinvert.solvers.network.RandomNetworks;
import dev.netinvert.solvers.network.RandomNetworks.WeightScale;
import dev.netinvert.solvers.network.SeededGaussian;
import java.lang.foreign.Arena;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The ADMM inversion of [004] against its plain-array twin, the paper's claims, and bad input. */
class AdmmTest {

    /**
     * 9 → 14 → 6 → 11 → 5 with ReLU, tanh, leaky ReLU and identity: layer 2 (6×14) is wide, so its z-update
     * runs through Woodbury, the others through the direct Cholesky; a mask hides two outputs.
     */
    private static Network mixed(Arena arena) {
        return RandomNetworks.gaussianWithBias(arena, 11, new int[] {9, 14, 6, 11, 5},
                List.of(Activation.RELU, Activation.TANH, Activation.leakyRelu(0.1f), Activation.IDENTITY),
                WeightScale.fanIn(), 0.2);
    }

    private static FloatVec gaussian(Arena arena, int n, long seed, double std) {
        FloatVec v = FloatVec.allocate(arena, n);
        new SeededGaussian(seed).fill(v, 0, std);
        return v;
    }

    /**
     * Eight iterations of {@link Admm.Engine} against {@link ReferenceAdmm} (double precision, formed and
     * Cholesky-factored (μI + WᵀW) every time, no Woodbury, no kernels), in every order. The state after
     * eight iterations is a composition of ~40 linear solves and projections of float data, each
     * backward-stable with condition ≤ 1 + ‖W‖² ≈ 5 here, so float rounding (6e-8) grows to ~1e-6; 1e-4
     * relative to the vector norm leaves room for the reassociated sums and still catches any wrong
     * index, sign, order or dual update (those change the iterates at O(1)).
     */
    @ParameterizedTest
    @EnumSource(Admm.Order.class)
    void iteratesMatchThePlainArrayTwin(Admm.Order order) {
        try (Arena arena = Arena.ofConfined()) {
            Network net = mixed(arena);
            FloatVec y = gaussian(arena, 5, 3, 1);
            FloatVec mask = FloatVec.of(arena, 1, 0, 1, 1, 0);
            FloatVec x0 = gaussian(arena, 9, 4, 0.5);
            InversionLoss loss = InversionLoss.of(new OutputLoss.SquaredError(y, mask), 0.3, x0);
            double rho = 0.7;
            Admm.Engine e = new Admm.Engine(net, loss, Admm.Options.builder().rho(rho).order(order).build(), arena);
            e.reset(x0);
            ReferenceAdmm ref = new ReferenceAdmm(net, loss, x0.toArray(), rho, order);
            for (int k = 1; k <= 8; k++) {
                e.iterate();
                ref.iterate();
                assertClose(ref.input(), e.input().toArray(), 1e-4, order + " z1 at iteration " + k);
                assertClose(ref.output(), e.outputVariable().toArray(), 1e-4, order + " z_{L+1} at iteration " + k);
                assertEquals(ref.primalResidual(), e.primalResidual(), 1e-4 * (1 + ref.primalResidual()), "primal at " + k);
                assertEquals(ref.dualResidual(), e.dualResidual(), 1e-4 * (1 + ref.dualResidual()), "dual at " + k);
            }
            assertTrue(ref.primalResidual() > 1e-3, "the test must exercise non-trivial residuals, got " + ref.primalResidual());
        }
    }

    private static void assertClose(double[] expected, float[] actual, double rel, String what) {
        assertEquals(expected.length, actual.length, what);
        double norm = 0, err = 0;
        for (int j = 0; j < expected.length; j++) {
            norm = Math.max(norm, Math.abs(expected[j]));
            err = Math.max(err, Math.abs(expected[j] - actual[j]));
        }
        assertTrue(err <= rel * Math.max(1, norm), what + ": max error " + err + " against max |x| " + norm);
    }

    /** Sec. 2.2: the forward-pass initialisation satisfies every constraint exactly. */
    @Test
    void allConstraintsHoldAtTheStart() {
        try (Arena arena = Arena.ofConfined()) {
            Network net = mixed(arena);
            FloatVec x0 = gaussian(arena, 9, 5, 1);
            InversionLoss loss = InversionLoss.of(new OutputLoss.SquaredError(gaussian(arena, 5, 6, 1), null), 0.1, x0);
            Admm.Engine e = new Admm.Engine(net, loss, Admm.Options.defaults(), arena);
            e.reset(x0);
            assertEquals(0.0, e.constraintViolation());
            float[] fx = net.forward(x0, arena).toArray(), zk = e.outputVariable().toArray();
            for (int j = 0; j < fx.length; j++) {
                assertEquals(fx[j], zk[j], "z_{L+1} = f(x0) at " + j);
            }
            e.iterate();
            double r2 = e.constraintViolation();
            assertTrue(r2 > 0, "one iteration moves off the constraints");
            assertEquals(Math.sqrt(r2), e.primalResidual(), 1e-5 * (1 + Math.sqrt(r2)),
                    "the reported primal residual is the constraint violation");
        }
    }

    /**
     * The paper's claim (sec. 3.1, Fig. 2: ADMM "improve[s] on both the iteration count and objective value")
     * on the dense stand-in for LeNet, where it holds: ADMM at ρ = 0.1 against Adam at the paper's step 0.01,
     * 500 iterations each from x = 0, on three seeded instances (the admm-compare mse panel). ADMM ends lower,
     * and reaches Adam's final objective in fewer iterations. (Against Adam at lr 0.1, ADMM wins on 3 of the 5
     * admm-compare instances only; ρ = 1 wins on 4 of 5 against lr 0.01: see the README. This test pins the
     * case that holds on every instance tried.)
     */
    @Test
    void admmBeatsAdamOnTheMlp() {
        for (long seed = 1; seed <= 3; seed++) {
            try (Arena arena = Arena.ofConfined()) {
                Network net = RandomNetworks.mlp004(arena, seed);
                FloatVec xStar = gaussian(arena, 64, seed + 1000, 1);
                FloatVec y = FloatVec.allocate(arena, 16);
                Blas.copy(net.forward(xStar, arena), y);
                FloatVec zero = FloatVec.allocate(arena, 64);
                InversionLoss loss = InversionLoss.of(new OutputLoss.SquaredError(y, null), 0.01, zero);
                int iters = 500;
                AdmmResult adam = GradientBaseline.solve(net, loss, zero,
                        GradientBaseline.Options.builder().step(0.01).maxIterations(iters).tolerance(0).build());
                AdmmResult admm = Admm.solve(net, loss, zero,
                        Admm.Options.builder().rho(0.1).maxIterations(iters).absoluteTol(0).relativeTol(0).build());
                assertEquals(iters, adam.iterations());
                assertEquals(iters, admm.iterations());
                assertTrue(admm.objective() < adam.objective(), "seed " + seed + ": ADMM " + admm.objective() + " against Adam "
                        + adam.objective());
                int reach = firstBelow(admm, adam.objective());
                assertTrue(reach >= 0 && reach < iters, "seed " + seed + ": ADMM reaches Adam's final objective "
                        + adam.objective() + " at iteration " + reach);
            }
        }
    }

    private static int firstBelow(AdmmResult r, double level) {
        double[] o = r.history().objective();
        int[] k = r.history().iterations();
        for (int i = 0; i < o.length; i++) {
            if (o[i] <= level) {
                return k[i];
            }
        }
        return -1;
    }

    /**
     * Run to the residual tolerance: the solve stops with TOLERANCE, the final primal residual is within
     * √P·ε_abs + ε_rel·scale (here below 1e-3 absolutely), and the objective at a true forward pass is
     * consistent with ADMM's own output variable (the constraints hold, so f(z₁) ≈ z_{L+1}).
     */
    @Test
    void convergesToSmallResiduals() {
        try (Arena arena = Arena.ofConfined()) {
            Network net = RandomNetworks.mlp004(arena, 4);
            FloatVec xStar = gaussian(arena, 64, 77, 1);
            FloatVec y = FloatVec.allocate(arena, 16);
            Blas.copy(net.forward(xStar, arena), y);
            InversionLoss loss = InversionLoss.of(new OutputLoss.SquaredError(y, null), 0.01, null);
            AdmmResult r = Admm.solve(net, loss, null, Admm.Options.builder().maxIterations(20_000).build());
            assertEquals(StopReason.TOLERANCE, r.stopReason(), "after " + r.iterations() + " iterations");
            assertTrue(r.primalResidual() < 1e-3, "primal " + r.primalResidual());
            assertTrue(r.dualResidual() < 1e-3, "dual " + r.dualResidual());
            for (double lr : r.layerResiduals()) {
                assertTrue(lr <= r.primalResidual() + 1e-12);
            }
        }
    }

    /** Cross-entropy with a box (Fig. 2 right): ADMM stays in the box and beats projected gradient at lr 0.01. */
    @Test
    void crossEntropyWithinABox() {
        try (Arena arena = Arena.ofConfined()) {
            Network net = RandomNetworks.mlp004(arena, 2);
            FloatVec x0 = gaussian(arena, 64, 9, 1);
            float[] logits = net.forward(x0, arena).toArray();
            int target = 0;
            for (int j = 1; j < logits.length; j++) {
                target = logits[j] < logits[target] ? j : target;
            }
            Box box = Box.around(arena, x0, 0.5, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY);
            InversionLoss loss = InversionLoss.of(new OutputLoss.CrossEntropy(target), 0, null).within(box);
            AdmmResult r = Admm.solve(net, loss, x0, Admm.Options.builder().maxIterations(300).build());
            AdmmResult p = GradientBaseline.solve(net, loss, x0, GradientBaseline.Options.builder()
                    .method(GradientBaseline.Method.PGD).step(0.01).maxIterations(300).build());
            FloatVec x = FloatVec.of(arena, r.x());
            assertTrue(box.contains(x), "ADMM's x lies in the box");
            double start = r.history().objective()[0];
            assertTrue(r.objective() < 0.5 * start, "ADMM lowers the cross-entropy: " + start + " -> " + r.objective());
            assertTrue(r.objective() <= p.objective() + 1e-6, "ADMM " + r.objective() + " against PGD " + p.objective());
        }
    }

    @Test
    void badInputGetsAClearError() {
        try (Arena arena = Arena.ofConfined()) {
            Network net = mixed(arena);
            FloatVec y = gaussian(arena, 5, 1, 1);
            InversionLoss mse = InversionLoss.of(new OutputLoss.SquaredError(y, null), 0.1, null);
            assertMessage(() -> Admm.Options.builder().rho(0).build(), "rho");
            assertMessage(() -> Admm.Options.builder().rho(-1).build(), "rho");
            assertMessage(() -> Box.uniform(arena, 9, 1, 0), "lo <= hi");
            assertMessage(() -> Admm.solve(net, InversionLoss.of(new OutputLoss.Linear(y), 0, null), null, Admm.Options.defaults()),
                    "unbounded");
            assertMessage(() -> Admm.solve(net, mse, FloatVec.allocate(arena, 8), Admm.Options.defaults()), "start");
            FloatVec nan = FloatVec.allocate(arena, 9);
            nan.set(3, Float.NaN);
            assertMessage(() -> Admm.solve(net, mse, nan, Admm.Options.defaults()), "start");
            assertMessage(() -> Admm.solve(net, InversionLoss.of(new OutputLoss.SquaredError(FloatVec.allocate(arena, 4), null), 0, null),
                    null, Admm.Options.defaults()), "4");
            // λ = 0 and a first layer with two equal columns: W₁ᵀW₁ is singular, eq. (10) has no unique solution
            FloatMatrix w = FloatMatrix.allocate(arena, 6, 3);
            for (int r = 0; r < 6; r++) {
                w.set(r, 0, r + 1);
                w.set(r, 1, r + 1);
                w.set(r, 2, r % 2);
            }
            Network singular = Network.of(new DenseLayer(w, null, Activation.RELU));
            InversionLoss plain = InversionLoss.of(new OutputLoss.SquaredError(FloatVec.allocate(arena, 6), null), 0, null);
            assertMessage(() -> Admm.solve(singular, plain, null, Admm.Options.defaults()), "layer 1");
        }
    }

    private static void assertMessage(org.junit.jupiter.api.function.Executable body, String part) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, body);
        assertTrue(e.getMessage().toLowerCase().contains(part.toLowerCase()), "message '" + e.getMessage() + "' names " + part);
    }
}
