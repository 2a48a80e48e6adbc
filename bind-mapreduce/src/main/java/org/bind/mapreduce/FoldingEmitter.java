package org.bind.mapreduce;

/**
 * The emitter of a step with a combiner whose types allow primitive folding ({@link Folded#foldable}): keys
 * compared by {@code equals} ({@code String}, boxed integers, {@code Character}, {@code Boolean}, enums) and
 * {@code Long}, {@code Integer} or {@code Double} values. Each emitted pair is checked as the listing path checks it,
 * then its value is folded at once into the {@code long} slot of its key in a {@link Folded} table, so a pair costs
 * one probe and one combiner call, without a map entry, a group or a list per key. The combiner is applied to the
 * same operands in the same order as the listing path would (the value so far, then the new one).
 *
 * <p>Single thread: one op owns it.
 */
final class FoldingEmitter implements Emitter<Object, Object> {
    private final PairOps.Step step;
    private final Folded folded;
    private Object current;

    FoldingEmitter(PairOps.Step step) {
        this.step = step;
        this.folded = new Folded(step.types(), step.combiner(), false, step.name());
    }

    /** Whether {@code step} has a combiner and types that fold. */
    static boolean folds(PairOps.Step step) {
        return step.combiner() != null && Folded.foldable(step.types());
    }

    /** Names the key the mapper is called with, for messages. */
    void calledWith(Object key) {
        current = key;
    }

    @Override
    public void emit(Object key, Object value) {
        PairOps.checkEmitted(step, current, key, value);
        folded.add(key, value, current);
    }

    /** What was emitted: one folded value per key, in order of first emission. */
    Folded folded() {
        return folded;
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
