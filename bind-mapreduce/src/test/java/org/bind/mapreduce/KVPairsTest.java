package org.bind.mapreduce;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import org.bind.Bind;
import org.bind.transport.inproc.InProcJob;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(120)
class KVPairsTest {
    static final String[] TEXT = {
        "Thus the KVPairs framework transforms a list of (key, value) pairs into a list of values.",
        "This behavior is different from the typical functional programming map and reduce combination,",
        "which accepts a list of arbitrary values and returns one single value",
        "that combines all the values returned by map."};

    private static Map<Character, List<Integer>> letterCount(Bind bind) {
        Map<Integer, List<String>> input = bind.rank() < TEXT.length
            ? Map.of(bind.rank(), List.of(TEXT[bind.rank()])) : Map.of();
        return KVPairs.of(bind, input)
            .map(Character.class, Integer.class, (line, texts, out) -> {
                for (String text : texts) {
                    for (char c : text.toCharArray()) {
                        out.emit(c, 1);
                    }
                }
            })
            .combine(Character.class, Integer.class, (c, ones, out) -> out.emit(c, ones.size()))
            .reduce(Character.class, Integer.class,
                (c, partial, out) -> out.emit(c, partial.stream().mapToInt(Integer::intValue).sum()))
            .local();
    }

    @ParameterizedTest(name = "{0} rank(s)")
    @ValueSource(ints = {1, 2, 3, 4})
    void shouldCountLettersLikeAPlainLoop(int ranks) {
        Map<Character, Integer> expected = new TreeMap<>();
        for (int r = 0; r < Math.min(ranks, TEXT.length); r++) {
            for (char c : TEXT[r].toCharArray()) {
                expected.merge(c, 1, Integer::sum);
            }
        }
        Map<Character, Integer> actual = new TreeMap<>();
        for (Object result : run(ranks, 0, KVPairsTest::letterCount)) {
            @SuppressWarnings("unchecked")
            Map<Character, List<Integer>> counts = (Map<Character, List<Integer>>) result;
            counts.forEach((c, count) -> {
                assertEquals(1, count.size(), "one count per letter");
                assertEquals(null, actual.put(c, count.get(0)), "letter " + c + " on two ranks");
            });
        }
        assertEquals(expected, actual);
        if (ranks == 2) {
            assertEquals(31, actual.size());
            assertEquals(27, actual.get(' '));
            assertEquals(15, actual.get('a'));
            assertEquals(14, actual.get('i'));
            assertEquals(12, actual.get('r'));
        }
    }

    /** Lines of words drawn from a Zipf-like vocabulary, different on every rank; rank 2 has none. */
    static Map<Integer, List<String>> wordInput(int rank) {
        if (rank == 2) {
            return Map.of();
        }
        java.util.SplittableRandom random = new java.util.SplittableRandom(rank * 31L + 7);
        Map<Integer, List<String>> lines = new HashMap<>();
        for (int line = 0; line < 300; line++) {
            StringBuilder text = new StringBuilder();
            for (int w = 0; w < 12; w++) {
                int word = (int) Math.floor(Math.pow(2000, random.nextDouble())) - 1;
                text.append(w == 0 ? "" : " ").append("w").append(word);
            }
            lines.computeIfAbsent(line % 37 + 100 * rank, k -> new ArrayList<>()).add(text.toString());
        }
        return lines;
    }

    private static Map<String, List<Long>> wordCount(Bind bind) {
        return KVPairs.of(bind, wordInput(bind.rank()), Integer.class, String.class)
            .map(String.class, Long.class, (line, texts, out) -> {
                for (String text : texts) {
                    for (String word : text.split(" ")) {
                        out.emit(word, 1L);
                    }
                }
            })
            .combine(String.class, Long.class, (word, ones, out) -> out.emit(word, (long) ones.size()))
            .reduce(String.class, Long.class,
                (word, partial, out) -> out.emit(word, partial.stream().mapToLong(Long::longValue).sum()))
            .local();
    }

    @ParameterizedTest(name = "{0} rank(s)")
    @ValueSource(ints = {1, 2, 3, 4})
    void shouldCountWordsLikeAPlainLoop(int ranks) {
        Map<String, Long> expected = new TreeMap<>();
        for (int r = 0; r < ranks; r++) {
            for (List<String> texts : wordInput(r).values()) {
                for (String text : texts) {
                    for (String word : text.split(" ")) {
                        expected.merge(word, 1L, Long::sum);
                    }
                }
            }
        }
        Map<String, Long> actual = new TreeMap<>();
        Object[] results = run(ranks, 0, KVPairsTest::wordCount);
        for (int r = 0; r < ranks; r++) {
            @SuppressWarnings("unchecked")
            Map<String, List<Long>> counts = (Map<String, List<Long>>) results[r];
            for (Map.Entry<String, List<Long>> e : counts.entrySet()) {
                assertEquals(1, e.getValue().size());
                assertEquals(r, Placement.rankOf(Placement.hashString(e.getKey()), ranks),
                    "word " + e.getKey() + " is on rank " + r + ", not where the documented rule puts it");
                assertEquals(null, actual.put(e.getKey(), e.getValue().get(0)), e.getKey() + " on two ranks");
            }
        }
        assertEquals(expected, actual);
    }

    /** The C++ example's bucket sort: bucket = v >>> 28, each bucket sorted by the reduce. */
    @ParameterizedTest(name = "{0} rank(s)")
    @ValueSource(ints = {1, 2, 3, 4})
    void shouldBucketSortLikeTheCppExample(int ranks) {
        int perRank = 20_000;
        Object[] results = run(ranks, 0, bind -> {
            int[] values = new java.util.SplittableRandom(bind.rank()).ints(perRank).toArray();
            return KVPairs.of(bind, Map.of(bind.rank(), List.of(values)), Integer.class, int[].class)
                .map(Integer.class, Integer.class, (rank, arrays, out) -> {
                    for (int[] array : arrays) {
                        for (int v : array) {
                            out.emit(v >>> 28, v);
                        }
                    }
                })
                .reduce(Integer.class, int[].class, (bucket, bucketValues, out) -> {
                    int[] sorted = bucketValues.stream().mapToInt(Integer::intValue).toArray();
                    Arrays.sort(sorted);
                    out.emit(bucket, sorted);
                })
                .local();
        });
        long[] expectedCount = new long[16];
        long[] expectedSum = new long[16];
        for (int r = 0; r < ranks; r++) {
            for (int v : new java.util.SplittableRandom(r).ints(perRank).toArray()) {
                expectedCount[v >>> 28]++;
                expectedSum[v >>> 28] += v * 0x9E3779B97F4A7C15L;
            }
        }
        long[] count = new long[16];
        long[] sum = new long[16];
        for (int r = 0; r < ranks; r++) {
            @SuppressWarnings("unchecked")
            Map<Integer, List<int[]>> buckets = (Map<Integer, List<int[]>>) results[r];
            for (Map.Entry<Integer, List<int[]>> e : buckets.entrySet()) {
                int bucket = e.getKey();
                assertEquals(r, Placement.rankOf(Placement.hashInt(bucket), ranks), "bucket " + bucket);
                assertEquals(1, e.getValue().size());
                int[] sorted = e.getValue().get(0);
                for (int i = 0; i < sorted.length; i++) {
                    assertEquals(bucket, sorted[i] >>> 28);
                    assertTrue(i == 0 || sorted[i - 1] <= sorted[i], "bucket " + bucket + " unsorted at " + i);
                    count[bucket]++;
                    sum[bucket] += sorted[i] * 0x9E3779B97F4A7C15L;
                }
            }
        }
        assertEquals(Arrays.toString(expectedCount), Arrays.toString(count));
        assertEquals(Arrays.toString(expectedSum), Arrays.toString(sum));
    }

    static Object[] run(int ranks, int workers, Function<Bind, Object> program) {
        Object[] results = new Object[ranks];
        InProcJob.run(ranks, () -> new Bind.Context().workers(workers), 60, TimeUnit.SECONDS, bind -> {
            Object result = program.apply(bind);
            bind.sync();
            synchronized (results) {
                results[bind.rank()] = result;
            }
        });
        return results;
    }
}
