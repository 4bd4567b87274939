package dev.netinvert.jmh;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.Blas;
import dev.netinvert.kernels.KernelSupport;
import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.kernels.Fused;
import dev.netinvert.solvers.network.Network;
import dev.netinvert.solvers.network.RandomNetworks;
import dev.netinvert.solvers.pursuit.Fista;
import dev.netinvert.solvers.pursuit.Generators;
import dev.netinvert.solvers.pursuit.LinearizedAdmm;
import dev.netinvert.solvers.pursuit.ReferenceFista;
import dev.netinvert.solvers.pursuit.ReferenceLinearizedAdmm;
import dev.netinvert.solvers.pursuit.Supports;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One iteration of the two iterative stages of Latent-Pursuit at the sizes of sec. 6.1 [002]
 * (x = tanh(W_2 ReLU(W_1 z)), n = 625, n_0 = 100, n_1 = {@code n1}):
 * <ul>
 *   <li>{@code fistaFast}/{@code fistaReference}: Alg. 3 on W_2 (625 × n_1, tanh) — one GEMV, one GEMVᵀ and
 *       the elementwise steps;</li>
 *   <li>{@code admmFast}/{@code admmReference}: the first-layer linearized ADMM, eq. (18), on W_1 with its
 *       rows permuted to [W^S; W^{S^c}] (n_1 × 100, |S| ≈ n_1/2).</li>
 * </ul>
 * 20 iterations per invocation; the score is per iteration. Run with {@code -prof gc} to see 0 B/op.
 *
 * <p>The row-subset question of the issue — index-set kernels or a copy of the rows? — is measured on the
 * ADMM's two products v = [W^S; W^{S^c}] x and g = [W^S; W^{S^c}]ᵀ r:
 * <ul>
 *   <li>{@code rowsIndexed}: straight from W_1 through the row order (one dot / one axpy kernel call per
 *       row, since consecutive rows of the order are not adjacent in memory);</li>
 *   <li>{@code rowsPartitioned}: the same products on the partitioned copy P (four-row GEMV / GEMVᵀ);</li>
 *   <li>{@code rowsFused}: both products and the ADMM's split/multiplier updates in one kernel call
 *       ({@link Fused#admmGradient}, what the solver runs);</li>
 *   <li>{@code rowsPartitionCopy}: building P, paid once per layer solve (hundreds to thousands of
 *       iterations).</li>
 * </ul>
 *
 * <p>{@code rows}: {@code padded} runs on weights whose rows start on 64-byte lines, as the library lays out the
 * networks it builds, the pursuit's P and small loaded weights ({@code ModelFiles.weightForKernels}); {@code packed}
 * on contiguous copies ({@code ld = cols}: 400- and 1200-byte rows, off the lines), as a weight mapped in place
 * from a file with the aligned copy turned off. The results are the same bits (LayoutIndependenceTest).
 */
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class PursuitIterationBench extends Bench {
    static final int STEPS = 20;

    @Param({"300"})
    public int n1;

    @Param({"padded", "packed"})
    public String rows;

    private Fista fista;
    private ReferenceFista fistaRef;
    private LinearizedAdmm admm;
    private ReferenceLinearizedAdmm admmRef;
    private FloatMatrix w1, p;
    private int[] order;
    private FloatVec xs, vs, rs, gs, ts, as, us, rw;
    private int sCount;

    @Setup(Level.Trial)
    public void setup() {
        Network net = RandomNetworks.generator002(arena, 7, 100, n1, 625);
        FloatVec z = RandomNetworks.latent(arena, 100, 100, RandomNetworks.latentStd(100, n1));
        FloatVec y = net.forward(z, arena);
        FloatMatrix w2 = layout(net.dense(2).weight());
        w1 = layout(net.dense(1).weight());
        double norm = net.layer(2).operatorNorm().value();
        fista = new Fista(arena, w2, null, y, null, Activation.TANH, 0, true, norm);
        fista.reset(FloatVec.allocate(arena, n1));
        fistaRef = new ReferenceFista(w2.toArray(), 625, n1, null, y.toArray(), null, Activation.TANH, 0, true, norm);
        fistaRef.reset(new float[n1]);

        float[] x1 = Generators.hiddenOf(net, z).get(0);
        int[] s = Supports.support(x1, 0);
        p = layout(FloatMatrix.allocatePadded(arena, n1, 100));
        order = new int[n1];
        float[] target = new float[s.length];
        int r = 0;
        boolean[] in = new boolean[n1];
        for (int i : s) {
            in[i] = true;
            target[r] = x1[i];
            order[r] = i;
            p.row(r++).copyFrom(w1.row(i).toArray());
        }
        for (int i = 0; i < n1; i++) {
            if (!in[i]) {
                order[r] = i;
                p.row(r++).copyFrom(w1.row(i).toArray());
            }
        }
        xs = RandomNetworks.latent(arena, 100, 5, 1.0);
        rs = RandomNetworks.latent(arena, n1, 6, 1.0);
        vs = FloatVec.allocate(arena, n1);
        gs = FloatVec.allocate(arena, 100);
        sCount = s.length;
        ts = FloatVec.of(arena, target);
        as = FloatVec.allocate(arena, n1 - sCount);
        us = FloatVec.allocate(arena, n1 - sCount);
        rw = FloatVec.allocate(arena, n1);
        double ab = 1.02 * LinearizedAdmm.lambdaMax(p, s.length, 1e-2f, arena).value();
        admm = new LinearizedAdmm(arena, p, s.length, null, FloatVec.of(arena, target), true, 0, 0, 1e-2, ab);
        admm.reset(FloatVec.allocate(arena, 100));
        admmRef = new ReferenceLinearizedAdmm(p.toArray(), n1, 100, s.length, null, target, true, 0, 0, 1e-2, ab);
        admmRef.reset(new float[100]);
    }

    /** m itself (padded rows), or a contiguous copy for {@code rows = packed}. */
    private FloatMatrix layout(FloatMatrix m) {
        if (rows.equals("padded")) {
            return m;
        }
        FloatMatrix c = FloatMatrix.allocate(arena, m.rows(), m.cols());
        m.copyTo(c);
        return c;
    }

    @Benchmark
    @OperationsPerInvocation(STEPS)
    public boolean fistaFast() {
        boolean ok = true;
        for (int k = 0; k < STEPS; k++) {
            ok &= fista.step();
        }
        return ok;
    }

    @Benchmark
    @OperationsPerInvocation(STEPS)
    public boolean fistaReference() {
        boolean ok = true;
        for (int k = 0; k < STEPS; k++) {
            ok &= fistaRef.step();
        }
        return ok;
    }

    @Benchmark
    @OperationsPerInvocation(STEPS)
    public boolean admmFast() {
        boolean ok = true;
        for (int k = 0; k < STEPS; k++) {
            ok &= admm.step();
        }
        return ok;
    }

    @Benchmark
    @OperationsPerInvocation(STEPS)
    public boolean admmReference() {
        boolean ok = true;
        for (int k = 0; k < STEPS; k++) {
            ok &= admmRef.step();
        }
        return ok;
    }

    @Benchmark
    public FloatVec rowsIndexed() {
        KernelSupport k = Blas.active();
        int cols = w1.cols();
        for (int q = 0; q < order.length; q++) {
            vs.set(q, k.dot(w1.segment(), w1.rowOffset(order[q]), xs.segment(), xs.byteOffset(), cols));
        }
        k.fill(0f, gs.segment(), gs.byteOffset(), cols);
        for (int q = 0; q < order.length; q++) {
            k.axpy(rs.get(q), w1.segment(), w1.rowOffset(order[q]), gs.segment(), gs.byteOffset(), cols);
        }
        return gs;
    }

    @Benchmark
    public FloatVec rowsPartitioned() {
        Blas.gemv(1f, p, xs, 0f, vs);
        Blas.gemvT(1f, p, rs, 0f, gs);
        return gs;
    }

    @Benchmark
    public double rowsFused() {
        return Fused.admmGradient(p, sCount, xs, null, ts, 1e-2f, as, us, vs, rw, gs);
    }

    @Benchmark
    public FloatMatrix rowsPartitionCopy() {
        long bytes = 4L * w1.cols();
        for (int q = 0; q < order.length; q++) {
            java.lang.foreign.MemorySegment.copy(w1.segment(), w1.rowOffset(order[q]), p.segment(), p.rowOffset(q), bytes);
        }
        return p;
    }
}
