package org.bind.transport.inproc;

import java.nio.ByteBuffer;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;

import org.bind.transport.Transport;
import org.bind.transport.TransportException;

/**
 * One rank's end of an in-JVM job: {@link #send} copies the frame into the destination's queue; a delivery
 * thread per rank ({@code bind-inproc-<rank>}) hands frames to the receiver in arrival order, which is send
 * order per source. Closing an end says goodbye to every open peer ({@link Receiver#onPeerClosed}).
 *
 * <p>Create all ends with {@link #create(int)}; each rank starts and closes its own.
 */
public final class InProcTransport implements Transport {
    private static final Delivery STOP = new Delivery(-1, null, null);

    private final int rank;
    private final InProcTransport[] peers;
    private final LinkedBlockingQueue<Delivery> inbox = new LinkedBlockingQueue<>();
    private final AtomicLong bytesSent = new AtomicLong();
    /** Ranks whose frames this end no longer takes ({@link #refuse}): 1 at their index. */
    private final AtomicIntegerArray refused;
    private final AtomicLong framesDropped = new AtomicLong();
    private volatile Thread deliverer;
    private volatile boolean closed;

    /**
     * A frame; or, in order after {@code fromRank}'s frames, the news that it is lost (with a reason) or that it
     * closed its end (neither bytes nor reason).
     */
    private record Delivery(int fromRank, byte[] bytes, String lostReason) {
    }

    private InProcTransport(int rank, InProcTransport[] peers) {
        this.rank = rank;
        this.peers = peers;
        this.refused = new AtomicIntegerArray(peers.length);
    }

    /** The {@code size} connected ends of one job, indexed by rank. */
    public static InProcTransport[] create(int size) {
        if (size < 1) {
            throw new IllegalArgumentException("job size " + size + " must be at least 1");
        }
        InProcTransport[] ends = new InProcTransport[size];
        for (int r = 0; r < size; r++) {
            ends[r] = new InProcTransport(r, ends);
        }
        return ends;
    }

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public int size() {
        return peers.length;
    }

    @Override
    public synchronized void start(Receiver receiver) {
        if (deliverer != null) {
            throw new IllegalStateException("transport of rank " + rank + " already started");
        }
        Thread thread = new Thread(() -> deliver(receiver), "bind-inproc-" + rank);
        thread.setDaemon(true);
        deliverer = thread;
        thread.start();
    }

    private void deliver(Receiver receiver) {
        while (true) {
            Delivery delivery;
            try {
                delivery = inbox.take();
            } catch (InterruptedException e) {
                return;
            }
            if (delivery == STOP) {
                return;
            }
            try {
                if (delivery.lostReason != null) {
                    receiver.onPeerLost(delivery.fromRank, delivery.lostReason);
                    continue;
                }
                if (delivery.bytes == null) {
                    receiver.onPeerClosed(delivery.fromRank);
                    continue;
                }
                receiver.onFrame(delivery.fromRank, ByteBuffer.wrap(delivery.bytes));
            } catch (Throwable t) {
                System.err.println("bind: rank " + rank + " failed to handle a frame from rank " + delivery.fromRank
                    + ": " + t);
            }
        }
    }

    @Override
    public void send(int toRank, ByteBuffer frame) {
        if (toRank < 0 || toRank >= peers.length) {
            throw new IllegalArgumentException("rank " + toRank + " out of range [0, " + peers.length + ")");
        }
        if (closed) {
            throw new TransportException("transport of rank " + rank + " is closed");
        }
        InProcTransport peer = peers[toRank];
        if (peer.closed) {
            throw new TransportException("rank " + toRank + " lost: its transport is closed");
        }
        if (peer.refused.get(rank) != 0) {
            peer.framesDropped.incrementAndGet(); // the peer takes nothing more from this rank: not even copied
            return;
        }
        byte[] bytes = new byte[frame.remaining()];
        frame.duplicate().get(bytes);
        synchronized (peer.refused) { // with its refuse: nothing is queued after the purge
            if (peer.refused.get(rank) != 0) {
                peer.framesDropped.incrementAndGet();
                return;
            }
            peer.inbox.add(new Delivery(rank, bytes, null));
        }
        bytesSent.addAndGet(bytes.length);
    }

    /** Drops {@code peer}'s frames still in this end's queue, and those it sends from now on. Any thread. */
    @Override
    public void refuse(int peer) {
        if (peer < 0 || peer >= peers.length || peer == rank) {
            throw new IllegalArgumentException("rank " + peer + " cannot be refused by rank " + rank + " of [0, "
                + peers.length + ")");
        }
        synchronized (refused) { // with the senders' adds: nothing of the peer is queued after the purge
            refused.set(peer, 1);
            inbox.removeIf(d -> {
                boolean drop = d.fromRank == peer && d.bytes != null;
                if (drop) {
                    framesDropped.incrementAndGet();
                }
                return drop;
            });
        }
    }

    /** Frames from refused peers this end dropped before delivery. */
    public long framesDropped() {
        return framesDropped.get();
    }

    /** Frame bytes this end has sent. */
    public long bytesSent() {
        return bytesSent.get();
    }

    /**
     * This rank died (its program threw or was stopped): closes this end and tells every started peer that
     * {@code rank} is lost, so that none of them waits for it.
     */
    public void abort(String reason) {
        announceLoss(reason);
        close();
    }

    /**
     * Tells every peer, after every frame this rank sent, that this rank is lost, without closing this end
     * (a launcher giving up on a whole job announces every rank's loss before any end stops delivering).
     */
    public void announceLoss(String reason) {
        for (InProcTransport peer : peers) {
            if (peer != this && !peer.closed) {
                peer.inbox.add(new Delivery(rank, null, reason));
            }
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (InProcTransport peer : peers) {
            if (peer != this && !peer.closed) {
                peer.inbox.add(new Delivery(rank, null, null)); // goodbye, after every frame this end sent
            }
        }
        Thread thread = deliverer;
        if (thread != null) {
            inbox.add(STOP);
            if (thread != Thread.currentThread()) {
                try {
                    thread.join(5_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }
}
