/**
 * Dense linear algebra in double precision for the steps that decide a solver's final accuracy.
 *
 * <p>{@link LeastSquares} solves min_x ‖Ax − b‖₂ for a small dense A (rows ×
 * cols, row-major {@code double[]}): Householder QR when A is tall and numerically full rank, the SVD's
 * minimum-norm solution otherwise, with the rank decision, the numerical rank and the reciprocal
 * condition σ_min/σ_max reported to the caller; one factorization serves many right-hand sides.
 * {@code UpperTriangular} (package-private) holds the triangular solves and the condition
 * estimate of R behind the QR/SVD choice.
 *
 * <p>Users: the Oracle's layer-wise projections (Alg. 6, Alg. 1 [002]), the last step of Layered
 * Basis-Pursuit (Alg. 2 [002]) and the Gauss–Newton debiasing of the pursuits (Alg. 5 [002]).
 */
package dev.netinvert.solvers.linalg;
