package dev.netinvert.solvers.admm;

import dev.netinvert.kernels.Blas;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.OptionChecks;
import java.util.Objects;

/**
 * The loss ℓ(x, f(x)) of eq. (1) [004], separable into an output term and an input term:
 * <pre>
 *   ℓ(x, f(x)) = g(f(x)) + h(x),     h(x) = (λ/2)‖x − x̄‖² + ι_B(x),
 * </pre>
 * g an {@link OutputLoss} (squared error, softmax cross-entropy, linear), x̄ the centre of the L2 term
 * (the paper's x₀; zero when {@code center} is null) and ι_B the indicator of an optional {@link Box}
 * B = {lo ≤ x ≤ hi} (the paper's "bounded rectangle"). Separability is what lets ADMM update the first and
 * last layer variables independently (eqs. (8) and (10)).
 *
 * @param output the output term g
 * @param lambda λ ≥ 0, the weight of the L2 term
 * @param center x̄, or null for 0
 * @param box    B, or null for none
 */
public record InversionLoss(OutputLoss output, double lambda, FloatVec center, Box box) {

    public InversionLoss {
        OptionChecks.present("output", output);
        OptionChecks.nonNegative("lambda", lambda);
    }

    /** g(f(x)) + (λ/2)‖x − x̄‖², no box. */
    public static InversionLoss of(OutputLoss output, double lambda, FloatVec center) {
        return new InversionLoss(output, lambda, center, null);
    }

    /** This loss with the input restricted to {@code box}. */
    public InversionLoss within(Box box) {
        return new InversionLoss(output, lambda, center, Objects.requireNonNull(box, "box"));
    }

    /** "mse", "mse+l2(0.01)", "xent:3+l2(0.1)+box", ... for reports. */
    public String label() {
        return output.label() + (lambda > 0 ? "+l2(" + lambda + ")" : "") + (box != null ? "+box" : "");
    }

    /**
     * Checks the shapes against a network with input size n₀ and output size n_L, and that the problem is
     * bounded below.
     *
     * @throws IllegalArgumentException naming the offending part, with expected and actual values
     */
    public void check(int inputSize, int outputSize) {
        output.checkOutputSize(outputSize);
        if (center != null) {
            if (center.length() != inputSize) {
                throw new IllegalArgumentException("center: expected length " + inputSize + " (the network's input size n_0), got "
                        + center.length());
            }
            for (int j = 0; j < inputSize; j++) {
                if (!Float.isFinite(center.get(j))) {
                    throw new IllegalArgumentException("center: expected finite values, got " + center.get(j) + " at index " + j);
                }
            }
        }
        if (box != null && box.size() != inputSize) {
            throw new IllegalArgumentException("box: expected " + inputSize + " bounds (the network's input size n_0), got "
                    + box.size());
        }
        if (!output.boundedBelow() && box == null) {
            throw new IllegalArgumentException("loss: " + output.label() + " is unbounded below without a box on the input; give a "
                    + "box (--box lo,hi), as in the adversarial example of [004] sec. 3.2");
        }
    }

    /** h(x) = (λ/2)‖x − x̄‖², or +∞ when x lies outside the box. */
    public double inputTerm(FloatVec x) {
        if (box != null && !box.contains(x)) {
            return Double.POSITIVE_INFINITY;
        }
        if (lambda == 0) {
            return 0;
        }
        return 0.5 * lambda * (center == null ? Blas.sumOfSquares(x) : Blas.distanceSquared(x, center));
    }

    /** grad += λ(x − x̄), the gradient of the L2 term (the box is handled by projection). */
    void addInputGradient(FloatVec x, FloatVec grad) {
        if (lambda == 0) {
            return;
        }
        Blas.axpy((float) lambda, x, grad);
        if (center != null) {
            Blas.axpy((float) -lambda, center, grad);
        }
    }
}
