package org.bind.codec;

import java.nio.ByteBuffer;
import java.util.function.Supplier;

/**
 * Encodes values of one type to bytes and back, and copies them. Implementations must be stateless and
 * thread safe. {@link #decode} must check every length it reads against {@code length} before allocating.
 *
 * @param <T> the value type
 */
public interface Codec<T> {
    /** The type this codec handles. */
    Class<T> type();

    /** Bytes {@link #encode} will write for {@code value}. */
    int encodedLength(T value);

    /** Writes {@code value} at {@code offset}; returns the bytes written. */
    int encode(T value, ByteBuffer buffer, int offset);

    /**
     * Reads a value written by {@link #encode} from {@code length} bytes at {@code offset}.
     *
     * @throws CodecException when the bytes are malformed (lengths beyond {@code length} included)
     */
    T decode(ByteBuffer buffer, int offset, int length);

    /**
     * Optional: writes bytes {@code from} to {@code from + target.remaining()} of what {@link #encode} writes for
     * {@code value} (in {@code target}'s byte order) between {@code target}'s position and limit, leaving the
     * position as it was; so that a large value can be sent in pieces without encoding all of it first. Returns
     * false and writes nothing when this codec cannot (the default).
     *
     * @throws IllegalArgumentException when the range is not within the encoding
     */
    default boolean encodeRange(T value, long from, ByteBuffer target) {
        return false;
    }

    /**
     * Optional: a decoder that writes the {@code length}-byte encoding of one value, fed in order piece by piece,
     * straight into the value ({@link RangeDecoder}); null when this codec cannot (the default). A codec that returns
     * one also implements {@link #encodeRange}, so that a partly received value can be sent on.
     *
     * @throws CodecException when no encoding of this type has {@code length} bytes
     */
    default RangeDecoder<T> rangeDecoder(int length) {
        return null;
    }

    /**
     * Optional: {@link #rangeDecoder(int)}, filling a recycled buffer instead of allocating one where it can. The
     * decoder calls {@code recycled} at most once, where it would allocate the value, and gets a buffer of this type
     * of the shape the runtime keeps for the object (a dead version's, contents unspecified) or null; it then owns
     * it: the buffer becomes the value, every byte of it overwritten by the encoding, or it is dropped as a value
     * the decoder allocated would be (a decoder abandoned half-way). The default ignores {@code recycled}.
     *
     * @throws CodecException when no encoding of this type has {@code length} bytes
     */
    default RangeDecoder<T> rangeDecoder(int length, Supplier<? extends T> recycled) {
        return rangeDecoder(length);
    }

    /**
     * Optional: what {@link #encode} writes for {@code value}, as a read-only little-endian view of the value's own
     * storage (no copy; direct when the storage is native memory), valid as long as the value is; so that a
     * transport can send it, or slices of it, as they are. Null when this codec has no such view (the default).
     */
    default ByteBuffer encodedView(T value) {
        return null;
    }

    /** An independent copy (deep for mutable values); immutable values may return themselves. */
    T copy(T value);
}
