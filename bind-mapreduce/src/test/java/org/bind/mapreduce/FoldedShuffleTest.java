package org.bind.mapreduce;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.BinaryOperator;
import java.util.function.LongFunction;

import org.bind.Bind;
import org.bind.codec.Codec;
import org.bind.codec.CodecException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A {@code reduce} after a {@code map(..., combiner)} whose types fold: the shuffle moves the folded tables as
 * encoded blocks ({@link FoldOps}). For each key and value type the tables take, the reducer must see, for every
 * key, exactly one value per rank that emitted it, in rank order, each the plain Java fold of that rank's values;
 * and the result must equal the listing path's (the same steps without a combiner), keys in the same order.
 */
@Timeout(120)
class FoldedShuffleTest {
    /** Per rank: 3 input keys of random numbers; rank 1 of 3 or more has none. */
    private static Map<Integer, List<Long>> input(int rank, int ranks) {
        Map<Integer, List<Long>> input = new LinkedHashMap<>();
        if (rank == 1 && ranks >= 3) {
            return input;
        }
        SplittableRandom random = new SplittableRandom(rank * 131L + 3);
        for (int k = 0; k < 3; k++) {
            List<Long> values = new ArrayList<>();
            for (int i = 0; i < 3_000; i++) {
                values.add(random.nextLong(-2_000_000, 2_000_000));
            }
            input.put(rank * 10 + k, values);
        }
        return input;
    }

    private record Case<K, V>(Class<K> keyType, Class<V> valueType, LongFunction<K> key, LongFunction<V> value,
                              BinaryOperator<V> combiner) {
    }

    private static Case<?, ?> of(String name) {
        return switch (name) {
            case "String-Long" -> new Case<>(String.class, Long.class, n -> "w" + Math.floorMod(n, 997), n -> n,
                Long::sum);
            case "String-Double" -> new Case<>(String.class, Double.class, n -> "é" + Math.floorMod(n, 89),
                n -> (double) (n % 5000), Double::sum); // whole numbers: every order of sums is exact
            case "Integer-Integer" -> new Case<>(Integer.class, Integer.class, n -> (int) Math.floorMod(n, 1009) - 500,
                n -> (int) n, Math::max);
            case "Long-Long" -> new Case<>(Long.class, Long.class, n -> Math.floorMod(n, 263) * (1L << 40) - 7,
                n -> n, Long::sum);
            case "Long-Double" -> new Case<>(Long.class, Double.class, n -> Math.floorMod(n, 300) - 150L,
                n -> n / 7.0, Math::min);
            case "Character-Integer" -> new Case<>(Character.class, Integer.class,
                n -> (char) ('a' + Math.floorMod(n, 26)), n -> (int) (n & 0xFFFF), (a, b) -> a ^ b);
            default -> throw new IllegalArgumentException(name);
        };
    }

    /** The reducer's view of each key: its values as the reducer got them, and their fold. */
    @SuppressWarnings("unchecked")
    private static <K, V> List<Map<K, List<String>>> run(Bind bind, Case<K, V> c) {
        KVPairs<Integer, Long> in = KVPairs.of(bind, input(bind.rank(), bind.size()), Integer.class, Long.class);
        Mapper<Integer, Long, K, V> mapper = (k, numbers, out) -> {
            for (long n : numbers) {
                out.emit(c.key().apply(n), c.value().apply(n));
            }
        };
        Mapper<K, V, K, String> seen = (k, values, out) -> out.emit(k, values.toString());
        Map<K, List<String>> folded = in.map(c.keyType(), c.valueType(), mapper, c.combiner())
            .reduce(c.keyType(), String.class, seen)
            .gatherAll();
        Map<K, List<String>> listed = in.map(c.keyType(), c.valueType(), mapper)
            .combine(c.keyType(), c.valueType(), (k, values, out) -> out.emit(k,
                values.stream().reduce(c.combiner()).orElseThrow()))
            .reduce(c.keyType(), String.class, seen)
            .gatherAll();
        return List.of(folded, listed);
    }

    @ParameterizedTest(name = "{0} on {1} rank(s) x {2} worker(s)")
    @CsvSource({"String-Long,1,1", "String-Long,2,2", "String-Long,3,3", "String-Double,2,3", "Integer-Integer,1,3",
        "Integer-Integer,3,2", "Long-Long,2,1", "Long-Long,4,2", "Long-Double,3,2", "Character-Integer,2,2"})
    void shouldHandTheReducerOneFoldedValuePerRankInRankOrder(String name, int ranks, int workers) {
        Case<?, ?> c = of(name);
        Object[] results = KVPairsTest.run(ranks, workers, bind -> run(bind, c));
        Map<Object, List<Object>> perRank = new TreeMap<>(); // key -> each rank's plain fold, ranks in order
        for (int r = 0; r < ranks; r++) {
            Map<Object, Object> own = new HashMap<>();
            for (List<Long> numbers : input(r, ranks).values()) {
                for (long n : numbers) {
                    fold(own, c, n);
                }
            }
            own.forEach((k, v) -> perRank.computeIfAbsent(k, x -> new ArrayList<>()).add(v));
        }
        for (int r = 0; r < ranks; r++) {
            List<?> both = (List<?>) results[r];
            Map<?, ?> folded = (Map<?, ?>) both.get(0);
            Map<?, ?> listed = (Map<?, ?>) both.get(1);
            Map<Object, List<String>> expected = new TreeMap<>();
            perRank.forEach((k, values) -> expected.put(k, List.of(values.toString())));
            assertEquals(expected, new TreeMap<>(folded), "rank " + r + ": values the reducer saw");
            assertEquals(new ArrayList<>(listed.entrySet()), new ArrayList<>(folded.entrySet()),
                "rank " + r + ": the listing path's pairs, in the same order");
        }
    }

    @SuppressWarnings("unchecked")
    private static <K, V> void fold(Map<Object, Object> into, Case<K, V> c, long n) {
        into.merge(c.key().apply(n), c.value().apply(n), (a, b) -> c.combiner().apply((V) a, (V) b));
    }

    @ParameterizedTest(name = "{0} rank(s) x {1} worker(s)")
    @CsvSource({"1,2", "2,1", "2,2", "3,3"})
    void shouldCountTheWordsOfLinesLikeAHashMap(int ranks, int workers) {
        List<String> lines = new ArrayList<>();
        SplittableRandom random = new SplittableRandom(11);
        for (int i = 0; i < 4_000; i++) {
            StringBuilder line = new StringBuilder();
            for (int w = random.nextInt(15); w > 0; w--) {
                line.append("wörd").append((int) Math.pow(3000, random.nextDouble())).append(' ');
            }
            lines.add(line.toString());
        }
        Map<String, Long> expected = new HashMap<>();
        for (String line : lines) {
            for (String word : line.split(" ")) {
                if (!word.isEmpty()) {
                    expected.merge(word, 1L, Long::sum);
                }
            }
        }
        Object[] results = KVPairsTest.run(ranks, workers, bind -> KVPairs.lines(bind, lines)
            .map(String.class, Long.class, (offset, chunk, out) -> {
                for (String line : chunk) {
                    for (String word : line.split(" ")) {
                        if (!word.isEmpty()) {
                            out.emit(word, 1L);
                        }
                    }
                }
            }, Long::sum)
            .reduce(String.class, Long.class, (word, partial, out) -> out.emit(word,
                partial.stream().mapToLong(Long::longValue).sum()))
            .local());
        Map<String, Long> got = new HashMap<>();
        for (int r = 0; r < ranks; r++) {
            ((Map<String, List<Long>>) results[r]).forEach((word, counts) -> {
                assertEquals(1, counts.size(), word);
                assertEquals(null, got.put(word, counts.get(0)), word + " on two ranks");
            });
        }
        assertEquals(expected, got);
    }

    private static PairBlock.Types types(Class<?> keys, Class<?> values) {
        return new PairBlock.Types(Kind.of(keys, "key"), Kind.of(values, "value"));
    }

    @Test
    void shouldCopyAListingTableWithItsValuesSourcesAndOrder() {
        Folded table = new Folded(types(String.class, Long.class), (a, b) -> (Long) a + (Long) b, true, "reduce");
        Folded source = new Folded(types(String.class, Long.class), (a, b) -> (Long) a + (Long) b, false, "map");
        source.add("x", 1L, null);
        source.add("y", 2L, null);
        table.add(source, 0, 5, 0);
        table.add(source, 1, 7, 0);
        table.add(source, 0, 6, 1);
        table.add(source, 0, 4, 1); // same rank as x's last value: folded into it
        table.add(source, 0, 9, 2);
        Folded copy = FoldOps.copy(table);
        assertEquals(2, copy.size());
        assertEquals("x", copy.key(0));
        assertEquals(List.of(5L, 10L, 9L), boxed(copy.values(0)));
        assertEquals(List.of(7L), boxed(copy.values(1)));
        assertEquals(2, copy.lastSource(0));
        copy.add(source, 0, 1, 2); // the copy still folds a value of the same rank
        assertEquals(List.of(5L, 10L, 10L), boxed(copy.values(0)));
        assertEquals(List.of(5L, 10L, 9L), boxed(table.values(0)), "the original is untouched");
    }

    private static List<Long> boxed(long[] values) {
        List<Long> list = new ArrayList<>();
        for (long v : values) {
            list.add(v);
        }
        return list;
    }

    @Test
    void shouldRejectMalformedBlocksAndTables() {
        Codec<FoldOps.Block> blocks = FoldOps.blockCodec(2);
        byte[] wrongParts = {3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
        assertThrows(CodecException.class, () -> blocks.decode(ByteBuffer.wrap(wrongParts), 0, wrongParts.length));
        Codec<Folded> tables = FoldOps.codec(types(Long.class, Long.class), (a, b) -> a, false, "map");
        byte[] twoValues = {1, 7, 0, 0, 0, 0, 0, 0, 0, 0, 2, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0};
        CodecException e = assertThrows(CodecException.class,
            () -> tables.decode(ByteBuffer.wrap(twoValues), 0, twoValues.length));
        assertTrue(e.getMessage().contains("2 values for one key"), e.getMessage());
        byte[] huge = {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x07};
        assertThrows(CodecException.class, () -> tables.decode(ByteBuffer.wrap(huge), 0, huge.length));
    }
}
