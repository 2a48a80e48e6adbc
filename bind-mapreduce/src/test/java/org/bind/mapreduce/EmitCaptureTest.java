package org.bind.mapreduce;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What a mapper emits is captured at {@code emit}: it may reuse and change its buffers afterwards. */
@Timeout(120)
class EmitCaptureTest {
    /** A key holding a mutable array, as a mapper might reuse one. */
    record Word(char[] letters) {
    }

    static final String[] LINES = {
        "the cat sat on the mat", "a cat and a dog", "the dog ate the cat food", "on and on and on",
        "mat cat hat bat", "dog dog dog"};

    static List<String> linesOf(int rank, int ranks) {
        return Arrays.asList(LINES).subList(rank * LINES.length / ranks, (rank + 1) * LINES.length / ranks);
    }

    static Map<String, Integer> oracle() {
        Map<String, Integer> counts = new HashMap<>();
        for (String line : LINES) {
            for (String word : line.split(" ")) {
                counts.merge(word, 1, Integer::sum);
            }
        }
        return new TreeMap<>(counts);
    }

    @ParameterizedTest(name = "{0} rank(s)")
    @ValueSource(ints = {1, 2, 3})
    void aReusedValueBufferIsCapturedAtEmit(int ranks) {
        Object[] results = KVPairsTest.run(ranks, 2, bind -> KVPairs.of(bind,
                Map.of(bind.rank(), linesOf(bind.rank(), ranks)), Integer.class, String.class)
            .map(String.class, int[].class, (k, lines, out) -> {
                int[] buffer = new int[1];
                for (String line : lines) {
                    for (String word : line.split(" ")) {
                        buffer[0] = 1;
                        out.emit(word, buffer);
                        buffer[0] = 1000; // changed after the call: must not count
                    }
                }
            })
            .reduce(String.class, Integer.class, (word, ones, out) -> {
                int sum = 0;
                for (int[] one : ones) {
                    sum += one[0];
                }
                out.emit(word, sum);
            })
            .local());
        assertEquals(oracle(), merged(results));
    }

    @ParameterizedTest(name = "{0} rank(s)")
    @ValueSource(ints = {1, 2, 3})
    void aRecordKeyWithAReusedArrayIsCapturedAtEmit(int ranks) {
        Object[] results = KVPairsTest.run(ranks, 2, bind -> KVPairs.of(bind,
                Map.of(bind.rank(), linesOf(bind.rank(), ranks)), Integer.class, String.class)
            .map(Word.class, Integer.class, (k, lines, out) -> {
                char[] letters = new char[0];
                Word key = null;
                for (String line : lines) {
                    for (String word : line.split(" ")) {
                        if (key == null || letters.length != word.length()) {
                            letters = new char[word.length()];
                            key = new Word(letters);
                        }
                        word.getChars(0, word.length(), letters, 0); // the same key object, new contents
                        out.emit(key, 1);
                    }
                }
                if (key != null) {
                    Arrays.fill(letters, '#');
                }
            })
            .reduce(String.class, Integer.class, (word, ones, out) -> out.emit(new String(word.letters()),
                ones.stream().mapToInt(Integer::intValue).sum()))
            .local());
        assertEquals(oracle(), merged(results));
    }

    private static Map<String, Integer> merged(Object[] results) {
        Map<String, Integer> all = new TreeMap<>();
        for (Object result : results) {
            @SuppressWarnings("unchecked")
            Map<String, List<Integer>> counts = (Map<String, List<Integer>>) result;
            counts.forEach((word, count) -> {
                assertEquals(1, count.size(), word);
                assertEquals(null, all.put(word, count.get(0)), word + " on two ranks");
            });
        }
        return all;
    }
}
