package org.bind.linalg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(60)
class TiledMatrixTest {
    @ParameterizedTest(name = "{0} ranks: {1} x {2}")
    @CsvSource({"1, 1, 1", "2, 1, 2", "3, 1, 3", "4, 2, 2", "6, 2, 3", "7, 1, 7", "9, 3, 3", "12, 3, 4"})
    void shouldPickANearSquareGrid(int size, int rows, int cols) {
        assertEquals(new RankGrid(rows, cols), RankGrid.of(size));
    }

    @Test
    void shouldDealTilesBlockCyclically() {
        Object[] owners = Matrices.run(4, 1, bind -> {
            TiledMatrix m = TiledMatrix.zeros(40, 10);
            int[] result = new int[16];
            for (int ti = 0; ti < 4; ti++) {
                for (int tj = 0; tj < 4; tj++) {
                    result[ti * 4 + tj] = m.owner(ti, tj);
                }
            }
            return result;
        });
        int[] expected = {0, 1, 0, 1, 2, 3, 2, 3, 0, 1, 0, 1, 2, 3, 2, 3};
        for (Object rank : owners) {
            assertArrayEquals(expected, (int[]) rank);
        }
    }

    @ParameterizedTest(name = "{0} rank(s)")
    @ValueSource(ints = {1, 2, 3})
    void shouldGatherWhatItWasGivenOnEveryRank(int ranks) {
        int n = 30;
        double[] values = Matrices.random(n, 7);
        Object[] results = Matrices.run(ranks, 2, bind -> TiledMatrix.of(values, n, 10).gather());
        for (Object gathered : results) {
            assertArrayEquals(values, (double[]) gathered);
        }
    }

    @ParameterizedTest(name = "{0} rank(s)")
    @ValueSource(ints = {1, 2, 4})
    void shouldGatherARaggedMatrixWithoutItsPadding(int ranks) {
        int n = 23;
        double[] values = Matrices.random(n, 5);
        Object[] results = Matrices.run(ranks, 2, bind -> {
            TiledMatrix matrix = TiledMatrix.of(values, n, 10);
            return new Object[] {matrix.gather(), new int[] {matrix.n(), matrix.tileCount(), matrix.extent(2)}};
        });
        for (Object result : results) {
            Object[] pair = (Object[]) result;
            assertArrayEquals(values, (double[]) pair[0]);
            assertArrayEquals(new int[] {23, 3, 3}, (int[]) pair[1]);
        }
    }

    @ParameterizedTest(name = "{0} rank(s)")
    @ValueSource(ints = {1, 3, 4})
    void shouldGatherSampledEntriesOnEveryRank(int ranks) {
        int n = 40;
        double[] values = Matrices.random(n, 3);
        int[] rows = {0, 39, 17, 17, 5, 33, 0};
        int[] cols = {0, 39, 3, 4, 38, 20, 0};
        Object[] results = Matrices.run(ranks, 2, bind -> TiledMatrix.of(values, n, 10).gatherEntries(rows, cols));
        double[] expected = new double[rows.length];
        for (int e = 0; e < rows.length; e++) {
            expected[e] = values[rows[e] * n + cols[e]];
        }
        for (Object gathered : results) {
            assertArrayEquals(expected, (double[]) gathered);
        }
    }

    @Test
    void shouldGatherZeros() {
        Object[] results = Matrices.run(2, 1, bind -> TiledMatrix.zeros(12, 4).gather());
        assertArrayEquals(new double[144], (double[]) results[0]);
        assertArrayEquals(new double[144], (double[]) results[1]);
    }

    @Test
    void shouldDescribeItsShape() {
        Object[] results = Matrices.run(1, 1, bind -> {
            TiledMatrix m = TiledMatrix.zeros(48, 16);
            return new int[] {m.n(), m.tile(), m.tileCount()};
        });
        assertArrayEquals(new int[] {48, 16, 3}, (int[]) results[0]);
    }

    @Test
    void shouldNameTheBadArgument() {
        Matrices.run(1, 1, bind -> {
            assertMessage("tile size 0 out of range", () -> TiledMatrix.zeros(64, 0));
            assertMessage("tile size 65 out of range", () -> TiledMatrix.zeros(64, 65));
            assertMessage("matrix size n = -4 out of range", () -> TiledMatrix.zeros(-4, 2));
            assertMessage("rowMajor has 15 values; an 4 x 4 matrix needs 16",
                () -> TiledMatrix.of(new double[15], 4, 2));
            TiledMatrix a = TiledMatrix.zeros(64, 16);
            TiledMatrix b = TiledMatrix.zeros(64, 32);
            assertMessage("a is 64 x 64 in tiles of 16, b is 64 x 64 in tiles of 32",
                () -> Strassen.multiply(a, b));
            assertMessage("a is 64 x 64 in tiles of 16, b is 64 x 64 in tiles of 32", () -> Gemm.multiply(a, b));
            TiledMatrix small = TiledMatrix.zeros(8, 4);
            assertMessage("entry (2, 8) outside an 8 x 8 matrix",
                () -> small.gatherEntries(new int[] {0, 2}, new int[] {0, 8}));
            assertMessage("2 rows and 1 cols", () -> small.gatherEntries(new int[] {0, 2}, new int[] {0}));
            IndexOutOfBoundsException outside = assertThrows(IndexOutOfBoundsException.class, () -> a.owner(4, 0));
            assertTrue(outside.getMessage().contains("tile (4, 0) out of range [0, 4)"), outside.getMessage());
            return null;
        });
    }

    private static void assertMessage(String expected, org.junit.jupiter.api.function.Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
