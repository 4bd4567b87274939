package dev.netinvert.kernels.simd;

import static dev.netinvert.kernels.internal.SegmentFloats.get;
import static dev.netinvert.kernels.simd.VectorConstants.LE;
import static jdk.incubator.vector.VectorOperators.EQ;
import static jdk.incubator.vector.VectorOperators.EXP;
import static jdk.incubator.vector.VectorOperators.F2D;
import static jdk.incubator.vector.VectorOperators.GE;
import static jdk.incubator.vector.VectorOperators.LOG;
import static jdk.incubator.vector.VectorOperators.LOG1P;
import static jdk.incubator.vector.VectorOperators.LT;
import static jdk.incubator.vector.VectorOperators.TANH;

import dev.netinvert.kernels.Activation;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The sums of {@link SimdProxSupport} in double lanes: Σ Ψ(u), Σ Φ*(z) and the Bregman loss
 * Σ B_Ψ(y, z) of eq. (4) [000]. Each full vector of floats (species F) is widened into two vectors of doubles
 * of the same shape ({@code convertShape(F2D, D, 0)} and {@code (F2D, D, 1)}, its low and high halves), the
 * reference formulas of {@link Activation} are evaluated lane-wise in double on each, and each half adds into an
 * accumulator of its own, so the sums match the reference up to summation order (a few n·2⁻⁵³·Σ|terms|).
 * Only full-width float vectors are loaded, as in SimdKernelSupport's double sums: a half-width float species
 * beside F makes the receiver profiles of the Vector API's shared FloatVector methods bimorphic (Float256Vector
 * and Float128Vector under AVX2), after which C2 was seen to lose vector intrinsics in other kernels and box
 * their vectors (jmh/RESULTS.md, "Half-width float vectors"). Inside the loops only the formula for finite
 * arguments in dom Ψ runs; lanes that are not (NaN, ±∞, y ∉ dom Ψ) make the loop return NaN, and the
 * sum is then recomputed by the scalar reference, which knows the special values.
 *
 * <p>Each activation's three loops are the methods of one constant of {@link Loops}, found by one switch
 * over the activation. They are virtual calls on purpose: with three or more activations in use the call
 * site is megamorphic, so C2 compiles each loop on its own instead of inlining them all into one method
 * that would exceed its node budget (and box vectors). A loop returns NaN if it met a special lane (by
 * poisoning the accumulator of the half it met it in, which needs no mask carried around the loop).
 */
final class DoubleLaneSums {
    private DoubleLaneSums() {}

    // static final so that C2 treats species and lengths as constants (DESIGN.md decision 3).
    private static final VectorSpecies<Float> F = VectorConstants.SPECIES;
    private static final VectorSpecies<Double> D = VectorSpecies.of(double.class, F.vectorShape());
    private static final int L = F.length();

    private static final double LN2 = 0.6931471805599453;
    private static final double NAN = Double.NaN;

    // ------------------------------------------------------------------ entry points

    static double psiSum(Activation sigma, MemorySegment u, long uo, int n) {
        int bound = F.loopBound(n);
        double v = Loops.of(sigma).psi(u, uo, bound, parameter(sigma, true));
        return Double.isNaN(v) ? scalarPsiSum(sigma, u, uo, 0, n) : v + scalarPsiSum(sigma, u, uo, bound, n);
    }

    static double conjugateSum(Activation sigma, MemorySegment z, long zo, int n) {
        // These formulas give the limits at ±∞ and propagate NaN by themselves: no fallback needed.
        int bound = F.loopBound(n);
        double sum = Loops.of(sigma).conjugate(z, zo, bound, parameter(sigma, false));
        for (int i = bound; i < n; i++) {
            sum += sigma.conjugate(get(z, zo + 4L * i));
        }
        return sum;
    }

    static double bregmanSum(Activation sigma, MemorySegment y, long yo, MemorySegment z, long zo, int n) {
        int bound = F.loopBound(n);
        double v = Loops.of(sigma).bregman(y, yo, z, zo, bound, parameter(sigma, false));
        return Double.isNaN(v) ? scalarBregmanSum(sigma, y, yo, z, zo, 0, n)
                : v + scalarBregmanSum(sigma, y, yo, z, zo, bound, n);
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
     * The vector loops over [0, bound) of one activation. Ψ loops NaN-poison lanes outside dom Ψ (NaN and
     * ±∞ included); B_Ψ loops those with z = ±∞ (the limits need the scalar rules) or y ∉ dom Ψ; the
     * Φ* formulas need no poison. {@code p} is {@link #parameter}'s value, unused by the activations
     * without one.
     */
    private enum Loops {
        IDENTITY {
            @Override double psi(MemorySegment u, long uo, int bound, double p) {
                DoubleVector a0 = DoubleVector.zero(D), a1 = a0; // Ψ = 0 on ℝ (identity)
                for (int i = 0; i < bound; i += L) {
                    FloatVector f = FloatVector.fromMemorySegment(F, u, uo + 4L * i, LE);
                    DoubleVector v0 = (DoubleVector) f.convertShape(F2D, D, 0), v1 = (DoubleVector) f.convertShape(F2D, D, 1);
                    a0 = a0.blend(NAN, v0.abs().compare(LT, Double.POSITIVE_INFINITY).not());
                    a1 = a1.blend(NAN, v1.abs().compare(LT, Double.POSITIVE_INFINITY).not());
                }
                return Lanes.sum(a0.add(a1));
            }

            @Override double conjugate(MemorySegment z, long zo, int bound, double p) {
                DoubleVector a0 = DoubleVector.zero(D), a1 = a0;
                for (int i = 0; i < bound; i += L) {
                    FloatVector f = FloatVector.fromMemorySegment(F, z, zo + 4L * i, LE);
                    DoubleVector v0 = (DoubleVector) f.convertShape(F2D, D, 0), v1 = (DoubleVector) f.convertShape(F2D, D, 1);
                    a0 = a0.add(v0.mul(v0).mul(0.5));
                    a1 = a1.add(v1.mul(v1).mul(0.5));
                }
                return Lanes.sum(a0.add(a1));
            }

            @Override double bregman(MemorySegment y, long yo, MemorySegment z, long zo, int bound, double p) {
                DoubleVector a0 = DoubleVector.zero(D), a1 = a0;
                for (int i = 0; i < bound; i += L) {
                    FloatVector yf = FloatVector.fromMemorySegment(F, y, yo + 4L * i, LE);
                    FloatVector zf = FloatVector.fromMemorySegment(F, z, zo + 4L * i, LE);
                    DoubleVector r0 = ((DoubleVector) yf.convertShape(F2D, D, 0)).sub((DoubleVector) zf.convertShape(F2D, D, 0));
                    DoubleVector r1 = ((DoubleVector) yf.convertShape(F2D, D, 1)).sub((DoubleVector) zf.convertShape(F2D, D, 1));
                    a0 = a0.add(r0.mul(r0).mul(0.5)); // ±∞ or NaN anywhere makes r², hence the sum, non-finite
                    a1 = a1.add(r1.mul(r1).mul(0.5));
                }
                double sum = Lanes.sum(a0.add(a1));
                return Double.isInfinite(sum) ? NAN : sum;
            }
        },

        RELU {
            @Override double psi(MemorySegment u, long uo, int bound, double p) {
                DoubleVector a0 = DoubleVector.zero(D), a1 = a0;
                for (int i = 0; i < bound; i += L) {
                    FloatVector f = FloatVector.fromMemorySegment(F, u, uo + 4L * i, LE);
                    DoubleVector v0 = (DoubleVector) f.convertShape(F2D, D, 0), v1 = (DoubleVector) f.convertShape(F2D, D, 1);
                    a0 = a0.blend(NAN, v0.compare(GE, 0.0).and(v0.compare(LT, Double.POSITIVE_INFINITY)).not());
                    a1 = a1.blend(NAN, v1.compare(GE, 0.0).and(v1.compare(LT, Double.POSITIVE_INFINITY)).not());
                }
                return Lanes.sum(a0.add(a1));
            }

            @Override double conjugate(MemorySegment z, long zo, int bound, double p) {
                DoubleVector a0 = DoubleVector.zero(D), a1 = a0;
                for (int i = 0; i < bound; i += L) {
                    FloatVector f = FloatVector.fromMemorySegment(F, z, zo + 4L * i, LE);
                    DoubleVector v0 = ((DoubleVector) f.convertShape(F2D, D, 0)).max(0.0);
                    DoubleVector v1 = ((DoubleVector) f.convertShape(F2D, D, 1)).max(0.0);
                    a0 = a0.add(v0.mul(v0).mul(0.5));
                    a1 = a1.add(v1.mul(v1).mul(0.5));
                }
                return Lanes.sum(a0.add(a1));
            }

            @Override double bregman(MemorySegment y, long yo, MemorySegment z, long zo, int bound, double p) {
                DoubleVector a0 = DoubleVector.zero(D), a1 = a0;
                for (int i = 0; i < bound; i += L) {
                    FloatVector yf = FloatVector.fromMemorySegment(F, y, yo + 4L * i, LE);
                    FloatVector zf = FloatVector.fromMemorySegment(F, z, zo + 4L * i, LE);
                    DoubleVector y0 = (DoubleVector) yf.convertShape(F2D, D, 0), z0 = (DoubleVector) zf.convertShape(F2D, D, 0);
                    DoubleVector y1 = (DoubleVector) yf.convertShape(F2D, D, 1), z1 = (DoubleVector) zf.convertShape(F2D, D, 1);
                    DoubleVector r0 = y0.sub(z0.max(0.0)), r1 = y1.sub(z1.max(0.0));
                    a0 = a0.add(r0.mul(r0).mul(0.5).add(y0.mul(z0.neg().max(0.0))))
                            .blend(NAN, y0.compare(GE, 0.0).and(y0.compare(LT, Double.POSITIVE_INFINITY)).not()
                                    .or(infinite(z0)));
                    a1 = a1.add(r1.mul(r1).mul(0.5).add(y1.mul(z1.neg().max(0.0))))
                            .blend(NAN, y1.compare(GE, 0.0).and(y1.compare(LT, Double.POSITIVE_INFINITY)).not()
                                    .or(infinite(z1)));
                }
                return Lanes.sum(a0.add(a1));
            }
        },

        LEAKY_RELU {
            @Override double psi(MemorySegment u, long uo, int bound, double k) {
                DoubleVector a0 = DoubleVector.zero(D), a1 = a0;
                for (int i = 0; i < bound; i += L) {
                    FloatVector f = FloatVector.fromMemorySegment(F, u, uo + 4L * i, LE);
                    DoubleVector v0 = (DoubleVector) f.convertShape(F2D, D, 0), v1 = (DoubleVector) f.convertShape(F2D, D, 1);
                    a0 = a0.add(v0.mul(v0).mul(0.5 * k).blend(0.0, v0.compare(GE, 0.0)))
                            .blend(NAN, v0.abs().compare(LT, Double.POSITIVE_INFINITY).not());
                    a1 = a1.add(v1.mul(v1).mul(0.5 * k).blend(0.0, v1.compare(GE, 0.0)))
                            .blend(NAN, v1.abs().compare(LT, Double.POSITIVE_INFINITY).not());
                }
                return Lanes.sum(a0.add(a1));
            }

            @Override double conjugate(MemorySegment z, long zo, int bound, double s) {
                DoubleVector a0 = DoubleVector.zero(D), a1 = a0;
                for (int i = 0; i < bound; i += L) {
                    FloatVector f = FloatVector.fromMemorySegment(F, z, zo + 4L * i, LE);
                    DoubleVector v0 = (DoubleVector) f.convertShape(F2D, D, 0), v1 = (DoubleVector) f.convertShape(F2D, D, 1);
                    a0 = a0.add(v0.mul(v0).mul(DoubleVector.broadcast(D, 0.5).blend(0.5 * s, v0.compare(LT, 0.0))));
                    a1 = a1.add(v1.mul(v1).mul(DoubleVector.broadcast(D, 0.5).blend(0.5 * s, v1.compare(LT, 0.0))));
                }
                return Lanes.sum(a0.add(a1));
            }

            @Override double bregman(MemorySegment y, long yo, MemorySegment z, long zo, int bound, double s) {
                DoubleVector a0 = DoubleVector.zero(D), a1 = a0;
                for (int i = 0; i < bound; i += L) {
                    FloatVector yf = FloatVector.fromMemorySegment(F, y, yo + 4L * i, LE);
                    FloatVector zf = FloatVector.fromMemorySegment(F, z, zo + 4L * i, LE);
                    DoubleVector y0 = (DoubleVector) yf.convertShape(F2D, D, 0), z0 = (DoubleVector) zf.convertShape(F2D, D, 0);
                    DoubleVector y1 = (DoubleVector) yf.convertShape(F2D, D, 1), z1 = (DoubleVector) zf.convertShape(F2D, D, 1);
                    a0 = a0.add(bregmanLeaky(y0, z0, s)).blend(NAN, y0.add(z0).abs().compare(LT, Double.POSITIVE_INFINITY).not());
                    a1 = a1.add(bregmanLeaky(y1, z1, s)).blend(NAN, y1.add(z1).abs().compare(LT, Double.POSITIVE_INFINITY).not());
                }
                return Lanes.sum(a0.add(a1));
            }
        },

        SOFT_THRESHOLD {
            @Override double psi(MemorySegment u, long uo, int bound, double lambda) {
                DoubleVector a0 = DoubleVector.zero(D), a1 = a0;
                for (int i = 0; i < bound; i += L) {
                    FloatVector f = FloatVector.fromMemorySegment(F, u, uo + 4L * i, LE);
                    DoubleVector v0 = ((DoubleVector) f.convertShape(F2D, D, 0)).abs();
                    DoubleVector v1 = ((DoubleVector) f.convertShape(F2D, D, 1)).abs();
                    a0 = a0.add(v0.mul(lambda)).blend(NAN, v0.compare(LT, Double.POSITIVE_INFINITY).not());
                    a1 = a1.add(v1.mul(lambda)).blend(NAN, v1.compare(LT, Double.POSITIVE_INFINITY).not());
                }
                return Lanes.sum(a0.add(a1));
            }

            @Override double conjugate(MemorySegment z, long zo, int bound, double lambda) {
                DoubleVector a0 = DoubleVector.zero(D), a1 = a0;
                for (int i = 0; i < bound; i += L) {
                    FloatVector f = FloatVector.fromMemorySegment(F, z, zo + 4L * i, LE);
                    DoubleVector v0 = ((DoubleVector) f.convertShape(F2D, D, 0)).abs().sub(lambda).max(0.0);
                    DoubleVector v1 = ((DoubleVector) f.convertShape(F2D, D, 1)).abs().sub(lambda).max(0.0);
                    a0 = a0.add(v0.mul(v0).mul(0.5));
                    a1 = a1.add(v1.mul(v1).mul(0.5));
                }
                return Lanes.sum(a0.add(a1));
            }

            @Override double bregman(MemorySegment y, long yo, MemorySegment z, long zo, int bound, double lambda) {
                DoubleVector a0 = DoubleVector.zero(D), a1 = a0;
                for (int i = 0; i < bound; i += L) {
                    FloatVector yf = FloatVector.fromMemorySegment(F, y, yo + 4L * i, LE);
                    FloatVector zf = FloatVector.fromMemorySegment(F, z, zo + 4L * i, LE);
                    DoubleVector y0 = (DoubleVector) yf.convertShape(F2D, D, 0), z0 = (DoubleVector) zf.convertShape(F2D, D, 0);
                    DoubleVector y1 = (DoubleVector) yf.convertShape(F2D, D, 1), z1 = (DoubleVector) zf.convertShape(F2D, D, 1);
                    a0 = a0.add(bregmanSoft(y0, z0, lambda))
                            .blend(NAN, y0.add(z0).abs().compare(LT, Double.POSITIVE_INFINITY).not());
                    a1 = a1.add(bregmanSoft(y1, z1, lambda))
                            .blend(NAN, y1.add(z1).abs().compare(LT, Double.POSITIVE_INFINITY).not());
                }
                return Lanes.sum(a0.add(a1));
            }
        },

        TANH {
            @Override double psi(MemorySegment u, long uo, int bound, double p) {
                DoubleVector a0 = DoubleVector.zero(D), a1 = a0;
                for (int i = 0; i < bound; i += L) {
                    FloatVector f = FloatVector.fromMemorySegment(F, u, uo + 4L * i, LE);
                    DoubleVector v0 = (DoubleVector) f.convertShape(F2D, D, 0), v1 = (DoubleVector) f.convertShape(F2D, D, 1);
                    a0 = a0.add(psiTanh(v0)).blend(NAN, v0.abs().compare(VectorOperators.LE, 1.0).not());
                    a1 = a1.add(psiTanh(v1)).blend(NAN, v1.abs().compare(VectorOperators.LE, 1.0).not());
                }
                return Lanes.sum(a0.add(a1));
            }

            @Override double conjugate(MemorySegment z, long zo, int bound, double p) {
                DoubleVector a0 = DoubleVector.zero(D), a1 = a0;
                for (int i = 0; i < bound; i += L) {
                    FloatVector f = FloatVector.fromMemorySegment(F, z, zo + 4L * i, LE);
                    a0 = a0.add(conjugateTanh((DoubleVector) f.convertShape(F2D, D, 0)));
                    a1 = a1.add(conjugateTanh((DoubleVector) f.convertShape(F2D, D, 1)));
                }
                return Lanes.sum(a0.add(a1));
            }

            @Override double bregman(MemorySegment y, long yo, MemorySegment z, long zo, int bound, double p) {
                DoubleVector a0 = DoubleVector.zero(D), a1 = a0;
                for (int i = 0; i < bound; i += L) {
                    FloatVector yf = FloatVector.fromMemorySegment(F, y, yo + 4L * i, LE);
                    FloatVector zf = FloatVector.fromMemorySegment(F, z, zo + 4L * i, LE);
                    DoubleVector y0 = (DoubleVector) yf.convertShape(F2D, D, 0), z0 = (DoubleVector) zf.convertShape(F2D, D, 0);
                    DoubleVector y1 = (DoubleVector) yf.convertShape(F2D, D, 1), z1 = (DoubleVector) zf.convertShape(F2D, D, 1);
                    a0 = a0.add(bregmanTanh(y0, z0)).blend(NAN, y0.abs().compare(VectorOperators.LE, 1.0).not().or(infinite(z0)));
                    a1 = a1.add(bregmanTanh(y1, z1)).blend(NAN, y1.abs().compare(VectorOperators.LE, 1.0).not().or(infinite(z1)));
                }
                return Lanes.sum(a0.add(a1));
            }
        },

        CLIP {
            @Override double psi(MemorySegment u, long uo, int bound, double p) {
                DoubleVector a0 = DoubleVector.zero(D), a1 = a0;
                for (int i = 0; i < bound; i += L) {
                    FloatVector f = FloatVector.fromMemorySegment(F, u, uo + 4L * i, LE);
                    a0 = a0.blend(NAN, ((DoubleVector) f.convertShape(F2D, D, 0)).abs().compare(VectorOperators.LE, 1.0).not());
                    a1 = a1.blend(NAN, ((DoubleVector) f.convertShape(F2D, D, 1)).abs().compare(VectorOperators.LE, 1.0).not());
                }
                return Lanes.sum(a0.add(a1));
            }

            @Override double conjugate(MemorySegment z, long zo, int bound, double p) {
                DoubleVector a0 = DoubleVector.zero(D), a1 = a0;
                for (int i = 0; i < bound; i += L) {
                    FloatVector f = FloatVector.fromMemorySegment(F, z, zo + 4L * i, LE);
                    DoubleVector v0 = (DoubleVector) f.convertShape(F2D, D, 0), v1 = (DoubleVector) f.convertShape(F2D, D, 1);
                    DoubleVector av0 = v0.abs(), av1 = v1.abs();
                    a0 = a0.add(av0.sub(0.5).blend(v0.mul(v0).mul(0.5), av0.compare(VectorOperators.LE, 1.0)));
                    a1 = a1.add(av1.sub(0.5).blend(v1.mul(v1).mul(0.5), av1.compare(VectorOperators.LE, 1.0)));
                }
                return Lanes.sum(a0.add(a1));
            }

            @Override double bregman(MemorySegment y, long yo, MemorySegment z, long zo, int bound, double p) {
                DoubleVector a0 = DoubleVector.zero(D), a1 = a0;
                for (int i = 0; i < bound; i += L) {
                    FloatVector yf = FloatVector.fromMemorySegment(F, y, yo + 4L * i, LE);
                    FloatVector zf = FloatVector.fromMemorySegment(F, z, zo + 4L * i, LE);
                    DoubleVector y0 = (DoubleVector) yf.convertShape(F2D, D, 0), z0 = (DoubleVector) zf.convertShape(F2D, D, 0);
                    DoubleVector y1 = (DoubleVector) yf.convertShape(F2D, D, 1), z1 = (DoubleVector) zf.convertShape(F2D, D, 1);
                    a0 = a0.add(bregmanClip(y0, z0)).blend(NAN, y0.abs().compare(VectorOperators.LE, 1.0).not().or(infinite(z0)));
                    a1 = a1.add(bregmanClip(y1, z1)).blend(NAN, y1.abs().compare(VectorOperators.LE, 1.0).not().or(infinite(z1)));
                }
                return Lanes.sum(a0.add(a1));
            }
        },

        SIGMOID {
            @Override double psi(MemorySegment u, long uo, int bound, double p) {
                DoubleVector a0 = DoubleVector.zero(D), a1 = a0;
                for (int i = 0; i < bound; i += L) {
                    FloatVector f = FloatVector.fromMemorySegment(F, u, uo + 4L * i, LE);
                    DoubleVector v0 = (DoubleVector) f.convertShape(F2D, D, 0), v1 = (DoubleVector) f.convertShape(F2D, D, 1);
                    a0 = a0.add(psiSigmoid(v0)).blend(NAN, v0.compare(GE, 0.0).and(v0.compare(VectorOperators.LE, 1.0)).not());
                    a1 = a1.add(psiSigmoid(v1)).blend(NAN, v1.compare(GE, 0.0).and(v1.compare(VectorOperators.LE, 1.0)).not());
                }
                return Lanes.sum(a0.add(a1));
            }

            @Override double conjugate(MemorySegment z, long zo, int bound, double p) {
                DoubleVector a0 = DoubleVector.zero(D), a1 = a0;
                for (int i = 0; i < bound; i += L) {
                    FloatVector f = FloatVector.fromMemorySegment(F, z, zo + 4L * i, LE);
                    a0 = a0.add(softplus((DoubleVector) f.convertShape(F2D, D, 0)));
                    a1 = a1.add(softplus((DoubleVector) f.convertShape(F2D, D, 1)));
                }
                return Lanes.sum(a0.add(a1));
            }

            @Override double bregman(MemorySegment y, long yo, MemorySegment z, long zo, int bound, double p) {
                DoubleVector a0 = DoubleVector.zero(D), a1 = a0;
                for (int i = 0; i < bound; i += L) {
                    FloatVector yf = FloatVector.fromMemorySegment(F, y, yo + 4L * i, LE);
                    FloatVector zf = FloatVector.fromMemorySegment(F, z, zo + 4L * i, LE);
                    DoubleVector y0 = (DoubleVector) yf.convertShape(F2D, D, 0), z0 = (DoubleVector) zf.convertShape(F2D, D, 0);
                    DoubleVector y1 = (DoubleVector) yf.convertShape(F2D, D, 1), z1 = (DoubleVector) zf.convertShape(F2D, D, 1);
                    a0 = a0.add(bregmanSigmoid(y0, z0))
                            .blend(NAN, y0.compare(GE, 0.0).and(y0.compare(VectorOperators.LE, 1.0)).not().or(infinite(z0)));
                    a1 = a1.add(bregmanSigmoid(y1, z1))
                            .blend(NAN, y1.compare(GE, 0.0).and(y1.compare(VectorOperators.LE, 1.0)).not().or(infinite(z1)));
                }
                return Lanes.sum(a0.add(a1));
            }
        };

        abstract double psi(MemorySegment u, long uo, int bound, double p);

        abstract double conjugate(MemorySegment z, long zo, int bound, double p);

        abstract double bregman(MemorySegment y, long yo, MemorySegment z, long zo, int bound, double p);

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

    // ------------------------------------------------------------------ lane formulas in double

    /** x·ln x with 0·ln 0 = 0, for x ≥ 0 (ln of at least MIN_VALUE: 0·(−744.4) = 0, no blend needed). */
    private static DoubleVector xlogx(DoubleVector x) {
        return x.mul(x.max(Double.MIN_VALUE).lanewise(LOG));
    }

    private static DoubleVector psiTanh(DoubleVector u) {
        DoubleVector x = u.mul(u);
        // Σ_{k≥2} u^(2k)/(2k(2k−1)) below |u| = 0.1, where the direct form would cancel; 9 terms reach 2⁻⁵³.
        DoubleVector s = x.mul(1.0 / 380).add(1.0 / 306);
        s = s.mul(x).add(1.0 / 240);
        s = s.mul(x).add(1.0 / 182);
        s = s.mul(x).add(1.0 / 132);
        s = s.mul(x).add(1.0 / 90);
        s = s.mul(x).add(1.0 / 56);
        s = s.mul(x).add(1.0 / 30);
        s = s.mul(x).add(1.0 / 12);
        s = s.mul(x).mul(x);
        DoubleVector direct = xlogx(u.add(1.0)).add(xlogx(u.neg().add(1.0))).mul(0.5).sub(x.mul(0.5));
        return direct.blend(s, u.abs().compare(LT, 0.1));
    }

    private static DoubleVector psiSigmoid(DoubleVector u) {
        return xlogx(u).add(xlogx(u.neg().add(1.0))).sub(u.mul(u).mul(0.5));
    }

    private static DoubleVector conjugateTanh(DoubleVector z) {
        DoubleVector az = z.abs();
        DoubleVector t = z.lanewise(TANH);
        DoubleVector small = t.mul(t).neg().lanewise(LOG1P).mul(-0.5); // ln cosh = −½ ln(1 − tanh²)
        DoubleVector large = az.add(az.mul(-2.0).lanewise(EXP).lanewise(LOG1P)).sub(LN2);
        return large.blend(small, az.compare(VectorOperators.LE, 1.0));
    }

    private static DoubleVector softplus(DoubleVector z) {
        return z.max(0.0).add(z.abs().neg().lanewise(EXP).lanewise(LOG1P));
    }

    private static DoubleVector bregmanLeaky(DoubleVector y, DoubleVector z, double s) {
        VectorMask<Double> yNeg = y.compare(LT, 0.0), zNeg = z.compare(LT, 0.0);
        DoubleVector r = y.sub(z).blend(y.sub(z.mul(s)), yNeg.and(zNeg));
        DoubleVector same = r.mul(r).mul(0.5).blend(r.mul(r).mul(0.5 / s), yNeg); // one sign: ½(y−z)² or (y−sz)²/(2s)
        DoubleVector phiY = y.mul(y).mul(0.5).blend(y.mul(y).mul(0.5 / s), yNeg);
        DoubleVector conj = z.mul(z).mul(0.5).blend(z.mul(z).mul(0.5 * s), zNeg);
        DoubleVector mixed = phiY.add(conj).sub(y.mul(z)); // three non-negative terms when the signs differ
        return mixed.blend(same, yNeg.eq(zNeg));
    }

    private static DoubleVector bregmanSoft(DoubleVector y, DoubleVector z, double lambda) {
        DoubleVector m = z.abs().sub(lambda).max(0.0);
        DoubleVector r = y.sub(m.blend(m.neg(), z.compare(LT, 0.0)));
        DoubleVector p = z.max(-lambda).min(lambda);
        return r.mul(r).mul(0.5).add(y.abs().mul(lambda).sub(y.mul(p)));
    }

    private static DoubleVector bregmanClip(DoubleVector y, DoubleVector z) {
        DoubleVector s = z.min(1.0).max(-1.0);
        DoubleVector r = y.sub(s);
        return r.mul(r).mul(0.5).add(s.sub(y).mul(z.sub(s)));
    }

    private static DoubleVector bregmanTanh(DoubleVector y, DoubleVector z) {
        DoubleVector phi = xlogx(y.add(1.0)).add(xlogx(y.neg().add(1.0))).mul(0.5).sub(LN2);
        DoubleVector linear = y.neg().add(1.0).mul(z).blend(y.add(1.0).mul(z).neg(), z.compare(LT, 0.0));
        return phi.add(z.abs().mul(-2.0).lanewise(EXP).lanewise(LOG1P)).add(linear);
    }

    private static DoubleVector bregmanSigmoid(DoubleVector y, DoubleVector z) {
        DoubleVector phi = xlogx(y).add(xlogx(y.neg().add(1.0)));
        DoubleVector linear = y.neg().add(1.0).mul(z).blend(y.mul(z).neg(), z.compare(LT, 0.0));
        return phi.add(z.abs().neg().lanewise(EXP).lanewise(LOG1P)).add(linear);
    }

    private static VectorMask<Double> infinite(DoubleVector z) {
        return z.abs().compare(EQ, Double.POSITIVE_INFINITY);
    }
}
