package org.bind.linalg.kernel;

import java.util.Arrays;

/**
 * The pure-Java fallback (the factorization kernels are in {@link JavaFactorKernels}): a blocked column-major
 * product, used where OpenBLAS cannot load. For each column j of C
 * and each panel of {@code k} values it adds {@code A(:, k)·B(k, j)} to {@code C(:, j)} four {@code k} at a time
 * (an axpy the JIT vectorises); the panel of A is sized to stay in the core's L2 cache across the columns. A few
 * GFLOPS per core, an order of magnitude below OpenBLAS.
 *
 * <p>Stateless apart from per-thread scratch for the sums of {@link #gemmOfSums}; any thread.
 */
public final class JavaTileKernels implements TileKernels {
    /** Doubles of A kept per panel: 512 KiB. */
    private static final int PANEL_DOUBLES = 1 << 16;
    private static final ThreadLocal<double[][]> SUMS = ThreadLocal.withInitial(() -> new double[2][0]);

    @Override
    public String name() {
        return "java";
    }

    @Override
    public void gemm(double[] a, double[] b, double[] c, int t) {
        Arrays.fill(c, 0, t * t, 0.0);
        int panel = Math.max(4, Math.min(t, PANEL_DOUBLES / Math.max(1, t)) & ~3);
        for (int k0 = 0; k0 < t; k0 += panel) {
            int k1 = Math.min(t, k0 + panel);
            for (int j = 0; j < t; j++) {
                int cj = j * t;
                int bj = j * t;
                int k = k0;
                for (; k + 3 < k1; k += 4) {
                    double b0 = b[bj + k];
                    double b1 = b[bj + k + 1];
                    double b2 = b[bj + k + 2];
                    double b3 = b[bj + k + 3];
                    int a0 = k * t;
                    int a1 = a0 + t;
                    int a2 = a1 + t;
                    int a3 = a2 + t;
                    for (int i = 0; i < t; i++) {
                        c[cj + i] += a[a0 + i] * b0 + a[a1 + i] * b1 + a[a2 + i] * b2 + a[a3 + i] * b3;
                    }
                }
                for (; k < k1; k++) {
                    double bk = b[bj + k];
                    int ak = k * t;
                    for (int i = 0; i < t; i++) {
                        c[cj + i] += a[ak + i] * bk;
                    }
                }
            }
        }
    }

    @Override
    public void gemmOfSums(double[] a0, double[] a1, double aSign, double[] b0, double[] b1, double bSign,
                           double[] c, int t) {
        double[][] scratch = SUMS.get();
        int length = t * t;
        if (scratch[0].length < length) {
            scratch[0] = new double[length];
            scratch[1] = new double[length];
        }
        double[] left = a0;
        if (a1 != null) {
            left = scratch[0];
            Elementwise.sumRange(a0, a1, aSign, 0, length, left);
        }
        double[] right = b0;
        if (b1 != null) {
            right = scratch[1];
            Elementwise.sumRange(b0, b1, bSign, 0, length, right);
        }
        gemm(left, right, c, t);
    }

    @Override
    public int potrf(double[] a, int t, int m) {
        return JavaFactorKernels.potrf(a, t, m);
    }

    @Override
    public void trsm(double[] l, double[] b, int t) {
        JavaFactorKernels.trsm(l, b, t);
    }

    @Override
    public void syrk(double[] a, double[] c, int t) {
        JavaFactorKernels.syrk(a, c, t);
    }

    @Override
    public void gemmSubtractTransposed(double[] a, double[] b, double[] c, int t) {
        JavaFactorKernels.gemmSubtractTransposed(a, b, c, t);
    }
}
