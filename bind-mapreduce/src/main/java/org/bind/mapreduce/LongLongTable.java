package org.bind.mapreduce;

import java.util.Arrays;

/**
 * An open-addressing hash table from {@code long} keys (the values of {@code Long} or {@code Integer} keys) to a
 * {@code long}: the primitive-keyed sibling of {@link ObjectLongTable}, with the same layout (dense entries in order
 * of first insertion, found through an {@link OpenIndex}).
 *
 * <p>Single thread (one op owns it).
 */
final class LongLongTable {
    private final OpenIndex index = new OpenIndex();
    private long[] keys = new long[8];
    private long[] values = new long[8];
    private int size;

    int size() {
        return size;
    }

    /** The entry of {@code key}, or {@code -1} when it has none. */
    int find(long key) {
        int hash = OpenIndex.spread(key);
        for (int i = index.first(hash); ; i = index.next(i)) {
            int entry = index.entry(i);
            if (entry < 0) {
                return -1;
            }
            if (index.hash(i) == hash && keys[entry] == key) {
                return entry;
            }
        }
    }

    /** Adds {@code key} (which must not be in the table) with {@code value}; returns its entry, the previous size. */
    int insert(long key, long value) {
        if (size == keys.length) {
            keys = Arrays.copyOf(keys, 2 * size);
            values = Arrays.copyOf(values, 2 * size);
        }
        index.add(OpenIndex.spread(key), size);
        keys[size] = key;
        values[size] = value;
        return size++;
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
}
