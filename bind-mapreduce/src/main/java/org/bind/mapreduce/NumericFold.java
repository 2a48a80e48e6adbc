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
 * per-part merge) takes it unchanged. The emitters are one {@link Sink}, which turns the six primitive emits
 * into two calls with the value's bits: {@link NumericEmitter} folding into a {@link Folded} table when the types
 * fold, else {@link Boxing}, which boxes each pair into an ordinary {@link Emitter}.
 */
final class NumericFold {
    private NumericFold() {
    }

    /**
     * Every primitive emitter at once: what a numeric step's mapper is handed (as the one it asked for). Each emit
     * passes its value on as {@code long} bits, as {@link FoldingEmitter.Slot} stores them (an {@code int} widened, a
     * {@code double}'s raw bits), to one of two methods, for a key given as an object or as a primitive.
     */
    abstract static class Sink implements LongEmitter<Object>, IntEmitter<Object>, DoubleEmitter<Object> {
        /** One pair whose key is an object (not yet checked); {@code bits} is its value's bits. */
        abstract void object(Object key, long bits);

        /** One pair whose key is given as a primitive (not yet checked); {@code bits} is its value's bits. */
        abstract void primitive(long key, long bits);

        @Override
        public final void emit(Object key, long value) {
            object(key, value);
        }

        @Override
        public final void emit(long key, long value) {
            primitive(key, value);
        }

        @Override
        public final void emit(Object key, int value) {
            object(key, value);
        }

        @Override
        public final void emit(long key, int value) {
            primitive(key, value);
        }

        @Override
        public final void emit(Object key, double value) {
            object(key, Double.doubleToRawLongBits(value));
        }

        @Override
        public final void emit(long key, double value) {
            primitive(key, Double.doubleToRawLongBits(value));
        }
    }

    /** A {@link LongMapper}, {@link IntMapper} or {@link DoubleMapper}, seen through its {@link Sink}. */
    @FunctionalInterface
    interface NumericMapper {
        void apply(Object key, List<Object> values, Sink out);
    }

    /**
     * A combiner of value bits (as {@link FoldingEmitter.Slot} stores them), also usable on boxed values: the user's
     * primitive combiner seen as one of {@code long} bits ({@code Long} values: the combiner itself).
     */
    static final class Bits implements BinaryOperator<Object> {
        private final FoldingEmitter.Slot slot;
        private final LongBinaryOperator onBits;

        private Bits(FoldingEmitter.Slot slot, LongBinaryOperator onBits) {
            this.slot = slot;
            this.onBits = onBits;
        }

        /** Folds {@code next} into {@code sofar}, both value bits; returns value bits. */
        long combine(long sofar, long next) {
            return onBits.applyAsLong(sofar, next);
        }

        /** The value type's slot. */
        FoldingEmitter.Slot slot() {
            return slot;
        }

        @Override
        public Object apply(Object sofar, Object next) {
            return slot.box(combine(slot.unbox(sofar), slot.unbox(next)));
        }
    }

    static Bits longs(LongBinaryOperator combiner) {
        return new Bits(FoldingEmitter.Slot.LONG, combiner);
    }

    static Bits ints(IntBinaryOperator combiner) {
        return new Bits(FoldingEmitter.Slot.INT, (sofar, next) -> combiner.applyAsInt((int) sofar, (int) next));
    }

    static Bits doubles(DoubleBinaryOperator combiner) {
        return new Bits(FoldingEmitter.Slot.DOUBLE, (sofar, next) -> Double.doubleToRawLongBits(
            combiner.applyAsDouble(Double.longBitsToDouble(sofar), Double.longBitsToDouble(next))));
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
    static final class Boxing extends Sink {
        private final PairOps.Step step;
        private final FoldingEmitter.Slot slot;
        private final Object current;
        private final Emitter<Object, Object> out;

        Boxing(PairOps.Step step, Object current, Emitter<Object, Object> out) {
            this.step = step;
            this.slot = FoldingEmitter.Slot.of(step.valueType());
            this.current = current;
            this.out = out;
        }

        @Override
        void object(Object key, long bits) {
            out.emit(key, slot.box(bits));
        }

        @Override
        void primitive(long key, long bits) {
            out.emit(boxKey(step, current, key), slot.box(bits));
        }
    }
}
