package org.bind.mapreduce;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

import org.bind.Bind;
import org.bind.transport.inproc.InProcJob;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link Sort#ints} on in-JVM ranks against {@link Arrays#sort} of the union of the inputs. */
@Timeout(120)
class SortTest {
    private static final long JOB_SECONDS = 60;

    /** Each rank's input, from the rank number. */
    private static int[] uniform(int rank, int n) {
        return new SplittableRandom(1000 + rank).ints(n).toArray();
    }

    /** A quarter of one hot value, the rest concentrated near zero with a long tail, and rank-dependent sizes. */
    private static int[] skewed(int rank, int n) {
        SplittableRandom random = new SplittableRandom(2000 + rank);
        int[] values = new int[n + 997 * rank];
        for (int i = 0; i < values.length; i++) {
            values[i] = random.nextInt(4) == 0 ? 123_456 : (int) (Math.pow(random.nextDouble(), 12) * 1e9) - 5;
        }
        return values;
    }

    @ParameterizedTest(name = "{0} rank(s)")
    @ValueSource(ints = {1, 2, 3, 4})
    void shouldSortUniformInput(int ranks) {
        checkSorted(ranks, 2, rank -> uniform(rank, 150_000 + 10_000 * rank), true);
    }

    @ParameterizedTest(name = "{0} rank(s)")
    @ValueSource(ints = {1, 2, 3, 4})
    void shouldSortSkewedInputInBalancedSlices(int ranks) {
        int[][] slices = checkSorted(ranks, 2, rank -> skewed(rank, 100_000), true);
        long total = Arrays.stream(slices).mapToLong(s -> s.length).sum();
        for (int r = 0; r < ranks; r++) {
            assertTrue(slices[r].length < 2.0 * total / ranks, "rank " + r + " holds " + slices[r].length + " of "
                + total + " ints: the splitters did not follow the skew");
        }
    }

    @ParameterizedTest(name = "{0} rank(s)")
    @ValueSource(ints = {1, 2, 3, 4})
    void shouldSpreadAllEqualInputOverEveryRank(int ranks) {
        int[][] slices = checkSorted(ranks, 2, rank -> {
            int[] values = new int[50_000];
            Arrays.fill(values, -7);
            return values;
        }, true);
        for (int r = 0; r < ranks; r++) {
            assertTrue(slices[r].length > 50_000 / 2, "rank " + r + " holds " + slices[r].length + " equal ints");
        }
    }

    @ParameterizedTest(name = "{0} rank(s)")
    @ValueSource(ints = {1, 2, 3, 4})
    void shouldSortEmptyInput(int ranks) {
        int[][] slices = checkSorted(ranks, 2, rank -> new int[0], true);
        for (int[] slice : slices) {
            assertEquals(0, slice.length);
        }
    }

    @ParameterizedTest(name = "{0} rank(s)")
    @ValueSource(ints = {2, 3, 4})
    void shouldSortWhenOnlySomeRanksHaveInput(int ranks) {
        checkSorted(ranks, 3, rank -> rank == 1 ? uniform(rank, 77_777) : new int[rank], false);
    }

    @Test
    void shouldSortWithManyPartsAndExtremeValues() {
        checkSorted(3, 7, rank -> {
            int[] values = uniform(rank, 40_000);
            for (int i = 0; i < values.length; i += 3) {
                values[i] = i % 2 == 0 ? Integer.MIN_VALUE : Integer.MAX_VALUE;
            }
            return values;
        }, false);
    }

    /**
     * Blocks travel between ranks in chunks that cut them anywhere (inside the header, inside an int), each chunk
     * landing straight in the block's array.
     */
    @ParameterizedTest(name = "chunks of {0} bytes")
    @ValueSource(ints = {4099, 65_537, 1 << 20})
    void shouldSortBlocksCutAnywhereIntoChunks(int chunkBytes) {
        int ranks = 3;
        IntFunction<int[]> input = rank -> uniform(rank, 60_000 + 7 * rank);
        int[][] slices = new int[ranks][];
        InProcJob.run(ranks, () -> new Bind.Context().workers(2).chunkBytes(chunkBytes), JOB_SECONDS,
            TimeUnit.SECONDS, bind -> {
                int[] slice = Sort.ints(bind, input.apply(bind.rank()), 2);
                synchronized (slices) {
                    slices[bind.rank()] = slice;
                }
            });
        int[] expected = java.util.stream.IntStream.range(0, ranks).mapToObj(input)
            .flatMapToInt(Arrays::stream).sorted().toArray();
        assertArrayEquals(expected, Arrays.stream(slices).flatMapToInt(Arrays::stream).toArray());
    }

    @Test
    void shouldNotChangeTheInput() {
        InProcJob.run(2, JOB_SECONDS, TimeUnit.SECONDS, bind -> {
            int[] local = uniform(bind.rank(), 10_000);
            int[] copy = local.clone();
            Sort.ints(bind, local);
            bind.sync();
            assertArrayEquals(copy, local);
        });
    }

    @Test
    void shouldRejectBadArguments() {
        InProcJob.run(1, JOB_SECONDS, TimeUnit.SECONDS, bind -> {
            IllegalArgumentException nullInput = assertThrows(IllegalArgumentException.class,
                () -> Sort.ints(bind, null));
            assertTrue(nullInput.getMessage().contains("local is null"), nullInput.getMessage());
            IllegalArgumentException parts = assertThrows(IllegalArgumentException.class,
                () -> Sort.ints(bind, new int[1], 0));
            assertTrue(parts.getMessage().contains("parts 0 out of range"), parts.getMessage());
        });
    }

    /**
     * Sorts on {@code ranks} ranks with {@code parts} parts and checks that the slices, in rank order, are the
     * sorted union of the inputs (optionally also with one worker per rank, giving the same slices).
     */
    private static int[][] checkSorted(int ranks, int parts, IntFunction<int[]> input, boolean alsoOneWorker) {
        int[][] slices = sortOn(ranks, parts, input, 0);
        int[] expected = java.util.stream.IntStream.range(0, ranks).mapToObj(input)
            .flatMapToInt(Arrays::stream).sorted().toArray();
        int[] actual = Arrays.stream(slices).flatMapToInt(Arrays::stream).toArray();
        assertArrayEquals(expected, actual, "the slices in rank order are not the sorted input");
        if (alsoOneWorker) {
            int[][] again = sortOn(ranks, parts, input, 1);
            for (int r = 0; r < ranks; r++) {
                assertArrayEquals(slices[r], again[r], "rank " + r + " with one worker");
            }
        }
        return slices;
    }

    private static int[][] sortOn(int ranks, int parts, IntFunction<int[]> input, int workers) {
        int[][] slices = new int[ranks][];
        InProcJob.run(ranks, () -> new Bind.Context().workers(workers), JOB_SECONDS, TimeUnit.SECONDS, bind -> {
            int[] slice = Sort.ints(bind, input.apply(bind.rank()), parts);
            synchronized (slices) {
                slices[bind.rank()] = slice;
            }
        });
        return slices;
    }
}
