package org.bind.linalg.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(60)
class KernelsTest {
    private static final TileKernels NATIVE = new OpenBlasTileKernels();
    private static final TileKernels JAVA = new JavaTileKernels();

    private static double[] random(int length, long seed) {
        Random random = new Random(seed);
        double[] values = new double[length];
        for (int i = 0; i < length; i++) {
            values[i] = 2 * random.nextDouble() - 1;
        }
        return values;
    }

    /** The column-major product by the textbook loop. */
    private static double[] naive(double[] a, double[] b, int t) {
        double[] c = new double[t * t];
        for (int i = 0; i < t; i++) {
            for (int j = 0; j < t; j++) {
                double sum = 0;
                for (int k = 0; k < t; k++) {
                    sum += a[i + k * t] * b[k + j * t];
                }
                c[i + j * t] = sum;
            }
        }
        return c;
    }

    private static double relativeError(double[] actual, double[] expected) {
        double difference = 0;
        double norm = 0;
        for (int i = 0; i < expected.length; i++) {
            difference += (actual[i] - expected[i]) * (actual[i] - expected[i]);
            norm += expected[i] * expected[i];
        }
        return Math.sqrt(difference / norm);
    }

    @Test
    void shouldLoadOpenBlasHere() {
        assertNull(Kernels.nativeProblem(), "the OpenBLAS jars are dependencies of this module: it must load");
        assertEquals("openblas", Kernels.active().name());
        assertEquals(1, OpenBlas.threads(), "one BLAS thread per worker");
    }

    @ParameterizedTest(name = "t={0}")
    @ValueSource(ints = {1, 3, 4, 17, 64, 131})
    void shouldComputeTheSameProductNativelyAndInJava(int t) {
        double[] a = random(t * t, t);
        double[] b = random(t * t, t + 1000);
        double[] expected = naive(a, b, t);
        for (TileKernels kernels : new TileKernels[] {NATIVE, JAVA}) {
            double[] c = random(t * t, 99); // garbage: the kernels overwrite it
            OnArrays.gemm(kernels, a, b, c, t);
            double error = relativeError(c, expected);
            assertTrue(error < 1e-13, kernels.name() + " t=" + t + ": relative error " + error);
        }
    }

    @ParameterizedTest(name = "t={0}")
    @ValueSource(ints = {1, 4, 17, 131})
    void shouldAddTheProductToWhatTheTileHolds(int t) {
        double[] a = random(t * t, t);
        double[] b = random(t * t, t + 1000);
        double[] before = random(t * t, 99);
        double[] expected = naive(a, b, t);
        for (int i = 0; i < expected.length; i++) {
            expected[i] += before[i];
        }
        for (TileKernels kernels : new TileKernels[] {NATIVE, JAVA}) {
            double[] c = before.clone();
            OnArrays.gemmAdd(kernels, a, b, c, t);
            double error = relativeError(c, expected);
            assertTrue(error < 1e-13, kernels.name() + " t=" + t + ": relative error " + error);
        }
    }

    @ParameterizedTest(name = "t={0}")
    @ValueSource(ints = {5, 64, 100})
    void shouldMultiplySumsAsTheSumsWouldBeMultiplied(int t) {
        int length = t * t;
        double[] a0 = random(length, 1);
        double[] a1 = random(length, 2);
        double[] b0 = random(length, 3);
        double[] b1 = random(length, 4);
        double[] aSum = new double[length];
        double[] bDifference = new double[length];
        OnArrays.add(a0, a1, aSum);
        OnArrays.sub(b0, b1, bDifference);
        for (TileKernels kernels : new TileKernels[] {NATIVE, JAVA}) {
            double[] expected = new double[length];
            OnArrays.gemm(kernels, aSum, bDifference, expected, t);
            double[] c = new double[length];
            OnArrays.gemmOfSums(kernels, a0, a1, 1, b0, b1, -1, c, t);
            assertEquals(0, relativeError(c, expected), kernels.name() + ": both operands summed");
            OnArrays.gemm(kernels, aSum, b0, expected, t);
            OnArrays.gemmOfSums(kernels, a0, a1, 1, b0, null, 0, c, t);
            assertEquals(0, relativeError(c, expected), kernels.name() + ": left operand summed");
            OnArrays.gemm(kernels, a0, bDifference, expected, t);
            OnArrays.gemmOfSums(kernels, a0, null, 0, b0, b1, -1, c, t);
            assertEquals(0, relativeError(c, expected), kernels.name() + ": right operand summed");
        }
    }

    @Test
    void shouldCombineStrassensProductsInPlaceAsTheQuadrantKernelsDo() {
        int length = 50;
        double[][] m = new double[7][];
        for (int i = 0; i < 7; i++) {
            m[i] = random(length, 10 + i);
        }
        double[] c11 = new double[length];
        double[] c12 = new double[length];
        double[] c21 = new double[length];
        double[] c22 = new double[length];
        OnArrays.combine11(m[0], m[3], m[4], m[6], c11);
        OnArrays.combine12(m[2], m[4], c12);
        OnArrays.combine21(m[1], m[3], c21);
        OnArrays.combine22(m[0], m[1], m[2], m[5], c22);
        for (int i = 0; i < length; i++) {
            assertEquals(m[0][i] + m[3][i] - m[4][i] + m[6][i], c11[i]);
            assertEquals(m[0][i] - m[1][i] + m[2][i] + m[5][i], c22[i]);
        }
        OnArrays.combine(m[0], m[1], m[2], m[3], m[4], m[5], m[6]);
        org.junit.jupiter.api.Assertions.assertArrayEquals(c11, m[6]);
        org.junit.jupiter.api.Assertions.assertArrayEquals(c12, m[4]);
        org.junit.jupiter.api.Assertions.assertArrayEquals(c21, m[3]);
        org.junit.jupiter.api.Assertions.assertArrayEquals(c22, m[5]);
    }

    @Test
    void shouldFallBackToJavaWhenTheNativeLibraryCannotLoad() {
        Kernels.Choice choice = Kernels.choose("auto", () -> {
            throw new UnsatisfiedLinkError("no jniopenblas_nolapack in java.library.path");
        });
        assertInstanceOf(JavaTileKernels.class, choice.kernels());
        assertTrue(choice.nativeProblem().contains("no jniopenblas_nolapack"), choice.nativeProblem());
    }

    @Test
    void shouldHonourTheKernelsProperty() {
        assertInstanceOf(JavaTileKernels.class, Kernels.choose("java", OpenBlasTileKernels::new).kernels());
        assertInstanceOf(OpenBlasTileKernels.class, Kernels.choose("OpenBLAS", OpenBlasTileKernels::new).kernels());
        IllegalArgumentException forced = assertThrows(IllegalArgumentException.class,
            () -> Kernels.choose("openblas", () -> {
                throw new NoClassDefFoundError("org/bytedeco/javacpp/Loader");
            }));
        assertTrue(forced.getMessage().contains("bind.linalg.kernels=openblas, but OpenBLAS could not be loaded"),
            forced.getMessage());
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
            () -> Kernels.choose("mkl", OpenBlasTileKernels::new));
        assertTrue(unknown.getMessage().contains("bind.linalg.kernels 'mkl' must be auto, openblas or java"),
            unknown.getMessage());
    }

    @Test
    void shouldRefuseBadWholeMatrixCalls() {
        IllegalArgumentException small = assertThrows(IllegalArgumentException.class,
            () -> OpenBlas.dgemm(4, OpenBlas.allocate(16), OpenBlas.allocate(15), OpenBlas.allocate(16), true));
        assertTrue(small.getMessage().contains("needs buffers of 16 doubles; got 16, 15, 16"), small.getMessage());
        assertThrows(IllegalArgumentException.class, () -> OpenBlas.threads(0));
    }

    @Test
    void shouldMultiplyWholeMatricesRowMajor() {
        int n = 33;
        double[] a = random(n * n, 5);
        double[] b = random(n * n, 6);
        var da = OpenBlas.allocate(n * n).put(0, a);
        var db = OpenBlas.allocate(n * n).put(0, b);
        var dc = OpenBlas.allocate(n * n);
        OpenBlas.dgemm(n, da, db, dc, true);
        double[] c = new double[n * n];
        dc.get(0, c);
        // row-major a·b is column-major b·a of the same arrays
        double error = relativeError(c, naive(b, a, n));
        assertTrue(error < 1e-13, "relative error " + error);
    }
}
