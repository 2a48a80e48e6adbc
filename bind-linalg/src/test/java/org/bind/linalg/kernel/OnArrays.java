package org.bind.linalg.kernel;

/**
 * The tile kernels called on heap arrays, for tests: each call copies the arrays into fresh {@link TileBuffer}s,
 * runs the kernel on them, copies every buffer the kernel may write back into its array, and frees the buffers.
 */
final class OnArrays {
    private OnArrays() {
    }

    private static TileBuffer[] wrap(double[]... arrays) {
        TileBuffer[] buffers = new TileBuffer[arrays.length];
        for (int i = 0; i < arrays.length; i++) {
            buffers[i] = arrays[i] == null ? null : TileBuffer.of(arrays[i]);
        }
        return buffers;
    }

    /** Copies every buffer back into its array and frees it. */
    private static void unwrap(TileBuffer[] buffers, double[]... arrays) {
        for (int i = 0; i < arrays.length; i++) {
            if (buffers[i] != null) {
                buffers[i].get(arrays[i], arrays[i].length);
                buffers[i].free();
            }
        }
    }

    static void gemm(TileKernels kernels, double[] a, double[] b, double[] c, int t) {
        TileBuffer[] x = wrap(a, b, c);
        kernels.gemm(x[0], x[1], x[2], t);
        unwrap(x, a, b, c);
    }

    static void gemmAdd(TileKernels kernels, double[] a, double[] b, double[] c, int t) {
        TileBuffer[] x = wrap(a, b, c);
        kernels.gemmAdd(x[0], x[1], x[2], t);
        unwrap(x, a, b, c);
    }

    static void gemmOfSums(TileKernels kernels, double[] a0, double[] a1, double aSign, double[] b0, double[] b1,
                           double bSign, double[] c, int t) {
        TileBuffer[] x = wrap(a0, a1, b0, b1, c);
        kernels.gemmOfSums(x[0], x[1], aSign, x[2], x[3], bSign, x[4], t);
        unwrap(x, a0, a1, b0, b1, c);
    }

    static int potrf(TileKernels kernels, double[] a, int t, int m) {
        TileBuffer[] x = wrap(a);
        int info = kernels.potrf(x[0], t, m);
        unwrap(x, a);
        return info;
    }

    static void trsm(TileKernels kernels, double[] l, double[] b, int t) {
        TileBuffer[] x = wrap(l, b);
        kernels.trsm(x[0], x[1], t);
        unwrap(x, l, b);
    }

    static void syrk(TileKernels kernels, double[] a, double[] c, int t) {
        TileBuffer[] x = wrap(a, c);
        kernels.syrk(x[0], x[1], t);
        unwrap(x, a, c);
    }

    static void gemmSubtractTransposed(TileKernels kernels, double[] a, double[] b, double[] c, int t) {
        TileBuffer[] x = wrap(a, b, c);
        kernels.gemmSubtractTransposed(x[0], x[1], x[2], t);
        unwrap(x, a, b, c);
    }

    static void add(double[] a, double[] b, double[] c) {
        TileBuffer[] x = wrap(a, b, c);
        Elementwise.add(x[0], x[1], x[2]);
        unwrap(x, a, b, c);
    }

    static void sub(double[] a, double[] b, double[] c) {
        TileBuffer[] x = wrap(a, b, c);
        Elementwise.sub(x[0], x[1], x[2]);
        unwrap(x, a, b, c);
    }

    static void combine11(double[] m1, double[] m4, double[] m5, double[] m7, double[] c) {
        TileBuffer[] x = wrap(m1, m4, m5, m7, c);
        Elementwise.combine11(x[0], x[1], x[2], x[3], x[4]);
        unwrap(x, m1, m4, m5, m7, c);
    }

    static void combine12(double[] m3, double[] m5, double[] c) {
        TileBuffer[] x = wrap(m3, m5, c);
        Elementwise.combine12(x[0], x[1], x[2]);
        unwrap(x, m3, m5, c);
    }

    static void combine21(double[] m2, double[] m4, double[] c) {
        TileBuffer[] x = wrap(m2, m4, c);
        Elementwise.combine21(x[0], x[1], x[2]);
        unwrap(x, m2, m4, c);
    }

    static void combine22(double[] m1, double[] m2, double[] m3, double[] m6, double[] c) {
        TileBuffer[] x = wrap(m1, m2, m3, m6, c);
        Elementwise.combine22(x[0], x[1], x[2], x[3], x[4]);
        unwrap(x, m1, m2, m3, m6, c);
    }

    static void combine(double[] m1, double[] m2, double[] m3, double[] m4, double[] m5, double[] m6, double[] m7) {
        TileBuffer[] x = wrap(m1, m2, m3, m4, m5, m6, m7);
        Elementwise.combine(x[0], x[1], x[2], x[3], x[4], x[5], x[6]);
        unwrap(x, m1, m2, m3, m4, m5, m6, m7);
    }
}
