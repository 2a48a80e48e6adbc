package org.bind.linalg.kernel;

/**
 * The element-wise tile kernels: sums, differences, and the fused additions of one step of Strassen's algorithm.
 * They are memory bound, so plain loops (which the JIT vectorises) run them as fast as a BLAS would; every
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
    public static void add(double[] a, double[] b, double[] c) {
        for (int i = 0; i < c.length; i++) {
            c[i] = a[i] + b[i];
        }
    }

    /** {@code c = a - b}; {@code c} may be {@code a} or {@code b}. */
    public static void sub(double[] a, double[] b, double[] c) {
        for (int i = 0; i < c.length; i++) {
            c[i] = a[i] - b[i];
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
    public static void leftSums(double[] a11, double[] a12, double[] a21, double[] a22,
                                double[] s1, double[] s2, double[] s5, double[] s6, double[] s7) {
        for (int i = 0; i < s1.length; i++) {
            double x11 = a11[i];
            double x12 = a12[i];
            double x21 = a21[i];
            double x22 = a22[i];
            s1[i] = x11 + x22;
            s2[i] = x21 + x22;
            s5[i] = x11 + x12;
            s6[i] = x21 - x11;
            s7[i] = x12 - x22;
        }
    }

    /**
     * The right operands of Strassen's products, from the quadrants of B, in one pass:
     * {@code t1 = b11 + b22}, {@code t3 = b12 - b22}, {@code t4 = b21 - b11}, {@code t6 = b11 + b12},
     * {@code t7 = b21 + b22} (for M1, M3, M4, M6, M7; M2 and M5 take b11 and b22 as they are).
     */
    public static void rightSums(double[] b11, double[] b12, double[] b21, double[] b22,
                                 double[] t1, double[] t3, double[] t4, double[] t6, double[] t7) {
        for (int i = 0; i < t1.length; i++) {
            double x11 = b11[i];
            double x12 = b12[i];
            double x21 = b21[i];
            double x22 = b22[i];
            t1[i] = x11 + x22;
            t3[i] = x12 - x22;
            t4[i] = x21 - x11;
            t6[i] = x11 + x12;
            t7[i] = x21 + x22;
        }
    }

    /**
     * Strassen's quadrants of C from the seven products, in one pass, in place: {@code m7} becomes
     * {@code C11 = m1 + m4 - m5 + m7}, {@code m5} becomes {@code C12 = m3 + m5}, {@code m4} becomes
     * {@code C21 = m2 + m4}, {@code m6} becomes {@code C22 = m1 - m2 + m3 + m6}.
     */
    public static void combine(double[] m1, double[] m2, double[] m3, double[] m4, double[] m5, double[] m6,
                               double[] m7) {
        for (int i = 0; i < m1.length; i++) {
            double p1 = m1[i];
            double p2 = m2[i];
            double p3 = m3[i];
            double p4 = m4[i];
            double p5 = m5[i];
            m7[i] = c11(p1, p4, p5, m7[i]);
            m5[i] = c12(p3, p5);
            m4[i] = c21(p2, p4);
            m6[i] = c22(p1, p2, p3, m6[i]);
        }
    }

    /** {@code C11 = m1 + m4 - m5 + m7} into {@code c}, one quadrant of {@link #combine} ({@code c} may be m7). */
    public static void combine11(double[] m1, double[] m4, double[] m5, double[] m7, double[] c) {
        for (int i = 0; i < c.length; i++) {
            c[i] = c11(m1[i], m4[i], m5[i], m7[i]);
        }
    }

    /** {@code C12 = m3 + m5} into {@code c}, one quadrant of {@link #combine}. */
    public static void combine12(double[] m3, double[] m5, double[] c) {
        for (int i = 0; i < c.length; i++) {
            c[i] = c12(m3[i], m5[i]);
        }
    }

    /** {@code C21 = m2 + m4} into {@code c}, one quadrant of {@link #combine}. */
    public static void combine21(double[] m2, double[] m4, double[] c) {
        for (int i = 0; i < c.length; i++) {
            c[i] = c21(m2[i], m4[i]);
        }
    }

    /** {@code C22 = m1 - m2 + m3 + m6} into {@code c}, one quadrant of {@link #combine} ({@code c} may be m6). */
    public static void combine22(double[] m1, double[] m2, double[] m3, double[] m6, double[] c) {
        for (int i = 0; i < c.length; i++) {
            c[i] = c22(m1[i], m2[i], m3[i], m6[i]);
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
