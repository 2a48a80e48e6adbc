package org.bind.version;

import org.bind.codec.Codec;

/**
 * How the runtime creates, copies, measures and ships the buffers behind one versioned object. One instance
 * per object; it must be immutable and thread safe.
 *
 * @param <B> the buffer type ({@code int[]} for {@code IntArray}, ...)
 */
public interface BufferType<B> {
    /** A buffer holding the object's first version (zeros, or the initial value). */
    B allocate();

    /** Copies {@code source} into {@code target} when it is non-null and fits, else into a new buffer; returns the copy. */
    B copy(B source, B target);

    /** Resets a recycled buffer to the first-version contents; returns it (or a new buffer). */
    B reset(B buffer);

    /** Bytes this buffer occupies, for the submission window. */
    long bytes(B buffer);

    /**
     * Bytes a new buffer of this type will occupy, known before it exists, so that the submission window can
     * reserve them when an op that writes the object is submitted; 0 when unknown (counted once allocated).
     */
    default long reservedBytes() {
        return 0;
    }

    /** Encodes buffers for the wire. */
    Codec<B> codec();

    /**
     * Buffers with equal non-null keys are interchangeable and recycled through the worker pools;
     * {@code null} disables recycling.
     */
    default Object poolKey() {
        return null;
    }
}
