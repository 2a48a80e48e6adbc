package org.bind.dag;

import java.nio.ByteBuffer;

import org.bind.transport.Frames;
import org.bind.transport.Messages;
import org.bind.transport.Transport;
import org.bind.version.BufferPool;
import org.bind.version.BufferType;
import org.bind.version.Failure;
import org.bind.version.Version;

/**
 * What an {@link IncomingTransfer} needs of the rank around it ({@link Exchange}): forwarding to children, completing
 * or failing the local version, counting. The transport's delivering thread, the program thread ({@link
 * IncomingTransfer#attach}, {@link IncomingTransfer#addChild}).
 */
interface IncomingHost {
    /** Sends {@code payload} to {@code child} as chunk {@code chunk} of the version {@code first} announced. */
    void forward(int child, Frames.Header first, int chunk, ByteBuffer payload);

    /**
     * Sends the bytes {@code payload} writes, as {@link #forward(int, Frames.Header, int, ByteBuffer)} sends a
     * buffer; hosts whose transport lets a payload write into its own buffers override it (no staging copy).
     */
    default void forward(int child, Frames.Header first, int chunk, Transport.Payload payload) {
        ByteBuffer staged = ByteBuffer.allocate(payload.length()).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        payload.writeTo(0, staged);
        forward(child, first, chunk, staged);
    }

    /** Tells {@code child} that the version {@code header} names has no value. */
    void forwardLost(int child, Frames.Header header, Failure failure);

    Failure failureOf(Messages.Failure failure);

    /** The local version has its value; {@code children} got all {@code bytes} too. The transfer is over. */
    void landed(IncomingTransfer transfer, Version target, Object value, int bytes, int children);

    /** The local version has no value ({@code why}). The transfer is over. */
    void failed(IncomingTransfer transfer, Version target, Failure why);

    /** The received bytes do not decode; returns the failure the local readers get. */
    Failure decodeFailed(Version target, RuntimeException cause);

    /** A child will get nothing more from here: its hold on {@code target} ends. */
    void releaseChild(Version target);

    void countDropped();

    /**
     * A dead version's buffer of {@code type} (contents unspecified) from the rank's shared pool
     * ({@link BufferPool#shared}), which a version decoded in place fills instead of a new one; null when the pool
     * has none (then a new one is allocated). The caller owns what it gets. Any thread; never waits.
     */
    default Object recycledBuffer(BufferType<Object> type) {
        return null;
    }

    /**
     * {@code bytes} more of a transfer no reader here has claimed yet, from {@code source}, are about to be kept;
     * throws to refuse them ({@link UnclaimedBudget}).
     */
    default void holdUnclaimed(int source, long bytes, String what) {
    }

    /** Bytes held for {@code source} by {@link #holdUnclaimed} are freed or claimed by a reader. */
    default void releaseUnclaimed(int source, long bytes) {
    }
}
