package dev.netinvert.solvers.linalg;

import java.util.Objects;
import org.jtransforms.fft.DoubleFFT_1D;

/**
 * The unnormalised 2-D discrete Fourier transform of a {@code rows × cols} complex array, in place, in double:
 * <pre>
 *   forward:  X[u, v] = Σ_{s,t} x[s, t] · e^{−2πi (u s / rows + v t / cols)}
 *   inverse:  x[s, t] = (1 / (rows·cols)) Σ_{u,v} X[u, v] · e^{+2πi (u s / rows + v t / cols)}
 * </pre>
 * The array is row-major and interleaved: element (s, t) has its real part at {@code 2(s·cols + t)} and its
 * imaginary part right after (the layout of JTransforms' {@code complexForward(double[])}).
 *
 * <p>Why JTransforms (Wendykier's Java port of Ooura's FFT and FFTPACK, BSD-2, Maven Central
 * {@code com.github.wendykierp:JTransforms:3.1}, with JLargeArrays and commons-math3): it is pure Java (no
 * native library to ship, like the rest of netinvert), transforms any length (split radix for powers of two,
 * mixed radix otherwise, Bluestein when a prime factor is large), and is the FFT most used from Java
 * (ImageJ/Fiji, BoofCV). Its accuracy is checked against a plain O(N²) DFT twin in the tests (FftTwinTest).
 *
 * <p>Why rows and columns are transformed here with {@link DoubleFFT_1D} rather than with JTransforms'
 * {@code DoubleFFT_2D}: {@code DoubleFFT_2D.complexForward} allocates a column buffer on every call (its
 * {@code cdft2d_sub}, seen in the bytecode of 3.1), and the ADMM loop calls the transform once per channel per
 * iteration. Here the column buffer is allocated once. {@code DoubleFFT_1D} itself allocates nothing for
 * power-of-two lengths (split radix, in place) but allocates a work array per call for other lengths (mixed
 * radix {@code cfftf}, Bluestein): {@link #allocationFree()} says which case applies. {@link ConvGramFft} picks
 * power-of-two extended domains in the zero-padded case for this reason (any large enough domain is exact).
 *
 * <p>Threads: JTransforms spreads one 1-D transform over threads only from 8192 points on
 * ({@code CommonUtils.getThreadsBeginN_1D_FFT_2Threads()}), and each axis here is far shorter (an image side),
 * so every transform runs on the calling thread; the global thread count of JTransforms is left alone.
 *
 * <p>Not thread-safe: the column buffer belongs to the instance.
 */
public final class Fft2D {

    private final int rows;
    private final int cols;
    private final DoubleFFT_1D rowFft;
    private final DoubleFFT_1D colFft;
    private final double[] column;

    /**
     * @param rows number of rows, ≥ 1
     * @param cols number of columns, ≥ 1
     */
    public Fft2D(int rows, int cols) {
        if (rows < 1 || cols < 1 || (long) rows * cols > Integer.MAX_VALUE / 2) {
            throw new IllegalArgumentException("Fft2D: expected rows >= 1, cols >= 1 and 2·rows·cols <= "
                    + (Integer.MAX_VALUE - 1) + ", got rows = " + rows + ", cols = " + cols);
        }
        this.rows = rows;
        this.cols = cols;
        this.rowFft = cols > 1 ? new DoubleFFT_1D(cols) : null;
        this.colFft = rows > 1 ? new DoubleFFT_1D(rows) : null;
        this.column = new double[2 * rows];
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    /** True when both lengths are powers of two: then {@link #forward} and {@link #inverse} allocate nothing. */
    public boolean allocationFree() {
        return Integer.bitCount(rows) == 1 && Integer.bitCount(cols) == 1;
    }

    /** a ← DFT(a); {@code a} holds {@code rows·cols} interleaved complex numbers (at least 2·rows·cols doubles). */
    public void forward(double[] a) {
        transform(a, true);
    }

    /** a ← DFT⁻¹(a), scaled by 1/(rows·cols), so that inverse(forward(a)) = a. */
    public void inverse(double[] a) {
        transform(a, false);
    }

    private void transform(double[] a, boolean forward) {
        Objects.requireNonNull(a, "a must not be null");
        if (a.length < 2 * rows * cols) {
            throw new IllegalArgumentException("a: expected at least " + 2 * rows * cols + " doubles (" + rows + "×"
                    + cols + " complex), got " + a.length);
        }
        if (rowFft != null) {
            for (int s = 0; s < rows; s++) {
                if (forward) {
                    rowFft.complexForward(a, 2 * s * cols);
                } else {
                    rowFft.complexInverse(a, 2 * s * cols, true);
                }
            }
        }
        if (colFft != null) {
            double[] c = column;
            for (int t = 0; t < cols; t++) {
                for (int s = 0; s < rows; s++) {
                    c[2 * s] = a[2 * (s * cols + t)];
                    c[2 * s + 1] = a[2 * (s * cols + t) + 1];
                }
                if (forward) {
                    colFft.complexForward(c, 0);
                } else {
                    colFft.complexInverse(c, 0, true);
                }
                for (int s = 0; s < rows; s++) {
                    a[2 * (s * cols + t)] = c[2 * s];
                    a[2 * (s * cols + t) + 1] = c[2 * s + 1];
                }
            }
        }
    }
}
