package dev.netinvert.kernels.scalar;

import static dev.netinvert.kernels.internal.SegmentFloats.get;
import static dev.netinvert.kernels.internal.SegmentFloats.put;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.ProxSupport;
import java.lang.foreign.MemorySegment;

/**
 * The fallback when the Vector API is absent or C2 is off: one element at a time through the
 * double-precision scalar mathematics of {@link Activation}, rounding each result to float once. It is
 * therefore as accurate as the reference (and gives identical results), at the speed of scalar
 * {@code Math.exp}/{@code Math.log} — the prox of tanh and sigmoid costs a few Newton steps of those.
 * Sums are accumulated in double in index order.
 */
public final class ScalarProxSupport implements ProxSupport {

    ScalarProxSupport() {}

    @Override public String name() { return "scalar"; }

    @Override
    public void apply(Activation sigma, MemorySegment z, long zo, MemorySegment out, long oo, int n) {
        for (int i = 0; i < n; i++) {
            put(out, oo + 4L * i, (float) sigma.sigma(get(z, zo + 4L * i)));
        }
    }

    @Override
    public void prox(Activation sigma, float c, MemorySegment z, long zo, MemorySegment out, long oo, int n) {
        for (int i = 0; i < n; i++) {
            put(out, oo + 4L * i, (float) sigma.prox(get(z, zo + 4L * i), c));
        }
    }

    @Override
    public long proxCountingIterations(Activation sigma, float c, MemorySegment z, long zo,
                                       MemorySegment out, long oo, int n) {
        long count = 0;
        for (int i = 0; i < n; i++) {
            float zi = get(z, zo + 4L * i);
            count += sigma.proxIterations(zi, c);
            put(out, oo + 4L * i, (float) sigma.prox(zi, c));
        }
        return count;
    }

    @Override
    public void derivative(Activation sigma, MemorySegment z, long zo, MemorySegment out, long oo, int n) {
        for (int i = 0; i < n; i++) {
            put(out, oo + 4L * i, (float) sigma.derivative(get(z, zo + 4L * i)));
        }
    }

    @Override
    public void bregmanGradient(Activation sigma, MemorySegment y, long yo, MemorySegment z, long zo,
                                MemorySegment out, long oo, int n) {
        for (int i = 0; i < n; i++) {
            float yi = get(y, yo + 4L * i);
            put(out, oo + 4L * i, sigma.apply(get(z, zo + 4L * i)) - yi);
        }
    }

    @Override
    public void leastSquaresGradient(Activation sigma, MemorySegment y, long yo, MemorySegment z, long zo,
                                     MemorySegment m, long mo, MemorySegment out, long oo, int n) {
        for (int i = 0; i < n; i++) {
            long o = 4L * i;
            float w = m == null ? 1f : get(m, mo + o);
            float zi = get(z, zo + o);
            put(out, oo + o, w == 0f ? 0f : w * ((float) sigma.derivative(zi) * (sigma.apply(zi) - get(y, yo + o))));
        }
    }

    @Override
    public void l1ProxStep(float mu, float t, boolean nonNeg, MemorySegment x, long xo, MemorySegment g, long go,
                           MemorySegment p, long po, MemorySegment u, long uo, int n, double[] sums) {
        sums[0] = 0;
        sums[1] = 0;
        sums[2] = 0;
        l1ProxRange(mu, t, nonNeg, x, xo, g, go, p, po, u, uo, 0, n, sums);
    }

    /**
     * Elements [from, n) of {@code l1ProxStep}, their three sums added to {@code sums}: the whole scalar
     * kernel, and the tail of the SIMD one after its vector part (one definition of the element step).
     */
    public static void l1ProxRange(float mu, float t, boolean nonNeg, MemorySegment x, long xo, MemorySegment g,
                                   long go, MemorySegment p, long po, MemorySegment u, long uo, int from, int n,
                                   double[] sums) {
        double change = sums[0], norm = sums[1], dir = sums[2];
        for (int i = from; i < n; i++) {
            long o = 4L * i;
            float xi = get(x, xo + o);
            float v = Math.fma(-mu, get(g, go + o), xi);
            float pi = get(p, po + o); // before u is written: u may be p
            float ui = nonNeg ? Math.max(v - t, 0f) : v - Math.min(Math.max(v, -t), t);
            put(u, uo + o, ui);
            float d = ui - pi;
            change += (double) d * d;
            norm += (double) ui * ui;
            dir += (double) (xi - ui) * d;
        }
        sums[0] = change;
        sums[1] = norm;
        sums[2] = dir;
    }

    @Override
    public double psiSum(Activation sigma, MemorySegment u, long uo, int n) {
        double sum = 0.0;
        for (int i = 0; i < n; i++) {
            sum += sigma.psi(get(u, uo + 4L * i));
        }
        return sum;
    }

    @Override
    public double conjugateSum(Activation sigma, MemorySegment z, long zo, int n) {
        double sum = 0.0;
        for (int i = 0; i < n; i++) {
            sum += sigma.conjugate(get(z, zo + 4L * i));
        }
        return sum;
    }

    @Override
    public double bregmanSum(Activation sigma, MemorySegment y, long yo, MemorySegment z, long zo, int n) {
        double sum = 0.0;
        for (int i = 0; i < n; i++) {
            sum += sigma.bregman(get(y, yo + 4L * i), get(z, zo + 4L * i));
        }
        return sum;
    }

    @Override
    public int firstOutsideDomain(Activation sigma, MemorySegment y, long yo, int n) {
        for (int i = 0; i < n; i++) {
            if (!sigma.inDomain(get(y, yo + 4L * i))) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public void multiplyByDerivativeFromOutput(Activation sigma, MemorySegment x, long xo, MemorySegment v, long vo,
                                               int n) {
        multiplyByDerivativeFromOutputRange(sigma, x, xo, v, vo, 0, n);
    }

    /**
     * Elements [from, n) of {@code multiplyByDerivativeFromOutput}: the whole scalar kernel and the tail of
     * the SIMD one (one definition of the element step).
     */
    public static void multiplyByDerivativeFromOutputRange(Activation sigma, MemorySegment x, long xo,
                                                           MemorySegment v, long vo, int from, int n) {
        if (sigma instanceof Activation.Identity) {
            return;
        }
        for (int i = from; i < n; i++) {
            long o = 4L * i;
            put(v, vo + o, sigma.derivativeFromOutput(get(x, xo + o)) * get(v, vo + o));
        }
    }
}
