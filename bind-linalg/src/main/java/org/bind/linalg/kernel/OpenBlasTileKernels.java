package org.bind.linalg.kernel;

import java.nio.DoubleBuffer;

/**
 * Tile products through OpenBLAS's {@code cblas_dgemm}, and the Cholesky steps through {@code LAPACKE_dpotrf},
 * {@code cblas_dtrsm}, {@code cblas_dsyrk} and {@code cblas_dgemm}, in place on the tiles' native storage
 * ({@link TileBuffer}): no copy in or out per call. (Tiles used to live on the Java heap and every product copied
 * A and B into scratch buffers and C back: about 40 % of a 1024 × 1024 product's time through JavaCPP's
 * {@code double[]} overloads, a few percent with bulk copies, and three tiles of scratch per thread.)
 * {@link #gemmOfSums} forms its operand sums in per-thread native scratch tiles, in one pass each.
 *
 * <p>Any thread; each thread uses its own scratch (2·t² doubles of direct memory, kept for the thread's life and
 * reclaimed with it).
 */
public final class OpenBlasTileKernels implements TileKernels {
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** Loads OpenBLAS; throws {@link LinkageError} when it cannot. */
    public OpenBlasTileKernels() {
        OpenBlas.load();
    }

    /** One thread's two operand sums, grown to the largest tile seen. */
    private static final class Scratch {
        TileBuffer left = TileBuffer.scratch(0);
        TileBuffer right = TileBuffer.scratch(0);

        Scratch fit(int length) {
            if (left.length() < length) {
                left = TileBuffer.scratch(length);
                right = TileBuffer.scratch(length);
            }
            return this;
        }
    }

    @Override
    public String name() {
        return "openblas";
    }

    @Override
    public void gemm(TileBuffer a, TileBuffer b, TileBuffer c, int t) {
        OpenBlas.dgemmColumnMajor(t, a.doubles(), b.doubles(), c.doubles());
    }

    @Override
    public void gemmAdd(TileBuffer a, TileBuffer b, TileBuffer c, int t) {
        OpenBlas.dgemmAddColumnMajor(t, a.doubles(), b.doubles(), c.doubles());
    }

    @Override
    public void gemmOfSums(TileBuffer a0, TileBuffer a1, double aSign, TileBuffer b0, TileBuffer b1, double bSign,
                           TileBuffer c, int t) {
        TileBuffer left = a0;
        TileBuffer right = b0;
        if (a1 != null || b1 != null) {
            Scratch s = SCRATCH.get().fit(t * t);
            if (a1 != null) {
                left = s.left;
                Elementwise.sum(a0, a1, aSign, s.left, t * t);
            }
            if (b1 != null) {
                right = s.right;
                Elementwise.sum(b0, b1, bSign, s.right, t * t);
            }
        }
        OpenBlas.dgemmColumnMajor(t, left.doubles(), right.doubles(), c.doubles());
    }

    @Override
    public int potrf(TileBuffer a, int t, int m) {
        int info = OpenBlas.dpotrfColumnMajor(m, a.doubles(), t);
        if (info == OpenBlas.NAN_IN_INPUT) {
            // the Java kernel finds the first column whose pivot the NaN reaches; the tile is unchanged so far
            double[] values = a.toArray();
            int column = JavaFactorKernels.potrf(values, t, m);
            a.put(values, values.length);
            return column > 0 ? column : m;
        }
        if (info == 0) {
            clearUpper(a.doubles(), t);
        }
        return info;
    }

    /** Zeroes the elements of a {@code t × t} tile above its diagonal, as the Java kernel does. */
    private static void clearUpper(DoubleBuffer a, int t) {
        for (int j = 1; j < t; j++) {
            for (int i = j * t, end = j * t + j; i < end; i++) {
                a.put(i, 0.0);
            }
        }
    }

    @Override
    public void trsm(TileBuffer l, TileBuffer b, int t) {
        OpenBlas.dtrsmRightLowerTransposed(t, l.doubles(), b.doubles());
    }

    @Override
    public void syrk(TileBuffer a, TileBuffer c, int t) {
        OpenBlas.dsyrkLowerSubtract(t, a.doubles(), c.doubles());
    }

    @Override
    public void gemmSubtractTransposed(TileBuffer a, TileBuffer b, TileBuffer c, int t) {
        OpenBlas.dgemmSubtractTransposed(t, a.doubles(), b.doubles(), c.doubles());
    }
}
