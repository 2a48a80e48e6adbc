package org.bind.mapreduce;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Word counts keyed by the words' UTF-8 bytes, for counting words straight from the bytes of a text
 * ({@link WordScanner}): a word already in the table costs a probe and a compare of its bytes, and only a word new to
 * the table is copied (into a byte arena); no {@code String} is made until the table is turned into a {@link Folded}
 * table of {@code String} keys ({@link #folded}), once per distinct word.
 *
 * <p>Layout: entries dense, in order of first insertion, each an arena offset and length (one {@code long}) and a
 * count; an
 * {@link OpenIndex} finds them by a 32-bit hash of the bytes ({@link #hash}: the polynomial of
 * {@code String.hashCode} over the bytes, spread), which the scanner computes as it reads a word.
 *
 * <p>Single thread: one op owns it.
 */
final class WordTable {
    private final OpenIndex index = new OpenIndex();
    private byte[] arena = new byte[1 << 12];
    private int arenaBytes;
    private long[] spans = new long[64]; // per entry: arena offset << 32 | length (one load finds the bytes)
    private long[] counts = new long[64];
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

    int size() {
        return size;
    }

    /** Adds {@code count} to the word {@code bytes[from, from + length)}, whose {@link #hash} is {@code hash}. */
    void add(byte[] bytes, int from, int length, int hash, long count) {
        for (int i = index.first(hash); ; i = index.next(i)) {
            int entry = index.entry(i);
            if (entry < 0) {
                insert(bytes, from, length, hash, count);
                return;
            }
            if (index.hash(i) == hash) {
                long span = spans[entry];
                int start = (int) (span >>> 32);
                if ((int) span == length && Arrays.equals(arena, start, start + length, bytes, from, from + length)) {
                    counts[entry] += count;
                    return;
                }
            }
        }
    }

    private void insert(byte[] bytes, int from, int length, int hash, long count) {
        if (size == spans.length) {
            spans = Arrays.copyOf(spans, 2 * size);
            counts = Arrays.copyOf(counts, 2 * size);
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
        counts[size] = count;
        arenaBytes += length;
        size++;
    }

    /** The UTF-8 bytes of {@code entry}'s word, as a string. */
    String word(int entry) {
        return new String(arena, (int) (spans[entry] >>> 32), (int) spans[entry], StandardCharsets.UTF_8);
    }

    long count(int entry) {
        return counts[entry];
    }

    /**
     * The counts as a folding table of {@code step}'s types ({@code String} keys, {@code Long} values): one
     * {@code String} per word, its placement hash ({@link Kind#hashUtf8}) taken from the bytes.
     */
    Folded folded(PairOps.Step step) {
        Folded folded = new Folded(step.types(), step.combiner(), false, step.name());
        for (int e = 0; e < size; e++) {
            folded.add(0L, word(e), Kind.hashUtf8(arena, (int) (spans[e] >>> 32), (int) spans[e]), counts[e], -1);
        }
        return folded;
    }
}
