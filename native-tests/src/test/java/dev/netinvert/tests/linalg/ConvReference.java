package dev.netinvert.tests.linalg;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.factory.LinearSolverFactory_DDRM;
import org.ejml.interfaces.linsol.LinearSolverDense;

/**
 * Plain double-precision twins for the convolution Gram solvers: the direct convolution in PyTorch's
 * {@code nn.Conv2d} convention (cross-correlation, channel-major C×H×W, weight C_out×C_in×k×k), its circular
 * version on a periodic domain, dense matrices of both, the dense Cholesky solve of μI + AᵀA, and an O(N²) 2-D DFT.
 * Written from the definitions, sharing nothing with the code under test.
 */
final class ConvReference {
    private ConvReference() {}

    /** y[o,p,q] = Σ K[o,c,a,b] x[c, s·p + a − pad, s·q + b − pad], zero outside; C_out × H_out × W_out. */
    static double[] conv(double[] k, int cOut, int cIn, int kk, double[] x, int h, int w, int stride, int pad) {
        int ho = (h + 2 * pad - kk) / stride + 1, wo = (w + 2 * pad - kk) / stride + 1;
        double[] y = new double[cOut * ho * wo];
        for (int o = 0; o < cOut; o++) {
            for (int p = 0; p < ho; p++) {
                for (int q = 0; q < wo; q++) {
                    double s = 0;
                    for (int c = 0; c < cIn; c++) {
                        for (int a = 0; a < kk; a++) {
                            int i = stride * p + a - pad;
                            if (i < 0 || i >= h) {
                                continue;
                            }
                            for (int b = 0; b < kk; b++) {
                                int j = stride * q + b - pad;
                                if (j >= 0 && j < w) {
                                    s += k[((o * cIn + c) * kk + a) * kk + b] * x[(c * h + i) * w + j];
                                }
                            }
                        }
                    }
                    y[(o * ho + p) * wo + q] = s;
                }
            }
        }
        return y;
    }

    /** The transposed convolution: x[c,i,j] = Σ K[o,c,a,b] y[o,p,q] over s·p + a − pad = i, s·q + b − pad = j. */
    static double[] convAdjoint(double[] k, int cOut, int cIn, int kk, double[] y, int h, int w, int stride, int pad) {
        int ho = (h + 2 * pad - kk) / stride + 1, wo = (w + 2 * pad - kk) / stride + 1;
        double[] x = new double[cIn * h * w];
        for (int o = 0; o < cOut; o++) {
            for (int p = 0; p < ho; p++) {
                for (int q = 0; q < wo; q++) {
                    double v = y[(o * ho + p) * wo + q];
                    for (int c = 0; c < cIn; c++) {
                        for (int a = 0; a < kk; a++) {
                            int i = stride * p + a - pad;
                            if (i < 0 || i >= h) {
                                continue;
                            }
                            for (int b = 0; b < kk; b++) {
                                int j = stride * q + b - pad;
                                if (j >= 0 && j < w) {
                                    x[(c * h + i) * w + j] += k[((o * cIn + c) * kk + a) * kk + b] * v;
                                }
                            }
                        }
                    }
                }
            }
        }
        return x;
    }

    /** y[o,p,q] = Σ K[o,c,a,b] x[c, (p + a − pad) mod ph, (q + b − pad) mod pw]; C_out × ph × pw. */
    static double[] circular(double[] k, int cOut, int cIn, int kk, double[] x, int ph, int pw, int pad) {
        double[] y = new double[cOut * ph * pw];
        for (int o = 0; o < cOut; o++) {
            for (int p = 0; p < ph; p++) {
                for (int q = 0; q < pw; q++) {
                    double s = 0;
                    for (int c = 0; c < cIn; c++) {
                        for (int a = 0; a < kk; a++) {
                            int i = Math.floorMod(p + a - pad, ph);
                            for (int b = 0; b < kk; b++) {
                                int j = Math.floorMod(q + b - pad, pw);
                                s += k[((o * cIn + c) * kk + a) * kk + b] * x[(c * ph + i) * pw + j];
                            }
                        }
                    }
                    y[(o * ph + p) * pw + q] = s;
                }
            }
        }
        return y;
    }

    interface Map {
        double[] apply(double[] x);
    }

    /** The m × n matrix of a linear map, column by column. */
    static DMatrixRMaj matrix(Map a, int n) {
        double[] e = new double[n];
        double[][] cols = new double[n][];
        for (int j = 0; j < n; j++) {
            e[j] = 1;
            cols[j] = a.apply(e);
            e[j] = 0;
        }
        int m = n == 0 ? 0 : cols[0].length;
        DMatrixRMaj d = new DMatrixRMaj(m, n);
        for (int j = 0; j < n; j++) {
            for (int i = 0; i < m; i++) {
                d.set(i, j, cols[j][i]);
            }
        }
        return d;
    }

    /** (μI + AᵀA)⁻¹ r by a dense Cholesky in double (EJML). */
    static double[] gramSolve(DMatrixRMaj a, double mu, double[] r) {
        int n = a.numCols;
        DMatrixRMaj g = new DMatrixRMaj(n, n);
        CommonOps_DDRM.multInner(a, g);
        for (int i = 0; i < n; i++) {
            g.add(i, i, mu);
        }
        LinearSolverDense<DMatrixRMaj> chol = LinearSolverFactory_DDRM.chol(n);
        if (!chol.setA(g)) {
            throw new AssertionError("dense Cholesky failed");
        }
        DMatrixRMaj b = DMatrixRMaj.wrap(n, 1, r.clone()), x = new DMatrixRMaj(n, 1);
        chol.solve(b, x);
        return x.data;
    }

    /** The 2-D DFT in O(N²), rows × cols interleaved complex; forward e^{−2πi…}, inverse e^{+2πi…}/N. */
    static double[] dft(double[] a, int rows, int cols, boolean forward) {
        double[] out = new double[2 * rows * cols];
        double sign = forward ? -1 : 1;
        for (int u = 0; u < rows; u++) {
            for (int v = 0; v < cols; v++) {
                double re = 0, im = 0;
                for (int s = 0; s < rows; s++) {
                    for (int t = 0; t < cols; t++) {
                        // the angle reduced exactly in integers: (u s mod rows)/rows + (v t mod cols)/cols
                        double ang = sign * 2 * Math.PI * ((double) ((long) u * s % rows) / rows
                                + (double) ((long) v * t % cols) / cols);
                        double c = Math.cos(ang), sn = Math.sin(ang);
                        double xr = a[2 * (s * cols + t)], xi = a[2 * (s * cols + t) + 1];
                        re += xr * c - xi * sn;
                        im += xr * sn + xi * c;
                    }
                }
                double scale = forward ? 1 : 1.0 / (rows * cols);
                out[2 * (u * cols + v)] = re * scale;
                out[2 * (u * cols + v) + 1] = im * scale;
            }
        }
        return out;
    }

    static double relErr(double[] got, double[] want) {
        double num = 0, den = 0;
        for (int i = 0; i < want.length; i++) {
            num += (got[i] - want[i]) * (got[i] - want[i]);
            den += want[i] * want[i];
        }
        return Math.sqrt(num / Math.max(den, Double.MIN_NORMAL));
    }

    static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }
}
