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

    /**
     * Copies {@code source} into {@code target} when it is non-null and fits, else into a new buffer; returns the
     * copy. A non-null {@code target} that is not used is the type's to {@link #discard}.
     */
    B copy(B source, B target);

    /**
     * Resets a recycled buffer to the first-version contents; returns it, or a new buffer (having then
     * {@link #discard discarded} the one it was given).
     */
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

    /**
     * The runtime lets go of {@code buffer} for good: its version died and no pool keeps it ({@link BufferPool}
     * full, or no pool on the releasing thread), a pool is cleared, or the job closed with it as an object's latest
     * version. Called exactly once per buffer the runtime made or was given, after the last op or send that reads
     * it is done, on any thread; a type whose buffers hold memory the garbage collector does not manage (native
     * memory) frees it here. Never called for a buffer the runtime passed on ({@link #reset} or {@link #copy} that
     * returned it, a take-over by a read-write op). Default: nothing, the garbage collector reclaims it.
     */
    default void discard(B buffer) {
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
