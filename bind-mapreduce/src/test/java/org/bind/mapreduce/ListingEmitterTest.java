package org.bind.mapreduce;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

import org.bind.Bind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The reduce's emitter takes a key it is called with without a lookup while every key emitted so far was its own
 * call's ({@link ListingEmitter}). Whatever mix of own keys, repeated own keys and other keys (also keys of earlier or
 * later calls) a function emits, the groups must be what a plain ordered map gives: keys in order of first emission,
 * a key's values in emission order, each key's hash its {@link Kind#hash}.
 */
@Timeout(120)
class ListingEmitterTest {
    private static final Kind STRINGS = Kind.of(String.class, "key type");
    private static final PairBlock.Types TYPES = new PairBlock.Types(STRINGS, Kind.of(Long.class, "value type"));

    @Test
    void shouldGroupLikeAnOrderedMapWhateverKeysAreEmitted() {
        for (int seed = 0; seed < 300; seed++) {
            SplittableRandom random = new SplittableRandom(seed);
            int calls = 1 + random.nextInt(40);
            boolean combine = random.nextBoolean();
            PairOps.Step step = new PairOps.Step("reduce", String.class, Long.class, TYPES, 1 + random.nextInt(3),
                combine ? (a, b) -> (Long) a + (Long) b : null);
            ListingEmitter emitter = new ListingEmitter(step, STRINGS);
            Map<String, List<Long>> oracle = new LinkedHashMap<>();
            for (int c = 0; c < calls; c++) {
                String called = new String("k" + c); // a key object of its own, as a table's keys are
                emitter.calledWith(called, STRINGS.hash(called));
                for (int e = random.nextInt(4); e > 0; e--) {
                    int pick = random.nextInt(10);
                    // mostly the call's own key (the same object), else another call's key, equal but not the same
                    String key = pick < 6 ? called : pick < 8 ? "k" + random.nextInt(calls) : "x" + random.nextInt(5);
                    long value = random.nextLong(-1000, 1000);
                    emitter.emit(key, value);
                    List<Long> values = oracle.computeIfAbsent(key, k -> new ArrayList<>());
                    if (combine && !values.isEmpty()) {
                        values.set(0, values.get(0) + value);
                    } else {
                        values.add(value);
                    }
                }
            }
            Map<String, List<Long>> got = new LinkedHashMap<>();
            for (Group group : emitter.groups().inArrivalOrder()) {
                assertEquals(STRINGS.hash(group.key), group.hash, "seed " + seed + ": hash of " + group.key);
                List<Long> values = new ArrayList<>();
                group.values.forEach(v -> values.add((Long) v));
                assertEquals(null, got.put((String) group.key, values), "seed " + seed + ": key " + group.key
                    + " in two groups");
            }
            assertEquals(new ArrayList<>(oracle.entrySet()), new ArrayList<>(got.entrySet()), "seed " + seed);
        }
    }

    @Test
    void shouldMergeBlocksWithSharedKeysAfterTakingTheFirstOneWhole() {
        Group.Groups groups = new Group.Groups(STRINGS);
        groups.adoptAll(new Group[] {group("a", 1), group("b", 2)}, null);
        groups.adoptAll(new Group[] {group("b", 3), group("c", 4)}, null);
        groups.adoptAll(new Group[] {group("a", 5)}, (x, y) -> (Long) x + (Long) y);
        Map<Object, List<Object>> got = new LinkedHashMap<>();
        groups.inArrivalOrder().forEach(g -> got.put(g.key, g.values));
        assertEquals(Map.of("a", List.of(6L), "b", List.of(2L, 3L), "c", List.of(4L)), got);
        assertEquals(List.of("a", "b", "c"), new ArrayList<>(got.keySet()));
    }

    private static Group group(String key, long value) {
        return new Group(key, STRINGS.hash(key), new ArrayList<>(List.of(value)));
    }

    /**
     * A reduce after a folded map whose function emits its own key twice, and sometimes keys of other calls (which
     * may be on another rank) and new keys: the result equals, in order, the listing path's (the same steps without
     * a combiner), and, as multisets, a plain Java computation.
     */
    @ParameterizedTest(name = "{0} rank(s) x {1} worker(s)")
    @CsvSource({"1,1", "1,2", "2,1", "2,2", "3,2"})
    void shouldReduceFoldedTablesAsTheListingPathWhenOtherKeysAreEmitted(int ranks, int workers) {
        Mapper<String, Long, String, Long> reducer = (word, partial, out) -> {
            long sum = 0;
            for (long v : partial) {
                sum += v;
            }
            out.emit(word, sum);
            if (word.length() % 3 == 0) {
                out.emit("w" + (word.hashCode() & 15), 1L); // another call's key, maybe on another rank
                out.emit("total", sum);                   // a key no call has
            }
            out.emit(word, (long) partial.size());
        };
        Object[] results = KVPairsTest.run(ranks, workers, bind -> {
            KVPairs<Integer, String> in = KVPairs.of(bind, lines(bind.rank()), Integer.class, String.class);
            Map<String, List<Long>> folded = in.mapToLong(String.class, (k, lines, out) -> {
                for (String line : lines) {
                    for (String w : line.split(" ")) {
                        out.emit(w, 1L);
                    }
                }
            }, Long::sum).reduce(String.class, Long.class, reducer).gatherAll();
            Map<String, List<Long>> listed = in.map(String.class, Long.class, (Mapper<Integer, String, String, Long>)
                    (k, lines, out) -> {
                        for (String line : lines) {
                            for (String w : line.split(" ")) {
                                out.emit(w, 1L);
                            }
                        }
                    })
                .combine(String.class, Long.class, (w, ones, out) -> out.emit(w, (long) ones.size()))
                .reduce(String.class, Long.class, reducer).gatherAll();
            return List.of(folded, listed);
        });
        Map<String, List<Long>> perRank = new TreeMap<>(); // word -> each rank's count, ranks in order
        for (int r = 0; r < ranks; r++) {
            Map<String, Long> own = new HashMap<>();
            for (List<String> lines : lines(r).values()) {
                for (String line : lines) {
                    for (String w : line.split(" ")) {
                        own.merge(w, 1L, Long::sum);
                    }
                }
            }
            own.forEach((w, n) -> perRank.computeIfAbsent(w, x -> new ArrayList<>()).add(n));
        }
        Map<String, List<Long>> expected = new TreeMap<>();
        perRank.forEach((word, partial) -> reducer.apply(word, partial,
            (k, v) -> expected.computeIfAbsent(k, x -> new ArrayList<>()).add(v)));
        expected.values().forEach(values -> values.sort(null));
        for (int r = 0; r < ranks; r++) {
            @SuppressWarnings("unchecked")
            List<Map<String, List<Long>>> both = (List<Map<String, List<Long>>>) results[r];
            Map<String, List<Long>> sorted = new TreeMap<>();
            both.get(0).forEach((k, v) -> {
                List<Long> copy = new ArrayList<>(v);
                copy.sort(null);
                sorted.put(k, copy);
            });
            assertEquals(expected, sorted, "rank " + r + ": pairs as a multiset");
            assertEquals(new ArrayList<>(both.get(1).entrySet()), new ArrayList<>(both.get(0).entrySet()),
                "rank " + r + ": the listing path's pairs, in the same order");
        }
    }

    /** Per rank: 4 keys of 300 lines of words drawn from a few hundred. */
    private static Map<Integer, List<String>> lines(int rank) {
        SplittableRandom random = new SplittableRandom(rank * 7L + 1);
        Map<Integer, List<String>> input = new LinkedHashMap<>();
        for (int k = 0; k < 4; k++) {
            List<String> lines = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                StringBuilder line = new StringBuilder("w" + random.nextInt(16));
                for (int w = random.nextInt(8); w > 0; w--) {
                    line.append(' ').append("w").append((int) Math.pow(400, random.nextDouble()));
                }
                lines.add(line.toString());
            }
            input.put(rank * 10 + k, lines);
        }
        return input;
    }
}
