package org.bind.mapreduce;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import org.bind.transport.inproc.InProcJob;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@link Sort#longs} and {@link Sort#byKey} against a stable sort of the union of the inputs. */
@Timeout(120)
class LongSortTest {
    /** Full-range keys, negative ones included, and many duplicates of a few small keys; sizes differ by rank. */
    static long[] keys(int rank) {
        SplittableRandom random = new SplittableRandom(300 + rank);
        long[] keys = new long[30_000 + 1_234 * rank];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = random.nextInt(3) == 0 ? random.nextInt(40) - 20 : random.nextLong();
        }
        if (rank == 1) {
            return new long[0]; // one rank without input
        }
        return keys;
    }

    /** The payload: the pair's origin, rank and position, so that stability can be checked. */
    static int[] payload(int rank) {
        int[] payload = new int[keys(rank).length];
        for (int i = 0; i < payload.length; i++) {
            payload[i] = rank * 1_000_000 + i;
        }
        return payload;
    }

    @ParameterizedTest(name = "{0} rank(s), {1} worker(s)")
    @CsvSource({"1,1", "1,2", "2,2", "3,2", "4,3"})
    void shouldSortLongsLikeArraysSort(int ranks, int workers) {
        Object[] slices = KVPairsTest.run(ranks, workers, bind -> Sort.longs(bind, keys(bind.rank())));
        List<Long> all = new ArrayList<>();
        for (int r = 0; r < ranks; r++) {
            for (long k : keys(r)) {
                all.add(k);
            }
        }
        long[] expected = all.stream().mapToLong(Long::longValue).sorted().toArray();
        long[] joined = Arrays.stream(slices).flatMapToLong(s -> Arrays.stream((long[]) s)).toArray();
        assertArrayEquals(expected, joined);
        for (int r = 1; r < ranks; r++) { // equal keys on one rank
            long[] before = (long[]) slices[r - 1];
            long[] here = (long[]) slices[r];
            assertTrue(before.length == 0 || here.length == 0 || before[before.length - 1] < here[0],
                "a key on ranks " + (r - 1) + " and " + r);
        }
    }

    @ParameterizedTest(name = "{0} rank(s), {1} worker(s)")
    @CsvSource({"1,2", "2,2", "3,3", "4,2"})
    void shouldSortKeysWithTheirPayloadStably(int ranks, int workers) {
        Object[] slices = KVPairsTest.run(ranks, workers, bind ->
            Sort.byKey(bind, keys(bind.rank()), payload(bind.rank())));
        List<long[]> pairs = new ArrayList<>();
        for (int r = 0; r < ranks; r++) {
            long[] k = keys(r);
            int[] p = payload(r);
            for (int i = 0; i < k.length; i++) {
                pairs.add(new long[] {k[i], p[i]});
            }
        }
        pairs.sort(Comparator.comparingLong(pair -> pair[0])); // List.sort is stable: by rank, then position
        int at = 0;
        for (int r = 0; r < ranks; r++) {
            Sort.Keyed slice = (Sort.Keyed) slices[r];
            assertEquals(slice.keys().length, slice.payload().length);
            for (int i = 0; i < slice.keys().length; i++, at++) {
                assertEquals(pairs.get(at)[0], slice.keys()[i], "key " + at);
                assertEquals(pairs.get(at)[1], slice.payload()[i], "payload " + at + " (stability)");
            }
        }
        assertEquals(pairs.size(), at);
    }

    @Test
    void shouldRejectMismatchedInputAtTheCall() {
        InProcJob.run(1, 30, TimeUnit.SECONDS, bind -> {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Sort.byKey(bind, new long[3], new int[2]));
            assertEquals("Sort.byKey: payload of 2 ints for 3 keys", e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> Sort.longs(bind, null));
        });
    }

    @Test
    void radixSortShouldBeStableInSignedOrder() {
        SplittableRandom random = new SplittableRandom(5);
        long[] keys = new long[5000];
        int[] payload = new int[keys.length];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = switch (i % 4) {
                case 0 -> random.nextLong();
                case 1 -> random.nextInt(10) - 5;
                case 2 -> Long.MIN_VALUE + random.nextInt(3);
                default -> Long.MAX_VALUE - random.nextInt(3);
            };
            payload[i] = i;
        }
        Integer[] order = new Integer[keys.length];
        Arrays.setAll(order, i -> i);
        Arrays.sort(order, Comparator.comparingLong(i -> keys[i]));
        long[] sorted = keys.clone();
        LongRadix.sort(sorted, payload);
        for (int i = 0; i < keys.length; i++) {
            assertEquals(keys[order[i]], sorted[i]);
            assertEquals((int) order[i], payload[i]);
        }
    }
}
