package dev.netinvert.kernels.reference;

/**
 * The executable specification of the convolution and pooling kernels ({@code ConvSupport}, {@code Conv},
 * {@code Pool}): plain loops over {@code float[]} written from the definitions of {@code ConvShape} and
 * {@code PoolShape} (PyTorch's {@code nn.Conv2d}, {@code nn.MaxPool2d}, {@code nn.AvgPool2d}), to be read,
 * not to be fast. Every sum is accumulated in double, in the order of the definition, and rounded once.
 *
 * <p>Images are {@code c × h × w} arrays, element (ch, i, j) at {@code (ch·h + i)·w + j}; the weight is
 * {@code co × ci × k × k}. {@code ho = (h + 2p − k)/s + 1} (floor), likewise {@code wo}.
 */
public final class ReferenceConv {
    private ReferenceConv() {}

    private static int out(int n, int k, int s, int p) {
        return Math.floorDiv(n + 2 * p - k, s) + 1;
    }

    /** y[o, i, j] = b[o] + Σ_{c, ki, kj} K[o, c, ki, kj]·x[c, i·s + ki − p, j·s + kj − p] (x = 0 outside). */
    public static void forward(int ci, int h, int w, int co, int k, int s, int p, float[] weight, float[] bias,
                               float[] x, float[] y) {
        int ho = out(h, k, s, p), wo = out(w, k, s, p);
        for (int o = 0; o < co; o++) {
            for (int i = 0; i < ho; i++) {
                for (int j = 0; j < wo; j++) {
                    double sum = bias == null ? 0.0 : bias[o];
                    for (int c = 0; c < ci; c++) {
                        for (int ki = 0; ki < k; ki++) {
                            for (int kj = 0; kj < k; kj++) {
                                int r = i * s + ki - p, q = j * s + kj - p;
                                if (r >= 0 && r < h && q >= 0 && q < w) {
                                    sum += (double) weight[((o * ci + c) * k + ki) * k + kj] * x[(c * h + r) * w + q];
                                }
                            }
                        }
                    }
                    y[(o * ho + i) * wo + j] = (float) sum;
                }
            }
        }
    }

    /**
     * x = Kᵀy (+ b per channel), written as the gather that defines the transpose: x[c, r, q] sums
     * K[o, c, ki, kj]·y[o, i, j] over every (o, ki, kj) and output (i, j) with i·s + ki − p = r and
     * j·s + kj − p = q.
     */
    public static void adjoint(int ci, int h, int w, int co, int k, int s, int p, float[] weight, float[] y,
                               float[] x, float[] bias) {
        int ho = out(h, k, s, p), wo = out(w, k, s, p);
        for (int c = 0; c < ci; c++) {
            for (int r = 0; r < h; r++) {
                for (int q = 0; q < w; q++) {
                    double sum = bias == null ? 0.0 : bias[c];
                    for (int o = 0; o < co; o++) {
                        for (int ki = 0; ki < k; ki++) {
                            for (int kj = 0; kj < k; kj++) {
                                int ti = r + p - ki, tj = q + p - kj;
                                if (ti < 0 || tj < 0 || ti % s != 0 || tj % s != 0 || ti / s >= ho || tj / s >= wo) {
                                    continue;
                                }
                                sum += (double) weight[((o * ci + c) * k + ki) * k + kj]
                                        * y[(o * ho + ti / s) * wo + tj / s];
                            }
                        }
                    }
                    x[(c * h + r) * w + q] = (float) sum;
                }
            }
        }
    }

    /** dW = β·dW + Σ_{i,j} dy[o,i,j]·x[c, i·s + ki − p, j·s + kj − p]; db (nullable) = β·db + Σ dy[o]. β = 0 ignores the old values. */
    public static void weightGradient(int ci, int h, int w, int co, int k, int s, int p, float[] x, float[] dy,
                                      float beta, float[] dw, float[] db) {
        int ho = out(h, k, s, p), wo = out(w, k, s, p);
        for (int o = 0; o < co; o++) {
            for (int c = 0; c < ci; c++) {
                for (int ki = 0; ki < k; ki++) {
                    for (int kj = 0; kj < k; kj++) {
                        double sum = 0.0;
                        for (int i = 0; i < ho; i++) {
                            for (int j = 0; j < wo; j++) {
                                int r = i * s + ki - p, q = j * s + kj - p;
                                if (r >= 0 && r < h && q >= 0 && q < w) {
                                    sum += (double) dy[(o * ho + i) * wo + j] * x[(c * h + r) * w + q];
                                }
                            }
                        }
                        int at = ((o * ci + c) * k + ki) * k + kj;
                        dw[at] = (float) (beta == 0f ? sum : beta * (double) dw[at] + sum);
                    }
                }
            }
            if (db != null) {
                double sum = 0.0;
                for (int q = 0; q < ho * wo; q++) {
                    sum += dy[o * ho * wo + q];
                }
                db[o] = (float) (beta == 0f ? sum : beta * (double) db[o] + sum);
            }
        }
    }

    /**
     * Max pooling with −∞ padding; argmax (nullable) the flat index into x of the first maximum in row-major
     * window order, or of the last NaN (PyTorch's rule: replace when strictly greater or NaN).
     */
    public static void maxPool(int c, int h, int w, int k, int s, int p, float[] x, float[] y, int[] argmax) {
        int ho = out(h, k, s, p), wo = out(w, k, s, p);
        for (int ch = 0; ch < c; ch++) {
            for (int i = 0; i < ho; i++) {
                for (int j = 0; j < wo; j++) {
                    float m = Float.NEGATIVE_INFINITY;
                    int best = -1;
                    for (int ki = 0; ki < k; ki++) {
                        for (int kj = 0; kj < k; kj++) {
                            int r = i * s + ki - p, q = j * s + kj - p;
                            if (r < 0 || r >= h || q < 0 || q >= w) {
                                continue; // −∞ padding never wins
                            }
                            int idx = (ch * h + r) * w + q;
                            if (best < 0 || x[idx] > m || Float.isNaN(x[idx])) {
                                m = x[idx];
                                best = idx;
                            }
                        }
                    }
                    int o = (ch * ho + i) * wo + j;
                    y[o] = m;
                    if (argmax != null) {
                        argmax[o] = best;
                    }
                }
            }
        }
    }

    /** out = 0, then out[argmax[o]] += v[o]. */
    public static void maxPoolAdjoint(int[] argmax, float[] v, float[] out) {
        java.util.Arrays.fill(out, 0f);
        for (int o = 0; o < v.length; o++) {
            out[argmax[o]] += v[o];
        }
    }

    /** Average pooling, zero padding counted: y = (Σ window) / k², the sum in double. */
    public static void avgPool(int c, int h, int w, int k, int s, int p, float[] x, float[] y) {
        int ho = out(h, k, s, p), wo = out(w, k, s, p);
        for (int ch = 0; ch < c; ch++) {
            for (int i = 0; i < ho; i++) {
                for (int j = 0; j < wo; j++) {
                    double sum = 0.0;
                    for (int ki = 0; ki < k; ki++) {
                        for (int kj = 0; kj < k; kj++) {
                            int r = i * s + ki - p, q = j * s + kj - p;
                            if (r >= 0 && r < h && q >= 0 && q < w) {
                                sum += x[(ch * h + r) * w + q];
                            }
                        }
                    }
                    y[(ch * ho + i) * wo + j] = (float) (sum / (k * k));
                }
            }
        }
    }

    /** The transpose of {@link #avgPool}: out[c, r, q] = Σ over windows containing (r, q) of v / k², in double. */
    public static void avgPoolAdjoint(int c, int h, int w, int k, int s, int p, float[] v, float[] out) {
        int ho = out(h, k, s, p), wo = out(w, k, s, p);
        double[] acc = new double[c * h * w];
        for (int ch = 0; ch < c; ch++) {
            for (int i = 0; i < ho; i++) {
                for (int j = 0; j < wo; j++) {
                    for (int ki = 0; ki < k; ki++) {
                        for (int kj = 0; kj < k; kj++) {
                            int r = i * s + ki - p, q = j * s + kj - p;
                            if (r >= 0 && r < h && q >= 0 && q < w) {
                                acc[(ch * h + r) * w + q] += v[(ch * ho + i) * wo + j] / (double) (k * k);
                            }
                        }
                    }
                }
            }
        }
        for (int q = 0; q < acc.length; q++) {
            out[q] = (float) acc[q];
        }
    }
}
