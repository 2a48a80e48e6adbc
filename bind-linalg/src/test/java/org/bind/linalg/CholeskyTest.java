package org.bind.linalg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bind.OpFailedException;
import org.bind.RemoteOpException;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@Timeout(90)
class CholeskyTest {
    @ParameterizedTest(name = "n={0}, tile={1}, {2} rank(s)")
    @CsvSource({
        "30, 30, 1", "48, 16, 1", "48, 16, 2", "64, 16, 4", "96, 32, 3", "80, 8, 2",
        // ragged last tiles
        "50, 16, 2", "37, 10, 3", "45, 7, 4", "33, 32, 1", "21, 8, 1"})
    void shouldMatchThePlainCholesky(int n, int tile, int ranks) {
        double[] a = Matrices.spd(n, n * 31L + tile);
        double[] expected = Matrices.cholesky(a, n);
        Object[] results = Matrices.run(ranks, 2, bind -> Cholesky.factor(TiledMatrix.of(a, n, tile)).gather());
        for (int r = 0; r < ranks; r++) {
            double[] l = (double[]) results[r];
            double error = Matrices.relativeError(l, expected);
            assertTrue(error < 1e-12, "rank " + r + ": relative error " + error);
            for (int i = 0; i < n; i++) {
                for (int j = i + 1; j < n; j++) {
                    assertEquals(0.0, l[i * n + j], "rank " + r + ": L(" + i + ", " + j + ") above the diagonal");
                }
            }
            assertTrue(Matrices.relativeError(Matrices.multiply(l, transpose(l, n), n), a) < 1e-13,
                "rank " + r + ": L·Lᵀ differs from A");
        }
    }

    @ParameterizedTest(name = "n={0}, tile={1}, {2} rank(s) of {3} worker(s)")
    @CsvSource({"96, 16, 1, 1", "96, 16, 1, 3", "100, 16, 2, 2", "90, 16, 4, 1"})
    void shouldGiveTheSameBitsWithAndWithoutPriorities(int n, int tile, int ranks, int workers) {
        double[] a = Matrices.spd(n, 17);
        Object[] plain = Matrices.run(ranks, workers, bind -> Cholesky.factor(TiledMatrix.of(a, n, tile), false)
            .gather());
        Object[] prioritized = Matrices.run(ranks, workers, bind -> Cholesky.factor(TiledMatrix.of(a, n, tile), true)
            .gather());
        double[] reference = (double[]) plain[0];
        assertTrue(Matrices.relativeError(reference, Matrices.cholesky(a, n)) < 1e-12);
        for (int r = 0; r < ranks; r++) {
            assertArrayEquals(reference, (double[]) plain[r], "rank " + r + " without priorities");
            assertArrayEquals(reference, (double[]) prioritized[r], "rank " + r + " with priorities");
        }
    }

    /**
     * In place, the lower triangle becomes the same bits as {@link Cholesky#factor}'s L (the same ops on the same
     * values), the diagonal tiles are L's (zero above the diagonal), and the tiles above the diagonal keep A's.
     */
    @ParameterizedTest(name = "n={0}, tile={1}, {2} rank(s)")
    @CsvSource({"48, 16, 1", "64, 16, 2", "50, 16, 2", "37, 10, 3", "90, 16, 4"})
    void shouldFactorInPlaceToTheSameLowerTriangle(int n, int tile, int ranks) {
        double[] a = Matrices.spd(n, n * 7L + tile);
        Object[] copied = Matrices.run(ranks, 2, bind -> Cholesky.factor(TiledMatrix.of(a, n, tile)).gather());
        Object[] inPlace = Matrices.run(ranks, 2, bind -> {
            TiledMatrix m = TiledMatrix.of(a, n, tile);
            Cholesky.factorInPlace(m);
            return m.gather();
        });
        assertTrue(Matrices.relativeError((double[]) copied[0], Matrices.cholesky(a, n)) < 1e-12);
        for (int r = 0; r < ranks; r++) {
            double[] l = (double[]) copied[r];
            double[] m = (double[]) inPlace[r];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    boolean diagonalTile = i / tile == j / tile;
                    double expected = j <= i || diagonalTile ? l[i * n + j] : a[i * n + j];
                    assertEquals(expected, m[i * n + j], "rank " + r + ": entry (" + i + ", " + j + ") in place");
                }
            }
        }
    }

    @ParameterizedTest(name = "{0} rank(s)")
    @CsvSource({"1", "2", "4"})
    void shouldNameTheTileWhereTheMatrixIsNotPositiveDefinite(int ranks) {
        int n = 64;
        int tile = 16;
        double[] a = Matrices.spd(n, 3);
        int bad = 2 * tile + 5; // in diagonal tile (2, 2), column 5 of it
        a[bad * n + bad] = -1;
        Object[] results = Matrices.run(ranks, 2, bind -> {
            TiledMatrix l = Cholesky.factor(TiledMatrix.of(a, n, tile));
            try {
                l.gather();
                return null;
            } catch (OpFailedException e) {
                return e;
            }
        });
        for (int r = 0; r < ranks; r++) {
            OpFailedException failure = assertInstanceOf(OpFailedException.class, results[r], "rank " + r
                + " did not fail");
            assertTrue(failure.opName().contains("potrf"), failure.getMessage());
            assertEquals(0, failure.rank(), "diagonal tile (2, 2) lives on rank 0 of a 1 x 1, 1 x 2 or 2 x 2 grid");
            String message = failure.getMessage();
            assertTrue(message.contains("diagonal tile (2, 2)") && message.contains("info = 6")
                && message.contains("leading minor of order " + (bad + 1)), message);
            if (r == failure.rank()) {
                NotPositiveDefiniteException cause = assertInstanceOf(NotPositiveDefiniteException.class,
                    failure.getCause());
                assertEquals(2, cause.tileIndex());
                assertEquals(bad + 1, cause.minorOrder());
            } else {
                assertInstanceOf(RemoteOpException.class, failure.getCause());
            }
        }
    }

    private static double[] transpose(double[] m, int n) {
        double[] t = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                t[j * n + i] = m[i * n + j];
            }
        }
        return t;
    }
}
