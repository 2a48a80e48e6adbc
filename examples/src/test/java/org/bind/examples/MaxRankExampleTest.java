package org.bind.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(60)
class MaxRankExampleTest {
    @ParameterizedTest(name = "{0} rank(s)")
    @ValueSource(ints = {1, 2, 3, 4})
    void shouldGiveEveryRankTheLargestRank(int ranks) {
        Object[] results = Jobs.run(ranks, MaxRankExample::run);
        for (int r = 0; r < ranks; r++) {
            assertEquals(ranks - 1, results[r], "rank " + r);
        }
    }

    @Test
    void shouldRunMainOnTwoRanks() {
        String out = Jobs.runMain(MaxRankExample.class, 2);
        assertTrue(out.contains("rank 0: max rank 1"), out);
        assertTrue(out.contains("rank 1: max rank 1"), out);
    }
}
