package dev.netinvert.tests.pursuit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.solvers.network.Network;
import dev.netinvert.solvers.network.RandomNetworks;
import dev.netinvert.solvers.parallel.Parallelism;
import dev.netinvert.solvers.pursuit.InversionResult;
import dev.netinvert.solvers.pursuit.LatentPursuit;
import dev.netinvert.solvers.pursuit.PursuitBatch;
import dev.netinvert.solvers.pursuit.Pursuits;
import java.lang.foreign.Arena;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Fork-join across signals: same answers as one after another, in row order; bad rows are named. */
class PursuitBatchTest {

    private static FloatMatrix observations(Arena arena, Network net, int rows) {
        double std = Pursuits.latentStd(20, 70);
        FloatMatrix zs = RandomNetworks.latentBatch(arena, rows, 20, 41, std);
        FloatMatrix ys = FloatMatrix.allocate(arena, rows, net.outputSize());
        for (int i = 0; i < rows; i++) {
            ys.row(i).copyFrom(net.forward(zs.row(i), arena).toArray());
        }
        return ys;
    }

    @Test
    void parallelResultsEqualSequentialOnesInRowOrder() {
        try (Arena arena = Arena.ofShared()) {
            Network net = RandomNetworks.generator002(arena, 3, 20, 70, 150);
            FloatMatrix ys = observations(arena, net, 7);
            LatentPursuit.Options o = LatentPursuit.Options.builder().debias(false).build();
            List<InversionResult> seq, par;
            try (Parallelism one = Parallelism.sequential(); Parallelism two = Parallelism.of(3)) {
                // A first, discarded batch compiles the kernels: the tanh lanes of the SIMD prox kernels round
                // differently (≤ 3 ulp) while they still run as Java code (SimdProxSupport's class comment), so
                // bit-identity holds between warm runs, not between a cold and a warm one. Seen: the first
                // sequential batch differed from the parallel one in the last bit after FISTA got faster.
                PursuitBatch.solve(ys, one, (i, y) -> LatentPursuit.solve(net, y, null, o));
                seq = PursuitBatch.solve(ys, one, (i, y) -> LatentPursuit.solve(net, y, null, o));
                par = PursuitBatch.solve(ys, two, (i, y) -> LatentPursuit.solve(net, y, null, o));
            }
            assertEquals(7, par.size());
            for (int i = 0; i < 7; i++) {
                // Each solve is single-threaded with its own workspace: bit-identical, and row i's answer
                // reproduces row i's observation (not another row's).
                assertArrayEquals(seq.get(i).z(), par.get(i).z(), "row " + i);
                assertTrue(par.get(i).residual() < 1e-3 * Math.sqrt(net.outputSize()), "row " + i + " residual");
            }
        }
    }

    @Test
    void aRejectedRowIsNamedAndItsMessageKept() {
        try (Arena arena = Arena.ofShared(); Parallelism two = Parallelism.of(2)) {
            Network net = RandomNetworks.generator002(arena, 3, 20, 70, 150);
            FloatMatrix ys = observations(arena, net, 5);
            ys.row(3).set(17, Float.NaN);
            LatentPursuit.Options o = LatentPursuit.Options.builder().debias(false).build();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> PursuitBatch.solve(ys, two, (i, y) -> LatentPursuit.solve(net, y, null, o)));
            assertEquals("observations row 3: y: expected finite values, element 17 = NaN", e.getMessage());
        }
    }

    @Test
    void confinedMemoryIsRefusedWithTheRemedy() {
        try (Arena arena = Arena.ofConfined(); Parallelism two = Parallelism.of(2)) {
            Network net = RandomNetworks.generator002(arena, 3, 20, 70, 150);
            FloatMatrix ys = observations(arena, net, 2);
            LatentPursuit.Options o = LatentPursuit.Options.builder().debias(false).build();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> PursuitBatch.solve(ys, two, (i, y) -> LatentPursuit.solve(net, y, null, o)));
            assertTrue(e.getMessage().startsWith("observations: the memory is confined to one thread"), e.getMessage());
            assertTrue(e.getMessage().contains("Arena.ofShared()"), e.getMessage());
            // Sequentially the same confined memory is fine.
            try (Parallelism one = Parallelism.sequential()) {
                assertEquals(2, PursuitBatch.solve(ys, one, (i, y) -> LatentPursuit.solve(net, y, null, o)).size());
            }
        }
    }
}
