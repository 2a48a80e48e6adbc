package org.bind.mapreduce;

import java.util.Arrays;

/**
 * An open-addressing hash table from keys compared by {@code equals} (strings, boxed integers, enums) to a
 * {@code long}, for folding the values a mapper emits without a map entry, a list and a box per key.
 *
 * <p>Layout: entries are dense, in order of first insertion ({@code keys[e]}, {@code values[e]}); the index is a
 * power-of-two array of entry numbers plus one (0: empty slot) probed linearly, beside the keys' spread hash codes
 * so that most mismatches are rejected without touching the key. The index is kept at most half full.
 *
 * <p>Single thread (one op owns it).
 */
final class ObjectLongTable {
    private static final int MIN_SLOTS = 16;

    private int[] slots;
    private int[] slotHashes;
    private Object[] keys;
    private long[] values;
    private int size;

    ObjectLongTable() {
        slots = new int[MIN_SLOTS];
        slotHashes = new int[MIN_SLOTS];
        keys = new Object[MIN_SLOTS / 2];
        values = new long[MIN_SLOTS / 2];
    }

    int size() {
        return size;
    }

    /** The entry of {@code key}, or {@code -1} when it has none. */
    int find(Object key) {
        int hash = spread(key.hashCode());
        int mask = slots.length - 1;
        for (int i = hash & mask; ; i = (i + 1) & mask) {
            int entry = slots[i];
            if (entry == 0) {
                return -1;
            }
            if (slotHashes[i] == hash && key.equals(keys[entry - 1])) {
                return entry - 1;
            }
        }
    }

    /**
     * Adds {@code key} (which must not be in the table) with {@code value}; returns its entry, the previous size.
     * The table keeps the key object itself.
     */
    int insert(Object key, long value) {
        if (size == keys.length) {
            grow();
        }
        int hash = spread(key.hashCode());
        int mask = slots.length - 1;
        int i = hash & mask;
        while (slots[i] != 0) {
            i = (i + 1) & mask;
        }
        keys[size] = key;
        values[size] = value;
        slots[i] = ++size;
        slotHashes[i] = hash;
        return size - 1;
    }

    Object key(int entry) {
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
        int[] oldSlots = slots;
        int[] oldHashes = slotHashes;
        slots = new int[capacity];
        slotHashes = new int[capacity];
        int mask = capacity - 1;
        for (int j = 0; j < oldSlots.length; j++) {
            if (oldSlots[j] != 0) {
                int i = oldHashes[j] & mask;
                while (slots[i] != 0) {
                    i = (i + 1) & mask;
                }
                slots[i] = oldSlots[j];
                slotHashes[i] = oldHashes[j];
            }
        }
    }

    /** Spreads a hash code over the low bits the index uses (a multiplicative mix, as Agrona's hash does). */
    static int spread(int hashCode) {
        int h = hashCode * 0x9E3779B9;
        return h ^ (h >>> 16);
    }
}
