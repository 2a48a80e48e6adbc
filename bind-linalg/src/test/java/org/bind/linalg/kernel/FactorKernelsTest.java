package org.bind.linalg.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The Cholesky tile kernels, native and Java, against textbook loops on column-major tiles. */
@Timeout(60)
class FactorKernelsTest {
    private static final TileKernels[] BOTH = {new OpenBlasTileKernels(), new JavaTileKernels()};

    private static double[] random(int length, long seed) {
        Random random = new Random(seed);
        double[] values = new double[length];
        for (int i = 0; i < length; i++) {
            values[i] = 2 * random.nextDouble() - 1;
        }
        return values;
    }

    /** A column-major {@code t × t} tile whose leading {@code m × m} block is SPD; the rest is random. */
    private static double[] spdBlock(int t, int m, long seed) {
        double[] x = random(t * t, seed);
        double[] a = random(t * t, seed + 1);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < m; j++) {
                double sum = 0;
                for (int k = 0; k < m; k++) {
                    sum += x[i + k * t] * x[j + k * t];
                }
                a[i + j * t] = sum / m + (i == j ? 1 : 0);
            }
        }
        return a;
    }

    /** A random lower-triangular tile with a diagonal in [1, 2). */
    private static double[] lower(int t, long seed) {
        double[] l = random(t * t, seed);
        for (int j = 0; j < t; j++) {
            for (int i = 0; i < j; i++) {
                l[i + j * t] = 0;
            }
            l[j + j * t] = 1.5 + l[j + j * t] / 2;
        }
        return l;
    }

    /** {@code x·yᵀ} of column-major tiles, by the textbook loop. */
    private static double[] timesTransposed(double[] x, double[] y, int t) {
        double[] c = new double[t * t];
        for (int i = 0; i < t; i++) {
            for (int j = 0; j < t; j++) {
                double sum = 0;
                for (int k = 0; k < t; k++) {
                    sum += x[i + k * t] * y[j + k * t];
                }
                c[i + j * t] = sum;
            }
        }
        return c;
    }

    private static double maxDifference(double[] x, double[] y) {
        double max = 0;
        for (int i = 0; i < x.length; i++) {
            max = Math.max(max, Math.abs(x[i] - y[i]));
        }
        return max;
    }

    @ParameterizedTest(name = "t={0}, m={1}")
    @CsvSource({"1, 1", "4, 4", "17, 17", "64, 64", "100, 100", "16, 5", "64, 33"})
    void shouldFactorTheLeadingBlockAndClearTheUpperTriangle(int t, int m) {
        double[] a = spdBlock(t, m, 7L * t + m);
        for (TileKernels kernels : BOTH) {
            double[] l = a.clone();
            assertEquals(0, OnArrays.potrf(kernels, l, t, m), kernels.name());
            for (int j = 0; j < t; j++) {
                for (int i = 0; i < t; i++) {
                    int at = i + j * t;
                    if (i < j) {
                        assertEquals(0.0, l[at], kernels.name() + ": (" + i + ", " + j + ") above the diagonal");
                    } else if (i >= m || j >= m) {
                        assertEquals(a[at], l[at], kernels.name() + ": (" + i + ", " + j + ") outside the block");
                    }
                }
            }
            double[] block = new double[t * t];
            for (int j = 0; j < m; j++) {
                for (int i = j; i < m; i++) {
                    block[i + j * t] = l[i + j * t];
                }
            }
            double[] product = timesTransposed(block, block, t);
            for (int j = 0; j < m; j++) {
                for (int i = 0; i < m; i++) {
                    assertEquals(a[i + j * t], product[i + j * t], 1e-12, kernels.name() + ": (L·Lᵀ)(" + i + ", "
                        + j + ")");
                }
            }
        }
    }

    @ParameterizedTest(name = "column {0}")
    @ValueSource(ints = {0, 3, 15})
    void shouldReportTheFirstColumnThatIsNotPositiveDefinite(int bad) {
        int t = 16;
        double[] a = spdBlock(t, t, 5);
        a[bad + bad * t] = -2;
        for (TileKernels kernels : BOTH) {
            assertEquals(bad + 1, OnArrays.potrf(kernels, a.clone(), t, t), kernels.name());
        }
        double[] nan = spdBlock(t, t, 5);
        nan[bad + bad * t] = Double.NaN;
        for (TileKernels kernels : BOTH) {
            assertEquals(bad + 1, OnArrays.potrf(kernels, nan.clone(), t, t), kernels.name() + " with NaN");
        }
    }

    @ParameterizedTest(name = "t={0}")
    @ValueSource(ints = {1, 5, 64, 99})
    void shouldSolveWithTheTransposedFactor(int t) {
        double[] l = lower(t, t);
        double[] b = random(t * t, t + 1);
        for (TileKernels kernels : BOTH) {
            double[] x = b.clone();
            OnArrays.trsm(kernels, l, x, t);
            double difference = maxDifference(timesTransposed(x, l, t), b); // x·Lᵀ = b
            assertTrue(difference < 1e-12, kernels.name() + ": |x·Lᵀ - b| = " + difference);
        }
    }

    @ParameterizedTest(name = "t={0}")
    @ValueSource(ints = {1, 6, 64, 97})
    void shouldSubtractProductsWithATransposedOperand(int t) {
        double[] x = random(t * t, t);
        double[] y = random(t * t, t + 1);
        double[] c = random(t * t, t + 2);
        double[] xxT = timesTransposed(x, x, t);
        double[] xyT = timesTransposed(x, y, t);
        for (TileKernels kernels : BOTH) {
            double[] syrk = c.clone();
            OnArrays.syrk(kernels, x, syrk, t);
            double[] gemm = c.clone();
            OnArrays.gemmSubtractTransposed(kernels, x, y, gemm, t);
            for (int j = 0; j < t; j++) {
                for (int i = 0; i < t; i++) {
                    int at = i + j * t;
                    double expected = i >= j ? c[at] - xxT[at] : c[at];
                    assertEquals(expected, syrk[at], 1e-12, kernels.name() + ": syrk (" + i + ", " + j + ")");
                    assertEquals(c[at] - xyT[at], gemm[at], 1e-12, kernels.name() + ": gemm (" + i + ", " + j + ")");
                }
            }
        }
    }

    @Test
    void shouldFactorAWholeMatrixWithLapack() {
        int n = 40;
        double[] a = spdBlock(n, n, 11);
        var buffer = OpenBlas.allocate(n * n).put(0, a);
        assertEquals(0, OpenBlas.dpotrf(n, buffer));
        double[] l = new double[n * n];
        buffer.get(0, l);
        double[] java = a.clone();
        assertEquals(0, JavaFactorKernels.potrf(java, n, n));
        for (int j = 0; j < n; j++) {
            for (int i = j; i < n; i++) {
                assertEquals(java[i + j * n], l[i + j * n], 1e-13, "L(" + i + ", " + j + ")");
            }
        }
    }
}
