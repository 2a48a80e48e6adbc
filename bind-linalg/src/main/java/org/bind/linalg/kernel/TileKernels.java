package org.bind.linalg.kernel;

/**
 * Products of square column-major tiles ({@code t × t} doubles, element {@code (i, j)} at {@code i + j·t}).
 * {@link Kernels#active()} gives the implementation in use: OpenBLAS, or the pure-Java fallback.
 *
 * <p>Implementations are stateless apart from per-thread scratch memory: any thread may call them, and concurrent
 * calls on different outputs are safe. Outputs never alias inputs.
 */
public interface TileKernels {
    /** A short name for reports: {@code openblas} or {@code java}. */
    String name();

    /** {@code c = a·b}. */
    void gemm(double[] a, double[] b, double[] c, int t);

    /**
     * {@code c = (a0 + aSign·a1)·(b0 + bSign·b1)}: a product of sums of tiles, as in one step of Strassen's
     * algorithm. A null {@code a1} (or {@code b1}) means that operand is {@code a0} (or {@code b0}) alone; the
     * signs are +1 or -1. The sums are formed as {@link Elementwise#add} and {@link Elementwise#sub} would.
     */
    void gemmOfSums(double[] a0, double[] a1, double aSign, double[] b0, double[] b1, double bSign, double[] c, int t);
}
