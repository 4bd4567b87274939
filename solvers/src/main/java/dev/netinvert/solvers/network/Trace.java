package dev.netinvert.solvers.network;

import dev.netinvert.kernels.FloatVec;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * The workspace of one-sample forward and backward passes through a {@link Network}, allocated once in
 * an arena the caller controls and reused by every call, so that {@link Network#forward(FloatVec, Trace)},
 * {@link Network#vjp} and {@link Network#lossGradient} allocate nothing.
 *
 * <p>A trace created with {@code keepLayers = true} holds, after a forward pass at z, every layer's
 * pre-activation u_l = W_l x_{l−1} + b_l and output x_l = σ_l(u_l), l = 1..L (the lifted methods and the
 * pursuits of [000] and [002] work on these), plus the two vectors backpropagation needs. One created
 * with {@code keepLayers = false} holds only two vectors of the widest layer that the layers take turns
 * in; it serves forward passes only, and {@link #output()} is its one readable result.
 *
 * <p>Views returned here are overwritten by the next pass. A trace is not thread-safe; give each thread
 * its own. It lives as long as its arena.
 */
public final class Trace {
    final Network network;
    final boolean keepsLayers;
    /** u_l at index l = 1..L (index 0 unused). Same view as {@link #out} when layers are not kept. */
    final FloatVec[] pre;
    /** x_l at index l = 1..L. */
    final FloatVec[] out;
    /** δ_l at index l = 1..L, alternating between two buffers; null when layers are not kept. */
    final FloatVec[] delta;
    /** Per-layer scratch of {@link Layer#forward} (max-pooling switches), null where a layer needs none. */
    final MemorySegment[] scratch;
    /** Whether a forward pass has filled the trace (backpropagation needs one). */
    boolean filled;

    Trace(Network network, Arena arena, boolean keepLayers) {
        this.network = network;
        this.keepsLayers = keepLayers;
        Objects.requireNonNull(arena, "arena");
        int depth = network.depth();
        pre = new FloatVec[depth + 1];
        out = new FloatVec[depth + 1];
        scratch = scratchOf(network, arena);
        if (keepLayers) {
            int widest = network.widestLayer();
            FloatVec[] buffers = {FloatVec.allocate(arena, widest), FloatVec.allocate(arena, widest)};
            delta = new FloatVec[depth + 1];
            for (int l = 1; l <= depth; l++) {
                int n = network.width(l);
                pre[l] = FloatVec.allocate(arena, n);
                out[l] = FloatVec.allocate(arena, n);
                delta[l] = buffers[l & 1].slice(0, n);
            }
        } else {
            int widest = network.widestLayer();
            FloatVec[] buffers = {FloatVec.allocate(arena, widest), FloatVec.allocate(arena, widest)};
            delta = null;
            for (int l = 1; l <= depth; l++) {
                // Layer l reads buffer (l−1)&1 and writes buffer l&1, so input and output never overlap.
                pre[l] = buffers[l & 1].slice(0, network.width(l));
                out[l] = pre[l];
            }
        }
    }

    /** One block of {@link Layer#scratchBytes()} per layer that needs it, in {@code arena}. */
    static MemorySegment[] scratchOf(Network network, Arena arena) {
        MemorySegment[] s = new MemorySegment[network.depth() + 1];
        for (int l = 1; l <= network.depth(); l++) {
            long bytes = network.layer(l).scratchBytes();
            s[l] = bytes == 0 ? null : arena.allocate(bytes, FloatVec.ALIGNMENT);
        }
        return s;
    }

    /** The network this trace belongs to. */
    public Network network() {
        return network;
    }

    /** Whether every layer's pre-activation and output are kept (required for backpropagation). */
    public boolean keepsLayers() {
        return keepsLayers;
    }

    /** N(z) = x_L of the last forward pass, n_L elements. */
    public FloatVec output() {
        return out[network.depth()];
    }

    /** u_l = W_l x_{l−1} + b_l of the last forward pass, l = 1..L; needs {@link #keepsLayers()}. */
    public FloatVec preActivation(int l) {
        return pre[keptLayer(network, keepsLayers, l)];
    }

    /** x_l = σ_l(u_l) of the last forward pass, l = 1..L; needs {@link #keepsLayers()} unless l = L. */
    public FloatVec output(int l) {
        return l == network.depth() ? output() : out[keptLayer(network, keepsLayers, l)];
    }

    /**
     * {@code l}, once checked to be a layer of {@code network} whose results a trace keeping (or not)
     * every layer can give: the one rule of {@link Trace} and {@link BatchTrace}.
     */
    static int keptLayer(Network network, boolean keepsLayers, int l) {
        if (l < 1 || l > network.depth()) {
            throw new IndexOutOfBoundsException("layer must lie in 1.." + network.depth() + ", got " + l);
        }
        if (!keepsLayers) {
            throw new IllegalStateException("this trace keeps only the network output (created with keepLayers = false)");
        }
        return l;
    }
}
