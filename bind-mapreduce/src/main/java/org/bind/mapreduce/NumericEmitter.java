package org.bind.mapreduce;

/**
 * The emitter of a numeric step ({@link KVPairs#mapToLong}, {@code mapToInt}, {@code mapToDouble}) whose key type
 * folds ({@link Folded#foldable}): each value's {@code long} bits go straight into its key's slot of a
 * {@link Folded} table, folded by the step's {@link NumericFold.Bits} combiner. A pair costs a key check, one probe
 * and one call of the user's primitive combiner: no box for the value, nor for a key given as a primitive (the
 * table of {@code Long} and {@code Integer} keys holds them as {@code long}s).
 *
 * <p>Single thread: one op owns it.
 */
final class NumericEmitter extends NumericFold.Sink {
    private final PairOps.Step step;
    private final Folded folded;
    private final boolean primitiveKeys;
    private final boolean intKeys;
    private final Class<?> keyType;
    private Object current;

    NumericEmitter(PairOps.Step step) {
        this.step = step;
        this.folded = new Folded(step.types(), step.combiner(), false, step.name());
        this.primitiveKeys = folded.primitiveKeys();
        this.intKeys = step.keyType() == Integer.class;
        this.keyType = step.keyType();
    }

    /** Names the key the mapper is called with, for messages. */
    void calledWith(Object key) {
        current = key;
    }

    /** What was emitted: one folded value per key, in order of first emission. */
    Folded folded() {
        return folded;
    }

    @Override
    void object(Object key, long bits) {
        if (key == null || key.getClass() != keyType) { // the exact class: one compare, no subtype check
            NumericFold.checkKey(step, current, key);
        }
        if (primitiveKeys) {
            folded.addBits(intKeys ? (long) (Integer) key : (long) (Long) key, bits);
        } else {
            folded.addBits(key, bits);
        }
    }

    @Override
    void primitive(long key, long bits) {
        if (!primitiveKeys || (intKeys && key != (int) key)) {
            NumericFold.checkIntKey(step, current, key); // throws, naming the key and the declared type
        }
        folded.addBits(key, bits);
    }
}
