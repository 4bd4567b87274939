package dev.netinvert.solvers.experiments;

import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.IterationListener;
import dev.netinvert.solvers.StopReason;
import dev.netinvert.solvers.lifted.LiftedCoordinateDescent;
import dev.netinvert.solvers.lifted.LiftedResult;
import dev.netinvert.solvers.network.Layer;
import dev.netinvert.solvers.network.Network;
import dev.netinvert.solvers.network.SeededGaussian;
import dev.netinvert.solvers.parallel.Parallelism;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The convolutional-autoencoder experiment of [000] sec. 5.2 (Figs. 5-7): the code y = E(x) of a trained
 * convolutional autoencoder (layers 1-3 of the model: two 4×4 stride-2 convolutions with ReLU, then the dense code
 * layer; layers 4-6 the decoder) is perturbed, y^δ = y + δ·ξ with ξ ~ N(0, I) seeded (the code layer is affine, so
 * y^δ needs no clipping), and inverted by the lifted coordinate descent with TV, eqs. (15)-(17) [000], on the encoder
 * alone (PDHG steps τx = 1.99/‖A₁‖², τz = 1/(8α); τ_l = 1.99/‖A_{l+1}‖²). The inversion is compared with the decoder's
 * output D(y^δ), both by PSNR against the image x.
 *
 * <p>α is chosen per noise level from a grid, the one with the best mean PSNR over the images of that level — the
 * paper's "manually selected in the range [10⁻⁴, 10⁻²] for the best PSNR value", i.e. an oracle choice. Every
 * (image, δ, α) run is kept.
 */
public final class ConvAutoencoderInversion {
    private ConvAutoencoderInversion() {}

    /** One (image, noise level, α) inversion. deltaSquared = ‖y^δ − y‖². */
    public record Run(int image, double delta, double deltaSquared, double alpha, float[] inverted, double psnrInverted,
                      double psnrDecoded, int iterations, StopReason stopReason, double objective, double seconds) {}

    /** One image at one noise level: the truth, the decoder's output. */
    public record Decoded(int image, double delta, float[] truth, float[] decoded, double psnrDecoded) {}

    /** All runs, the decoded images, and per level the chosen α with mean PSNRs. */
    public record Outcome(List<Run> runs, List<Decoded> decoded, double[] deltas, double[] chosenAlpha,
                          double[] meanPsnrInverted, double[] meanPsnrDecoded, double[] meanDeltaSquared, int side) {

        /** The run of image i at level k with the chosen α. */
        public Run chosen(int image, int level) {
            for (Run r : runs) {
                if (r.image() == image && r.delta() == deltas[level] && r.alpha() == chosenAlpha[level]) {
                    return r;
                }
            }
            throw new IllegalArgumentException("no run for image " + image + " at level " + level);
        }
    }

    /**
     * @param autoencoder   six layers, encoder 1-3 (the code layer's activation must be the identity), decoder 4-6
     * @param images        rows of side² pixels in [0, 1]
     * @param rows          the rows to invert
     * @param deltas        noise standard deviations on the code
     * @param alphas        the α grid
     * @param maxOuter      lifted CD outer iterations per run (10 PDHG steps each)
     * @param listener      told after each run (may be null)
     */
    public static Outcome run(Network autoencoder, FloatMatrix images, int[] rows, double[] deltas, double[] alphas,
                              int maxOuter, long seed, java.util.function.Consumer<Run> listener) {
        Objects.requireNonNull(autoencoder, "autoencoder");
        if (autoencoder.depth() != 6) {
            throw new IllegalArgumentException("autoencoder: expected 6 layers (encoder 1-3, decoder 4-6), got "
                    + autoencoder.depth());
        }
        Layer first = autoencoder.layer(1);
        if (first.inputShape() == null || first.inputShape().channels() != 1
                || first.inputShape().height() != first.inputShape().width()) {
            throw new IllegalArgumentException("autoencoder: expected a 1×side×side image input, got " + first);
        }
        if (autoencoder.layer(3).activation() != dev.netinvert.kernels.Activation.IDENTITY) {
            throw new IllegalArgumentException("autoencoder: the code layer (3) must be affine (identity), got "
                    + autoencoder.layer(3).activation().name());
        }
        int side = first.inputShape().height();
        List<Layer> enc = autoencoder.layers().subList(0, 3);
        Network encoder = Network.of(enc), decoder = Network.of(autoencoder.layers().subList(3, 6));
        List<Run> runs = new ArrayList<>();
        List<Decoded> decodedList = new ArrayList<>();
        int levels = deltas.length;
        double[] dsq = new double[levels];
        try (Arena arena = Arena.ofShared(); Parallelism par = Parallelism.sequential()) {
            for (int r : rows) {
                FloatVec x = images.row(r);
                float[] truth = x.toArray();
                FloatVec y = encoder.forward(x, arena);
                for (int k = 0; k < levels; k++) {
                    SeededGaussian noise = new SeededGaussian(seed + 1000L * r + k);
                    FloatVec yd = FloatVec.allocate(arena, y.length());
                    double d2 = 0;
                    for (int j = 0; j < y.length(); j++) {
                        double e = deltas[k] * noise.nextGaussian();
                        yd.set(j, (float) (y.get(j) + e));
                        d2 += e * e;
                    }
                    dsq[k] += d2 / rows.length;
                    float[] dec = decoder.forward(yd, arena).toArray();
                    double pd = ImageMetrics.psnr(dec, truth);
                    decodedList.add(new Decoded(r, deltas[k], truth, dec, pd));
                    for (double alpha : alphas) {
                        LiftedCoordinateDescent.Options o = LiftedCoordinateDescent.Options.builder(alpha)
                                .maxOuterIterations(maxOuter).build();
                        long t0 = System.nanoTime();
                        LiftedResult inv = LiftedCoordinateDescent.solve(enc, yd, 1, side, side, o, par,
                                IterationListener.NONE);
                        double seconds = (System.nanoTime() - t0) * 1e-9;
                        Run run = new Run(r, deltas[k], d2, alpha, inv.x(), ImageMetrics.psnr(inv.x(), truth), pd,
                                inv.iterations(), inv.stopReason(), inv.objective(), seconds);
                        runs.add(run);
                        if (listener != null) {
                            listener.accept(run);
                        }
                    }
                }
            }
        }
        double[] chosen = new double[levels], mi = new double[levels], md = new double[levels];
        for (int k = 0; k < levels; k++) {
            double best = Double.NEGATIVE_INFINITY;
            for (double alpha : alphas) {
                double sum = 0;
                for (Run run : runs) {
                    if (run.delta() == deltas[k] && run.alpha() == alpha) {
                        sum += run.psnrInverted();
                    }
                }
                if (sum / rows.length > best) {
                    best = sum / rows.length;
                    chosen[k] = alpha;
                }
            }
            mi[k] = best;
            double sd = 0;
            for (Decoded d : decodedList) {
                if (d.delta() == deltas[k]) {
                    sd += d.psnrDecoded();
                }
            }
            md[k] = sd / rows.length;
        }
        return new Outcome(runs, decodedList, deltas.clone(), chosen, mi, md, dsq, side);
    }

    /**
     * Fig. 6's layout, for every image: one row of decoder outputs and one row of inversions (chosen α), one column
     * per noise level, after a first column with the truth (blank in the inversion row). Values in [0, 1] scale.
     *
     * @param shapeOut receives {height, width}
     */
    public static float[] montage(Outcome o, int[] images, int scale, int gap, int[] shapeOut) {
        int s = o.side() * scale, cols = o.deltas().length + 1, rows = 2 * images.length;
        int w = cols * s + (cols - 1) * gap, h = rows * s + (rows - 1) * gap + (images.length - 1) * 2 * gap;
        float[] out = new float[h * w];
        Arrays.fill(out, 1f);
        int y0 = 0;
        for (int image : images) {
            for (int k = -1; k < o.deltas().length; k++) {
                int x0 = (k + 1) * (s + gap);
                if (k < 0) {
                    blit(out, w, decoded(o, image, 0).truth(), o.side(), scale, y0, x0);
                    continue;
                }
                blit(out, w, decoded(o, image, k).decoded(), o.side(), scale, y0, x0);
                blit(out, w, o.chosen(image, k).inverted(), o.side(), scale, y0 + s + gap, x0);
            }
            y0 += 2 * (s + gap) + 2 * gap;
        }
        shapeOut[0] = h;
        shapeOut[1] = w;
        return out;
    }

    private static Decoded decoded(Outcome o, int image, int level) {
        for (Decoded d : o.decoded()) {
            if (d.image() == image && d.delta() == o.deltas()[level]) {
                return d;
            }
        }
        throw new IllegalArgumentException("no decoded image " + image + " at level " + level);
    }

    private static void blit(float[] out, int w, float[] img, int side, int scale, int y0, int x0) {
        for (int i = 0; i < side * scale; i++) {
            for (int j = 0; j < side * scale; j++) {
                out[(y0 + i) * w + x0 + j] = Math.min(1f, Math.max(0f, img[(i / scale) * side + j / scale]));
            }
        }
    }

    /** Fig. 7: mean PSNR of the decoder and of the TV inversion (chosen α) against the noise level δ² (decreasing). */
    public static byte[] plot(Outcome o) throws IOException {
        XYChart chart = new XYChartBuilder().width(800).height(520)
                .title("Conv autoencoder [000] sec. 5.2: PSNR against code noise")
                .xAxisTitle("noise on the code, mean delta^2 = ||y^delta - y||^2").yAxisTitle("mean PSNR (dB)").build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        chart.getStyler().setMarkerSize(8);
        XYSeries a = chart.addSeries("decoder D(y^delta)", o.meanDeltaSquared(), o.meanPsnrDecoded());
        a.setMarker(SeriesMarkers.CIRCLE);
        XYSeries b = chart.addSeries("lifted CD + TV (alpha per level)", o.meanDeltaSquared(), o.meanPsnrInverted());
        b.setMarker(SeriesMarkers.DIAMOND);
        return BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
    }
}
