package dev.netinvert.solvers.io;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.network.Activations;
import dev.netinvert.kernels.ConvShape;
import dev.netinvert.kernels.PoolShape;
import dev.netinvert.solvers.network.ConvLayer;
import dev.netinvert.solvers.network.ConvTransposeLayer;
import dev.netinvert.solvers.network.DenseLayer;
import dev.netinvert.solvers.network.Layer;
import dev.netinvert.solvers.network.PoolLayer;
import dev.netinvert.solvers.lifted.ResidualNetwork;
import dev.netinvert.solvers.network.Network;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Trained (or random) networks on disk: a small JSON <em>model description</em> naming, layer by layer,
 * the weight and bias tensors and the activation, with the tensors in one safetensors file and/or in
 * separate .npy files. The schema (documented with an export snippet in {@code solvers/MODEL-FORMAT.md}):
 * <pre>
 * {
 *   "version": 1,                          optional; 1 is the only version so far
 *   "tensors": "model.safetensors",        optional; relative to this file's folder, or absolute
 *   "metadata": { ... },                   optional; any JSON, ignored
 *   "layers": [                            input to output, at least one
 *     {"weight": NAME_OR_PATH,             W, outputs × inputs (PyTorch nn.Linear.weight)
 *      "bias": NAME_OR_PATH,               optional (absent or null: no bias)
 *      "activation": "relu"},              optional, default "identity"; see below
 *     {"kind": "conv2d", "weight": ..., "input": [C, H, W], "stride": 2, "padding": 1, ...},
 *     {"kind": "conv_transpose2d", ..., "output_padding": 0}, {"kind": "max_pool2d", "kernel_size": 2},
 *     {"kind": "avg_pool2d", ...}, {"kind": "flatten"}
 *   ]
 * }
 * </pre>
 * A reference ending in {@code .npy} (any case) is a path to an .npy file, relative to the description's
 * folder or absolute; anything else is the name of a tensor in the {@code "tensors"} file. Activations are
 * {@code "identity"}, {@code "relu"}, {@code "tanh"}, {@code "sigmoid"}, {@code "clip"} (hard-tanh to
 * [−1, 1]), or objects {@code {"type": "leaky_relu", "slope": 0.1}},
 * {@code {"type": "soft_threshold", "lambda": 0.1}} (and {@code {"type": "relu"}} etc.). Unknown keys are
 * rejected, so a misspelt {@code "activaton"} is an error rather than a silent identity.
 *
 * <p>Image layers follow PyTorch's modules and argument names ({@code nn.Conv2d}, {@code nn.ConvTranspose2d},
 * {@code nn.MaxPool2d}, {@code nn.AvgPool2d}); their weights keep PyTorch's layouts, {@code "input"} is required for
 * the first layer and after a dense one, and {@code "flatten"} is a no-op (solvers/MODEL-FORMAT.md has the table).
 *
 * <p>Loading validates everything before returning: shapes chain (layer l takes as many values as layer l − 1
 * gives, and the same image where both sides are images), biases match, weights and biases are finite unless {@link LoadOptions} allows
 * otherwise. Float32 tensors are memory-mapped and used in place (see {@link Npy}, {@link Safetensors}),
 * so the network's memory is the caller's arena; the files must not be modified while it is open. The exception
 * is a dense weight whose rows do not start on 64-byte lines, or whose row stride makes its rows alias in L1, and
 * which is at most {@link LoadOptions#alignedCopyLimit} bytes: it is copied once into the kernels' layout
 * ({@link #weightForKernels}).
 */
public final class ModelFiles {
    private ModelFiles() {}

    /** Descriptions are small; this bounds what a corrupt or wrong file can make us read. */
    static final long MAX_DESCRIPTION_BYTES = 16L << 20;

    private static final Set<String> TOP_KEYS = Set.of("version", "tensors", "metadata", "layers");
    private static final Set<String> LAYER_KEYS = Set.of("kind", "weight", "bias", "activation");
    /** The keys each kind of layer entry may have (the PyTorch module's argument names). */
    private static final Map<String, Set<String>> KEYS_BY_KIND = Map.of(
            "dense", LAYER_KEYS,
            "conv2d", Set.of("kind", "weight", "bias", "activation", "input", "stride", "padding"),
            "conv_transpose2d", Set.of("kind", "weight", "bias", "activation", "input", "stride", "padding", "output_padding"),
            "max_pool2d", Set.of("kind", "activation", "input", "kernel_size", "stride", "padding"),
            "avg_pool2d", Set.of("kind", "activation", "input", "kernel_size", "stride", "padding"),
            "flatten", Set.of("kind"));
    private static final String ACTIVATION_NAMES =
            "identity, relu, tanh, sigmoid, clip, {\"type\": \"leaky_relu\", \"slope\": c}, {\"type\": \"soft_threshold\", \"lambda\": λ}";

    /** {@link #load(Path, Arena, LoadOptions)} with {@link LoadOptions#STRICT}. */
    public static Network load(Path description, Arena arena) throws IOException {
        return load(description, arena, LoadOptions.STRICT);
    }

    /**
     * Loads the network a model description names.
     *
     * @param description the JSON file
     * @param arena       owns the mappings and any converted tensors; the network is valid while it is alive
     * @throws FileFormatException naming the file and tensor at fault, with expected and actual values
     */
    public static Network load(Path description, Arena arena, LoadOptions options) throws IOException {
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(arena, "arena");
        Objects.requireNonNull(options, "options");
        Map<String, Object> json = readJson(description);
        for (String key : json.keySet()) {
            if (!TOP_KEYS.contains(key)) {
                throw new FileFormatException(description, null, "unexpected key \"" + key + "\" (expected " + TOP_KEYS + ")");
            }
        }
        Object version = json.get("version");
        if (version != null && !(version instanceof Integer v && v == 1)) {
            throw new FileFormatException(description, null, "\"version\": expected 1, got " + version);
        }
        Path dir = description.toAbsolutePath().getParent();
        SafetensorsFile tensors = null;
        Object tensorsRef = json.get("tensors");
        if (tensorsRef != null) {
            if (!(tensorsRef instanceof String s)) {
                throw new FileFormatException(description, null, "\"tensors\": expected a file name, got " + tensorsRef);
            }
            Path p = dir.resolve(s);
            if (!Files.isRegularFile(p)) {
                throw new FileFormatException(description, null, "\"tensors\": file not found: " + p);
            }
            tensors = Safetensors.open(p, arena);
        }
        if (!(json.get("layers") instanceof List<?> layerList) || layerList.isEmpty()) {
            throw new FileFormatException(description, null, "\"layers\": expected a non-empty list of layers, got "
                    + json.get("layers"));
        }
        List<Layer> layers = new ArrayList<>();
        for (int i = 0; i < layerList.size(); i++) {
            String where = "layers[" + i + "]";
            if (!(layerList.get(i) instanceof Map<?, ?> layer)) {
                throw new FileFormatException(description, null, where + ": expected an object, got " + layerList.get(i));
            }
            String kind = kind(description, where, layer);
            Set<String> allowed = KEYS_BY_KIND.get(kind);
            for (Object key : layer.keySet()) {
                if (!allowed.contains(key)) {
                    throw new FileFormatException(description, null, where + ": unexpected key \"" + key + "\" for a "
                            + kind + " layer (expected " + allowed + ")");
                }
            }
            if (kind.equals("flatten")) {
                if (layers.isEmpty()) {
                    throw new FileFormatException(description, null, where + ": a flatten entry needs a layer before it");
                }
                continue; // images are stored flat: flatten is a no-op, documented in the file for its reader
            }
            Activation sigma = parseActivation(description, where + ".activation", layer.get("activation"));
            Layer made = switch (kind) {
                case "conv2d", "conv_transpose2d" -> convolution(description, dir, tensors, layer, where, kind, sigma,
                        inputShape(description, where, layer, layers), arena, options);
                case "max_pool2d", "avg_pool2d" -> pooling(description, layer, where, kind, sigma,
                        inputShape(description, where, layer, layers));
                default -> dense(description, dir, tensors, layer, where, i, sigma, layers, arena, options);
            };
            layers.add(made);
        }
        try {
            return Network.of(layers);
        } catch (IllegalArgumentException e) { // layers that do not chain: the message names the layer
            throw new FileFormatException(description, null, e.getMessage() + " (layer l is layers[l − 1], flatten entries"
                    + " not counted)");
        }
    }

    private static DenseLayer dense(Path description, Path dir, SafetensorsFile tensors, Map<?, ?> layer, String where,
                                    int i, Activation sigma, List<Layer> layers, Arena arena, LoadOptions options)
            throws IOException {
        if (!(layer.get("weight") instanceof String weightRef)) {
            throw new FileFormatException(description, null, where + ".weight: expected a tensor name or .npy path, got "
                    + layer.get("weight"));
        }
        Tensor w = resolve(description, dir, tensors, weightRef, where + ".weight", arena);
        if (w.rank() != 2 || w.dim(0) < 1 || w.dim(1) < 1) {
            throw new FileFormatException(description, weightRef, where + ".weight: expected a 2-D weight of shape "
                    + "[outputs, inputs] with both >= 1, got shape " + Arrays.toString(w.shape()));
        }
        if (!layers.isEmpty() && w.dim(1) != layers.getLast().outputs()) {
            int prev = layers.getLast().outputs();
            throw new FileFormatException(description, weightRef, where + " (layer " + (layers.size() + 1) + "): weight is "
                    + w.dim(0) + "×" + w.dim(1) + " but layer " + layers.size() + " outputs " + prev + " values; expected "
                    + w.dim(0) + "×" + prev + " (outputs × inputs)");
        }
        checkFinite(description, weightRef, where + ".weight", w, options);
        FloatVec b = bias(description, dir, tensors, layer, where, w.dim(0), arena, options);
        return new DenseLayer(weightForKernels(w.asMatrix(), arena, options), b, sigma);
    }

    /**
     * A loaded dense weight as the kernels should see it: {@code w} itself when its rows start on 64-byte lines
     * ({@link FloatMatrix#rowsAligned}) at a stride that keeps them in different sets of L1
     * ({@link FloatMatrix#rowsStaggered}), or when it is larger than {@link LoadOptions#alignedCopyLimit}; else a
     * copy in {@code arena} in the layout of {@link FloatMatrix#allocatePadded}. A file's rows are off the lines when
     * the row length is not a multiple of 16 floats (a 100-column .npy: 400-byte rows) or the tensor starts off one
     * (a safetensors header of any length); they alias in L1 when the row length is a multiple of 512 floats (the
     * circle's 512 × 4096 W: 16 KiB rows, whose fused gradient takes 12 % longer at 512 bits that way). The
     * kernels' results do not depend on the layout, only their speed does, so the copy keeps a model loaded from
     * files as fast as the same model built in memory (issue 10's file-loaded path), while weights above the limit
     * keep the zero-copy mapping.
     */
    public static FloatMatrix weightForKernels(FloatMatrix w, Arena arena, LoadOptions options) {
        if ((w.rowsAligned() && w.rowsStaggered()) || 4L * w.rows() * w.cols() > options.alignedCopyLimit()) {
            return w;
        }
        return w.copyPadded(arena);
    }

    /**
     * A conv2d ({@code nn.Conv2d.weight}: [C_out, C_in, k, k]) or conv_transpose2d ({@code nn.ConvTranspose2d.weight}:
     * [C_in, C_out, k, k]) layer; the weight's C_in must be the input image's channels.
     */
    private static Layer convolution(Path description, Path dir, SafetensorsFile tensors, Map<?, ?> layer, String where,
                                     String kind, Activation sigma, Layer.Shape in, Arena arena, LoadOptions options)
            throws IOException {
        if (!(layer.get("weight") instanceof String weightRef)) {
            throw new FileFormatException(description, null, where + ".weight: expected a tensor name or .npy path, got "
                    + layer.get("weight"));
        }
        boolean transposed = kind.equals("conv_transpose2d");
        Tensor w = resolve(description, dir, tensors, weightRef, where + ".weight", arena);
        String layout = transposed ? "[C_in, C_out, k, k] (nn.ConvTranspose2d.weight)" : "[C_out, C_in, k, k] (nn.Conv2d.weight)";
        if (w.rank() != 4 || w.dim(0) < 1 || w.dim(1) < 1 || w.dim(2) < 1 || w.dim(2) != w.dim(3)) {
            throw new FileFormatException(description, weightRef, where + ".weight: expected a 4-D weight " + layout
                    + " with a square kernel, got shape " + Arrays.toString(w.shape()));
        }
        int cIn = transposed ? w.dim(0) : w.dim(1), cOut = transposed ? w.dim(1) : w.dim(0), k = w.dim(2);
        if (cIn != in.channels()) {
            throw new FileFormatException(description, weightRef, where + ".weight: the input has " + in.channels()
                    + " channels (" + in + ") but the weight " + Arrays.toString(w.shape()) + " " + layout + " takes " + cIn);
        }
        int stride = intParam(description, where, layer, "stride", 1, 1);
        int padding = intParam(description, where, layer, "padding", 0, 0);
        checkFinite(description, weightRef, where + ".weight", w, options);
        FloatVec b = bias(description, dir, tensors, layer, where, cOut, arena, options);
        try {
            if (transposed) {
                int outputPadding = intParam(description, where, layer, "output_padding", 0, 0);
                return new ConvTransposeLayer(cIn, in.height(), in.width(), cOut, k, stride, padding, outputPadding,
                        w.data(), b, sigma);
            }
            return new ConvLayer(new ConvShape(cIn, in.height(), in.width(), cOut, k, stride, padding), w.data(), b, sigma);
        } catch (IllegalArgumentException e) {
            throw new FileFormatException(description, weightRef, where + ": " + e.getMessage());
        }
    }

    private static Layer pooling(Path description, Map<?, ?> layer, String where, String kind, Activation sigma,
                                 Layer.Shape in) throws FileFormatException {
        if (layer.get("kernel_size") == null) {
            throw new FileFormatException(description, null, where + ".kernel_size: required for " + kind);
        }
        int k = intParam(description, where, layer, "kernel_size", 0, 1);
        int stride = intParam(description, where, layer, "stride", k, 1); // PyTorch: stride defaults to kernel_size
        int padding = intParam(description, where, layer, "padding", 0, 0);
        try {
            return new PoolLayer(kind.equals("max_pool2d") ? PoolLayer.Kind.MAX : PoolLayer.Kind.AVERAGE,
                    new PoolShape(in.channels(), in.height(), in.width(), k, stride, padding), sigma);
        } catch (IllegalArgumentException e) {
            throw new FileFormatException(description, null, where + ": " + e.getMessage());
        }
    }

    /**
     * The image an image layer takes: its {@code "input": [C, H, W]} if given (required for the first layer and after
     * a dense layer, which gives a flat vector), else the previous layer's output image. When both exist they must agree.
     */
    private static Layer.Shape inputShape(Path description, String where, Map<?, ?> layer, List<Layer> layers)
            throws FileFormatException {
        Layer.Shape previous = layers.isEmpty() ? null : layers.getLast().outputShape();
        Object given = layer.get("input");
        if (given == null) {
            if (previous == null) {
                throw new FileFormatException(description, null, where + ".input: required here (" + (layers.isEmpty()
                        ? "the first layer" : "after a " + layers.getLast().kind() + " layer, which gives a flat vector")
                        + "): the input image as [C, H, W]");
            }
            return previous;
        }
        if (!(given instanceof List<?> dims) || dims.size() != 3 || !dims.stream().allMatch(d -> d instanceof Integer n && n >= 1)) {
            throw new FileFormatException(description, null, where + ".input: expected [C, H, W], three integers >= 1, got "
                    + given);
        }
        Layer.Shape shape = new Layer.Shape((Integer) dims.get(0), (Integer) dims.get(1), (Integer) dims.get(2));
        if (previous != null && !previous.equals(shape)) {
            throw new FileFormatException(description, null, where + ".input: " + shape + " but layer " + layers.size()
                    + " (" + layers.getLast().kind() + ") outputs " + previous);
        }
        if (!layers.isEmpty() && shape.size() != layers.getLast().outputs()) {
            throw new FileFormatException(description, null, where + ".input: " + shape + " has " + shape.size()
                    + " values but layer " + layers.size() + " (" + layers.getLast().kind() + ") outputs "
                    + layers.getLast().outputs());
        }
        return shape;
    }

    /** An integer parameter ≥ min, or {@code fallback} when absent. */
    private static int intParam(Path description, String where, Map<?, ?> layer, String key, int fallback, int min)
            throws FileFormatException {
        Object v = layer.get(key);
        if (v == null) {
            return fallback;
        }
        if (!(v instanceof Integer n) || n < min) {
            throw new FileFormatException(description, null, where + "." + key + ": expected an integer >= " + min
                    + ", got " + v);
        }
        return n;
    }

    /** A layer's optional bias: null when absent, else a 1-D tensor of {@code rows} finite values. */
    private static FloatVec bias(Path description, Path dir, SafetensorsFile tensors, Map<?, ?> layer, String where, int rows,
                                 Arena arena, LoadOptions options) throws IOException {
        Object biasRef = layer.get("bias");
        if (biasRef == null) {
            return null;
        }
        if (!(biasRef instanceof String ref)) {
            throw new FileFormatException(description, null, where + ".bias: expected a tensor name or .npy path, got " + biasRef);
        }
        Tensor bt = resolve(description, dir, tensors, ref, where + ".bias", arena);
        if (bt.rank() != 1 || bt.dim(0) != rows) {
            throw new FileFormatException(description, ref, where + ".bias: expected shape [" + rows
                    + "] (the weight's rows), got " + Arrays.toString(bt.shape()));
        }
        checkFinite(description, ref, where + ".bias", bt, options);
        return bt.data();
    }

    /** The layer's "kind" ("dense" when absent); a residual block is refused here, naming its loader. */
    private static String kind(Path description, String where, Map<?, ?> layer) throws FileFormatException {
        Object kind = layer.get("kind");
        if (kind == null) {
            return "dense";
        }
        if ("residual".equals(kind)) {
            throw new FileFormatException(description, null, where + ": a residual block (\"kind\": \"residual\"); a "
                    + "model of residual blocks is loaded with ModelFiles.loadResidual (command resnet-invert --model)");
        }
        if (!(kind instanceof String k) || !KEYS_BY_KIND.containsKey(k)) {
            throw new FileFormatException(description, null, where + ".kind: expected one of " + KEYS_BY_KIND.keySet()
                    + " (dense is the default) or \"residual\", got " + kind);
        }
        return k;
    }

    /**
     * Loads a residual network ({@link ResidualNetwork}, the tied blocks u ← u + Wᵀσ(Wu + b) of [001]) from a
     * model description whose every layer has {@code "kind": "residual"}: W is {@code h × n} (block width ×
     * state size, the same n for all blocks), b has h entries (optional: zero), and the activation is σ. The
     * tensors are validated as by {@link #load} and copied into the network's double arrays, so the network
     * does not depend on the files afterwards.
     *
     * @throws FileFormatException naming the file and layer at fault
     */
    public static ResidualNetwork loadResidual(Path description, LoadOptions options) throws IOException {
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(options, "options");
        Map<String, Object> json = readJson(description);
        for (String key : json.keySet()) {
            if (!TOP_KEYS.contains(key)) {
                throw new FileFormatException(description, null, "unexpected key \"" + key + "\" (expected " + TOP_KEYS + ")");
            }
        }
        Object version = json.get("version");
        if (version != null && !(version instanceof Integer v && v == 1)) {
            throw new FileFormatException(description, null, "\"version\": expected 1, got " + version);
        }
        Path dir = description.toAbsolutePath().getParent();
        if (!(json.get("layers") instanceof List<?> layerList) || layerList.isEmpty()) {
            throw new FileFormatException(description, null, "\"layers\": expected a non-empty list of residual blocks, got "
                    + json.get("layers"));
        }
        try (Arena arena = Arena.ofShared()) {
            SafetensorsFile tensors = null;
            if (json.get("tensors") != null) {
                if (!(json.get("tensors") instanceof String s)) {
                    throw new FileFormatException(description, null, "\"tensors\": expected a file name, got " + json.get("tensors"));
                }
                Path p = dir.resolve(s);
                if (!Files.isRegularFile(p)) {
                    throw new FileFormatException(description, null, "\"tensors\": file not found: " + p);
                }
                tensors = Safetensors.open(p, arena);
            }
            int l = layerList.size(), n = -1;
            double[][][] w = new double[l][][];
            double[][] b = new double[l][];
            Activation[] sigma = new Activation[l];
            for (int k = 0; k < l; k++) {
                String where = "layers[" + k + "]";
                if (!(layerList.get(k) instanceof Map<?, ?> layer)) {
                    throw new FileFormatException(description, null, where + ": expected an object, got " + layerList.get(k));
                }
                for (Object key : layer.keySet()) {
                    if (!LAYER_KEYS.contains(key)) {
                        throw new FileFormatException(description, null, where + ": unexpected key \"" + key + "\" (expected "
                                + LAYER_KEYS + ")");
                    }
                }
                if (!"residual".equals(layer.get("kind"))) {
                    throw new FileFormatException(description, null, where + ": expected \"kind\": \"residual\", got "
                            + (layer.get("kind") == null ? "none (dense)" : "\"" + layer.get("kind") + "\"")
                            + " (a residual model has residual blocks only; other layers load with ModelFiles.load)");
                }
                if (!(layer.get("weight") instanceof String weightRef)) {
                    throw new FileFormatException(description, null, where + ".weight: expected a tensor name or .npy path, got "
                            + layer.get("weight"));
                }
                sigma[k] = parseActivation(description, where + ".activation", layer.get("activation"));
                Tensor t = resolve(description, dir, tensors, weightRef, where + ".weight", arena);
                if (t.rank() != 2 || t.dim(0) < 1 || t.dim(1) < 1) {
                    throw new FileFormatException(description, weightRef, where + ".weight: expected a 2-D weight of shape "
                            + "[width, state size] with both >= 1, got shape " + Arrays.toString(t.shape()));
                }
                if (n >= 0 && t.dim(1) != n) {
                    throw new FileFormatException(description, weightRef, where + ".weight: the blocks act on a state of size "
                            + n + " (layers[0]), so expected " + t.dim(0) + "×" + n + ", got " + t.dim(0) + "×" + t.dim(1));
                }
                n = t.dim(1);
                checkFinite(description, weightRef, where + ".weight", t, options);
                FloatMatrix m = t.asMatrix();
                w[k] = new double[m.rows()][m.cols()];
                for (int i = 0; i < m.rows(); i++) {
                    for (int j = 0; j < m.cols(); j++) {
                        w[k][i][j] = m.get(i, j);
                    }
                }
                FloatVec bv = bias(description, dir, tensors, layer, where, t.dim(0), arena, options);
                b[k] = new double[t.dim(0)];
                for (int i = 0; bv != null && i < b[k].length; i++) {
                    b[k][i] = bv.get(i);
                }
            }
            return new ResidualNetwork(w, b, sigma);
        }
    }

    /**
     * Saves a residual network as float32 tensors {@code block<k>.weight} / {@code block<k>.bias} in a
     * safetensors file plus a description with {@code "kind": "residual"} layers (both written atomically, the
     * tensors first). The network's doubles are rounded to float, the format's precision.
     */
    public static void saveResidual(ResidualNetwork network, Path description, String tensorsFileName) throws IOException {
        Objects.requireNonNull(network, "network");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(tensorsFileName, "tensorsFileName");
        if (tensorsFileName.isEmpty() || Path.of(tensorsFileName).getNameCount() != 1 || Path.of(tensorsFileName).isAbsolute()) {
            throw new IllegalArgumentException("tensorsFileName: expected a plain file name, got \"" + tensorsFileName + "\"");
        }
        Path dir = description.toAbsolutePath().getParent();
        try (Arena scratch = Arena.ofShared()) {
            List<Tensor> tensors = new ArrayList<>();
            List<Object> layers = new ArrayList<>();
            for (int k = 1; k <= network.blocks(); k++) {
                double[][] wk = network.weight(k);
                double[] bk = network.bias(k);
                FloatMatrix m = FloatMatrix.allocate(scratch, wk.length, network.size());
                FloatVec bv = FloatVec.allocate(scratch, bk.length);
                for (int i = 0; i < wk.length; i++) {
                    for (int j = 0; j < network.size(); j++) {
                        m.set(i, j, (float) wk[i][j]);
                    }
                    bv.set(i, (float) bk[i]);
                }
                tensors.add(Tensor.of("block" + k + ".weight", m));
                tensors.add(Tensor.of("block" + k + ".bias", bv));
                Map<String, Object> entry = new LinkedHashMap<>();
                entry.put("kind", "residual");
                entry.put("weight", "block" + k + ".weight");
                entry.put("bias", "block" + k + ".bias");
                entry.put("activation", describeActivation(network.activation(k)));
                layers.add(entry);
            }
            Safetensors.write(dir.resolve(tensorsFileName), tensors, Map.of("format", "netinvert-model"));
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("version", 1);
            json.put("tensors", tensorsFileName);
            json.put("layers", layers);
            writeJson(description, json);
        }
    }

    private static Map<String, Object> readJson(Path file) throws IOException {
        long size;
        try {
            size = Files.size(file);
        } catch (NoSuchFileException e) {
            throw new FileFormatException(file, null, "file not found", e);
        }
        if (size > MAX_DESCRIPTION_BYTES) {
            throw new FileFormatException(file, null, "a model description of " + size + " bytes exceeds the limit of "
                    + MAX_DESCRIPTION_BYTES + " bytes (tensors belong in .safetensors or .npy files)");
        }
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (CharacterCodingException e) {
            // Found by fuzzing: a MalformedInputException ("Input length = 4") escaped as a bare IOException.
            throw new FileFormatException(file, null, "not a UTF-8 text file (a model description is JSON in UTF-8): "
                    + e.getMessage(), e);
        }
        Map<String, Object> json;
        try {
            json = JSON.std.with(JSON.Feature.FAIL_ON_DUPLICATE_MAP_KEYS, JSON.Feature.PRESERVE_FIELD_ORDERING).mapFrom(text);
        } catch (IOException | RuntimeException e) {
            throw new FileFormatException(file, null, "not a valid JSON object: " + e.getMessage(), e);
        }
        if (json == null) {
            // Jackson jr maps the JSON literal null (and an empty file) to a null Map.
            throw new FileFormatException(file, null, "not a valid JSON object: expected {\"layers\": [...]}, got "
                    + (text.isBlank() ? "an empty file" : "null"));
        }
        return json;
    }

    private static Tensor resolve(Path description, Path dir, SafetensorsFile tensors, String ref, String where,
                                  Arena arena) throws IOException {
        if (ref.toLowerCase(Locale.ROOT).endsWith(".npy")) {
            Path p = dir.resolve(ref);
            if (!Files.isRegularFile(p)) {
                throw new FileFormatException(description, ref, where + ": .npy file not found: " + p);
            }
            return Npy.read(p, arena);
        }
        if (tensors == null) {
            throw new FileFormatException(description, ref, where + " names a tensor, but the description has no "
                    + "\"tensors\" file (add one, or give a path ending in .npy)");
        }
        if (!tensors.contains(ref)) {
            throw new FileFormatException(tensors.file(), ref, "named by " + where + " of " + description
                    + ", but there is no such tensor; the file holds " + tensors.listNames());
        }
        return tensors.tensor(ref);
    }

    private static void checkFinite(Path description, String ref, String where, Tensor t, LoadOptions options)
            throws FileFormatException {
        if (options.allowNonFinite()) {
            return;
        }
        Activations.Violations v = Checks.nonFinite(t.data());
        if (v.any()) {
            String at = t.rank() == 2
                    ? "[" + v.firstIndex() / t.dim(1) + ", " + v.firstIndex() % t.dim(1) + "]"
                    : "[" + v.firstIndex() + "]";
            throw new FileFormatException(description, ref, where + ": expected finite values, found " + v.count()
                    + " NaN/Inf; the first is element " + at + " = " + v.firstValue()
                    + " (LoadOptions.allowNonFinite accepts them)");
        }
    }

    /**
     * An activation from its JSON form (a name, or an object with "type" and parameters); null means
     * identity.
     */
    static Activation parseActivation(Path file, String where, Object spec) throws FileFormatException {
        if (spec == null) {
            return Activation.IDENTITY;
        }
        String type;
        Map<?, ?> params = Map.of();
        if (spec instanceof String s) {
            type = s;
        } else if (spec instanceof Map<?, ?> m && m.get("type") instanceof String s) {
            type = s;
            params = m;
        } else {
            throw new FileFormatException(file, null, where + ": expected a name or {\"type\": ...}, got " + spec);
        }
        try {
            return switch (type) {
                case "identity" -> noParams(file, where, type, params, Activation.IDENTITY);
                case "relu" -> noParams(file, where, type, params, Activation.RELU);
                case "tanh" -> noParams(file, where, type, params, Activation.TANH);
                case "sigmoid" -> noParams(file, where, type, params, Activation.SIGMOID);
                case "clip" -> noParams(file, where, type, params, Activation.CLIP);
                case "leaky_relu" -> Activation.leakyRelu(param(file, where, type, params, "slope"));
                case "soft_threshold" -> Activation.softThreshold(param(file, where, type, params, "lambda"));
                default -> throw new FileFormatException(file, null, where + ": unknown activation \"" + type
                        + "\" (expected " + ACTIVATION_NAMES + ")");
            };
        } catch (IllegalArgumentException e) {
            throw new FileFormatException(file, null, where + ": " + e.getMessage(), e);
        }
    }

    private static Activation noParams(Path file, String where, String type, Map<?, ?> params, Activation a)
            throws FileFormatException {
        for (Object k : params.keySet()) {
            if (!"type".equals(k)) {
                throw new FileFormatException(file, null, where + ": \"" + type + "\" takes no parameter, got \"" + k + "\"");
            }
        }
        return a;
    }

    private static float param(Path file, String where, String type, Map<?, ?> params, String name)
            throws FileFormatException {
        for (Object k : params.keySet()) {
            if (!"type".equals(k) && !name.equals(k)) {
                throw new FileFormatException(file, null, where + ": unexpected parameter \"" + k + "\" for \"" + type
                        + "\" (expected \"" + name + "\")");
            }
        }
        if (!(params.get(name) instanceof Number n)) {
            throw new FileFormatException(file, null, where + ": \"" + type + "\" needs a number \"" + name
                    + "\", e.g. {\"type\": \"" + type + "\", \"" + name + "\": 0.1}; got " + params.get(name));
        }
        return n.floatValue();
    }

    /** The JSON form of an activation: its name, or an object with its parameter. */
    static Object describeActivation(Activation a) {
        return switch (a) {
            case Activation.LeakyRelu l -> jsonObject("type", "leaky_relu", "slope", exactDecimal(l.slope()));
            case Activation.SoftThreshold s -> jsonObject("type", "soft_threshold", "lambda", exactDecimal(s.lambda()));
            case Activation.Identity _, Activation.Relu _, Activation.Tanh _, Activation.Sigmoid _, Activation.Clip _ -> a.name();
        };
    }

    private static Map<String, Object> jsonObject(String k1, Object v1, String k2, Object v2) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put(k1, v1);
        m.put(k2, v2);
        return m;
    }

    /**
     * The shortest decimal of a float if reading it back as a double and narrowing gives the same float
     * (nearly always), else the float's exact double value — so parameters round-trip bit for bit.
     */
    private static double exactDecimal(float f) {
        double shortest = Double.parseDouble(Float.toString(f));
        return (float) shortest == f ? shortest : (double) f;
    }

    /**
     * Saves a network as a safetensors file plus a model description. Tensors are named
     * {@code layer<l>.weight} and {@code layer<l>.bias}, l = 1..L; the tensors file is written first, so
     * the description never names a file that is not complete. Both writes are atomic.
     *
     * @param description     the JSON file to write
     * @param tensorsFileName the safetensors file's name, in the description's folder (e.g. "model.safetensors")
     */
    public static void save(Network network, Path description, String tensorsFileName) throws IOException {
        Objects.requireNonNull(network, "network");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(tensorsFileName, "tensorsFileName");
        if (tensorsFileName.isEmpty() || Path.of(tensorsFileName).getNameCount() != 1 || Path.of(tensorsFileName).isAbsolute()) {
            throw new IllegalArgumentException("tensorsFileName: expected a plain file name, got \"" + tensorsFileName + "\"");
        }
        Path dir = description.toAbsolutePath().getParent();
        try (Arena scratch = Arena.ofShared()) {
            List<Tensor> tensors = new ArrayList<>();
            List<Object> layers = new ArrayList<>();
            for (int l = 1; l <= network.depth(); l++) {
                layers.add(describe(network.layer(l), "layer" + l, tensors, scratch));
            }
            Safetensors.write(dir.resolve(tensorsFileName), tensors, Map.of("format", "netinvert-model"));
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("version", 1);
            json.put("tensors", tensorsFileName);
            json.put("layers", layers);
            writeJson(description, json);
        }
    }

    /**
     * Saves a network as one .npy file per tensor plus a model description, all in the description's
     * folder: {@code <stem>.layer<l>.weight.npy} and {@code <stem>.layer<l>.bias.npy}, where stem is the
     * description's file name without ".json". The .npy files are written before the description.
     */
    public static void saveAsNpy(Network network, Path description) throws IOException {
        Objects.requireNonNull(network, "network");
        Objects.requireNonNull(description, "description");
        Path dir = description.toAbsolutePath().getParent();
        String stem = description.getFileName().toString().replaceFirst("(?i)\\.json$", "");
        List<Object> layers = new ArrayList<>();
        for (int l = 1; l <= network.depth(); l++) {
            DenseLayer layer = network.dense(l);
            String wFile = stem + ".layer" + l + ".weight.npy";
            Npy.write(dir.resolve(wFile), layer.weight());
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("weight", wFile);
            if (layer.bias() != null) {
                String bFile = stem + ".layer" + l + ".bias.npy";
                Npy.write(dir.resolve(bFile), layer.bias());
                entry.put("bias", bFile);
            }
            entry.put("activation", describeActivation(layer.activation()));
            layers.add(entry);
        }
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("version", 1);
        json.put("layers", layers);
        writeJson(description, json);
    }

    /** A layer's model-file entry, with its tensors (named {@code prefix.weight}, {@code prefix.bias}) added to the list. */
    private static Map<String, Object> describe(Layer layer, String prefix, List<Tensor> tensors, Arena scratch) {
        Map<String, Object> entry = new LinkedHashMap<>();
        if (!(layer instanceof DenseLayer)) {
            entry.put("kind", layer.kind());
        }
        switch (layer) {
            case DenseLayer d -> {
                tensors.add(Tensor.of(prefix + ".weight", contiguous(d.weight(), scratch)));
                entry.put("weight", prefix + ".weight");
            }
            case ConvLayer c -> {
                ConvShape s = c.shape();
                tensors.add(new Tensor(prefix + ".weight", new int[] {s.outChannels(), s.inChannels(), s.kernel(), s.kernel()},
                        c.weight()));
                entry.put("weight", prefix + ".weight");
                entry.put("input", List.of(s.inChannels(), s.inHeight(), s.inWidth()));
                entry.put("stride", s.stride());
                entry.put("padding", s.padding());
            }
            case ConvTransposeLayer t -> {
                ConvShape s = t.convolution(); // the convolution it is the adjoint of: channels swapped
                tensors.add(new Tensor(prefix + ".weight", new int[] {s.outChannels(), s.inChannels(), s.kernel(), s.kernel()},
                        t.weight()));
                entry.put("weight", prefix + ".weight");
                entry.put("input", List.of(s.outChannels(), s.outHeight(), s.outWidth()));
                entry.put("stride", s.stride());
                entry.put("padding", s.padding());
                entry.put("output_padding", t.outputPadding());
            }
            case PoolLayer p -> {
                PoolShape s = p.shape();
                entry.put("input", List.of(s.channels(), s.inHeight(), s.inWidth()));
                entry.put("kernel_size", s.kernel());
                entry.put("stride", s.stride());
                entry.put("padding", s.padding());
            }
            default -> throw new IllegalArgumentException("layer " + prefix + ": cannot save a layer of kind " + layer.kind()
                    + " (" + layer.getClass().getName() + ")");
        }
        if (layer.bias() != null) {
            tensors.add(Tensor.of(prefix + ".bias", layer.bias()));
            entry.put("bias", prefix + ".bias");
        }
        entry.put("activation", describeActivation(layer.activation()));
        return entry;
    }

    private static void writeJson(Path file, Map<String, Object> json) throws IOException {
        String text = JSON.std.with(JSON.Feature.PRETTY_PRINT_OUTPUT).asString(json) + "\n";
        AtomicFiles.write(file, text.getBytes(StandardCharsets.UTF_8));
    }

    /** {@code m} itself if its rows are contiguous, else a contiguous copy in {@code scratch}. */
    private static FloatMatrix contiguous(FloatMatrix m, Arena scratch) {
        if (m.ld() == m.cols() || m.rows() <= 1) {
            return m.ld() == m.cols() ? m : FloatMatrix.wrap(m.segment(), m.byteOffset(), m.rows(), m.cols());
        }
        FloatMatrix c = FloatMatrix.allocate(scratch, m.rows(), m.cols());
        m.copyTo(c);
        return c;
    }
}
