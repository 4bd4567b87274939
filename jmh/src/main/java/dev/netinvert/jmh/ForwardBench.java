package dev.netinvert.jmh;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.network.BatchTrace;
import dev.netinvert.solvers.network.Network;
import dev.netinvert.solvers.network.RandomNetworks;
import dev.netinvert.solvers.network.RandomNetworks.WeightScale;
import dev.netinvert.solvers.network.ReferenceNetwork;
import dev.netinvert.solvers.network.Trace;

import java.util.List;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Forward passes N(z) at the papers' sizes: the fast pass ({@link Network#forward}: one GEMV kernel per
 * layer over off-heap weights, a reusable trace) against the plain-array reference twin
 * ({@link ReferenceNetwork}: one-accumulator loops over {@code float[]}), for one input and for a batch of
 * 64. {@code fastBatch64} uses the batch pass (W walked in 4-row × ≤1024-column tiles, every sample run
 * through a tile while it sits in L1); {@code fastBatch64BySample} is 64 one-sample passes, to show what
 * the tiling buys. {@code referenceBatch64} is 64 passes of the reference twin.
 *
 * <p>Networks ({@code @Param net}):
 * <ul>
 *   <li>{@code perceptron000}: 4096 → 512 ReLU with bias, the circle experiment of sec. 5.1.1 [000].</li>
 *   <li>{@code mnistEncoder000}: 784 → 100 ReLU with bias, the MNIST perceptron encoder of sec. 5.1.2 [000].</li>
 *   <li>{@code mnistDecoder000}: 100 → 784 identity with bias, the linear decoder of the same autoencoder.</li>
 *   <li>{@code generator002}: 200 → 1000 ReLU → 625 tanh without bias, eq. (19) of sec. 6.1 [002] at its widest hidden layer.</li>
 * </ul>
 */
@State(Scope.Thread)
public class ForwardBench extends Bench {

    private static final int BATCH = 64;

    @Param({"perceptron000", "mnistEncoder000", "mnistDecoder000", "generator002"})
    public String net;

    private Network network;
    private ReferenceNetwork reference;
    private FloatVec z;
    private float[] zArray;
    private FloatMatrix zs;
    private float[][] zsArrays;
    private Trace trace;
    private BatchTrace batchTrace;

    @Setup(Level.Trial)
    public void setup() {
        network = switch (net) {
            case "perceptron000" -> RandomNetworks.perceptron000(arena, 1);
            case "mnistEncoder000" -> RandomNetworks.gaussianWithBias(arena, 2, new int[] {784, 100},
                    List.of(Activation.RELU), WeightScale.fanIn(), 0.1);
            case "mnistDecoder000" -> RandomNetworks.gaussianWithBias(arena, 3, new int[] {100, 784},
                    List.of(Activation.IDENTITY), WeightScale.fanIn(), 0.1);
            case "generator002" -> RandomNetworks.generator002(arena, 4, 200, 1000, 625);
            default -> throw new IllegalArgumentException("net: unknown network " + net);
        };
        reference = ReferenceNetwork.copyOf(network);
        z = RandomNetworks.latent(arena, network.inputSize(), 5, 1.0);
        zArray = z.toArray();
        zs = RandomNetworks.latentBatch(arena, BATCH, network.inputSize(), 6, 1.0);
        zsArrays = new float[BATCH][];
        for (int s = 0; s < BATCH; s++) {
            zsArrays[s] = zs.row(s).toArray();
        }
        trace = network.newTrace(arena, false);
        batchTrace = network.newBatchTrace(arena, BATCH, false);
    }

    @Benchmark
    public FloatVec fastSingle() {
        return network.forward(z, trace);
    }

    @Benchmark
    public float[] referenceSingle() {
        return reference.forward(zArray);
    }

    @Benchmark
    public FloatMatrix fastBatch64() {
        return network.forward(zs, batchTrace);
    }

    @Benchmark
    public void fastBatch64BySample(Blackhole bh) {
        for (int s = 0; s < BATCH; s++) {
            bh.consume(network.forward(zs.row(s), trace));
        }
    }

    @Benchmark
    public void referenceBatch64(Blackhole bh) {
        for (int s = 0; s < BATCH; s++) {
            bh.consume(reference.forward(zsArrays[s]));
        }
    }
}
