package org.bind.mapreduce;

/**
 * The probing half of the open-addressing tables ({@link ObjectLongTable}, {@link LongLongTable}, {@link WordTable}):
 * a power-of-two array of entry numbers plus one (0: an empty slot), probed linearly, each beside its slot's 32-bit
 * spread hash in the same array (one cache line holds both), so that
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

    // slot i is slots[2 * i] (entry + 1, 0 when empty) beside slots[2 * i + 1] (its spread hash): one cache line
    private int[] slots = new int[2 * MIN_SLOTS];
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
        return slots[2 * slot] - 1;
    }

    /** The spread hash of the entry in {@code slot}. */
    int hash(int slot) {
        return slots[2 * slot + 1];
    }

    /**
     * Indexes {@code entry} (the table's size before it was added, whose key is not indexed yet) under {@code hash},
     * growing first when it would fill more than half the slots.
     */
    void add(int hash, int entry) {
        if (2L * (entry + 1) > mask + 1) {
            grow();
        }
        place(slots, mask, hash, entry + 1);
    }

    private static void place(int[] slots, int mask, int hash, int entryPlusOne) {
        int i = hash & mask;
        while (slots[2 * i] != 0) {
            i = (i + 1) & mask;
        }
        slots[2 * i] = entryPlusOne;
        slots[2 * i + 1] = hash;
    }

    private void grow() {
        int capacity = (mask + 1) * 2;
        if (capacity <= 0 || capacity > Integer.MAX_VALUE / 2) {
            throw new IllegalStateException("table of " + (mask + 1) / 2 + " keys cannot grow");
        }
        int[] old = slots;
        slots = new int[2 * capacity];
        mask = capacity - 1;
        for (int j = 0; j < old.length; j += 2) {
            if (old[j] != 0) {
                place(slots, mask, old[j + 1], old[j]);
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
