package org.bind.version;

import java.lang.reflect.Array;
import java.util.Arrays;

import org.bind.codec.Codec;
import org.bind.codec.Codecs;

/**
 * Buffers that are primitive arrays of one length, recycled by (element type, length).
 *
 * @param <A> the array type
 */
public final class ArrayBufferType<A> implements BufferType<A> {
    private final Class<A> arrayType;
    private final int length;
    private final long bytes;
    private final PoolKey key;

    /** Written out: a record's generated equals and hashCode go through method handles, slower on this path. */
    record PoolKey(Class<?> arrayType, int length) {
        @Override
        public boolean equals(Object other) {
            return other == this
                || other instanceof PoolKey key && key.arrayType == arrayType && key.length == length;
        }

        @Override
        public int hashCode() {
            return 31 * arrayType.hashCode() + length;
        }
    }

    public ArrayBufferType(Class<A> arrayType, int length) {
        if (!arrayType.isArray() || !arrayType.getComponentType().isPrimitive()) {
            throw new IllegalArgumentException("not a primitive array type: " + arrayType.getName());
        }
        if (length < 0) {
            throw new IllegalArgumentException("negative array length " + length);
        }
        this.arrayType = arrayType;
        this.length = length;
        this.bytes = 16L + (long) length * Codecs.elementBytes(arrayType.getComponentType());
        this.key = new PoolKey(arrayType, length);
    }

    /** The longest array a JVM allocates (a few header words below {@code Integer.MAX_VALUE}). */
    public static final int MAX_ARRAY_LENGTH = Integer.MAX_VALUE - 8;

    /**
     * Checks the length a user asked for before anything is allocated: not negative, not past the JVM's array limit,
     * and its bytes not past the heap's maximum ({@code -Xmx}), so that a size mistake is an error naming the object
     * type, its size and the heap instead of an {@link OutOfMemoryError} at the first op.
     *
     * @param typeName the versioned type's name, for the message ({@code DoubleArray})
     * @throws IllegalArgumentException naming the length and the limit it breaks
     */
    public static void checkLength(String typeName, Class<?> componentType, int length) {
        if (length < 0) {
            throw new IllegalArgumentException(typeName + " length " + length + " is negative");
        }
        if (length > MAX_ARRAY_LENGTH) {
            throw new IllegalArgumentException(typeName + " length " + length + " exceeds the longest Java array ("
                + MAX_ARRAY_LENGTH + " elements)");
        }
        long bytes = (long) length * Codecs.elementBytes(componentType);
        long heap = Runtime.getRuntime().maxMemory();
        if (heap != Long.MAX_VALUE && bytes > heap) {
            throw new IllegalArgumentException(typeName + " of " + length + " elements needs " + bytes
                + " bytes, more than this JVM's maximum heap of " + heap + " bytes (raise it with -Xmx, for example"
                + " bin/bindrun -J-Xmx" + Math.max(1, (bytes * 3 >> 30) + 1) + "g)");
        }
    }

    public int length() {
        return length;
    }

    @Override
    public A allocate() {
        return arrayType.cast(Array.newInstance(arrayType.getComponentType(), length));
    }

    @Override
    public A copy(A source, A target) {
        A into = target != null ? target : allocate();
        System.arraycopy(source, 0, into, 0, length);
        return into;
    }

    @Override
    public A reset(A buffer) {
        if (buffer instanceof double[] d) {
            Arrays.fill(d, 0.0);
        } else if (buffer instanceof int[] i) {
            Arrays.fill(i, 0);
        } else if (buffer instanceof long[] l) {
            Arrays.fill(l, 0L);
        } else if (buffer instanceof byte[] b) {
            Arrays.fill(b, (byte) 0);
        } else {
            return allocate();
        }
        return buffer;
    }

    @Override
    public long bytes(A buffer) {
        return bytes;
    }

    @Override
    public long reservedBytes() {
        return bytes;
    }

    @Override
    public Codec<A> codec() {
        return Codecs.of(arrayType);
    }

    @Override
    public Object poolKey() {
        return key;
    }
}
