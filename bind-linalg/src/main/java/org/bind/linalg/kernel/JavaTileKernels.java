package org.bind.linalg.kernel;

import java.util.Arrays;

/**
 * The pure-Java fallback (the factorization kernels are in {@link JavaFactorKernels}): a blocked column-major
 * product, used where OpenBLAS cannot load. For each column j of C
 * and each panel of {@code k} values it adds {@code A(:, k)·B(k, j)} to {@code C(:, j)} four {@code k} at a time
 * (an axpy the JIT vectorises); the panel of A is sized to stay in the core's L2 cache across the columns. A few
 * GFLOPS per core, an order of magnitude below OpenBLAS. The loops run on heap arrays, where the JIT vectorises
 * them: each call copies its tiles in and its result out ({@code O(t²)} against the product's {@code O(t³)}).
 *
 * <p>Stateless apart from per-thread scratch arrays; any thread.
 */
public final class JavaTileKernels implements TileKernels {
    /** Doubles of A kept per panel: 512 KiB. */
    private static final int PANEL_DOUBLES = 1 << 16;
    private static final ThreadLocal<double[][]> SCRATCH = ThreadLocal.withInitial(() -> new double[4][0]);

    @Override
    public String name() {
        return "java";
    }

    /** This thread's four scratch arrays of at least {@code length} doubles. */
    private static double[][] scratch(int length) {
        double[][] arrays = SCRATCH.get();
        if (arrays[0].length < length) {
            for (int i = 0; i < arrays.length; i++) {
                arrays[i] = new double[length];
            }
        }
        return arrays;
    }

    @Override
    public void gemm(TileBuffer a, TileBuffer b, TileBuffer c, int t) {
        int length = t * t;
        double[][] s = scratch(length);
        a.get(s[0], length);
        b.get(s[1], length);
        gemm(s[0], s[1], s[2], t);
        c.put(s[2], length);
    }

    @Override
    public void gemmAdd(TileBuffer a, TileBuffer b, TileBuffer c, int t) {
        onArrays(a, b, c, t, (x, y, z) -> addProduct(x, y, z, t));
    }

    /** {@code c = a·b} on heap arrays. */
    static void gemm(double[] a, double[] b, double[] c, int t) {
        Arrays.fill(c, 0, t * t, 0.0);
        addProduct(a, b, c, t);
    }

    /** {@code c = c + a·b} on heap arrays. */
    static void addProduct(double[] a, double[] b, double[] c, int t) {
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
    public void gemmOfSums(TileBuffer a0, TileBuffer a1, double aSign, TileBuffer b0, TileBuffer b1, double bSign,
                           TileBuffer c, int t) {
        int length = t * t;
        double[][] s = scratch(length);
        operand(a0, a1, aSign, length, s[0], s[3]);
        operand(b0, b1, bSign, length, s[1], s[3]);
        gemm(s[0], s[1], s[2], t);
        c.put(s[2], length);
    }

    /** {@code x0 + sign·x1} (or {@code x0} when {@code x1} is null) into {@code into}, as Elementwise sums. */
    private static void operand(TileBuffer x0, TileBuffer x1, double sign, int length, double[] into,
                                double[] spare) {
        x0.get(into, length);
        if (x1 != null) {
            x1.get(spare, length);
            Elementwise.sumRange(into, spare, sign, 0, length, into);
        }
    }

    /** Runs {@code kernel} on heap copies of {@code x} and {@code y} (either may be null), copying {@code y} back. */
    private static void onArrays(TileBuffer x, TileBuffer y, int t, ArrayKernel kernel) {
        int length = t * t;
        double[][] s = scratch(length);
        x.get(s[0], length);
        y.get(s[1], length);
        kernel.run(s[0], s[1]);
        y.put(s[1], length);
    }

    @FunctionalInterface
    private interface ArrayKernel {
        void run(double[] x, double[] y);
    }

    /** Runs {@code kernel} on heap copies of {@code x}, {@code y} and {@code z}, copying {@code z} back. */
    private static void onArrays(TileBuffer x, TileBuffer y, TileBuffer z, int t, UpdateKernel kernel) {
        int length = t * t;
        double[][] s = scratch(length);
        x.get(s[0], length);
        y.get(s[1], length);
        z.get(s[2], length);
        kernel.run(s[0], s[1], s[2]);
        z.put(s[2], length);
    }

    @FunctionalInterface
    private interface UpdateKernel {
        void run(double[] x, double[] y, double[] z);
    }

    @Override
    public int potrf(TileBuffer a, int t, int m) {
        int length = t * t;
        double[] values = scratch(length)[0];
        a.get(values, length);
        int info = JavaFactorKernels.potrf(values, t, m);
        a.put(values, length);
        return info;
    }

    @Override
    public void trsm(TileBuffer l, TileBuffer b, int t) {
        onArrays(l, b, t, (x, y) -> JavaFactorKernels.trsm(x, y, t));
    }

    @Override
    public void syrk(TileBuffer a, TileBuffer c, int t) {
        onArrays(a, c, t, (x, y) -> JavaFactorKernels.syrk(x, y, t));
    }

    @Override
    public void gemmSubtractTransposed(TileBuffer a, TileBuffer b, TileBuffer c, int t) {
        onArrays(a, b, c, t, (x, y, z) -> JavaFactorKernels.gemmSubtractTransposed(x, y, z, t));
    }
}
