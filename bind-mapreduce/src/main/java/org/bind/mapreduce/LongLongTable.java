package org.bind.mapreduce;

import java.util.Arrays;

/**
 * An open-addressing hash table from {@code long} keys (the values of {@code Long} or {@code Integer} keys) to a
 * {@code long}: the primitive-keyed sibling of {@link ObjectLongTable}, with the same layout (dense entries in order
 * of first insertion, a linearly probed index of entry numbers plus one, at most half full).
 *
 * <p>Single thread (one op owns it).
 */
final class LongLongTable {
    private static final int MIN_SLOTS = 16;

    private int[] slots;
    private long[] keys;
    private long[] values;
    private int size;

    LongLongTable() {
        slots = new int[MIN_SLOTS];
        keys = new long[MIN_SLOTS / 2];
        values = new long[MIN_SLOTS / 2];
    }

    int size() {
        return size;
    }

    /** The entry of {@code key}, or {@code -1} when it has none. */
    int find(long key) {
        int mask = slots.length - 1;
        for (int i = spread(key) & mask; ; i = (i + 1) & mask) {
            int entry = slots[i];
            if (entry == 0) {
                return -1;
            }
            if (keys[entry - 1] == key) {
                return entry - 1;
            }
        }
    }

    /** Adds {@code key} (which must not be in the table) with {@code value}; returns its entry, the previous size. */
    int insert(long key, long value) {
        if (size == keys.length) {
            grow();
        }
        int mask = slots.length - 1;
        int i = spread(key) & mask;
        while (slots[i] != 0) {
            i = (i + 1) & mask;
        }
        keys[size] = key;
        values[size] = value;
        slots[i] = ++size;
        return size - 1;
    }

    long key(int entry) {
        return keys[entry];
    }

    long value(int entry) {
        return values[entry];
    }

    void value(int entry, long value) {
        values[entry] = value;
    }

    private void grow() {
        int capacity = slots.length * 2;
        if (capacity <= 0) {
            throw new IllegalStateException("table of " + size + " keys cannot grow");
        }
        keys = Arrays.copyOf(keys, capacity / 2);
        values = Arrays.copyOf(values, capacity / 2);
        slots = new int[capacity];
        int mask = capacity - 1;
        for (int e = 0; e < size; e++) {
            int i = spread(keys[e]) & mask;
            while (slots[i] != 0) {
                i = (i + 1) & mask;
            }
            slots[i] = e + 1;
        }
    }

    /** Mixes all 64 bits into the low ones the index uses (MurmurHash3's fmix64, folded). */
    static int spread(long key) {
        long h = Kind.fmix64(key);
        return (int) (h ^ (h >>> 32));
    }
}
