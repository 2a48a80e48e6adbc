package org.bind.mapreduce;

import java.util.List;
import java.util.function.BinaryOperator;
import java.util.function.DoubleBinaryOperator;
import java.util.function.IntBinaryOperator;
import java.util.function.LongBinaryOperator;

/**
 * The pieces of {@link KVPairs#mapToLong}, {@link KVPairs#mapToInt} and {@link KVPairs#mapToDouble}: a map whose
 * values are primitives folded as they are emitted. The user's combiner is wrapped in a {@link Bits} combiner, which
 * folds the {@code long} bits of two values as {@link Folded} stores them (no box) and is also an ordinary
 * {@code BinaryOperator} of boxed values, so every later step that folds boxed values (the listing path, the
 * per-part merge) takes it unchanged. The emitters are one {@link Sink}: {@link NumericEmitter} folding into a
 * {@link Folded} table when the types fold, else {@link Boxing}, which boxes each pair into an ordinary
 * {@link Emitter}.
 */
final class NumericFold {
    private NumericFold() {
    }

    /** Every primitive emitter at once: what a numeric step's mapper is handed (as the one it asked for). */
    interface Sink extends LongEmitter<Object>, IntEmitter<Object>, DoubleEmitter<Object> {
    }

    /** A {@link LongMapper}, {@link IntMapper} or {@link DoubleMapper}, seen through its {@link Sink}. */
    @FunctionalInterface
    interface NumericMapper {
        void apply(Object key, List<Object> values, Sink out);
    }

    /** A combiner of value bits (as {@link FoldingEmitter.Slot} stores them), also usable on boxed values. */
    abstract static class Bits implements BinaryOperator<Object> {
        /** Folds {@code next} into {@code sofar}, both value bits; returns value bits. */
        abstract long combine(long sofar, long next);

        /** The value type's slot. */
        abstract FoldingEmitter.Slot slot();

        @Override
        public final Object apply(Object sofar, Object next) {
            FoldingEmitter.Slot slot = slot();
            return slot.box(combine(slot.unbox(sofar), slot.unbox(next)));
        }
    }

    static Bits longs(LongBinaryOperator combiner) {
        return new Bits() {
            @Override
            long combine(long sofar, long next) {
                return combiner.applyAsLong(sofar, next);
            }

            @Override
            FoldingEmitter.Slot slot() {
                return FoldingEmitter.Slot.LONG;
            }
        };
    }

    static Bits ints(IntBinaryOperator combiner) {
        return new Bits() {
            @Override
            long combine(long sofar, long next) {
                return combiner.applyAsInt((int) sofar, (int) next);
            }

            @Override
            FoldingEmitter.Slot slot() {
                return FoldingEmitter.Slot.INT;
            }
        };
    }

    static Bits doubles(DoubleBinaryOperator combiner) {
        return new Bits() {
            @Override
            long combine(long sofar, long next) {
                return Double.doubleToRawLongBits(combiner.applyAsDouble(Double.longBitsToDouble(sofar),
                    Double.longBitsToDouble(next)));
            }

            @Override
            FoldingEmitter.Slot slot() {
                return FoldingEmitter.Slot.DOUBLE;
            }
        };
    }

    /** Checks a key emitted as an object: not null, of the declared type; {@code current} names the call. */
    static void checkKey(PairOps.Step step, Object current, Object key) {
        if (key == null) {
            throw new IllegalArgumentException(step.name() + " of key " + current + " emitted a null key");
        }
        if (!step.keyType().isInstance(key)) {
            throw new IllegalArgumentException(step.name() + " of key " + current + " emitted key " + key
                + " of type " + key.getClass().getName() + ", declared " + step.keyType().getName());
        }
    }

    /** The key a primitive {@code key} stands for under {@code step}'s key type, boxed; for the listing path. */
    static Object boxKey(PairOps.Step step, Object current, long key) {
        if (step.keyType() == Long.class) {
            return key;
        }
        return (int) checkIntKey(step, current, key);
    }

    /**
     * Checks that {@code step} takes a primitive key ({@code Long} or {@code Integer} keys) and that {@code key} fits
     * an {@code Integer} key; returns it.
     */
    static long checkIntKey(PairOps.Step step, Object current, long key) {
        Class<?> type = step.keyType();
        if (type != Long.class && type != Integer.class) {
            throw new IllegalArgumentException(step.name() + " of key " + current + " emitted the primitive key "
                + key + ", declared " + type.getName() + " (a primitive key needs Long or Integer keys)");
        }
        if (type == Integer.class && key != (int) key) {
            throw new IllegalArgumentException(step.name() + " of key " + current + " emitted the key " + key
                + ", out of the int range of the declared java.lang.Integer keys");
        }
        return key;
    }

    /** The sink of a numeric step whose types do not fold: each pair boxed into an ordinary emitter. */
    static final class Boxing implements Sink {
        private final PairOps.Step step;
        private final Object current;
        private final Emitter<Object, Object> out;

        Boxing(PairOps.Step step, Object current, Emitter<Object, Object> out) {
            this.step = step;
            this.current = current;
            this.out = out;
        }

        @Override
        public void emit(Object key, long value) {
            out.emit(key, value);
        }

        @Override
        public void emit(long key, long value) {
            out.emit(boxKey(step, current, key), value);
        }

        @Override
        public void emit(Object key, int value) {
            out.emit(key, value);
        }

        @Override
        public void emit(long key, int value) {
            out.emit(boxKey(step, current, key), value);
        }

        @Override
        public void emit(Object key, double value) {
            out.emit(key, value);
        }

        @Override
        public void emit(long key, double value) {
            out.emit(boxKey(step, current, key), value);
        }
    }
}
