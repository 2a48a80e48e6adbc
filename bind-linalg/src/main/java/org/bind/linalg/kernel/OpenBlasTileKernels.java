package org.bind.linalg.kernel;

import java.nio.DoubleBuffer;

/**
 * Tile products through OpenBLAS's {@code cblas_dgemm}, and the Cholesky steps through {@code LAPACKE_dpotrf},
 * {@code cblas_dtrsm}, {@code cblas_dsyrk} and {@code cblas_dgemm}. Tiles live on the Java heap, where native code
 * cannot use them in place (JavaCPP's {@code double[]} overloads copy each array in and out through JNI: a product
 * of 1024 × 1024 tiles took about 40 % longer that way, measured here); so each thread keeps three direct buffers,
 * copies the operands in with bulk puts and the result out with a bulk get. {@link #gemmOfSums} forms the sums
 * while copying, so they cost no pass of their own.
 *
 * <p>Any thread; each thread uses its own scratch buffers (3·t² doubles, kept for the thread's life).
 */
public final class OpenBlasTileKernels implements TileKernels {
    /** Doubles summed per chunk before a bulk put: 32 KiB, in the L1 cache. */
    private static final int CHUNK = 4096;
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** Loads OpenBLAS; throws {@link LinkageError} when it cannot. */
    public OpenBlasTileKernels() {
        OpenBlas.load();
    }

    /** One thread's native operands and product, grown to the largest tile seen. */
    private static final class Scratch {
        DoubleBuffer a = OpenBlas.allocate(0);
        DoubleBuffer b = OpenBlas.allocate(0);
        DoubleBuffer c = OpenBlas.allocate(0);
        final double[] chunk = new double[CHUNK];

        Scratch fit(int length) {
            if (a.capacity() < length) {
                a = OpenBlas.allocate(length);
                b = OpenBlas.allocate(length);
                c = OpenBlas.allocate(length);
            }
            return this;
        }
    }

    @Override
    public String name() {
        return "openblas";
    }

    @Override
    public void gemm(double[] a, double[] b, double[] c, int t) {
        int length = t * t;
        Scratch s = SCRATCH.get().fit(length);
        s.a.put(0, a, 0, length);
        s.b.put(0, b, 0, length);
        OpenBlas.dgemmColumnMajor(t, s.a, s.b, s.c);
        s.c.get(0, c, 0, length);
    }

    @Override
    public void gemmOfSums(double[] a0, double[] a1, double aSign, double[] b0, double[] b1, double bSign,
                           double[] c, int t) {
        int length = t * t;
        Scratch s = SCRATCH.get().fit(length);
        load(a0, a1, aSign, length, s.a, s.chunk);
        load(b0, b1, bSign, length, s.b, s.chunk);
        OpenBlas.dgemmColumnMajor(t, s.a, s.b, s.c);
        s.c.get(0, c, 0, length);
    }

    private static void load(double[] x0, double[] x1, double sign, int length, DoubleBuffer into, double[] chunk) {
        if (x1 == null) {
            into.put(0, x0, 0, length);
            return;
        }
        for (int from = 0; from < length; from += CHUNK) {
            int count = Math.min(CHUNK, length - from);
            Elementwise.sumRange(x0, x1, sign, from, count, chunk);
            into.put(from, chunk, 0, count);
        }
    }

    @Override
    public int potrf(double[] a, int t, int m) {
        int length = t * t;
        Scratch s = SCRATCH.get().fit(length);
        s.a.put(0, a, 0, length);
        int info = OpenBlas.dpotrfColumnMajor(m, s.a, t);
        if (info == OpenBlas.NAN_IN_INPUT) {
            // the Java kernel finds the first column whose pivot the NaN reaches; the tile is unchanged so far
            int column = JavaFactorKernels.potrf(a, t, m);
            return column > 0 ? column : m;
        }
        s.a.get(0, a, 0, length);
        if (info == 0) {
            JavaFactorKernels.clearUpper(a, t);
        }
        return info;
    }

    @Override
    public void trsm(double[] l, double[] b, int t) {
        int length = t * t;
        Scratch s = SCRATCH.get().fit(length);
        s.a.put(0, l, 0, length);
        s.b.put(0, b, 0, length);
        OpenBlas.dtrsmRightLowerTransposed(t, s.a, s.b);
        s.b.get(0, b, 0, length);
    }

    @Override
    public void syrk(double[] a, double[] c, int t) {
        int length = t * t;
        Scratch s = SCRATCH.get().fit(length);
        s.a.put(0, a, 0, length);
        s.c.put(0, c, 0, length);
        OpenBlas.dsyrkLowerSubtract(t, s.a, s.c);
        s.c.get(0, c, 0, length);
    }

    @Override
    public void gemmSubtractTransposed(double[] a, double[] b, double[] c, int t) {
        int length = t * t;
        Scratch s = SCRATCH.get().fit(length);
        s.a.put(0, a, 0, length);
        s.b.put(0, b, 0, length);
        s.c.put(0, c, 0, length);
        OpenBlas.dgemmSubtractTransposed(t, s.a, s.b, s.c);
        s.c.get(0, c, 0, length);
    }
}
