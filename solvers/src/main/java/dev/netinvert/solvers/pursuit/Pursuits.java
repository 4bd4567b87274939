package dev.netinvert.solvers.pursuit;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.network.Network;
import dev.netinvert.solvers.network.Trace;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** Shared pieces of the pursuits of [002]: argument checks, supports, SNR, row partitions. */
public final class Pursuits {
    private Pursuits() {}

    /**
     * The standard deviation σ of the latent prior z ~ N(0, σ²I) for the random generators of sec. 6.1
     * [002] (iid N(0, 1) weights, no biases, ReLU hidden layers): the σ that gives the output
     * pre-activations W_L x_{L−1} unit variance. Each ReLU layer halves the second moment and each
     * N(0, 1) layer multiplies it by its fan-in, so Var = σ²·n_0·n_1⋯n_{L−1}/2^{L−1} and
     * σ = √(2^{L−1}/(n_0⋯n_{L−1})); for eq. (19) [002], σ = √(2/(n_0 n_1)). The paper does not state σ; with
     * σ = 1 the pre-activations of eq. (19) [002] have standard deviation √(n_0 n_1/2) ≈ 120, float32 tanh
     * returns exactly ±1 for almost every output, and no method could invert anything.
     *
     * @param widths n_0, n_1, …, n_{L−1} (the input and hidden widths), each ≥ 1
     */
    public static double latentStd(int... widths) {
        Objects.requireNonNull(widths, "widths");
        if (widths.length < 1) {
            throw new IllegalArgumentException("widths: expected n_0, …, n_{L-1}, got none");
        }
        double v = 1;
        for (int i = 0; i < widths.length; i++) {
            if (widths[i] < 1) {
                throw new IllegalArgumentException("widths[" + i + "] must be >= 1, got " + widths[i]);
            }
            v *= (i == 0 ? 1.0 : 2.0) / widths[i];
        }
        return Math.sqrt(v);
    }

    /**
     * 10·log₁₀(‖truth‖² / ‖truth − estimate‖²) in dB, the measure of Fig. 4 [002]; +∞ for an exact estimate.
     */
    public static double snrDb(float[] truth, float[] estimate) {
        Objects.requireNonNull(truth, "truth");
        Objects.requireNonNull(estimate, "estimate");
        if (truth.length != estimate.length) {
            throw new IllegalArgumentException("estimate: expected length " + truth.length + " (the truth's), got "
                    + estimate.length);
        }
        double s = 0, e = 0;
        for (int i = 0; i < truth.length; i++) {
            double d = (double) truth[i] - estimate[i];
            s += (double) truth[i] * truth[i];
            e += d * d;
        }
        return 10 * Math.log10(s / e);
    }

    /**
     * The support of x read with a relative threshold: {i : |x_i| > threshold·max_j |x_j|}, sorted. A
     * zero vector has an empty support.
     *
     * @param threshold in [0, 1)
     */
    public static int[] support(float[] x, double threshold) {
        Objects.requireNonNull(x, "x");
        if (!(threshold >= 0 && threshold < 1)) {
            throw new IllegalArgumentException("threshold must lie in [0, 1), got " + threshold);
        }
        double max = 0;
        for (float v : x) {
            max = Math.max(max, Math.abs(v));
        }
        double cut = threshold * max;
        int count = 0;
        for (float v : x) {
            if (Math.abs(v) > cut) {
                count++;
            }
        }
        int[] s = new int[count];
        int k = 0;
        for (int i = 0; i < x.length; i++) {
            if (Math.abs(x[i]) > cut) {
                s[k++] = i;
            }
        }
        return s;
    }

    /** The exact supports {i : x_l,i > 0} of the hidden layers x_1 … x_{L−1} of G(z). */
    public static List<int[]> supportsOf(Network network, FloatVec z) {
        List<float[]> h = hiddenOf(network, z);
        List<int[]> s = new ArrayList<>();
        for (float[] x : h) {
            s.add(support(x, 0.0));
        }
        return s;
    }

    /** The hidden layers x_1 … x_{L−1} of G(z) (copies). */
    public static List<float[]> hiddenOf(Network network, FloatVec z) {
        Objects.requireNonNull(network, "network");
        Objects.requireNonNull(z, "z");
        try (Arena a = Arena.ofConfined()) {
            Trace t = network.newTrace(a, true);
            network.forward(z, t);
            List<float[]> h = new ArrayList<>();
            for (int l = 1; l < network.depth(); l++) {
                h.add(t.output(l).toArray());
            }
            return h;
        }
    }

    /**
     * Checks that the network is a generator of eq. (3) [002]: at least two layers, ReLU hidden layers and
     * an invertible last activation.
     */
    static OutputActivation checkGenerator(Network network) {
        Objects.requireNonNull(network, "network");
        if (network.depth() < 2) {
            throw new IllegalArgumentException("network: the pursuits of [002] invert generators with at least one "
                    + "hidden ReLU layer (depth >= 2), got depth " + network.depth() + " (" + network + ")");
        }
        for (int l = 1; l < network.depth(); l++) {
            Activation a = network.layer(l).activation();
            if (!(a instanceof Activation.Relu)) {
                throw new IllegalArgumentException("network: hidden layer " + l + " must use relu (eq. (3) [002]), got "
                        + a.name() + " (" + network + ")");
            }
        }
        return OutputActivation.of(network.lastActivation());
    }

    /** Checks y (n_L elements, finite) and the mask (null or n_L entries each 0 or 1, at least one 1). */
    static void checkObservation(Network network, FloatVec y, FloatVec mask) {
        Objects.requireNonNull(y, "y");
        int n = network.outputSize();
        if (y.length() != n) {
            throw new IllegalArgumentException("y: expected length " + n + " (the network's output size n_L), got "
                    + y.length());
        }
        for (int i = 0; i < n; i++) {
            float v = y.get(i);
            if (!Float.isFinite(v)) {
                throw new IllegalArgumentException("y: expected finite values, element " + i + " = " + v);
            }
        }
        observedCount(network, mask);
    }

    /** The number of observed outputs: n_L without a mask, else the mask's ones (validated). */
    static int observedCount(Network network, FloatVec mask) {
        int n = network.outputSize();
        if (mask == null) {
            return n;
        }
        if (mask.length() != n) {
            throw new IllegalArgumentException("mask: expected length " + n + " (the network's output size n_L), got "
                    + mask.length());
        }
        int ones = 0;
        for (int i = 0; i < n; i++) {
            float v = mask.get(i);
            if (v == 1f) {
                ones++;
            } else if (v != 0f) {
                throw new IllegalArgumentException("mask: expected entries 0 (unknown) or 1 (observed), element " + i
                        + " = " + v);
            }
        }
        if (ones == 0) {
            throw new IllegalArgumentException("mask: no output is observed (all " + n + " entries are 0)");
        }
        return ones;
    }

    /** Indices of the observed outputs. */
    static int[] observedRows(Network network, FloatVec mask) {
        int n = network.outputSize();
        int[] rows = new int[observedCount(network, mask)];
        int k = 0;
        for (int i = 0; i < n; i++) {
            if (mask == null || mask.get(i) == 1f) {
                rows[k++] = i;
            }
        }
        return rows;
    }

    /**
     * Copies the rows of W (and b) into {@code dst}, rows in S first (in S's order), then the complement
     * S^c (ascending), so that W^S and W^{S^c} are the contiguous row ranges [0, |S|) and [|S|, m) of one
     * matrix. Why a copy: it costs one pass over W per layer solve, while every one of the thousands of
     * iterations then runs the ordinary row-range GEMV kernels over contiguous rows; index-set kernels
     * would gather rows through an index array on every pass instead.
     *
     * @param w    W, m × n
     * @param b    b (m) or null
     * @param s    the support S, sorted, indices in [0, m)
     * @param dst  m × n workspace
     * @param bDst m-element workspace (ignored when b is null)
     * @return the complement S^c, ascending
     */
    static int[] partitionRows(FloatMatrix w, FloatVec b, int[] s, FloatMatrix dst, FloatVec bDst) {
        int m = w.rows();
        boolean[] in = new boolean[m];
        for (int i : s) {
            in[i] = true;
        }
        int[] sc = new int[m - s.length];
        int k = 0;
        for (int i = 0; i < m; i++) {
            if (!in[i]) {
                sc[k++] = i;
            }
        }
        long bytes = (long) w.cols() * Float.BYTES;
        int r = 0;
        for (int[] set : new int[][] {s, sc}) {
            for (int i : set) {
                MemorySegment.copy(w.segment(), w.rowOffset(i), dst.segment(), dst.rowOffset(r), bytes);
                if (b != null) {
                    bDst.set(r, b.get(i));
                }
                r++;
            }
        }
        return sc;
    }

    /** Elements of x at the indices (a gathered copy). */
    static float[] gather(float[] x, int[] idx) {
        float[] out = new float[idx.length];
        for (int k = 0; k < idx.length; k++) {
            out[k] = x[idx[k]];
        }
        return out;
    }

    /** ‖M(G(z) − y)‖₂ and G(z). */
    static double residual(Network network, float[] z, FloatVec y, FloatVec mask, float[] outputOut) {
        try (Arena a = Arena.ofConfined()) {
            FloatVec zv = FloatVec.of(a, z);
            FloatVec g = network.forward(zv, a);
            double s = 0;
            for (int i = 0; i < g.length(); i++) {
                float gi = g.get(i);
                outputOut[i] = gi;
                if (mask == null || mask.get(i) == 1f) {
                    double d = (double) gi - y.get(i);
                    s += d * d;
                }
            }
            return Math.sqrt(s);
        }
    }

    static void checkThreshold(double t) {
        if (!(t >= 0 && t < 1)) {
            throw new IllegalArgumentException("supportThreshold must lie in [0, 1), got " + t);
        }
    }

    static void checkTolerance(double tol, int maxIterations) {
        if (!(tol > 0) || Double.isInfinite(tol)) {
            throw new IllegalArgumentException("tol must be finite and > 0, got " + tol);
        }
        if (maxIterations < 1) {
            throw new IllegalArgumentException("maxIterations must be >= 1, got " + maxIterations);
        }
    }

    /** The weights and biases of the layers, input to output. */
    static List<FloatMatrix> weights(Network network) {
        List<FloatMatrix> w = new ArrayList<>();
        for (int l = 1; l <= network.depth(); l++) {
            w.add(network.layer(l).weight());
        }
        return w;
    }

    static List<FloatVec> biases(Network network) {
        List<FloatVec> b = new ArrayList<>();
        for (int l = 1; l <= network.depth(); l++) {
            b.add(network.layer(l).bias());
        }
        return b;
    }

    /**
     * The debiasing of Alg. 5 [002] (and Alg. 1 for the Oracle): the supports frozen, z fitted end to end
     * by Gauss–Newton from {@code z0}; appends its stage.
     */
    static float[] debias(Network network, OutputActivation phi, FloatVec y, FloatVec mask, List<int[]> supports,
                          float[] z0, int maxIter, List<Stage> stages) {
        return debias(network, phi, y, mask, supports, z0, maxIter, stages, new DenseLeastSquares.Workspace());
    }

    /**
     * {@link #debias} with a caller's workspace. The stage's seconds include composing A and c (in sec. 6.1
     * a 625 × 141 by 141 × 100 product, ~1.5 ms against ~3 ms for the Gauss–Newton solve).
     */
    static float[] debias(Network network, OutputActivation phi, FloatVec y, FloatVec mask, List<int[]> supports,
                          float[] z0, int maxIter, List<Stage> stages, DenseLeastSquares.Workspace ws) {
        long t0 = System.nanoTime();
        int[] obs = observedRows(network, mask);
        org.ejml.data.DMatrixRMaj[] ac = DenseLeastSquares.composite(weights(network), biases(network), supports, obs);
        double[] yObs = new double[obs.length];
        for (int i = 0; i < obs.length; i++) {
            yObs[i] = y.get(obs[i]);
        }
        double[] z = new double[z0.length];
        for (int i = 0; i < z.length; i++) {
            z[i] = z0[i];
        }
        stages.add(DenseLeastSquares.gaussNewton("debias", ac[0], ac[1], yObs, phi, maxIter, z, ws, t0));
        float[] out = new float[z.length];
        for (int i = 0; i < z.length; i++) {
            out[i] = (float) z[i];
        }
        return out;
    }

    /** Assembles a pursuit's result: G(z), the residual, Cor. 1 on the supports. */
    static InversionResult result(String method, Network network, FloatVec y, FloatVec mask, float[] z, float[][] est,
                                  List<int[]> supports, List<Stage> stages, long t0) {
        float[] out = new float[network.outputSize()];
        double res = residual(network, z, y, mask, out);
        Uniqueness u = Uniqueness.ofSupports(network, supports, observedCount(network, mask));
        return new InversionResult(method, z, List.of(est), List.copyOf(supports), out, res, List.copyOf(stages), u,
                (System.nanoTime() - t0) * 1e-9);
    }

    /** A vector of n doubles with the values at the indices, zero elsewhere. */
    static double[] scatterD(double[] values, int[] idx, int n) {
        double[] out = new double[n];
        for (int k = 0; k < idx.length; k++) {
            out[idx[k]] = values[k];
        }
        return out;
    }
}
