package org.bind.codec;

import java.nio.ByteBuffer;

/**
 * Decodes one value's encoding fed in order, piece by piece, straight into the value it allocates once the
 * encoding's own header says what to allocate: a received chunk is written once, into the value's final storage,
 * with no buffer holding the whole encoding and no second pass over it ({@link Codec#rangeDecoder}).
 *
 * <p>Single thread at a time (the transfer that owns it).
 *
 * @param <T> the value type
 */
public interface RangeDecoder<T> {
    /**
     * Decodes the bytes between {@code source}'s position and limit, the next ones of the encoding, in
     * {@code source}'s byte order; leaves the position as it was.
     *
     * @throws CodecException when they are malformed or run past the encoding's length
     */
    void accept(ByteBuffer source);

    /**
     * How many bytes from the start of the encoding the value already holds: all bytes fed so far, but those of an
     * element or header cut by the last piece's end (kept aside until its other bytes come). {@link Codec#encodeRange}
     * of the value reproduces exactly these bytes.
     */
    long decodedBytes();

    /** The value being filled, or null while its header has not come whole. */
    T value();

    /**
     * The value, once every byte of the encoding came.
     *
     * @throws CodecException when bytes are missing
     */
    T finish();
}
