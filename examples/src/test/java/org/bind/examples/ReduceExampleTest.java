package org.bind.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(60)
class ReduceExampleTest {
    private static final int EXPECTED_SUM = 1 + 2 + 3 + 4 + 6 + 7 + 8 + 9;

    @ParameterizedTest(name = "{0} rank(s)")
    @ValueSource(ints = {1, 2, 3, 4})
    void shouldSumOnEveryRank(int ranks) {
        Object[] results = Jobs.run(ranks, ReduceExample::run);
        for (int r = 0; r < ranks; r++) {
            assertEquals(EXPECTED_SUM, results[r], "rank " + r);
        }
    }

    @Test
    void shouldRunMainOnTwoRanks() {
        String out = Jobs.runMain(ReduceExample.class, 2);
        assertTrue(out.contains("sum " + EXPECTED_SUM), out);
    }
}
