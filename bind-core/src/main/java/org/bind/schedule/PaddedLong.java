package org.bind.schedule;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A counter alone on its cache lines: the value sits in the middle of a {@code long[]} with 15 unused slots (120
 * bytes) on each side, so that no other field, object or array element shares its 64-byte line or the adjacent line
 * the hardware prefetches with it. For counters one side writes often and the other reads on its hot path (ops
 * released by workers, bytes reserved and settled): without it, the program thread's read of a neighbouring field
 * misses on the line a worker just wrote.
 *
 * <p>Any thread; the access mode is in each method's name.
 */
final class PaddedLong {
    private static final int PAD = 15;
    private static final VarHandle VALUE = MethodHandles.arrayElementVarHandle(long[].class);

    private final long[] cells = new long[2 * PAD + 1];

    long getVolatile() {
        return (long) VALUE.getVolatile(cells, PAD);
    }

    long getOpaque() {
        return (long) VALUE.getOpaque(cells, PAD);
    }

    /** One writer only: a store with release semantics, no atomic read-modify-write. */
    void setRelease(long value) {
        VALUE.setRelease(cells, PAD, value);
    }

    long getAndAdd(long delta) {
        return (long) VALUE.getAndAdd(cells, PAD, delta);
    }

    long addAndGet(long delta) {
        return (long) VALUE.getAndAdd(cells, PAD, delta) + delta;
    }

    /** Sets the value if it is {@code expected}; a full fence either way. */
    boolean compareAndSet(long expected, long value) {
        return VALUE.compareAndSet(cells, PAD, expected, value);
    }
}
