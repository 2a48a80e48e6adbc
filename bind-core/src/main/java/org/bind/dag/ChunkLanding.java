package org.bind.dag;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.bind.transport.Frames;
import org.bind.transport.Transport;

/**
 * One chunk of an {@link IncomingTransfer} landing while its frame arrives: the transport's receiving thread puts
 * each piece of the frame, a view of the transport's own buffer, and the piece is stored in the transfer at once
 * (one copy). When the transfer's lock is busy, the piece is kept here instead, in one array of the bytes still to
 * come, and stored with the next piece that finds the lock free (the kept bytes first); whatever is still kept when
 * the frame ends is stored by the delivering thread ({@link #onLanded}). So only the pieces that came while the lock
 * was busy take a copy more, not the rest of the frame, and the receiving thread never waits.
 *
 * <p>{@link #put}, {@link #tryLandNow}: the receiving thread. {@link #onLanded}: the delivering thread, after the last
 * put (the transport's queue orders them), unless {@link #tryLandNow} finished the chunk. {@link #failure} and
 * {@link #stored} are guarded by the transfer's lock.
 */
final class ChunkLanding implements Transport.Landing {
    final Frames.Header header;
    private final IncomingTransfer transfer;
    /** Frame bytes before the payload still to skip. */
    private int headerLeft = Frames.HEADER_BYTES;
    /** Payload bytes still to come. */
    private int payloadLeft;
    /**
     * Bytes kept while the lock was busy, not stored yet: from 0 to its position; null until the lock was first found
     * busy (then sized for every byte still to come, so it never grows).
     */
    private ByteBuffer kept;
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
        boolean waiting = kept != null && kept.position() > 0;
        if (transfer.tryPut(this, waiting ? kept.duplicate().flip().order(ByteOrder.LITTLE_ENDIAN) : null, bytes)) {
            if (waiting) {
                kept.clear(); // stored ahead of this piece
            }
        } else {
            if (kept == null) {
                kept = ByteBuffer.allocate(payloadLeft).order(ByteOrder.LITTLE_ENDIAN); // at most the checked length
            }
            kept.put(bytes);
        }
        payloadLeft -= length;
        if (payloadLeft == 0 && (kept == null || kept.position() == 0)) {
            transfer.tryComplete(this); // else onLanded completes it
        }
    }

    /** Bytes of this chunk kept aside and not stored yet (for tests). */
    int keptBytes() {
        return kept == null ? 0 : kept.position();
    }

    /**
     * Finishes this chunk on the receiving thread ({@link IncomingTransfer#tryLanded}) when nothing of it was kept
     * aside; false, changing nothing, otherwise.
     */
    @Override
    public boolean tryLandNow() {
        return (kept == null || kept.position() == 0) && transfer.tryLanded(this);
    }

    @Override
    public void onLanded() {
        transfer.landed(this, kept == null || kept.position() == 0 ? null : kept.flip());
    }
}
