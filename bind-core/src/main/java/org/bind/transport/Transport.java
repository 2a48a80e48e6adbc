package org.bind.transport;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Moves frames between the ranks of one job. Frames from one rank to another arrive complete, once, and in the
 * order they were sent; frames are opaque to the transport (the runtime writes and checks them with
 * {@link Frames}).
 *
 * <p>{@link #send}: any thread. {@link Receiver} callbacks: the transport's own receiving thread(s), never
 * concurrently for one source rank.
 */
public interface Transport extends AutoCloseable {
    /** This rank. */
    int rank();

    /** Ranks in the job. */
    int size();

    /** How long a transport may wait before it reports a silent peer lost, when none is set: {@value} ms. */
    long PEER_TIMEOUT_MS_DEFAULT = 10_000;

    /**
     * How long a silent peer may take before this transport reports it lost (its heartbeat timeout): the runtime
     * retries a report that cannot be sent this long before it treats the peer as lost. Any thread.
     */
    default long peerTimeoutMs() {
        return PEER_TIMEOUT_MS_DEFAULT;
    }

    /**
     * The chunk size this transport moves large versions best in, used when the program sets none
     * ({@code bind.chunk.bytes}); 0 (the default) leaves the runtime's default. A transport whose every message costs
     * much more than its bytes (MPJ's niodev) asks for larger chunks. Any thread.
     */
    default int preferredChunkBytes() {
        return 0;
    }

    /** Starts delivering inbound frames to {@code receiver}. Called once, before any {@link #send}. */
    void start(Receiver receiver);

    /**
     * Sends the bytes between {@code frame}'s position and limit to {@code toRank}. Returns when the frame is
     * handed over (the buffer may then be reused); may block while the transport is back-pressured.
     *
     * @throws TransportException when the peer is lost or the transport is closed
     */
    void send(int toRank, ByteBuffer frame);

    /**
     * Sends one frame made of {@code header}'s remaining bytes followed by {@code payload}'s, as {@link #send(int,
     * ByteBuffer)} would send them concatenated. The default copies both into one buffer; transports that can gather
     * the two parts (no copy) override it. Neither buffer's position changes.
     */
    default void send(int toRank, ByteBuffer header, ByteBuffer payload) {
        ByteBuffer frame = ByteBuffer.allocate(header.remaining() + payload.remaining());
        frame.put(header.duplicate()).put(payload.duplicate()).flip();
        send(toRank, frame);
    }

    /**
     * Sends one frame made of {@code header}'s remaining bytes followed by the {@link Payload#length} bytes that
     * {@code payload} writes, as {@link #send(int, ByteBuffer, ByteBuffer)} would send them. Transports that can let
     * the payload write straight into their own buffers (no staging copy) override it; the default stages it in one
     * buffer. Returns when the frame is handed over.
     */
    default void send(int toRank, ByteBuffer header, Payload payload) {
        ByteBuffer staged = ByteBuffer.allocate(payload.length()).order(ByteOrder.LITTLE_ENDIAN);
        payload.writeTo(0, staged);
        send(toRank, header, staged);
    }

    /**
     * The receiver takes nothing more from {@code peer} (it sent more than this rank may hold for it): the transport
     * drops that peer's frames it still holds for delivery and those that arrive from now on, before copying them,
     * and counts them. Frames already handed to the receiver, and the peer's loss and close, still come. Memory a
     * refused peer makes this rank hold is then bounded by one frame. Any thread; idempotent. Not a default method:
     * a transport that wraps another must pass it on, or the wrapped one keeps queueing the peer's frames.
     */
    void refuse(int peer);

    /** Stops delivering and releases threads, sockets and files. Idempotent. */
    @Override
    void close();

    /** Bytes that write themselves where the transport wants them: a version's encoding, read from its array. */
    interface Payload {
        /** How many bytes. */
        int length();

        /**
         * Writes bytes {@code from} to {@code from + target.remaining()} between {@code target}'s position and limit,
         * little-endian, leaving the position. Called by the sending thread, once per byte range.
         */
        void writeTo(long from, ByteBuffer target);
    }

    /** Where inbound frames and peer losses are reported. */
    interface Receiver {
        /** A frame from {@code fromRank}; valid only during the call. */
        void onFrame(int fromRank, ByteBuffer frame);

        /** {@code rank} is gone (process died, heartbeat timed out, connection closed). */
        void onPeerLost(int rank, String reason);

        /**
         * {@code rank} closed its transport on purpose (it said goodbye), after every frame it sent: nothing more
         * comes from it. Whether that is normal (the job ended) is the receiver's to judge. Not a default method: a
         * receiver that wraps another must pass it on, or the wrapped one waits for a peer that has gone.
         */
        void onPeerClosed(int rank);

        /**
         * A frame of {@code length} bytes from {@code fromRank} starts to arrive in pieces; {@code start} is a view of
         * its first bytes in the transport's own buffer (valid only during the call, read only). Returns a
         * {@link Landing} that takes the frame's bytes, {@code start}'s included, as they arrive and copies them
         * once, to where they finally belong; or null to get the frame whole through {@link #onFrame}. Transports
         * that receive frames in pieces straight from shared or mapped memory ask (Aeron); others never do.
         *
         * <p>The transport's receiving thread, which also keeps heartbeats and loss detection going: it must not
         * block (take no lock that another thread may hold while it waits).
         */
        default Landing onFrameStart(int fromRank, ByteBuffer start, int length) {
            return null;
        }
    }

    /** Where one frame's bytes go as they arrive ({@link Receiver#onFrameStart}). */
    interface Landing {
        /**
         * The next bytes of the frame, following those put before, between {@code bytes}' position and limit: a view
         * of the transport's buffer, valid only during the call, whose position and byte order the landing may
         * change. The transport's receiving thread: never blocks.
         */
        void put(ByteBuffer bytes);

        /**
         * Every byte of the frame was put: the frame is delivered. Called where and when {@link Receiver#onFrame}
         * would have been, in order with the frames, closes and losses of the same source; may block.
         */
        void onLanded();

        /**
         * Every byte of the frame was put and nothing of any source waits for delivery: finishes the frame right
         * here, on the receiving thread, when that cannot block (no lock another thread holds is waited for, nothing
         * is sent); returns true when it did, and {@link #onLanded} is then never called; false, having changed
         * nothing, to get {@link #onLanded} as usual. Saves the hand-off to the delivering thread and its wake-up.
         * Transports that deliver landed frames on a thread of their own may ask (Aeron); others never do. The
         * transport's receiving thread: never blocks.
         */
        default boolean tryLandNow() {
            return false;
        }
    }
}
