package dev.netinvert.jmh;

import dev.netinvert.kernels.Blas;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.kernels.GradientField;
import dev.netinvert.kernels.Image;
import dev.netinvert.kernels.TotalVariation;
import dev.netinvert.kernels.reference.ReferenceStencils;
import java.util.SplittableRandom;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Setup;

/**
 * The PDHG steps of eq. (14) [000] on a single-channel {@code size × size} image, fused (one pass) vs
 * unfused (the same arithmetic through temporaries with the fast kernels) vs the plain-array reference.
 *
 * <p>Bytes that must move per call (N = size²): the dual step reads x⁺, x, z1, z2 and writes z1, z2
 * (24·N); the primal step reads x, g, z1, z2 and writes x⁺ (20·N). The unfused versions move several
 * times that through their temporaries. See jmh/RESULTS-stencils.md.
 */
public class PdhgStepBench extends ImageBench {

    /** sec. 5.1.1 [000]: α = 1.5e-2, τz = 1/(8α); τx is a plausible 1.99/‖W‖². */
    private static final float ALPHA = 1.5e-2f, TAU_Z = 1f / (8 * ALPHA), TAU_X = 1.99f / 4000f;

    private Image x, xNew, div, u;
    private FloatVec g, t, zOld1, zOld2;
    private GradientField z, grad;
    private float[] xa, xNewa, ga, z1a, z2a, outa;
    // Preallocated temporaries for the allocation-free reference composition.
    private float[] ua, d1a, d2a, old1a, old2a, diva;
    private static final int PEER_ROWS = 16;
    private FloatVec[] peerXn, peerX, peerZ1, peerZ2;

    @Setup
    public void setup() {
        SplittableRandom rnd = requireSimdStencils(7);
        int n = size * size;
        xa = Inputs.uniform(rnd, n);
        xNewa = Inputs.uniform(rnd, n);
        ga = Inputs.uniform(rnd, n);
        z1a = Inputs.uniform(rnd, n);
        z2a = Inputs.uniform(rnd, n);
        // ∂₁ is 0 in the last row and ∂₂ in the last column, so a solve started from z = 0 keeps z1 and
        // z2 at 0 there. Random values would instead be rescaled by the projection at every call and
        // decay geometrically into subnormals, which cost x86 microcode assists and distort the timing.
        for (int k = 0; k < size; k++) {
            z1a[(size - 1) * size + k] = 0f;
            z2a[k * size + size - 1] = 0f;
        }
        outa = new float[n];
        ua = new float[n];
        d1a = new float[n];
        d2a = new float[n];
        old1a = new float[n];
        old2a = new float[n];
        diva = new float[n];
        x = image(xa);
        xNew = image(xNewa);
        div = Image.allocate(arena, 1, size, size);
        u = Image.allocate(arena, 1, size, size);
        g = FloatVec.of(arena, ga);
        t = FloatVec.allocate(arena, n);
        zOld1 = FloatVec.allocate(arena, n);
        zOld2 = FloatVec.allocate(arena, n);
        z = field(z1a, z2a);
        grad = GradientField.allocate(arena, 1, size, size);
        int blocks = (size + PEER_ROWS - 1) / PEER_ROWS;
        peerXn = new FloatVec[blocks];
        peerX = new FloatVec[blocks];
        peerZ1 = new FloatVec[blocks];
        peerZ2 = new FloatVec[blocks];
        for (int b = 0; b < blocks; b++) {
            int from = b * PEER_ROWS * size, len = Math.min(PEER_ROWS, size - b * PEER_ROWS) * size;
            peerXn[b] = xNew.values().slice(from, len);
            peerX[b] = x.values().slice(from, len);
            peerZ1[b] = z.d1().slice(from, len);
            peerZ2[b] = z.d2().slice(from, len);
        }
    }

    // ---------------------------------------------------------------- dual step, eq. (14b)

    /** One stencil pass: z ← proj(z + τz·α·∇(2x⁺ − x)), returning ‖z⁺ − z‖². */
    @Benchmark
    public double dualFusedSimd() {
        return TotalVariation.dualStepIsotropic(xNew, x, z, TAU_Z, ALPHA);
    }

    @Benchmark
    public double dualAnisotropicFusedSimd() {
        return TotalVariation.dualStepAnisotropic(xNew, x, z, TAU_Z, ALPHA);
    }

    @Benchmark
    public double dualFusedScalar() {
        return scalar.pdhgDualIsotropic(TAU_Z * ALPHA, xNew.values().segment(), xNew.values().byteOffset(),
                x.values().segment(), x.values().byteOffset(), z.d1().segment(), z.d1().byteOffset(),
                z.d2().segment(), z.d2().byteOffset(), 1, size, size, 0, size);
    }

    /**
     * The same step with the SIMD kernels but unfused: keep z, u = 2x⁺ − x, ∇u into temporaries,
     * z += σ∇u, project, then ‖z⁺ − z‖² from the kept copy.
     */
    @Benchmark
    public double dualUnfusedSimd() {
        Blas.copy(z.d1(), zOld1);
        Blas.copy(z.d2(), zOld2);
        Blas.copy(xNew.values(), u.values());
        Blas.scale(2f, u.values());
        Blas.axpy(-1f, x.values(), u.values());
        TotalVariation.gradient(u, grad);
        float sigma = TAU_Z * ALPHA;
        Blas.axpy(sigma, grad.d1(), z.d1());
        Blas.axpy(sigma, grad.d2(), z.d2());
        TotalVariation.projectL2Ball(z, 1f);
        Blas.axpy(-1f, z.d1(), zOld1);
        Blas.axpy(-1f, z.d2(), zOld2);
        return (double) Blas.sumOfSquares(zOld1) + Blas.sumOfSquares(zOld2);
    }

    /**
     * The bandwidth peer: the same 24 B/px as the fused dual step (read x⁺, x, z1, z2; write z1, z2) in one
     * pass over the same 64 MiB at 2048², moved by BLAS axpys (z1 += s·x⁺, z2 += s·x) interleaved over
     * blocks of {@value #PEER_ROWS} rows — what this machine's memory delivers for this traffic, measured
     * in the same run. (Two whole-image axpys would each touch only 32 MiB, which partly stays in L3.)
     * s is tiny so that z stays put.
     */
    @Benchmark
    public void bandwidthTwoAxpy() {
        for (int b = 0; b < peerXn.length; b++) {
            Blas.axpy(1e-9f, peerXn[b], peerZ1[b]);
            Blas.axpy(1e-9f, peerX[b], peerZ2[b]);
        }
    }

    /** The specification as written (it allocates its temporaries on every call). */
    @Benchmark
    public double dualReference() {
        return ReferenceStencils.pdhgDualIsotropic(1, size, size, TAU_Z, ALPHA, xNewa, xa, z1a, z2a);
    }

    /** The reference composition on float[] with preallocated temporaries: the fair plain-Java baseline. */
    @Benchmark
    public double dualReferenceNoAlloc() {
        int n = xa.length;
        float sigma = TAU_Z * ALPHA;
        System.arraycopy(z1a, 0, old1a, 0, n);
        System.arraycopy(z2a, 0, old2a, 0, n);
        for (int k = 0; k < n; k++) {
            ua[k] = 2f * xNewa[k] - xa[k];
        }
        ReferenceStencils.gradient(1, size, size, ua, d1a, d2a);
        for (int k = 0; k < n; k++) {
            z1a[k] = z1a[k] + sigma * d1a[k];
            z2a[k] = z2a[k] + sigma * d2a[k];
        }
        ReferenceStencils.projectL2(1, size, size, z1a, z2a, 1f);
        double change = 0;
        for (int k = 0; k < n; k++) {
            float e1 = z1a[k] - old1a[k], e2 = z2a[k] - old2a[k];
            change += (double) e1 * e1 + (double) e2 * e2;
        }
        return change;
    }

    // ---------------------------------------------------------------- primal step, eq. (14a)

    /** One pass: x⁺ = x − τx·(g − α·div z), returning ‖x⁺ − x‖². */
    @Benchmark
    public double primalFusedSimd() {
        return TotalVariation.primalStep(x, g, z, TAU_X, ALPHA, xNew);
    }

    @Benchmark
    public double primalFusedScalar() {
        return scalar.pdhgPrimal(TAU_X, ALPHA, x.values().segment(), x.values().byteOffset(), g.segment(), g.byteOffset(),
                z.d1().segment(), z.d1().byteOffset(), z.d2().segment(), z.d2().byteOffset(), 1, size, size, 0, size,
                xNew.values().segment(), xNew.values().byteOffset());
    }

    /** Unfused with the SIMD kernels: div z into a temporary, t = g − α·div, x⁺ = x − τx·t, then ‖x⁺ − x‖². */
    @Benchmark
    public double primalUnfusedSimd() {
        TotalVariation.divergence(z, div);
        Blas.copy(g, t);
        Blas.axpy(-ALPHA, div.values(), t);
        Blas.copy(x.values(), xNew.values());
        Blas.axpy(-TAU_X, t, xNew.values());
        Blas.copy(xNew.values(), u.values());
        Blas.axpy(-1f, x.values(), u.values());
        return Blas.sumOfSquares(u.values());
    }

    @Benchmark
    public double primalReference() {
        return ReferenceStencils.pdhgPrimal(1, size, size, TAU_X, ALPHA, xa, ga, z1a, z2a, outa);
    }
}
