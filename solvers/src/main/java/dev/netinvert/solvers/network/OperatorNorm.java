package dev.netinvert.solvers.network;

/**
 * An estimate of an operator norm ‖A‖₂ = σ_max(A) (or of a row-weighted ‖D^{1/2}A‖₂), with the truth about how
 * it was reached. Made by {@link Lanczos}, or given as a bound (max pooling, {@link PoolLayer}).
 *
 * @param value      the estimate: for {@link Lanczos}, the largest Ritz value's square root, a lower bound of
 *                   ‖A‖₂ up to rounding
 * @param iterations the number of operator/adjoint pairs applied (0 for a bound given in closed form)
 * @param converged  whether the estimator met {@code relTol} before its cap; false also for non-finite input
 * @param relTol     the relative tolerance asked for (0 for a bound given in closed form)
 */
public record OperatorNorm(double value, int iterations, boolean converged, double relTol) {}
