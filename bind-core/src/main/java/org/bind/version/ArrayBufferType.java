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

    record PoolKey(Class<?> arrayType, int length) {
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
