package dev.netinvert.tests.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static dev.netinvert.tests.SameBits.assertSameBits;
import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.Blas;
import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.network.BatchTrace;
import dev.netinvert.solvers.network.DenseLayer;
import dev.netinvert.solvers.network.Network;
import dev.netinvert.solvers.network.RandomNetworks;
import dev.netinvert.solvers.network.RandomNetworks.WeightScale;
import dev.netinvert.solvers.network.ReferenceNetwork;
import dev.netinvert.solvers.network.Trace;
import java.lang.foreign.Arena;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.function.Supplier;
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
     * calls it makes do on their own (at the time of writing the SIMD GEMVᵀ allocates a 40-byte slice
     * per call to zero its output; that belongs to the kernels, not to the network). Rounds are repeated
     * because compilation finishes asynchronously; the best round of 200 calls is the one judged.
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
            assertEquals(0, bestRound(() -> {
                net.forward(z, full);
                net.forward(z, lean);
                net.forward(zs, bt);
            }), "bytes allocated by 200 forward passes");
            long kernels = bestRound(() -> {
                Blas.gemvT(1f, net.layer(2).weight(), d2, 0f, d1);
                Blas.gemvT(1f, net.layer(1).weight(), d1, 0f, grad);
            });
            long loss = bestRound(() -> net.lossGradient(z, y, grad, full));
            assertTrue(loss <= kernels, "200 loss gradients allocated " + loss + " bytes, their GEMVᵀ calls alone " + kernels);
        }
    }

    private static long bestRound(Runnable pass) {
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long best = Long.MAX_VALUE;
        for (int round = 0; round < 40 && best > 0; round++) {
            long before = mx.getCurrentThreadAllocatedBytes();
            for (int k = 0; k < 200; k++) {
                pass.run();
            }
            best = Math.min(best, mx.getCurrentThreadAllocatedBytes() - before);
        }
        return best;
    }
}
