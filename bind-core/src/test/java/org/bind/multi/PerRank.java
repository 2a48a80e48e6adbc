package org.bind.multi;

import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * One value per rank, written by each rank's program thread and read by the test after the job: how the ranks
 * of an in-JVM job report what they saw.
 *
 * @param <T> the value type
 */
final class PerRank<T> {
    private final AtomicReferenceArray<T> values;

    PerRank(int ranks) {
        this.values = new AtomicReferenceArray<>(ranks);
    }

    void put(int rank, T value) {
        values.set(rank, value);
    }

    /** The value of {@code rank}; fails when that rank did not report one. */
    /** Whether {@code rank} put a value. */
    boolean has(int rank) {
        return values.get(rank) != null;
    }

    T get(int rank) {
        T value = values.get(rank);
        if (value == null) {
            throw new AssertionError("rank " + rank + " reported nothing");
        }
        return value;
    }

    int ranks() {
        return values.length();
    }
}
