package dev.netinvert.tests.conv;


import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.ConvShape;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.kernels.PoolShape;
import dev.netinvert.solvers.lifted.PdhgEngine;
import dev.netinvert.solvers.network.ConvLayer;
import dev.netinvert.solvers.network.ConvTransposeLayer;
import dev.netinvert.solvers.network.DenseLayer;
import dev.netinvert.solvers.network.Network;
import dev.netinvert.solvers.network.PoolLayer;
import dev.netinvert.solvers.network.Trace;
import dev.netinvert.solvers.parallel.BregmanGradient;
import dev.netinvert.solvers.parallel.Parallelism;
import dev.netinvert.tests.AllocationBudget;
import java.lang.foreign.Arena;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Networks with image layers allocate nothing per pass once warm: forward and backpropagation through conv, max
 * pooling (its switches live in the trace), dense and transposed-conv layers, and the PDHG-TV iteration and Bregman
 * gradient on a conv layer. In the allocation JVMs (preferred width, UseAVX=2, 128 bits).
 */
@Tag("allocation")
class ConvNetworkAllocationTest {

    @Test
    void passesAndIterationsOnImageLayersAllocateNothingOnceWarm() {
        try (Arena arena = Arena.ofShared()) {
            ConvShape c1 = new ConvShape(1, 12, 12, 4, 4, 2, 1);
            Network net = Network.of(
                    new ConvLayer(c1, ConvNetworkTest.gaussian(arena, c1.weightLength(), 1, 0.5),
                            ConvNetworkTest.gaussian(arena, 4, 2, 0.1), Activation.RELU),
                    new PoolLayer(PoolLayer.Kind.MAX, new PoolShape(4, 6, 6, 2, 2, 0), Activation.IDENTITY),
                    new DenseLayer(ConvNetworkTest.matrix(arena, 36, 36, 3, 0.2), null, Activation.RELU),
                    new ConvTransposeLayer(4, 3, 3, 2, 4, 2, 1, 0, ConvNetworkTest.gaussian(arena, 128, 4, 0.3), null,
                            Activation.TANH));
            FloatVec z = ConvNetworkTest.gaussian(arena, net.inputSize(), 5, 1);
            FloatVec y = ConvNetworkTest.gaussian(arena, net.outputSize(), 6, 0.3);
            FloatVec g = FloatVec.allocate(arena, net.inputSize());
            Trace trace = net.newTrace(arena, true);
            AllocationBudget.assertNothingOnceWarm(() -> {
                net.forward(z, trace);
                net.lossGradient(z, y, g, trace);
            }, "bytes allocated by 200 forward + loss-gradient passes");
            try (Parallelism one = Parallelism.sequential()) {
                ConvLayer conv = (ConvLayer) net.layer(1);
                BregmanGradient grad = BregmanGradient.of(arena, conv, one);
                FloatVec pre = FloatVec.allocate(arena, conv.outputs()), t = FloatVec.allocate(arena, conv.outputs());
                PdhgEngine e = new PdhgEngine(arena, conv, 1, 12, 12, true, 1e-2f, 0.1f, 10f, one);
                AllocationBudget.assertNothingOnceWarm(() -> {
                    grad.compute(z, t, pre, g);
                    e.step(t);
                }, "bytes allocated by 200 Bregman gradients and PDHG-TV steps on a conv layer");
            }
        }
    }
}
