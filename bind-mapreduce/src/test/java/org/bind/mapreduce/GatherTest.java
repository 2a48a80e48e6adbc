package org.bind.mapreduce;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import org.bind.transport.inproc.InProcJob;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link KVPairs#gather}, {@link KVPairs#gatherAll} and {@link KVPairs#top} against plain Java oracles. */
@Timeout(120)
class GatherTest {
    /** Keys 0..59, most on several ranks, with rank-specific values. */
    static Map<Integer, List<String>> input(int rank) {
        SplittableRandom random = new SplittableRandom(rank + 11);
        Map<Integer, List<String>> input = new TreeMap<>();
        for (int i = 0; i < 40; i++) {
            int key = random.nextInt(60);
            input.computeIfAbsent(key, k -> new ArrayList<>()).add(rank + ":" + i);
        }
        return input;
    }

    /** Keys in unsigned hash order, each key's values by source rank, then in order. */
    static Map<Integer, List<String>> expected(int ranks) {
        Map<Integer, List<String>> byKey = new TreeMap<>();
        for (int r = 0; r < ranks; r++) {
            input(r).forEach((k, vs) -> byKey.computeIfAbsent(k, x -> new ArrayList<>()).addAll(vs));
        }
        List<Integer> keys = new ArrayList<>(byKey.keySet());
        keys.sort((a, b) -> Long.compareUnsigned(Placement.hashInt(a), Placement.hashInt(b)));
        Map<Integer, List<String>> ordered = new LinkedHashMap<>();
        for (int k : keys) {
            ordered.put(k, byKey.get(k));
        }
        return ordered;
    }

    @ParameterizedTest(name = "{0} rank(s), {1} worker(s), root {2}")
    @CsvSource({"1,2,0", "2,2,0", "2,3,1", "3,2,2", "4,2,0", "4,3,3", "3,1,1"})
    void shouldGatherEveryRanksPairsOnTheRoot(int ranks, int workers, int root) {
        Object[] results = KVPairsTest.run(ranks, workers, bind ->
            KVPairs.of(bind, input(bind.rank()), Integer.class, String.class).gather(root));
        String expected = new ArrayList<>(expected(ranks).entrySet()).toString();
        for (int r = 0; r < ranks; r++) {
            Map<?, ?> got = (Map<?, ?>) results[r];
            if (r == root) {
                assertEquals(expected, new ArrayList<>(got.entrySet()).toString(), "root " + r);
            } else {
                assertTrue(got.isEmpty(), "rank " + r + " is not the root");
            }
        }
    }

    @ParameterizedTest(name = "{0} rank(s)")
    @ValueSource(ints = {1, 2, 3, 4})
    void shouldGatherEveryRanksPairsOnEveryRankAndKeepThePairs(int ranks) {
        Object[] results = KVPairsTest.run(ranks, 2, bind -> {
            KVPairs<Integer, String> pairs = KVPairs.of(bind, input(bind.rank()), Integer.class, String.class);
            Map<Integer, List<String>> all = pairs.gatherAll();
            Map<Integer, List<String>> again = pairs.gatherAll(); // the pairs stay usable
            assertEquals(all, again);
            assertEquals(input(bind.rank()).size(), pairs.local().size());
            return all;
        });
        String expected = new ArrayList<>(expected(ranks).entrySet()).toString();
        for (int r = 0; r < ranks; r++) {
            assertEquals(expected, new ArrayList<>(((Map<?, ?>) results[r]).entrySet()).toString(), "rank " + r);
        }
    }

    @ParameterizedTest(name = "{0} rank(s), {1} worker(s)")
    @CsvSource({"1,1", "1,3", "2,2", "3,2", "4,3"})
    void shouldFindTheTopWordsLikeASortedHashMap(int ranks, int workers) {
        int k = 15;
        Object[] results = KVPairsTest.run(ranks, workers, bind ->
            KVPairs.of(bind, KVPairsTest.wordInput(bind.rank()), Integer.class, String.class)
                .map(String.class, Long.class, (line, texts, out) -> {
                    for (String text : texts) {
                        for (String word : text.split(" ")) {
                            out.emit(word, 1L);
                        }
                    }
                })
                .reduce(String.class, Long.class, (word, ones, out) -> out.emit(word, (long) ones.size()))
                .top(k, Comparator.naturalOrder()));
        Map<String, Long> counts = new TreeMap<>();
        for (int r = 0; r < ranks; r++) {
            for (List<String> texts : KVPairsTest.wordInput(r).values()) {
                for (String text : texts) {
                    for (String word : text.split(" ")) {
                        counts.merge(word, 1L, Long::sum);
                    }
                }
            }
        }
        List<Map.Entry<String, Long>> expected = new ArrayList<>(counts.entrySet());
        expected.sort((a, b) -> {
            int byCount = Long.compare(b.getValue(), a.getValue());
            return byCount != 0 ? byCount
                : Long.compareUnsigned(Placement.hashString(a.getKey()), Placement.hashString(b.getKey()));
        });
        for (int r = 0; r < ranks; r++) {
            assertEquals(expected.subList(0, k).toString(), results[r].toString(), "rank " + r);
        }
    }

    @Test
    void shouldKeepEveryPairWhenKExceedsThemAndNoneForZero() {
        Object[] results = KVPairsTest.run(3, 2, bind -> {
            KVPairs<Integer, String> pairs = KVPairs.of(bind, input(bind.rank()), Integer.class, String.class);
            return List.of(pairs.top(1000, Comparator.naturalOrder()).size(), pairs.top(0, Comparator.naturalOrder()));
        });
        assertEquals(List.of(120, List.of()), results[1]);
    }

    @Test
    void shouldRejectABadRootOrKAtTheCall() {
        InProcJob.run(2, 30, TimeUnit.SECONDS, bind -> {
            KVPairs<Integer, String> pairs = KVPairs.of(bind, input(bind.rank()), Integer.class, String.class);
            IllegalArgumentException root = assertThrows(IllegalArgumentException.class, () -> pairs.gather(2));
            assertEquals("KVPairs.gather: root 2 out of range [0, 2)", root.getMessage());
            IllegalArgumentException k = assertThrows(IllegalArgumentException.class,
                () -> pairs.top(-1, Comparator.naturalOrder()));
            assertEquals("KVPairs.top: k -1 is negative", k.getMessage());
        });
    }
}
