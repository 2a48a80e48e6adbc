package org.bind.mpi.aeron;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

import io.aeron.Publication;
import org.agrona.DirectBuffer;
import org.bind.transport.Transport;
import org.bind.transport.TransportException;

/**
 * What one rank knows about another: the publication towards it, where the handshake stands ({@link Handshake}),
 * liveness and the reassembly of a frame sent in pieces.
 *
 * <p>{@link #state}, {@link #lostReason}, {@link #byeAcked}, {@link #authenticationFailed} and {@link #mismatch} are
 * written by the polling thread only and read by any thread; {@link #refused} is written by any thread. Fields marked "polling thread" are touched by it alone.
 */
final class Peer {
    static final int NO_SESSION = Integer.MIN_VALUE;

    final int rank;
    /** Where the peer is reached: its UDP endpoint or its IPC stream (for messages). */
    final String where;
    /** The peer is reached over IPC (a client of the media driver this rank uses), else over UDP. */
    final boolean ipc;
    final Publication publication;
    /**
     * Keeps the pieces of one frame together when several threads send to this peer. Fair: threads sending to this
     * peer take turns frame by frame (a relay, the pump of this rank's own versions, control frames), so none waits
     * behind every frame of another.
     */
    final ReentrantLock sendLock = new ReentrantLock(true);
    /**
     * Held for each single offer, or from a claim to its commit, on {@link #publication}: an IPC publication is
     * exclusive (one session per sender, see {@link Channels}) and not safe for concurrent use. Never held while
     * waiting out back-pressure, so the polling thread's heartbeats and answers wait at most one message's copy.
     */
    final ReentrantLock offerLock = new ReentrantLock();

    private volatile Handshake state = Handshake.NEW;
    volatile String lostReason;
    volatile boolean byeAcked;
    /** A session claimed this rank while it was connecting and failed authentication (for the timeout message). */
    volatile boolean authenticationFailed;
    /** A session claimed this rank with another protocol or build (for the timeout message); null: none did. */
    volatile String mismatch;
    /** The receiver takes nothing more from this peer ({@link AeronTransport#refuse}): its frames are not copied. */
    volatile boolean refused;

    /** MACs of the frames sent to this peer, when frames carry them; under {@link #sendLock}. */
    FrameMac sendMac;

    // polling thread
    /** MACs of the frames from this peer, when frames carry them. */
    FrameMac receiveMac;
    /** A whole frame from this peer waiting for its {@link Wire#MAC}. */
    byte[] unverified;
    boolean acceptPending;
    /** A proof of ours (over some nonce) has gone out to this peer. */
    boolean answered;
    boolean byeAckPending;
    long nextHelloNs;
    int sessionId = NO_SESSION;
    long lastHeardNs;
    /**
     * The frame arriving in pieces, of {@code frameLength} bytes (its first piece says), of which {@code assembled}
     * came: copied into {@code assembly}, or handed to the receiver's {@code landing}.
     */
    byte[] assembly;
    Transport.Landing landing;
    int frameLength;
    int assembled;
    /** The Aeron message whose fragments are coming is a piece of a frame (copied straight into {@link #assembly}). */
    boolean fragmentedPiece;

    Peer(int rank, String where, boolean ipc, Publication publication) {
        this.rank = rank;
        this.where = where;
        this.ipc = ipc;
        this.publication = publication;
    }

    /** Offers the first {@code length} bytes of {@code buffer} once, under {@link #offerLock}; Aeron's result. */
    long offer(DirectBuffer buffer, int length) {
        offerLock.lock();
        try {
            return publication.offer(buffer, 0, length);
        } finally {
            offerLock.unlock();
        }
    }

    Handshake state() {
        return state;
    }

    /** Applies {@code event} ({@link Handshake#on}); returns whether the state changed. Polling thread only. */
    boolean on(Handshake.Event event) {
        Handshake next = state.on(event);
        if (next == state) {
            return false;
        }
        state = next;
        return true;
    }

    String address() {
        return where;
    }

    /** Throws when this peer is lost or closed, naming why. Any thread. */
    void checkUsable() {
        Handshake now = state;
        if (now == Handshake.LOST) {
            throw new TransportException("rank " + rank + " lost: " + lostReason);
        }
        if (now == Handshake.CLOSED) {
            throw new TransportException("rank " + rank + " lost: it closed its transport");
        }
    }

    /** Why this peer, still connecting after {@code connectTimeoutNs}, is not reachable: what was seen in its name. */
    TransportException unreachable(long connectTimeoutNs) {
        String seen = mismatch;
        return new TransportException("rank " + rank + " not reachable at " + where + ": no handshake within "
            + TimeUnit.NANOSECONDS.toMillis(connectTimeoutNs) + " ms" + (authenticationFailed ? "; a peer claiming to"
            + " be rank " + rank + " failed authentication (wrong or missing BIND_SECRET)" : "")
            + (seen != null ? "; " + seen : ""));
    }
}
