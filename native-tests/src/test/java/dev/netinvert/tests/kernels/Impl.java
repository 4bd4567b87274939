package dev.netinvert.tests.kernels;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.Blas;
import dev.netinvert.kernels.Fused;
import dev.netinvert.kernels.KernelProvider;
import dev.netinvert.kernels.KernelSupport;
import java.util.ArrayList;
import java.util.List;

/**
 * One way of running the kernels, so that every cross-check runs against each of them: the raw
 * {@link KernelSupport} implementations available in this JVM (scalar always, SIMD when the Vector API is
 * usable — at the width this surefire execution forces), and the public facades {@link Blas} / {@link Fused},
 * which validate and then call the active implementation with full-size views.
 */
interface Impl {

    /** The {@link KernelSupport#name()} of the implementation that does the work. */
    String kernelName();

    boolean usesFma();

    float dot(Buf x, Buf y);

    void axpy(float a, Buf x, Buf y);

    void scale(float a, Buf x);

    void copy(Buf src, Buf dst);

    void fill(float v, Buf x);

    float sumOfSquares(Buf x);

    float norm2(Buf x);

    float maxAbs(Buf x);

    /** Rows [r0, r1) of y ← α·W·x + β·y (+ b); {@code b} may be null. */
    void gemv(float alpha, Mat w, int r0, int r1, Buf x, float beta, Buf y, Buf b);

    /** y ← α·W[r0:r1]ᵀ·r[r0:r1] + β·y. */
    void gemvT(float alpha, Mat w, int r0, int r1, Buf r, float beta, Buf y);

    /** Rows [r0, r1) of z = Wx + b, g = Wᵀ(σ(z) − t); returns Σ(σ(z) − t)². */
    double bregmanGradient(Activation sigma, Mat w, int r0, int r1, Buf x, Buf b, Buf t, Buf z, Buf g);

    /** x ← L⁻¹x for the square lower-triangular L. */
    void trsvLower(Mat l, Buf x);

    /** x ← L⁻ᵀx. */
    void trsvLowerTransposed(Mat l, Buf x);

    /** The raw implementations available here: scalar, and SIMD when present. */
    static List<Impl> raw() {
        List<Impl> out = new ArrayList<>();
        out.add(new Raw(KernelProvider.scalar().kernelSupport()));
        KernelProvider.simd().ifPresent(p -> out.add(new Raw(p.kernelSupport())));
        return out;
    }

    /** {@link #raw()} plus the facades. */
    static List<Impl> all() {
        List<Impl> out = raw();
        out.add(new Facade());
        return out;
    }

    /** Raw SPI calls with {@code (segment, byteOffset)} arguments, no validation. */
    record Raw(KernelSupport k) implements Impl {
        @Override public String kernelName() { return k.name(); }

        @Override public boolean usesFma() { return k.usesFma(); }

        @Override public float dot(Buf x, Buf y) { return k.dot(x.seg, x.off, y.seg, y.off, x.n); }

        @Override public void axpy(float a, Buf x, Buf y) { k.axpy(a, x.seg, x.off, y.seg, y.off, x.n); }

        @Override public void scale(float a, Buf x) { k.scale(a, x.seg, x.off, x.n); }

        @Override public void copy(Buf src, Buf dst) { k.copy(src.seg, src.off, dst.seg, dst.off, src.n); }

        @Override public void fill(float v, Buf x) { k.fill(v, x.seg, x.off, x.n); }

        @Override public float sumOfSquares(Buf x) { return k.sumOfSquares(x.seg, x.off, x.n); }

        @Override public float norm2(Buf x) { return (float) Math.sqrt(sumOfSquares(x)); }

        @Override public float maxAbs(Buf x) { return k.maxAbs(x.seg, x.off, x.n); }

        @Override
        public void gemv(float alpha, Mat w, int r0, int r1, Buf x, float beta, Buf y, Buf b) {
            k.gemv(alpha, w.buf.seg, w.buf.off, w.ld, r0, r1, w.cols, x.seg, x.off, beta, y.seg, y.off,
                    b == null ? null : b.seg, b == null ? 0 : b.off);
        }

        @Override
        public void gemvT(float alpha, Mat w, int r0, int r1, Buf r, float beta, Buf y) {
            k.gemvT(alpha, w.buf.seg, w.buf.off, w.ld, r0, r1, w.cols, r.seg, r.off, beta, y.seg, y.off);
        }

        @Override
        public double bregmanGradient(Activation sigma, Mat w, int r0, int r1, Buf x, Buf b, Buf t, Buf z, Buf g) {
            return k.bregmanGradient(sigma, w.buf.seg, w.buf.off, w.ld, r0, r1, w.cols, x.seg, x.off,
                    b == null ? null : b.seg, b == null ? 0 : b.off, t.seg, t.off, z.seg, z.off, g.seg, g.off);
        }

        @Override
        public void trsvLower(Mat l, Buf x) {
            k.trsvLower(l.buf.seg, l.buf.off, l.ld, l.rows, x.seg, x.off);
        }

        @Override
        public void trsvLowerTransposed(Mat l, Buf x) {
            k.trsvLowerTransposed(l.buf.seg, l.buf.off, l.ld, l.rows, x.seg, x.off);
        }

        @Override
        public String toString() {
            return k.name().equals("simd") ? "simd-" + k.vectorBitSize() : k.name();
        }
    }

    /** The public facades over {@code FloatVec}/{@code FloatMatrix} views; full ranges use the plain overloads. */
    record Facade() implements Impl {
        @Override public String kernelName() { return Blas.active().name(); }

        @Override public boolean usesFma() { return Blas.active().usesFma(); }

        @Override public float dot(Buf x, Buf y) { return Blas.dot(x.vec(), y.vec()); }

        @Override public void axpy(float a, Buf x, Buf y) { Blas.axpy(a, x.vec(), y.vec()); }

        @Override public void scale(float a, Buf x) { Blas.scale(a, x.vec()); }

        @Override public void copy(Buf src, Buf dst) { Blas.copy(src.vec(), dst.vec()); }

        @Override public void fill(float v, Buf x) { Blas.fill(x.vec(), v); }

        @Override public float sumOfSquares(Buf x) { return Blas.sumOfSquares(x.vec()); }

        @Override public float norm2(Buf x) { return Blas.norm2(x.vec()); }

        @Override public float maxAbs(Buf x) { return Blas.maxAbs(x.vec()); }

        @Override
        public void gemv(float alpha, Mat w, int r0, int r1, Buf x, float beta, Buf y, Buf b) {
            if (r0 == 0 && r1 == w.rows && b == null) {
                Blas.gemv(alpha, w.matrix(), x.vec(), beta, y.vec());
            } else if (r0 == 0 && r1 == w.rows) {
                Blas.gemv(alpha, w.matrix(), x.vec(), beta, y.vec(), b.vec());
            } else {
                Blas.gemvRows(alpha, w.matrix(), r0, r1, x.vec(), beta, y.vec(), b == null ? null : b.vec());
            }
        }

        @Override
        public void gemvT(float alpha, Mat w, int r0, int r1, Buf r, float beta, Buf y) {
            if (r0 == 0 && r1 == w.rows) {
                Blas.gemvT(alpha, w.matrix(), r.vec(), beta, y.vec());
            } else {
                Blas.gemvTRows(alpha, w.matrix(), r0, r1, r.vec(), beta, y.vec());
            }
        }

        @Override
        public double bregmanGradient(Activation sigma, Mat w, int r0, int r1, Buf x, Buf b, Buf t, Buf z, Buf g) {
            if (r0 == 0 && r1 == w.rows) {
                return Fused.bregmanGradient(sigma, w.matrix(), x.vec(), b == null ? null : b.vec(), t.vec(),
                        z.vec(), g.vec());
            }
            return Fused.bregmanGradientRows(sigma, w.matrix(), r0, r1, x.vec(), b == null ? null : b.vec(),
                    t.vec(), z.vec(), g.vec());
        }

        @Override
        public void trsvLower(Mat l, Buf x) {
            Blas.trsvLower(l.matrix(), x.vec());
        }

        @Override
        public void trsvLowerTransposed(Mat l, Buf x) {
            Blas.trsvLowerTransposed(l.matrix(), x.vec());
        }

        @Override
        public String toString() {
            Impl active = new Raw(Blas.active());
            return "facade(" + active + ")";
        }
    }
}
