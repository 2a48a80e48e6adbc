package org.bind.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;

import org.bind.dag.Counters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(60)
class ArrayExampleTest {
    /** The same generator as the example, run sequentially, sorted, reversed. */
    static int[] expectedDescending() {
        int[] values = new int[ArrayExample.LENGTH];
        long state = ArrayExample.SEED;
        for (int i = 0; i < values.length; i++) {
            state = state * 6364136223846793005L + 1442695040888963407L;
            values[i] = (int) ((state >>> 33) % ArrayExample.VALUE_BOUND);
        }
        Integer[] boxed = Arrays.stream(values).boxed().toArray(Integer[]::new);
        Arrays.sort(boxed, (a, b) -> Integer.compare(b, a));
        return Arrays.stream(boxed).mapToInt(Integer::intValue).toArray();
    }

    @ParameterizedTest(name = "{0} rank(s)")
    @ValueSource(ints = {1, 2, 3, 4})
    void shouldSortDescendingOnRankZero(int ranks) {
        Object[] results = Jobs.run(ranks, ArrayExample::run);
        int[] expected = expectedDescending();
        assertTrue(Arrays.stream(expected).distinct().count() > 50, "the generator should spread its values");
        assertArrayEquals(expected, (int[]) results[0]);
        for (int r = 1; r < ranks; r++) {
            assertNull(results[r], "rank " + r + " does not hold the result");
        }
    }

    @Test
    void shouldSendTheSortedArrayFromRankOneToRankZeroOnly() {
        Object[] counters = Jobs.run(3, bind -> {
            ArrayExample.run(bind);
            return bind.counters();
        });
        Counters rank0 = (Counters) counters[0];
        Counters rank1 = (Counters) counters[1];
        Counters rank2 = (Counters) counters[2];
        assertEquals(1, rank1.versionsSent(), rank1.toString());
        assertEquals(1, rank0.versionsReceived(), rank0.toString());
        assertEquals(0, rank2.versionsReceived() + rank2.versionsSent(), rank2.toString());
    }

    @Test
    void shouldRunMainOnTwoRanks() {
        String out = Jobs.runMain(ArrayExample.class, 2);
        assertTrue(out.contains("sorted descending: " + Arrays.toString(expectedDescending())), out);
    }
}
