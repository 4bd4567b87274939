package dev.netinvert.solvers.linalg;

import dev.netinvert.kernels.FloatVec;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * Exact solves of (μI + CᵀC) x = r for a stride-1 <em>circular</em> convolution C by the 2-D FFT: the ADMM
 * z-update of eq. (9) of [004] for a convolutional layer, "convolutional mappings are simply element-wise
 * multiplication in the FFT space" ([004], sec. 2.3, "Convolutional layers").
 *
 * <h2>The operator</h2>
 * On a periodic domain of {@code P_H × P_W} pixels, with C_in input and C_out output channels, weight K in
 * PyTorch's {@code nn.Conv2d} layout (C_out × C_in × k × k, cross-correlation) and a shift {@code pad}:
 * <pre>
 *   (Cx)[o, p, q] = Σ_{c,a,b} K[o,c,a,b] · x[c, (p + a − pad) mod P_H, (q + b − pad) mod P_W]
 * </pre>
 * x and Cx are channel-major, row-major: index (c·P_H + i)·P_W + j. With X_c = DFT(x_c) (convention of
 * {@link Fft2D}) and ω = (u, v), (Cx)^_o(ω) = Σ_c K̂[o,c](ω) X_c(ω) with
 * K̂[o,c](ω) = Σ_{a,b} K[o,c,a,b] e^{+2πi(u(a−pad)/P_H + v(b−pad)/P_W)}: C is block-circulant, and CᵀC acts at
 * each frequency as the C_in × C_in Hermitian matrix K̂(ω)ᴴK̂(ω). So
 * <pre>
 *   x = DFT⁻¹ [ (μI + K̂(ω)ᴴK̂(ω))⁻¹ R(ω) ]_ω,     R = DFT(r) channel by channel
 * </pre>
 * exactly (to rounding). The per-frequency matrices are factored once, in double, at construction:
 * <ul>
 *   <li>{@link Form#DIRECT}: Cholesky L Lᴴ = μI + K̂ᴴK̂ (C_in × C_in), two triangular solves per frequency
 *       (C_in² complex multiply-adds);</li>
 *   <li>{@link Form#WOODBURY} (μ &gt; 0): Cholesky of M = μI + K̂K̂ᴴ (C_out × C_out) and
 *       x̂ = (R − K̂ᴴ M⁻¹ K̂ R)/μ, the push-through identity of {@link GramSystem}; 2·C_in·C_out + C_out²
 *       multiply-adds, a scalar division for C_out = 1 (Sherman–Morrison). Chosen by default when
 *       C_out &lt; C_in.</li>
 * </ul>
 * Both halve their work with the Hermitian symmetry of real data (X(−ω) = conj X(ω): only one of ω, −ω is
 * factored and solved), and two real channels share one complex FFT (x_c + i·x_{c+1}, split with Z(ω) and
 * conj Z(−ω)). Everything after the input is read runs in double; x is rounded to float once at the end, so
 * the result agrees with the exact solution to about cond·2⁻⁵³ + 2⁻²⁴ relative (cond ≤ 1 + ‖K̂‖²_max/μ).
 *
 * <h2>Periodic layers: {@link #periodic}</h2>
 * The domain is the image itself (P_H × P_W = H × W) and C is the layer: exact.
 *
 * <h2>Zero-padded layers: {@link #zeroPadded}, [004]'s padding trick</h2>
 * The layer is A = S C E: E zero-extends the H × W image into a P_H × P_W domain (image at [0,H) × [0,W),
 * zeros in the band [H, P_H) × … ), C is the circular convolution above on the domain, and S keeps the
 * output window [0, H_out) × [0, W_out), H_out = H + 2·pad − k + 1. This identity is <b>exact</b> whenever
 * P_H ≥ max(H + pad, H_out) (and the same for W): every index p + a − pad a window output reads lies in
 * [−pad, H + pad − 1], and modulo P_H the ones outside [0, H) land in the zero band, never on the image.
 * {@link #extendedSize} gives the smallest power of two that satisfies it (powers of two keep JTransforms
 * allocation-free; any larger domain is equally exact).
 *
 * <p>What {@link #solve} then gives is (μI + CᵀC)⁻¹ on the whole domain: <b>exact for the circulant system</b>,
 * but <b>not</b> (μI + AᵀA)⁻¹ = (μI + EᵀCᵀSᵀSCE)⁻¹ restricted to the image: CᵀC also counts the wrap-around
 * outputs outside the window and does not hold the band at zero. [004] does not invert A: it keeps C, on the
 * whole domain, as the layer's linear map in the splitting (z_i and ṽ_i live on the domain, eq. (6)), and
 * "each projection operator P_{A_i} [is] augmented to project from a given padding to a desired padding": in
 * eq. (11), outputs outside the window are unconstrained (ṽ free, v ← 0 in the band of the next layer's
 * input), so the padding constraints are met through v_i = z_{i+1}, eq. (5), i.e. <b>only at the ADMM fixed
 * point</b>; at a finite iteration the band of z_{i+1} is nonzero by the primal residual. A caller that needs
 * (μI + AᵀA)⁻¹ itself uses {@link ConjugateGradient} on A. The tests check all three statements: A = SCE to
 * rounding, the FFT solve against a dense (μI + CᵀC), and that E ᵀ(μI + CᵀC)⁻¹E differs from (μI + AᵀA)⁻¹
 * as soon as k &gt; 1 or pad &gt; 0.
 *
 * <h2>Cost and limits</h2>
 * Construction: C_out·C_in FFTs of the domain and one factorization per frequency pair; storage
 * ≈ P_H·P_W/2 · C_in(C_in+1)/2 complex doubles (DIRECT) — 0.6 MB at 16 × 16 with C_in = 32, but 0.5 GB for a
 * 512-channel 16 × 16 VGG layer, where CG is the tool. Solve: ⌈C_in/2⌉ forward and inverse FFTs plus the
 * per-frequency solves; no allocation when {@link Fft2D#allocationFree()} holds for the domain (always for
 * {@link #zeroPadded}). Not thread-safe (the FFT buffers belong to the instance). Strided convolutions are
 * not circulant on the input grid: use {@link ConjugateGradient}.
 */
public final class ConvGramFft {

    /** Which per-frequency matrix is factored. */
    public enum Form {
        /** Cholesky of μI + K̂ᴴK̂ (C_in × C_in). */
        DIRECT,
        /** Cholesky of μI + K̂K̂ᴴ (C_out × C_out) and the push-through identity; needs μ &gt; 0. */
        WOODBURY
    }

    private final int cIn, cOut, height, width, imageHeight, imageWidth;
    private final double mu;
    private final Form form;
    private final Fft2D fft;
    /** One interleaved complex domain per pair of input channels. */
    private final double[][] pairs;
    /** Canonical frequency f (f ≤ mirror) and its mirror −f, as linear indices u·P_W + v. */
    private final int[] canon, mirror;
    /** Per canonical frequency: DIRECT packed L (1/L_ii on the diagonal); WOODBURY K̂ then packed L of M. */
    private final double[] factors;
    private final int factorStride;
    private final double[] b, s;

    private ConvGramFft(int cIn, int cOut, int height, int width, int imageHeight, int imageWidth, double mu,
                        Form form) {
        this.cIn = cIn;
        this.cOut = cOut;
        this.height = height;
        this.width = width;
        this.imageHeight = imageHeight;
        this.imageWidth = imageWidth;
        this.mu = mu;
        this.form = form;
        this.fft = new Fft2D(height, width);
        int n = height * width;
        this.pairs = new double[(cIn + 1) / 2][2 * n];
        int count = 0;
        int[] c = new int[n], m = new int[n];
        for (int u = 0; u < height; u++) {
            for (int v = 0; v < width; v++) {
                int f = u * width + v, g = ((height - u) % height) * width + (width - v) % width;
                if (f <= g) {
                    c[count] = f;
                    m[count++] = g;
                }
            }
        }
        this.canon = java.util.Arrays.copyOf(c, count);
        this.mirror = java.util.Arrays.copyOf(m, count);
        this.factorStride = form == Form.DIRECT ? cIn * (cIn + 1)
                : 2 * cOut * cIn + cOut * (cOut + 1);
        this.factors = new double[count * factorStride];
        this.b = new double[2 * cIn];
        this.s = new double[2 * cOut];
    }

    /**
     * The Gram system of a periodic (circular) stride-1 convolution on an {@code height × width} image.
     *
     * @param weight K, C_out × C_in × k × k floats in PyTorch's {@code nn.Conv2d} layout; read here only
     * @param pad    the shift of the window (PyTorch's {@code padding}); it does not change CᵀC
     * @param mu     μ, finite, ≥ 0 (0 only if every K̂(ω)ᴴK̂(ω) is positive definite)
     */
    public static ConvGramFft periodic(FloatVec weight, int cOut, int cIn, int k, int height, int width, int pad,
                                       double mu) {
        return periodic(weight, cOut, cIn, k, height, width, pad, mu, defaultForm(cOut, cIn, mu));
    }

    /** As {@link #periodic(FloatVec, int, int, int, int, int, int, double)} with the form chosen. */
    public static ConvGramFft periodic(FloatVec weight, int cOut, int cIn, int k, int height, int width, int pad,
                                       double mu, Form form) {
        check(weight, cOut, cIn, k, height, width, pad, mu, form);
        ConvGramFft g = new ConvGramFft(cIn, cOut, height, width, height, width, mu, form);
        g.factor(weight, k, pad);
        return g;
    }

    /**
     * The Gram system (μI + CᵀC) of the circular convolution C on the extended domain of [004]'s padding trick
     * for a zero-padded stride-1 convolution of an {@code height × width} image: the domain is
     * {@link #extendedSize}(height, k, pad) × {@link #extendedSize}(width, k, pad), the image goes to its
     * top-left corner ({@link #embed}), the layer's output is the window [0, H_out) × [0, W_out) of Cx. See the
     * class comment for what is exact.
     */
    public static ConvGramFft zeroPadded(FloatVec weight, int cOut, int cIn, int k, int height, int width,
                                         int pad, double mu) {
        return zeroPadded(weight, cOut, cIn, k, height, width, pad, mu, defaultForm(cOut, cIn, mu));
    }

    /** As {@link #zeroPadded(FloatVec, int, int, int, int, int, int, double)} with the form chosen. */
    public static ConvGramFft zeroPadded(FloatVec weight, int cOut, int cIn, int k, int height, int width,
                                         int pad, double mu, Form form) {
        check(weight, cOut, cIn, k, height, width, pad, mu, form);
        if (height + 2 * pad < k || width + 2 * pad < k) {
            throw new IllegalArgumentException("k: expected at most height + 2·pad = " + (height + 2 * pad)
                    + " and width + 2·pad = " + (width + 2 * pad) + " (an empty output otherwise), got " + k);
        }
        ConvGramFft g = new ConvGramFft(cIn, cOut, extendedSize(height, k, pad), extendedSize(width, k, pad),
                height, width, mu, form);
        g.factor(weight, k, pad);
        return g;
    }

    /**
     * The smallest power of two P ≥ max(n + pad, n + 2·pad − k + 1): the circular convolution on P points,
     * restricted to the output window, equals the zero-padded one for an image zero-extended from n to P.
     */
    public static int extendedSize(int n, int k, int pad) {
        if (n < 1 || k < 1 || pad < 0 || n + 2 * pad < k) {
            throw new IllegalArgumentException("extendedSize: expected n >= 1, k >= 1, pad >= 0 and n + 2·pad >= k,"
                    + " got n = " + n + ", k = " + k + ", pad = " + pad);
        }
        long need = Math.max((long) n + pad, (long) n + 2L * pad - k + 1);
        if (need > 1 << 30) {
            throw new IllegalArgumentException("extendedSize: n + pad = " + need + " is too large");
        }
        return Integer.highestOneBit((int) Math.max(1, need - 1)) << (need > 1 ? 1 : 0);
    }

    private static Form defaultForm(int cOut, int cIn, double mu) {
        return cOut < cIn && mu > 0 ? Form.WOODBURY : Form.DIRECT;
    }

    private static void check(FloatVec weight, int cOut, int cIn, int k, int height, int width, int pad,
                              double mu, Form form) {
        Objects.requireNonNull(weight, "weight must not be null");
        Objects.requireNonNull(form, "form must not be null");
        positive("cOut", cOut);
        positive("cIn", cIn);
        positive("k", k);
        positive("height", height);
        positive("width", width);
        if (pad < 0) {
            throw new IllegalArgumentException("pad: expected >= 0, got " + pad);
        }
        if ((long) height * width * 2 * cIn > Integer.MAX_VALUE / 2) {
            throw new IllegalArgumentException("height × width × cIn = " + (long) height * width * cIn
                    + " is too large for one FFT domain");
        }
        long expected = (long) cOut * cIn * k * k;
        if (weight.length() != expected) {
            throw new IllegalArgumentException("weight: expected length cOut·cIn·k·k = " + cOut + "·" + cIn + "·"
                    + k + "·" + k + " = " + expected + ", got " + weight.length());
        }
        if (!(mu >= 0) || Double.isInfinite(mu)) {
            throw new IllegalArgumentException("mu: expected a finite value >= 0, got " + mu);
        }
        if (form == Form.WOODBURY && mu == 0) {
            throw new IllegalArgumentException("mu: the WOODBURY form divides by mu, expected mu > 0, got 0");
        }
    }

    private static void positive(String name, int v) {
        if (v < 1) {
            throw new IllegalArgumentException(name + ": expected >= 1, got " + v);
        }
    }

    /** K̂ by one FFT per (o, c), then one factorization per canonical frequency. */
    private void factor(FloatVec weight, int k, int pad) {
        int n = height * width;
        double[][] kh = new double[cOut * cIn][];
        for (int oc = 0; oc < cOut * cIn; oc++) {
            double[] a = new double[2 * n];
            for (int ka = 0; ka < k; ka++) {
                int row = Math.floorMod(ka - pad, height);
                for (int kb = 0; kb < k; kb++) {
                    int col = Math.floorMod(kb - pad, width);
                    a[2 * (row * width + col)] += weight.get((oc * k + ka) * k + kb);
                }
            }
            fft.forward(a);
            for (int f = 0; f < n; f++) {
                a[2 * f + 1] = -a[2 * f + 1]; // K̂ = conj(DFT κ): cross-correlation reads x at p + a − pad
            }
            kh[oc] = a;
        }
        int dim = form == Form.DIRECT ? cIn : cOut;
        double[] g = new double[2 * dim * dim];
        for (int i = 0; i < canon.length; i++) {
            int f = canon[i], base = i * factorStride;
            // Gram matrix at f: DIRECT G[i][j] = Σ_o conj(K̂[o,i]) K̂[o,j]; WOODBURY M[o][p] = Σ_c K̂[o,c] conj(K̂[p,c]).
            java.util.Arrays.fill(g, 0);
            double maxDiag = 0;
            for (int r = 0; r < dim; r++) {
                for (int q = 0; q <= r; q++) {
                    double re = 0, im = 0;
                    int terms = form == Form.DIRECT ? cOut : cIn;
                    for (int t = 0; t < terms; t++) {
                        // DIRECT: conj(A) B with A = K̂[t, r], B = K̂[t, q]; WOODBURY: A conj(B), A = K̂[r, t], B = K̂[q, t]
                        double[] ka = form == Form.DIRECT ? kh[t * cIn + r] : kh[r * cIn + t];
                        double[] kb = form == Form.DIRECT ? kh[t * cIn + q] : kh[q * cIn + t];
                        double ar = ka[2 * f], ai = ka[2 * f + 1], br = kb[2 * f], bi = kb[2 * f + 1];
                        if (form == Form.DIRECT) {
                            re += ar * br + ai * bi;
                            im += ar * bi - ai * br;
                        } else {
                            re += ar * br + ai * bi;
                            im += ai * br - ar * bi;
                        }
                    }
                    if (r == q) {
                        re += mu;
                        im = 0;
                        maxDiag = Math.max(maxDiag, re);
                    }
                    g[2 * (r * dim + q)] = re;
                    g[2 * (r * dim + q) + 1] = im;
                }
            }
            int lBase = base;
            if (form == Form.WOODBURY) {
                for (int o = 0; o < cOut; o++) {
                    for (int c = 0; c < cIn; c++) {
                        factors[base + 2 * (o * cIn + c)] = kh[o * cIn + c][2 * f];
                        factors[base + 2 * (o * cIn + c) + 1] = kh[o * cIn + c][2 * f + 1];
                    }
                }
                lBase = base + 2 * cOut * cIn;
            }
            cholesky(g, dim, maxDiag, f, lBase);
        }
    }

    /** Hermitian Cholesky of g (lower triangle, dim × dim) into factors[lBase…], packed by rows, 1/L_ii kept. */
    private void cholesky(double[] g, int dim, double maxDiag, int f, int lBase) {
        double[] l = factors;
        for (int j = 0; j < dim; j++) {
            int rj = lBase + j * (j + 1);
            double d = g[2 * (j * dim + j)];
            for (int t = 0; t < j; t++) {
                double lr = l[rj + 2 * t], li = l[rj + 2 * t + 1];
                d -= lr * lr + li * li;
            }
            if (!(d > dim * 0x1p-52 * maxDiag) || maxDiag == 0) {
                throw new IllegalArgumentException("ConvGramFft: " + (form == Form.DIRECT ? "μI + K̂ᴴK̂ (" + cIn + "×"
                        + cIn + ")" : "μI + K̂K̂ᴴ (" + cOut + "×" + cOut + ")") + " at frequency (" + f / width + ", "
                        + f % width + ") of the " + height + "×" + width + " domain, mu = " + mu + ", is not positive"
                        + " definite (pivot " + d + " against max diagonal " + maxDiag + "): the convolution"
                        + " annihilates that frequency; mu > 0 (an L2 weight) is needed");
            }
            double ljj = Math.sqrt(d);
            l[rj + 2 * j] = 1 / ljj;
            l[rj + 2 * j + 1] = 0;
            for (int i = j + 1; i < dim; i++) {
                int ri = lBase + i * (i + 1);
                // L_ij = (G_ij − Σ_t L_it conj(L_jt)) / L_jj
                double re = g[2 * (i * dim + j)], im = g[2 * (i * dim + j) + 1];
                for (int t = 0; t < j; t++) {
                    double ar = l[ri + 2 * t], ai = l[ri + 2 * t + 1], br = l[rj + 2 * t], bi = l[rj + 2 * t + 1];
                    re -= ar * br + ai * bi;
                    im -= ai * br - ar * bi;
                }
                l[ri + 2 * j] = re / ljj;
                l[ri + 2 * j + 1] = im / ljj;
            }
        }
    }

    /** In place: v ← (L Lᴴ)⁻¹ v, v holding dim interleaved complex numbers. */
    private void choleskySolve(int lBase, int dim, double[] v) {
        double[] l = factors;
        for (int i = 0; i < dim; i++) {
            int ri = lBase + i * (i + 1);
            double re = v[2 * i], im = v[2 * i + 1];
            for (int t = 0; t < i; t++) {
                double ar = l[ri + 2 * t], ai = l[ri + 2 * t + 1], xr = v[2 * t], xi = v[2 * t + 1];
                re -= ar * xr - ai * xi;
                im -= ar * xi + ai * xr;
            }
            double inv = l[ri + 2 * i];
            v[2 * i] = re * inv;
            v[2 * i + 1] = im * inv;
        }
        for (int i = dim - 1; i >= 0; i--) {
            double re = v[2 * i], im = v[2 * i + 1];
            for (int t = i + 1; t < dim; t++) {
                int rt = lBase + t * (t + 1);
                double ar = l[rt + 2 * i], ai = -l[rt + 2 * i + 1], xr = v[2 * t], xi = v[2 * t + 1];
                re -= ar * xr - ai * xi;
                im -= ar * xi + ai * xr;
            }
            double inv = l[lBase + i * (i + 1) + 2 * i];
            v[2 * i] = re * inv;
            v[2 * i + 1] = im * inv;
        }
    }

    public Form form() {
        return form;
    }

    public double mu() {
        return mu;
    }

    public int inputChannels() {
        return cIn;
    }

    public int outputChannels() {
        return cOut;
    }

    /** P_H: rows of the FFT domain (the image height for {@link #periodic}). */
    public int domainHeight() {
        return height;
    }

    /** P_W: columns of the FFT domain. */
    public int domainWidth() {
        return width;
    }

    /** C_in · P_H · P_W, the length of r and x in {@link #solve}. */
    public int domainLength() {
        return cIn * height * width;
    }

    /** C_in · H · W, the length of an image for {@link #embed} and {@link #restrict}. */
    public int imageLength() {
        return cIn * imageHeight * imageWidth;
    }

    /** domain ← E image: the image in the top-left corner of each channel's P_H × P_W domain, zeros elsewhere. */
    public void embed(FloatVec image, FloatVec domain) {
        length("image", image, imageLength(), "cIn·H·W");
        length("domain", domain, domainLength(), "cIn·P_H·P_W");
        MemorySegment is = image.segment(), ds = domain.segment();
        long io = image.byteOffset(), dOff = domain.byteOffset();
        for (int c = 0; c < cIn; c++) {
            for (int i = 0; i < height; i++) {
                for (int j = 0; j < width; j++) {
                    float v = i < imageHeight && j < imageWidth
                            ? is.get(FloatVec.LAYOUT, io + 4L * ((c * imageHeight + i) * imageWidth + j)) : 0f;
                    ds.set(FloatVec.LAYOUT, dOff + 4L * ((c * height + i) * width + j), v);
                }
            }
        }
    }

    /** image ← Eᵀ domain: the top-left H × W corner of each channel. */
    public void restrict(FloatVec domain, FloatVec image) {
        length("domain", domain, domainLength(), "cIn·P_H·P_W");
        length("image", image, imageLength(), "cIn·H·W");
        MemorySegment is = image.segment(), ds = domain.segment();
        long io = image.byteOffset(), dOff = domain.byteOffset();
        for (int c = 0; c < cIn; c++) {
            for (int i = 0; i < imageHeight; i++) {
                for (int j = 0; j < imageWidth; j++) {
                    is.set(FloatVec.LAYOUT, io + 4L * ((c * imageHeight + i) * imageWidth + j),
                            ds.get(FloatVec.LAYOUT, dOff + 4L * ((c * height + i) * width + j)));
                }
            }
        }
    }

    /**
     * x ← (μI + CᵀC)⁻¹ r on the domain; r and x have {@link #domainLength()} floats and may be the same vector.
     * Allocates nothing when {@link Fft2D#allocationFree()} holds for the domain; not thread-safe.
     */
    public void solve(FloatVec r, FloatVec x) {
        length("r", r, domainLength(), "cIn·P_H·P_W");
        length("x", x, domainLength(), "cIn·P_H·P_W");
        int n = height * width;
        MemorySegment rs = r.segment();
        long ro = r.byteOffset();
        for (int p = 0; p < pairs.length; p++) {
            double[] z = pairs[p];
            long o0 = ro + 4L * (2 * p) * n, o1 = o0 + 4L * n;
            boolean two = 2 * p + 1 < cIn;
            for (int t = 0; t < n; t++) {
                z[2 * t] = rs.get(FloatVec.LAYOUT, o0 + 4L * t);
                z[2 * t + 1] = two ? rs.get(FloatVec.LAYOUT, o1 + 4L * t) : 0;
            }
            fft.forward(z);
        }
        for (int i = 0; i < canon.length; i++) {
            int f = canon[i], g = mirror[i];
            // R_{2p}(f) = (Z(f) + conj Z(g))/2, R_{2p+1}(f) = (Z(f) − conj Z(g))/(2i)
            for (int p = 0; p < pairs.length; p++) {
                double[] z = pairs[p];
                double fr = z[2 * f], fi = z[2 * f + 1], gr = z[2 * g], gi = z[2 * g + 1];
                b[4 * p] = 0.5 * (fr + gr);
                b[4 * p + 1] = 0.5 * (fi - gi);
                if (2 * p + 1 < cIn) {
                    b[4 * p + 2] = 0.5 * (fi + gi);
                    b[4 * p + 3] = 0.5 * (gr - fr);
                }
            }
            solveAt(i * factorStride);
            // W(f) = X_{2p}(f) + i X_{2p+1}(f), W(g) = conj X_{2p}(f) + i conj X_{2p+1}(f)
            for (int p = 0; p < pairs.length; p++) {
                double[] z = pairs[p];
                double pr = b[4 * p], pi = b[4 * p + 1];
                double sr = 0, si = 0;
                if (2 * p + 1 < cIn) {
                    sr = b[4 * p + 2];
                    si = b[4 * p + 3];
                }
                z[2 * g] = pr + si;
                z[2 * g + 1] = sr - pi;
                z[2 * f] = pr - si;
                z[2 * f + 1] = pi + sr;
            }
        }
        MemorySegment xs = x.segment();
        long xo = x.byteOffset();
        for (int p = 0; p < pairs.length; p++) {
            double[] z = pairs[p];
            fft.inverse(z);
            long o0 = xo + 4L * (2 * p) * n, o1 = o0 + 4L * n;
            boolean two = 2 * p + 1 < cIn;
            for (int t = 0; t < n; t++) {
                xs.set(FloatVec.LAYOUT, o0 + 4L * t, (float) z[2 * t]);
                if (two) {
                    xs.set(FloatVec.LAYOUT, o1 + 4L * t, (float) z[2 * t + 1]);
                }
            }
        }
    }

    /** b ← (μI + K̂ᴴK̂)⁻¹ b at one canonical frequency. */
    private void solveAt(int base) {
        if (form == Form.DIRECT) {
            choleskySolve(base, cIn, b);
            return;
        }
        // s ← K̂ b; s ← M⁻¹ s; b ← (b − K̂ᴴ s)/μ
        double[] k = factors;
        for (int o = 0; o < cOut; o++) {
            double re = 0, im = 0;
            for (int c = 0; c < cIn; c++) {
                double ar = k[base + 2 * (o * cIn + c)], ai = k[base + 2 * (o * cIn + c) + 1];
                re += ar * b[2 * c] - ai * b[2 * c + 1];
                im += ar * b[2 * c + 1] + ai * b[2 * c];
            }
            s[2 * o] = re;
            s[2 * o + 1] = im;
        }
        choleskySolve(base + 2 * cOut * cIn, cOut, s);
        double inv = 1 / mu;
        for (int c = 0; c < cIn; c++) {
            double re = b[2 * c], im = b[2 * c + 1];
            for (int o = 0; o < cOut; o++) {
                double ar = k[base + 2 * (o * cIn + c)], ai = -k[base + 2 * (o * cIn + c) + 1];
                re -= ar * s[2 * o] - ai * s[2 * o + 1];
                im -= ar * s[2 * o + 1] + ai * s[2 * o];
            }
            b[2 * c] = re * inv;
            b[2 * c + 1] = im * inv;
        }
    }

    private static void length(String name, FloatVec v, int expected, String because) {
        if (v == null) { // not requireNonNull(v, () -> …): the capturing lambda is an allocation per call
            throw new NullPointerException(name + " must not be null");
        }
        if (v.length() != expected) {
            throw new IllegalArgumentException(
                    name + ": expected length " + expected + " (" + because + "), got " + v.length());
        }
    }
}
