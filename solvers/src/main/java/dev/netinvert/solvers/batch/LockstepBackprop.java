package dev.netinvert.solvers.batch;

import dev.netinvert.kernels.Blas;
import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.kernels.PackedMatrix;
import dev.netinvert.solvers.network.Activations;
import dev.netinvert.solvers.network.DenseLayer;
import dev.netinvert.solvers.network.Network;
import java.lang.foreign.Arena;

/**
 * Forward and backward passes of a {@link Network} for the first a rows of a batch, with one GEMM per
 * layer and direction: U_l = X_{l−1}·W_lᵀ + 1·b_lᵀ, X_l = σ_l(U_l) (forward), and
 * Δ_{l−1} = (σ_l′ ⊙ Δ_l)·W_l down to the input (backpropagation, the batch form of {@link Network#vjp}). The
 * active-prefix views are made once, so the passes allocate nothing (the GEMMs read the weights packed once per
 * solve when the blocks are large enough: {@link PackedWeights}); {@link Network#forward(FloatMatrix,
 * dev.netinvert.solvers.network.BatchTrace)} cannot serve here because its batch size is fixed, while the
 * lockstep solvers shrink the active set.
 */
final class LockstepBackprop {
    private final Network net;
    private final int depth;
    /** [l][a]: prefix views of U_l, X_l, Δ_l (l = 1..L). */
    private final FloatMatrix[][] uP, xP, dP;
    private final FloatVec[][] uRows, xRows, dRows;
    /** [l]: W_l as the solve packed it (index l − 1 of its {@link PackedWeights}). */
    private final PackedMatrix[] packed;

    LockstepBackprop(Arena arena, Network net, PackedWeights weights, int capacity) {
        this.net = net;
        this.depth = net.depth();
        packed = new PackedMatrix[depth + 1];
        uP = new FloatMatrix[depth + 1][];
        xP = new FloatMatrix[depth + 1][];
        dP = new FloatMatrix[depth + 1][];
        uRows = new FloatVec[depth + 1][];
        xRows = new FloatVec[depth + 1][];
        dRows = new FloatVec[depth + 1][];
        for (int l = 1; l <= depth; l++) {
            FloatMatrix u = FloatMatrix.allocatePadded(arena, capacity, net.width(l));
            FloatMatrix x = FloatMatrix.allocatePadded(arena, capacity, net.width(l));
            FloatMatrix d = FloatMatrix.allocatePadded(arena, capacity, net.width(l));
            uP[l] = Rows.prefixes(u);
            xP[l] = Rows.prefixes(x);
            dP[l] = Rows.prefixes(d);
            uRows[l] = Rows.of(u);
            xRows[l] = Rows.of(x);
            dRows[l] = Rows.of(d);
            packed[l] = weights.get(l - 1);
        }
    }

    /** X_L = N(Z) for the a rows of {@code z} ({@code a × n_0}). */
    void forward(FloatMatrix z) {
        int a = z.rows();
        FloatMatrix in = z;
        for (int l = 1; l <= depth; l++) {
            DenseLayer layer = net.dense(l);
            Blas.gemmNT(1f, in, packed[l], 0f, uP[l][a], layer.bias());
            for (int s = 0; s < a; s++) {
                Activations.apply(layer.activation(), uRows[l][s], xRows[l][s]);
            }
            in = xP[l][a];
        }
    }

    /** Row s of the output X_L of the last forward pass. */
    FloatVec output(int s) {
        return xRows[depth][s];
    }

    /** Row s of Δ_L, where the caller puts the output-space vector v_s before {@link #backward}. */
    FloatVec outputDelta(int s) {
        return dRows[depth][s];
    }

    /** {@code g} ({@code a × n_0}) ← rows J_N(z_s)ᵀ v_s, with v_s in {@link #outputDelta}(s); Δ is overwritten. */
    void backward(FloatMatrix g) {
        int a = g.rows();
        for (int l = depth; l >= 1; l--) {
            DenseLayer layer = net.dense(l);
            for (int s = 0; s < a; s++) {
                Activations.multiplyByDerivative(layer.activation(), xRows[l][s], dRows[l][s]);
            }
            Blas.gemmNN(1f, dP[l][a], packed[l], 0f, l == 1 ? g : dP[l - 1][a]);
        }
    }
}
