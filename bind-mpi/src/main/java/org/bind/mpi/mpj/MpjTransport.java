package org.bind.mpi.mpj;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import mpi.Intracomm;
import mpi.MPI;
import mpi.Status;
import org.bind.transport.Frames;
import org.bind.transport.Transport;
import org.bind.transport.TransportException;

/**
 * One rank's frames over MPJ Express point-to-point messages, as {@link MPI#BYTE} arrays only (never MPJ's
 * {@code OBJECT} type, which is Java serialization).
 *
 * <h2>Threads</h2>
 * Every MPJ call is made by one of two threads this transport owns, both created in the thread group of the rank
 * thread that joined (the multicore device finds the calling rank from the thread group, so MPJ calls from Bind's
 * workers would not work there):
 * <ul>
 *   <li>{@code bind-mpj-send-<rank>} takes copies of the frames given to {@link #send} from a queue bounded in
 *       bytes ({@link Settings#sendQueueBytes}; {@link #send} blocks when it is full) and sends each with a blocking
 *       {@code Send} on tag {@value #FRAME_TAG}. One sender keeps each pair's frames in send order.</li>
 *   <li>{@code bind-mpj-<rank>} probes for a message from any source, checks its length against
 *       {@link Settings#maxFrameBytes} before allocating, receives it and delivers it. MPJ keeps the order of
 *       messages per (source, tag), so frames arrive in send order per source.</li>
 * </ul>
 * Neither thread polls: both block in MPJ or on the queue.
 *
 * <h2>Closing</h2>
 * {@link #close} queues a goodbye (an empty message on tag {@value #GOODBYE_TAG}) to every other rank, so that
 * peers know the rank left on purpose. The receiving thread ends when it has had a goodbye from every other rank
 * (so no message is left unmatched), then {@code MPI.Finalize()} runs once. No MPJ message goes to the rank itself
 * (niodev's blocking send to self never returns): frames a rank sends itself are delivered by the sending thread. If some rank has not said goodbye
 * within {@link Settings#closeTimeoutMs}, the transport names it and skips {@code Finalize}, which would wait for
 * that rank.
 *
 * <h2>Lost ranks</h2>
 * MPJ Express cannot detect a rank that died or froze: its devices report no failure, and a blocking receive waits
 * forever. A rank whose process died is noticed only when MPJ throws on a send or receive (then every rank that has
 * not said goodbye is reported lost) or when the launcher ends the job. Bind's own heartbeat, where it runs above
 * the transport, is what bounds the wait.
 */
final class MpjTransport implements Transport {
    /** Tag of Bind frames. */
    static final int FRAME_TAG = 1;
    /** Tag of the empty message a closing rank sends to every rank. */
    static final int GOODBYE_TAG = 2;

    private static final Outbound STOP = new Outbound(-1, -1, new byte[0], 0);

    private final Intracomm world;
    private final int rank;
    private final int size;
    private final Settings settings;
    private final ThreadGroup rankGroup;
    private final LinkedBlockingQueue<Outbound> outbox = new LinkedBlockingQueue<>();
    private final Semaphore queueBytes;
    /** Which ranks said goodbye; also the lock for {@link #failure}'s first write. */
    private final boolean[] saidGoodbye;
    private final AtomicLong bytesSent = new AtomicLong();
    private final AtomicLong bytesReceived = new AtomicLong();
    private final AtomicLong handlerErrors = new AtomicLong();
    private Thread sender;
    private Thread receiving;
    private volatile Receiver receiver;
    private volatile boolean closing;
    private volatile String failure;
    private boolean closed;

    private record Outbound(int toRank, int tag, byte[] bytes, int permits) {
    }

    /**
     * Limits of one transport.
     *
     * @param maxFrameBytes   longest frame accepted from a peer (checked before allocating) or sent
     * @param sendQueueBytes  frame bytes queued for sending before {@link #send} blocks
     * @param closeTimeoutMs  how long {@link #close} waits for every rank's goodbye
     */
    record Settings(int maxFrameBytes, int sendQueueBytes, long closeTimeoutMs) {
        static final String MAX_FRAME_BYTES_PROP_NAME = "bind.mpj.max.frame.bytes";
        static final int MAX_FRAME_BYTES_DEFAULT = (64 << 20) + Frames.HEADER_BYTES;
        static final String SEND_QUEUE_BYTES_PROP_NAME = "bind.mpj.send.queue.bytes";
        static final int SEND_QUEUE_BYTES_DEFAULT = 64 << 20;
        static final String CLOSE_TIMEOUT_MS_PROP_NAME = "bind.mpj.close.timeout.ms";
        static final long CLOSE_TIMEOUT_MS_DEFAULT = 30_000;

        Settings {
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
        }

        static Settings fromProperties() {
            return new Settings(Integer.getInteger(MAX_FRAME_BYTES_PROP_NAME, MAX_FRAME_BYTES_DEFAULT),
                Integer.getInteger(SEND_QUEUE_BYTES_PROP_NAME, SEND_QUEUE_BYTES_DEFAULT),
                Long.getLong(CLOSE_TIMEOUT_MS_PROP_NAME, CLOSE_TIMEOUT_MS_DEFAULT));
        }
    }

    /** Call on the rank thread that called {@code MPI.Init}. */
    MpjTransport(Intracomm world, int rank, int size, Settings settings) {
        this.world = world;
        this.rank = rank;
        this.size = size;
        this.settings = settings;
        this.rankGroup = Thread.currentThread().getThreadGroup();
        this.queueBytes = new Semaphore(settings.sendQueueBytes());
        this.saidGoodbye = new boolean[size];
    }

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public int size() {
        return size;
    }

    /** Starts the sending and receiving threads. The rank thread only, once. */
    @Override
    public synchronized void start(Receiver receiver) {
        if (receiving != null) {
            throw new IllegalStateException("MPJ transport of rank " + rank + " already started");
        }
        if (closed) {
            throw new IllegalStateException("MPJ transport of rank " + rank + " is closed");
        }
        this.receiver = receiver;
        sender = new Thread(rankGroup, this::sendLoop, "bind-mpj-send-" + rank);
        sender.setDaemon(true);
        sender.start();
        if (size > 1) {
            receiving = new Thread(rankGroup, this::receiveLoop, "bind-mpj-" + rank);
            receiving.setDaemon(true);
            receiving.start();
        }
    }

    /** Any thread. Copies the frame, queues it for the sending thread; blocks while the queue is full. */
    @Override
    public void send(int toRank, ByteBuffer frame) {
        if (toRank < 0 || toRank >= size) {
            throw new IllegalArgumentException("rank " + toRank + " out of range [0, " + size + ")");
        }
        int length = frame.remaining();
        if (length > settings.maxFrameBytes()) {
            throw new TransportException("frame of " + length + " bytes to rank " + toRank + " exceeds the cap of "
                + settings.maxFrameBytes() + " bytes (" + Settings.MAX_FRAME_BYTES_PROP_NAME + ")");
        }
        checkOpen(toRank);
        int permits = Math.min(Math.max(length, 1), settings.sendQueueBytes());
        try {
            queueBytes.acquire(permits);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TransportException("interrupted while sending to rank " + toRank, e);
        }
        byte[] bytes = new byte[length];
        frame.duplicate().get(bytes);
        outbox.add(new Outbound(toRank, FRAME_TAG, bytes, permits));
    }

    private void checkOpen(int toRank) {
        String failed = failure;
        if (failed != null) {
            throw new TransportException("MPJ transport of rank " + rank + " failed: " + failed);
        }
        if (closing) {
            throw new TransportException("MPJ transport of rank " + rank + " is closed");
        }
        if (goodbyeFrom(toRank)) {
            throw new TransportException("rank " + toRank + " has closed its MPJ transport");
        }
    }

    private boolean goodbyeFrom(int peer) {
        synchronized (saidGoodbye) {
            return saidGoodbye[peer];
        }
    }

    private void sendLoop() {
        while (true) {
            Outbound next;
            try {
                next = outbox.take();
            } catch (InterruptedException e) {
                return;
            }
            if (next == STOP) {
                return;
            }
            try {
                if (next.toRank == rank) {
                    deliver(rank, next.bytes, next.bytes.length);
                } else if (failure == null) {
                    world.Send(next.bytes, 0, next.bytes.length, MPI.BYTE, next.toRank, next.tag);
                    bytesSent.addAndGet(next.bytes.length);
                }
            } catch (Throwable t) {
                fail("MPJ send of " + next.bytes.length + " bytes to rank " + next.toRank + " failed: " + t);
            } finally {
                queueBytes.release(next.permits);
            }
        }
    }

    private void receiveLoop() {
        byte[] buffer = new byte[64 << 10];
        int goodbyesMissing = size - 1;
        while (goodbyesMissing > 0) {
            int source = -1;
            int tag;
            int count;
            try {
                Status status = world.Probe(MPI.ANY_SOURCE, MPI.ANY_TAG);
                source = status.source;
                tag = status.tag;
                count = status.Get_count(MPI.BYTE);
                if (source < 0 || source >= size || source == rank || (tag != FRAME_TAG && tag != GOODBYE_TAG)) {
                    fail("unexpected MPJ message from rank " + source + " with tag " + tag);
                    return;
                }
                if (count < 0 || count > settings.maxFrameBytes()) {
                    fail("rank " + source + " sent a frame of " + count + " bytes, over the cap of "
                        + settings.maxFrameBytes() + " bytes (" + Settings.MAX_FRAME_BYTES_PROP_NAME + ")");
                    return;
                }
                if (buffer.length < count) {
                    buffer = new byte[(int) Math.min(Math.max(count, 2L * buffer.length), settings.maxFrameBytes())];
                }
                world.Recv(buffer, 0, count, MPI.BYTE, source, tag);
            } catch (Throwable t) {
                fail("MPJ receive" + (source < 0 ? "" : " from rank " + source) + " failed: " + t);
                return;
            }
            if (tag == GOODBYE_TAG) {
                synchronized (saidGoodbye) {
                    if (!saidGoodbye[source]) {
                        saidGoodbye[source] = true;
                        goodbyesMissing--;
                    }
                }
                continue;
            }
            bytesReceived.addAndGet(count);
            deliver(source, buffer, count);
        }
    }

    /** Hands a frame to the receiver unless closing; a failing handler is counted and reported, never fatal. */
    private void deliver(int source, byte[] bytes, int count) {
        if (closing) {
            return;
        }
        try {
            receiver.onFrame(source, ByteBuffer.wrap(bytes, 0, count).slice());
        } catch (Throwable t) {
            handlerErrors.incrementAndGet();
            System.err.println("bind: rank " + rank + " failed to handle a frame from rank " + source + ": " + t);
        }
    }

    /** Records the first failure and reports every rank that has not said goodbye as lost. */
    private void fail(String reason) {
        synchronized (saidGoodbye) {
            if (failure != null) {
                return;
            }
            failure = reason;
        }
        Receiver current = receiver;
        if (current == null || closing) {
            return;
        }
        for (int peer = 0; peer < size; peer++) {
            if (peer != rank && !goodbyeFrom(peer)) {
                try {
                    current.onPeerLost(peer, reason);
                } catch (Throwable t) {
                    System.err.println("bind: rank " + rank + " failed to report rank " + peer + " lost: " + t);
                }
            }
        }
    }

    /** Frame bytes sent so far. */
    long bytesSent() {
        return bytesSent.get();
    }

    /** Frame bytes received so far. */
    long bytesReceived() {
        return bytesReceived.get();
    }

    /** Frames whose delivery threw. */
    long handlerErrors() {
        return handlerErrors.get();
    }

    /**
     * Says goodbye to every rank, waits for every rank's goodbye and for the queued frames to go out, then calls
     * {@code MPI.Finalize()}. The rank thread that joined (MPJ's multicore device needs it); idempotent.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        closing = true;
        if (sender == null) {
            finalizeMpj();
            return;
        }
        for (int peer = 0; peer < size; peer++) {
            if (peer != rank) {
                outbox.add(new Outbound(peer, GOODBYE_TAG, new byte[0], 0));
            }
        }
        outbox.add(STOP);
        long deadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(settings.closeTimeoutMs());
        boolean done = join(sender, deadlineNs) & (receiving == null || join(receiving, deadlineNs));
        if (done) {
            finalizeMpj();
            return;
        }
        List<Integer> silent = new ArrayList<>();
        for (int peer = 0; peer < size; peer++) {
            if (peer != rank && !goodbyeFrom(peer)) {
                silent.add(peer);
            }
        }
        System.err.println("bind: rank " + rank + " closed without MPI.Finalize: no goodbye within "
            + settings.closeTimeoutMs() + " ms from rank(s) " + silent
            + (failure == null ? "" : " (transport failed: " + failure + ")"));
    }

    private boolean join(Thread thread, long deadlineNs) {
        try {
            long leftMs = TimeUnit.NANOSECONDS.toMillis(deadlineNs - System.nanoTime());
            thread.join(Math.max(leftMs, 1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return !thread.isAlive();
    }

    private void finalizeMpj() {
        try {
            MPI.Finalize();
        } catch (Throwable t) {
            System.err.println("bind: rank " + rank + ": MPI.Finalize failed: " + t);
        }
    }
}
