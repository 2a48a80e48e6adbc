package org.bind.mpi.aeron;

import java.nio.ByteBuffer;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;

import org.bind.transport.Transport;

/**
 * What {@link AeronTransport}'s delivery thread hands to the {@link Transport.Receiver}, in arrival order: complete
 * frames, frames that landed as they came ({@link Transport.Landing#onLanded}), a peer's close (after its frames)
 * and a peer's loss. The polling thread (and a send to the rank itself) adds; {@link #run} takes, so a receiver that
 * blocks never holds up polling and heartbeats. Thread safe.
 */
final class Deliveries {
    private static final Delivery STOP = new Delivery(-1, null, null, null);

    private final LinkedBlockingQueue<Delivery> queue = new LinkedBlockingQueue<>();

    private record Delivery(int fromRank, byte[] frame, Transport.Landing landed, String lostReason) {
    }

    void frame(int fromRank, byte[] frame) {
        queue.add(new Delivery(fromRank, frame, null, null));
    }

    /** A frame whose bytes the receiver took as they came ({@link Transport.Receiver#onFrameStart}). */
    void landed(int fromRank, Transport.Landing landing) {
        queue.add(new Delivery(fromRank, null, landing, null));
    }

    void closed(int rank) {
        queue.add(new Delivery(rank, null, null, null));
    }

    void lost(int rank, String reason) {
        queue.add(new Delivery(rank, null, null, reason));
    }

    /** Makes {@link #run} return once what came before is delivered. */
    void stop() {
        queue.add(STOP);
    }

    /**
     * Delivers to {@code receiver} until {@link #stop}; a receiver's exception is counted in {@code errors} and
     * reported on stderr for {@code rank}, and delivery goes on.
     */
    void run(Transport.Receiver receiver, int rank, AtomicLong errors) {
        while (true) {
            Delivery delivery;
            try {
                delivery = queue.take();
            } catch (InterruptedException e) {
                return;
            }
            if (delivery == STOP) {
                return;
            }
            try {
                if (delivery.frame != null) {
                    receiver.onFrame(delivery.fromRank, ByteBuffer.wrap(delivery.frame));
                } else if (delivery.landed != null) {
                    delivery.landed.onLanded();
                } else if (delivery.lostReason == null) {
                    receiver.onPeerClosed(delivery.fromRank);
                } else {
                    receiver.onPeerLost(delivery.fromRank, delivery.lostReason);
                }
            } catch (Throwable t) {
                errors.incrementAndGet();
                System.err.println("bind: rank " + rank + " failed to handle a frame from rank " + delivery.fromRank
                    + ": " + t);
            }
        }
    }
}
