package dev.netinvert.kernels.simd;

import static dev.netinvert.kernels.internal.SegmentFloats.get;
import static dev.netinvert.kernels.simd.VectorConstants.LE;
import static jdk.incubator.vector.VectorOperators.EQ;
import static jdk.incubator.vector.VectorOperators.EXP;
import static jdk.incubator.vector.VectorOperators.EXPM1;
import static jdk.incubator.vector.VectorOperators.F2D;
import static jdk.incubator.vector.VectorOperators.GE;
import static jdk.incubator.vector.VectorOperators.LOG;
import static jdk.incubator.vector.VectorOperators.LOG1P;
import static jdk.incubator.vector.VectorOperators.LT;

import dev.netinvert.kernels.Activation;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The sums of {@link SimdProxSupport} in double lanes: Σ Ψ(u), Σ Φ*(z) and the Bregman loss
 * Σ B_Ψ(y, z) of eq. (4) [000]. Each step loads a full vector of floats (species F) and widens its low half into
 * a vector of doubles of the same shape ({@code convertShape(F2D, D, 0)}), then steps on by half a vector, so
 * every float is loaded twice (from L1) and widened once; the reference formulas of {@link Activation} are
 * evaluated lane-wise in double and add into one accumulator, so the sums match the reference up to summation
 * order (a few n·2⁻⁵³·Σ|terms|). Only full-width float vectors are loaded, as in SimdKernelSupport's double
 * sums: a half-width float species beside F makes the receiver profiles of the Vector API's shared FloatVector
 * methods bimorphic (Float256Vector and Float128Vector under AVX2), after which C2 was seen to lose vector
 * intrinsics in other kernels and box their vectors (jmh/RESULTS.md, "Half-width float vectors"). Inside the
 * loops only the formula for finite arguments in dom Ψ runs; lanes that are not (NaN, ±∞, y ∉ dom Ψ) make the
 * loop's sum NaN, and the sum is then recomputed by the scalar reference, which knows the special values. The
 * last elements (fewer than L) and, with 128-bit vectors, all of them ({@link #VECTOR}) go through the scalar
 * code.
 *
 * <p>Each activation's three loops are the methods of one constant of {@link Loops}, found by one switch
 * over the activation. They are virtual calls on purpose: with three or more activations in use the call
 * site is megamorphic, so C2 compiles each loop on its own instead of inlining them all into one method
 * that would exceed its node budget (and box vectors). A loop's sum is NaN if it met a special lane (by
 * poisoning its accumulator, which needs no mask carried around the loop).
 */
final class DoubleLaneSums {
    private DoubleLaneSums() {}

    // static final so that C2 treats species and lengths as constants (DESIGN.md decision 3).
    private static final VectorSpecies<Float> F = VectorConstants.SPECIES;
    private static final VectorSpecies<Double> D = VectorSpecies.of(double.class, F.vectorShape());
    private static final int L = F.length();
    /** Doubles per vector of D, floats per step of the loops: half a float vector. */
    private static final int H = D.length();
    /** Where the loops leave their accumulator (H doubles), per thread: no vector crosses a call. */
    private static final ThreadLocal<double[]> LANES = ThreadLocal.withInitial(() -> new double[H]);

    private static final double LN2 = 0.6931471805599453;
    private static final double NAN = Double.NaN;

    // ------------------------------------------------------------------ entry points

    static double psiSum(Activation sigma, MemorySegment u, long uo, int n) {
        int bound = halfBound(n);
        double v = 0.0;
        if (bound > 0) {
            double[] lanes = LANES.get();
            Loops.of(sigma).psi(u, uo, bound, parameter(sigma, true), lanes);
            v = sum(lanes);
        }
        return Double.isNaN(v) ? scalarPsiSum(sigma, u, uo, 0, n) : v + scalarPsiSum(sigma, u, uo, bound, n);
    }

    static double conjugateSum(Activation sigma, MemorySegment z, long zo, int n) {
        // These formulas give the limits at ±∞ and propagate NaN by themselves: no fallback needed.
        int bound = halfBound(n);
        double sum = 0.0;
        if (bound > 0) {
            double[] lanes = LANES.get();
            Loops.of(sigma).conjugate(z, zo, bound, parameter(sigma, false), lanes);
            sum = sum(lanes);
        }
        for (int i = bound; i < n; i++) {
            sum += sigma.conjugate(get(z, zo + 4L * i));
        }
        return sum;
    }

    static double bregmanSum(Activation sigma, MemorySegment y, long yo, MemorySegment z, long zo, int n) {
        int bound = halfBound(n);
        double v = 0.0;
        if (bound > 0) {
            double[] lanes = LANES.get();
            Loops.of(sigma).bregman(y, yo, z, zo, bound, parameter(sigma, false), lanes);
            v = sum(lanes);
        }
        // Not finite: a poisoned lane, or (identity, whose loop has no poison) ±∞ or NaN among the data.
        return Double.isFinite(v) ? v + scalarBregmanSum(sigma, y, yo, z, zo, bound, n)
                : scalarBregmanSum(sigma, y, yo, z, zo, 0, n);
    }

    /**
     * Where the loops stop: they step by H elements and each step loads a full float vector (L = 2H floats) at
     * its start, so the last step starts at most L elements before n; the scalar code takes the rest (fewer
     * than L elements).
     */
    private static int halfBound(int n) {
        return !VECTOR || n < L ? 0 : ((n - L) / H + 1) * H;
    }

    /**
     * Whether the loops run at all: not with two doubles per vector (128-bit vectors), whose masks C2 does not
     * intrinsify on x86 ({@code -XX:+PrintIntrinsics}: "not supported: op=blend vlen=2 etype=double", likewise
     * the compares), so that every compare and blend allocated: 0.5-2.8 MB per sum over 4 096 elements, 30-80×
     * slower than at 256 bits. There the scalar code takes every element (bound 0).
     */
    private static final boolean VECTOR = H >= 4;

    /** The loops' lanes in index order: the same sum whatever the compiler did. */
    private static double sum(double[] lanes) {
        double s = 0.0;
        for (int k = 0; k < H; k++) {
            s += lanes[k];
        }
        return s;
    }

    private static double scalarPsiSum(Activation sigma, MemorySegment u, long uo, int from, int n) {
        double sum = 0.0;
        for (int i = from; i < n; i++) {
            sum += sigma.psi(get(u, uo + 4L * i));
        }
        return sum;
    }

    private static double scalarBregmanSum(Activation sigma, MemorySegment y, long yo, MemorySegment z, long zo,
                                           int from, int n) {
        double sum = 0.0;
        for (int i = from; i < n; i++) {
            sum += sigma.bregman(get(y, yo + 4L * i), get(z, zo + 4L * i));
        }
        return sum;
    }

    /** The parameter the loops take: leaky ReLU's curvature k (Ψ) or slope (B_Ψ, Φ*), soft-threshold's λ. */
    private static double parameter(Activation sigma, boolean curvature) {
        return switch (sigma) {
            case Activation.LeakyRelu lr -> curvature ? lr.curvature() : lr.slope();
            case Activation.SoftThreshold st -> st.lambda();
            default -> 0.0;
        };
    }

    // ------------------------------------------------------------------ the loops, one constant per activation

    /**
     * The vector loops over [0, bound) of one activation, H elements per step: the full float vector at the step
     * is loaded and its low half widened ({@code convertShape(F2D, D, 0)}), so that each formula is written once
     * per loop and every operation is the Vector API's own ({@code @ForceInline}); the loops leave their
     * accumulator in {@code lanes}. Ψ loops NaN-poison lanes outside dom Ψ (NaN and ±∞ included); B_Ψ loops
     * those with z = ±∞ (the limits need the scalar rules) or y ∉ dom Ψ; the Φ* formulas need no poison.
     * {@code p} is {@link #parameter}'s value, unused by the activations without one.
     *
     * <p>No helper takes or returns a vector: the formulas were helpers, and the two halves of each float vector
     * were two copies of the formula in one loop; under AVX2 C2 reached its node budget inside the larger loops
     * (NodeCountInliningCutoff) and refused the helpers, boxing their arguments and results on every step:
     * Σ B_Ψ over 4 096 elements allocated 98-172 KB per call for six of the seven activations, Σ Ψ 131 KB for
     * tanh, and ran 3-5× slower than at 512 bits (jmh/RESULTS.md, sixteenth session).
     */
    private enum Loops {
        IDENTITY {
            @Override void psi(MemorySegment u, long uo, int bound, double p, double[] lanes) {
                DoubleVector a = DoubleVector.zero(D); // Ψ = 0 on ℝ (identity)
                for (int i = 0; i < bound; i += H) {
                    DoubleVector v = (DoubleVector) FloatVector.fromMemorySegment(F, u, uo + 4L * i, LE).convertShape(F2D, D, 0);
                    a = a.blend(NAN, v.abs().compare(LT, Double.POSITIVE_INFINITY).not());
                }
                a.intoArray(lanes, 0);
            }

            @Override void conjugate(MemorySegment z, long zo, int bound, double p, double[] lanes) {
                DoubleVector a = DoubleVector.zero(D);
                for (int i = 0; i < bound; i += H) {
                    DoubleVector v = (DoubleVector) FloatVector.fromMemorySegment(F, z, zo + 4L * i, LE).convertShape(F2D, D, 0);
                    a = a.add(v.mul(v).mul(0.5));
                }
                a.intoArray(lanes, 0);
            }

            @Override void bregman(MemorySegment y, long yo, MemorySegment z, long zo, int bound, double p, double[] lanes) {
                DoubleVector a = DoubleVector.zero(D);
                for (int i = 0; i < bound; i += H) {
                    DoubleVector yv = (DoubleVector) FloatVector.fromMemorySegment(F, y, yo + 4L * i, LE).convertShape(F2D, D, 0);
                    DoubleVector zv = (DoubleVector) FloatVector.fromMemorySegment(F, z, zo + 4L * i, LE).convertShape(F2D, D, 0);
                    DoubleVector r = yv.sub(zv);
                    a = a.add(r.mul(r).mul(0.5)); // ±∞ or NaN anywhere makes r², hence the sum, non-finite
                }
                a.intoArray(lanes, 0);
            }
        },

        RELU {
            @Override void psi(MemorySegment u, long uo, int bound, double p, double[] lanes) {
                DoubleVector a = DoubleVector.zero(D);
                for (int i = 0; i < bound; i += H) {
                    DoubleVector v = (DoubleVector) FloatVector.fromMemorySegment(F, u, uo + 4L * i, LE).convertShape(F2D, D, 0);
                    a = a.blend(NAN, v.compare(GE, 0.0).and(v.compare(LT, Double.POSITIVE_INFINITY)).not());
                }
                a.intoArray(lanes, 0);
            }

            @Override void conjugate(MemorySegment z, long zo, int bound, double p, double[] lanes) {
                DoubleVector a = DoubleVector.zero(D);
                for (int i = 0; i < bound; i += H) {
                    DoubleVector v = ((DoubleVector) FloatVector.fromMemorySegment(F, z, zo + 4L * i, LE).convertShape(F2D, D, 0)).max(0.0);
                    a = a.add(v.mul(v).mul(0.5));
                }
                a.intoArray(lanes, 0);
            }

            @Override void bregman(MemorySegment y, long yo, MemorySegment z, long zo, int bound, double p, double[] lanes) {
                DoubleVector a = DoubleVector.zero(D);
                for (int i = 0; i < bound; i += H) {
                    DoubleVector yv = (DoubleVector) FloatVector.fromMemorySegment(F, y, yo + 4L * i, LE).convertShape(F2D, D, 0);
                    DoubleVector zv = (DoubleVector) FloatVector.fromMemorySegment(F, z, zo + 4L * i, LE).convertShape(F2D, D, 0);
                    DoubleVector r = yv.sub(zv.max(0.0));
                    a = a.add(r.mul(r).mul(0.5).add(yv.mul(zv.neg().max(0.0))))
                            .blend(NAN, yv.compare(GE, 0.0).and(yv.compare(LT, Double.POSITIVE_INFINITY)).not()
                                    .or(zv.abs().compare(EQ, Double.POSITIVE_INFINITY)));
                }
                a.intoArray(lanes, 0);
            }
        },

        LEAKY_RELU {
            @Override void psi(MemorySegment u, long uo, int bound, double k, double[] lanes) {
                DoubleVector a = DoubleVector.zero(D);
                for (int i = 0; i < bound; i += H) {
                    DoubleVector v = (DoubleVector) FloatVector.fromMemorySegment(F, u, uo + 4L * i, LE).convertShape(F2D, D, 0);
                    a = a.add(v.mul(v).mul(0.5 * k).blend(0.0, v.compare(GE, 0.0)))
                            .blend(NAN, v.abs().compare(LT, Double.POSITIVE_INFINITY).not());
                }
                a.intoArray(lanes, 0);
            }

            @Override void conjugate(MemorySegment z, long zo, int bound, double s, double[] lanes) {
                DoubleVector a = DoubleVector.zero(D);
                for (int i = 0; i < bound; i += H) {
                    DoubleVector v = (DoubleVector) FloatVector.fromMemorySegment(F, z, zo + 4L * i, LE).convertShape(F2D, D, 0);
                    a = a.add(v.mul(v).mul(DoubleVector.broadcast(D, 0.5).blend(0.5 * s, v.compare(LT, 0.0))));
                }
                a.intoArray(lanes, 0);
            }

            @Override void bregman(MemorySegment y, long yo, MemorySegment z, long zo, int bound, double s, double[] lanes) {
                DoubleVector a = DoubleVector.zero(D);
                for (int i = 0; i < bound; i += H) {
                    DoubleVector yv = (DoubleVector) FloatVector.fromMemorySegment(F, y, yo + 4L * i, LE).convertShape(F2D, D, 0);
                    DoubleVector zv = (DoubleVector) FloatVector.fromMemorySegment(F, z, zo + 4L * i, LE).convertShape(F2D, D, 0);
                    VectorMask<Double> yNeg = yv.compare(LT, 0.0), zNeg = zv.compare(LT, 0.0);
                    DoubleVector r = yv.sub(zv).blend(yv.sub(zv.mul(s)), yNeg.and(zNeg));
                    // One sign: ½(y − z)² or (y − sz)²/(2s); signs that differ: three non-negative terms.
                    DoubleVector same = r.mul(r).mul(0.5).blend(r.mul(r).mul(0.5 / s), yNeg);
                    DoubleVector phiY = yv.mul(yv).mul(0.5).blend(yv.mul(yv).mul(0.5 / s), yNeg);
                    DoubleVector conj = zv.mul(zv).mul(0.5).blend(zv.mul(zv).mul(0.5 * s), zNeg);
                    DoubleVector mixed = phiY.add(conj).sub(yv.mul(zv));
                    a = a.add(mixed.blend(same, yNeg.eq(zNeg)))
                            .blend(NAN, yv.add(zv).abs().compare(LT, Double.POSITIVE_INFINITY).not());
                }
                a.intoArray(lanes, 0);
            }
        },

        SOFT_THRESHOLD {
            @Override void psi(MemorySegment u, long uo, int bound, double lambda, double[] lanes) {
                DoubleVector a = DoubleVector.zero(D);
                for (int i = 0; i < bound; i += H) {
                    DoubleVector v = ((DoubleVector) FloatVector.fromMemorySegment(F, u, uo + 4L * i, LE).convertShape(F2D, D, 0)).abs();
                    a = a.add(v.mul(lambda)).blend(NAN, v.compare(LT, Double.POSITIVE_INFINITY).not());
                }
                a.intoArray(lanes, 0);
            }

            @Override void conjugate(MemorySegment z, long zo, int bound, double lambda, double[] lanes) {
                DoubleVector a = DoubleVector.zero(D);
                for (int i = 0; i < bound; i += H) {
                    DoubleVector v = ((DoubleVector) FloatVector.fromMemorySegment(F, z, zo + 4L * i, LE).convertShape(F2D, D, 0))
                            .abs().sub(lambda).max(0.0);
                    a = a.add(v.mul(v).mul(0.5));
                }
                a.intoArray(lanes, 0);
            }

            @Override void bregman(MemorySegment y, long yo, MemorySegment z, long zo, int bound, double lambda, double[] lanes) {
                DoubleVector a = DoubleVector.zero(D);
                for (int i = 0; i < bound; i += H) {
                    DoubleVector yv = (DoubleVector) FloatVector.fromMemorySegment(F, y, yo + 4L * i, LE).convertShape(F2D, D, 0);
                    DoubleVector zv = (DoubleVector) FloatVector.fromMemorySegment(F, z, zo + 4L * i, LE).convertShape(F2D, D, 0);
                    DoubleVector m = zv.abs().sub(lambda).max(0.0);
                    DoubleVector r = yv.sub(m.blend(m.neg(), zv.compare(LT, 0.0)));
                    DoubleVector c = zv.max(-lambda).min(lambda);
                    a = a.add(r.mul(r).mul(0.5).add(yv.abs().mul(lambda).sub(yv.mul(c))))
                            .blend(NAN, yv.add(zv).abs().compare(LT, Double.POSITIVE_INFINITY).not());
                }
                a.intoArray(lanes, 0);
            }
        },

        TANH {
            @Override void psi(MemorySegment u, long uo, int bound, double p, double[] lanes) {
                DoubleVector a = DoubleVector.zero(D);
                for (int i = 0; i < bound; i += H) {
                    DoubleVector v = (DoubleVector) FloatVector.fromMemorySegment(F, u, uo + 4L * i, LE).convertShape(F2D, D, 0);
                    DoubleVector x = v.mul(v);
                    // Σ_{k≥2} u^(2k)/(2k(2k−1)) below |u| = 0.1, where the direct form would cancel; 9 terms reach 2⁻⁵³.
                    DoubleVector t = x.mul(1.0 / 380).add(1.0 / 306);
                    t = t.mul(x).add(1.0 / 240);
                    t = t.mul(x).add(1.0 / 182);
                    t = t.mul(x).add(1.0 / 132);
                    t = t.mul(x).add(1.0 / 90);
                    t = t.mul(x).add(1.0 / 56);
                    t = t.mul(x).add(1.0 / 30);
                    t = t.mul(x).add(1.0 / 12);
                    t = t.mul(x).mul(x);
                    // ½[(1 + u) ln(1 + u) + (1 − u) ln(1 − u)] − ½u², x·ln x as x·ln max(x, MIN_VALUE) (0·ln 0 = 0).
                    DoubleVector p1 = v.add(1.0), m1 = v.neg().add(1.0);
                    DoubleVector direct = p1.mul(p1.max(Double.MIN_VALUE).lanewise(LOG))
                            .add(m1.mul(m1.max(Double.MIN_VALUE).lanewise(LOG))).mul(0.5).sub(x.mul(0.5));
                    a = a.add(direct.blend(t, v.abs().compare(LT, 0.1))).blend(NAN, v.abs().compare(VectorOperators.LE, 1.0).not());
                }
                a.intoArray(lanes, 0);
            }

            @Override void conjugate(MemorySegment z, long zo, int bound, double p, double[] lanes) {
                DoubleVector a = DoubleVector.zero(D);
                for (int i = 0; i < bound; i += H) {
                    DoubleVector v = (DoubleVector) FloatVector.fromMemorySegment(F, z, zo + 4L * i, LE).convertShape(F2D, D, 0);
                    // With e = e^|z| from one EXPM1 (m = e − 1) and one LOG1P: ln cosh = ln(1 + m²/(2e)) for |z| ≤ 1,
                    // where cosh − 1 = m²/(2e) does not cancel, and |z| + ln(1 + 1/e²) − ln 2 beyond (e² = ∞ from
                    // |z| ≈ 355 on, where e^(−2|z|) underflows anyway). Not −½ ln(1 − tanh²) as in the scalar twin: the
                    // double-lane TANH costs 35 ns an element under AVX2 (jmh/RESULTS.md, seventeenth session).
                    DoubleVector av = v.abs(), m = av.lanewise(EXPM1), e = m.add(1.0);
                    VectorMask<Double> near = av.compare(VectorOperators.LE, 1.0);
                    DoubleVector r = DoubleVector.broadcast(D, 1.0).blend(m.mul(m), near).div(e.mul(e).blend(e.mul(2.0), near))
                            .lanewise(LOG1P);
                    a = a.add(r.add(av).sub(LN2).blend(r, near));
                }
                a.intoArray(lanes, 0);
            }

            @Override void bregman(MemorySegment y, long yo, MemorySegment z, long zo, int bound, double p, double[] lanes) {
                DoubleVector a = DoubleVector.zero(D);
                for (int i = 0; i < bound; i += H) {
                    DoubleVector yv = (DoubleVector) FloatVector.fromMemorySegment(F, y, yo + 4L * i, LE).convertShape(F2D, D, 0);
                    DoubleVector zv = (DoubleVector) FloatVector.fromMemorySegment(F, z, zo + 4L * i, LE).convertShape(F2D, D, 0);
                    DoubleVector p1 = yv.add(1.0), m1 = yv.neg().add(1.0);
                    DoubleVector phi = p1.mul(p1.max(Double.MIN_VALUE).lanewise(LOG))
                            .add(m1.mul(m1.max(Double.MIN_VALUE).lanewise(LOG))).mul(0.5).sub(LN2);
                    DoubleVector linear = m1.mul(zv).blend(p1.mul(zv).neg(), zv.compare(LT, 0.0));
                    a = a.add(phi.add(zv.abs().mul(-2.0).lanewise(EXP).lanewise(LOG1P)).add(linear))
                            .blend(NAN, yv.abs().compare(VectorOperators.LE, 1.0).not()
                                    .or(zv.abs().compare(EQ, Double.POSITIVE_INFINITY)));
                }
                a.intoArray(lanes, 0);
            }
        },

        CLIP {
            @Override void psi(MemorySegment u, long uo, int bound, double p, double[] lanes) {
                DoubleVector a = DoubleVector.zero(D);
                for (int i = 0; i < bound; i += H) {
                    DoubleVector v = (DoubleVector) FloatVector.fromMemorySegment(F, u, uo + 4L * i, LE).convertShape(F2D, D, 0);
                    a = a.blend(NAN, v.abs().compare(VectorOperators.LE, 1.0).not());
                }
                a.intoArray(lanes, 0);
            }

            @Override void conjugate(MemorySegment z, long zo, int bound, double p, double[] lanes) {
                DoubleVector a = DoubleVector.zero(D);
                for (int i = 0; i < bound; i += H) {
                    DoubleVector v = (DoubleVector) FloatVector.fromMemorySegment(F, z, zo + 4L * i, LE).convertShape(F2D, D, 0);
                    DoubleVector av = v.abs();
                    a = a.add(av.sub(0.5).blend(v.mul(v).mul(0.5), av.compare(VectorOperators.LE, 1.0)));
                }
                a.intoArray(lanes, 0);
            }

            @Override void bregman(MemorySegment y, long yo, MemorySegment z, long zo, int bound, double p, double[] lanes) {
                DoubleVector a = DoubleVector.zero(D);
                for (int i = 0; i < bound; i += H) {
                    DoubleVector yv = (DoubleVector) FloatVector.fromMemorySegment(F, y, yo + 4L * i, LE).convertShape(F2D, D, 0);
                    DoubleVector zv = (DoubleVector) FloatVector.fromMemorySegment(F, z, zo + 4L * i, LE).convertShape(F2D, D, 0);
                    DoubleVector c = zv.min(1.0).max(-1.0), r = yv.sub(c);
                    a = a.add(r.mul(r).mul(0.5).add(c.sub(yv).mul(zv.sub(c))))
                            .blend(NAN, yv.abs().compare(VectorOperators.LE, 1.0).not()
                                    .or(zv.abs().compare(EQ, Double.POSITIVE_INFINITY)));
                }
                a.intoArray(lanes, 0);
            }
        },

        SIGMOID {
            @Override void psi(MemorySegment u, long uo, int bound, double p, double[] lanes) {
                DoubleVector a = DoubleVector.zero(D);
                for (int i = 0; i < bound; i += H) {
                    DoubleVector v = (DoubleVector) FloatVector.fromMemorySegment(F, u, uo + 4L * i, LE).convertShape(F2D, D, 0);
                    DoubleVector m1 = v.neg().add(1.0); // u ln u + (1 − u) ln(1 − u) − ½u²
                    DoubleVector psi = v.mul(v.max(Double.MIN_VALUE).lanewise(LOG))
                            .add(m1.mul(m1.max(Double.MIN_VALUE).lanewise(LOG))).sub(v.mul(v).mul(0.5));
                    a = a.add(psi).blend(NAN, v.compare(GE, 0.0).and(v.compare(VectorOperators.LE, 1.0)).not());
                }
                a.intoArray(lanes, 0);
            }

            @Override void conjugate(MemorySegment z, long zo, int bound, double p, double[] lanes) {
                DoubleVector a = DoubleVector.zero(D);
                for (int i = 0; i < bound; i += H) { // softplus
                    DoubleVector v = (DoubleVector) FloatVector.fromMemorySegment(F, z, zo + 4L * i, LE).convertShape(F2D, D, 0);
                    a = a.add(v.max(0.0).add(v.abs().neg().lanewise(EXP).lanewise(LOG1P)));
                }
                a.intoArray(lanes, 0);
            }

            @Override void bregman(MemorySegment y, long yo, MemorySegment z, long zo, int bound, double p, double[] lanes) {
                DoubleVector a = DoubleVector.zero(D);
                for (int i = 0; i < bound; i += H) {
                    DoubleVector yv = (DoubleVector) FloatVector.fromMemorySegment(F, y, yo + 4L * i, LE).convertShape(F2D, D, 0);
                    DoubleVector zv = (DoubleVector) FloatVector.fromMemorySegment(F, z, zo + 4L * i, LE).convertShape(F2D, D, 0);
                    DoubleVector m1 = yv.neg().add(1.0);
                    DoubleVector phi = yv.mul(yv.max(Double.MIN_VALUE).lanewise(LOG)).add(m1.mul(m1.max(Double.MIN_VALUE).lanewise(LOG)));
                    DoubleVector linear = m1.mul(zv).blend(yv.mul(zv).neg(), zv.compare(LT, 0.0));
                    a = a.add(phi.add(zv.abs().neg().lanewise(EXP).lanewise(LOG1P)).add(linear))
                            .blend(NAN, yv.compare(GE, 0.0).and(yv.compare(VectorOperators.LE, 1.0)).not()
                                    .or(zv.abs().compare(EQ, Double.POSITIVE_INFINITY)));
                }
                a.intoArray(lanes, 0);
            }
        };

        abstract void psi(MemorySegment u, long uo, int bound, double p, double[] lanes);

        abstract void conjugate(MemorySegment z, long zo, int bound, double p, double[] lanes);

        abstract void bregman(MemorySegment y, long yo, MemorySegment z, long zo, int bound, double p, double[] lanes);

        static Loops of(Activation sigma) {
            return switch (sigma) {
                case Activation.Identity a -> IDENTITY;
                case Activation.Relu a -> RELU;
                case Activation.LeakyRelu a -> LEAKY_RELU;
                case Activation.SoftThreshold a -> SOFT_THRESHOLD;
                case Activation.Tanh a -> TANH;
                case Activation.Clip a -> CLIP;
                case Activation.Sigmoid a -> SIGMOID;
            };
        }
    }
}
