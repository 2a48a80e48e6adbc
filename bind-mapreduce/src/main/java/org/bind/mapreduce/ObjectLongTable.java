package org.bind.mapreduce;

import java.util.Arrays;

/**
 * An open-addressing hash table from keys compared by {@code equals} (strings, boxed integers, enums) to a
 * {@code long}, for folding the values a mapper emits without a map entry, a list and a box per key.
 *
 * <p>Entries are dense, in order of first insertion ({@code keys[e]}, {@code values[e]}); {@link OpenIndex} finds
 * them. Single thread (one op owns it).
 */
final class ObjectLongTable {
    private final OpenIndex index = new OpenIndex();
    private Object[] keys = new Object[8];
    private long[] values = new long[8];
    private int size;

    int size() {
        return size;
    }

    /** The entry of {@code key}, or {@code -1} when it has none. */
    int find(Object key) {
        int hash = OpenIndex.spread(key.hashCode());
        for (int i = index.first(hash); ; i = index.next(i)) {
            int entry = index.entry(i);
            if (entry < 0) {
                return -1;
            }
            if (index.hash(i) == hash && key.equals(keys[entry])) {
                return entry;
            }
        }
    }

    /**
     * Adds {@code key} (which must not be in the table) with {@code value}; returns its entry, the previous size.
     * The table keeps the key object itself.
     */
    int insert(Object key, long value) {
        if (size == keys.length) {
            keys = Arrays.copyOf(keys, 2 * size);
            values = Arrays.copyOf(values, 2 * size);
        }
        index.add(OpenIndex.spread(key.hashCode()), size);
        keys[size] = key;
        values[size] = value;
        return size++;
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
}
