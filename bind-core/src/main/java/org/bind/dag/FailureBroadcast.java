package org.bind.dag;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.bind.transport.Frames;
import org.bind.transport.Messages;
import org.bind.transport.Transport;

/**
 * Tells every peer about a failure of an op here ({@code FAILURE} frames). The peers' {@code sync()} waits for every
 * failure this rank's {@code SYNC} counts, so a report that cannot be sent must not be forgotten: a send that fails
 * is tried again, backing off from 1 to 100 ms, for as long as the transport waits before it reports a silent peer
 * lost ({@link Transport#peerTimeoutMs}); then the peer is treated as lost (the job fails naming it) instead of
 * leaving it to wait for a report that never comes. Retrying stops early once the peer is known to be gone.
 *
 * <p>Any thread; the calling thread retries (a failure is rare, and a lost peer ends the retries at once).
 */
final class FailureBroadcast {
    private static final long FIRST_BACKOFF_NS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long MAX_BACKOFF_NS = TimeUnit.MILLISECONDS.toNanos(100);

    /** What happens to a peer that could not be told. */
    interface Peers {
        /** Whether {@code peer} is already known to be gone (lost, gave up, closed). */
        boolean gone(int peer);

        /** Treats {@code peer} as lost for {@code reason}. */
        void lose(int peer, String reason);
    }

    private final Transport transport;
    private final int rank;
    private final int size;
    private final long jobId;
    private final Peers peers;

    FailureBroadcast(Transport transport, long jobId, Peers peers) {
        this.transport = transport;
        this.rank = transport.rank();
        this.size = transport.size();
        this.jobId = jobId;
        this.peers = peers;
    }

    /** Sends {@code failure} to every other rank; a peer that cannot be told is treated as lost. */
    void broadcast(long epoch, Messages.Failure failure) {
        ByteBuffer payload = Messages.encode(failure);
        for (int r = 0; r < size; r++) {
            if (r != rank) {
                sendTo(r, epoch, payload, failure);
            }
        }
    }

    /** Whether {@code peer} was told. */
    private boolean sendTo(int peer, long epoch, ByteBuffer payload, Messages.Failure failure) {
        long timeoutMs = transport.peerTimeoutMs();
        long deadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        long backoffNs = FIRST_BACKOFF_NS;
        int attempts = 0;
        while (true) {
            attempts++;
            try {
                transport.send(peer, frame(epoch, payload));
                return true;
            } catch (RuntimeException e) {
                if (peers.gone(peer)) {
                    return false; // its loss is the error the job reports already
                }
                if (System.nanoTime() - deadlineNs >= 0) {
                    peers.lose(peer, "the report of the failure of " + failure.opName() + " on rank " + rank
                        + " could not be sent to it in " + attempts + " attempts over " + timeoutMs + " ms (its"
                        + " transport's peer timeout): " + e.getMessage());
                    return false;
                }
            }
            LockSupport.parkNanos(backoffNs);
            backoffNs = Math.min(MAX_BACKOFF_NS, backoffNs * 2);
        }
    }

    private ByteBuffer frame(long epoch, ByteBuffer payload) {
        int length = payload.remaining();
        ByteBuffer frame = Frames.allocate(Frames.FAILURE, jobId, epoch, rank, -1, 0, 0, 1, length, length);
        frame.put(frame.position(), payload, payload.position(), length);
        frame.position(0);
        return frame;
    }
}
