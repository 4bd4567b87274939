package dev.netinvert.tests.network;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import static dev.netinvert.tests.SameBits.assertSameBits;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.network.Activations;
import dev.netinvert.solvers.network.Network;
import dev.netinvert.solvers.network.Observations;
import dev.netinvert.solvers.network.Observations.Noise;
import dev.netinvert.solvers.network.RandomNetworks;
import dev.netinvert.solvers.network.SeededGaussian;

import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Reproducible random networks, latent codes and observations as the papers build them. */
class RandomNetworksTest {

    /**
     * The generator is pinned to its documented algorithm: SplitMix64 uniforms (re-implemented here from
     * the published constants) and Box–Muller. StrictMath makes the values exact; compare bit for bit.
     */
    @Test
    void gaussianIsBoxMullerOnSplitMix64() {
        long seed = 42;
        SeededGaussian g = new SeededGaussian(seed);
        long state = seed;
        for (int k = 0; k < 50; k++) {
            state += 0x9e3779b97f4a7c15L;
            double u1 = 1.0 - (mix64(state) >>> 11) * 0x1.0p-53;
            state += 0x9e3779b97f4a7c15L;
            double u2 = (mix64(state) >>> 11) * 0x1.0p-53;
            double r = StrictMath.sqrt(-2 * StrictMath.log(u1));
            assertEquals(r * StrictMath.cos(2 * StrictMath.PI * u2), g.nextGaussian(), 0.0);
            assertEquals(r * StrictMath.sin(2 * StrictMath.PI * u2), g.nextGaussian(), 0.0);
        }
    }

    private static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    @Test
    void sameSeedSameNetworkOtherSeedOtherNetwork() {
        try (Arena arena = Arena.ofConfined()) {
            Network a = RandomNetworks.generator002(arena, 7, 100, 200, 625);
            Network b = RandomNetworks.generator002(arena, 7, 100, 200, 625);
            Network c = RandomNetworks.generator002(arena, 8, 100, 200, 625);
            for (int l = 1; l <= 2; l++) {
                assertArrayEquals(a.dense(l).weight().toArray(), b.dense(l).weight().toArray());
                assertFalse(Arrays.equals(a.dense(l).weight().toArray(), c.dense(l).weight().toArray()));
            }
        }
    }

    /**
     * Sample moments of N(0, s²) entries: the mean of N draws has std s/√N and the variance estimate
     * has std s²·√(2/N); 5 standard deviations make a false failure a ~1e-6 event.
     */
    @Test
    void weightsHaveThePapersDistributions() {
        try (Arena arena = Arena.ofConfined()) {
            Network p = RandomNetworks.perceptron000(arena, 1);
            assertEquals("4096 -relu-> 512", p.toString());
            assertNotNull(p.dense(1).bias());
            checkMoments(p.dense(1).weight().toArray(), 1.0);
            checkMoments(p.dense(1).bias().toArray(), 1.0);
            // The same draws as gaussianWithBias, in the kernels' layout: 4 096-float rows one line longer.
            FloatMatrix pw = p.dense(1).weight();
            assertTrue(pw.ld() == FloatMatrix.paddedLd(4096) && pw.rowsAligned() && pw.rowsStaggered(), pw.toString());
            Network contiguous = RandomNetworks.gaussianWithBias(arena, 1, new int[] {4096, 512},
                    List.of(Activation.RELU), RandomNetworks.WeightScale.unit(), 1.0);
            assertArrayEquals(contiguous.dense(1).weight().toArray(), pw.toArray());
            assertArrayEquals(contiguous.dense(1).bias().toArray(), p.dense(1).bias().toArray());

            Network g = RandomNetworks.generator002(arena, 2, 200, 1000, 625);
            assertEquals("200 -relu-> 1000 -tanh-> 625", g.toString());
            assertNull(g.dense(1).bias());
            checkMoments(g.dense(2).weight().toArray(), 1.0);

            Network h = RandomNetworks.generator003(arena, 3, 20, 100, 500, Activation.RELU);
            assertEquals("20 -relu-> 100 -relu-> 500", h.toString());
            checkMoments(h.dense(1).weight().toArray(), 1.0 / 100);
            checkMoments(h.dense(2).weight().toArray(), 1.0 / 500);
        }
    }

    private static void checkMoments(float[] v, double variance) {
        double n = v.length, mean = 0, sq = 0;
        for (float x : v) {
            mean += x;
        }
        mean /= n;
        for (float x : v) {
            sq += (x - mean) * (x - mean);
        }
        double var = sq / (n - 1);
        double s = Math.sqrt(variance);
        assertEquals(0, mean, 5 * s / Math.sqrt(n), "mean");
        assertEquals(variance, var, 5 * variance * Math.sqrt(2 / n), "variance");
    }

    @Test
    void latentCodesAndObservations() {
        try (Arena arena = Arena.ofConfined()) {
            Network net = RandomNetworks.perceptron000(arena, 4);
            FloatVec x = RandomNetworks.latent(arena, 4096, 5, 1.0);
            FloatVec y = Observations.realizable(net, x, arena);
            assertFalse(Activations.outsideDomain(Activation.RELU, y).any());
            FloatVec yd = Observations.noisy(net, x, new Noise.Gaussian(0.005), 6, true, arena);
            assertFalse(Activations.outsideDomain(Activation.RELU, yd).any(), "clipped to y >= 0");
            FloatVec unclipped = Observations.noisy(net, x, new Noise.Gaussian(0.005), 6, false, arena);
            assertTrue(Activations.outsideDomain(Activation.RELU, unclipped).any(),
                    "about half the ~256 zero outputs get negative noise");
            double sq = 0;
            for (int i = 0; i < 512; i++) {
                double e = unclipped.get(i) - y.get(i);
                sq += e * e;
            }
            assertEquals(0.005, Math.sqrt(sq / 512), 0.005 * 5 / Math.sqrt(2 * 512), "noise std");

            FloatVec u = Observations.noisy(net, x, new Noise.Uniform(1e-3), 7, false, arena);
            for (int i = 0; i < 512; i++) {
                // |e| < a, plus one float rounding of y + e
                assertTrue(Math.abs(u.get(i) - y.get(i)) <= 1e-3 + Math.ulp(y.get(i)), "uniform noise bounded by a");
            }
            assertSameBits(() -> Observations.noisy(net, x, new Noise.Uniform(1e-3), 7, false, arena).toArray(),
                    () -> Observations.noisy(net, x, new Noise.Uniform(1e-3), 7, false, arena).toArray(), "same seed, same noise");
        }
    }

    @Test
    void argumentsAreValidated() {
        try (Arena arena = Arena.ofConfined()) {
            assertThrows(IllegalArgumentException.class,
                    () -> RandomNetworks.gaussian(arena, 1, new int[] {3}, List.of(), RandomNetworks.WeightScale.unit()));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> RandomNetworks.gaussian(arena, 1, new int[] {3, 4, 5}, List.of(Activation.RELU),
                            RandomNetworks.WeightScale.unit()));
            assertTrue(e.getMessage().contains("expected 2"), e.getMessage());
            assertThrows(IllegalArgumentException.class,
                    () -> RandomNetworks.gaussian(arena, 1, new int[] {3, 0}, List.of(Activation.RELU),
                            RandomNetworks.WeightScale.unit()));
            assertThrows(IllegalArgumentException.class, () -> new Noise.Gaussian(-1));
        }
    }
}
