package dev.netinvert.tests.train;


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
 * The batch GEMMs and a warm training step allocate nothing, at every width (the surefire executions "allocation",
 * "allocation-avx2" with -XX:UseAVX=2, and "allocation-simd-128": each in a JVM of its own, see
 * NetworkAllocationTest for why). Below 512 bits the previous GEMM micro-kernels allocated (6 KB per round of six
 * GEMMs in the shared AVX2 allocation JVM, 17 KB at 128 bits), and after them the vector copies of the packing
 * did in some compile orders, so this test allowed 32 KB per call there; since {@code simd.SimdGemm} packs with
 * bulk copies it requires 0 at every width. The GEMMs' own paths are covered by {@code gemm.GemmAllocationTest}.
 */
@Tag("allocation")
class TrainerAllocationTest {

    @Test
    void gemmsAllocateNothingOnceWarm() {
        try (Arena arena = Arena.ofConfined()) {
            SplittableRandom rnd = new SplittableRandom(1);
            FloatMatrix x = FloatMatrix.of(arena, 33, 100, TrainerTest.uniform(rnd, 3300));
            FloatMatrix w = FloatMatrix.of(arena, 47, 100, TrainerTest.uniform(rnd, 4700));
            FloatMatrix y = FloatMatrix.allocate(arena, 33, 47), g = FloatMatrix.allocate(arena, 47, 100);
            FloatMatrix z = FloatMatrix.allocate(arena, 33, 100);
            var b = dev.netinvert.kernels.FloatVec.allocate(arena, 47);
            AllocationBudget.assertNothingOnceWarm(() -> {
                Blas.gemmNT(1f, x, w, 0f, y, b);
                Blas.gemmNT(0.5f, x, w, 1f, y, null);
                Blas.gemmTN(1f, y, x, 0f, g);
                Blas.gemmTN(0.5f, y, x, 1f, g);
                Blas.gemmNN(1f, y, w, 0f, z);
                Blas.gemmNN(-1f, y, w, 1f, z);
            }, "bytes allocated per 200 rounds of the six GEMMs at " + Blas.active().vectorBitSize()
                    + " bits");
        }
    }

    /**
     * One training step (forward, loss, backward, update) of a 40→24→10 network, for every optimizer and loss:
     * 0 bytes at every width.
     */
    @Test
    void trainingStepsAllocateNothingOnceWarm() {
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
                    AllocationBudget.assertNothingOnceWarm(step, opt + " " + loss + ": training steps");
                }
            }
        }
    }
}
