package org.bind.mpi.mpj;

import org.bind.transport.Frames;

/**
 * Limits of one {@link MpjTransport}, from system properties ({@code -Dbind.mpj.*}).
 *
 * @param maxFrameBytes        longest frame accepted from a peer (checked before allocating) or sent
 * @param sendQueueBytes       frame bytes queued for sending before {@code send} blocks
 * @param closeTimeoutMs       how long {@code close} waits for every rank's goodbye
 * @param heartbeatIntervalMs  how often a heartbeat goes to every peer
 * @param heartbeatTimeoutMs   silence after which a peer is reported lost; 0 turns the heartbeat off
 * @param sendWindow           sends to one peer started before the oldest must complete
 * @param receiveAheadBytes    frame bytes received ahead of the frame being delivered (receives posted as soon as
 *                             a message is announced); a frame larger than this is received alone
 * @param chunkBytes           the chunk size the runtime sends versions in over MPJ when the program sets none
 *                             ({@code bind.chunk.bytes}): niodev starts a thread for every message over its eager
 *                             limit, so fewer, larger messages move data for less
 */
record MpjTransportSettings(int maxFrameBytes, int sendQueueBytes, long closeTimeoutMs, long heartbeatIntervalMs,
                            long heartbeatTimeoutMs, int sendWindow, int receiveAheadBytes,
                            int chunkBytes) {
    static final String MAX_FRAME_BYTES_PROP_NAME = "bind.mpj.max.frame.bytes";
    static final int MAX_FRAME_BYTES_DEFAULT = (64 << 20) + Frames.HEADER_BYTES;
    static final String SEND_QUEUE_BYTES_PROP_NAME = "bind.mpj.send.queue.bytes";
    static final int SEND_QUEUE_BYTES_DEFAULT = 64 << 20;
    static final String CLOSE_TIMEOUT_MS_PROP_NAME = "bind.mpj.close.timeout.ms";
    static final long CLOSE_TIMEOUT_MS_DEFAULT = 30_000;
    static final String HEARTBEAT_INTERVAL_MS_PROP_NAME = "bind.mpj.heartbeat.interval.ms";
    static final long HEARTBEAT_INTERVAL_MS_DEFAULT = 1_000;
    static final String HEARTBEAT_TIMEOUT_MS_PROP_NAME = "bind.mpj.heartbeat.timeout.ms";
    static final long HEARTBEAT_TIMEOUT_MS_DEFAULT = 10_000;
    static final String SEND_WINDOW_PROP_NAME = "bind.mpj.send.window";
    static final int SEND_WINDOW_DEFAULT = 4;
    static final String RECEIVE_AHEAD_BYTES_PROP_NAME = "bind.mpj.receive.ahead.bytes";
    static final int RECEIVE_AHEAD_BYTES_DEFAULT = 16 << 20;
    static final String CHUNK_BYTES_PROP_NAME = "bind.mpj.chunk.bytes";
    static final int CHUNK_BYTES_DEFAULT = 8 << 20;

    MpjTransportSettings {
        if (maxFrameBytes < Frames.HEADER_BYTES) {
            throw new IllegalArgumentException(MAX_FRAME_BYTES_PROP_NAME + " " + maxFrameBytes
                + " is below the frame header's " + Frames.HEADER_BYTES + " bytes");
        }
        if (sendQueueBytes < 1) {
            throw new IllegalArgumentException(SEND_QUEUE_BYTES_PROP_NAME + " " + sendQueueBytes + " must be positive");
        }
        if (closeTimeoutMs < 0) {
            throw new IllegalArgumentException(CLOSE_TIMEOUT_MS_PROP_NAME + " " + closeTimeoutMs + " is negative");
        }
        if (heartbeatIntervalMs < 1) {
            throw new IllegalArgumentException(HEARTBEAT_INTERVAL_MS_PROP_NAME + " " + heartbeatIntervalMs
                + " must be positive");
        }
        if (heartbeatTimeoutMs != 0 && heartbeatTimeoutMs < 2 * heartbeatIntervalMs) {
            throw new IllegalArgumentException(HEARTBEAT_TIMEOUT_MS_PROP_NAME + " " + heartbeatTimeoutMs
                + " must be 0 (off) or at least twice " + HEARTBEAT_INTERVAL_MS_PROP_NAME + " " + heartbeatIntervalMs);
        }
        if (sendWindow < 1) {
            throw new IllegalArgumentException(SEND_WINDOW_PROP_NAME + " " + sendWindow + " must be positive");
        }
        if (receiveAheadBytes < 0) {
            throw new IllegalArgumentException(RECEIVE_AHEAD_BYTES_PROP_NAME + " " + receiveAheadBytes + " is negative");
        }
        if (chunkBytes < 64 || chunkBytes > maxFrameBytes - Frames.HEADER_BYTES) {
            throw new IllegalArgumentException(CHUNK_BYTES_PROP_NAME + " " + chunkBytes + " out of range [64, "
                + (maxFrameBytes - Frames.HEADER_BYTES) + "] (" + MAX_FRAME_BYTES_PROP_NAME + " " + maxFrameBytes
                + " less the frame header)");
        }
    }

    static MpjTransportSettings fromProperties() {
        return new MpjTransportSettings(Integer.getInteger(MAX_FRAME_BYTES_PROP_NAME, MAX_FRAME_BYTES_DEFAULT),
            Integer.getInteger(SEND_QUEUE_BYTES_PROP_NAME, SEND_QUEUE_BYTES_DEFAULT),
            Long.getLong(CLOSE_TIMEOUT_MS_PROP_NAME, CLOSE_TIMEOUT_MS_DEFAULT),
            Long.getLong(HEARTBEAT_INTERVAL_MS_PROP_NAME, HEARTBEAT_INTERVAL_MS_DEFAULT),
            Long.getLong(HEARTBEAT_TIMEOUT_MS_PROP_NAME, HEARTBEAT_TIMEOUT_MS_DEFAULT),
            Integer.getInteger(SEND_WINDOW_PROP_NAME, SEND_WINDOW_DEFAULT),
            Integer.getInteger(RECEIVE_AHEAD_BYTES_PROP_NAME, RECEIVE_AHEAD_BYTES_DEFAULT),
            Integer.getInteger(CHUNK_BYTES_PROP_NAME, CHUNK_BYTES_DEFAULT));
    }
}
