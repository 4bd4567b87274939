package dev.netinvert.tests.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.jr.ob.JSON;
import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.io.FileFormatException;
import dev.netinvert.solvers.io.Idx;
import dev.netinvert.solvers.io.Images;
import dev.netinvert.solvers.io.LoadOptions;
import dev.netinvert.solvers.io.ModelFiles;
import dev.netinvert.solvers.io.Npy;
import dev.netinvert.solvers.io.ObservationFiles;
import dev.netinvert.solvers.io.Safetensors;
import dev.netinvert.solvers.io.SafetensorsFile;
import dev.netinvert.solvers.io.Tensor;
import dev.netinvert.solvers.network.DenseLayer;
import dev.netinvert.solvers.network.Network;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Timeout;

/**
 * Coverage-guided fuzz targets (Jazzer) for every reader of files from strangers: .npy, safetensors, the
 * model description with its tensors, PNG, observations, and IDX. Each target writes the fuzzer's bytes to a
 * file (on tmpfs where there is one), reads it as the library does, and checks the readers' contract:
 * either a result whose shape and values are those the bytes encode — recomputed here, independently of
 * the reader, from the raw bytes — or a {@link FileFormatException} with a message. Any other throwable
 * (an {@link IllegalArgumentException} too: bad bytes are the file's fault, not the caller's), an
 * {@link OutOfMemoryError}, a mapping larger than the file, or an
 * execution longer than {@value #TIMEOUT_SECONDS} s is a finding.
 *
 * <p>{@code mvn verify} runs each target in Jazzer's regression mode over its committed corpus,
 * {@code src/test/resources/dev/netinvert/tests/fuzz/ReaderFuzzTestInputs/<method>/}. Fuzzing, one target at
 * a time, is {@code JAZZER_FUZZ=1} with {@code -Dtest=ReaderFuzzTest#<method>} (see RELIABILITY.md); it stops
 * after {@value #EXECUTIONS} executions or {@value #MAX_DURATION}, whichever comes first.
 */
class ReaderFuzzTest {

    /** Executions per fuzzing run (ignored in regression mode). */
    static final long EXECUTIONS = 1_000_000;
    static final String MAX_DURATION = "3h";
    /** Per execution; Jazzer passes it to libFuzzer as {@code -timeout}. */
    static final long TIMEOUT_SECONDS = 20;

    private static final Path DIR = scratchDirectory();

    private static Path scratchDirectory() {
        try {
            Path shm = Path.of("/dev/shm");
            return Files.isDirectory(shm) && Files.isWritable(shm)
                    ? Files.createTempDirectory(shm, "netinvert-fuzz")
                    : Files.createTempDirectory("netinvert-fuzz");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @AfterAll
    static void deleteScratch() throws IOException {
        try (var files = Files.walk(DIR)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    // ------------------------------------------------------------------------------------------ targets

    @FuzzTest(maxExecutions = EXECUTIONS, maxDuration = MAX_DURATION)
    @Timeout(TIMEOUT_SECONDS)
    void npy(byte[] bytes) throws IOException {
        Path file = write("input.npy", bytes);
        try (Arena arena = Arena.ofConfined()) {
            Tensor t;
            try {
                t = Npy.read(file, arena);
            } catch (FileFormatException e) {
                assertRejected(e);
                return;
            }
            assertEquals("input.npy", t.name());
            NpyBytes expected = NpyBytes.decode(bytes);
            expected.assertSameAs(t.shape(), t.data(), "input.npy");
        }
    }

    @FuzzTest(maxExecutions = EXECUTIONS, maxDuration = MAX_DURATION)
    @Timeout(TIMEOUT_SECONDS)
    void safetensors(byte[] bytes) throws IOException {
        Path file = write("input.safetensors", bytes);
        try (Arena arena = Arena.ofConfined()) {
            SafetensorsFile st;
            try {
                st = Safetensors.open(file, arena);
            } catch (FileFormatException e) {
                assertRejected(e);
                return;
            }
            checkSafetensors(bytes, st);
        }
    }

    /**
     * The input is a model description followed, optionally, by the bytes of its tensor files, each after
     * a separator line: {@code \n#model.safetensors\n}, {@code \n#a.npy\n}, {@code \n#b.npy\n}. The
     * description may name tensors in {@code model.safetensors} or the .npy files (or anything else).
     */
    @FuzzTest(maxExecutions = EXECUTIONS, maxDuration = MAX_DURATION)
    @Timeout(TIMEOUT_SECONDS)
    void modelDescription(byte[] bytes) throws IOException {
        Path dir = DIR.resolve("model");
        Files.createDirectories(dir);
        Map<String, byte[]> parts = ModelInput.split(bytes);
        for (String name : ModelInput.FILES) {
            Path p = dir.resolve(name);
            if (parts.containsKey(name)) {
                Files.write(p, parts.get(name));
            } else {
                Files.deleteIfExists(p);
            }
        }
        Path description = dir.resolve(ModelInput.DESCRIPTION);
        try (Arena arena = Arena.ofConfined()) {
            Network net;
            try {
                net = ModelFiles.load(description, arena);
            } catch (FileFormatException e) {
                assertRejected(e);
                return;
            }
            checkModel(description, parts.get(ModelInput.DESCRIPTION), net);
        }
    }

    @FuzzTest(maxExecutions = EXECUTIONS, maxDuration = MAX_DURATION)
    @Timeout(TIMEOUT_SECONDS)
    void png(byte[] bytes) throws IOException {
        Path file = write("input.png", bytes);
        try (Arena arena = Arena.ofConfined()) {
            FloatMatrix image;
            try {
                image = Images.readGray(file, arena);
            } catch (FileFormatException e) {
                assertRejected(e);
                return;
            }
            checkImage(bytes, image);
        }
    }

    /**
     * The first byte chooses the network's last activation (bits 0-2), one observation or a batch (bit 3),
     * and the {@link LoadOptions} (bits 4 and 5); the rest is the .npy file.
     */
    @FuzzTest(maxExecutions = EXECUTIONS, maxDuration = MAX_DURATION)
    @Timeout(TIMEOUT_SECONDS)
    void observations(byte[] bytes) throws IOException {
        if (bytes.length == 0) {
            return;
        }
        int config = bytes[0] & 0xff;
        Activation last = OBSERVATION_ACTIVATIONS.get((config & 7) % OBSERVATION_ACTIVATIONS.size());
        boolean batch = (config & 8) != 0;
        LoadOptions options = new LoadOptions((config & 16) != 0, (config & 32) != 0);
        byte[] npy = Arrays.copyOfRange(bytes, 1, bytes.length);
        Path file = write("observation.npy", npy);
        try (Arena arena = Arena.ofConfined()) {
            Network net = Network.of(new DenseLayer(FloatMatrix.allocate(arena, OBSERVATION_SIZE, 2), null, last));
            int[] shape;
            FloatVec data;
            try {
                if (batch) {
                    FloatMatrix y = ObservationFiles.loadBatch(file, net, arena, options);
                    shape = new int[] {y.rows(), y.cols()};
                    assertEquals(y.cols(), y.ld(), "a batch read from a file is contiguous");
                    data = FloatVec.wrap(y.segment(), y.byteOffset(), y.rows() * y.cols());
                } else {
                    data = ObservationFiles.load(file, net, arena, options);
                    shape = new int[] {data.length()};
                }
            } catch (FileFormatException e) {
                assertRejected(e);
                return;
            }
            assertEquals(batch ? 2 : 1, shape.length);
            assertEquals(OBSERVATION_SIZE, shape[shape.length - 1], "observation size n_L");
            NpyBytes.decode(npy).assertSameAs(shape, data, "observation.npy");
            for (int i = 0; i < data.length(); i++) {
                float v = data.get(i);
                if (!options.allowNonFinite()) {
                    assertTrue(Float.isFinite(v), () -> "non-finite value accepted under " + options + ": " + v);
                }
                if (!options.allowOutsideDomain() && Float.isFinite(v)) {
                    assertTrue(inDomain(last, v), () -> v + " accepted outside the domain of " + last.name());
                }
            }
        }
    }

    /**
     * The IDX file, plain or gzipped, read whole as float32, then with a limit of half its items, then as labels:
     * the three reads accept and reject together (the labels read also rejects all but 1-D integer files), and
     * what they return is what the bytes hold.
     */
    @FuzzTest(maxExecutions = EXECUTIONS, maxDuration = MAX_DURATION)
    @Timeout(TIMEOUT_SECONDS)
    void idx(byte[] bytes) throws IOException {
        Path file = write("input.idx", bytes);
        try (Arena arena = Arena.ofConfined()) {
            Tensor t;
            try {
                t = Idx.read(file, arena);
            } catch (FileFormatException e) {
                assertRejected(e);
                try {
                    Idx.readLabels(file);
                    fail("readLabels accepted what read rejected: " + e.getMessage());
                } catch (FileFormatException x) {
                    assertRejected(x);
                }
                return;
            }
            assertEquals("input.idx", t.name());
            IdxBytes expected = IdxBytes.decode(bytes);
            expected.assertSameAs(t.shape(), t.data(), expected.shape.length == 0 ? 1 : Integer.MAX_VALUE);
            if (expected.shape.length > 0) {
                int half = expected.shape[0] / 2;
                Tensor h = Idx.read(file, arena, Idx.Options.DEFAULT.withLimit(half));
                expected.assertSameAs(h.shape(), h.data(), half);
            }
            boolean label = expected.shape.length == 1 && expected.code != 0x0D && expected.code != 0x0E;
            int[] labels;
            try {
                labels = Idx.readLabels(file);
            } catch (FileFormatException e) {
                assertRejected(e);
                assertFalse(label, () -> "a 1-D integer file rejected as labels: " + e.getMessage());
                return;
            }
            assertTrue(label, () -> "accepted as labels: shape " + Arrays.toString(expected.shape) + ", code " + expected.code);
            assertEquals(expected.shape[0], labels.length);
            for (int k = 0; k < labels.length; k++) {
                assertEquals(expected.integer(k), labels[k], "label " + k);
            }
        }
    }

    // ------------------------------------------------------------------------------------------ contract

    static final int OBSERVATION_SIZE = 3;
    static final List<Activation> OBSERVATION_ACTIVATIONS =
            List.of(Activation.IDENTITY, Activation.RELU, Activation.TANH, Activation.SIGMOID, Activation.CLIP);

    /** The ranges of the activations, written out here rather than taken from the library. */
    private static boolean inDomain(Activation sigma, float y) {
        return switch (sigma.name()) {
            case "relu" -> y >= 0;
            case "tanh", "clip" -> y >= -1 && y <= 1;
            case "sigmoid" -> y >= 0 && y <= 1;
            default -> true;
        };
    }

    /** A rejection is one of the two documented exceptions, with a message that says something. */
    static void assertRejected(Exception e) {
        assertNotNull(e.getMessage(), () -> "rejection without a message: " + e);
        assertFalse(e.getMessage().isBlank(), () -> "rejection with a blank message: " + e);
    }

    private static Path write(String name, byte[] bytes) throws IOException {
        return Files.write(DIR.resolve(name), bytes);
    }

    /** The header entries, the mapping and every readable tensor, against the bytes. */
    private static void checkSafetensors(byte[] bytes, SafetensorsFile st) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long n = b.getLong(0);
        assertTrue(n >= 2 && n <= bytes.length - 8, () -> "accepted header length " + n + " in a file of " + bytes.length);
        assertEquals(8 + n, st.dataStart());
        assertEquals(bytes.length, st.mapping().byteSize(), "the mapping is the file, no more, no less");
        long dataSize = bytes.length - 8 - n;
        Map<String, Object> json = JSON.std.mapFrom(Arrays.copyOfRange(bytes, 8, (int) (8 + n)));
        List<String> names = new ArrayList<>(json.keySet());
        names.remove("__metadata__");
        assertEquals(names, List.copyOf(st.names()), "tensor names in header order");
        List<long[]> ranges = new ArrayList<>();
        for (String name : names) {
            Safetensors.Entry e = st.entry(name);
            assertTrue(0 <= e.begin() && e.begin() <= e.end() && e.end() <= dataSize,
                    () -> name + ": range [" + e.begin() + ", " + e.end() + ") outside the data section of " + dataSize);
            ranges.add(new long[] {e.begin(), e.end()});
            int width = switch (e.dtype()) {
                case "F64" -> 8;
                case "F32" -> 4;
                case "F16", "BF16" -> 2;
                default -> 0;
            };
            long numel = 1;
            boolean big = false;
            for (long d : e.shape()) {
                assertTrue(d >= 0, () -> name + ": negative dimension accepted");
                big |= d > Integer.MAX_VALUE;
                numel = Math.multiplyExact(numel, d);
            }
            if (width == 0 || big || numel > Integer.MAX_VALUE) {
                try {
                    st.tensor(name);
                    fail(name + ": expected a rejection of dtype " + e.dtype() + ", shape " + Arrays.toString(e.shape()));
                } catch (FileFormatException x) {
                    assertRejected(x);
                }
                continue;
            }
            assertEquals(numel * width, e.end() - e.begin(), () -> name + ": bytes for shape " + Arrays.toString(e.shape()));
            Tensor t = st.tensor(name);
            assertEquals(numel, t.data().length());
            assertEquals(e.shape().length, t.rank());
            long at = 8 + n + e.begin();
            for (int i = 0; i < numel; i++) {
                int expected = switch (width) {
                    case 4 -> b.getInt((int) (at + 4L * i));
                    case 8 -> Float.floatToIntBits((float) b.getDouble((int) (at + 8L * i)));
                    default -> {
                        int h = b.getShort((int) (at + 2L * i)) & 0xffff;
                        yield e.dtype().equals("BF16") ? h << 16 : Float.floatToIntBits(half(h));
                    }
                };
                int actual = Float.floatToRawIntBits(t.data().get(i));
                if (width != 4 && !e.dtype().equals("BF16")) {
                    actual = Float.floatToIntBits(t.data().get(i));
                }
                if (expected != actual) {
                    fail(name + "[" + i + "]: expected bits " + Integer.toHexString(expected) + ", got " + Integer.toHexString(actual));
                }
            }
        }
        ranges.sort(Comparator.comparingLong((long[] r) -> r[0]).thenComparingLong(r -> r[1]));
        long covered = 0;
        for (long[] r : ranges) {
            assertEquals(covered, r[0], "tensors tile the data section");
            covered = r[1];
        }
        assertEquals(dataSize, covered, "tensors cover the data section");
    }

    /** IEEE 754 binary16 to float, from the bit fields (not through {@link Float#float16ToFloat}). */
    static float half(int h) {
        float sign = (h >>> 15) != 0 ? -1f : 1f;
        int exp = (h >>> 10) & 0x1f;
        int frac = h & 0x3ff;
        if (exp == 0x1f) {
            return frac == 0 ? sign * Float.POSITIVE_INFINITY : Float.NaN;
        }
        if (exp == 0) {
            return sign * (frac * 0x1p-24f);
        }
        return sign * (1 + frac / 1024f) * (float) Math.pow(2, exp - 15);
    }

    /** Shapes chain, biases fit, values are finite and those of the tensors the description names. */
    private static void checkModel(Path description, byte[] jsonBytes, Network net) throws IOException {
        Map<String, Object> json = JSON.std.mapFrom(jsonBytes);
        List<?> layers = (List<?>) json.get("layers");
        assertEquals(layers.size(), net.depth(), "one network layer per description layer");
        Path dir = description.toAbsolutePath().getParent();
        try (Arena arena = Arena.ofConfined()) {
            SafetensorsFile tensors = json.get("tensors") instanceof String s ? Safetensors.open(dir.resolve(s), arena) : null;
            for (int l = 1; l <= net.depth(); l++) {
                DenseLayer layer = net.dense(l);
                Map<?, ?> spec = (Map<?, ?>) layers.get(l - 1);
                assertTrue(layer.outputs() >= 1 && layer.inputs() >= 1, "layer " + l + " is at least 1×1");
                if (l > 1) {
                    assertEquals(net.dense(l - 1).outputs(), layer.inputs(), "layer " + l + "'s inputs are layer " + (l - 1) + "'s outputs");
                }
                Tensor w = resolve(dir, tensors, (String) spec.get("weight"), arena);
                assertEquals(List.of(layer.outputs(), layer.inputs()), List.of(w.dim(0), w.dim(1)), "layer " + l + " weight shape");
                FloatMatrix wm = layer.weight();
                for (int i = 0; i < wm.rows(); i++) {
                    for (int j = 0; j < wm.cols(); j++) {
                        float v = wm.get(i, j);
                        assertTrue(Float.isFinite(v), "finite weights under LoadOptions.STRICT");
                        assertEquals(Float.floatToRawIntBits(w.data().get(i * wm.cols() + j)), Float.floatToRawIntBits(v));
                    }
                }
                Object biasRef = spec.get("bias");
                if (biasRef == null) {
                    assertNull(layer.bias(), "no bias in the description, none in the layer");
                } else {
                    Tensor bt = resolve(dir, tensors, (String) biasRef, arena);
                    FloatVec bias = layer.bias();
                    assertEquals(layer.outputs(), bias.length(), "bias length");
                    for (int i = 0; i < bias.length(); i++) {
                        assertTrue(Float.isFinite(bias.get(i)), "finite biases under LoadOptions.STRICT");
                        assertEquals(Float.floatToRawIntBits(bt.data().get(i)), Float.floatToRawIntBits(bias.get(i)));
                    }
                }
                Object act = spec.get("activation");
                String expected = act == null ? "identity" : act instanceof String s ? s : (String) ((Map<?, ?>) act).get("type");
                assertEquals(expected, layer.activation().name(), "layer " + l + " activation");
            }
        }
    }

    private static Tensor resolve(Path dir, SafetensorsFile tensors, String ref, Arena arena) throws IOException {
        return ref.toLowerCase(Locale.ROOT).endsWith(".npy") ? Npy.read(dir.resolve(ref), arena) : tensors.tensor(ref);
    }

    /** Sizes from the PNG header (when the bytes are a PNG), values on the grid of the bit depth. */
    private static void checkImage(byte[] bytes, FloatMatrix image) {
        int h = image.rows(), w = image.cols();
        assertTrue(h >= 1 && w >= 1 && (long) h * w <= Images.MAX_PIXELS, () -> "image of " + h + "×" + w);
        double scale = 255;
        if (isPng(bytes)) {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            assertEquals(b.getInt(16), w, "width from IHDR");
            assertEquals(b.getInt(20), h, "height from IHDR");
            int depth = bytes[24] & 0xff, colorType = bytes[25] & 0xff;
            scale = colorType == 3 ? 255 : (1 << depth) - 1;
        }
        for (int i = 0; i < h; i++) {
            for (int j = 0; j < w; j++) {
                float v = image.get(i, j);
                assertTrue(v >= 0 && v <= 1, "pixel in [0, 1]");
                double k = v * scale;
                if (isPng(bytes)) {
                    assertEquals(Math.rint(k), k, 1e-3 * Math.max(1, scale / 255), "pixel on the grid k / " + scale);
                }
            }
        }
    }

    private static boolean isPng(byte[] bytes) {
        byte[] sig = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
        return bytes.length >= 26 && Arrays.equals(bytes, 0, 8, sig, 0, 8);
    }

    // ------------------------------------------------------------------------------------------ .npy, again

    /**
     * An .npy file decoded here, from its bytes, without the library: the preamble, the three keys of the
     * header dictionary found by pattern, and the elements in C order (Fortran order transposed by index
     * arithmetic). Only used on files the reader accepted.
     */
    record NpyBytes(long[] shape, int itemSize, boolean fortran, byte[] bytes, int dataOffset) {
        private static final String WS = "\\p{javaWhitespace}*";
        private static final Pattern DESCR = Pattern.compile("(['\"])descr\\1" + WS + ":" + WS + "(['\"])([^'\"]*)\\2");
        private static final Pattern FORTRAN = Pattern.compile("(['\"])fortran_order\\1" + WS + ":" + WS + "(True|False)");
        private static final Pattern SHAPE = Pattern.compile("(['\"])shape\\1" + WS + ":" + WS + "\\(([^)]*)\\)");

        static NpyBytes decode(byte[] bytes) {
            ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            int major = bytes[6];
            int prefix = major == 1 ? 10 : 12;
            long headerLen = major == 1 ? b.getShort(8) & 0xffff : b.getInt(8) & 0xffff_ffffL;
            String header = new String(bytes, prefix, (int) headerLen,
                    major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
            String descr = last(DESCR, header, 3);
            String fortran = last(FORTRAN, header, 2);
            String[] dims = last(SHAPE, header, 2).split(",");
            long[] shape = Arrays.stream(dims).map(String::strip).filter(s -> !s.isEmpty())
                    .mapToLong(s -> Long.parseLong(s.endsWith("L") ? s.substring(0, s.length() - 1) : s)).toArray();
            int itemSize = switch (descr) {
                case "<f4" -> 4;
                case "<f8" -> 8;
                default -> throw new AssertionError("accepted dtype " + descr);
            };
            return new NpyBytes(shape, itemSize, fortran.equals("True"), bytes, (int) (prefix + headerLen));
        }

        private static String last(Pattern p, String text, int group) {
            Matcher m = p.matcher(text);
            String found = null;
            while (m.find()) {
                found = m.group(group);
            }
            if (found == null) {
                throw new AssertionError("accepted a header without " + p + ": " + text);
            }
            return found;
        }

        /** {@code shape} and {@code data} are this file's: same dimensions, the data section exactly, same values. */
        void assertSameAs(int[] actualShape, FloatVec data, String what) {
            assertEquals(Arrays.toString(shape), Arrays.toString(actualShape), what + ": shape");
            long numel = 1;
            for (long d : shape) {
                numel *= d;
            }
            assertEquals(bytes.length - dataOffset, numel * itemSize, what + ": shape × item size = data bytes after the header");
            assertEquals(numel, data.length(), what + ": element count");
            MemorySegment s = data.segment();
            assertTrue(data.byteOffset() + 4 * numel <= s.byteSize(), what + ": data within its segment");
            if (s.isMapped() || s.isReadOnly()) {
                assertTrue(s.byteSize() <= bytes.length - dataOffset, () -> what + ": mapping of " + s.byteSize()
                        + " bytes, larger than the " + (bytes.length - dataOffset) + " bytes of data in the file");
            }
            ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            int rank = shape.length;
            int[] idx = new int[rank];
            for (int k = 0; k < numel; k++) {
                // C index k → multi-index (last fastest) → element offset in the file's order.
                long rem = k, offset = 0;
                for (int d = rank - 1; d >= 0; d--) {
                    idx[d] = (int) (rem % shape[d]);
                    rem /= shape[d];
                }
                if (fortran && rank >= 2) {
                    long stride = 1;
                    for (int d = 0; d < rank; d++) {
                        offset += idx[d] * stride;
                        stride *= shape[d];
                    }
                } else {
                    offset = k;
                }
                int at = (int) (dataOffset + offset * itemSize);
                int expected = itemSize == 4 ? b.getInt(at) : Float.floatToIntBits((float) b.getDouble(at));
                int actual = itemSize == 4 ? Float.floatToRawIntBits(data.get(k)) : Float.floatToIntBits(data.get(k));
                if (expected != actual) {
                    fail(what + ": element " + k + ": expected bits " + Integer.toHexString(expected) + ", got "
                            + Integer.toHexString(actual));
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------------ IDX, again

    /**
     * An IDX file decoded here from its bytes (gunzipped with the JDK first if they start 0x1f 0x8b): the
     * header fields by position and the big-endian elements. Only used on files the reader accepted.
     */
    record IdxBytes(int code, int[] shape, ByteBuffer data) {
        static IdxBytes decode(byte[] bytes) throws IOException {
            if (bytes.length >= 2 && (bytes[0] & 0xff) == 0x1f && (bytes[1] & 0xff) == 0x8b) {
                try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(bytes))) {
                    bytes = in.readAllBytes();
                }
            }
            ByteBuffer b = ByteBuffer.wrap(bytes); // big-endian
            assertEquals(0, b.get(0), "magic byte 0");
            assertEquals(0, b.get(1), "magic byte 1");
            int code = b.get(2) & 0xff, rank = b.get(3) & 0xff;
            int[] shape = new int[rank];
            long numel = 1;
            for (int d = 0; d < rank; d++) {
                shape[d] = b.getInt(4 + 4 * d);
                assertTrue(shape[d] >= 0, "a negative dimension accepted");
                numel *= shape[d];
            }
            int size = switch (code) {
                case 0x08, 0x09 -> 1;
                case 0x0B -> 2;
                case 0x0C, 0x0D -> 4;
                case 0x0E -> 8;
                default -> throw new AssertionError("accepted dtype code " + code);
            };
            int header = 4 + 4 * rank;
            assertEquals(bytes.length - header, numel * size, "elements × size = the bytes after the header");
            return new IdxBytes(code, shape, b.slice(header, bytes.length - header));
        }

        /** Element k as an int (integer dtypes). */
        int integer(int k) {
            return switch (code) {
                case 0x08 -> data.get(k) & 0xff;
                case 0x09 -> data.get(k);
                case 0x0B -> data.getShort(2 * k);
                default -> data.getInt(4 * k);
            };
        }

        /** Element k as the float32 Java's conversions give. */
        float element(int k) {
            return switch (code) {
                case 0x0D -> data.getFloat(4 * k);
                case 0x0E -> (float) data.getDouble(8 * k);
                default -> (float) integer(k);
            };
        }

        /** The result of a read with the given limit: the first min(limit, d₀) items, their values. */
        void assertSameAs(int[] actualShape, FloatVec values, int limit) {
            int[] kept = shape.clone();
            if (kept.length > 0) {
                kept[0] = Math.min(limit, kept[0]);
            }
            assertEquals(Arrays.toString(kept), Arrays.toString(actualShape), "shape");
            long n = 1;
            for (int d : kept) {
                n *= d;
            }
            assertEquals(n, values.length(), "element count");
            for (int k = 0; k < n; k++) {
                int expected = Float.floatToIntBits(element(k)), actual = Float.floatToIntBits(values.get(k));
                if (expected != actual) {
                    fail("element " + k + ": expected bits " + Integer.toHexString(expected) + ", got " + Integer.toHexString(actual));
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------------ model input

    /** The model target's input: a description and up to three tensor files, after separator lines. */
    static final class ModelInput {
        static final String DESCRIPTION = "model.json";
        static final List<String> FILES = List.of(DESCRIPTION, "model.safetensors", "a.npy", "b.npy");

        /** The parts by file name; the description is everything before the first separator. */
        static Map<String, byte[]> split(byte[] bytes) {
            Map<String, byte[]> parts = new java.util.LinkedHashMap<>();
            String current = DESCRIPTION;
            int start = 0;
            for (int i = 0; i < bytes.length; i++) {
                if (bytes[i] != '\n' || i + 1 >= bytes.length || bytes[i + 1] != '#') {
                    continue;
                }
                for (String name : FILES.subList(1, FILES.size())) {
                    byte[] sep = ("\n#" + name + "\n").getBytes(StandardCharsets.US_ASCII);
                    if (i + sep.length <= bytes.length && Arrays.equals(bytes, i, i + sep.length, sep, 0, sep.length)) {
                        parts.put(current, Arrays.copyOfRange(bytes, start, i));
                        current = name;
                        start = i + sep.length;
                        i = start - 1;
                        break;
                    }
                }
            }
            parts.put(current, Arrays.copyOfRange(bytes, start, bytes.length));
            return parts;
        }
    }
}
