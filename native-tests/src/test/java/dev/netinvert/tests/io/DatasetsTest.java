package dev.netinvert.tests.io;

import static dev.netinvert.tests.io.FileErrors.rejectsNaming;
import static dev.netinvert.tests.io.IdxTest.gzip;
import static dev.netinvert.tests.io.IdxTest.idx;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.solvers.io.Datasets;
import dev.netinvert.solvers.io.Datasets.LabeledImages;
import dev.netinvert.solvers.io.Datasets.Split;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The MNIST-layout loader on tiny synthetic datasets written here (5 images of 3 × 4, not square, so that a
 * swap of height and width shows), its refusals, and — where Debian's dataset-fashion-mnist is installed —
 * the real Fashion-MNIST's counts, range and class balance.
 */
class DatasetsTest {

    @TempDir
    Path dir;

    static final int N = 5, H = 3, W = 4;
    static final int[] LABELS = {9, 0, 3, 3, 7};

    /** Pixel (i, r, c) of image i: every u8 value, 0 and 255 included. */
    static int pixel(int i, int r, int c) {
        return (i * 61 + r * 17 + c * 5) * 7 % 256 == 1 ? 255 : (i * 61 + r * 17 + c * 5) * 7 % 256;
    }

    private void writeSplit(Path d, Split split, boolean gz, int n, int[] labels) throws IOException {
        byte[] px = new byte[n * H * W];
        for (int i = 0; i < n; i++) {
            for (int r = 0; r < H; r++) {
                for (int c = 0; c < W; c++) {
                    px[(i * H + r) * W + c] = (byte) pixel(i, r, c);
                }
            }
        }
        byte[] lb = new byte[labels.length];
        for (int i = 0; i < labels.length; i++) {
            lb[i] = (byte) labels[i];
        }
        byte[] images = idx(0x08, new int[] {n, H, W}, px);
        byte[] labelFile = idx(0x08, new int[] {labels.length}, lb);
        Files.createDirectories(d);
        Files.write(d.resolve(split.imagesFile() + (gz ? ".gz" : "")), gz ? gzip(images) : images);
        Files.write(d.resolve(split.labelsFile() + (gz ? ".gz" : "")), gz ? gzip(labelFile) : labelFile);
    }

    @Test
    void loadsImagesAsRowsInTheUnitIntervalWithTheirLabels() throws IOException {
        for (boolean gz : new boolean[] {false, true}) {
            for (Split split : Split.values()) {
                Path d = dir.resolve((gz ? "gz-" : "plain-") + split);
                writeSplit(d, split, gz, N, LABELS);
                try (Arena arena = Arena.ofConfined()) {
                    LabeledImages all = Datasets.load(d, split, Integer.MAX_VALUE, arena);
                    assertEquals(N, all.size());
                    assertEquals(H, all.height());
                    assertEquals(W, all.width());
                    assertArrayEquals(LABELS, all.labels());
                    FloatMatrix x = all.images();
                    assertEquals(N, x.rows());
                    assertEquals(H * W, x.cols());
                    for (int i = 0; i < N; i++) {
                        for (int r = 0; r < H; r++) {
                            for (int c = 0; c < W; c++) {
                                float expected = pixel(i, r, c) / 255f;
                                assertEquals(expected, x.get(i, r * W + c), 0f, "image " + i + " pixel " + r + "," + c);
                                assertEquals(expected, all.image(i).get(r, c), 0f);
                            }
                        }
                    }
                    LabeledImages two = Datasets.load(d, split, 2, arena);
                    assertEquals(2, two.size());
                    assertArrayEquals(Arrays.copyOf(LABELS, 2), two.labels());
                    assertArrayEquals(Arrays.copyOf(x.toArray(), 2 * H * W), two.images().toArray());
                    assertEquals(0, Datasets.load(d, split, 0, arena).size());
                }
            }
        }
    }

    @Test
    void anAbsentDatasetIsRefusedInOneLineNamingTheDebianPackage() throws IOException {
        Path nowhere = dir.resolve("nowhere");
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> {
            try (Arena arena = Arena.ofConfined()) {
                Datasets.load(nowhere, Split.TRAIN, 10, arena);
            }
        });
        assertTrue(e.getMessage().contains(nowhere.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("apt-get install dataset-fashion-mnist"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());

        Path half = dir.resolve("half");
        writeSplit(half, Split.TRAIN, true, N, LABELS);
        Files.delete(half.resolve("train-labels-idx1-ubyte.gz"));
        NoSuchFileException f = assertThrows(NoSuchFileException.class, () -> {
            try (Arena arena = Arena.ofConfined()) {
                Datasets.load(half, Split.TRAIN, 10, arena);
            }
        });
        assertTrue(f.getMessage().contains("train-labels-idx1-ubyte.gz"), f.getMessage());
        assertTrue(f.getMessage().contains("apt-get install dataset-fashion-mnist"), f.getMessage());
        assertFalse(f.getMessage().contains("\n"), "one line: " + f.getMessage());
        assertThrows(NoSuchFileException.class, () -> {
            try (Arena arena = Arena.ofConfined()) {
                Datasets.load(half, Split.TEST, 10, arena);
            }
        }, "the test split's files are separate");
    }

    @Test
    void countsMustAgreeAndLabelsBeClasses() throws IOException {
        Path d = dir.resolve("mismatch");
        writeSplit(d, Split.TRAIN, false, N, Arrays.copyOf(LABELS, N - 1));
        Path images = d.resolve("train-images-idx3-ubyte");
        rejectsNaming(images, a -> Datasets.load(d, Split.TRAIN, 2, a), "5 images, but train-labels-idx1-ubyte has 4 labels");

        Path e = dir.resolve("label10");
        writeSplit(e, Split.TEST, true, N, new int[] {1, 2, 10, 3, 4});
        rejectsNaming(e.resolve("t10k-labels-idx1-ubyte.gz"), a -> Datasets.load(e, Split.TEST, 99, a),
                "label 2 is 10, expected 0..9");

        Path f = dir.resolve("float-images");
        writeSplit(f, Split.TRAIN, false, N, LABELS);
        Files.write(f.resolve("train-images-idx3-ubyte"), idx(0x0D, new int[] {N, 1, 1}, new byte[4 * N]));
        rejectsNaming(f.resolve("train-images-idx3-ubyte"), a -> Datasets.load(f, Split.TRAIN, 99, a),
                "expected images as a 3-D u8 array (N × height × width), got [5, 1, 1] of f32 (0x0D)");
        Files.write(f.resolve("train-images-idx3-ubyte"), idx(0x08, new int[] {N, 12}, new byte[12 * N]));
        rejectsNaming(f.resolve("train-images-idx3-ubyte"), a -> Datasets.load(f, Split.TRAIN, 99, a), "got [5, 12] of u8");
        assertThrows(IllegalArgumentException.class, () -> {
            try (Arena arena = Arena.ofConfined()) {
                Datasets.load(d, Split.TRAIN, -1, arena);
            }
        });
    }
}
