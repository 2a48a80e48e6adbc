package org.bind.mapreduce;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.function.BinaryOperator;

/**
 * Pairs of a step whose keys compare by {@code equals} and whose values are {@code Long}, {@code Integer} or
 * {@code Double} ({@link #foldable}), held without a group, a list or a box per pair: keys in an open-addressing
 * table ({@link LongLongTable} for {@code Long} and {@code Integer} keys, {@link ObjectLongTable} for the others),
 * values as the {@code long} bits of their {@link FoldingEmitter.Slot}, each key's 64-bit {@link Kind#hash} beside
 * it. Entries are in order of first arrival.
 *
 * <p>Two modes. <b>Folding</b> (a map's emitter and the per-part merge after it): one value per key, a new value
 * folded into it with the step's combiner (the value so far, then the new one). <b>Listing</b> (the receiving side
 * of a shuffle): a key's values in order of arrival, in a value arena; a value from the same source rank as the
 * key's last one is folded into it, so that each source rank leaves one value per key (as the per-part merge would
 * have), however many parts it came from.
 *
 * <p>Wire form ({@link FoldOps#codec}): the entry count (varint), then per entry its key ({@link Kind#write}), the
 * source rank of its last value and its value count (varints), and the values (8 bytes each).
 *
 * <p>Single thread: one op owns it while it grows; afterwards it is read only.
 */
final class Folded {
    final PairBlock.Types types;
    final FoldingEmitter.Slot slot;
    private final BinaryOperator<Object> combiner;
    private final NumericFold.Bits bitsCombiner; // the combiner when it folds value bits (numeric steps), else null
    private final boolean listing;
    private final String name;
    private final boolean intKeys;
    private final LongLongTable longs;
    private final ObjectLongTable objects;
    private long[] hashes = new long[8];
    // listing: per entry its first and last value cell, value count and the source rank of its last value
    private int[] heads;
    private int[] tails;
    private int[] counts;
    private int[] lastSources;
    private long[] cellValues;
    private int[] cellNext;
    private int cells;

    /** An empty table for {@code types} ({@link #foldable}); {@code name} names the step in messages. */
    Folded(PairBlock.Types types, BinaryOperator<Object> combiner, boolean listing, String name) {
        this.types = types;
        this.slot = FoldingEmitter.Slot.of(types.values().type);
        this.combiner = combiner;
        this.bitsCombiner = combiner instanceof NumericFold.Bits b ? b : null;
        this.listing = listing;
        this.name = name;
        Class<?> keyType = types.keys().type;
        this.intKeys = keyType == Integer.class;
        boolean primitiveKeys = intKeys || keyType == Long.class;
        this.longs = primitiveKeys ? new LongLongTable() : null;
        this.objects = primitiveKeys ? null : new ObjectLongTable();
        if (listing) {
            heads = new int[8];
            tails = new int[8];
            counts = new int[8];
            lastSources = new int[8];
            cellValues = new long[16];
            cellNext = new int[16];
        }
    }

    /** Whether pairs of {@code types} fold into these tables. */
    static boolean foldable(PairBlock.Types types) {
        return FoldingEmitter.Slot.of(types.values().type) != null && types.keys().valueEquality()
            && !(types.keys() instanceof UntypedKind);
    }

    int size() {
        return longs != null ? longs.size() : objects.size();
    }

    long hash(int entry) {
        return hashes[entry];
    }

    /** The key of {@code entry} (boxed for {@code Long} and {@code Integer} keys). */
    Object key(int entry) {
        if (longs == null) {
            return objects.key(entry);
        }
        long k = longs.key(entry);
        return intKeys ? (Object) (int) k : (Object) k;
    }

    /** Folding mode: the value bits of {@code entry}. */
    long value(int entry) {
        return longs != null ? longs.value(entry) : objects.value(entry);
    }

    /**
     * Folding mode: adds {@code value} (of the step's value type) for {@code key}; a new key is copied
     * ({@link Kind#copy}). {@code current} names the mapper's call in messages.
     */
    void add(Object key, Object value, Object current) {
        long bits = slot.unbox(value);
        int entry = longs != null ? longs.find(longKey(key)) : objects.find(key);
        if (entry < 0) {
            entry = longs != null ? longs.insert(longKey(key), bits) : objects.insert(types.keys().copy(key), bits);
            newEntry(entry, types.keys().hash(key), -1);
        } else {
            setValue(entry, fold(value(entry), value, key, current));
        }
    }

    /** Folding mode, numeric steps: adds the value bits {@code value} for {@code key} (an object key, checked). */
    void addBits(Object key, long value) {
        int entry = objects.find(key);
        if (entry < 0) {
            entry = objects.insert(types.keys().copy(key), value);
            newEntry(entry, types.keys().hash(key), -1);
        } else {
            objects.value(entry, bitsCombiner.combine(objects.value(entry), value));
        }
    }

    /** Folding mode, numeric steps: adds the value bits {@code value} for the {@code Long} or {@code Integer} key. */
    void addBits(long key, long value) {
        int entry = longs.find(key);
        if (entry < 0) {
            entry = longs.insert(key, value);
            newEntry(entry, hashOf(key), -1);
        } else {
            longs.value(entry, bitsCombiner.combine(longs.value(entry), value));
        }
    }

    private long longKey(Object key) {
        return intKeys ? (long) (Integer) key : (long) (Long) key;
    }

    /**
     * Adds the value bits {@code bits} of {@code source}'s entry {@code from} (same types), coming from rank
     * {@code rank}: folded into this key's value (folding mode, or listing when the key's last value came from the
     * same rank), else listed after it.
     */
    void add(Folded source, int from, long bits, int rank) {
        int entry = source.longs != null ? longs.find(source.longs.key(from)) : objects.find(source.objects.key(from));
        if (entry < 0) {
            entry = source.longs != null ? longs.insert(source.longs.key(from), bits)
                : objects.insert(source.objects.key(from), bits);
            newEntry(entry, source.hashes[from], rank);
            return;
        }
        foldOrList(entry, bits, rank);
    }

    /** Listing mode: adds {@code bits} of value for a key read from the wire ({@code longKey} or {@code key}). */
    void add(long longKey, Object key, long hash, long bits, int rank) {
        int entry = longs != null ? longs.find(longKey) : objects.find(key);
        if (entry < 0) {
            entry = longs != null ? longs.insert(longKey, bits) : objects.insert(key, bits);
            newEntry(entry, hash, rank);
            return;
        }
        foldOrList(entry, bits, rank);
    }

    /**
     * Listing mode, {@code String} keys: adds {@code bits} of value from rank {@code rank} for the key whose UTF-8
     * bytes are {@code utf8[from, from + length)}, making a {@code String} only when the key is new here or not ASCII.
     */
    void addUtf8(byte[] utf8, int from, int length, long bits, int rank) {
        int entry = objects.findAscii(utf8, from, length);
        if (entry >= 0) {
            foldOrList(entry, bits, rank);
        } else {
            add(0L, new String(utf8, from, length, java.nio.charset.StandardCharsets.UTF_8),
                Kind.hashUtf8(utf8, from, length), bits, rank);
        }
    }

    /** Whether the keys are {@code String}s. */
    boolean stringKeys() {
        return types.keys().type == String.class;
    }

    private void foldOrList(int entry, long bits, int rank) {
        if (!listing) {
            setValue(entry, fold(value(entry), bits, entry));
        } else if (lastSources[entry] == rank) {
            int tail = tails[entry];
            cellValues[tail] = fold(cellValues[tail], bits, entry);
        } else {
            int cell = newCell(bits);
            cellNext[tails[entry]] = cell;
            tails[entry] = cell;
            counts[entry]++;
            lastSources[entry] = rank;
        }
    }

    private void newEntry(int entry, long hash, int rank) {
        if (entry == hashes.length) {
            hashes = Arrays.copyOf(hashes, 2 * entry);
            if (listing) {
                heads = Arrays.copyOf(heads, 2 * entry);
                tails = Arrays.copyOf(tails, 2 * entry);
                counts = Arrays.copyOf(counts, 2 * entry);
                lastSources = Arrays.copyOf(lastSources, 2 * entry);
            }
        }
        hashes[entry] = hash;
        if (listing) {
            int cell = newCell(value(entry));
            heads[entry] = cell;
            tails[entry] = cell;
            counts[entry] = 1;
            lastSources[entry] = rank;
        }
    }

    private int newCell(long bits) {
        if (cells == cellValues.length) {
            cellValues = Arrays.copyOf(cellValues, 2 * cells);
            cellNext = Arrays.copyOf(cellNext, 2 * cells);
        }
        cellValues[cells] = bits;
        cellNext[cells] = -1;
        return cells++;
    }

    private void setValue(int entry, long bits) {
        if (longs != null) {
            longs.value(entry, bits);
        } else {
            objects.value(entry, bits);
        }
    }

    /** Folds value bits {@code next} into {@code sofar} for {@code entry}: without a box for a numeric step. */
    private long fold(long sofar, long next, int entry) {
        return bitsCombiner != null ? bitsCombiner.combine(sofar, next) : fold(sofar, slot.box(next), key(entry), null);
    }

    private long fold(long sofar, Object value, Object key, Object current) {
        Object folded = combiner.apply(slot.box(sofar), value);
        if (folded == null) {
            throw new IllegalArgumentException(name + (current == null ? "" : " of key " + current)
                + ": the combiner returned null for key " + key);
        }
        return slot.unbox(folded);
    }

    /** Listing mode: the value bits of {@code entry}, in order. */
    long[] values(int entry) {
        long[] values = new long[counts[entry]];
        int cell = heads[entry];
        for (int i = 0; i < values.length; i++) {
            values[i] = cellValues[cell];
            cell = cellNext[cell];
        }
        return values;
    }

    /**
     * The values of {@code entry}, boxed as read: a new unmodifiable list in order (listing mode), or of the one
     * value (folding mode).
     */
    java.util.List<Object> valueList(int entry) {
        long[] bits = listing ? values(entry) : new long[] {value(entry)};
        FoldingEmitter.Slot boxes = slot;
        return new java.util.AbstractList<>() {
            @Override
            public Object get(int index) {
                return boxes.box(bits[index]);
            }

            @Override
            public int size() {
                return bits.length;
            }
        };
    }

    /** The source rank of the last value of {@code entry} (listing mode; -1 otherwise). */
    int lastSource(int entry) {
        return listing ? lastSources[entry] : -1;
    }

    /** Writes the key of {@code entry} as {@link Kind#write} would, without boxing a primitive key. */
    void writeKey(Wire.Out out, int entry) {
        if (longs == null) {
            types.keys().write(out, objects.key(entry));
        } else if (intKeys) {
            out.putInt((int) longs.key(entry));
        } else {
            out.putLong(longs.key(entry));
        }
    }

    /** Reads a primitive ({@code Long} or {@code Integer}) key written by {@link #writeKey}: its value. */
    long readLongKey(Wire.In in) {
        return intKeys ? in.getInt() : in.getLong();
    }

    boolean primitiveKeys() {
        return longs != null;
    }

    /** The 64-bit hash of a primitive key read by {@link #readLongKey}. */
    long hashOf(long longKey) {
        return intKeys ? Kind.hashInt((int) longKey) : Kind.hashLong(longKey);
    }

    /** The entries in canonical order: unsigned hash, ties (rare) by encoded key. */
    int[] canonicalOrder() {
        int n = size();
        long[] sortKeys = new long[n];
        int[] order = new int[n];
        for (int e = 0; e < n; e++) {
            sortKeys[e] = hashes[e] ^ Long.MIN_VALUE; // unsigned order as signed
            order[e] = e;
        }
        LongRadix.sort(sortKeys, order);
        for (int from = 0; from < n; ) {
            int to = from + 1;
            while (to < n && sortKeys[to] == sortKeys[from]) {
                to++;
            }
            if (to - from > 1) {
                Integer[] run = new Integer[to - from];
                for (int i = from; i < to; i++) {
                    run[i - from] = order[i];
                }
                Kind keys = types.keys();
                Arrays.sort(run, (a, b) -> Kind.compareEncodings(keys.encoding(key(a)), keys.encoding(key(b))));
                for (int i = from; i < to; i++) {
                    order[i] = run[i - from];
                }
            }
            from = to;
        }
        return order;
    }

    /** The groups, in canonical order, each with its boxed values. */
    Group[] groups() {
        int[] order = canonicalOrder();
        Group[] groups = new Group[order.length];
        for (int i = 0; i < order.length; i++) {
            int e = order[i];
            ArrayList<Object> values;
            if (listing) {
                long[] bits = values(e);
                values = new ArrayList<>(bits.length);
                for (long b : bits) {
                    values.add(slot.box(b));
                }
            } else {
                values = new ArrayList<>(1);
                values.add(slot.box(value(e)));
            }
            groups[i] = new Group(key(e), hashes[e], values);
        }
        return groups;
    }

    /** An empty table of the same types and mode. */
    Folded emptyLike() {
        return new Folded(types, combiner, listing, name);
    }

    boolean listing() {
        return listing;
    }

    @Override
    public String toString() {
        return "Folded[" + size() + " keys" + (listing ? ", listing" : "") + "]";
    }
}
