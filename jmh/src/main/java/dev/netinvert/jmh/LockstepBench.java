package dev.netinvert.jmh;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.StepRules;
import dev.netinvert.solvers.batch.LockstepPdhgEngine;
import dev.netinvert.solvers.lifted.PdhgEngine;
import dev.netinvert.solvers.network.DenseLayer;
import dev.netinvert.solvers.network.Network;
import dev.netinvert.solvers.network.Observations;
import dev.netinvert.solvers.network.RandomNetworks;
import dev.netinvert.solvers.parallel.Parallelism;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import java.util.List;

/**
 * One PDHG-TV iteration (eq. (14) [000]) for B observations against the same perceptron, one thread:
 * {@code lockstep} — {@link LockstepPdhgEngine#step()}, one pass over W for all B (two GEMMs) and the stencil
 * steps per image; {@code independent} — B single-observation {@link PdhgEngine#step} calls (two GEMVs
 * each, the way a batch was solved before). Time per call covers B observation-iterations, so the
 * throughput in observations·iterations per second is B / time. Shapes: the circle's 512×4096 (64×64
 * image, W L3-resident), 100×784 (28×28, W in L2) and 4096×4096 (64×64 image, W 64 MiB: DRAM-resident, where
 * one pass over W per observation costs most and lockstep gains most; select it with {@code -p shape=4096x4096},
 * a single call at B = 256 takes about a second). The NumPy peer doing the same batched iteration is numpy_lockstep.py.
 */
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class LockstepBench extends Bench {

    @Param({"512x4096", "100x784", "4096x4096"})
    public String shape;

    @Param({"1", "8", "32", "64", "256"})
    public int b;

    private LockstepPdhgEngine lockstep;
    private PdhgEngine[] single;
    private FloatVec[] ys;
    private Parallelism seq;

    @Setup(Level.Trial)
    public void setup() {
        String[] s = shape.split("x");
        int m = Integer.parseInt(s[0]), n = Integer.parseInt(s[1]), side = (int) Math.round(Math.sqrt(n));
        Network net = RandomNetworks.gaussianWithBias(arena, 1, new int[] {n, m}, List.of(Activation.RELU),
                RandomNetworks.WeightScale.constant(1 / Math.sqrt(n)), 1 / Math.sqrt(n));
        DenseLayer layer = net.dense(1);
        float alpha = 1.5e-2f;
        float tauX = (float) StepRules.gradient(layer.operatorNorm().value()), tauZ = (float) StepRules.pdhgDual(alpha);
        FloatMatrix y = FloatMatrix.allocatePadded(arena, b, m);
        ys = new FloatVec[b];
        for (int i = 0; i < b; i++) {
            ys[i] = Observations.noisy(net, RandomNetworks.latent(arena, n, 10 + i, 0.5),
                    new Observations.Noise.Gaussian(0.005), 100 + i, true, arena);
            dev.netinvert.kernels.Blas.copy(ys[i], y.row(i));
        }
        seq = Parallelism.sequential();
        lockstep = new LockstepPdhgEngine(arena, layer, b, 1, side, side, true, alpha, tauX, tauZ);
        lockstep.load(y);
        single = new PdhgEngine[b];
        for (int i = 0; i < b; i++) {
            single[i] = new PdhgEngine(arena, layer, 1, side, side, true, alpha, tauX, tauZ, seq);
        }
    }

    @TearDown
    public void close() {
        seq.close();
    }

    @Benchmark
    public double lockstep() {
        lockstep.step();
        return lockstep.primalChangeSquared(0);
    }

    @Benchmark
    public double independent() {
        double s = 0;
        for (int i = 0; i < single.length; i++) {
            single[i].step(ys[i]);
            s += single[i].primalChangeSquared();
        }
        return s;
    }
}
