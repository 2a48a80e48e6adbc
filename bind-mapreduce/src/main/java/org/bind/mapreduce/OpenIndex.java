package org.bind.mapreduce;

/**
 * The probing half of the open-addressing tables ({@link ObjectLongTable}, {@link LongLongTable}): a power-of-two
 * array of entry numbers plus one (0: an empty slot), probed linearly, beside each slot's 32-bit spread hash so that
 * most mismatches are rejected without touching the key, and so that growing never recomputes a hash. The tables
 * keep their entries dense, in order of first insertion, and compare keys themselves:
 *
 * <pre>{@code
 * for (int i = index.first(hash); ; i = index.next(i)) {
 *     int entry = index.entry(i);
 *     if (entry < 0) return -1;                                   // not there
 *     if (index.hash(i) == hash && keys[entry] == key) return entry;
 * }
 * }</pre>
 *
 * <p>The index is kept at most half full. Single thread (one op owns its table).
 */
final class OpenIndex {
    private static final int MIN_SLOTS = 16;

    private int[] slots = new int[MIN_SLOTS];
    private int[] hashes = new int[MIN_SLOTS];
    private int mask = MIN_SLOTS - 1;

    /** The first slot to probe for {@code hash}. */
    int first(int hash) {
        return hash & mask;
    }

    /** The slot after {@code slot}. */
    int next(int slot) {
        return (slot + 1) & mask;
    }

    /** The entry in {@code slot}, or {@code -1} when it is empty. */
    int entry(int slot) {
        return slots[slot] - 1;
    }

    /** The spread hash of the entry in {@code slot}. */
    int hash(int slot) {
        return hashes[slot];
    }

    /**
     * Indexes {@code entry} (the table's size before it was added, whose key is not indexed yet) under {@code hash},
     * growing first when it would fill more than half the slots.
     */
    void add(int hash, int entry) {
        if (2L * (entry + 1) > slots.length) {
            grow();
        }
        int i = hash & mask;
        while (slots[i] != 0) {
            i = (i + 1) & mask;
        }
        slots[i] = entry + 1;
        hashes[i] = hash;
    }

    private void grow() {
        int capacity = slots.length * 2;
        if (capacity <= 0) {
            throw new IllegalStateException("table of " + slots.length / 2 + " keys cannot grow");
        }
        int[] oldSlots = slots;
        int[] oldHashes = hashes;
        slots = new int[capacity];
        hashes = new int[capacity];
        mask = capacity - 1;
        for (int j = 0; j < oldSlots.length; j++) {
            if (oldSlots[j] != 0) {
                int i = oldHashes[j] & mask;
                while (slots[i] != 0) {
                    i = (i + 1) & mask;
                }
                slots[i] = oldSlots[j];
                hashes[i] = oldHashes[j];
            }
        }
    }

    /** Spreads a 32-bit hash code over the low bits the index uses (a multiplicative mix, as Agrona's hash does). */
    static int spread(int hashCode) {
        int h = hashCode * 0x9E3779B9;
        return h ^ (h >>> 16);
    }

    /** Mixes all 64 bits of {@code key} into 32 (MurmurHash3's fmix64, folded). */
    static int spread(long key) {
        long h = Kind.fmix64(key);
        return (int) (h ^ (h >>> 32));
    }
}
