package org.bind.mapreduce;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Arrays;
import java.util.SplittableRandom;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * {@link IntRadix} against {@link Arrays#sort} on the shapes of input that break radix sorts: random, already
 * sorted, reversed, few distinct values, negative only, extremes, narrow ranges; gathered from several runs into
 * an output range, under tight bounds (a sample sort's bucket) or the whole int range. Sizes reach past the
 * thresholds where the sort changes method (insertion sort, one cache-sized range, a most-significant-digit pass,
 * a sub-range cut again).
 */
class IntRadixPropertyTest {
    enum Shape { RANDOM, SORTED, REVERSED, FEW_DISTINCT, NEGATIVE, EXTREMES, NARROW, SAWTOOTH }

    private static int[] values(Shape shape, int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int[] v = new int[n];
        switch (shape) {
            case RANDOM -> {
                for (int i = 0; i < n; i++) {
                    v[i] = random.nextInt();
                }
            }
            case SORTED, REVERSED -> {
                int x = random.nextInt(Integer.MIN_VALUE, 0);
                for (int i = 0; i < n; i++) {
                    x += random.nextInt(3000);
                    v[shape == Shape.SORTED ? i : n - 1 - i] = x;
                }
            }
            case FEW_DISTINCT -> {
                int[] pool = random.ints(1 + random.nextInt(5)).toArray();
                for (int i = 0; i < n; i++) {
                    v[i] = pool[random.nextInt(pool.length)];
                }
            }
            case NEGATIVE -> {
                for (int i = 0; i < n; i++) {
                    v[i] = random.nextInt(Integer.MIN_VALUE, 0);
                }
            }
            case EXTREMES -> {
                int[] pool = {Integer.MIN_VALUE, Integer.MIN_VALUE + 1, -1, 0, 1, Integer.MAX_VALUE - 1,
                    Integer.MAX_VALUE};
                for (int i = 0; i < n; i++) {
                    v[i] = random.nextInt(3) == 0 ? random.nextInt() : pool[random.nextInt(pool.length)];
                }
            }
            case NARROW -> {
                int base = random.nextInt();
                int width = 1 + random.nextInt(1 << random.nextInt(1, 24));
                for (int i = 0; i < n; i++) {
                    v[i] = (int) Math.min(Integer.MAX_VALUE, (long) base + random.nextInt(width));
                }
            }
            case SAWTOOTH -> {
                int period = 1 + random.nextInt(5000);
                for (int i = 0; i < n; i++) {
                    v[i] = (i % period) * 7919 - (1 << 30);
                }
            }
        }
        return v;
    }

    @Property(tries = 120)
    void shouldSortInPlaceAsArraysSortDoes(@ForAll Shape shape, @ForAll @IntRange(max = 400_000) int n,
                                           @ForAll long seed) {
        int[] input = values(shape, n, seed);
        int[] expected = input.clone();
        Arrays.sort(expected);
        int[] actual = input.clone();
        IntRadix.sort(actual);
        assertArrayEquals(expected, actual, shape + ", " + n + " ints");
    }

    /** Several runs into the middle of a larger output, under the tightest bounds a bucket could have. */
    @Property(tries = 80)
    void shouldGatherRunsIntoTheirSortedRangeUnderTightBounds(@ForAll Shape shape,
                                                              @ForAll @IntRange(max = 1_500_000) int n,
                                                              @ForAll @IntRange(min = 1, max = 6) int runs,
                                                              @ForAll long seed) {
        int[] input = values(shape, n, seed);
        int[][] arrays = new int[runs][];
        int[] starts = new int[runs];
        int[] ends = new int[runs];
        int lo = Integer.MAX_VALUE;
        int hi = Integer.MIN_VALUE;
        for (int v : input) {
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
        }
        int at = 0;
        for (int r = 0; r < runs; r++) {
            int length = r == runs - 1 ? n - at : (int) ((long) n * (r + 1) / runs) - at;
            arrays[r] = new int[length + 2 * r];
            starts[r] = r;
            ends[r] = r + length;
            System.arraycopy(input, at, arrays[r], r, length);
            at += length;
        }
        int[] expected = input.clone();
        Arrays.sort(expected);
        int[] out = new int[n + 6];
        Arrays.fill(out, 0x5a5a5a5a);
        if (n == 0) {
            lo = 0;
            hi = 0;
        }
        IntRadix.sortRuns(arrays, starts, ends, runs, out, 3, lo, hi);
        assertArrayEquals(expected, Arrays.copyOfRange(out, 3, 3 + n), shape + ", " + n + " ints in " + runs + " runs");
        assertArrayEquals(new int[] {0x5a5a5a5a, 0x5a5a5a5a, 0x5a5a5a5a}, Arrays.copyOfRange(out, 0, 3));
        assertArrayEquals(new int[] {0x5a5a5a5a, 0x5a5a5a5a, 0x5a5a5a5a}, Arrays.copyOfRange(out, 3 + n, n + 6));
    }
    /**
     * The sort's own path: each run grouped by the top bits alone ({@link IntRadix#scatterByDigit}), then each
     * digit's groups from every run sorted into the output ({@link IntRadix#sortLeafRuns}), digit after digit.
     */
    @Property(tries = 80)
    void shouldSortRunsGroupedByDigitAsArraysSortDoes(@ForAll Shape shape, @ForAll @IntRange(max = 1_200_000) int n,
                                                      @ForAll @IntRange(min = 1, max = 5) int runs,
                                                      @ForAll @IntRange(max = 12) int extraBits, @ForAll long seed) {
        int[] input = values(shape, n, seed);
        int lo = Integer.MAX_VALUE;
        int hi = Integer.MIN_VALUE;
        for (int v : input) {
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
        }
        if (n == 0 || seed % 3 == 0) { // bounds as loose as a first or last bucket's
            lo = Math.min(lo, Integer.MIN_VALUE + (int) Math.floorMod(seed, 1000));
            hi = Integer.MAX_VALUE;
        }
        // the digit the sort would pick, or wider (up to every bit of the range)
        int bits = Math.min(IntRadix.bits(lo, hi), Math.max(IntRadix.msdBits(n, lo, hi), extraBits));
        int groups = 1 << bits;
        int[][] grouped = new int[runs][];
        int[][] counts = new int[runs][groups];
        int at = 0;
        for (int r = 0; r < runs; r++) {
            int length = r == runs - 1 ? n - at : (int) ((long) n * (r + 1) / runs) - at;
            grouped[r] = new int[length + 1];
            IntRadix.scatterByDigit(input, at, at + length, lo, hi, bits, grouped[r], 1, counts[r], 0);
            at += length;
        }
        int[] out = new int[n + 2];
        int[] starts = new int[runs];
        int[] ends = new int[runs];
        java.util.Arrays.fill(starts, 1);
        int[] scratch = new int[Math.max(1, n / Math.max(1, groups) + 17)]; // smaller than a skewed group
        int[] histograms = new int[3 << IntRadix.MAX_DIGIT_BITS];
        int outAt = 1;
        for (int g = 0; g < groups; g++) {
            int size = 0;
            for (int r = 0; r < runs; r++) {
                ends[r] = starts[r] + counts[r][g];
                size += counts[r][g];
            }
            IntRadix.sortLeafRuns(grouped, starts, ends, runs, out, outAt, scratch, histograms);
            outAt += size;
            System.arraycopy(ends, 0, starts, 0, runs);
        }
        int[] expected = input.clone();
        Arrays.sort(expected);
        assertArrayEquals(expected, Arrays.copyOfRange(out, 1, n + 1), shape + ", " + n + " ints in " + runs
            + " runs, " + bits + " top bits");
    }
}
