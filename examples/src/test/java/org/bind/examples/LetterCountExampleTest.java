package org.bind.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(60)
class LetterCountExampleTest {
    /** A plain loop over the lines the ranks hold. */
    static Map<Character, Integer> expected(int ranks) {
        Map<Character, Integer> counts = new TreeMap<>();
        for (String line : LetterCountExample.TEXT.subList(0, Math.min(ranks, LetterCountExample.TEXT.size()))) {
            for (char c : line.toCharArray()) {
                counts.merge(c, 1, Integer::sum);
            }
        }
        return counts;
    }

    @ParameterizedTest(name = "{0} rank(s)")
    @ValueSource(ints = {1, 2, 3, 4})
    void shouldCountLikeAPlainLoopOnEveryRank(int ranks) {
        Object[] results = Jobs.run(ranks, LetterCountExample::run);
        for (int r = 0; r < ranks; r++) {
            assertEquals(expected(ranks), results[r], "rank " + r);
        }
    }

    @Test
    void shouldGiveTheCppExampleCountsOnTwoRanks() {
        Map<Character, Integer> counts = expected(2);
        assertEquals(31, counts.size());
        assertEquals(27, counts.get(' '));
        assertEquals(15, counts.get('a'));
        assertEquals(14, counts.get('i'));
        assertEquals(12, counts.get('r'));
        assertEquals(counts, Jobs.run(2, LetterCountExample::run)[1]);
    }

    @Test
    void shouldPlaceEachCharacterOnOneRank() {
        Object[] results = Jobs.run(3, LetterCountExample::countOnThisRank);
        Map<Character, Integer> merged = new TreeMap<>();
        for (Object result : results) {
            @SuppressWarnings("unchecked")
            Map<Character, List<Integer>> local = (Map<Character, List<Integer>>) result;
            local.forEach((c, count) -> assertEquals(null, merged.put(c, count.get(0)), "'" + c + "' twice"));
        }
        assertEquals(expected(3), merged);
    }

    @Test
    void shouldPrintTheCountsFromMain() {
        String out = Jobs.runMain(LetterCountExample.class, 2);
        assertTrue(out.contains("31 distinct characters in 2 line(s):"), out);
        assertTrue(out.contains("' ' 27\n'a' 15\n"), out);
        assertTrue(out.contains("'i' 14\n"), out);
        assertTrue(out.contains("'r' 12\n"), out);
    }
}
