package dev.netinvert.solvers.network;

import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * The workspace of forward passes of a batch of {@code batchSize} inputs through a {@link Network}, one
 * sample per row, allocated once and reused so that {@link Network#forward(FloatMatrix, BatchTrace)}
 * allocates nothing.
 *
 * <p>Every matrix here has rows padded to a multiple of 16 floats (64 bytes), so each sample's vector
 * starts on a cache line. With {@code keepLayers = true} the trace holds every layer's pre-activations
 * U_l and outputs X_l ({@code batchSize × n_l}); otherwise two buffers of the widest layer that the
 * layers take turns in, and only {@link #output()} is readable.
 *
 * <p>Views returned here are overwritten by the next pass. Not thread-safe; lives as long as its arena.
 */
public final class BatchTrace {
    final Network network;
    final int batchSize;
    final boolean keepsLayers;
    /** The inputs, copied in so that every row view below is made once, here. */
    final FloatMatrix input;
    final FloatMatrix[] pre;
    final FloatMatrix[] out;
    /** Row views: preRows[l][s], outRows[l][s]. */
    final FloatVec[][] preRows;
    final FloatVec[][] outRows;
    /** Row views of {@link #input}. */
    final FloatVec[] inputRows;
    /** Per-layer scratch, shared by the samples of a pass (batch passes are forward only). */
    final MemorySegment[] scratch;
    /** inputChunks[l][s][c]: the part of layer l's input row s that meets column tile c of W_l. */
    final FloatVec[][][] inputChunks;

    BatchTrace(Network network, Arena arena, int batchSize, boolean keepLayers) {
        Objects.requireNonNull(arena, "arena");
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
        }
        this.network = network;
        this.batchSize = batchSize;
        this.keepsLayers = keepLayers;
        int depth = network.depth();
        input = FloatMatrix.allocatePadded(arena, batchSize, network.inputSize());
        pre = new FloatMatrix[depth + 1];
        out = new FloatMatrix[depth + 1];
        if (keepLayers) {
            for (int l = 1; l <= depth; l++) {
                pre[l] = FloatMatrix.allocatePadded(arena, batchSize, network.width(l));
                out[l] = FloatMatrix.allocatePadded(arena, batchSize, network.width(l));
            }
        } else {
            int ld = padded(network.widestLayer());
            FloatMatrix[] buffers = {FloatMatrix.allocate(arena, batchSize, ld), FloatMatrix.allocate(arena, batchSize, ld)};
            for (int l = 1; l <= depth; l++) {
                FloatMatrix b = buffers[l & 1];
                pre[l] = new FloatMatrix(b.segment(), 0, batchSize, network.width(l), ld);
                out[l] = pre[l];
            }
        }
        inputRows = rows(input);
        scratch = Trace.scratchOf(network, arena);
        preRows = new FloatVec[depth + 1][];
        outRows = new FloatVec[depth + 1][];
        inputChunks = new FloatVec[depth + 1][][];
        for (int l = 1; l <= depth; l++) {
            preRows[l] = rows(pre[l]);
            outRows[l] = keepLayers ? rows(out[l]) : preRows[l];
            FloatMatrix[] tiles = network.columnTiles(l);
            if (tiles == null) {
                continue; // not dense: no tiles
            }
            FloatVec[] in = l == 1 ? inputRows : outRows[l - 1];
            inputChunks[l] = new FloatVec[batchSize][tiles.length];
            for (int s = 0; s < batchSize; s++) {
                int c0 = 0;
                for (int c = 0; c < tiles.length; c++) {
                    inputChunks[l][s][c] = in[s].slice(c0, tiles[c].cols());
                    c0 += tiles[c].cols();
                }
            }
        }
    }

    private static int padded(int n) {
        return (int) Math.min(Integer.MAX_VALUE, ((long) n + 15) / 16 * 16);
    }

    private static FloatVec[] rows(FloatMatrix m) {
        FloatVec[] r = new FloatVec[m.rows()];
        for (int s = 0; s < r.length; s++) {
            r[s] = m.row(s);
        }
        return r;
    }

    public Network network() {
        return network;
    }

    /** The number of samples (rows) every pass with this trace takes. */
    public int batchSize() {
        return batchSize;
    }

    public boolean keepsLayers() {
        return keepsLayers;
    }

    /** N applied to every input row of the last pass, {@code batchSize × n_L}. */
    public FloatMatrix output() {
        return out[network.depth()];
    }

    /** U_l, {@code batchSize × n_l}, l = 1..L; needs {@link #keepsLayers()}. */
    public FloatMatrix preActivation(int l) {
        return pre[Trace.keptLayer(network, keepsLayers, l)];
    }

    /** X_l, {@code batchSize × n_l}, l = 1..L; needs {@link #keepsLayers()} unless l = L. */
    public FloatMatrix output(int l) {
        return l == network.depth() ? output() : out[Trace.keptLayer(network, keepsLayers, l)];
    }
}
