package dev.netinvert.jmh;

import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.StepRules;
import dev.netinvert.solvers.experiments.Phantoms;
import dev.netinvert.solvers.network.DenseLayer;
import dev.netinvert.solvers.network.Network;
import dev.netinvert.solvers.network.Observations;
import dev.netinvert.solvers.network.RandomNetworks;
import java.lang.foreign.Arena;

/** The circle experiment's problem (sec. 5.1.1 [000]): 64×64 disc, ReLU perceptron 512×4096, noise 0.005. */
final class CircleProblem {
    final DenseLayer layer;
    final FloatVec y;
    final float alpha = 1.5e-2f, tauX, tauZ;

    CircleProblem(Arena arena, long seed) {
        Network net = RandomNetworks.perceptron000(arena, seed, 1 / 64.0);
        layer = net.dense(1);
        y = Observations.noisy(net, FloatVec.of(arena, Phantoms.paperCircle()), new Observations.Noise.Gaussian(0.005),
                seed + 1, true, arena);
        tauX = (float) StepRules.gradient(layer.operatorNorm().value());
        tauZ = (float) StepRules.pdhgDual(alpha);
    }
}
