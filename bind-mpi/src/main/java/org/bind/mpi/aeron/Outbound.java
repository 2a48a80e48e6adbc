package org.bind.mpi.aeron;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

import io.aeron.Publication;
import io.aeron.logbuffer.BufferClaim;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;
import org.bind.transport.Transport;
import org.bind.transport.TransportException;

/**
 * The sending half of {@link AeronTransport}: a runtime frame goes as {@code DATA_FIRST} (type, total length, the
 * frame's header, first bytes) then {@code DATA_MORE} pieces, under the peer's send lock, so that the receiver sizes
 * the frame's array from the first fragment and copies every fragment straight into it ({@link Inbound}).
 *
 * <ul>
 * <li>{@link #sendGathered}: a payload already in a buffer; each piece (up to the publication's largest message) is
 * offered gathered from the prefix and the payload: one copy, into Aeron's log buffer.</li>
 * <li>{@link #sendClaimed}: a payload that writes itself ({@link Transport.Payload}, a version's array); each piece
 * (up to one MTU's payload) is claimed in the log buffer ({@code tryClaim}) and the payload writes into it: one copy,
 * from the array into the log buffer, no staging buffer.</li>
 * </ul>
 *
 * <p>Every Aeron return code is handled ({@link #publishFully}). Any thread; one frame at a time per peer (its send
 * lock), and one Aeron message at a time on its publication (its offer lock, which the polling thread's control
 * messages take too).
 */
final class Outbound {
    /** Bytes before the frame's header in a DATA_FIRST piece: type and total length. */
    static final int FIRST_PREFIX_BYTES = 5;

    private final AeronTransport transport;
    private final AeronSettings settings;

    Outbound(AeronTransport transport, AeronSettings settings) {
        this.transport = transport;
        this.settings = settings;
    }

    /** Sends {@code header} and {@code payload} (remaining bytes of each) as one frame. */
    void sendGathered(Peer peer, ByteBuffer header, ByteBuffer payload) {
        int headerLength = header.remaining();
        int bodyLength = payload.remaining();
        UnsafeBuffer body = wrap(payload);
        UnsafeBuffer head = new UnsafeBuffer(new byte[FIRST_PREFIX_BYTES + headerLength]);
        head.putByte(0, Wire.DATA_FIRST);
        head.putInt(1, headerLength + bodyLength, Wire.ORDER);
        head.putBytes(FIRST_PREFIX_BYTES, header, header.position(), headerLength);
        int maxMessage = peer.publication.maxMessageLength();
        peer.sendLock.lock();
        try {
            if (peer.sendMac != null) {
                peer.sendMac.begin();
                peer.sendMac.update(header);
                peer.sendMac.update(payload);
            }
            int piece = Math.min(maxMessage - FIRST_PREFIX_BYTES - headerLength, bodyLength);
            offerFully(peer, head, FIRST_PREFIX_BYTES + headerLength, body, 0, piece);
            head.putByte(0, Wire.DATA_MORE);
            for (int from = piece; from < bodyLength; from += piece) {
                piece = Math.min(maxMessage - 1, bodyLength - from);
                offerFully(peer, head, 1, body, from, piece);
            }
            sendTag(peer);
        } finally {
            peer.sendLock.unlock();
        }
    }

    /** Sends {@code header} and the bytes {@code payload} writes as one frame, written into claimed log space. */
    void sendClaimed(Peer peer, ByteBuffer header, Transport.Payload payload) {
        int headerLength = header.remaining();
        int bodyLength = payload.length();
        int maxClaim = peer.publication.maxPayloadLength();
        BufferClaim claim = new BufferClaim();
        peer.sendLock.lock();
        try {
            if (peer.sendMac != null) {
                peer.sendMac.begin();
                peer.sendMac.update(header);
            }
            long from = 0;
            boolean first = true;
            while (first || from < bodyLength) {
                int prefix = first ? FIRST_PREFIX_BYTES + headerLength : 1;
                int piece = (int) Math.min(maxClaim - prefix, bodyLength - from);
                int messageLength = prefix + piece;
                publishFully(peer, () -> peer.publication.tryClaim(messageLength, claim));   // offerLock held
                MutableDirectBuffer log = claim.buffer();
                int at = claim.offset();
                try {
                    if (first) {
                        log.putByte(at, Wire.DATA_FIRST);
                        log.putInt(at + 1, headerLength + bodyLength, Wire.ORDER);
                        log.putBytes(at + FIRST_PREFIX_BYTES, header, header.position(), headerLength);
                    } else {
                        log.putByte(at, Wire.DATA_MORE);
                    }
                    ByteBuffer written = writePiece(payload, from, log, at + prefix, piece);
                    if (peer.sendMac != null) {
                        peer.sendMac.update(written);
                    }
                    claim.commit();
                } catch (RuntimeException e) {
                    claim.abort();
                    throw e;
                } finally {
                    peer.offerLock.unlock();
                }
                from += piece;
                first = false;
            }
            sendTag(peer);
        } finally {
            peer.sendLock.unlock();
        }
    }

    /**
     * Offers BYE to every active peer until {@code deadlineNs}; which peers it went to (their BYE_ACK follows
     * everything we sent before). Closing thread.
     */
    static boolean[] sayGoodbye(Peer[] peers, long deadlineNs) {
        UnsafeBuffer bye = new UnsafeBuffer(new byte[] {Wire.BYE});
        boolean[] sent = new boolean[peers.length];
        for (Peer peer : peers) {
            while (peer != null && peer.state() == Handshake.ACTIVE && System.nanoTime() < deadlineNs) {
                long result = peer.offer(bye, 1);
                if (result > 0) {
                    sent[peer.rank] = true;
                    break;
                }
                if (result == Publication.CLOSED || result == Publication.MAX_POSITION_EXCEEDED) {
                    break;
                }
                LockSupport.parkNanos(100_000);
            }
        }
        return sent;
    }

    /**
     * Lets {@code payload} write bytes {@code from..from+length} at {@code index} of the log buffer; returns the
     * bytes written (position to limit).
     */
    private static ByteBuffer writePiece(Transport.Payload payload, long from, MutableDirectBuffer log, int index,
                                         int length) {
        ByteBuffer mapped = log.byteBuffer();
        if (mapped != null) {
            int base = (int) log.wrapAdjustment() + index;
            ByteBuffer target = mapped.duplicate().limit(base + length).position(base).slice()
                .order(ByteOrder.LITTLE_ENDIAN);
            payload.writeTo(from, target);
            return target.clear();
        }
        ByteBuffer staged = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        payload.writeTo(from, staged);
        log.putBytes(index, staged, 0, length);
        return staged.clear();
    }

    /** Sends the MAC of the frame just sent, when frames carry MACs. Under the peer's send lock. */
    private void sendTag(Peer peer) {
        if (peer.sendMac == null) {
            return;
        }
        UnsafeBuffer tag = new UnsafeBuffer(new byte[1 + FrameMac.TAG_BYTES]);
        tag.putByte(0, Wire.MAC);
        tag.putBytes(1, peer.sendMac.seal());
        publishFully(peer, () -> peer.publication.offer(tag, 0, tag.capacity()));
        peer.offerLock.unlock();
    }

    /** The bytes between {@code buffer}'s position and limit, without copying where Aeron can address them. */
    private static UnsafeBuffer wrap(ByteBuffer buffer) {
        int length = buffer.remaining();
        if (buffer.isReadOnly() && !buffer.isDirect()) {
            byte[] copy = new byte[length];   // a read-only heap buffer does not expose its array
            buffer.duplicate().get(copy);
            return new UnsafeBuffer(copy);
        }
        return length == 0 ? new UnsafeBuffer(new byte[0]) : new UnsafeBuffer(buffer, buffer.position(), length);
    }

    private void offerFully(Peer peer, DirectBuffer head, int headLength, DirectBuffer body, int offset, int length) {
        publishFully(peer, () -> peer.publication.offer(head, 0, headLength, body, offset, length));
        peer.offerLock.unlock();
    }

    /**
     * Repeats {@code attempt} (an offer or claim) until it succeeds: {@code BACK_PRESSURED} and {@code ADMIN_ACTION}
     * are retried with a back-off, {@code NOT_CONNECTED} until the connect timeout; {@code CLOSED} and
     * {@code MAX_POSITION_EXCEEDED} fail at once. Every retry first checks whether the peer was lost or closed. Each
     * attempt runs under the peer's {@link Peer#offerLock}, which is released between attempts and still held when
     * this returns: the caller releases it once done with a claim.
     */
    private void publishFully(Peer peer, LongSupplier attempt) {
        IdleStrategy idle = null;
        long notConnectedSinceNs = 0;
        while (true) {
            peer.offerLock.lock();
            long result;
            try {
                result = attempt.getAsLong();
            } catch (RuntimeException e) {
                peer.offerLock.unlock();
                throw e;
            }
            if (result > 0) {
                return;
            }
            peer.offerLock.unlock();
            transport.checkOpen();
            peer.checkUsable();
            if (result == Publication.NOT_CONNECTED) {
                long nowNs = System.nanoTime();
                if (notConnectedSinceNs == 0) {
                    notConnectedSinceNs = nowNs;
                } else if (nowNs - notConnectedSinceNs > settings.connectTimeoutNs()) {
                    throw new TransportException("rank " + peer.rank + " not reachable at " + peer.address());
                }
            } else if (result == Publication.CLOSED) {
                throw new TransportException("publication to rank " + peer.rank + " at " + peer.address() + " is closed");
            } else if (result == Publication.MAX_POSITION_EXCEEDED) {
                throw new TransportException("publication to rank " + peer.rank + " at " + peer.address()
                    + " reached its maximum position; use a larger " + AeronSettings.TERM_ENV);
            } else {
                notConnectedSinceNs = 0;   // BACK_PRESSURED or ADMIN_ACTION: the peer is there, just busy
            }
            if (idle == null) {
                idle = new BackoffIdleStrategy(10, 10, 1_000, TimeUnit.MILLISECONDS.toNanos(1));
            }
            idle.idle();
        }
    }
}
