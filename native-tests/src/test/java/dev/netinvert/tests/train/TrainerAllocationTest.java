package dev.netinvert.tests.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.Blas;
import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.solvers.network.Network;
import dev.netinvert.solvers.network.RandomNetworks;
import dev.netinvert.solvers.network.RandomNetworks.WeightScale;
import dev.netinvert.solvers.train.Trainer;
import dev.netinvert.solvers.train.Trainer.Loss;
import dev.netinvert.solvers.train.Trainer.Optimizer;
import dev.netinvert.solvers.train.Trainer.Options;
import dev.netinvert.tests.AllocationBudget;
import java.lang.foreign.Arena;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The batch GEMMs and a warm training step allocate nothing (the surefire executions "allocation",
 * "allocation-avx2" with -XX:UseAVX=2, and "allocation-simd-128": each in a JVM of its own, see
 * NetworkAllocationTest for why).
 */
@Tag("allocation")
class TrainerAllocationTest {

    /** Whether this JVM runs the 128-bit forced species, where the GEMMs are known to box (an open defect). */
    static boolean forced128() {
        return "128".equals(System.getProperty("netinvert.vector.bits"));
    }

    /** Whether this JVM runs with -XX:UseAVX=2, where a training step is known to box (an open defect). */
    static boolean avx2() {
        return java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments().contains("-XX:UseAVX=2");
    }

    /**
     * Shapes with row, column and depth edges (33 × 100 × 47, L ∤ 47 and 4 ∤ 33), each GEMM with β = 0 and 1.
     * 0 bytes, except in the 128-bit execution, where the GEMMs are known to box about 17 KB per round of six
     * (an open defect, in the notes): there the test holds them to at most 20 KB per round, so that it still
     * fails if that grows.
     */
    @Test
    void gemmsAllocateNothingOnceWarm() {
        long bound = forced128() ? 200L * 20_000 : 0;
        try (Arena arena = Arena.ofConfined()) {
            SplittableRandom rnd = new SplittableRandom(1);
            FloatMatrix x = FloatMatrix.of(arena, 33, 100, TrainerTest.uniform(rnd, 3300));
            FloatMatrix w = FloatMatrix.of(arena, 47, 100, TrainerTest.uniform(rnd, 4700));
            FloatMatrix y = FloatMatrix.allocate(arena, 33, 47), g = FloatMatrix.allocate(arena, 47, 100);
            FloatMatrix z = FloatMatrix.allocate(arena, 33, 100);
            var b = dev.netinvert.kernels.FloatVec.allocate(arena, 47);
            long bytes = AllocationBudget.bestRound(() -> {
                Blas.gemmNT(1f, x, w, 0f, y, b);
                Blas.gemmNT(0.5f, x, w, 1f, y, null);
                Blas.gemmTN(1f, y, x, 0f, g);
                Blas.gemmTN(0.5f, y, x, 1f, g);
                Blas.gemmNN(1f, y, w, 0f, z);
                Blas.gemmNN(-1f, y, w, 1f, z);
            }, bound);
            assertTrue(bytes <= bound, "bytes allocated per 200 rounds of the six GEMMs: " + bytes + ", bound " + bound);
        }
    }

    /**
     * One training step (forward, loss, backward, update) of a 40→24→10 network, for every optimizer and loss:
     * 0 bytes at the preferred width. Open defects, held to a bound so that the test still fails if they grow:
     * under -XX:UseAVX=2 a step allocates about 1.5 KB (boxed Float256Vectors, although each GEMM alone allocates
     * nothing at these shapes; not yet traced to its kernel), bound 2 KB per step; at 128 bits the GEMMs box
     * (above), bound 20 KB per step.
     */
    @Test
    void trainingStepsAllocateNothingOnceWarm() {
        long bound = forced128() ? 200L * 20_000 : avx2() ? 200L * 2_048 : 0;
        for (Optimizer opt : Optimizer.values()) {
            for (Loss loss : Loss.values()) {
                try (Arena arena = Arena.ofConfined()) {
                    Network net = RandomNetworks.gaussianWithBias(arena, 2, new int[] {40, 24, 10},
                            List.of(Activation.RELU, loss == Loss.MSE ? Activation.TANH : Activation.IDENTITY),
                            WeightScale.he(), 0.1);
                    Trainer t = new Trainer(net, Options.builder().optimizer(opt).loss(loss).batchSize(16)
                            .learningRate(1e-4).build(), arena);
                    SplittableRandom rnd = new SplittableRandom(3);
                    FloatMatrix x = FloatMatrix.of(arena, 16, 40, TrainerTest.uniform(rnd, 640));
                    FloatMatrix targets = FloatMatrix.of(arena, 16, 10, TrainerTest.uniform(rnd, 160));
                    int[] labels = new int[16];
                    for (int i = 0; i < 16; i++) {
                        labels[i] = i % 10;
                    }
                    Runnable step = loss == Loss.MSE ? () -> t.step(x, targets) : () -> t.step(x, labels);
                    long bytes = AllocationBudget.bestRound(step, bound);
                    assertTrue(bytes <= bound, opt + " " + loss + ": bytes per 200 steps " + bytes + ", bound " + bound);
                }
            }
        }
    }
}
