package org.bind.mapreduce;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import org.bind.Bind;
import org.bind.OpFailedException;
import org.bind.transport.inproc.InProcJob;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link KVPairs#mapToLong}, {@code mapToInt} and {@code mapToDouble}: primitive values folded as emitted, for
 * {@code String} keys and for {@code Long} and {@code Integer} keys given as primitives or boxed, against
 * {@code HashMap.merge} over the same numbers (this rank's, and every rank's after a reduce), and against the boxed
 * {@code map(..., combiner)} (same keys, same order).
 */
@Timeout(120)
class NumericFoldTest {
    /** Per rank: 3 input keys, each with random numbers; rank 1 of 3 or more has none. */
    private static Map<Integer, List<Long>> input(int rank, int ranks) {
        Map<Integer, List<Long>> input = new LinkedHashMap<>();
        if (rank == 1 && ranks >= 3) {
            return input;
        }
        SplittableRandom random = new SplittableRandom(rank * 17L + 3);
        for (int k = 0; k < 3; k++) {
            List<Long> values = new ArrayList<>();
            for (int i = 0; i < 3_000; i++) {
                values.add(random.nextLong(-1_000_000_000_000L, 1_000_000_000_000L));
            }
            input.put(rank * 10 + k, values);
        }
        return input;
    }

    private static String stringKey(long n) {
        return "w" + Math.floorMod(n, 997);
    }

    private static long longKey(long n) {
        return Math.floorMod(n, 509) * (1L << 37) - 7;
    }

    private static int intKey(long n) {
        return Math.floorMod(n, 263) * 1_000_003 - 131_000_000;
    }

    /** The step under test on one rank: [local fold, the boxed map's local fold, the reduced sums gathered]. */
    private static List<Map<?, List<?>>> run(Bind bind, String keys, String values) {
        KVPairs<Integer, Long> in = KVPairs.of(bind, input(bind.rank(), bind.size()), Integer.class, Long.class);
        KVPairs<?, ?> folded;
        KVPairs<?, ?> boxed;
        switch (keys + "-" + values) {
            case "String-long" -> {
                folded = in.mapToLong(String.class, (k, ns, out) -> ns.forEach(n -> out.emit(stringKey(n), n)),
                    Long::sum);
                boxed = in.map(String.class, Long.class, (k, ns, out) -> ns.forEach(n -> out.emit(stringKey(n), n)),
                    Long::sum);
            }
            case "long-long" -> {
                folded = in.mapToLong(Long.class, (k, ns, out) -> {
                    for (long n : ns) {
                        out.emit(longKey(n), n ^ (n >>> 7));
                    }
                }, (a, b) -> a ^ b);
                boxed = in.map(Long.class, Long.class, (k, ns, out) -> ns.forEach(n -> out.emit(longKey(n),
                    n ^ (n >>> 7))), (a, b) -> a ^ b);
            }
            case "Long-long" -> { // boxed Long keys through emit(K, long)
                folded = in.mapToLong(Long.class, (k, ns, out) -> {
                    for (long n : ns) {
                        out.emit(Long.valueOf(longKey(n)), n);
                    }
                }, Math::max);
                boxed = in.map(Long.class, Long.class, (k, ns, out) -> ns.forEach(n -> out.emit(longKey(n), n)),
                    Math::max);
            }
            case "int-int" -> {
                folded = in.mapToInt(Integer.class, (k, ns, out) -> {
                    for (long n : ns) {
                        out.emit(intKey(n), (int) n);
                    }
                }, Integer::sum);
                boxed = in.map(Integer.class, Integer.class, (k, ns, out) -> ns.forEach(n -> out.emit(intKey(n),
                    (int) (long) n)), Integer::sum);
            }
            case "String-double" -> { // whole numbers under 2^53 in sum: every order of sums is exact
                folded = in.mapToDouble(String.class, (k, ns, out) -> ns.forEach(n -> out.emit(stringKey(n),
                    (double) (n % 100_000))), Double::sum);
                boxed = in.map(String.class, Double.class, (k, ns, out) -> ns.forEach(n -> out.emit(stringKey(n),
                    (double) (n % 100_000))), Double::sum);
            }
            case "int-double" -> {
                folded = in.mapToDouble(Integer.class, (k, ns, out) -> {
                    for (long n : ns) {
                        out.emit(intKey(n), (double) (n % 1000) / 8);
                    }
                }, Math::min);
                boxed = in.map(Integer.class, Double.class, (k, ns, out) -> ns.forEach(n -> out.emit(intKey(n),
                    (double) (n % 1000) / 8)), Math::min);
            }
            default -> throw new IllegalArgumentException(keys + "-" + values);
        }
        @SuppressWarnings("unchecked")
        Map<?, List<?>> local = (Map<?, List<?>>) (Map<?, ?>) folded.local();
        @SuppressWarnings("unchecked")
        Map<?, List<?>> boxedLocal = (Map<?, List<?>>) (Map<?, ?>) boxed.local();
        Map<?, List<?>> reduced = reduceAll(folded, keys, values);
        return List.of(local, boxedLocal, reduced);
    }

    /** Every rank's folds reduced with the same combiner, gathered on every rank. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Map<?, List<?>> reduceAll(KVPairs folded, String keys, String values) {
        return folded.reduce(keyClass(keys), valueClass(values), (k, partials, out) -> {
            Object sofar = null;
            for (Object partial : (List<?>) partials) { // one partial per rank that had the key
                sofar = sofar == null ? partial : combine(keys, values, sofar, partial);
            }
            ((Emitter) out).emit(k, sofar);
        }).gatherAll();
    }

    private static Class<?> keyClass(String keys) {
        return switch (keys) {
            case "String" -> String.class;
            case "long", "Long" -> Long.class;
            default -> Integer.class;
        };
    }

    private static Class<?> valueClass(String values) {
        return switch (values) {
            case "long" -> Long.class;
            case "int" -> Integer.class;
            default -> Double.class;
        };
    }

    /** The oracle: {@code HashMap.merge} of the same keys and values with the same combiner, over the ranks given. */
    private static Map<Object, Object> merged(String keys, String values, int fromRank, int toRank, int ranks) {
        Map<Object, Object> expected = new HashMap<>();
        for (int r = fromRank; r < toRank; r++) {
            for (List<Long> ns : input(r, ranks).values()) {
                for (long n : ns) {
                    switch (keys + "-" + values) {
                        case "String-long" -> expected.merge(stringKey(n), n, (a, b) -> (Long) a + (Long) b);
                        case "long-long" -> expected.merge(longKey(n), n ^ (n >>> 7), (a, b) -> (Long) a ^ (Long) b);
                        case "Long-long" -> expected.merge(longKey(n), n, (a, b) -> Math.max((Long) a, (Long) b));
                        case "int-int" -> expected.merge(intKey(n), (int) n, (a, b) -> (Integer) a + (Integer) b);
                        case "String-double" -> expected.merge(stringKey(n), (double) (n % 100_000),
                            (a, b) -> (Double) a + (Double) b);
                        case "int-double" -> expected.merge(intKey(n), (double) (n % 1000) / 8,
                            (a, b) -> Math.min((Double) a, (Double) b));
                        default -> throw new IllegalArgumentException(keys);
                    }
                }
            }
        }
        return expected;
    }

    @ParameterizedTest(name = "{0} keys, {1} values, {2} rank(s) x {3} worker(s)")
    @CsvSource({"String,long,1,1", "String,long,2,3", "long,long,1,2", "long,long,3,2", "Long,long,2,2",
        "int,int,1,3", "int,int,4,2", "String,double,3,3", "int,double,2,1"})
    void shouldFoldPrimitiveValuesLikeHashMapMerge(String keys, String values, int ranks, int workers) {
        Object[] results = KVPairsTest.run(ranks, workers, bind -> run(bind, keys, values));
        Map<Object, Object> all = merged(keys, values, 0, ranks, ranks);
        for (int r = 0; r < ranks; r++) {
            @SuppressWarnings("unchecked")
            List<Map<?, List<?>>> got = (List<Map<?, List<?>>>) results[r];
            assertEquals(merged(keys, values, r, r + 1, ranks), single(got.get(0)), "this rank's folds, rank " + r);
            assertEquals(new ArrayList<>(got.get(1).keySet()), new ArrayList<>(got.get(0).keySet()),
                "keys and their order as the boxed map's, rank " + r);
            assertEquals(got.get(1), got.get(0), "as the boxed map, rank " + r);
            assertEquals(all, single(got.get(2)), "every rank's, reduced and gathered, on rank " + r);
        }
    }

    private static Object combine(String keys, String values, Object a, Object b) {
        return switch (keys + "-" + values) {
            case "String-long" -> (Long) a + (Long) b;
            case "long-long" -> (Long) a ^ (Long) b;
            case "Long-long" -> Math.max((Long) a, (Long) b);
            case "int-int" -> (Integer) a + (Integer) b;
            case "String-double" -> (Double) a + (Double) b;
            default -> Math.min((Double) a, (Double) b);
        };
    }

    private static Map<Object, Object> single(Map<?, List<?>> folded) {
        Map<Object, Object> values = new HashMap<>();
        folded.forEach((k, list) -> {
            assertEquals(1, list.size(), "one value for key " + k);
            values.put(k, list.get(0));
        });
        return values;
    }

    @Test
    void shouldBoxPairsOfKeysThatDoNotFoldAndStillFoldThem() {
        Object[] results = KVPairsTest.run(2, 2, bind -> KVPairs.of(bind, input(bind.rank(), 2), Integer.class,
                Long.class)
            .mapToLong(int[].class, (k, ns, out) -> ns.forEach(n -> out.emit(new int[] {(int) (n & 7), k}, 1L)),
                Long::sum)
            .local());
        for (int r = 0; r < 2; r++) {
            Map<List<Integer>, Long> expected = new HashMap<>();
            input(r, 2).forEach((k, ns) -> ns.forEach(n -> expected.merge(List.of((int) (n & 7), k), 1L, Long::sum)));
            Map<List<Integer>, Long> got = new HashMap<>();
            @SuppressWarnings("unchecked")
            Map<int[], List<Long>> local = (Map<int[], List<Long>>) results[r];
            local.forEach((key, counts) -> got.put(Arrays.stream(key).boxed().toList(), counts.get(0)));
            assertEquals(expected, got, "rank " + r);
        }
    }

    @Test
    void shouldNameAPrimitiveKeyTheDeclaredTypeCannotHold() {
        InProcJob.run(1, () -> new Bind.Context().workers(2), 60, TimeUnit.SECONDS, bind -> {
            KVPairs<Integer, String> in = KVPairs.of(bind, Map.of(4, List.of("x")), Integer.class, String.class);
            OpFailedException stringKeys = assertThrows(OpFailedException.class, in.mapToLong(String.class,
                (k, lines, out) -> out.emit(5L, 1L), Long::sum)::local);
            assertTrue(stringKeys.getMessage().contains("mapToLong of key 4 emitted the primitive key 5, declared"
                + " java.lang.String (a primitive key needs Long or Integer keys)"), stringKeys.getMessage());
            OpFailedException range = assertThrows(OpFailedException.class, in.mapToInt(Integer.class,
                (k, lines, out) -> out.emit(1L << 33, 1), Integer::sum)::local);
            assertTrue(range.getMessage().contains("mapToInt of key 4 emitted the key 8589934592, out of the int range"
                + " of the declared java.lang.Integer keys"), range.getMessage());
            OpFailedException nullKey = assertThrows(OpFailedException.class, in.mapToDouble(String.class,
                (k, lines, out) -> out.emit((String) null, 1.0), Double::sum)::local);
            assertTrue(nullKey.getMessage().contains("mapToDouble of key 4 emitted a null key"), nullKey.getMessage());
            @SuppressWarnings({"unchecked", "rawtypes"})
            LongMapper<Integer, String, String> wrong = (k, lines, out) -> ((LongEmitter) out).emit((Object) 3, 1L);
            OpFailedException wrongType = assertThrows(OpFailedException.class,
                in.mapToLong(String.class, wrong, Long::sum)::local);
            assertTrue(wrongType.getMessage().contains("mapToLong of key 4 emitted key 3 of type java.lang.Integer,"
                + " declared java.lang.String"), wrongType.getMessage());
            IllegalArgumentException noCombiner = assertThrows(IllegalArgumentException.class,
                () -> in.mapToLong(String.class, (k, lines, out) -> { }, null));
            assertEquals("mapToLong: combiner is null", noCombiner.getMessage());
        });
    }
}
