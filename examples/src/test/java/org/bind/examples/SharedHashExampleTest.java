package org.bind.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(60)
class SharedHashExampleTest {
    /** FNV-1a 64 over {@code text}'s bytes. */
    static long fnv1a(byte[] text) {
        long hash = 0xcbf29ce484222325L;
        for (byte b : text) {
            hash = (hash ^ (b & 0xff)) * 0x100000001b3L;
        }
        return hash;
    }

    static long[] expectedHashes(int ranks) {
        TreeSet<Long> distinct = new TreeSet<>();
        for (int r = 0; r < ranks; r++) {
            distinct.add(fnv1a((r % 2 == 0 ? "a" : "b").repeat(256).getBytes(StandardCharsets.US_ASCII)));
        }
        return distinct.stream().mapToLong(Long::longValue).toArray();
    }

    @Test
    void shouldHashLikeTheReferenceVectors() {
        // Published FNV-1a 64 test vectors.
        assertEquals(0xcbf29ce484222325L, fnv1a(new byte[0]));
        assertEquals(0xaf63dc4c8601ec8cL, fnv1a("a".getBytes(StandardCharsets.US_ASCII)));
        assertEquals(0x85944171f73967e8L, fnv1a("foobar".getBytes(StandardCharsets.US_ASCII)));
    }

    @ParameterizedTest(name = "{0} rank(s)")
    @ValueSource(ints = {1, 2, 3, 4})
    void shouldGiveEveryRankTheDistinctHashes(int ranks) {
        Object[] results = Jobs.run(ranks, SharedHashExample::run);
        long[] expected = expectedHashes(ranks);
        assertEquals(Math.min(ranks, 2), expected.length);
        for (int r = 0; r < ranks; r++) {
            assertArrayEquals(expected, (long[]) results[r], "rank " + r + ": " + Arrays.toString((long[]) results[r]));
        }
    }

    @Test
    void shouldRunMainOnTwoRanks() {
        String out = Jobs.runMain(SharedHashExample.class, 2);
        String hashes = SharedHashExample.format(expectedHashes(2));
        assertTrue(out.contains("rank 0: 2 distinct hashes " + hashes), out);
        assertTrue(out.contains("rank 1: 2 distinct hashes " + hashes), out);
    }
}
