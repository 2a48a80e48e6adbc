package org.bind.codec;

import java.lang.reflect.Array;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.function.Supplier;

/**
 * Primitive arrays: an int element count, then the elements in the buffer's byte order (callers use little-endian).
 * Every path is a bulk copy between the array and a buffer view ({@code asDoubleBuffer().put(double[], ...)}); ranges
 * of the encoding are written ({@link #encodeRange}) and read ({@link #rangeDecoder}) without encoding the whole.
 * Stateless; thread safe.
 */
final class PrimitiveArrayCodec<A> implements Codec<A> {
    private static final int COUNT_BYTES = 4;
    private final Class<A> type;
    private final Class<?> element;
    private final int elementBytes;

    PrimitiveArrayCodec(Class<A> type) {
        this.type = type;
        this.element = type.getComponentType();
        this.elementBytes = Codecs.elementBytes(element);
    }

    @Override
    public Class<A> type() {
        return type;
    }

    @Override
    public int encodedLength(A value) {
        int n = Array.getLength(value);
        long bytes = COUNT_BYTES + (long) n * elementBytes;
        if (bytes > Integer.MAX_VALUE) {
            throw new CodecException("a " + type.getSimpleName() + " of " + n + " elements encodes to " + bytes
                + " bytes, more than the " + Integer.MAX_VALUE + " one version can carry between ranks: split it"
                + " into several objects");
        }
        return (int) bytes;
    }

    @Override
    public int encode(A value, ByteBuffer buffer, int offset) {
        int n = Array.getLength(value);
        buffer.putInt(offset, n);
        encodeElements(value, 0, n, buffer.slice(offset + COUNT_BYTES, n * elementBytes).order(buffer.order()));
        return COUNT_BYTES + n * elementBytes;
    }

    @Override
    public boolean encodeRange(A value, long from, ByteBuffer target) {
        int n = Array.getLength(value);
        long total = COUNT_BYTES + (long) n * elementBytes;
        long end = from + target.remaining();
        if (from < 0 || end > total) {
            throw new IllegalArgumentException("bytes " + from + " to " + end + " are not within the " + total
                + "-byte encoding of a " + type.getSimpleName() + " of " + n + " elements");
        }
        ByteOrder order = target.order();
        int pos = target.position();
        long at = from;
        if (at < COUNT_BYTES && at < end) {
            ByteBuffer count = ByteBuffer.allocate(COUNT_BYTES).order(order).putInt(0, n);
            int k = (int) (Math.min(COUNT_BYTES, end) - at);
            target.put(pos, count, (int) at, k);
            pos += k;
            at += k;
        }
        while (at < end) {
            long body = at - COUNT_BYTES;
            int index = (int) (body / elementBytes);
            int within = (int) (body % elementBytes);
            if (within != 0 || end - at < elementBytes) {
                // an element cut by the range's start or end: encode it alone, copy the part in the range
                ByteBuffer one = ByteBuffer.allocate(elementBytes).order(order);
                encodeElements(value, index, 1, one);
                int k = (int) Math.min(elementBytes - within, end - at);
                target.put(pos, one, within, k);
                pos += k;
                at += k;
            } else {
                int count = (int) ((end - at) / elementBytes);
                encodeElements(value, index, count, target.slice(pos, count * elementBytes).order(order));
                pos += count * elementBytes;
                at += (long) count * elementBytes;
            }
        }
        return true;
    }

    /** Writes elements {@code index} to {@code index + count} at the start of {@code body}: one bulk copy. */
    private static void encodeElements(Object value, int index, int count, ByteBuffer body) {
        if (value instanceof byte[] bytes) {
            body.put(0, bytes, index, count);
        } else if (value instanceof int[] ints) {
            body.asIntBuffer().put(ints, index, count);
        } else if (value instanceof long[] longs) {
            body.asLongBuffer().put(longs, index, count);
        } else if (value instanceof double[] doubles) {
            body.asDoubleBuffer().put(doubles, index, count);
        } else if (value instanceof float[] floats) {
            body.asFloatBuffer().put(floats, index, count);
        } else if (value instanceof short[] shorts) {
            body.asShortBuffer().put(shorts, index, count);
        } else if (value instanceof char[] chars) {
            body.asCharBuffer().put(chars, index, count);
        } else {
            boolean[] booleans = (boolean[]) value;
            for (int i = 0; i < count; i++) {
                body.put(i, (byte) (booleans[index + i] ? 1 : 0));
            }
        }
    }

    /** Reads {@code count} elements from the start of {@code body} into {@code array} from {@code index}. */
    private static void decodeElements(ByteBuffer body, Object array, int index, int count) {
        if (array instanceof byte[] bytes) {
            body.get(0, bytes, index, count);
        } else if (array instanceof int[] ints) {
            body.asIntBuffer().get(ints, index, count);
        } else if (array instanceof long[] longs) {
            body.asLongBuffer().get(longs, index, count);
        } else if (array instanceof double[] doubles) {
            body.asDoubleBuffer().get(doubles, index, count);
        } else if (array instanceof float[] floats) {
            body.asFloatBuffer().get(floats, index, count);
        } else if (array instanceof short[] shorts) {
            body.asShortBuffer().get(shorts, index, count);
        } else if (array instanceof char[] chars) {
            body.asCharBuffer().get(chars, index, count);
        } else {
            boolean[] booleans = (boolean[]) array;
            for (int i = 0; i < count; i++) {
                booleans[index + i] = body.get(i) != 0;
            }
        }
    }

    @Override
    public A decode(ByteBuffer buffer, int offset, int length) {
        Codecs.checkLength(type, COUNT_BYTES, length);
        int n = buffer.getInt(offset);
        Codecs.checkCount(type, n);
        Codecs.checkLength(type, COUNT_BYTES + (long) n * elementBytes, length);
        Object array = Array.newInstance(element, n);
        decodeElements(buffer.slice(offset + COUNT_BYTES, n * elementBytes).order(buffer.order()), array, 0, n);
        return type.cast(array);
    }

    @Override
    public RangeDecoder<A> rangeDecoder(int length) {
        return rangeDecoder(length, null);
    }

    /**
     * A range decoder that fills the array {@code recycled} gives, once the count has come, when it is an array of
     * this type and of that count: every element is then overwritten by the encoding, so no zeroing is needed. Any
     * other array it gives is left to the garbage collector, and a new one allocated.
     */
    @Override
    public RangeDecoder<A> rangeDecoder(int length, Supplier<? extends A> recycled) {
        if (length < COUNT_BYTES || (length - COUNT_BYTES) % elementBytes != 0) {
            throw new CodecException("malformed " + type.getSimpleName() + ": no encoding has " + length + " bytes");
        }
        return new InPlace(length, recycled);
    }

    @Override
    public A copy(A value) {
        int n = Array.getLength(value);
        Object copy = Array.newInstance(element, n);
        System.arraycopy(value, 0, copy, 0, n);
        return type.cast(copy);
    }

    /**
     * Allocates the array when the count has come (checked against the encoding's length first), or takes a recycled
     * one of that count, then copies each piece's whole elements straight into it; the bytes of a count or element
     * cut by a piece's end wait in {@link #carry} for the rest.
     */
    private final class InPlace implements RangeDecoder<A> {
        private final int length;
        /** Where a recycled array may come from, or null. */
        private final Supplier<? extends A> recycled;
        private final byte[] carry = new byte[Math.max(COUNT_BYTES, elementBytes)];
        private int carried;
        private long fed;
        private long decoded;
        private Object array;

        InPlace(int length, Supplier<? extends A> recycled) {
            this.length = length;
            this.recycled = recycled;
        }

        @Override
        public void accept(ByteBuffer source) {
            int pos = source.position();
            int end = source.limit();
            if (fed + (end - pos) > length) {
                throw new CodecException("malformed " + type.getSimpleName() + ": " + (fed + end - pos)
                    + " bytes fed to an encoding of " + length);
            }
            fed += end - pos;
            ByteOrder order = source.order();
            while (array == null && pos < end) {
                carry[carried++] = source.get(pos++);
                if (carried == COUNT_BYTES) {
                    int n = ByteBuffer.wrap(carry, 0, COUNT_BYTES).order(order).getInt(0);
                    Codecs.checkCount(type, n);
                    if (COUNT_BYTES + (long) n * elementBytes != length) {
                        throw new CodecException("malformed " + type.getSimpleName() + ": " + n + " elements in an "
                            + "encoding of " + length + " bytes");
                    }
                    array = allocate(n); // n checked against length, itself capped by the caller
                    carried = 0;
                    decoded = COUNT_BYTES;
                }
            }
            if (array == null || pos == end) {
                return;
            }
            if (carried > 0) {
                int k = Math.min(elementBytes - carried, end - pos);
                source.get(pos, carry, carried, k);
                pos += k;
                carried += k;
                if (carried < elementBytes) {
                    return;
                }
                decodeElements(ByteBuffer.wrap(carry, 0, elementBytes).order(order), array, index(), 1);
                decoded += elementBytes;
                carried = 0;
            }
            int whole = (end - pos) / elementBytes;
            if (whole > 0) {
                decodeElements(source.slice(pos, whole * elementBytes).order(order), array, index(), whole);
                pos += whole * elementBytes;
                decoded += (long) whole * elementBytes;
            }
            carried = end - pos;
            source.get(pos, carry, 0, carried);
        }

        /** A recycled array of {@code n} elements when one comes, else a new one. */
        private Object allocate(int n) {
            A reused = recycled == null ? null : recycled.get();
            if (reused != null && reused.getClass() == type && Array.getLength(reused) == n) {
                return reused;
            }
            return Array.newInstance(element, n);
        }

        private int index() {
            return (int) ((decoded - COUNT_BYTES) / elementBytes);
        }

        @Override
        public long decodedBytes() {
            return decoded;
        }

        @Override
        public A value() {
            return array == null ? null : type.cast(array);
        }

        @Override
        public A finish() {
            if (decoded != length) {
                throw new CodecException("malformed " + type.getSimpleName() + ": " + fed + " of " + length
                    + " bytes came");
            }
            return type.cast(array);
        }
    }
}
