package dev.netinvert.solvers.experiments;

import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.io.Images;
import dev.netinvert.solvers.io.ModelFiles;
import dev.netinvert.solvers.io.Npy;
import dev.netinvert.solvers.io.Tensor;
import dev.netinvert.solvers.network.Network;
import dev.netinvert.solvers.network.SeededGaussian;
import dev.netinvert.solvers.train.GeneratorTraining;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The files of a trained generator ({@code train generator}) and what the generator experiments read back from
 * them: {@code model.json} (the generator alone, so that {@code invert --model} loads it), {@code encoder.json},
 * {@code latent.npy} ((1 + n_0) × n_0: the codes' mean, then the Cholesky factor of their covariance) and {@code samples.png}; plus
 * the latents the experiments invert and the image montages they draw.
 */
public final class GeneratorReport {
    private GeneratorReport() {}

    /** The side of the square images (28). */
    public static final int SIDE = 28;

    /** Writes the generator, the encoder, the latent statistics and a montage of test reconstructions and samples. */
    public static void save(GeneratorTraining.Trained t, FloatMatrix testImages, Path dir, Arena arena) throws IOException {
        Files.createDirectories(dir);
        ModelFiles.save(t.generator(), dir.resolve("model.json"), "model.safetensors");
        ModelFiles.save(t.encoder(), dir.resolve("encoder.json"), "encoder.safetensors");
        int n0 = t.latentMean().length;
        float[] stats = Arrays.copyOf(t.latentMean(), (1 + n0) * n0);
        System.arraycopy(t.latentChol(), 0, stats, n0, n0 * n0);
        Npy.write(dir.resolve("latent.npy"), FloatMatrix.of(arena, 1 + n0, n0, stats));
        int k = Math.min(10, testImages.rows());
        FloatMatrix x = testImages.rows(0, k);
        FloatMatrix rec = GeneratorTraining.apply(t.generator(), GeneratorTraining.apply(t.encoder(), x));
        FloatMatrix samples = GeneratorTraining.apply(t.generator(), randomLatents(t.latentMean(), t.latentChol(), k, 1));
        List<List<float[]>> rows = List.of(rowsOf(x), rowsOf(rec), rowsOf(samples));
        writeMontage(dir.resolve("samples.png"), rows, 3, 4);
    }

    /** The generator of a {@code train generator} folder (memory-mapped read-only, strict). */
    public static Network loadGenerator(Path modelJson, Arena arena) throws IOException {
        return ModelFiles.load(modelJson, arena, dev.netinvert.solvers.io.LoadOptions.STRICT);
    }

    /** The encoder next to {@code modelJson} ({@code encoder.json}). */
    public static Network loadEncoder(Path modelJson, Arena arena) throws IOException {
        Path e = sibling(modelJson, "encoder.json");
        return ModelFiles.load(e, arena, dev.netinvert.solvers.io.LoadOptions.STRICT);
    }

    /** {μ, C} of the codes (n_0 values, n_0 × n_0 row-major lower triangle), from {@code latent.npy} next to {@code modelJson}. */
    public static float[][] loadLatentStats(Path modelJson, int n0, Arena arena) throws IOException {
        Path f = sibling(modelJson, "latent.npy");
        Tensor t = Npy.read(f, arena);
        if (t.rank() != 2 || t.dim(0) != 1 + n0 || t.dim(1) != n0) {
            throw new IllegalArgumentException(f + ": expected shape [" + (1 + n0) + ", " + n0 + "] (mean and covariance "
                    + "factor of the codes), got " + Arrays.toString(t.shape()));
        }
        float[] a = t.data().toArray();
        return new float[][] {Arrays.copyOfRange(a, 0, n0), Arrays.copyOfRange(a, n0, (1 + n0) * n0)};
    }

    private static Path sibling(Path modelJson, String name) throws IOException {
        Objects.requireNonNull(modelJson, "modelJson");
        Path p = modelJson.toAbsolutePath().getParent().resolve(name);
        if (!Files.isRegularFile(p)) {
            throw new IllegalArgumentException("--model " + modelJson + ": expected " + name + " next to it, as 'train generator' "
                    + "writes it");
        }
        return p;
    }

    /** {@code count} latents z = μ + Cξ, ξ ~ N(0, I) seeded: the Gaussian fitted to the codes (C lower triangular). */
    public static FloatMatrix randomLatents(float[] mean, float[] chol, int count, long seed) {
        int n0 = mean.length;
        float[] z = new float[count * n0];
        double[] xi = new double[n0];
        SeededGaussian g = new SeededGaussian(seed);
        for (int i = 0; i < count; i++) {
            for (int j = 0; j < n0; j++) {
                xi[j] = g.nextGaussian();
            }
            for (int j = 0; j < n0; j++) {
                double v = mean[j];
                for (int k = 0; k <= j; k++) {
                    v += chol[j * n0 + k] * xi[k];
                }
                z[i * n0 + j] = (float) v;
            }
        }
        return FloatMatrix.of(Arena.ofAuto(), count, n0, z);
    }

    /** Every row as a float[]. */
    public static List<float[]> rowsOf(FloatMatrix m) {
        List<float[]> out = new ArrayList<>();
        for (int i = 0; i < m.rows(); i++) {
            out.add(m.row(i).toArray());
        }
        return out;
    }

    /**
     * A montage of 28 × 28 images, one list per row of the montage (rows may have different lengths), each
     * image enlarged {@code scale}×, {@code gap} white pixels between images; written clipped to [0, 1].
     */
    public static void writeMontage(Path file, List<List<float[]>> rows, int scale, int gap) throws IOException {
        int cols = rows.stream().mapToInt(List::size).max().orElse(1);
        int cell = SIDE * scale;
        int w = cols * cell + (cols - 1) * gap, h = rows.size() * cell + (rows.size() - 1) * gap;
        float[] out = new float[h * w];
        Arrays.fill(out, 1f);
        for (int r = 0; r < rows.size(); r++) {
            for (int c = 0; c < rows.get(r).size(); c++) {
                float[] img = rows.get(r).get(c);
                int y0 = r * (cell + gap), x0 = c * (cell + gap);
                for (int i = 0; i < cell; i++) {
                    for (int j = 0; j < cell; j++) {
                        out[(y0 + i) * w + x0 + j] = img[(i / scale) * SIDE + j / scale];
                    }
                }
            }
        }
        try (Arena a = Arena.ofShared()) {
            Images.writePng(file, FloatVec.of(a, out), h, w, Images.Scaling.CLIP_0_1);
        }
    }
}
