package org.bind.mpi.aeron;

import java.net.InetSocketAddress;
import java.util.concurrent.locks.ReentrantLock;

import io.aeron.Publication;

/**
 * What one rank knows about another: the publication towards it, the handshake's progress, liveness and the
 * reassembly of a frame sent in pieces.
 *
 * <p>{@link #state} and {@link #lostReason} are written by the polling thread only and read by any thread;
 * {@link #byeAcked} and {@link #authenticationFailed} likewise. Fields marked "polling thread" are touched by it alone.
 */
final class Peer {
    static final int CONNECTING = 0;
    static final int ACTIVE = 1;
    static final int CLOSED = 2;
    static final int LOST = 3;
    static final int NO_SESSION = Integer.MIN_VALUE;

    final int rank;
    final InetSocketAddress endpoint;
    final Publication publication;
    /** Keeps the pieces of one frame together when several threads send to this peer. */
    final ReentrantLock sendLock = new ReentrantLock();

    volatile int state = CONNECTING;
    volatile String lostReason;
    volatile boolean byeAcked;
    /** A session claimed this rank while it was connecting and failed authentication (for the timeout message). */
    volatile boolean authenticationFailed;

    // polling thread
    boolean helloSent;
    byte[] peerNonce;
    boolean authPending;
    boolean inboundAuthenticated;
    boolean acceptPending;
    boolean acceptedByPeer;
    boolean byeAckPending;
    String rejectPending;
    int sessionId = NO_SESSION;
    long lastHeardNs;
    byte[] assembly;
    int assembled;

    Peer(int rank, InetSocketAddress endpoint, Publication publication) {
        this.rank = rank;
        this.endpoint = endpoint;
        this.publication = publication;
    }

    String address() {
        return endpoint.getHostString() + ":" + endpoint.getPort();
    }
}
