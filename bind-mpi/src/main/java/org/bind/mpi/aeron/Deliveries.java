package org.bind.mpi.aeron;

import java.nio.ByteBuffer;
import java.util.BitSet;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.bind.transport.Transport;

/**
 * What {@link AeronTransport}'s delivery thread hands to the {@link Transport.Receiver}, in arrival order: complete
 * frames, frames that landed as they came ({@link Transport.Landing#onLanded}), a peer's close (after its frames)
 * and a peer's loss. The polling thread (and a send to the rank itself) adds; {@link #run} takes, so a receiver that
 * blocks never holds up polling and heartbeats. Thread safe.
 *
 * <p>A frame that landed when nothing waits for delivery (the queue is empty and the delivery thread idle) is first
 * offered to its landing to finish on the polling thread ({@link Transport.Landing#tryLandNow}: a chunk with no
 * child to relay to, whose locks are free): no hand-off, no wake-up of the delivery thread. Order holds: the polling
 * thread alone adds peers' frames, so none of the same source can be queued meanwhile.
 */
final class Deliveries {
    private static final Delivery STOP = new Delivery(-1, null, null, null);

    private final LinkedBlockingQueue<Delivery> queue = new LinkedBlockingQueue<>();
    /** Ranks whose frames are no longer taken ({@link #refuse}); guarded by itself, with the adds of frames. */
    private final BitSet refused = new BitSet();
    /** Deliveries queued or being delivered: while any, a landed frame queues behind them. */
    private final AtomicInteger pending = new AtomicInteger();
    /** Landed frames finished on the polling thread ({@link Transport.Landing#tryLandNow}). */
    private final AtomicLong landedNow = new AtomicLong();

    private record Delivery(int fromRank, byte[] frame, Transport.Landing landed, String lostReason) {
    }

    /** Queues a frame; false (and nothing queued) when {@code fromRank} is refused. */
    boolean frame(int fromRank, byte[] frame) {
        return add(fromRank, new Delivery(fromRank, frame, null, null));
    }

    /**
     * A frame whose bytes the receiver took as they came ({@link Transport.Receiver#onFrameStart}); false (and
     * nothing queued) when {@code fromRank} is refused.
     */
    boolean landed(int fromRank, Transport.Landing landing) {
        synchronized (refused) {
            if (refused.get(fromRank)) {
                return false;
            }
            if (pending.get() != 0) {
                enqueue(new Delivery(fromRank, null, landing, null));
                return true;
            }
        }
        // nothing waits for delivery: the landing may finish here (outside the monitor: it completes versions)
        if (landing.tryLandNow()) {
            landedNow.incrementAndGet();
            return true;
        }
        return add(fromRank, new Delivery(fromRank, null, landing, null));
    }

    private boolean add(int fromRank, Delivery delivery) {
        synchronized (refused) {
            if (refused.get(fromRank)) {
                return false;
            }
            enqueue(delivery);
            return true;
        }
    }

    private void enqueue(Delivery delivery) {
        pending.incrementAndGet(); // before it can be taken
        queue.add(delivery);
    }

    void closed(int rank) {
        enqueue(new Delivery(rank, null, null, null));
    }

    void lost(int rank, String reason) {
        enqueue(new Delivery(rank, null, null, reason));
    }

    /** Whether nothing is queued or being delivered (a landed frame is then offered to finish at once). Any thread. */
    boolean idle() {
        return pending.get() == 0;
    }

    /** Landed frames finished on the polling thread, without the delivery thread. Any thread. */
    long landedNow() {
        return landedNow.get();
    }

    /**
     * Takes no more frames from {@code rank} and removes those still waiting for delivery (its loss and close stay);
     * returns how many were removed. Once it returns, no frame of {@code rank} is delivered but the one the receiver
     * may be handling. Any thread.
     */
    int refuse(int rank) {
        synchronized (refused) {
            refused.set(rank);
            int[] removed = {0};
            queue.removeIf(d -> {
                boolean drop = d.fromRank == rank && (d.frame != null || d.landed != null);
                removed[0] += drop ? 1 : 0;
                return drop;
            });
            pending.addAndGet(-removed[0]);
            return removed[0];
        }
    }

    /** Makes {@link #run} return once what came before is delivered. */
    void stop() {
        enqueue(STOP);
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
            } finally {
                pending.decrementAndGet(); // after it was handled: a frame landed meanwhile queued behind it
            }
        }
    }
}
