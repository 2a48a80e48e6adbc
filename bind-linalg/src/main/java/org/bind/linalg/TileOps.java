package org.bind.linalg;

import java.nio.DoubleBuffer;

import org.bind.ByRef;
import org.bind.DoubleArray;
import org.bind.In;
import org.bind.Op;
import org.bind.Out;
import org.bind.linalg.kernel.Elementwise;
import org.bind.linalg.kernel.Kernels;
import org.bind.linalg.kernel.TileBuffer;

/**
 * The tile ops that {@link TiledMatrix}, {@link Strassen}, {@link Gemm} and {@link Cholesky} submit: each call is
 * recorded and runs later on a worker of the rank it is placed on. Tiles are {@code t × t} column-major {@link Tile}s;
 * ops that write a tile with {@code @Out} write every element of it.
 * Products go to {@link Kernels#active()}, sums to {@link Elementwise}.
 *
 * <p>Ops that only add into a temporary take it read-write rather than {@code @Out}: the runtime then writes in
 * place (the temporary's old version has no other reader), sparing a fresh buffer and the pass that zeroes it.
 */
final class TileOps {
    private TileOps() {
    }

    /** Copies {@code columnMajor} (the tile's elements, or empty on ranks where this op does not run) into the tile. */
    @Op
    static void load(@Out Tile tile, @ByRef double[] columnMajor) {
        TileBuffer into = tile.data();
        into.put(columnMajor, into.length());
    }

    /**
     * Copies the tile into its place in the row-major {@code n × n} matrix {@code rowMajor}, without the padding of
     * a ragged tile.
     */
    @Op
    static void store(@In Tile tile, @ByRef double[] rowMajor, int n, int t, int row0, int col0) {
        DoubleBuffer from = tile.data().doubles();
        int rows = Math.min(t, n - row0);
        int cols = Math.min(t, n - col0);
        for (int j = 0; j < cols; j++) {
            int column = j * t;
            for (int i = 0; i < rows; i++) {
                rowMajor[(row0 + i) * n + col0 + j] = from.get(column + i);
            }
        }
    }

    /** {@code picked[k] = tile[offsets[k]]}. */
    @Op
    static void pick(@In Tile tile, int[] offsets, @Out DoubleArray picked) {
        DoubleBuffer from = tile.data().doubles();
        double[] into = picked.data();
        for (int k = 0; k < offsets.length; k++) {
            into[k] = from.get(offsets[k]);
        }
    }

    /** {@code values[positions[k]] = picked[k]}. */
    @Op
    static void scatter(@In DoubleArray picked, int[] positions, @ByRef double[] values) {
        double[] from = picked.data();
        for (int k = 0; k < positions.length; k++) {
            values[positions[k]] = from[k];
        }
    }

    /** {@code c = a·b}. */
    @Op
    static void dgemm(@In Tile a, @In Tile b, @Out Tile c, int t) {
        Kernels.active().gemm(a.data(), b.data(), c.data(), t);
    }

    /** {@code c += a·b}, in place. */
    @Op
    static void dgemmAdd(@In Tile a, @In Tile b, Tile c, int t) {
        Kernels.active().gemmAdd(a.data(), b.data(), c.data(), t);
    }

    /**
     * {@code c = (a0 ± a1)·(b0 ± b1)}, where an operand without a pair ({@code aPair} false) is {@code a0} alone
     * (the caller then passes {@code a0} as {@code a1} too).
     */
    @Op
    static void gemmOfSums(@In Tile a0, @In Tile a1, double aSign, boolean aPair,
                           @In Tile b0, @In Tile b1, double bSign, boolean bPair,
                           @Out Tile c, int t) {
        Kernels.active().gemmOfSums(a0.data(), aPair ? a1.data() : null, aSign, b0.data(),
            bPair ? b1.data() : null, bSign, c.data(), t);
    }

    /** {@code c = a + b}. */
    @Op
    static void add(@In Tile a, @In Tile b, @Out Tile c) {
        Elementwise.add(a.data(), b.data(), c.data());
    }

    /** {@code c = a - b}. */
    @Op
    static void sub(@In Tile a, @In Tile b, @Out Tile c) {
        Elementwise.sub(a.data(), b.data(), c.data());
    }

    /** {@code sum += term}, in place. */
    @Op
    static void accumulate(Tile sum, @In Tile term) {
        TileBuffer s = sum.data();
        Elementwise.add(s, term.data(), s);
    }

    /** Strassen's five left operand sums from A's quadrants ({@link Elementwise#leftSums}). */
    @Op
    static void leftSums(@In Tile a11, @In Tile a12, @In Tile a21, @In Tile a22,
                         @Out Tile s1, @Out Tile s2, @Out Tile s5, @Out Tile s6,
                         @Out Tile s7) {
        Elementwise.leftSums(a11.data(), a12.data(), a21.data(), a22.data(), s1.data(), s2.data(), s5.data(),
            s6.data(), s7.data());
    }

    /** Strassen's five right operand sums from B's quadrants ({@link Elementwise#rightSums}). */
    @Op
    static void rightSums(@In Tile b11, @In Tile b12, @In Tile b21, @In Tile b22,
                          @Out Tile t1, @Out Tile t3, @Out Tile t4, @Out Tile t6,
                          @Out Tile t7) {
        Elementwise.rightSums(b11.data(), b12.data(), b21.data(), b22.data(), t1.data(), t3.data(), t4.data(),
            t6.data(), t7.data());
    }

    /**
     * Strassen's four quadrants of C from the seven products, in place in m7, m5, m4, m6
     * ({@link Elementwise#combine}).
     */
    @Op
    static void combine(@In Tile m1, @In Tile m2, @In Tile m3, Tile m4, Tile m5,
                        Tile m6, Tile m7) {
        Elementwise.combine(m1.data(), m2.data(), m3.data(), m4.data(), m5.data(), m6.data(), m7.data());
    }

    /** {@code C11 = m1 + m4 - m5 + m7}, in place in m7. */
    @Op
    static void combine11(@In Tile m1, @In Tile m4, @In Tile m5, Tile m7) {
        TileBuffer c = m7.data();
        Elementwise.combine11(m1.data(), m4.data(), m5.data(), c, c);
    }

    /** {@code C12 = m3 + m5}. */
    @Op
    static void combine12(@In Tile m3, @In Tile m5, @Out Tile c12) {
        Elementwise.combine12(m3.data(), m5.data(), c12.data());
    }

    /** {@code C21 = m2 + m4}. */
    @Op
    static void combine21(@In Tile m2, @In Tile m4, @Out Tile c21) {
        Elementwise.combine21(m2.data(), m4.data(), c21.data());
    }

    /** {@code C22 = m1 - m2 + m3 + m6}, in place in m6. */
    @Op
    static void combine22(@In Tile m1, @In Tile m2, @In Tile m3, Tile m6) {
        TileBuffer c = m6.data();
        Elementwise.combine22(m1.data(), m2.data(), m3.data(), c, c);
    }

    /** {@code to = from}. */
    @Op
    static void copy(@In Tile from, @Out Tile to) {
        to.data().copyFrom(from.data());
    }

    /**
     * Factors diagonal tile {@code (k, k)} in place ({@link org.bind.linalg.kernel.TileKernels#potrf}, leading
     * {@code m × m} block).
     *
     * @throws NotPositiveDefiniteException when dpotrf reports a leading minor that is not positive definite
     */
    @Op
    static void potrf(Tile a, int t, int m, int k) {
        int info = Kernels.active().potrf(a.data(), t, m);
        if (info != 0) {
            throw new NotPositiveDefiniteException(k, info, t);
        }
    }

    /** {@code b = b·L⁻ᵀ} with {@code L} the factored diagonal tile {@code l}. */
    @Op
    static void trsm(@In Tile l, Tile b, int t) {
        Kernels.active().trsm(l.data(), b.data(), t);
    }

    /** {@code c = c - a·aᵀ} on the lower triangle of the diagonal tile {@code c}. */
    @Op
    static void syrk(@In Tile a, Tile c, int t) {
        Kernels.active().syrk(a.data(), c.data(), t);
    }

    /** {@code c = c - a·bᵀ}. */
    @Op
    static void gemmSubtractTransposed(@In Tile a, @In Tile b, Tile c, int t) {
        Kernels.active().gemmSubtractTransposed(a.data(), b.data(), c.data(), t);
    }
}
