package dev.netinvert.solvers.pursuit;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.network.Network;
import dev.netinvert.solvers.network.Trace;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The generators x = φ(W_L ReLU(… ReLU(W_1 z))) of eq. (3) [002] that the pursuits invert: the check that a
 * network is one, its hidden layers and their supports at a given z, and the residual of a solution.
 */
public final class Generators {
    private Generators() {}

    /**
     * Checks that the network is a generator of eq. (3) [002]: at least two layers, ReLU hidden layers and
     * an invertible last activation.
     */
    static OutputActivation checkGenerator(Network network) {
        Objects.requireNonNull(network, "network");
        network.denseLayers("the pursuits of [002]");
        if (network.depth() < 2) {
            throw new IllegalArgumentException("network: the pursuits of [002] invert generators with at least one "
                    + "hidden ReLU layer (depth >= 2), got depth " + network.depth() + " (" + network + ")");
        }
        for (int l = 1; l < network.depth(); l++) {
            Activation a = network.dense(l).activation();
            if (!(a instanceof Activation.Relu)) {
                throw new IllegalArgumentException("network: hidden layer " + l + " must use relu (eq. (3) [002]), got "
                        + a.name() + " (" + network + ")");
            }
        }
        return OutputActivation.of(network.lastActivation());
    }

    /** The hidden layers x_1 … x_{L−1} of G(z) (copies). */
    public static List<float[]> hiddenOf(Network network, FloatVec z) {
        Objects.requireNonNull(network, "network");
        Objects.requireNonNull(z, "z");
        try (Arena a = Arena.ofShared()) {
            Trace t = network.newTrace(a, true);
            network.forward(z, t);
            List<float[]> h = new ArrayList<>();
            for (int l = 1; l < network.depth(); l++) {
                h.add(t.output(l).toArray());
            }
            return h;
        }
    }

    /** The exact supports {i : x_l,i > 0} of the hidden layers x_1 … x_{L−1} of G(z). */
    public static List<int[]> supportsOf(Network network, FloatVec z) {
        List<float[]> h = hiddenOf(network, z);
        List<int[]> s = new ArrayList<>();
        for (float[] x : h) {
            s.add(Supports.support(x, 0.0));
        }
        return s;
    }

    /** ‖M(G(z) − y)‖₂ and G(z). */
    static double residual(Network network, float[] z, FloatVec y, FloatVec mask, float[] outputOut) {
        try (Arena a = Arena.ofShared()) {
            FloatVec zv = FloatVec.of(a, z);
            FloatVec g = network.forward(zv, a);
            double s = 0;
            for (int i = 0; i < g.length(); i++) {
                float gi = g.get(i);
                outputOut[i] = gi;
                if (mask == null || mask.get(i) == 1f) {
                    double d = (double) gi - y.get(i);
                    s += d * d;
                }
            }
            return Math.sqrt(s);
        }
    }
}
