package org.bind.mapreduce;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
import org.junit.jupiter.params.provider.ValueSource;

/** Order, placement, key identity, reuse and misuse of {@link KVPairs}. */
@Timeout(120)
class KVPairsSemanticsTest {
    /** Per rank, 40 keys with values in rank-specific order; every step's output depends on visiting order. */
    private static Map<Integer, List<String>> input(int rank) {
        SplittableRandom random = new SplittableRandom(rank);
        Map<Integer, List<String>> input = new HashMap<>();
        for (int k = 0; k < 40; k++) {
            List<String> values = new ArrayList<>();
            for (int v = random.nextInt(4); v >= 0; v--) {
                values.add(rank + "/" + k + "/" + v);
            }
            input.put(k * 7 + rank, values);
        }
        return input;
    }

    /** Map and reduce functions whose outputs record the order they saw their values in. */
    private static List<Map<Integer, List<String>>> orderSensitive(Bind bind) {
        KVPairs<Integer, String> pairs = KVPairs.of(bind, input(bind.rank()), Integer.class, String.class);
        KVPairs<Integer, String> mapped = pairs.map(Integer.class, String.class, (key, values, out) -> {
            for (String value : values) {
                out.emit(key % 5, value + "@" + key);
            }
        });
        KVPairs<Integer, String> reduced = mapped.reduce(Integer.class, String.class,
            (key, values, out) -> out.emit(key, String.join(",", values)));
        return List.of(pairs.local(), mapped.local(), reduced.local());
    }

    @ParameterizedTest(name = "{0} rank(s)")
    @ValueSource(ints = {1, 2, 3})
    void shouldGiveTheSameResultsForAnyNumberOfWorkers(int ranks) {
        Object[] one = KVPairsTest.run(ranks, 1, KVPairsSemanticsTest::orderSensitive);
        for (int workers : new int[] {2, 3, 5}) {
            Object[] more = KVPairsTest.run(ranks, workers, KVPairsSemanticsTest::orderSensitive);
            for (int r = 0; r < ranks; r++) {
                assertEquals(describe(one[r]), describe(more[r]), "rank " + r + " with " + workers + " workers");
            }
        }
    }

    /** Entries in iteration order, so that key order counts too. */
    private static String describe(Object stages) {
        StringBuilder b = new StringBuilder();
        for (Object stage : (List<?>) stages) {
            b.append(new ArrayList<>(((Map<?, ?>) stage).entrySet())).append('\n');
        }
        return b.toString();
    }

    @ParameterizedTest(name = "{0} rank(s)")
    @ValueSource(ints = {2, 3, 4})
    void shouldDeliverValuesBySourceRankThenEmissionOrder(int ranks) {
        Object[] results = KVPairsTest.run(ranks, 2, bind -> {
            List<Integer> values = new ArrayList<>();
            for (int v = 0; v < 30; v++) {
                values.add(bind.rank() * 1000 + v);
            }
            return KVPairs.of(bind, Map.of(0, values))
                .map(Integer.class, Integer.class, (key, vs, out) -> vs.forEach(v -> out.emit(v % 3, v)))
                .reduce(Integer.class, int[].class, (key, vs, out) ->
                    out.emit(key, vs.stream().mapToInt(Integer::intValue).toArray()))
                .local();
        });
        Map<Integer, int[]> all = new HashMap<>();
        for (Object result : results) {
            @SuppressWarnings("unchecked")
            Map<Integer, List<int[]>> local = (Map<Integer, List<int[]>>) result;
            local.forEach((key, arrays) -> all.put(key, arrays.get(0)));
        }
        assertEquals(3, all.size());
        for (int key = 0; key < 3; key++) {
            List<Integer> expected = new ArrayList<>();
            for (int r = 0; r < ranks; r++) {
                for (int v = 0; v < 30; v++) {
                    if ((r * 1000 + v) % 3 == key) {
                        expected.add(r * 1000 + v);
                    }
                }
            }
            assertArrayEquals(expected.stream().mapToInt(Integer::intValue).toArray(), all.get(key), "key " + key);
        }
    }

    @ParameterizedTest(name = "{0} rank(s)")
    @ValueSource(ints = {1, 3})
    void shouldGroupArrayRecordAndDoubleKeysByContent(int ranks) {
        record Point(int x, String label) {
        }
        Object[] results = KVPairsTest.run(ranks, 2, bind -> {
            Map<Integer, List<Integer>> input = Map.of(bind.rank(), List.of(1, 2, 3, 4, 5, 6));
            KVPairs<Integer, Integer> pairs = KVPairs.of(bind, input);
            Map<int[], List<Integer>> arrays = pairs
                .map(int[].class, Integer.class, (k, vs, out) -> vs.forEach(v -> out.emit(new int[] {v % 2, 9}, v)))
                .reduce(int[].class, Integer.class, (k, vs, out) -> out.emit(k, vs.size())).local();
            Map<Point, List<Integer>> points = pairs
                .map(Point.class, Integer.class, (k, vs, out) -> vs.forEach(v -> out.emit(new Point(v % 3, "p"), v)))
                .reduce(Point.class, Integer.class, (k, vs, out) -> out.emit(k, vs.size())).local();
            Map<Double, List<Integer>> doubles = pairs
                .map(Double.class, Integer.class, (k, vs, out) -> vs.forEach(v -> out.emit(v * 0.5, 1)))
                .reduce(Double.class, Integer.class, (k, vs, out) -> out.emit(k, vs.size())).local();
            return List.of(arrays, points, doubles);
        });
        Map<String, Integer> arrays = new HashMap<>();
        Map<Object, Integer> points = new HashMap<>();
        Map<Object, Integer> doubles = new HashMap<>();
        for (Object result : results) {
            List<?> maps = (List<?>) result;
            ((Map<?, ?>) maps.get(0)).forEach((k, v) -> arrays.put(Arrays.toString((int[]) k), ((List<?>) v).size() == 1
                ? (Integer) ((List<?>) v).get(0) : -1));
            ((Map<?, ?>) maps.get(1)).forEach((k, v) -> points.put(k, (Integer) ((List<?>) v).get(0)));
            ((Map<?, ?>) maps.get(2)).forEach((k, v) -> doubles.put(k, (Integer) ((List<?>) v).get(0)));
        }
        assertEquals(Map.of("[0, 9]", 3 * ranks, "[1, 9]", 3 * ranks), arrays);
        assertEquals(Map.of(new Point(0, "p"), 2 * ranks, new Point(1, "p"), 2 * ranks, new Point(2, "p"), 2 * ranks),
            points);
        assertEquals(6, doubles.size());
        doubles.values().forEach(count -> assertEquals(ranks, count));
    }

    @Test
    void shouldLeaveAPairsObjectUnchangedWhenItIsReducedTwice() {
        Object[] results = KVPairsTest.run(2, 2, bind -> {
            KVPairs<String, Integer> pairs = KVPairs.of(bind, Map.of("k" + bind.rank() % 2, List.of(bind.rank()),
                "shared", List.of(10 + bind.rank())));
            Map<String, List<Integer>> before = pairs.local();
            Map<String, List<Integer>> first = pairs.reduce(String.class, Integer.class,
                (k, vs, out) -> vs.forEach(v -> out.emit(k, v))).local();
            Map<String, List<Integer>> second = pairs.reduce(String.class, Integer.class,
                (k, vs, out) -> vs.forEach(v -> out.emit(k, v))).local();
            return List.of(before, pairs.local(), first, second);
        });
        for (Object result : results) {
            List<?> maps = (List<?>) result;
            assertEquals(maps.get(0), maps.get(1), "the input changed");
            assertEquals(maps.get(2), maps.get(3), "the second reduce differs");
        }
        Map<Object, Object> merged = new LinkedHashMap<>();
        for (Object result : results) {
            merged.putAll((Map<?, ?>) ((List<?>) result).get(2));
        }
        assertEquals(Map.of("k0", List.of(0), "k1", List.of(1), "shared", List.of(10, 11)), merged);
    }

    @Test
    void shouldShuffleUntypedInputOfBuiltInTypes() {
        Object[] results = KVPairsTest.run(3, 2, bind -> {
            Map<Object, List<Object>> input = new HashMap<>();
            input.put("s", List.of(1L, "x", new int[] {bind.rank()}));
            input.put(7, List.of(2.5));
            input.put(7L, List.of((short) bind.rank()));
            return KVPairs.of(bind, input)
                .reduce(String.class, Integer.class, (k, vs, out) -> out.emit(k.getClass().getSimpleName() + ":" + k,
                    vs.size()))
                .local();
        });
        Map<Object, Object> merged = new HashMap<>();
        for (Object result : results) {
            merged.putAll((Map<?, ?>) result);
        }
        assertEquals(Map.of("String:s", List.of(9), "Integer:7", List.of(3), "Long:7", List.of(3)), merged);
    }

    record Label(String text) {
    }

    @Test
    void shouldExplainWhyUntypedRecordsCannotBeShuffled() {
        InProcJob.run(2, 30, TimeUnit.SECONDS, bind -> {
            KVPairs<Integer, Label> pairs = KVPairs.of(bind, Map.of(bind.rank(), List.of(new Label("x"))));
            pairs.reduce(Integer.class, Integer.class, (k, vs, out) -> out.emit(k, vs.size()));
            OpFailedException failure = assertThrows(OpFailedException.class, bind::sync);
            assertEquals("PairOps.route", failure.opName());
            assertTrue(failure.getCause().getMessage().contains("not org.bind.mapreduce.KVPairsSemanticsTest$Label:"
                + " pass the types with KVPairs.of(bind, local, keyType, valueType)"), failure.getCause().getMessage());
            Map<Integer, List<Integer>> typed = KVPairs.of(bind, Map.of(bind.rank(), List.of(new Label("x"))),
                    Integer.class, Label.class)
                .reduce(Integer.class, Integer.class, (k, vs, out) -> out.emit(k, vs.size())).local();
            assertEquals(1, typed.size());
        });
    }

    @Test
    void shouldRejectTypesWithoutCodecsAtTheCall() {
        InProcJob.run(1, 30, TimeUnit.SECONDS, bind -> {
            KVPairs<Integer, Integer> pairs = KVPairs.of(bind, Map.of(1, List.of(1)));
            IllegalArgumentException noCodec = assertThrows(IllegalArgumentException.class,
                () -> pairs.map(Object.class, Integer.class, (k, vs, out) -> { }));
            assertTrue(noCodec.getMessage().contains("map: key type java.lang.Object has no codec"),
                noCodec.getMessage());
            IllegalArgumentException list = assertThrows(IllegalArgumentException.class,
                () -> pairs.reduce(Integer.class, ArrayList.class, (k, vs, out) -> { }));
            assertTrue(list.getMessage().contains("reduce: value type java.util.ArrayList has no codec"),
                list.getMessage());
            IllegalArgumentException nullFn = assertThrows(IllegalArgumentException.class,
                () -> pairs.combine(Integer.class, Integer.class, null));
            assertTrue(nullFn.getMessage().contains("combine: fn is null"), nullFn.getMessage());
            IllegalArgumentException input = assertThrows(IllegalArgumentException.class,
                () -> KVPairs.of(bind, Map.of(1, List.of(new Object()))));
            assertTrue(input.getMessage().contains("java.lang.Object has no codec"), input.getMessage());
            IllegalArgumentException typed = assertThrows(IllegalArgumentException.class,
                () -> KVPairs.of(bind, Map.<Object, List<Object>>of("a", List.of(1)), Object.class, Object.class));
            assertTrue(typed.getMessage().contains("key type java.lang.Object has no codec"), typed.getMessage());
        });
    }

    @Test
    void shouldFailEveryRankWhenAFunctionThrowsOrEmitsTheWrongType() {
        InProcJob.run(2, 30, TimeUnit.SECONDS, bind -> {
            KVPairs<Integer, Integer> pairs = KVPairs.of(bind, Map.of(bind.rank(), List.of(1)));
            KVPairs<Integer, Integer> failing = pairs.map(Integer.class, Integer.class, (k, vs, out) -> {
                throw new IllegalStateException("boom on key " + k);
            }).reduce(Integer.class, Integer.class, (k, vs, out) -> { });
            OpFailedException local = assertThrows(OpFailedException.class, failing::local);
            assertEquals("PairOps.apply", local.opName());
            assertTrue(String.valueOf(local.getCause().getMessage()).contains("boom on key"),
                local.getCause().toString());

            @SuppressWarnings({"unchecked", "rawtypes"})
            Mapper<Integer, Integer, Integer, Integer> raw = (Mapper) (Mapper<Integer, Integer, Object, Object>)
                (k, vs, out) -> out.emit("not an int", 1);
            pairs.map(Integer.class, Integer.class, raw);
            OpFailedException wrongType = assertThrows(OpFailedException.class, bind::sync);
            assertTrue(wrongType.getCause().getMessage().contains("emitted key not an int of type java.lang.String,"
                + " declared java.lang.Integer"), wrongType.getCause().getMessage());
        });
    }
}
