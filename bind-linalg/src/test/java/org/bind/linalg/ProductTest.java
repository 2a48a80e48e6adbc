package org.bind.linalg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import java.util.function.BinaryOperator;

import org.bind.Bind;
import org.bind.transport.inproc.InProcJob;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

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
        // ragged last tiles, zero-padded: n not a multiple of the tile
        "STRASSEN, 60, 16, 2", "STRASSEN, 100, 16, 3", "STRASSEN, 37, 10, 1",
        "GEMM, 48, 48, 1", "GEMM, 64, 32, 2", "GEMM, 64, 16, 3", "GEMM, 128, 16, 4", "GEMM, 256, 64, 1",
        "GEMM, 48, 16, 2", "GEMM, 112, 16, 4", "GEMM, 99, 11, 1",
        "GEMM, 70, 16, 2", "GEMM, 45, 10, 4"})
    void shouldMatchTheTripleLoop(Algorithm algorithm, int n, int tile, int ranks) {
        double[] expected = Matrices.multiply(Matrices.random(n, 1), Matrices.random(n, 2), n);
        Object[] results = product(algorithm, n, tile, ranks, 2);
        for (int r = 0; r < ranks; r++) {
            double error = Matrices.relativeError((double[]) results[r], expected);
            assertTrue(error < 1e-10, "rank " + r + ": relative error " + error);
        }
    }

    @ParameterizedTest(name = "{0}: n={1}, tile={2}")
    @CsvSource({"STRASSEN, 128, 16", "STRASSEN, 112, 16", "GEMM, 128, 16"})
    void shouldFreeEveryTemporaryWithoutWaitingForTheGarbageCollector(Algorithm algorithm, int n, int tile) {
        double[] a = Matrices.random(n, 1);
        double[] b = Matrices.random(n, 2);
        Object[] live = Matrices.run(1, 2, bind -> {
            TiledMatrix c = algorithm.multiply.apply(TiledMatrix.of(a, n, tile), TiledMatrix.of(b, n, tile));
            bind.sync();
            long bytes = bind.counters().liveBytes();
            c.gather();
            return bytes;
        });
        long matrixBytes = (long) n * n * Double.BYTES;
        long tiles = (long) (n / tile) * (n / tile);
        long abc = 3 * (matrixBytes + tiles * 16); // A, B and C, with 16 bytes of array header per tile
        long released = 16L * 60 * tiles; // a released temporary keeps an empty array until it is collected
        assertTrue((Long) live[0] >= abc && (Long) live[0] <= abc + released, "live bytes after the product: "
            + live[0] + ", expected A, B and C: " + abc);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Algorithm.class)
    void shouldFinishWithinATightByteWindow(Algorithm algorithm) {
        int n = 128;
        int tile = 16;
        double[] a = Matrices.random(n, 1);
        double[] b = Matrices.random(n, 2);
        long windowBytes = 16L * tile * tile * Double.BYTES; // 16 tiles, far below the 192 of A, B and C
        Object[] results = new Object[2];
        InProcJob.run(1, () -> new Bind.Context().workers(2).windowBytes(windowBytes),
            Matrices.JOB_TIMEOUT_SECONDS, TimeUnit.SECONDS, bind -> {
                TiledMatrix c = algorithm.multiply.apply(TiledMatrix.of(a, n, tile), TiledMatrix.of(b, n, tile));
                results[0] = c.gather();
                results[1] = bind.counters().windowStalls();
            });
        double error = Matrices.relativeError((double[]) results[0], Matrices.multiply(a, b, n));
        assertTrue(error < 1e-10, "relative error " + error);
        assertTrue((Long) results[1] > 0, "the window never held the program back: " + results[1] + " stalls");
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
