package org.bind.mapreduce;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Arrays;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IntRadixTest {
    @ParameterizedTest(name = "{0} ints")
    @ValueSource(ints = {0, 1, 2, 47, 48, 49, 1000, 32_768, 32_769, 100_000, 1_000_000})
    void shouldSortLikeArraysSortForEveryRange(int n) {
        SplittableRandom random = new SplittableRandom(n);
        for (int bits : new int[] {0, 1, 5, 11, 12, 17, 23, 31, 32}) {
            int[] values = new int[n];
            for (int i = 0; i < n; i++) {
                values[i] = bits == 32 ? random.nextInt() : (bits == 0 ? 7 : random.nextInt(1 << Math.min(bits, 30))
                    - (bits == 31 ? 1 << 29 : 0));
            }
            int[] expected = values.clone();
            Arrays.sort(expected);
            int[] actual = values.clone();
            IntRadix.sort(actual);
            assertArrayEquals(expected, actual, n + " ints of " + bits + " bits");
        }
    }

    @Test
    void shouldSortExtremeValues() {
        int[] values = {Integer.MAX_VALUE, Integer.MIN_VALUE, 0, -1, 1, Integer.MIN_VALUE, Integer.MAX_VALUE};
        int[] big = new int[100_000];
        for (int i = 0; i < big.length; i++) {
            big[i] = values[i % values.length] ^ (i % 3 == 0 ? 0 : i);
        }
        for (int[] input : new int[][] {values, big}) {
            int[] expected = input.clone();
            Arrays.sort(expected);
            int[] actual = input.clone();
            IntRadix.sort(actual);
            assertArrayEquals(expected, actual);
        }
    }

    @Test
    void shouldSortNarrowDataUnderLooseBoundsByCuttingLargeSubRangesAgain() {
        SplittableRandom random = new SplittableRandom(5);
        int[] values = new int[1_500_000];
        for (int i = 0; i < values.length; i++) {
            values[i] = i % 3 == 0 ? random.nextInt(1000) : i % 3 == 1 ? 1 << 20 | random.nextInt(64) : -7;
        }
        int[] expected = values.clone();
        Arrays.sort(expected);
        int[] out = new int[values.length];
        IntRadix.sortRuns(new int[][] {values}, new int[] {0}, new int[] {values.length}, 1, out, 0,
            Integer.MIN_VALUE, Integer.MAX_VALUE);
        assertArrayEquals(expected, out);
    }

    @Test
    void shouldGatherRunsIntoTheOutputRange() {
        SplittableRandom random = new SplittableRandom(3);
        int[][] arrays = new int[5][];
        int[] starts = new int[5];
        int[] ends = new int[5];
        int total = 0;
        for (int r = 0; r < 5; r++) {
            arrays[r] = random.ints(20_000 * r + 3).toArray();
            starts[r] = r;
            ends[r] = arrays[r].length - r;
            total += ends[r] - starts[r];
        }
        int[] expected = new int[total];
        int at = 0;
        for (int r = 0; r < 5; r++) {
            System.arraycopy(arrays[r], starts[r], expected, at, ends[r] - starts[r]);
            at += ends[r] - starts[r];
        }
        Arrays.sort(expected);
        int[] out = new int[total + 10];
        Arrays.fill(out, 42);
        IntRadix.sortRuns(arrays, starts, ends, 5, out, 5);
        assertArrayEquals(expected, Arrays.copyOfRange(out, 5, 5 + total));
        assertArrayEquals(new int[] {42, 42, 42, 42, 42}, Arrays.copyOfRange(out, 0, 5));
        assertArrayEquals(new int[] {42, 42, 42, 42, 42}, Arrays.copyOfRange(out, 5 + total, out.length));
    }
}
