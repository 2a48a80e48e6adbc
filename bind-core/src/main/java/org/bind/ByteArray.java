package org.bind;

import org.bind.version.ArrayBufferType;

/**
 * A versioned {@code byte[]} of fixed length. Its first version is all zeros. Inside an op, {@link #data()} is
 * the array of the version bound to that op; outside ops, {@link #toArray()} returns a copy of the latest version.
 */
public final class ByteArray extends Versioned {
    private final int length;

    private ByteArray(int length) {
        super(new ArrayBufferType<>(byte[].class, length));
        this.length = length;
    }

    /**
     * A new array of {@code length} zeros. Program thread, after {@link Bind#init}.
     *
     * @throws IllegalArgumentException when {@code length} is negative, past the longest Java array, or its bytes
     *     exceed the heap's maximum
     */
    public static ByteArray of(int length) {
        ArrayBufferType.checkLength("ByteArray", byte.class, length);
        return new ByteArray(length);
    }

    public int length() {
        return length;
    }

    /**
     * The array of the version bound to the running op: read it for {@code @In}, fill it for {@code @Out}, update
     * it otherwise. Throws {@link IllegalStateException} naming this object outside ops.
     */
    public byte[] data() {
        return (byte[]) buffer();
    }

    /** A copy of the latest version, after waiting for its producer; inside an op, of the bound version. */
    public byte[] toArray() {
        byte[] latest = (byte[]) latestBuffer();
        return latest == null ? new byte[length] : latest.clone();
    }

    /** Names the object for messages and traces; returns it. */
    @Override
    public ByteArray named(String name) {
        super.named(name);
        return this;
    }
}
