package dev.netinvert.solvers.parallel;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.Fused;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.network.Activations;
import dev.netinvert.solvers.network.DenseLayer;
import dev.netinvert.solvers.network.Layer;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * The data gradient of the lifted-Bregman methods, g = Aᵀ(σ(Ax + b) − t) — eq. (14a)/(16a) and (17) [000] with
 * a layer's operator A in place of W — together with the pre-activation Ax + b and ‖σ(Ax + b) − t‖². The one
 * building block PDHG-TV, Landweber and the lifted coordinate descent need from a layer.
 *
 * <p>{@link #of} picks the implementation: for a dense layer the fused, row-blocked kernel
 * ({@link BlockedBregmanGradient}, one pass over W, fork-join over row blocks); for any other kind the
 * composition forward → σ − t → adjoint with the layer's own kernels, single-threaded per call. Both allocate
 * nothing per call.
 */
public interface BregmanGradient {

    /**
     * pre ← Ax + b and g ← Aᵀ(σ(pre) − t); returns ‖σ(pre) − t‖² (summed in double).
     *
     * @param x   the layer's input, {@link Layer#inputs()} values
     * @param t   the target, {@link Layer#outputs()} values
     * @param pre {@link Layer#outputs()} values, overwritten
     * @param g   {@link Layer#inputs()} values, overwritten
     */
    double compute(FloatVec x, FloatVec t, FloatVec pre, FloatVec g);

    /** The implementation for {@code layer}, with its workspace allocated once in {@code arena}. */
    static BregmanGradient of(Arena arena, Layer layer, Parallelism par) {
        Objects.requireNonNull(layer, "layer");
        if (layer instanceof DenseLayer d) {
            return new BlockedBregmanGradient(arena, d.activation(), d.weight(), d.bias(), par);
        }
        return new Composed(arena, layer);
    }

    /** forward, residual, adjoint: three passes, for layers whose kernels are not GEMVs. */
    final class Composed implements BregmanGradient {
        private final Layer layer;
        private final Activation sigma;
        private final FloatVec r;
        private final MemorySegment scratch;

        Composed(Arena arena, Layer layer) {
            this.layer = layer;
            this.sigma = layer.activation();
            this.r = FloatVec.allocate(arena, layer.outputs());
            this.scratch = layer.scratchBytes() == 0 ? null : arena.allocate(layer.scratchBytes(), FloatVec.ALIGNMENT);
        }

        @Override
        public double compute(FloatVec x, FloatVec t, FloatVec pre, FloatVec g) {
            layer.forward(x, pre, scratch);
            Activations.apply(sigma, pre, r);
            double r2 = Fused.maskedResidual(r, t, null, r); // r ← σ(pre) − t
            layer.adjoint(r, g, scratch);
            return r2;
        }
    }
}
