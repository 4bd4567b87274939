package dev.netinvert.kernels;

import java.lang.foreign.MemorySegment;

/**
 * The contract of the finite-difference / total-variation kernels, implemented twice (SIMD and
 * scalar) like {@link KernelSupport}. Arguments are raw {@code (segment, byteOffset)} pairs and are
 * <b>trusted</b>: the caller is the validating facade {@link TotalVariation}, or a test that pits the
 * implementations against {@code reference.ReferenceStencils}.
 *
 * <h2>Layout</h2>
 * An image has {@code c × h × w} floats, channel planes of {@code h × w} row-major rows with no padding:
 * element (ch, i, j) is at byte {@code off + 4·((ch·h + i)·w + j)}. A gradient field is two such planes
 * {@code p1} (∂₁, rows) and {@code p2} (∂₂, columns), see {@link GradientField}.
 *
 * <h2>The operators, eq. (14) [000]</h2>
 * <pre>
 *   (∇x)₁[i,j] = x[i+1,j] − x[i,j]  if i &lt; h−1, else 0
 *   (∇x)₂[i,j] = x[i,j+1] − x[i,j]  if j &lt; w−1, else 0
 *   div p = −∇ᵀp:  (div p)[i,j] = (p1[i,j]·[i&lt;h−1] − p1[i−1,j]·[i&gt;0]) + (p2[i,j]·[j&lt;w−1] − p2[i,j−1]·[j&gt;0])
 * </pre>
 * per channel, where [·] is 1 when the condition holds and the term is absent otherwise. Absent terms
 * are 0, so the last row of p1 and last column of p2 are never read — exactly as ∇ᵀ ignores them.
 *
 * <h2>Row ranges</h2>
 * Every method takes rows {@code [r0, r1)} ({@code 0 ≤ r0 ≤ r1 ≤ h}) and works on those rows of every
 * channel: it writes only those rows of its output, and the values it writes do not depend on the range
 * (a stencil may read the neighbouring rows r0−1 or r1 of its inputs). So a fork-join caller can split an
 * image into row blocks and get bit-identical outputs for any split. Reductions return the sum over the
 * range, in double; summing the blocks' results differs from the whole-image result only by the double
 * rounding of that final sum.
 *
 * <h2>Accuracy of reductions</h2>
 * Implementations may accumulate one row's terms in float (per vector lane) and add each row's sum into a
 * double; the error is then at most about (w + 2·log₂ lanes)·2⁻²⁴ times the sum of the terms' magnitudes.
 */
public interface StencilSupport {

    /** "simd" or "scalar". */
    String name();

    /** d1 ← ∂₁x, d2 ← ∂₂x on rows [r0, r1). d1, d2 must not overlap x or each other. */
    void gradient(MemorySegment x, long xo, int c, int h, int w, int r0, int r1,
                  MemorySegment d1, long d1o, MemorySegment d2, long d2o);

    /** out ← div p = −∇ᵀp on rows [r0, r1). out must not overlap p1 or p2. */
    void divergence(MemorySegment p1, long p1o, MemorySegment p2, long p2o, int c, int h, int w, int r0, int r1,
                    MemorySegment out, long oo);

    /** Σ over pixels of rows [r0, r1) of √(Σ_ch (∂₁x)² + (∂₂x)²): the isotropic TV ‖∇x‖₂,₁, ∇x computed on the fly. */
    double tvIsotropic(MemorySegment x, long xo, int c, int h, int w, int r0, int r1);

    /** Σ over rows [r0, r1) and channels of |∂₁x| + |∂₂x|: the anisotropic TV ‖∇x‖₁,₁, ∇x computed on the fly. */
    double tvAnisotropic(MemorySegment x, long xo, int c, int h, int w, int r0, int r1);

    /** Σ over pixels of rows [r0, r1) of √(Σ_ch p1² + p2²) (the ℓ2,1 norm of a field). */
    double norm21(MemorySegment p1, long p1o, MemorySegment p2, long p2o, int c, int h, int w, int r0, int r1);

    /** Σ over rows [r0, r1) and channels of |p1| + |p2| (the ℓ1,1 norm of a field). */
    double norm11(MemorySegment p1, long p1o, MemorySegment p2, long p2o, int c, int h, int w, int r0, int r1);

    /**
     * In place, per pixel of rows [r0, r1): p ← p · (1 / max(1, ‖p‖/r)) with ‖p‖ = √(Σ_ch p1² + p2²) —
     * the projection onto the ℓ2 ball of radius r &gt; 0, jointly over channels and both directions.
     * A pixel inside the ball is left bit-for-bit unchanged.
     */
    void projectL2(float r, MemorySegment p1, long p1o, MemorySegment p2, long p2o, int c, int h, int w,
                   int r0, int r1);

    /** In place on rows [r0, r1): p ← max(−r, min(r, p)) elementwise, the projection onto the ℓ∞ box. */
    void projectLinf(float r, MemorySegment p1, long p1o, MemorySegment p2, long p2o, int c, int h, int w,
                     int r0, int r1);

    /**
     * The PDHG primal step of eq. (14a) [000] on rows [r0, r1), in one pass with div z computed on the fly:
     * <pre>  out ← x − τx·(g − α·div z)          returns Σ (out − x)²  (the float values as written)</pre>
     * {@code out} must not overlap x, g, z1 or z2 (the dual step that follows needs x^k, so a solver
     * keeps two buffers anyway; out-of-place lets a row end with an overlapping vector).
     */
    double pdhgPrimal(float tauX, float alpha, MemorySegment x, long xo, MemorySegment g, long go,
                      MemorySegment z1, long z1o, MemorySegment z2, long z2o, int c, int h, int w, int r0, int r1,
                      MemorySegment out, long oo);

    /**
     * The PDHG dual step of eq. (14b) [000] with isotropic TV, on rows [r0, r1), in one stencil pass
     * and in place on z:
     * <pre>
     *   u = 2·xNew − xOld,  q = z + σ·∇u,  z ← q · (1 / max(1, ‖q‖)) per pixel,  σ = τz·α
     * </pre>
     * (the prox of τz·(‖·‖₂,₁)*, the projection onto the unit ball, since α is inside K = α∇). Returns
     * Σ (z_new − z_old)². Reads rows [r0, min(r1 + 1, h)) of xNew and xOld; z1, z2 must overlap neither.
     */
    double pdhgDualIsotropic(float sigma, MemorySegment xNew, long xno, MemorySegment xOld, long xoo,
                             MemorySegment z1, long z1o, MemorySegment z2, long z2o, int c, int h, int w,
                             int r0, int r1);

    /** As {@link #pdhgDualIsotropic} with anisotropic TV: z ← max(−1, min(1, q)) elementwise. */
    double pdhgDualAnisotropic(float sigma, MemorySegment xNew, long xno, MemorySegment xOld, long xoo,
                               MemorySegment z1, long z1o, MemorySegment z2, long z2o, int c, int h, int w,
                               int r0, int r1);
}
