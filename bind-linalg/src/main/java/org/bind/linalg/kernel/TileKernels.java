package org.bind.linalg.kernel;

/**
 * Products and factorization steps of square column-major tiles ({@code t × t} doubles in a {@link TileBuffer},
 * element {@code (i, j)} at {@code i + j·t}): the BLAS and LAPACK routines of tiled Strassen, GEMM and Cholesky.
 * {@link Kernels#active()} gives the implementation in use: OpenBLAS, or the pure-Java fallback.
 *
 * <p>Implementations are stateless apart from per-thread scratch memory: any thread may call them, and concurrent
 * calls on different outputs are safe. Outputs never alias inputs.
 */
public interface TileKernels {
    /** A short name for reports: {@code openblas} or {@code java}. */
    String name();

    /** {@code c = a·b}. */
    void gemm(TileBuffer a, TileBuffer b, TileBuffer c, int t);

    /** {@code c = c + a·b} ({@code dgemm} with {@code beta = 1}), in place in {@code c}. */
    void gemmAdd(TileBuffer a, TileBuffer b, TileBuffer c, int t);

    /**
     * {@code c = (a0 + aSign·a1)·(b0 + bSign·b1)}: a product of sums of tiles, as in one step of Strassen's
     * algorithm. A null {@code a1} (or {@code b1}) means that operand is {@code a0} (or {@code b0}) alone; the
     * signs are +1 or -1. The sums are formed as {@link Elementwise#add} and {@link Elementwise#sub} would.
     */
    void gemmOfSums(TileBuffer a0, TileBuffer a1, double aSign, TileBuffer b0, TileBuffer b1, double bSign, TileBuffer c, int t);

    /**
     * The Cholesky factor of the symmetric positive definite leading {@code m × m} block of {@code a}
     * ({@code dpotrf}, lower): on return its lower triangle holds {@code L} with {@code L·Lᵀ} the block, and every
     * element of the tile above the diagonal is zero; elements outside the block are left as they are.
     *
     * @return 0, or {@code k ≥ 1} when the leading minor of order {@code k} is not positive definite (LAPACK's
     *         {@code info}; the factorization stopped there and the tile holds partial results)
     */
    int potrf(TileBuffer a, int t, int m);

    /** {@code b = b·L⁻ᵀ} for the lower triangle {@code L} of {@code l} ({@code dtrsm}: right, lower, transposed). */
    void trsm(TileBuffer l, TileBuffer b, int t);

    /** {@code c = c - a·aᵀ} on the lower triangle of {@code c} ({@code dsyrk}); its upper triangle is not touched. */
    void syrk(TileBuffer a, TileBuffer c, int t);

    /** {@code c = c - a·bᵀ} ({@code dgemm} with b transposed). */
    void gemmSubtractTransposed(TileBuffer a, TileBuffer b, TileBuffer c, int t);
}
