package org.bind.linalg.kernel;

import java.nio.DoubleBuffer;

/**
 * The element-wise tile kernels: sums, differences, and the fused additions of one step of Strassen's algorithm,
 * working on the tiles' storage directly (native memory through its direct buffer, no copy to the heap). They are
 * memory bound, so plain loops of absolute gets and puts run them about as fast as a BLAS would; every
 * element is computed by the same expression in the same order wherever it is called, so results are identical
 * bit for bit however the work is split.
 *
 * <p>Tiles have equal lengths (not checked on these hot paths: callers pass tiles of one matrix). Stateless; any
 * thread. Outputs may alias inputs only where a method says so.
 */
public final class Elementwise {
    private Elementwise() {
    }

    /** {@code c = a + b}; {@code c} may be {@code a} or {@code b}. */
    public static void add(TileBuffer a, TileBuffer b, TileBuffer c) {
        DoubleBuffer x = a.doubles();
        DoubleBuffer y = b.doubles();
        DoubleBuffer z = c.doubles();
        for (int i = 0, n = c.length(); i < n; i++) {
            z.put(i, x.get(i) + y.get(i));
        }
    }

    /** {@code c = a - b}; {@code c} may be {@code a} or {@code b}. */
    public static void sub(TileBuffer a, TileBuffer b, TileBuffer c) {
        DoubleBuffer x = a.doubles();
        DoubleBuffer y = b.doubles();
        DoubleBuffer z = c.doubles();
        for (int i = 0, n = c.length(); i < n; i++) {
            z.put(i, x.get(i) - y.get(i));
        }
    }

    /** {@code c = a + sign·b} (sign ±1) on the first {@code length} elements, as {@link #add} or {@link #sub}. */
    static void sum(TileBuffer a, TileBuffer b, double sign, TileBuffer c, int length) {
        DoubleBuffer x = a.doubles();
        DoubleBuffer y = b.doubles();
        DoubleBuffer z = c.doubles();
        if (sign > 0) {
            for (int i = 0; i < length; i++) {
                z.put(i, x.get(i) + y.get(i));
            }
        } else {
            for (int i = 0; i < length; i++) {
                z.put(i, x.get(i) - y.get(i));
            }
        }
    }

    /** {@code a + sign·b} for elements {@code [from, from + length)} into {@code out[0, length)}; sign is ±1. */
    static void sumRange(double[] a, double[] b, double sign, int from, int length, double[] out) {
        if (sign > 0) {
            for (int i = 0; i < length; i++) {
                out[i] = a[from + i] + b[from + i];
            }
        } else {
            for (int i = 0; i < length; i++) {
                out[i] = a[from + i] - b[from + i];
            }
        }
    }

    /**
     * The left operands of Strassen's products, from the quadrants of A, in one pass:
     * {@code s1 = a11 + a22}, {@code s2 = a21 + a22}, {@code s5 = a11 + a12}, {@code s6 = a21 - a11},
     * {@code s7 = a12 - a22} (for M1, M2, M5, M6, M7; M3 and M4 take a11 and a22 as they are).
     */
    public static void leftSums(TileBuffer a11, TileBuffer a12, TileBuffer a21, TileBuffer a22,
                                TileBuffer s1, TileBuffer s2, TileBuffer s5, TileBuffer s6, TileBuffer s7) {
        DoubleBuffer q11 = a11.doubles();
        DoubleBuffer q12 = a12.doubles();
        DoubleBuffer q21 = a21.doubles();
        DoubleBuffer q22 = a22.doubles();
        DoubleBuffer o1 = s1.doubles();
        DoubleBuffer o2 = s2.doubles();
        DoubleBuffer o5 = s5.doubles();
        DoubleBuffer o6 = s6.doubles();
        DoubleBuffer o7 = s7.doubles();
        for (int i = 0, n = s1.length(); i < n; i++) {
            double x11 = q11.get(i);
            double x12 = q12.get(i);
            double x21 = q21.get(i);
            double x22 = q22.get(i);
            o1.put(i, x11 + x22);
            o2.put(i, x21 + x22);
            o5.put(i, x11 + x12);
            o6.put(i, x21 - x11);
            o7.put(i, x12 - x22);
        }
    }

    /**
     * The right operands of Strassen's products, from the quadrants of B, in one pass:
     * {@code t1 = b11 + b22}, {@code t3 = b12 - b22}, {@code t4 = b21 - b11}, {@code t6 = b11 + b12},
     * {@code t7 = b21 + b22} (for M1, M3, M4, M6, M7; M2 and M5 take b11 and b22 as they are).
     */
    public static void rightSums(TileBuffer b11, TileBuffer b12, TileBuffer b21, TileBuffer b22,
                                 TileBuffer t1, TileBuffer t3, TileBuffer t4, TileBuffer t6, TileBuffer t7) {
        DoubleBuffer q11 = b11.doubles();
        DoubleBuffer q12 = b12.doubles();
        DoubleBuffer q21 = b21.doubles();
        DoubleBuffer q22 = b22.doubles();
        DoubleBuffer o1 = t1.doubles();
        DoubleBuffer o3 = t3.doubles();
        DoubleBuffer o4 = t4.doubles();
        DoubleBuffer o6 = t6.doubles();
        DoubleBuffer o7 = t7.doubles();
        for (int i = 0, n = t1.length(); i < n; i++) {
            double x11 = q11.get(i);
            double x12 = q12.get(i);
            double x21 = q21.get(i);
            double x22 = q22.get(i);
            o1.put(i, x11 + x22);
            o3.put(i, x12 - x22);
            o4.put(i, x21 - x11);
            o6.put(i, x11 + x12);
            o7.put(i, x21 + x22);
        }
    }

    /**
     * Strassen's quadrants of C from the seven products, in one pass, in place: {@code m7} becomes
     * {@code C11 = m1 + m4 - m5 + m7}, {@code m5} becomes {@code C12 = m3 + m5}, {@code m4} becomes
     * {@code C21 = m2 + m4}, {@code m6} becomes {@code C22 = m1 - m2 + m3 + m6}.
     */
    public static void combine(TileBuffer m1, TileBuffer m2, TileBuffer m3, TileBuffer m4, TileBuffer m5,
                               TileBuffer m6, TileBuffer m7) {
        DoubleBuffer q1 = m1.doubles();
        DoubleBuffer q2 = m2.doubles();
        DoubleBuffer q3 = m3.doubles();
        DoubleBuffer q4 = m4.doubles();
        DoubleBuffer q5 = m5.doubles();
        DoubleBuffer q6 = m6.doubles();
        DoubleBuffer q7 = m7.doubles();
        for (int i = 0, n = m1.length(); i < n; i++) {
            double p1 = q1.get(i);
            double p2 = q2.get(i);
            double p3 = q3.get(i);
            double p4 = q4.get(i);
            double p5 = q5.get(i);
            q7.put(i, c11(p1, p4, p5, q7.get(i)));
            q5.put(i, c12(p3, p5));
            q4.put(i, c21(p2, p4));
            q6.put(i, c22(p1, p2, p3, q6.get(i)));
        }
    }

    /** {@code C11 = m1 + m4 - m5 + m7} into {@code c}, one quadrant of {@link #combine} ({@code c} may be m7). */
    public static void combine11(TileBuffer m1, TileBuffer m4, TileBuffer m5, TileBuffer m7, TileBuffer c) {
        DoubleBuffer q1 = m1.doubles();
        DoubleBuffer q4 = m4.doubles();
        DoubleBuffer q5 = m5.doubles();
        DoubleBuffer q7 = m7.doubles();
        DoubleBuffer out = c.doubles();
        for (int i = 0, n = c.length(); i < n; i++) {
            out.put(i, c11(q1.get(i), q4.get(i), q5.get(i), q7.get(i)));
        }
    }

    /** {@code C12 = m3 + m5} into {@code c}, one quadrant of {@link #combine}. */
    public static void combine12(TileBuffer m3, TileBuffer m5, TileBuffer c) {
        DoubleBuffer q3 = m3.doubles();
        DoubleBuffer q5 = m5.doubles();
        DoubleBuffer out = c.doubles();
        for (int i = 0, n = c.length(); i < n; i++) {
            out.put(i, c12(q3.get(i), q5.get(i)));
        }
    }

    /** {@code C21 = m2 + m4} into {@code c}, one quadrant of {@link #combine}. */
    public static void combine21(TileBuffer m2, TileBuffer m4, TileBuffer c) {
        DoubleBuffer q2 = m2.doubles();
        DoubleBuffer q4 = m4.doubles();
        DoubleBuffer out = c.doubles();
        for (int i = 0, n = c.length(); i < n; i++) {
            out.put(i, c21(q2.get(i), q4.get(i)));
        }
    }

    /** {@code C22 = m1 - m2 + m3 + m6} into {@code c}, one quadrant of {@link #combine} ({@code c} may be m6). */
    public static void combine22(TileBuffer m1, TileBuffer m2, TileBuffer m3, TileBuffer m6, TileBuffer c) {
        DoubleBuffer q1 = m1.doubles();
        DoubleBuffer q2 = m2.doubles();
        DoubleBuffer q3 = m3.doubles();
        DoubleBuffer q6 = m6.doubles();
        DoubleBuffer out = c.doubles();
        for (int i = 0, n = c.length(); i < n; i++) {
            out.put(i, c22(q1.get(i), q2.get(i), q3.get(i), q6.get(i)));
        }
    }

    private static double c11(double m1, double m4, double m5, double m7) {
        return m1 + m4 - m5 + m7;
    }

    private static double c12(double m3, double m5) {
        return m3 + m5;
    }

    private static double c21(double m2, double m4) {
        return m2 + m4;
    }

    private static double c22(double m1, double m2, double m3, double m6) {
        return m1 - m2 + m3 + m6;
    }
}
