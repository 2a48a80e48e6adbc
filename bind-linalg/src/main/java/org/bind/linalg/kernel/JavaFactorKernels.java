package org.bind.linalg.kernel;

import java.util.Arrays;

/**
 * The pure-Java kernels of the tiled Cholesky factorization ({@code dpotrf}, {@code dtrsm}, {@code dsyrk} and the
 * transposed {@code dgemm}) for {@link JavaTileKernels}. Every loop runs down columns (column-major tiles), as an
 * axpy the JIT vectorises; like the Java product, a few GFLOPS per core.
 *
 * <p>Stateless; any thread.
 */
final class JavaFactorKernels {
    private JavaFactorKernels() {
    }

    /** {@link TileKernels#potrf}: left-looking, one column at a time. */
    static int potrf(double[] a, int t, int m) {
        for (int j = 0; j < m; j++) {
            int cj = j * t;
            for (int p = 0; p < j; p++) {
                int cp = p * t;
                double ljp = a[j + cp];
                for (int i = j; i < m; i++) {
                    a[cj + i] -= a[cp + i] * ljp;
                }
            }
            double d = a[cj + j];
            if (!(d > 0)) { // also NaN
                return j + 1;
            }
            double ljj = Math.sqrt(d);
            a[cj + j] = ljj;
            for (int i = j + 1; i < m; i++) {
                a[cj + i] /= ljj;
            }
        }
        clearUpper(a, t);
        return 0;
    }

    /** Zeroes the elements of a {@code t × t} tile above its diagonal. */
    static void clearUpper(double[] a, int t) {
        for (int j = 1; j < t; j++) {
            Arrays.fill(a, j * t, j * t + j, 0.0);
        }
    }

    /** {@link TileKernels#trsm}: column j of the solution is column j of b less the earlier ones, over L(j, j). */
    static void trsm(double[] l, double[] b, int t) {
        for (int j = 0; j < t; j++) {
            int cj = j * t;
            for (int p = 0; p < j; p++) {
                double ljp = l[j + p * t];
                if (ljp != 0) {
                    int cp = p * t;
                    for (int i = 0; i < t; i++) {
                        b[cj + i] -= b[cp + i] * ljp;
                    }
                }
            }
            double ljj = l[j + cj];
            for (int i = 0; i < t; i++) {
                b[cj + i] /= ljj;
            }
        }
    }

    /** {@link TileKernels#syrk}: column j of the lower triangle, rows j to t - 1. */
    static void syrk(double[] a, double[] c, int t) {
        for (int j = 0; j < t; j++) {
            int cj = j * t;
            int k = 0;
            for (; k + 1 < t; k += 2) {
                int a0 = k * t;
                int a1 = a0 + t;
                double x0 = a[a0 + j];
                double x1 = a[a1 + j];
                for (int i = j; i < t; i++) {
                    c[cj + i] -= a[a0 + i] * x0 + a[a1 + i] * x1;
                }
            }
            for (; k < t; k++) {
                int ak = k * t;
                double x = a[ak + j];
                for (int i = j; i < t; i++) {
                    c[cj + i] -= a[ak + i] * x;
                }
            }
        }
    }

    /** {@link TileKernels#gemmSubtractTransposed}: {@code C(:, j) -= Σk A(:, k)·B(j, k)}, four k at a time. */
    static void gemmSubtractTransposed(double[] a, double[] b, double[] c, int t) {
        for (int j = 0; j < t; j++) {
            int cj = j * t;
            int k = 0;
            for (; k + 3 < t; k += 4) {
                double b0 = b[j + k * t];
                double b1 = b[j + (k + 1) * t];
                double b2 = b[j + (k + 2) * t];
                double b3 = b[j + (k + 3) * t];
                int a0 = k * t;
                int a1 = a0 + t;
                int a2 = a1 + t;
                int a3 = a2 + t;
                for (int i = 0; i < t; i++) {
                    c[cj + i] -= a[a0 + i] * b0 + a[a1 + i] * b1 + a[a2 + i] * b2 + a[a3 + i] * b3;
                }
            }
            for (; k < t; k++) {
                double bk = b[j + k * t];
                int ak = k * t;
                for (int i = 0; i < t; i++) {
                    c[cj + i] -= a[ak + i] * bk;
                }
            }
        }
    }
}
