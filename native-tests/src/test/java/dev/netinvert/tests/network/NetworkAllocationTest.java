package dev.netinvert.tests.network;

import dev.netinvert.tests.AllocationBudget;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static dev.netinvert.tests.SameBits.assertSameBits;
import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.Blas;
import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.network.Activations;
import dev.netinvert.solvers.network.BatchTrace;
import dev.netinvert.solvers.network.DenseLayer;
import dev.netinvert.solvers.network.Network;
import dev.netinvert.solvers.network.RandomNetworks;
import dev.netinvert.solvers.network.RandomNetworks.WeightScale;
import dev.netinvert.solvers.network.ReferenceNetwork;
import dev.netinvert.solvers.network.Trace;
import java.lang.foreign.Arena;
import java.util.List;
import java.util.function.Supplier;
import dev.netinvert.solvers.pursuit.Fista;
import dev.netinvert.solvers.pursuit.LinearizedAdmm;
import dev.netinvert.tests.GeneratorSignal;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Allocation of warm forward and backward passes, measured with the thread's allocated-bytes counter.
 * Runs in a JVM of its own (the surefire execution "allocation" in native-tests/pom.xml): whether C2
 * inlines every kernel and scalar-replaces its vector temporaries depends on the JIT's profile, and in a
 * JVM shared with thousands of kernel calls of other shapes and activations it did not (the same passes
 * then allocated ~19 KB each). JMH's {@code -prof gc} is the measurement of record.
 */
@Tag("allocation")
class NetworkAllocationTest {

    /**
     * After warm-up (so that C2 has compiled the kernels and scalar-replaced their vector temporaries),
     * forward passes allocate nothing, and a loss gradient allocates no more than the two GEMVᵀ kernel
     * calls it makes do on their own. Rounds are repeated because compilation finishes asynchronously
     * ({@link #bestRound}); the best round of 200 calls is the one judged.
     */
    @Test
    void passesAllocateNothingOnceWarm() {
        try (Arena arena = Arena.ofConfined()) {
            Network net = RandomNetworks.gaussianWithBias(arena, 2, new int[] {40, 24, 16},
                    List.of(Activation.RELU, Activation.TANH), WeightScale.fanIn(), 0.1);
            FloatVec z = RandomNetworks.latent(arena, 40, 1, 1.0);
            FloatVec y = RandomNetworks.latent(arena, 16, 2, 0.5);
            FloatVec grad = FloatVec.allocate(arena, 40);
            Trace full = net.newTrace(arena, true);
            Trace lean = net.newTrace(arena, false);
            FloatMatrix zs = RandomNetworks.latentBatch(arena, 3, 40, 3, 1.0);
            BatchTrace bt = net.newBatchTrace(arena, 3, false);
            FloatVec d2 = FloatVec.allocate(arena, 16), d1 = FloatVec.allocate(arena, 24);
            AllocationBudget.assertNothingOnceWarm(() -> {
                net.forward(z, full);
                net.forward(z, lean);
                net.forward(zs, bt);
            }, "bytes allocated by 200 forward passes");
            long kernels = AllocationBudget.bestRound(() -> {
                Blas.gemvT(1f, net.dense(2).weight(), d2, 0f, d1);
                Blas.gemvT(1f, net.dense(1).weight(), d1, 0f, grad);
            });
            long loss = AllocationBudget.bestRound(() -> net.lossGradient(z, y, grad, full));
            assertTrue(loss <= kernels, "200 loss gradients allocated " + loss + " bytes, their GEMVᵀ calls alone " + kernels);
        }
    }

    /**
     * σ and the backpropagation step v ← σ′ ⊙ v of every activation (the vector kernels behind every layer of
     * the passes above), one call site for all seven as in a network that mixes them: nothing allocated once
     * warm. 37 elements: a vector part and a scalar tail at every width.
     */
    @Test
    void activationKernelsOfEveryActivationAllocateNothingOnceWarm() {
        List<Activation> all = List.of(Activation.IDENTITY, Activation.RELU, Activation.leakyRelu(0.1f),
                Activation.softThreshold(0.05f), Activation.TANH, Activation.CLIP, Activation.SIGMOID);
        try (Arena arena = Arena.ofConfined()) {
            FloatVec u = RandomNetworks.latent(arena, 37, 4, 2.0), x = FloatVec.allocate(arena, 37);
            FloatVec v0 = RandomNetworks.latent(arena, 37, 5, 1.0), v = FloatVec.allocate(arena, 37);
            AllocationBudget.assertNothingOnceWarm(() -> {
                for (Activation a : all) {
                    Activations.apply(a, u, x);
                    Blas.copy(v0, v);
                    Activations.multiplyByDerivative(a, x, v);
                    Activations.applyInPlace(a, x);
                }
            }, "bytes allocated by 200 rounds of σ and σ′ ⊙ v for seven activations");
        }
    }

    /**
     * The iterations of the pursuits at the sizes of sec. 6.1 [002] (100-300-625 generator): a gradient-
     * descent step (forward pass and VJP), a FISTA step of Alg. 3 and a linearized-ADMM step of Alg. 4. Longer
     * rows than the test above: a non-inlined SIMD helper that returned a vector once boxed one object per
     * 4-row block here (22 KB per forward pass) while the small network stayed at 0.
     */
    @Test
    void pursuitIterationsAllocateNothingOnceWarm() {
        try (Arena arena = Arena.ofConfined()) {
            GeneratorSignal s = GeneratorSignal.sec61(arena, 300, 100);
            Network net = s.net();
            Trace trace = net.newTrace(arena, true);
            FloatVec r = RandomNetworks.latent(arena, 625, 3, 0.1), g = FloatVec.allocate(arena, 100);
            AllocationBudget.assertNothingOnceWarm(() -> {
                net.forward(s.z(), trace);
                net.vjp(trace, r, g);
            }, "bytes allocated by 200 gradient-descent passes");
            Fista fista = new Fista(arena, net.dense(2).weight(), null, s.y(), null, Activation.TANH, 0, true,
                    net.dense(2).operatorNorm().value());
            fista.reset(FloatVec.allocate(arena, 300));
            AllocationBudget.assertNothingOnceWarm(fista::step, "bytes allocated by 200 FISTA steps");
            FloatMatrix p = net.dense(1).weight();
            float[] target = new float[150];
            for (int i = 0; i < 150; i++) {
                target[i] = 0.1f * (i % 7);
            }
            LinearizedAdmm admm = new LinearizedAdmm(arena, p, 150, null, FloatVec.of(arena, target), true, 0, 0, 1e-2,
                    1.02 * LinearizedAdmm.lambdaMax(p, 150, 1e-2f, arena).value());
            admm.reset(FloatVec.allocate(arena, 100));
            AllocationBudget.assertNothingOnceWarm(admm::step, "bytes allocated by 200 linearized-ADMM steps");
        }
    }

}
