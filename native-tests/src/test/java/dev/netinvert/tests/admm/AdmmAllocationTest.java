package dev.netinvert.tests.admm;


import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.admm.Admm;
import dev.netinvert.solvers.admm.Box;
import dev.netinvert.solvers.admm.InversionLoss;
import dev.netinvert.solvers.admm.OutputLoss;
import dev.netinvert.solvers.network.Network;
import dev.netinvert.solvers.network.RandomNetworks;
import dev.netinvert.solvers.network.RandomNetworks.WeightScale;
import dev.netinvert.solvers.network.SeededGaussian;
import dev.netinvert.tests.AllocationBudget;
import java.lang.foreign.Arena;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A warm ADMM iteration allocates nothing, on every ISA the allocation executions run: the squared-error
 * loss in the backward order through direct and Woodbury z-updates, and the cross-entropy prox with the
 * box QP in the alternating order through tanh and sigmoid projections.
 */
@Tag("allocation")
class AdmmAllocationTest {

    @Test
    void anIterationAllocatesNothingOnceWarm() {
        try (Arena arena = Arena.ofConfined()) {
            Network net = RandomNetworks.gaussianWithBias(arena, 3, new int[] {24, 40, 12, 30, 8},
                    List.of(Activation.RELU, Activation.TANH, Activation.SIGMOID, Activation.IDENTITY), WeightScale.fanIn(), 0.1);
            FloatVec x0 = FloatVec.allocate(arena, 24), y = FloatVec.allocate(arena, 8);
            new SeededGaussian(1).fill(x0, 0, 1);
            new SeededGaussian(2).fill(y, 0, 1);
            Admm.Engine mse = new Admm.Engine(net, InversionLoss.of(new OutputLoss.SquaredError(y, null), 0.1, x0),
                    Admm.Options.defaults(), arena);
            mse.reset(x0);
            AllocationBudget.assertNothingOnceWarm(() -> {
                mse.iterate();
                mse.objective();
            }, "mse, backward");
            InversionLoss xent = InversionLoss.of(new OutputLoss.CrossEntropy(2), 0.05, x0)
                    .within(Box.around(arena, x0, 0.3, -10, 10));
            Admm.Engine boxed = new Admm.Engine(net, xent,
                    Admm.Options.builder().rho(0.1).order(Admm.Order.ALTERNATING).build(), arena);
            boxed.reset(x0);
            AllocationBudget.assertNothingOnceWarm(() -> {
                boxed.iterate();
                boxed.converged();
            }, "cross-entropy in a box, alternating");
        }
    }

}
