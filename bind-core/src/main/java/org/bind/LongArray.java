package org.bind;

import org.bind.version.ArrayBufferType;

/**
 * A versioned {@code long[]} of fixed length. Its first version is all zeros. Inside an op, {@link #data()} is
 * the array of the version bound to that op; outside ops, {@link #toArray()} returns a copy of the latest version.
 */
public final class LongArray extends Versioned {
    private final int length;

    private LongArray(int length) {
        super(new ArrayBufferType<>(long[].class, length));
        this.length = length;
    }

    /**
     * A new array of {@code length} zeros. Program thread, after {@link Bind#init}.
     *
     * @throws IllegalArgumentException when {@code length} is negative, past the longest Java array, or its bytes
     *     exceed the heap's maximum
     */
    public static LongArray of(int length) {
        ArrayBufferType.checkLength("LongArray", long.class, length);
        return new LongArray(length);
    }

    public int length() {
        return length;
    }

    /**
     * The array of the version bound to the running op: read it for {@code @In}, fill it for {@code @Out}, update
     * it otherwise. Throws {@link IllegalStateException} naming this object outside ops.
     */
    public long[] data() {
        return (long[]) buffer();
    }

    /** A copy of the latest version, after waiting for its producer; inside an op, of the bound version. */
    public long[] toArray() {
        long[] latest = (long[]) latestBuffer();
        return latest == null ? new long[length] : latest.clone();
    }

    /** Names the object for messages and traces; returns it. */
    @Override
    public LongArray named(String name) {
        super.named(name);
        return this;
    }
}
