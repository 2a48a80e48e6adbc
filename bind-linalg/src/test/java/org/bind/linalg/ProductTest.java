package org.bind.linalg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.BinaryOperator;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@Timeout(90)
class ProductTest {
    enum Algorithm {
        STRASSEN(Strassen::multiply),
        GEMM(Gemm::multiply);

        final BinaryOperator<TiledMatrix> multiply;

        Algorithm(BinaryOperator<TiledMatrix> multiply) {
            this.multiply = multiply;
        }
    }

    /** The product of two random matrices, gathered on every rank. */
    static Object[] product(Algorithm algorithm, int n, int tile, int ranks, int workers) {
        double[] a = Matrices.random(n, 1);
        double[] b = Matrices.random(n, 2);
        return Matrices.run(ranks, workers, bind -> {
            TiledMatrix c = algorithm.multiply.apply(TiledMatrix.of(a, n, tile), TiledMatrix.of(b, n, tile));
            return c.gather();
        });
    }

    @ParameterizedTest(name = "{0}: n={1}, tile={2}, {3} rank(s)")
    @CsvSource({
        // power-of-two tile counts: 1, 2, 4 and 8 tiles per side (Strassen recurses 0 to 3 times)
        "STRASSEN, 48, 48, 1", "STRASSEN, 64, 32, 2", "STRASSEN, 64, 16, 1", "STRASSEN, 64, 16, 3",
        "STRASSEN, 128, 16, 4", "STRASSEN, 256, 32, 2",
        // other tile counts: Strassen on the largest power-of-two block, the classic product for the rest
        "STRASSEN, 48, 16, 2", "STRASSEN, 80, 16, 1", "STRASSEN, 96, 16, 3", "STRASSEN, 112, 16, 4",
        "STRASSEN, 99, 11, 2",
        "GEMM, 48, 48, 1", "GEMM, 64, 32, 2", "GEMM, 64, 16, 3", "GEMM, 128, 16, 4", "GEMM, 256, 64, 1",
        "GEMM, 48, 16, 2", "GEMM, 112, 16, 4", "GEMM, 99, 11, 1"})
    void shouldMatchTheTripleLoop(Algorithm algorithm, int n, int tile, int ranks) {
        double[] expected = Matrices.multiply(Matrices.random(n, 1), Matrices.random(n, 2), n);
        Object[] results = product(algorithm, n, tile, ranks, 2);
        for (int r = 0; r < ranks; r++) {
            double error = Matrices.relativeError((double[]) results[r], expected);
            assertTrue(error < 1e-10, "rank " + r + ": relative error " + error);
        }
    }

    @ParameterizedTest(name = "{0}: n={1}, tile={2}")
    @CsvSource({"STRASSEN, 128, 16", "STRASSEN, 96, 16", "GEMM, 96, 16", "GEMM, 80, 16"})
    void shouldGiveTheSameBitsForAnyWorkerAndRankCount(Algorithm algorithm, int n, int tile) {
        double[] reference = (double[]) product(algorithm, n, tile, 1, 1)[0];
        int[][] configurations = {{1, 3}, {2, 1}, {3, 2}, {4, 1}};
        for (int[] configuration : configurations) {
            int ranks = configuration[0];
            int workers = configuration[1];
            Object[] results = product(algorithm, n, tile, ranks, workers);
            for (int r = 0; r < ranks; r++) {
                assertArrayEquals(reference, (double[]) results[r], algorithm + " on " + ranks + " rank(s) of "
                    + workers + " worker(s), rank " + r + " differs from 1 rank of 1 worker");
            }
        }
    }
}
