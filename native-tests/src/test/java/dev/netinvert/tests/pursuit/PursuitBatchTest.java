package dev.netinvert.tests.pursuit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.solvers.network.Network;
import dev.netinvert.solvers.network.RandomNetworks;
import dev.netinvert.solvers.parallel.Batch;
import dev.netinvert.solvers.parallel.Parallelism;
import dev.netinvert.solvers.pursuit.InversionResult;
import dev.netinvert.solvers.pursuit.LatentPursuit;
import java.lang.foreign.Arena;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Fork-join across signals: same answers as one after another, in row order; bad rows are named. */
class PursuitBatchTest {

    private static FloatMatrix observations(Arena arena, Network net, int rows) {
        double std = RandomNetworks.latentStd(20, 70);
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
                // Not bit-identity: the tanh/exp lanes of the SIMD prox kernels (VectorOperators.TANH, EXP) run as
                // Java code until C2 compiles them and as intrinsics after, which round differently (≤ 3 ulp), and
                // when that switch happens depends on the JIT, not on the thread count. A discarded warm-up batch
                // made it rare but not impossible (seen: 3e-6 relative in one full verify). What the batch runner
                // must guarantee is that row i is solved from row i alone, with a single-threaded solve: that
                // shows as agreement far inside the distance between different rows' solutions.
                Batch.solveRows(ys, one, (i, y) -> LatentPursuit.solve(net, y, null, o));
                seq = Batch.solveRows(ys, one, (i, y) -> LatentPursuit.solve(net, y, null, o));
                par = Batch.solveRows(ys, two, (i, y) -> LatentPursuit.solve(net, y, null, o));
            }
            assertEquals(7, par.size());
            for (int i = 0; i < 7; i++) {
                // Each solve is single-threaded with its own workspace: equal up to the lanes' rounding (1e-4
                // relative, against O(1) differences between rows), and row i's answer reproduces row i's
                // observation (not another row's).
                float[] a = seq.get(i).z(), b = par.get(i).z();
                double diff = 0, norm = 0;
                for (int j = 0; j < a.length; j++) {
                    diff = Math.max(diff, Math.abs(a[j] - b[j]));
                    norm = Math.max(norm, Math.abs(a[j]));
                }
                assertTrue(diff <= 1e-4 * norm, "row " + i + ": max |seq − par| = " + diff + ", max |z| = " + norm);
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
                    () -> Batch.solveRows(ys, two, (i, y) -> LatentPursuit.solve(net, y, null, o)));
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
                    () -> Batch.solveRows(ys, two, (i, y) -> LatentPursuit.solve(net, y, null, o)));
            assertTrue(e.getMessage().startsWith("observations: the memory is confined to one thread"), e.getMessage());
            assertTrue(e.getMessage().contains("Arena.ofShared()"), e.getMessage());
            // Sequentially the same confined memory is fine.
            try (Parallelism one = Parallelism.sequential()) {
                assertEquals(2, Batch.solveRows(ys, one, (i, y) -> LatentPursuit.solve(net, y, null, o)).size());
            }
        }
    }
}
