package dev.netinvert.solvers.io;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.network.Activations;
import dev.netinvert.solvers.network.DenseLayer;
import dev.netinvert.solvers.lifted.ResidualNetwork;
import dev.netinvert.solvers.network.Network;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
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
 *      "activation": "relu"}               optional, default "identity"; see below
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
 * <p>Loading validates everything before returning: shapes chain (layer l's weight has as many columns as
 * layer l − 1 has rows), biases match, weights and biases are finite unless {@link LoadOptions} allows
 * otherwise. Float32 tensors are memory-mapped and used in place (see {@link Npy}, {@link Safetensors}),
 * so the network's memory is the caller's arena; the files must not be modified while it is open.
 */
public final class ModelFiles {
    private ModelFiles() {}

    /** Descriptions are small; this bounds what a corrupt or wrong file can make us read. */
    static final long MAX_DESCRIPTION_BYTES = 16L << 20;

    private static final Set<String> TOP_KEYS = Set.of("version", "tensors", "metadata", "layers");
    private static final Set<String> LAYER_KEYS = Set.of("kind", "weight", "bias", "activation");
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
        List<DenseLayer> layers = new ArrayList<>();
        for (int i = 0; i < layerList.size(); i++) {
            String where = "layers[" + i + "]";
            if (!(layerList.get(i) instanceof Map<?, ?> layer)) {
                throw new FileFormatException(description, null, where + ": expected an object, got " + layerList.get(i));
            }
            for (Object key : layer.keySet()) {
                if (!LAYER_KEYS.contains(key)) {
                    throw new FileFormatException(description, null, where + ": unexpected key \"" + key
                            + "\" (expected " + LAYER_KEYS + ")");
                }
            }
            if (residual(description, where, layer)) {
                throw new FileFormatException(description, null, where + ": a residual block (\"kind\": \"residual\"); a "
                        + "model of residual blocks is loaded with ModelFiles.loadResidual (command resnet-invert --model)");
            }
            if (!(layer.get("weight") instanceof String weightRef)) {
                throw new FileFormatException(description, null, where + ".weight: expected a tensor name or .npy path, got "
                        + layer.get("weight"));
            }
            Activation sigma = parseActivation(description, where + ".activation", layer.get("activation"));
            Tensor w = resolve(description, dir, tensors, weightRef, where + ".weight", arena);
            if (w.rank() != 2 || w.dim(0) < 1 || w.dim(1) < 1) {
                throw new FileFormatException(description, weightRef, where + ".weight: expected a 2-D weight of shape "
                        + "[outputs, inputs] with both >= 1, got shape " + Arrays.toString(w.shape()));
            }
            if (!layers.isEmpty() && w.dim(1) != layers.getLast().outputs()) {
                int prev = layers.getLast().outputs();
                throw new FileFormatException(description, weightRef, where + " (layer " + (i + 1) + "): weight is "
                        + w.dim(0) + "×" + w.dim(1) + " but layer " + i + " outputs " + prev + " values; expected "
                        + w.dim(0) + "×" + prev + " (outputs × inputs)");
            }
            checkFinite(description, weightRef, where + ".weight", w, options);
            FloatVec b = bias(description, dir, tensors, layer, where, w.dim(0), arena, options);
            FloatVec wd = w.data();
            layers.add(new DenseLayer(FloatMatrix.wrap(wd.segment(), wd.byteOffset(), w.dim(0), w.dim(1)), b, sigma));
        }
        return Network.of(layers);
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

    /** Whether a layer is a residual block: "kind" absent or "dense" → false, "residual" → true, else an error. */
    private static boolean residual(Path description, String where, Map<?, ?> layer) throws FileFormatException {
        Object kind = layer.get("kind");
        if (kind == null || "dense".equals(kind)) {
            return false;
        }
        if ("residual".equals(kind)) {
            return true;
        }
        throw new FileFormatException(description, null, where + ".kind: expected \"dense\" (the default) or \"residual\", got "
                + kind);
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
        try (Arena arena = Arena.ofConfined()) {
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
                if (!residual(description, where, layer)) {
                    throw new FileFormatException(description, null, where + ": expected \"kind\": \"residual\" (a residual model "
                            + "has residual blocks only; dense layers load with ModelFiles.load)");
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
        try (Arena scratch = Arena.ofConfined()) {
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
        try (Arena scratch = Arena.ofConfined()) {
            List<Tensor> tensors = new ArrayList<>();
            List<Object> layers = new ArrayList<>();
            for (int l = 1; l <= network.depth(); l++) {
                DenseLayer layer = network.dense(l);
                String wName = "layer" + l + ".weight";
                tensors.add(Tensor.of(wName, contiguous(layer.weight(), scratch)));
                Map<String, Object> entry = new LinkedHashMap<>();
                entry.put("weight", wName);
                if (layer.bias() != null) {
                    String bName = "layer" + l + ".bias";
                    tensors.add(Tensor.of(bName, layer.bias()));
                    entry.put("bias", bName);
                }
                entry.put("activation", describeActivation(layer.activation()));
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
        for (int i = 0; i < m.rows(); i++) {
            MemorySegment.copy(m.segment(), m.rowOffset(i), c.segment(), c.rowOffset(i), 4L * m.cols());
        }
        return c;
    }
}
