package dev.netinvert.tests;

import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.network.Network;
import dev.netinvert.solvers.network.RandomNetworks;
import java.lang.foreign.Arena;

/**
 * A generator of eq. (3) [002] with one signal of it, drawn the way the pursuit, debiasing and allocation
 * tests draw theirs: z ~ N(0, σ²) from a seed, and y = G(z).
 *
 * @param net the generator
 * @param z   the latent vector, n_0 elements
 * @param y   G(z), n_L elements
 */
public record GeneratorSignal(Network net, FloatVec z, FloatVec y) {

    /**
     * The test generator of sec. 6.1 [002], tanh(W₂ ReLU(W₁ z)) with 100 → n₁ → 625 and weights from seed 7,
     * and its signal drawn with {@code seed} at σ = {@link RandomNetworks#latentStd}(100, n₁) (unit-variance
     * last pre-activations).
     */
    public static GeneratorSignal sec61(Arena arena, int n1, long seed) {
        Network net = RandomNetworks.generator002(arena, 7, 100, n1, 625);
        return of(arena, net, seed, RandomNetworks.latentStd(100, n1));
    }

    /** The signal of {@code net} drawn with {@code seed} at spread {@code std}. */
    public static GeneratorSignal of(Arena arena, Network net, long seed, double std) {
        FloatVec z = RandomNetworks.latent(arena, net.inputSize(), seed, std);
        return new GeneratorSignal(net, z, net.forward(z, arena));
    }
}
