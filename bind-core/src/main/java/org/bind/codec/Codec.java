package org.bind.codec;

import java.nio.ByteBuffer;

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

    /** An independent copy (deep for mutable values); immutable values may return themselves. */
    T copy(T value);
}
