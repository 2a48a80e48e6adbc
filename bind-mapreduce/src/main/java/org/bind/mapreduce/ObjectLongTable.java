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
     * The entry of the {@code String} key whose UTF-8 bytes are {@code utf8[from, from + length)}, found without
     * making the string when they are all ASCII (the string's {@code hashCode} is then the same polynomial over the
     * bytes); {@code -1} when the key is not in the table or a byte is not ASCII. Tables of {@code String} keys only.
     */
    int findAscii(byte[] utf8, int from, int length) {
        int h = 0;
        for (int i = from; i < from + length; i++) {
            if (utf8[i] < 0) {
                return -1;
            }
            h = 31 * h + utf8[i];
        }
        int hash = OpenIndex.spread(h);
        for (int i = index.first(hash); ; i = index.next(i)) {
            int entry = index.entry(i);
            if (entry < 0) {
                return -1;
            }
            if (index.hash(i) == hash && sameAscii((String) keys[entry], utf8, from, length)) {
                return entry;
            }
        }
    }

    private static boolean sameAscii(String key, byte[] ascii, int from, int length) {
        if (key.length() != length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (key.charAt(i) != ascii[from + i]) {
                return false;
            }
        }
        return true;
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
