package org.bind.mapreduce;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link ObjectLongTable} and {@link LongLongTable} against a {@code LinkedHashMap} doing the same sums. */
class FoldingTablesTest {
    private static void add(ObjectLongTable table, Object key, long value) {
        int entry = table.find(key);
        if (entry < 0) {
            assertEquals(table.size(), table.insert(key, value), "a new entry comes last");
        } else {
            table.value(entry, table.value(entry) + value);
        }
    }

    private static void add(LongLongTable table, long key, long value) {
        int entry = table.find(key);
        if (entry < 0) {
            assertEquals(table.size(), table.insert(key, value), "a new entry comes last");
        } else {
            table.value(entry, table.value(entry) + value);
        }
    }

    private static void assertSame(Map<Object, Long> expected, ObjectLongTable table) {
        assertEquals(expected.size(), table.size());
        int e = 0;
        for (Map.Entry<Object, Long> entry : expected.entrySet()) { // insertion order, as the oracle's
            assertEquals(entry.getKey(), table.key(e), "key of entry " + e);
            assertEquals(entry.getValue(), table.value(e), "value of " + entry.getKey());
            assertEquals(e, table.find(entry.getKey()), "entry of " + entry.getKey());
            e++;
        }
    }

    private static void assertSame(Map<Long, Long> expected, LongLongTable table) {
        assertEquals(expected.size(), table.size());
        int e = 0;
        for (Map.Entry<Long, Long> entry : expected.entrySet()) {
            assertEquals(entry.getKey(), table.key(e), "key of entry " + e);
            assertEquals(entry.getValue(), table.value(e), "value of " + entry.getKey());
            assertEquals(e, table.find(entry.getKey()), "entry of " + entry.getKey());
            e++;
        }
    }

    @ParameterizedTest(name = "{0} distinct keys at most")
    @ValueSource(ints = {1, 7, 100, 5_000, 100_000})
    void shouldSumRandomStringKeysLikeAHashMap(int distinct) {
        SplittableRandom random = new SplittableRandom(distinct);
        Map<Object, Long> expected = new LinkedHashMap<>();
        ObjectLongTable table = new ObjectLongTable();
        for (int i = 0; i < 4 * distinct + 10; i++) {
            String key = "w" + random.nextInt(distinct); // a new String each time: equal, not identical, keys
            long value = random.nextLong(-1000, 1000);
            expected.merge(key, value, Long::sum);
            add(table, key, value);
        }
        assertSame(expected, table);
        assertEquals(-1, table.find("absent"));
    }

    @Test
    void shouldKeepKeysWhoseHashCodesCollideApart() {
        // "Aa" and "BB" have the same hashCode, so every string of n such pairs has one of 2^n equal hash codes
        List<String> colliding = new ArrayList<>(List.of(""));
        for (int round = 0; round < 12; round++) {
            List<String> next = new ArrayList<>();
            for (String s : colliding) {
                next.add(s + "Aa");
                next.add(s + "BB");
            }
            colliding = next;
        }
        assertEquals(1, colliding.stream().mapToInt(String::hashCode).distinct().count());
        Map<Object, Long> expected = new LinkedHashMap<>();
        ObjectLongTable table = new ObjectLongTable();
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 3 * colliding.size(); i++) {
            String key = new String(colliding.get(random.nextInt(colliding.size())));
            expected.merge(key, (long) i, Long::sum);
            add(table, key, i);
        }
        assertSame(expected, table);
        assertEquals(-1, table.find("AaAaAaAaAaAaAaAaAaAaAaBBBB" + "x"));
    }

    @Test
    void shouldTellKeysOfDifferentClassesApartAndFindNothingWhenEmpty() {
        ObjectLongTable table = new ObjectLongTable();
        assertEquals(0, table.size());
        assertEquals(-1, table.find("a"));
        assertEquals(-1, table.find(0));
        add(table, 1, 10);
        add(table, 1L, 20);
        add(table, (short) 1, 30);
        add(table, 1, 1);
        Map<Object, Long> expected = new LinkedHashMap<>();
        expected.put(1, 11L);
        expected.put(1L, 20L);
        expected.put((short) 1, 30L);
        assertSame(expected, table);
    }

    @ParameterizedTest(name = "{0} distinct keys at most")
    @ValueSource(ints = {1, 9, 1_000, 100_000})
    void shouldSumRandomLongKeysLikeAHashMap(int distinct) {
        SplittableRandom random = new SplittableRandom(distinct);
        long[] pool = new long[distinct];
        for (int i = 0; i < distinct; i++) {
            pool[i] = random.nextLong();
        }
        Map<Long, Long> expected = new LinkedHashMap<>();
        LongLongTable table = new LongLongTable();
        for (int i = 0; i < 3 * distinct + 10; i++) {
            long key = pool[random.nextInt(distinct)];
            long value = random.nextLong();
            expected.merge(key, value, Long::sum);
            add(table, key, value);
        }
        assertSame(expected, table);
    }

    @Test
    void shouldHoldZeroExtremesAndKeysThatDifferOnlyInHighBits() {
        Map<Long, Long> expected = new LinkedHashMap<>();
        LongLongTable table = new LongLongTable();
        assertEquals(-1, table.find(0));
        List<Long> keys = new ArrayList<>(List.of(0L, -1L, Long.MIN_VALUE, Long.MAX_VALUE, 1L));
        for (int shift = 20; shift < 64; shift++) {
            keys.add(1L << shift);
            keys.add(7L << shift);
        }
        for (int k = 0; k < 5_000; k++) {
            keys.add((long) k << 32); // equal low halves
        }
        for (int round = 0; round < 3; round++) {
            for (long key : keys) {
                expected.merge(key, key ^ round, Long::sum);
                add(table, key, key ^ round);
            }
        }
        assertSame(expected, table);
        assertEquals(-1, table.find(2L << 40 | 3));
    }

    @Test
    void shouldSpreadConsecutiveKeysOverTheIndex() {
        // with a half-full index, consecutive keys must not pile up in one run of slots: probes stay short
        HashMap<Integer, Integer> buckets = new HashMap<>();
        int slots = 1 << 16;
        for (long key = 0; key < slots / 2; key++) {
            buckets.merge(OpenIndex.spread(key) & (slots - 1), 1, Integer::sum);
            buckets.merge(OpenIndex.spread(Long.hashCode(key)) & (slots - 1), 1, Integer::sum);
        }
        int worst = buckets.values().stream().mapToInt(Integer::intValue).max().orElse(0);
        assertTrue(worst <= 12, "at most 12 of 65,536 keys in one slot, got " + worst);
    }
    @Test
    void shouldFindAsciiStringKeysByTheirBytesOnly() {
        ObjectLongTable table = new ObjectLongTable();
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            keys.add(i % 5 == 0 ? "\u00e9t\u00e9" + i : "w" + i);
            add(table, keys.get(i), i);
        }
        for (int i = 0; i < 3000; i++) {
            byte[] utf8 = ("<" + keys.get(i) + ">").getBytes(java.nio.charset.StandardCharsets.UTF_8);
            int expected = i % 5 == 0 ? -1 : i; // not ASCII: not found without a String
            assertEquals(expected, table.findAscii(utf8, 1, utf8.length - 2), keys.get(i));
        }
        byte[] absent = "w3000 w31 w".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(-1, table.findAscii(absent, 0, 5), "a key not in the table");
        assertEquals(-1, table.findAscii(absent, 6, 5), "a prefix of keys");
        assertEquals(-1, table.findAscii(absent, 10, 1), "a prefix of every key");
        assertEquals(3, table.findAscii(absent, 6, 2));
        assertEquals(31, table.findAscii(absent, 6, 3));
    }
}
