package org.bind.mapreduce;

import java.util.ArrayList;
import java.util.function.BinaryOperator;

/**
 * The emitter of a step with a combiner whose types allow primitive folding: keys compared by {@code equals}
 * ({@code String}, boxed integers, {@code Character}, {@code Boolean}, enums) and {@code Long}, {@code Integer} or
 * {@code Double} values. Each emitted value is folded at once into a {@code long} slot of an open-addressing table
 * ({@link LongLongTable} for {@code Long} and {@code Integer} keys, {@link ObjectLongTable} for the others), so a
 * pair costs one probe and one combiner call, without a map entry, a group or a list per key. {@link #drain}
 * turns the table into the groups {@link PairOps#apply} would have made, in the same order with the same values:
 * the combiner is applied to the same operands in the same order (the value so far, then the new one).
 *
 * <p>Single thread: one op owns it.
 */
final class FoldingEmitter implements Emitter<Object, Object> {
    private final PairOps.Step step;
    private final BinaryOperator<Object> combiner;
    private final Slot slot;
    private final Kind keys;
    private final ObjectLongTable objects;
    private final LongLongTable longs;
    private final boolean intKeys;
    private Object current;

    private FoldingEmitter(PairOps.Step step, Slot slot) {
        this.step = step;
        this.combiner = step.combiner();
        this.slot = slot;
        this.keys = step.types().keys();
        Class<?> keyType = keys.type;
        this.intKeys = keyType == Integer.class;
        boolean primitiveKeys = intKeys || keyType == Long.class;
        this.longs = primitiveKeys ? new LongLongTable() : null;
        this.objects = primitiveKeys ? null : new ObjectLongTable();
    }

    /** The folding emitter of {@code step}, or null when it has no combiner or its types do not allow one. */
    static FoldingEmitter of(PairOps.Step step) {
        Slot slot = Slot.of(step.types().values().type);
        if (step.combiner() == null || slot == null || !step.types().keys().valueEquality()
            || step.types().keys() instanceof UntypedKind) {
            return null;
        }
        return new FoldingEmitter(step, slot);
    }

    /** Names the key the mapper is called with, for messages. */
    void calledWith(Object key) {
        current = key;
    }

    @Override
    public void emit(Object key, Object value) {
        PairOps.checkEmitted(step, current, key, value);
        if (longs != null) {
            long k = intKeys ? (long) (Integer) key : (long) (Long) key;
            int entry = longs.find(k);
            if (entry < 0) {
                longs.insert(k, slot.unbox(value));
            } else {
                longs.value(entry, fold(longs.value(entry), value, key));
            }
        } else {
            int entry = objects.find(key);
            if (entry < 0) {
                objects.insert(keys.copy(key), slot.unbox(value));
            } else {
                objects.value(entry, fold(objects.value(entry), value, key));
            }
        }
    }

    private long fold(long sofar, Object value, Object key) {
        Object folded = combiner.apply(slot.box(sofar), value);
        if (folded == null) {
            throw new IllegalArgumentException(step.name() + " of key " + current + ": the combiner returned null for"
                + " key " + key);
        }
        return slot.unbox(folded);
    }

    /** The folded pairs as groups of one value each, in order of first emission, cut into {@code parts}. */
    Group[][] drain(int parts) {
        int size = longs != null ? longs.size() : objects.size();
        Group[] groups = new Group[size];
        for (int e = 0; e < size; e++) {
            Object key;
            long value;
            if (longs != null) {
                long k = longs.key(e);
                key = intKeys ? (Object) (int) k : (Object) k;
                value = longs.value(e);
            } else {
                key = objects.key(e);
                value = objects.value(e);
            }
            ArrayList<Object> values = new ArrayList<>(1);
            values.add(slot.box(value));
            groups[e] = new Group(key, keys.hash(key), values);
        }
        return Group.byPart(groups, parts);
    }

    /** How a numeric value type lives in a {@code long}. */
    enum Slot {
        LONG {
            @Override
            long unbox(Object value) {
                return (Long) value;
            }

            @Override
            Object box(long bits) {
                return bits;
            }
        },
        INT {
            @Override
            long unbox(Object value) {
                return (Integer) value;
            }

            @Override
            Object box(long bits) {
                return (int) bits;
            }
        },
        DOUBLE {
            @Override
            long unbox(Object value) {
                return Double.doubleToRawLongBits((Double) value);
            }

            @Override
            Object box(long bits) {
                return Double.longBitsToDouble(bits);
            }
        };

        abstract long unbox(Object value);

        abstract Object box(long bits);

        /** The slot of values of {@code type}, or null when they do not fit one. */
        static Slot of(Class<?> type) {
            if (type == Long.class) {
                return LONG;
            } else if (type == Integer.class) {
                return INT;
            } else if (type == Double.class) {
                return DOUBLE;
            }
            return null;
        }
    }
}
