package org.bind.mapreduce;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BinaryOperator;
import java.util.function.LongFunction;

import org.bind.Bind;
import org.bind.OpFailedException;
import org.bind.transport.inproc.InProcJob;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code map(..., combiner)} with types that fold into primitive tables ({@link FoldingEmitter}): every key type
 * the tables take, each value type, against a plain Java fold of the same numbers and against the same step
 * without a combiner (same keys, same order).
 */
@Timeout(120)
class FoldingEmitterTest {
    /** Per rank: 3 input keys, each with random numbers; rank 1 of 3 or more has none. */
    private static Map<Integer, List<Long>> input(int rank, int ranks) {
        Map<Integer, List<Long>> input = new LinkedHashMap<>();
        if (rank == 1 && ranks >= 3) {
            return input;
        }
        SplittableRandom random = new SplittableRandom(rank * 31L + 5);
        for (int k = 0; k < 3; k++) {
            List<Long> values = new ArrayList<>();
            for (int i = 0; i < 2_000; i++) {
                values.add(random.nextLong(-1_000_000, 1_000_000));
            }
            input.put(rank * 10 + k, values);
        }
        return input;
    }

    /** A step's types, how it makes a key and a value of a number, and its combiner and plain fold. */
    private record Case<K, V>(Class<K> keyType, Class<V> valueType, LongFunction<K> key, LongFunction<V> value,
                              BinaryOperator<V> combiner) {
    }

    private static Case<?, ?> of(String name) {
        return switch (name) {
            case "String-Long" -> new Case<>(String.class, Long.class, n -> "k" + Math.floorMod(n, 301), n -> n,
                Long::sum);
            case "Integer-Integer" -> new Case<>(Integer.class, Integer.class, n -> (int) Math.floorMod(n, 257) - 128,
                n -> (int) n, Math::max);
            case "Long-Long" -> new Case<>(Long.class, Long.class, n -> Math.floorMod(n, 263) * (1L << 40), n -> n,
                Long::sum);
            case "Character-Double" -> new Case<>(Character.class, Double.class, n -> (char) ('a' + Math.floorMod(n,
                26)), n -> (double) (n % 1000), Double::sum); // whole numbers: every order of sums is exact
            case "Long-Integer" -> new Case<>(Long.class, Integer.class, n -> Math.floorMod(n, 5) - 2L,
                n -> (int) (n & 0xFFFF), (a, b) -> a ^ b);
            default -> throw new IllegalArgumentException(name);
        };
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static <K, V> List<Map<K, List<V>>> run(Bind bind, Case<K, V> c) {
        KVPairs<Integer, Long> in = KVPairs.of(bind, input(bind.rank(), bind.size()), Integer.class, Long.class);
        Mapper<Integer, Long, K, V> mapper = (k, numbers, out) -> {
            for (long n : numbers) {
                out.emit(c.key().apply(n), c.value().apply(n));
            }
        };
        Map<K, List<V>> folded = in.map(c.keyType(), c.valueType(), mapper, c.combiner()).local();
        Map<K, List<V>> listed = in.map(c.keyType(), c.valueType(), mapper)
            .combine(c.keyType(), c.valueType(), (k, values, out) -> out.emit(k,
                values.stream().reduce(c.combiner()).orElseThrow()))
            .local();
        return List.of(folded, listed);
    }

    @ParameterizedTest(name = "{0} on {1} rank(s) x {2} worker(s)")
    @CsvSource({"String-Long,1,1", "String-Long,2,3", "Integer-Integer,1,2", "Integer-Integer,3,2",
        "Long-Long,2,2", "Character-Double,3,3", "Long-Integer,1,3", "Long-Integer,4,2"})
    void shouldFoldLikeAPlainLoopAndLikeTheListingPath(String name, int ranks, int workers) {
        Case<?, ?> c = of(name);
        Object[] results = KVPairsTest.run(ranks, workers, bind -> run(bind, c));
        for (int r = 0; r < ranks; r++) {
            Map<Object, Object> expected = new TreeMap<>();
            for (List<Long> numbers : input(r, ranks).values()) {
                for (long n : numbers) {
                    fold(expected, c, n);
                }
            }
            List<?> both = (List<?>) results[r];
            Map<?, ?> folded = (Map<?, ?>) both.get(0);
            Map<?, ?> listed = (Map<?, ?>) both.get(1);
            assertEquals(new ArrayList<>(listed.keySet()), new ArrayList<>(folded.keySet()),
                "keys and their order, rank " + r);
            Map<Object, Object> got = new TreeMap<>();
            folded.forEach((k, values) -> {
                assertEquals(1, ((List<?>) values).size(), "one value for key " + k);
                assertEquals(c.valueType(), ((List<?>) values).get(0).getClass());
                got.put(k, ((List<?>) values).get(0));
            });
            assertEquals(expected, got, "rank " + r);
            assertEquals(listed, folded, "rank " + r);
        }
    }

    @SuppressWarnings("unchecked")
    private static <K, V> void fold(Map<Object, Object> into, Case<K, V> c, long n) {
        into.merge(c.key().apply(n), c.value().apply(n), (a, b) -> c.combiner().apply((V) a, (V) b));
    }

    @Test
    void shouldFoldWhatAnEmptyInputGivesIntoNothing() {
        Object[] results = KVPairsTest.run(2, 2, bind -> KVPairs.of(bind, Map.<Integer, List<Long>>of())
            .map(String.class, Long.class, (k, values, out) -> out.emit("x", 1L), Long::sum).local());
        assertEquals(Map.of(), results[0]);
        assertEquals(Map.of(), results[1]);
    }

    @Test
    void shouldNameTheKeyWhenTheCombinerReturnsNull() {
        InProcJob.run(1, () -> new Bind.Context().workers(2), 60, TimeUnit.SECONDS, bind -> {
            KVPairs<String, Long> out = KVPairs.of(bind, Map.of(7, List.of("a b a")), Integer.class, String.class)
                .map(String.class, Long.class, (k, lines, emit) -> {
                    for (String w : lines.get(0).split(" ")) {
                        emit.emit(w, 1L);
                    }
                }, (a, b) -> null);
            OpFailedException e = assertThrows(OpFailedException.class, out::local);
            assertTrue(e.getMessage().contains("map of key 7: the combiner returned null for key a"), e.getMessage());
        });
    }

    @Test
    void shouldCheckEmittedTypesAsTheListingPathDoes() {
        InProcJob.run(1, () -> new Bind.Context().workers(1), 60, TimeUnit.SECONDS, bind -> {
            @SuppressWarnings({"unchecked", "rawtypes"})
            Mapper<Integer, String, String, Long> wrong = (Mapper) (Mapper<Integer, String, Object, Object>)
                (k, lines, emit) -> emit.emit("w", 1);
            KVPairs<String, Long> out = KVPairs.of(bind, Map.of(3, List.of("x")), Integer.class, String.class)
                .map(String.class, Long.class, wrong, Long::sum);
            OpFailedException e = assertThrows(OpFailedException.class, out::local);
            assertTrue(e.getMessage().contains("map of key 3 emitted value 1 of type java.lang.Integer for key w,"
                + " declared java.lang.Long"), e.getMessage());
        });
    }
}
