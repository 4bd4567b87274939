package dev.netinvert.solvers.network;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.Blas;
import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.kernels.Fused;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Objects;

/**
 * A feed-forward network N(z) = x_L with x_0 = z and x_l = σ_l(A_l x_{l−1} + b_l), l = 1..L — the model
 * of eq. (1) [000], eq. (1) [002], [003] sec. 2 and eq. (1) [004], where A_l is a dense W_l or any other
 * {@link Layer} (convolution, transposed convolution, pooling).
 *
 * <p>Layers are numbered from 1 as in the papers; {@link #width(int) width(l)} = n_l, with n_0 the input
 * size. The shapes of consecutive layers are validated once, in {@link #of(List)}; the passes trust them.
 *
 * <h2>Passes and their memory</h2>
 * Every pass takes a workspace made once by {@link #newTrace} or {@link #newBatchTrace} in an arena the
 * caller controls, and allocates nothing itself:
 * <ul>
 *   <li>{@link #forward(FloatVec, Trace)}: N(z) for one input (one GEMV per layer).</li>
 *   <li>{@link #forward(FloatMatrix, BatchTrace)}: N applied to every row of a matrix of inputs.</li>
 *   <li>{@link #vjp}: the vector–Jacobian product J_N(z)ᵀ v by backpropagation (one GEMVᵀ per layer).</li>
 *   <li>{@link #lossGradient}: ½‖N(z) − y‖² and its gradient J_N(z)ᵀ (N(z) − y) with respect to z — the
 *       gradient-descent / Adam baselines of [002] sec. 6, [003] sec. 5 and [004].</li>
 * </ul>
 * The memory of W and b belongs to whoever made the layers (e.g. a memory-mapped model file's arena).
 * A network is immutable and may be shared between threads; traces may not.
 */
public final class Network {
    /**
     * A batch pass works on tiles of W of about {@value #TILE_BYTES} bytes — at most {@value #TILE_COLS}
     * columns, and as many rows as fill the budget in multiples of 4 — which fit in the 32 KiB L1 together
     * with the matching piece of one sample's input; every sample of the batch is run through a tile while
     * it is there. Multiples of 4 rows because the GEMV kernels treat rows in groups of four aligned to
     * row 0 (one load of x feeds four FMAs), so tiles cut no group and each row gets the same arithmetic
     * as in the one-sample pass. Narrow layers get taller tiles so that each kernel call still does
     * thousands of FMAs (4 rows of 100 columns would be mostly call overhead).
     */
    static final int TILE_BYTES = 16 * 1024;

    /** See {@link #TILE_BYTES}. */
    static final int TILE_COLS = TILE_BYTES / (4 * Float.BYTES);

    private final Layer[] layers;
    private final int[] widths;
    /** colTiles[l][c]: columns [c·w, (c+1)·w) of W_l as a matrix view (w = the tile width of layer l). */
    private final FloatMatrix[][] colTiles;
    /** tileRows[l]: rows per tile of W_l, a multiple of 4. */
    private final int[] tileRows;
    private final int widest;

    private Network(Layer[] layers) {
        this.layers = layers;
        widths = new int[layers.length + 1];
        widths[0] = layers[0].inputs();
        colTiles = new FloatMatrix[layers.length + 1][];
        tileRows = new int[layers.length + 1];
        int w = 0;
        for (int l = 1; l <= layers.length; l++) {
            widths[l] = layers[l - 1].outputs();
            w = Math.max(w, widths[l]);
            if (!(layers[l - 1] instanceof DenseLayer dense)) {
                continue; // batch passes of other kinds run sample by sample (their kernels need no tiling)
            }
            FloatMatrix weight = dense.weight();
            int cols = weight.cols(), tiles = (cols + TILE_COLS - 1) / TILE_COLS;
            // Equal tiles rounded up to whole 16-float vectors, so no tile but the last has a scalar tail.
            int width = tiles == 1 ? cols : ((cols + tiles - 1) / tiles + 15) / 16 * 16;
            colTiles[l] = new FloatMatrix[(cols + width - 1) / width];
            tileRows[l] = Math.max(4, TILE_BYTES / (Float.BYTES * width) / 4 * 4);
            for (int c = 0; c < colTiles[l].length; c++) {
                int c0 = c * width, c1 = Math.min(cols, c0 + width);
                colTiles[l][c] = new FloatMatrix(weight.segment(), weight.byteOffset() + 4L * c0, weight.rows(),
                        c1 - c0, weight.ld());
            }
        }
        widest = w;
    }

    /**
     * A network of the given layers, input to output.
     *
     * <p>Where two layers meet, layer l must take as many values as layer l − 1 gives; when both see images
     * (convolutions, pooling) the shapes must be equal too. A dense layer meeting an image layer only checks
     * the count: that is the flatten (or unflatten) between them, free because images are stored flat.
     *
     * @throws IllegalArgumentException if the list is empty or two consecutive layers do not fit, naming the layer
     */
    public static Network of(List<? extends Layer> layers) {
        Objects.requireNonNull(layers, "layers");
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("layers: expected at least 1 layer, got none");
        }
        Layer[] a = layers.toArray(new Layer[0]);
        for (int l = 1; l <= a.length; l++) {
            Objects.requireNonNull(a[l - 1], "layer " + l);
            if (l == 1) {
                continue;
            }
            Layer here = a[l - 1], before = a[l - 2];
            if (here.inputs() != before.outputs()) {
                String expected = here instanceof DenseLayer d
                        ? "; its weight: expected " + d.outputs() + "×" + before.outputs() + " (outputs × inputs), got "
                          + d.outputs() + "×" + d.inputs()
                        : "; expected an input of " + before.outputs() + " values, got " + here.inputs()
                          + (here.inputShape() == null ? "" : " (" + here.inputShape() + ")");
                throw new IllegalArgumentException("layer " + l + " (" + here.kind() + "): layer " + (l - 1) + " ("
                        + before.kind() + ") outputs " + before.outputs() + " values"
                        + (before.outputShape() == null ? "" : " (" + before.outputShape() + ")") + expected);
            }
            if (here.inputShape() != null && before.outputShape() != null
                    && !here.inputShape().equals(before.outputShape())) {
                throw new IllegalArgumentException("layer " + l + " (" + here.kind() + "): expected an input image of "
                        + here.inputShape() + ", but layer " + (l - 1) + " (" + before.kind() + ") outputs "
                        + before.outputShape() + " (same count, different shape: a reshape between them is not a flatten)");
            }
        }
        return new Network(a);
    }

    /** {@link #of(List)} of the arguments. */
    public static Network of(Layer... layers) {
        return of(List.of(layers));
    }

    /**
     * This network for the span of one solve: each layer's {@link Layer#forSolve} copy in {@code arena} (a dense
     * layer's W for the GEMV where rows are short), or this network itself where no layer keeps one. The same
     * results, bit for bit; valid while the arena is open, and the weights must not change meanwhile.
     */
    public Network forSolve(Arena arena) {
        Objects.requireNonNull(arena, "arena");
        Layer[] copy = new Layer[layers.length];
        boolean changed = false;
        for (int l = 0; l < layers.length; l++) {
            copy[l] = layers[l].forSolve(arena);
            changed |= copy[l] != layers[l];
        }
        return changed ? new Network(copy) : this;
    }

    /** L, the number of layers. */
    public int depth() {
        return layers.length;
    }

    /** Layer l, 1 ≤ l ≤ L. */
    public Layer layer(int l) {
        Objects.checkIndex(l - 1, layers.length);
        return layers[l - 1];
    }

    /** The layers in order (an unmodifiable list; element 0 is layer 1). */
    public List<Layer> layers() {
        return List.of(layers);
    }

    /** Whether every layer is dense (the pursuits, the LPs and ADMM need that). */
    public boolean isDense() {
        for (Layer layer : layers) {
            if (!(layer instanceof DenseLayer)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Layer l as a dense layer, for methods whose theory is for matrices.
     *
     * @throws IllegalArgumentException naming the layer and its kind when it is not dense
     */
    public DenseLayer dense(int l) {
        Layer layer = layer(l);
        if (layer instanceof DenseLayer d) {
            return d;
        }
        throw new IllegalArgumentException("layer " + l + " is " + layer.kind() + "; this method needs dense layers");
    }

    /**
     * The layers as dense layers, for a method that needs them all to be matrices.
     *
     * @param method the method's name, for the message
     * @throws IllegalArgumentException naming the first layer that is not dense, its kind and the method
     */
    public List<DenseLayer> denseLayers(String method) {
        DenseLayer[] d = new DenseLayer[layers.length];
        for (int l = 1; l <= layers.length; l++) {
            if (!(layers[l - 1] instanceof DenseLayer dl)) {
                throw new IllegalArgumentException(method + " needs dense layers (its theory is for matrices), but layer "
                        + l + " is " + layers[l - 1].kind() + "; use a method that takes any layer (gd, adam, lifted-cd,"
                        + " landweber, pdhg-tv)");
            }
            d[l - 1] = dl;
        }
        return List.of(d);
    }

    /** n_l, 0 ≤ l ≤ L: the input size for l = 0, else layer l's number of outputs. */
    public int width(int l) {
        Objects.checkIndex(l, widths.length);
        return widths[l];
    }

    /** n_0. */
    public int inputSize() {
        return widths[0];
    }

    /** n_L. */
    public int outputSize() {
        return widths[layers.length];
    }

    /** σ_L, whose range is where observations must lie. */
    public Activation lastActivation() {
        return layers[layers.length - 1].activation();
    }

    /** max(n_1, …, n_L). */
    int widestLayer() {
        return widest;
    }

    /** The column tiles of W_l used by batch passes. */
    FloatMatrix[] columnTiles(int l) {
        return colTiles[l];
    }

    /**
     * A workspace for one-sample passes, allocated in {@code arena}. {@code keepLayers = true} keeps every
     * layer's pre-activation and output and is required by {@link #vjp} and {@link #lossGradient}.
     */
    public Trace newTrace(Arena arena, boolean keepLayers) {
        return new Trace(this, arena, keepLayers);
    }

    /** A workspace for passes of exactly {@code batchSize} inputs at once, allocated in {@code arena}. */
    public BatchTrace newBatchTrace(Arena arena, int batchSize, boolean keepLayers) {
        return new BatchTrace(this, arena, batchSize, keepLayers);
    }

    /**
     * N(z). Returns the trace's output view (n_L elements), valid until the trace's next pass.
     *
     * @param z     the input, n_0 elements; must not overlap the trace's memory
     * @param trace a workspace of this network
     */
    public FloatVec forward(FloatVec z, Trace trace) {
        checkTrace(trace);
        checkLength("z", z, widths[0], "the network's input size n_0");
        FloatVec in = z;
        for (int l = 1; l <= layers.length; l++) {
            Layer layer = layers[l - 1];
            layer.forward(in, trace.pre[l], trace.scratch[l]);
            if (trace.keepsLayers) {
                Activations.apply(layer.activation(), trace.pre[l], trace.out[l]);
            } else {
                Activations.applyInPlace(layer.activation(), trace.pre[l]);
            }
            in = trace.out[l];
        }
        trace.filled = true;
        return in;
    }

    /** out ← N(z); {@code out} has n_L elements. */
    public void forward(FloatVec z, FloatVec out, Trace trace) {
        checkLength("out", out, outputSize(), "the network's output size n_L");
        Blas.copy(forward(z, trace), out);
    }

    /**
     * N(z) in a new vector allocated in {@code arena} — a convenience that makes a temporary trace; loops
     * should use {@link #forward(FloatVec, Trace)}.
     */
    public FloatVec forward(FloatVec z, Arena arena) {
        FloatVec out = FloatVec.allocate(arena, outputSize());
        try (Arena scratch = Arena.ofShared()) {
            forward(z, out, newTrace(scratch, false));
        }
        return out;
    }

    /**
     * N applied to every row of {@code inputs}. Returns the trace's output view ({@code batchSize × n_L}),
     * valid until the trace's next pass.
     *
     * <p>Why tiles: 64 one-sample passes would stream all of W from L2, L3 or DRAM once per sample, at 2
     * flops per 4 bytes. Instead each layer walks W in tiles of about 16 KiB (4 or more rows × at most 1024
     * columns) and runs every sample through a tile while it sits in L1, accumulating the column tiles of
     * a row in order (the row-range GEMV of the kernels module with β = 1 makes this possible without
     * copying). Measured at batch 64 in jmh/RESULTS-forward.md.
     *
     * <p>Accuracy: for layers with at most 1024 inputs each row of the result is bit-identical to
     * {@link #forward(FloatVec, Trace) forward(inputs.row(s))}; wider layers sum the row's dot product in
     * column tiles, which reassociates it (error within n·ε·Σ|w_ij x_j| like any dot product here). Each
     * row depends only on its own input, never on the batch size or the other samples.
     *
     * @param inputs {@code batchSize × n_0}, one sample per row (copied into the trace first)
     * @param trace  a batch workspace of this network
     */
    public FloatMatrix forward(FloatMatrix inputs, BatchTrace trace) {
        checkTrace(trace);
        Objects.requireNonNull(inputs, "inputs");
        if (inputs.rows() != trace.batchSize || inputs.cols() != widths[0]) {
            throw new IllegalArgumentException("inputs: expected " + trace.batchSize + "×" + widths[0]
                    + " (batch size × input size n_0), got " + inputs.rows() + "×" + inputs.cols());
        }
        copyRows(inputs, trace.input);
        for (int l = 1; l <= layers.length; l++) {
            if (!(layers[l - 1] instanceof DenseLayer layer)) {
                Layer any = layers[l - 1];
                FloatVec[] in = l == 1 ? trace.inputRows : trace.outRows[l - 1];
                FloatVec[] u = trace.preRows[l], out = trace.outRows[l];
                for (int s = 0; s < u.length; s++) {
                    any.forward(in[s], u[s], trace.scratch[l]);
                    Activations.apply(any.activation(), u[s], out[s]);
                }
                continue;
            }
            FloatVec b = layer.bias();
            FloatMatrix[] tiles = colTiles[l];
            FloatVec[][] x = trace.inputChunks[l];
            FloatVec[] u = trace.preRows[l];
            int rows = layer.outputs(), batch = u.length, step = tileRows[l];
            for (int r0 = 0; r0 < rows; r0 += step) {
                int r1 = Math.min(rows, r0 + step);
                for (int c = 0; c < tiles.length; c++) {
                    // The first column tile overwrites the rows and adds the bias; later ones accumulate.
                    float beta = c == 0 ? 0f : 1f;
                    FloatVec bias = c == 0 ? b : null;
                    for (int s = 0; s < batch; s++) {
                        Blas.gemvRows(1f, tiles[c], r0, r1, x[s][c], beta, u[s], bias);
                    }
                }
            }
            FloatVec[] out = trace.outRows[l];
            for (int s = 0; s < batch; s++) {
                Activations.apply(layer.activation(), u[s], out[s]);
            }
        }
        return trace.output();
    }

    /** outputs ← N(inputs) row by row; {@code outputs} is {@code batchSize × n_L}. */
    public void forward(FloatMatrix inputs, FloatMatrix outputs, BatchTrace trace) {
        Objects.requireNonNull(outputs, "outputs");
        if (outputs.rows() != trace.batchSize || outputs.cols() != outputSize()) {
            throw new IllegalArgumentException("outputs: expected " + trace.batchSize + "×" + outputSize()
                    + " (batch size × output size n_L), got " + outputs.rows() + "×" + outputs.cols());
        }
        copyRows(forward(inputs, trace), outputs);
    }

    /**
     * out ← J_N(z)ᵀ v, the vector–Jacobian product at the input z of the trace's last forward pass, by
     * backpropagation: δ_L = σ_L′(u_L) ⊙ v, δ_{l−1} = σ_{l−1}′(u_{l−1}) ⊙ W_lᵀ δ_l, out = W_1ᵀ δ_1 (σ′ as
     * in {@link Activations}).
     *
     * @param trace a trace with {@link Trace#keepsLayers()} filled by {@link #forward(FloatVec, Trace)}
     * @param v     n_L elements
     * @param out   n_0 elements
     */
    public void vjp(Trace trace, FloatVec v, FloatVec out) {
        checkBackprop(trace);
        checkLength("v", v, outputSize(), "the network's output size n_L");
        checkLength("out", out, widths[0], "the network's input size n_0");
        Blas.copy(v, trace.delta[layers.length]);
        backpropagate(trace, out);
    }

    /**
     * The least-squares loss ½‖N(z) − y‖² and its gradient with respect to the input,
     * grad = J_N(z)ᵀ (N(z) − y). Runs a forward pass into the trace, then backpropagates.
     *
     * @param z     the input, n_0 elements
     * @param y     the target, n_L elements
     * @param grad  output, n_0 elements (may be z itself: z is not read after the forward pass)
     * @param trace a trace of this network with {@link Trace#keepsLayers()}
     * @return ½‖N(z) − y‖², the squares summed in double
     */
    public double lossGradient(FloatVec z, FloatVec y, FloatVec grad, Trace trace) {
        checkTrace(trace);
        if (!trace.keepsLayers) {
            throw new IllegalArgumentException("trace: backpropagation needs a trace created with keepLayers = true");
        }
        checkLength("y", y, outputSize(), "the network's output size n_L");
        checkLength("grad", grad, widths[0], "the network's input size n_0");
        FloatVec x = forward(z, trace);
        double loss = 0.5 * Fused.maskedResidual(x, y, null, trace.delta[layers.length]); // δ_L = x − y
        backpropagate(trace, grad);
        return loss;
    }

    /** With δ_L (before σ_L′) in trace.delta[L]: the chain rule down to out = W_1ᵀ δ_1. */
    private void backpropagate(Trace trace, FloatVec out) {
        for (int l = layers.length; l >= 1; l--) {
            Layer layer = layers[l - 1];
            FloatVec d = trace.delta[l];
            Activations.multiplyByDerivative(layer.activation(), trace.out[l], d);
            layer.adjoint(d, l == 1 ? out : trace.delta[l - 1], trace.scratch[l]);
        }
    }

    private void checkTrace(Trace trace) {
        Objects.requireNonNull(trace, "trace");
        if (trace.network != this) {
            throw new IllegalArgumentException("trace: belongs to another network (" + trace.network + "), not " + this);
        }
    }

    private void checkTrace(BatchTrace trace) {
        Objects.requireNonNull(trace, "trace");
        if (trace.network != this) {
            throw new IllegalArgumentException("trace: belongs to another network (" + trace.network + "), not " + this);
        }
    }

    private void checkBackprop(Trace trace) {
        checkTrace(trace);
        if (!trace.keepsLayers) {
            throw new IllegalArgumentException("trace: backpropagation needs a trace created with keepLayers = true");
        }
        if (!trace.filled) {
            throw new IllegalStateException("trace: no forward pass has been run with it yet");
        }
    }

    private static void checkLength(String name, FloatVec v, int expected, String because) {
        Objects.requireNonNull(v, name);
        if (v.length() != expected) {
            throw new IllegalArgumentException(name + ": expected length " + expected + " (" + because + "), got " + v.length());
        }
    }

    /** dst ← src row by row, without making row views. Shapes are equal (checked by callers). */
    private static void copyRows(FloatMatrix src, FloatMatrix dst) {
        long bytes = (long) src.cols() * Float.BYTES;
        for (int s = 0; s < src.rows(); s++) {
            MemorySegment.copy(src.segment(), src.rowOffset(s), dst.segment(), dst.rowOffset(s), bytes);
        }
    }

    /** E.g. {@code "100 -relu-> 200 -tanh-> 625"}. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder().append(widths[0]);
        for (int l = 1; l <= layers.length; l++) {
            sb.append(" -").append(layers[l - 1].activation().name()).append("-> ").append(widths[l]);
        }
        return sb.toString();
    }
}
