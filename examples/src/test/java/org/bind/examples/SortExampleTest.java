package org.bind.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;

import org.bind.examples.SortExample.Params;
import org.bind.examples.SortExample.Result;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@Timeout(90)
class SortExampleTest {
    @ParameterizedTest(name = "{0} rank(s), skewed {1}")
    @CsvSource({"1, false", "2, false", "3, true", "4, false", "4, true"})
    void shouldSortAndPassTheCheck(int ranks, boolean skewed) {
        Params params = new Params(300_000, skewed, 2, 1, 2, 5);
        Object[] results = Jobs.run(ranks, bind -> SortExample.run(bind, params));
        long total = 0;
        for (int r = 0; r < ranks; r++) {
            Result result = (Result) results[r];
            assertEquals("ok", result.check(), "rank " + r);
            assertEquals(2, result.seconds().length);
            assertEquals(result.sliceLengths()[r], result.sliceLength());
            total += result.sliceLength();
        }
        assertEquals(300_000, total);
    }

    @Test
    void shouldSortTheSameValuesAsOneArraySortedByTheJdk() {
        Params params = new Params(100_000, true, 3, 0, 1, 9);
        int[][] slices = new int[3][];
        Jobs.run(3, bind -> {
            SortExample.run(bind, params);
            int[] local = SortData.slice(SortData.partStart(100_000, bind.rank(), 3),
                SortData.partStart(100_000, bind.rank() + 1, 3), 9, true);
            int[] slice = org.bind.mapreduce.Sort.ints(bind, local, 3);
            synchronized (slices) {
                slices[bind.rank()] = slice;
            }
            return null;
        });
        int[] expected = SortData.slice(0, 100_000, 9, true);
        Arrays.sort(expected);
        assertArrayEquals(expected, Arrays.stream(slices).flatMapToInt(Arrays::stream).toArray());
    }

    @Test
    void shouldGenerateAnySliceOfTheSameSequence() {
        int[] whole = SortData.slice(0, 200_000, 3, false);
        int[] middle = SortData.slice(65_000, 140_001, 3, false);
        assertArrayEquals(Arrays.copyOfRange(whole, 65_000, 140_001), middle);
        int[] skewed = SortData.slice(0, 100_000, 3, true);
        long hot = Arrays.stream(skewed).filter(v -> v == SortData.HOT).count();
        assertTrue(hot > 23_000 && hot < 27_000, hot + " hot values");
        long low = Arrays.stream(skewed).filter(v -> v < Integer.MIN_VALUE + (1 << 24)).count();
        assertTrue(low > 40_000, low + " values in the lowest 2^24");
    }

    @Test
    void shouldReportWhatTheCheckFinds() {
        long[] ok0 = {2, 10, 2, 10, 1, 5, 1};
        long[] ok1 = {1, 7, 1, 7, 5, 9, 1};
        assertEquals("ok", SortExample.check(new long[][] {ok0, ok1}, 3));
        assertTrue(SortExample.check(new long[][] {ok0, {1, 7, 1, 7, 4, 9, 1}}, 3).contains("below an earlier"));
        assertTrue(SortExample.check(new long[][] {ok0, {1, 7, 1, 7, 5, 9, 0}}, 3).contains("not sorted"));
        assertTrue(SortExample.check(new long[][] {ok0, {1, 7, 1, 8, 5, 9, 1}}, 3).contains("checksums differ"));
        assertTrue(SortExample.check(new long[][] {ok0, ok1}, 4).contains("expected 4"));
    }

    @Test
    void shouldPrintTheCheckFromMain() {
        String out = Jobs.runMain(SortExample.class, 2, "--n", "50000", "--skewed", "--reps", "2");
        assertTrue(out.contains("sort: 50000 skewed ints on 2 rank(s)"), out);
        assertTrue(out.contains("  sort 2: "), out);
        assertTrue(out.contains("  check: ok"), out);
    }

    @Test
    void shouldRejectBadOptions() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Params.parse("--n", "x")).getMessage()
            .contains("--n needs an integer, got 'x'"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Params.parse("--reps", "0")).getMessage()
            .contains("--reps 0 must be at least 1"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Params.parse("--fast")).getMessage()
            .contains("option --fast needs a value"));
    }
}
