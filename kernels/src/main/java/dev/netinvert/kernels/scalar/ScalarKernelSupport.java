package dev.netinvert.kernels.scalar;

import static dev.netinvert.kernels.internal.SegmentFloats.get;
import static dev.netinvert.kernels.internal.SegmentFloats.put;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.KernelSupport;
import java.lang.foreign.MemorySegment;

/**
 * The fallback when the Vector API is absent or C2 is off: plain loops over the same segments.
 * Reductions use four accumulators (C2 does not vectorize float reductions, but it does overlap
 * independent chains), and the matrix kernels keep the SIMD implementation's 4-row blocking so that
 * both implementations move the same bytes.
 */
public final class ScalarKernelSupport implements KernelSupport {

    ScalarKernelSupport() {}

    @Override public String name() { return "scalar"; }
    @Override public int vectorBitSize() { return Float.SIZE; }
    @Override public boolean usesFma() { return false; }

    @Override
    public float dot(MemorySegment x, long xo, MemorySegment y, long yo, int n) {
        float a0 = 0f, a1 = 0f, a2 = 0f, a3 = 0f;
        int i = 0;
        for (; i + 4 <= n; i += 4) {
            long ox = xo + 4L * i, oy = yo + 4L * i;
            a0 += get(x, ox) * get(y, oy);
            a1 += get(x, ox + 4) * get(y, oy + 4);
            a2 += get(x, ox + 8) * get(y, oy + 8);
            a3 += get(x, ox + 12) * get(y, oy + 12);
        }
        for (; i < n; i++) {
            a0 += get(x, xo + 4L * i) * get(y, yo + 4L * i);
        }
        return (a0 + a1) + (a2 + a3);
    }

    @Override
    public void axpy(float a, MemorySegment x, long xo, MemorySegment y, long yo, int n) {
        for (int i = 0; i < n; i++) {
            long ox = xo + 4L * i, oy = yo + 4L * i;
            put(y, oy, a * get(x, ox) + get(y, oy));
        }
    }

    @Override
    public void scale(float a, MemorySegment x, long xo, int n) {
        for (int i = 0; i < n; i++) {
            long o = xo + 4L * i;
            put(x, o, a * get(x, o));
        }
    }

    @Override
    public void copy(MemorySegment src, long so, MemorySegment dst, long dOff, int n) {
        MemorySegment.copy(src, so, dst, dOff, 4L * n);
    }

    @Override
    public void fill(float v, MemorySegment x, long xo, int n) {
        for (int i = 0; i < n; i++) {
            put(x, xo + 4L * i, v);
        }
    }

    @Override
    public float sumOfSquares(MemorySegment x, long xo, int n) {
        float a0 = 0f, a1 = 0f, a2 = 0f, a3 = 0f;
        int i = 0;
        for (; i + 4 <= n; i += 4) {
            long o = xo + 4L * i;
            float v0 = get(x, o), v1 = get(x, o + 4), v2 = get(x, o + 8), v3 = get(x, o + 12);
            a0 += v0 * v0;
            a1 += v1 * v1;
            a2 += v2 * v2;
            a3 += v3 * v3;
        }
        for (; i < n; i++) {
            float v = get(x, xo + 4L * i);
            a0 += v * v;
        }
        return (a0 + a1) + (a2 + a3);
    }

    @Override
    public float maxAbs(MemorySegment x, long xo, int n) {
        float m = 0f;
        for (int i = 0; i < n; i++) {
            m = Math.max(m, Math.abs(get(x, xo + 4L * i)));
        }
        return m;
    }

    @Override
    public void gemv(float alpha, MemorySegment w, long wo, int ld, int r0, int r1, int cols,
                     MemorySegment x, long xo, float beta, MemorySegment y, long yo,
                     MemorySegment b, long bo) {
        long rowBytes = 4L * ld;
        for (int i = r0; i < r1; i++) {
            float s = alpha * dot(w, wo + i * rowBytes, x, xo, cols);
            long oy = yo + 4L * i;
            if (beta != 0f) {
                s += beta * get(y, oy);
            }
            if (b != null) {
                s += get(b, bo + 4L * i);
            }
            put(y, oy, s);
        }
    }

    @Override
    public void gemvT(float alpha, MemorySegment w, long wo, int ld, int r0, int r1, int cols,
                      MemorySegment r, long ro, float beta, MemorySegment y, long yo) {
        if (beta == 0f) {
            fill(0f, y, yo, cols);
        } else if (beta != 1f) {
            scale(beta, y, yo, cols);
        }
        long rowBytes = 4L * ld;
        int i = r0;
        for (; i + 4 <= r1; i += 4) {
            long oi = ro + 4L * i;
            axpy4(alpha * get(r, oi), alpha * get(r, oi + 4), alpha * get(r, oi + 8), alpha * get(r, oi + 12),
                    w, wo + i * rowBytes, rowBytes, cols, y, yo);
        }
        for (; i < r1; i++) {
            axpy(alpha * get(r, ro + 4L * i), w, wo + i * rowBytes, y, yo, cols);
        }
    }

    /** y ← y + Σ_k c_k·W_k over four rows: one read-modify-write of y per four rows. */
    private static void axpy4(float c0, float c1, float c2, float c3, MemorySegment w, long w0, long rowBytes,
                              int cols, MemorySegment y, long yo) {
        long w1 = w0 + rowBytes, w2 = w1 + rowBytes, w3 = w2 + rowBytes;
        for (int j = 0; j < cols; j++) {
            long o = 4L * j;
            float acc = get(y, yo + o);
            acc += c0 * get(w, w0 + o);
            acc += c1 * get(w, w1 + o);
            acc += c2 * get(w, w2 + o);
            acc += c3 * get(w, w3 + o);
            put(y, yo + o, acc);
        }
    }

    /** Forward substitution by rows: x_i ← (x_i − ⟨L[i, 0:i], x[0:i]⟩) / L_ii. */
    @Override
    public void trsvLower(MemorySegment l, long lo, int ld, int n, MemorySegment x, long xo) {
        long rowBytes = 4L * ld;
        for (int i = 0; i < n; i++) {
            long wi = lo + i * rowBytes, oi = xo + 4L * i;
            put(x, oi, (get(x, oi) - dot(l, wi, x, xo, i)) / get(l, wi + 4L * i));
        }
    }

    /** Back substitution by columns of Lᵀ (rows of L): x_i ← x_i / L_ii, then x[0:i] −= x_i·L[i, 0:i]. */
    @Override
    public void trsvLowerTransposed(MemorySegment l, long lo, int ld, int n, MemorySegment x, long xo) {
        long rowBytes = 4L * ld;
        for (int i = n - 1; i >= 0; i--) {
            long wi = lo + i * rowBytes, oi = xo + 4L * i;
            float xi = get(x, oi) / get(l, wi + 4L * i);
            put(x, oi, xi);
            axpy(-xi, l, wi, x, xo, i);
        }
    }

    @Override
    public double bregmanGradient(Activation sigma, MemorySegment w, long wo, int ld, int r0, int r1, int cols,
                                  MemorySegment x, long xo, MemorySegment b, long bo,
                                  MemorySegment t, long to, MemorySegment z, long zo,
                                  MemorySegment g, long go) {
        fill(0f, g, go, cols);
        long rowBytes = 4L * ld;
        double sumSq = 0.0;
        // One row at a time: dot, residual, axpy while the row is hot (same single pass over W as SIMD).
        for (int i = r0; i < r1; i++) {
            long wi = wo + i * rowBytes;
            float zi = dot(w, wi, x, xo, cols);
            if (b != null) {
                zi += get(b, bo + 4L * i);
            }
            put(z, zo + 4L * i, zi);
            float e = sigma.apply(zi) - get(t, to + 4L * i);
            if (e != 0f) { // a zero residual adds nothing to g: skip the row's second read
                sumSq += (double) e * e;
                axpy(e, w, wi, g, go, cols);
            }
        }
        return sumSq;
    }

    @Override
    public double admmGradient(MemorySegment w, long wo, int ld, int rows, int cols, int s,
                               MemorySegment x, long xo, MemorySegment b, long bo, MemorySegment t, long to, float rho,
                               MemorySegment a, long ao, MemorySegment u, long uo, MemorySegment v, long vo,
                               MemorySegment r, long ro, MemorySegment g, long go) {
        gemv(1f, w, wo, ld, 0, rows, cols, x, xo, 0f, v, vo, b, bo);
        double cons = 0.0;
        for (int j = 0; j < rows - s; j++) {
            float vi = get(v, vo + 4L * (s + j)), uj = get(u, uo + 4L * j);
            float aj = -Math.max(uj - vi, 0f);
            float d = aj - vi;
            put(a, ao + 4L * j, aj);
            put(u, uo + 4L * j, uj + d);
            cons += (double) d * d;
        }
        for (int i = 0; i < rows; i++) {
            float vi = get(v, vo + 4L * i);
            put(r, ro + 4L * i, i < s ? vi - get(t, to + 4L * i)
                    : rho * (vi - get(a, ao + 4L * (i - s)) - get(u, uo + 4L * (i - s))));
        }
        gemvT(1f, w, wo, ld, 0, rows, cols, r, ro, 0f, g, go);
        return cons;
    }

    // ---------------------------------------------------------------- solver steps (elementwise)
    //
    // Each loop is the solver loop it replaced, operation for operation; the range methods are public so
    // that the SIMD kernels' scalar tails are these very loops (one definition of each element step).

    @Override
    public double distanceSquared(MemorySegment x, long xo, MemorySegment y, long yo, int n) {
        return distanceSquaredRange(x, xo, y, yo, 0, n, 0.0);
    }

    /** {@code sum} plus Σ (x[i] − y[i])² over [from, n) (differences in float), in double, in index order. */
    public static double distanceSquaredRange(MemorySegment x, long xo, MemorySegment y, long yo, int from, int n,
                                              double sum) {
        for (int i = from; i < n; i++) {
            float d = get(x, xo + 4L * i) - get(y, yo + 4L * i);
            sum += (double) d * d;
        }
        return sum;
    }

    @Override
    public double maskedResidual(MemorySegment x, long xo, MemorySegment y, long yo, MemorySegment m, long mo,
                                 MemorySegment r, long ro, int n) {
        return maskedResidualRange(x, xo, y, yo, m, mo, r, ro, 0, n, 0.0);
    }

    /** Elements [from, n) of {@code maskedResidual}; returns {@code sum} plus their Σ r², in index order. */
    public static double maskedResidualRange(MemorySegment x, long xo, MemorySegment y, long yo, MemorySegment m,
                                             long mo, MemorySegment r, long ro, int from, int n, double sum) {
        for (int i = from; i < n; i++) {
            long o = 4L * i;
            float e = get(x, xo + o) - get(y, yo + o);
            if (m != null) {
                e *= get(m, mo + o);
            }
            put(r, ro + o, e);
            sum += (double) e * e;
        }
        return sum;
    }

    @Override
    public void extrapolate(float beta, MemorySegment u, long uo, MemorySegment p, long po, MemorySegment x, long xo,
                            int n) {
        extrapolateRange(beta, u, uo, p, po, x, xo, 0, n);
    }

    /** Elements [from, n) of {@code extrapolate}. */
    public static void extrapolateRange(float beta, MemorySegment u, long uo, MemorySegment p, long po,
                                        MemorySegment x, long xo, int from, int n) {
        for (int i = from; i < n; i++) {
            long o = 4L * i;
            float ui = get(u, uo + o);
            put(x, xo + o, ui + beta * (ui - get(p, po + o)));
            put(p, po + o, ui);
        }
    }

    @Override
    public void scaledGradientStep(float keep, float step, MemorySegment z, long zo, MemorySegment g, long go, int n,
                                   double[] sums) {
        sums[0] = 0;
        sums[1] = 0;
        scaledGradientStepRange(keep, step, z, zo, g, go, 0, n, sums);
    }

    /** Elements [from, n) of {@code scaledGradientStep}, their two sums added to {@code sums}. */
    public static void scaledGradientStepRange(float keep, float step, MemorySegment z, long zo, MemorySegment g,
                                               long go, int from, int n, double[] sums) {
        double change = sums[0], norm = sums[1];
        for (int i = from; i < n; i++) {
            long o = 4L * i;
            float zi = get(z, zo + o);
            float nz = keep * zi - step * get(g, go + o);
            put(z, zo + o, nz);
            float d = nz - zi;
            change += (double) d * d;
            norm += (double) nz * nz;
        }
        sums[0] = change;
        sums[1] = norm;
    }

    @Override
    public void adamStep(float beta1, float beta2, float etaHat, float sHat, float eps, MemorySegment z, long zo,
                         MemorySegment g, long go, MemorySegment m, long mo, MemorySegment s, long so, int n) {
        adamStepRange(beta1, beta2, etaHat, sHat, eps, z, zo, g, go, m, mo, s, so, 0, n);
    }

    /** Elements [from, n) of {@code adamStep}. */
    public static void adamStepRange(float beta1, float beta2, float etaHat, float sHat, float eps, MemorySegment z,
                                     long zo, MemorySegment g, long go, MemorySegment m, long mo, MemorySegment s,
                                     long so, int from, int n) {
        for (int i = from; i < n; i++) {
            long o = 4L * i;
            float gi = get(g, go + o);
            float mi = beta1 * get(m, mo + o) + (1 - beta1) * gi;
            float si = beta2 * get(s, so + o) + (1 - beta2) * gi * gi;
            put(m, mo + o, mi);
            put(s, so + o, si);
            put(z, zo + o, get(z, zo + o) - etaHat * mi / ((float) Math.sqrt(si * sHat) + eps));
        }
    }

    @Override
    public void admmStart(int rows, int s, MemorySegment v, long vo, MemorySegment t, long to, float rho,
                          MemorySegment a, long ao, MemorySegment u, long uo, MemorySegment r, long ro) {
        equalityResidualRange(v, vo, t, to, r, ro, 0, s);
        splitStartRange(s, v, vo, rho, a, ao, u, uo, r, ro, 0, rows - s);
    }

    /** r[i] ← v[i] − t[i] for i in [from, n): the support rows of the ADMM's stacked residual. */
    public static void equalityResidualRange(MemorySegment v, long vo, MemorySegment t, long to, MemorySegment r,
                                             long ro, int from, int n) {
        for (int i = from; i < n; i++) {
            long o = 4L * i;
            put(r, ro + o, get(v, vo + o) - get(t, to + o));
        }
    }

    /** For j in [from, c): a[j] ← min(v[s + j], 0), u[j] ← 0, r[s + j] ← ρ((v[s + j] − a[j]) − u[j]). */
    public static void splitStartRange(int s, MemorySegment v, long vo, float rho, MemorySegment a, long ao,
                                       MemorySegment u, long uo, MemorySegment r, long ro, int from, int c) {
        long vs = vo + 4L * s, rs = ro + 4L * s;
        for (int j = from; j < c; j++) {
            long o = 4L * j;
            float vj = get(v, vs + o);
            float aj = Math.min(vj, 0f);
            float uj = 0f;
            put(a, ao + o, aj);
            put(u, uo + o, uj);
            put(r, rs + o, rho * (vj - aj - uj));
        }
    }

    // ---------------------------------------------------------------- BLAS level 3

    @Override
    public void gemmNT(float alpha, MemorySegment x, long xo, int ldx, int rows, int k, MemorySegment w, long wo,
                       int ldw, int m, float beta, MemorySegment y, long yo, int ldy, MemorySegment b, long bo) {
        gemmNTRange(alpha, x, xo, ldx, 0, rows, k, w, wo, ldw, m, beta, y, yo, ldy, b, bo);
    }

    /**
     * Rows [s0, s1) of {@link #gemmNT}: each entry one four-accumulator {@link #dot} (shared with the SIMD
     * implementation for rows shorter than a vector).
     */
    public static void gemmNTRange(float alpha, MemorySegment x, long xo, int ldx, int s0, int s1, int k,
                                   MemorySegment w, long wo, int ldw, int m, float beta, MemorySegment y, long yo,
                                   int ldy, MemorySegment b, long bo) {
        for (int s = s0; s < s1; s++) {
            long xr = xo + 4L * s * ldx, yr = yo + 4L * s * ldy;
            for (int i = 0; i < m; i++) {
                float v = alpha * dotPlain(x, xr, w, wo + 4L * i * ldw, k);
                long oy = yr + 4L * i;
                if (beta != 0f) {
                    v += beta * get(y, oy);
                }
                if (b != null) {
                    v += get(b, bo + 4L * i);
                }
                put(y, oy, v);
            }
        }
    }

    private static float dotPlain(MemorySegment x, long xo, MemorySegment y, long yo, int n) {
        float a0 = 0f, a1 = 0f, a2 = 0f, a3 = 0f;
        int i = 0;
        for (; i + 4 <= n; i += 4) {
            long ox = xo + 4L * i, oy = yo + 4L * i;
            a0 += get(x, ox) * get(y, oy);
            a1 += get(x, ox + 4) * get(y, oy + 4);
            a2 += get(x, ox + 8) * get(y, oy + 8);
            a3 += get(x, ox + 12) * get(y, oy + 12);
        }
        for (; i < n; i++) {
            a0 += get(x, xo + 4L * i) * get(y, yo + 4L * i);
        }
        return (a0 + a1) + (a2 + a3);
    }

    @Override
    public void gemmTN(float alpha, MemorySegment d, long dOff, int ldd, int rows, int m, MemorySegment x, long xo,
                       int ldx, int n, float beta, MemorySegment g, long go, int ldg) {
        // G = α·Dᵀ·X: row i of G is Σ_s (α·D[s][i])·X[s], a sequence of axpys over rows of X.
        mulRowMajor(alpha, d, dOff, 4L, 4L * ldd, m, rows, x, xo, 4L * ldx, n, beta, g, go, 4L * ldg);
    }

    @Override
    public void gemmNN(float alpha, MemorySegment d, long dOff, int ldd, int rows, int m, MemorySegment w, long wo,
                       int ldw, int n, float beta, MemorySegment z, long zo, int ldz) {
        mulRowMajor(alpha, d, dOff, 4L * ldd, 4L, rows, m, w, wo, 4L * ldw, n, beta, z, zo, 4L * ldz);
    }

    @Override
    public void bregmanGradientBatch(Activation sigma, MemorySegment w, long wo, int ldw, int m, int n,
                                     MemorySegment x, long xo, int ldx, int rows, MemorySegment b, long bo,
                                     MemorySegment t, long to, int ldt, MemorySegment z, long zo, int ldz,
                                     MemorySegment r, long ro, int ldr, MemorySegment g, long go, int ldg,
                                     double[] sums) {
        // Two passes over W (the scalar twin): R = X·Wᵀ + 1·bᵀ, the residuals, G = R·W.
        gemmNTRange(1f, x, xo, ldx, 0, rows, n, w, wo, ldw, m, 0f, r, ro, ldr, b, bo);
        if (sums != null) {
            java.util.Arrays.fill(sums, 0, rows, 0.0);
        }
        batchResiduals(sigma, rows, 0, m, t, to, ldt, z, zo, ldz, r, ro, ldr, sums);
        mulRowMajor(1f, r, ro, 4L * ldr, 4L, rows, m, w, wo, 4L * ldw, n, 0f, g, go, 4L * ldg);
    }

    /**
     * Columns [i0, i1) of every row s &lt; rows of a batch's pre-activations R: Z[s][i] ← R[s][i] (z may be null),
     * R[s][i] ← σ(R[s][i]) − T[s][i], and sums[s] += Σ_i R[s][i]² in double (sums may be null). Shared with the
     * SIMD implementation, which calls it per block of W's rows.
     */
    public static void batchResiduals(Activation sigma, int rows, int i0, int i1, MemorySegment t, long to, int ldt,
                                      MemorySegment z, long zo, int ldz, MemorySegment r, long ro, int ldr,
                                      double[] sums) {
        for (int s = 0; s < rows; s++) {
            long rs = ro + 4L * s * ldr, ts = to + 4L * s * ldt, zs = zo + 4L * s * ldz;
            double acc = 0.0;
            for (int i = i0; i < i1; i++) {
                long o = 4L * i;
                float v = get(r, rs + o);
                if (z != null) {
                    put(z, zs + o, v);
                }
                float e = sigma.apply(v) - get(t, ts + o);
                put(r, rs + o, e);
                acc += (double) e * e;
            }
            if (sums != null) {
                sums[s] += acc;
            }
        }
    }

    /**
     * C ← α·A·B + β·C for A {@code rows × k} given by byte strides (element (i, p) at
     * {@code ao + i·ars + p·acs}, so that A may be Dᵀ without a copy), B {@code k × n} and C {@code rows × n}
     * row-major with byte leading dimensions: row i of C accumulates the rows of B scaled by A's row i, in
     * order of p, then takes α and β.
     */
    public static void mulRowMajor(float alpha, MemorySegment a, long ao, long ars, long acs, int rows, int k,
                                   MemorySegment b, long bo, long ldb, int n, float beta, MemorySegment c, long co,
                                   long ldc) {
        for (int i = 0; i < rows; i++) {
            long ci = co + i * ldc;
            for (int j = 0; j < n; j++) {
                long o = ci + 4L * j;
                float acc = 0f;
                for (int p = 0; p < k; p++) {
                    acc += get(a, ao + i * ars + p * acs) * get(b, bo + p * ldb + 4L * j);
                }
                float v = alpha * acc;
                if (beta != 0f) {
                    v += beta * get(c, o);
                }
                put(c, o, v);
            }
        }
    }
}
