package dev.netinvert.solvers.io;

import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;

/**
 * Image datasets in MNIST's layout: Fashion-MNIST (Xiao, Rasul and Vollgraf, 2017; MIT licence), the
 * real-image stand-in here because MNIST and CIFAR cannot be downloaded on the project's machines, and
 * MNIST itself for users who have it. A directory holds four IDX files ({@link Idx}), each plain or gzipped:
 * {@code train-images-idx3-ubyte}, {@code train-labels-idx1-ubyte}, {@code t10k-images-idx3-ubyte},
 * {@code t10k-labels-idx1-ubyte}. Debian's package {@value #DEBIAN_PACKAGE} installs Fashion-MNIST's, gzipped,
 * in {@link #FASHION_MNIST_DIR}.
 */
public final class Datasets {
    private Datasets() {}

    /** Where Debian's {@value #DEBIAN_PACKAGE} installs Fashion-MNIST. */
    public static final Path FASHION_MNIST_DIR = Path.of("/usr/share/datasets/fashion-mnist");

    /** The Debian package that provides {@link #FASHION_MNIST_DIR}. */
    public static final String DEBIAN_PACKAGE = "dataset-fashion-mnist";

    /** The number of classes of MNIST and Fashion-MNIST; labels are 0..9. */
    public static final int CLASSES = 10;

    /** The two halves of the dataset: 60 000 training and 10 000 test images. */
    public enum Split {
        TRAIN("train"), TEST("t10k");

        private final String prefix;

        Split(String prefix) {
            this.prefix = prefix;
        }

        /** The images file's name, without {@code .gz}. */
        public String imagesFile() {
            return prefix + "-images-idx3-ubyte";
        }

        /** The labels file's name, without {@code .gz}. */
        public String labelsFile() {
            return prefix + "-labels-idx1-ubyte";
        }
    }

    /**
     * Images with their labels.
     *
     * @param images N × (height·width), row i the i-th image row by row (top row first), values u8/255 in [0, 1]
     * @param labels N labels in 0..{@value #CLASSES}−1; labels[i] is image i's class
     * @param height image height in pixels (28)
     * @param width  image width in pixels (28)
     */
    public record LabeledImages(FloatMatrix images, int[] labels, int height, int width) {
        public LabeledImages {
            Objects.requireNonNull(images, "images");
            Objects.requireNonNull(labels, "labels");
            if (images.rows() != labels.length || (long) height * width != images.cols()) {
                throw new IllegalArgumentException("images: expected " + labels.length + " × " + height + "·" + width
                        + ", got " + images.rows() + " × " + images.cols());
            }
        }

        /** The number of images. */
        public int size() {
            return labels.length;
        }

        /** Image i as a height × width matrix view (no copy). */
        public FloatMatrix image(int i) {
            FloatVec row = images.row(i);
            return FloatMatrix.wrap(row.segment(), row.byteOffset(), height, width);
        }
    }

    /**
     * Loads the first {@code limit} images of a split and their labels from {@code dir}; each file may be
     * plain or gzipped ({@code name} or {@code name.gz}, the plain one first).
     *
     * @param limit at most this many images, ≥ 0 ({@link Integer#MAX_VALUE} for all)
     * @throws NoSuchFileException if {@code dir} or one of the two files is absent, in one line naming
     *                             {@value #DEBIAN_PACKAGE}
     * @throws FileFormatException if a file is malformed (see {@link Idx}), the images are not a u8 N × H × W
     *                             array, the labels not u8 in 0..9, or the two counts differ
     */
    public static LabeledImages load(Path dir, Split split, int limit, Arena arena) throws IOException {
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(split, "split");
        Objects.requireNonNull(arena, "arena");
        if (limit < 0) {
            throw new IllegalArgumentException("limit: expected >= 0, got " + limit);
        }
        Path imagesFile = find(dir, split.imagesFile());
        Path labelsFile = find(dir, split.labelsFile());
        Idx.Options options = Idx.Options.DEFAULT.withLimit(limit);
        int[] labels = Idx.readLabels(labelsFile, options);
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= CLASSES) {
                throw new FileFormatException(labelsFile, null, "label " + i + " is " + labels[i] + ", expected 0.."
                        + (CLASSES - 1));
            }
        }
        int total = Idx.header(labelsFile).shape()[0];
        Idx.Header ih = Idx.header(imagesFile);
        if (ih.dtype() != Idx.DType.U8 || ih.shape().length != 3) {
            throw new FileFormatException(imagesFile, null, "expected images as a 3-D u8 array (N × height × width), got "
                    + Arrays.toString(ih.shape()) + " of " + ih.dtype());
        }
        if (ih.shape()[0] != total) {
            throw new FileFormatException(imagesFile, null, ih.shape()[0] + " images, but " + labelsFile.getFileName()
                    + " has " + total + " labels: expected the same count");
        }
        Tensor t = Idx.read(imagesFile, arena, options);
        int n = t.dim(0), h = t.dim(1), w = t.dim(2);
        FloatVec data = t.data();
        // Exactly u8/255 (a division, correctly rounded), not u8·(1/255f).
        for (int k = 0; k < data.length(); k++) {
            data.set(k, data.get(k) / 255f);
        }
        return new LabeledImages(FloatMatrix.wrap(data.segment(), data.byteOffset(), n, h * w), labels, h, w);
    }

    /** {@code dir/name} or {@code dir/name.gz}, whichever exists (the plain one first). */
    private static Path find(Path dir, String name) throws NoSuchFileException {
        if (!Files.isDirectory(dir)) {
            throw new NoSuchFileException(dir.toString(), null, "no dataset directory here; install Fashion-MNIST with "
                    + "`apt-get install " + DEBIAN_PACKAGE + "` (it goes to " + FASHION_MNIST_DIR + "), or give the directory of MNIST's IDX files");
        }
        for (Path p : new Path[] {dir.resolve(name), dir.resolve(name + ".gz")}) {
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        throw new NoSuchFileException(dir.resolve(name + ".gz").toString(), null, "missing (nor " + name
                + "); install Fashion-MNIST with `apt-get install " + DEBIAN_PACKAGE + "` (it goes to " + FASHION_MNIST_DIR
                + "), or give the directory of MNIST's IDX files");
    }
}
