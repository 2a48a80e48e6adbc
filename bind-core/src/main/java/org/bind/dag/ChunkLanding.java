package org.bind.dag;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.bind.transport.Frames;
import org.bind.transport.Transport;

/**
 * One chunk of an {@link IncomingTransfer} landing while its frame arrives: the transport's receiving thread puts
 * each piece of the frame, a view of the transport's own buffer, and the piece is stored in the transfer at once
 * (one copy). When the transfer's lock is busy, this piece and every later one of the frame are kept here instead,
 * in one array of the bytes still to come, and stored by the delivering thread ({@link #onLanded}); the receiving
 * thread never waits.
 *
 * <p>{@link #put}: the receiving thread. {@link #onLanded}: the delivering thread, after the last put (the
 * transport's queue orders them). {@link #failure} and {@link #stored} are guarded by the transfer's lock.
 */
final class ChunkLanding implements Transport.Landing {
    final Frames.Header header;
    private final IncomingTransfer transfer;
    /** Frame bytes before the payload still to skip. */
    private int headerLeft = Frames.HEADER_BYTES;
    /** Payload bytes still to come. */
    private int payloadLeft;
    /** Bytes kept for the delivering thread (the lock was busy), or null. */
    private ByteBuffer rest;
    /** The bytes did not decode (reported by the delivering thread). Transfer's lock. */
    RuntimeException failure;
    /** Every byte is in the store. Transfer's lock. */
    boolean stored;

    ChunkLanding(IncomingTransfer transfer, Frames.Header header) {
        this.transfer = transfer;
        this.header = header;
        this.payloadLeft = header.payloadLength();
    }

    @Override
    public void put(ByteBuffer bytes) {
        if (headerLeft > 0) {
            int skipped = Math.min(headerLeft, bytes.remaining());
            bytes.position(bytes.position() + skipped);
            headerLeft -= skipped;
        }
        int length = Math.min(bytes.remaining(), payloadLeft); // the transport delivers the frame's length exactly
        if (length == 0) {
            return;
        }
        bytes.limit(bytes.position() + length).order(ByteOrder.LITTLE_ENDIAN);
        if (rest == null && !transfer.tryPut(this, bytes)) {
            rest = ByteBuffer.allocate(payloadLeft).order(ByteOrder.LITTLE_ENDIAN); // at most the checked length
        }
        if (rest != null) {
            rest.put(bytes);
        }
        payloadLeft -= length;
        if (payloadLeft == 0 && rest == null) {
            transfer.tryComplete(this); // else onLanded completes it
        }
    }

    @Override
    public void onLanded() {
        transfer.landed(this, rest == null ? null : rest.flip());
    }
}
