package org.bind.multi;

/**
 * The bodies of the ops of random programs, on plain arrays and values: the ops ({@link ProgramOps}) call them on
 * their bound buffers, and the sequential oracle calls them directly. Every kernel that produces an array
 * writes every element of it; a source array of length 0 reads as zeros.
 */
final class Kernels {
    private Kernels() {
    }

    private static int at(int[] a, int i) {
        return a.length == 0 ? 0 : a[i % a.length];
    }

    private static double at(double[] a, int i) {
        return a.length == 0 ? 0 : a[i % a.length];
    }

    static void fillInts(int[] out, int seed) {
        for (int i = 0; i < out.length; i++) {
            out[i] = seed * 7 + i * 13;
        }
    }

    static void addInts(int[] source, int[] target, int factor) {
        for (int i = 0; i < target.length; i++) {
            target[i] += at(source, i) * factor;
        }
    }

    /** {@code out} may be {@code a} or {@code b}: then it is updated in order, as the op sees one buffer. */
    static void mixInts(int[] a, int[] b, int[] out, int[] weights) {
        for (int i = 0; i < out.length; i++) {
            out[i] = at(a, i) * at(weights, i) + (at(b, i + 1) ^ i);
        }
    }

    static void fillDoubles(double[] out, double value) {
        for (int i = 0; i < out.length; i++) {
            out[i] = value + i * 0.25;
        }
    }

    static void axpy(double[] x, double[] y, double alpha) {
        for (int i = 0; i < y.length; i++) {
            y[i] = y[i] + alpha * at(x, i);
        }
    }

    static void intsIntoDoubles(int[] a, double[] d) {
        for (int i = 0; i < d.length; i++) {
            d[i] = d[i] * 0.5 + at(a, i) / 3.0;
        }
    }

    static void doublesIntoInts(double[] d, int[] a) {
        for (int i = 0; i < a.length; i++) {
            a[i] += (int) Math.floor(at(d, i));
        }
    }

    static int sumInts(int[] a, int previous) {
        int sum = previous * 31;
        for (int v : a) {
            sum += v;
        }
        return sum;
    }

    static long hashDoubles(double[] d, long previous) {
        double sum = 0;
        for (double v : d) {
            sum += v;
        }
        return previous * 1_000_003L ^ Double.doubleToLongBits(sum);
    }

    static void sharedIntoInts(int s, long l, int[] a) {
        for (int i = 0; i < a.length; i++) {
            a[i] += s + (int) l + i;
        }
    }

    static long combine(int s, long l) {
        return l * 31 + s;
    }

    static int scale(int s, int factor) {
        return s * factor + 1;
    }
}
