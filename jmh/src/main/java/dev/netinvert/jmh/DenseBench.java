package dev.netinvert.jmh;

import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The inputs of the benchmarks that stream a row-major {@code m × n} W once per call ({@link GemvBench},
 * {@link FusedGradientBench}): the shapes, then W and x drawn uniform in [-1, 1) from one seeded stream,
 * the same numbers on the heap (reference) and in the arena (fast kernels). The shapes are the papers'
 * layers (512×4096, 100×784, 784×100, 128×392, 625×1000), an odd one (1023×517: row tails, a 3-row
 * remainder) and a DRAM-bound 4096×4096 (64 MiB, twice the L3).
 */
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public abstract class DenseBench extends Bench {

    @Param({"512x4096", "100x784", "784x100", "128x392", "625x1000", "4096x4096", "1023x517"})
    public String shape;

    protected int m, n;
    protected float[] w, x;
    protected FloatMatrix wMat;
    protected FloatVec xVec;
    protected MemorySegment wSeg, xSeg;

    /**
     * Fills the fields above; call first in the subclass's setup. Returns the stream, which the subclass
     * continues for its other inputs (so each benchmark keeps its own seed and draw order).
     */
    protected SplittableRandom drawDense(long seed) {
        int[] s = Inputs.shape(shape);
        m = s[0];
        n = s[1];
        SplittableRandom rnd = new SplittableRandom(seed);
        w = Inputs.uniform(rnd, m * n);
        x = Inputs.uniform(rnd, n);
        wMat = FloatMatrix.of(arena, m, n, w);
        xVec = FloatVec.of(arena, x);
        wSeg = wMat.segment();
        xSeg = xVec.segment();
        return rnd;
    }
}
