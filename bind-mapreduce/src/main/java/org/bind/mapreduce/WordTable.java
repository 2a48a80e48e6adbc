package org.bind.mapreduce;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Word counts keyed by the words' UTF-8 bytes, for counting words straight from the bytes of a text
 * ({@link WordScanner}): a word already in the table costs a probe and a compare of its bytes, and only a word new to
 * the table is copied (into a byte arena); no {@code String} is made until the table is turned into a {@link Folded}
 * table of {@code String} keys ({@link #folded}), once per distinct word.
 *
 * <p>Layout: entries dense, in order of first insertion; per entry its first eight bytes packed in a {@code long}
 * (little-endian, zero-padded) beside its count in one array (one cache line holds both), and its arena offset and
 * length (one {@code long}). An {@link OpenIndex} finds them by a 32-bit hash of the bytes ({@link #hash}: the
 * polynomial of {@code String.hashCode} over the bytes, spread), which the scanner computes as it reads a word,
 * together with the packed bytes ({@link #pack}). A word's bytes are never 0 (letters and digits, or UTF-8 of
 * characters above U+007F), so a word of fewer than eight bytes equals an entry exactly when their packed bytes are
 * equal: a probe then costs one compare of a {@code long}, and the arena is read only for longer words.
 *
 * <p>Single thread: one op owns it.
 */
final class WordTable {
    private final OpenIndex index = new OpenIndex();
    private byte[] arena = new byte[1 << 12];
    private int arenaBytes;
    private long[] spans = new long[64]; // per entry: arena offset << 32 | length (one load finds the bytes)
    private long[] packedCounts = new long[128]; // per entry e: [2e] its first 8 bytes packed, [2e + 1] its count
    private int size;

    /** One step of the word hash: {@code h} so far, then byte {@code b} (as a signed byte). */
    static int step(int h, int b) {
        return 31 * h + b;
    }

    /** The index hash of a word whose {@link #step steps} gave {@code h}. */
    static int finish(int h) {
        return OpenIndex.spread(h);
    }

    /** The index hash of {@code bytes[from, from + length)}. */
    static int hash(byte[] bytes, int from, int length) {
        int h = 0;
        for (int i = from; i < from + length; i++) {
            h = step(h, bytes[i]);
        }
        return finish(h);
    }

    /** The packing of a word's first bytes so far, {@code packed}, with byte {@code b} at position {@code i}. */
    static long pack(long packed, int i, int b) {
        return i < 8 ? packed | (b & 0xFFL) << (8 * i) : packed;
    }

    /** The first eight bytes of {@code bytes[from, from + length)}, packed as {@link #pack} packs them. */
    static long packed(byte[] bytes, int from, int length) {
        long packed = 0;
        for (int i = 0; i < Math.min(8, length); i++) {
            packed = pack(packed, i, bytes[from + i]);
        }
        return packed;
    }

    int size() {
        return size;
    }

    /** Adds {@code count} to the word {@code bytes[from, from + length)}, whose {@link #hash} is {@code hash}. */
    void add(byte[] bytes, int from, int length, int hash, long count) {
        add(bytes, from, length, hash, packed(bytes, from, length), count);
    }

    /**
     * Adds {@code count} to the word {@code bytes[from, from + length)}, whose {@link #hash} is {@code hash} and whose
     * first bytes pack to {@code packed} ({@link #packed}).
     */
    void add(byte[] bytes, int from, int length, int hash, long packed, long count) {
        for (int i = index.first(hash); ; i = index.next(i)) {
            int entry = index.entry(i);
            if (entry < 0) {
                insert(bytes, from, length, hash, packed, count);
                return;
            }
            if (index.hash(i) == hash && packedCounts[2 * entry] == packed
                && (length < 8 || sameBytes(entry, bytes, from, length))) {
                packedCounts[2 * entry + 1] += count;
                return;
            }
        }
    }

    private boolean sameBytes(int entry, byte[] bytes, int from, int length) {
        long span = spans[entry];
        int start = (int) (span >>> 32);
        return (int) span == length && Arrays.equals(arena, start, start + length, bytes, from, from + length);
    }

    private void insert(byte[] bytes, int from, int length, int hash, long packed, long count) {
        if (size == spans.length) {
            spans = Arrays.copyOf(spans, 2 * size);
            packedCounts = Arrays.copyOf(packedCounts, 4 * size);
        }
        if (arena.length - arenaBytes < length) {
            long grown = Math.max(2L * arena.length, (long) arenaBytes + length);
            if (grown > Integer.MAX_VALUE - 16) {
                throw new IllegalStateException("KVPairs.words: distinct words exceed 2 GiB in one chunk");
            }
            arena = Arrays.copyOf(arena, (int) grown);
        }
        System.arraycopy(bytes, from, arena, arenaBytes, length);
        index.add(hash, size);
        spans[size] = (long) arenaBytes << 32 | length;
        packedCounts[2 * size] = packed;
        packedCounts[2 * size + 1] = count;
        arenaBytes += length;
        size++;
    }

    /** The UTF-8 bytes of {@code entry}'s word, as a string. */
    String word(int entry) {
        return new String(arena, (int) (spans[entry] >>> 32), (int) spans[entry], StandardCharsets.UTF_8);
    }

    long count(int entry) {
        return packedCounts[2 * entry + 1];
    }

    /**
     * The counts as a folding table of {@code step}'s types ({@code String} keys, {@code Long} values): one
     * {@code String} per word, its placement hash ({@link Kind#hashUtf8}) taken from the bytes.
     */
    Folded folded(PairOps.Step step) {
        Folded folded = new Folded(step.types(), step.combiner(), false, step.name());
        for (int e = 0; e < size; e++) {
            folded.add(0L, word(e), Kind.hashUtf8(arena, (int) (spans[e] >>> 32), (int) spans[e]), count(e), -1);
        }
        return folded;
    }
}
