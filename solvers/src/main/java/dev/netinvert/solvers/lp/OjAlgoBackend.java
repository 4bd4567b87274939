package dev.netinvert.solvers.lp;

import org.ojalgo.optimisation.Expression;
import org.ojalgo.optimisation.ExpressionsBasedModel;
import org.ojalgo.optimisation.Optimisation;
import org.ojalgo.optimisation.Variable;

/**
 * {@link LpBackend} on ojAlgo's {@link ExpressionsBasedModel}: one model per solve (so calls from several
 * threads share nothing), variables with their bounds and costs, one expression per constraint row with
 * its non-zero coefficients. ojAlgo presolves the model and runs its dual/primal simplex.
 *
 * <p>Why this API and not {@code LinearSolver.newGeneralBuilder}: on the dense layer LPs of [003] the
 * general builder was measured 30-1000× slower (issue 12), and the expressions model is the one the ojAlgo
 * documentation recommends for modelling.
 */
final class OjAlgoBackend implements LpBackend {
    static final OjAlgoBackend INSTANCE = new OjAlgoBackend();

    private OjAlgoBackend() {}

    @Override
    public LpSolution solve(LinearProgram lp) {
        long t0 = System.nanoTime();
        ExpressionsBasedModel model = new ExpressionsBasedModel();
        Variable[] v = new Variable[lp.vars()];
        for (int j = 0; j < lp.vars(); j++) {
            v[j] = model.addVariable("v" + j);
            double lo = lp.varLower()[j], hi = lp.varUpper()[j];
            // ojAlgo's variables are free unless bounded; a null bound means "none".
            v[j].lower(Double.isInfinite(lo) ? null : lo);
            v[j].upper(Double.isInfinite(hi) ? null : hi);
            if (lp.cost()[j] != 0) {
                v[j].weight(lp.cost()[j]);
            }
        }
        double[] a = lp.a();
        for (int i = 0; i < lp.rows(); i++) {
            Expression e = model.addExpression("r" + i);
            for (int j = 0, off = i * lp.vars(); j < lp.vars(); j++) {
                if (a[off + j] != 0) {
                    e.set(v[j], a[off + j]);
                }
            }
            double lo = lp.rowLower()[i], hi = lp.rowUpper()[i];
            e.lower(Double.isInfinite(lo) ? null : lo);
            e.upper(Double.isInfinite(hi) ? null : hi);
        }
        Optimisation.Result r = model.minimise();
        double[] values = new double[lp.vars()];
        for (int j = 0; j < values.length; j++) {
            values[j] = r.doubleValue(j);
        }
        LpSolution.Status status = status(r.getState());
        double objective = status == LpSolution.Status.OPTIMAL ? r.getValue() : Double.NaN;
        return new LpSolution(status, values, objective, (System.nanoTime() - t0) * 1e-9);
    }

    @Override
    public String name() {
        return "ojalgo";
    }

    private static LpSolution.Status status(Optimisation.State s) {
        if (s.isOptimal()) {
            return LpSolution.Status.OPTIMAL;
        }
        return switch (s) {
            case INFEASIBLE -> LpSolution.Status.INFEASIBLE;
            case UNBOUNDED -> LpSolution.Status.UNBOUNDED;
            default -> LpSolution.Status.FAILED;
        };
    }
}
