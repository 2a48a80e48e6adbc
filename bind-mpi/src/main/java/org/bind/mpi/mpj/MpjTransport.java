package org.bind.mpi.mpj;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;

import mpi.Intracomm;
import mpi.MPI;
import mpi.Status;
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
 *       bytes ({@link MpjTransportSettings#sendQueueBytes}; {@link #send} blocks when it is full) and sends
 *       each with a blocking {@code Send} on tag {@value #FRAME_TAG}. One sender keeps each pair's frames in
 *       send order.</li>
 *   <li>{@code bind-mpj-<rank>} probes for a message from any source, checks its length against
 *       {@link MpjTransportSettings#maxFrameBytes} before allocating, receives it and delivers it. MPJ keeps
 *       the order of messages per (source, tag), and a probe for any tag matches a source's oldest message
 *       first, so frames arrive in send order per source. MPJ's blocking {@code Probe} spins on {@code Iprobe}
 *       without pause (both devices), which would burn a core per rank while idle: this thread calls
 *       {@code Iprobe} itself and backs off (spin, yield, then parks doubling from 1 µs to
 *       {@value #MAX_IDLE_PARK_NS} ns) while nothing arrives.</li>
 * </ul>
 * A third thread, {@code bind-mpj-watch-<rank>}, makes no MPJ call: every
 * {@link MpjTransportSettings#heartbeatIntervalMs} it queues an empty heartbeat (tag {@value #HEARTBEAT_TAG})
 * to every peer, and reports a peer lost when nothing came from it for
 * {@link MpjTransportSettings#heartbeatTimeoutMs}.
 *
 * <h2>Lost ranks</h2>
 * MPJ Express cannot detect a rank that died or froze: its devices report nothing, and a blocking receive waits
 * forever (under niodev, {@code mpjrun} does not end the job either). The heartbeat is what notices: peers report
 * {@code "rank k lost"} to the runtime within the heartbeat timeout. When a process dies, niodev usually fails the
 * next send (to any peer: it closes its other connections too) well before that; a failing MPJ send or receive
 * reports every peer that has not said goodbye, since MPJ does not say which one died. Under the multicore device
 * ranks share one JVM and die together.
 *
 * <h2>Closing</h2>
 * {@link #close} queues a goodbye (an empty message on tag {@value #GOODBYE_TAG}) to every other live rank, so that
 * peers know the rank left on purpose, and waits until every other rank has said goodbye or is lost. Then
 * {@code MPI.Finalize()} runs once — unless a rank was lost or silent, since Finalize would wait for it. No MPJ
 * message goes to the rank itself (niodev's blocking send to self never returns): frames a rank sends itself are
 * delivered by the sending thread.
 */
final class MpjTransport implements Transport {
    /** Tag of Bind frames. */
    static final int FRAME_TAG = 1;
    /** Tag of the empty message a closing rank sends to every other rank. */
    static final int GOODBYE_TAG = 2;
    /** Tag of the empty liveness message. */
    static final int HEARTBEAT_TAG = 3;

    /** Longest park of the idle receiving thread: the added latency of the first frame after a quiet spell. */
    static final long MAX_IDLE_PARK_NS = 500_000;
    private static final int IDLE_SPINS = 50;
    private static final int IDLE_YIELDS = 50;
    private static final byte[] EMPTY = new byte[0];
    private static final Outbound STOP = new Outbound(-1, -1, EMPTY, 0);

    private final Intracomm world;
    private final int rank;
    private final int size;
    private final MpjTransportSettings settings;
    private final ThreadGroup rankGroup;
    private final LinkedBlockingQueue<Outbound> outbox = new LinkedBlockingQueue<>();
    private final Semaphore queueBytes;
    /** Guards {@link #saidGoodbye}, {@link #lost} and the first write of {@link #failure}; notified on changes. */
    private final Object peers = new Object();
    private final boolean[] saidGoodbye;
    private final String[] lost;
    private final AtomicLongArray lastHeardNs;
    private final CountDownLatch closed = new CountDownLatch(1);
    private final AtomicLong bytesSent = new AtomicLong();
    private final AtomicLong bytesReceived = new AtomicLong();
    private final AtomicLong handlerErrors = new AtomicLong();
    private Thread sender;
    private Thread receiving;
    private Thread watchdog;
    private volatile Receiver receiver;
    private volatile boolean closing;
    /** Set by {@link #close} when it stops waiting: the receiving thread then ends even if goodbyes are missing. */
    private volatile boolean stopReceiving;
    private volatile String failure;

    private record Outbound(int toRank, int tag, byte[] bytes, int permits) {
    }

    /** Call on the rank thread that called {@code MPI.Init}. */
    MpjTransport(Intracomm world, int rank, int size, MpjTransportSettings settings) {
        this.world = world;
        this.rank = rank;
        this.size = size;
        this.settings = settings;
        this.rankGroup = Thread.currentThread().getThreadGroup();
        this.queueBytes = new Semaphore(settings.sendQueueBytes());
        this.saidGoodbye = new boolean[size];
        this.lost = new String[size];
        this.lastHeardNs = new AtomicLongArray(size);
    }

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public int size() {
        return size;
    }

    /** Starts the transport's threads. The rank thread only, once. */
    @Override
    public synchronized void start(Receiver receiver) {
        if (sender != null) {
            throw new IllegalStateException("MPJ transport of rank " + rank + " already started");
        }
        if (closing) {
            throw new IllegalStateException("MPJ transport of rank " + rank + " is closed");
        }
        this.receiver = receiver;
        sender = thread(this::sendLoop, "bind-mpj-send-" + rank);
        if (size > 1) {
            long now = System.nanoTime();
            for (int peer = 0; peer < size; peer++) {
                lastHeardNs.set(peer, now);
            }
            receiving = thread(this::receiveLoop, "bind-mpj-" + rank);
            if (settings.heartbeatTimeoutMs() > 0) {
                watchdog = thread(this::watchLoop, "bind-mpj-watch-" + rank);
            }
        }
    }

    private Thread thread(Runnable loop, String name) {
        Thread thread = new Thread(rankGroup, loop, name);
        thread.setDaemon(true);
        thread.start();
        return thread;
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
                + settings.maxFrameBytes() + " bytes (" + MpjTransportSettings.MAX_FRAME_BYTES_PROP_NAME + ")");
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
        synchronized (peers) {
            if (lost[toRank] != null) {
                throw new TransportException("rank " + toRank + " lost: " + lost[toRank]);
            }
            if (saidGoodbye[toRank]) {
                throw new TransportException("rank " + toRank + " has closed its MPJ transport");
            }
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
                } else if (failure == null && isLive(next.toRank)) {
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

    private boolean isLive(int peer) {
        synchronized (peers) {
            return lost[peer] == null;
        }
    }

    private void receiveLoop() {
        byte[] buffer = new byte[64 << 10];
        int goodbyesMissing = size - 1;
        int idle = 0;
        while (goodbyesMissing > 0 && !stopReceiving) {
            int source = -1;
            int tag;
            int count;
            try {
                Status status = world.Iprobe(MPI.ANY_SOURCE, MPI.ANY_TAG);
                if (status == null) {
                    idle(idle++);
                    continue;
                }
                idle = 0;
                source = status.source;
                tag = status.tag;
                count = status.Get_count(MPI.BYTE);
                if (source < 0 || source >= size || source == rank
                    || (tag != FRAME_TAG && tag != GOODBYE_TAG && tag != HEARTBEAT_TAG)) {
                    fail("unexpected MPJ message from rank " + source + " with tag " + tag);
                    return;
                }
                if (count < 0 || count > settings.maxFrameBytes()) {
                    fail("rank " + source + " sent a frame of " + count + " bytes, over the cap of "
                        + settings.maxFrameBytes() + " bytes (" + MpjTransportSettings.MAX_FRAME_BYTES_PROP_NAME + ")");
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
            lastHeardNs.set(source, System.nanoTime());
            if (tag == GOODBYE_TAG) {
                receiver.onPeerClosed(source);
                synchronized (peers) {
                    if (!saidGoodbye[source]) {
                        saidGoodbye[source] = true;
                        goodbyesMissing--;
                        peers.notifyAll();
                    }
                }
            } else if (tag == FRAME_TAG) {
                bytesReceived.addAndGet(count);
                deliver(source, buffer, count);
            }
        }
    }

    private static void idle(int idleCycles) {
        if (idleCycles < IDLE_SPINS) {
            Thread.onSpinWait();
        } else if (idleCycles < IDLE_SPINS + IDLE_YIELDS) {
            Thread.yield();
        } else {
            int doublings = Math.min(idleCycles - IDLE_SPINS - IDLE_YIELDS, 20);
            LockSupport.parkNanos(Math.min(1_000L << doublings, MAX_IDLE_PARK_NS));
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

    private void watchLoop() {
        long timeoutNs = TimeUnit.MILLISECONDS.toNanos(settings.heartbeatTimeoutMs());
        while (true) {
            try {
                if (closed.await(settings.heartbeatIntervalMs(), TimeUnit.MILLISECONDS)) {
                    return;
                }
                long now = System.nanoTime();
                for (int peer = 0; peer < size; peer++) {
                    if (peer == rank) {
                        continue;
                    }
                    boolean live;
                    synchronized (peers) {
                        live = lost[peer] == null && !saidGoodbye[peer];
                    }
                    if (!live) {
                        continue;
                    }
                    long silentNs = now - lastHeardNs.get(peer);
                    if (silentNs > timeoutNs) {
                        lose(peer, "no MPJ message from it for "
                            + TimeUnit.NANOSECONDS.toMillis(silentNs) + " ms (heartbeat timeout "
                            + settings.heartbeatTimeoutMs() + " ms, " + MpjTransportSettings.HEARTBEAT_TIMEOUT_MS_PROP_NAME
                            + ")");
                    } else if (!closing) {
                        outbox.add(new Outbound(peer, HEARTBEAT_TAG, EMPTY, 0));
                    }
                }
            } catch (InterruptedException e) {
                return;
            } catch (Throwable t) {
                System.err.println("bind: rank " + rank + ": MPJ heartbeat failed: " + t);
            }
        }
    }

    /**
     * Marks {@code peer} lost once and tells the runtime (unless closing: then only {@link #close} cares);
     * {@code reason} says why, without naming the peer (the runtime reports "rank k lost: reason").
     */
    private void lose(int peer, String reason) {
        synchronized (peers) {
            if (lost[peer] != null || saidGoodbye[peer]) {
                return;
            }
            lost[peer] = reason;
            peers.notifyAll();
        }
        Receiver current = receiver;
        if (current == null || closing) {
            return;
        }
        try {
            current.onPeerLost(peer, reason);
        } catch (Throwable t) {
            System.err.println("bind: rank " + rank + " failed to report rank " + peer + " lost: " + t);
        }
    }

    /**
     * Records the first MPJ failure and reports every peer that has not said goodbye as lost: once one peer's
     * connection breaks, niodev fails sends to the live peers too, so the rank that died cannot be told apart.
     */
    private void fail(String reason) {
        synchronized (peers) {
            if (failure != null) {
                return;
            }
            failure = reason;
        }
        for (int peer = 0; peer < size; peer++) {
            if (peer != rank) {
                lose(peer, "the MPJ transport failed, and MPJ does not say which rank died (" + reason + ")");
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
     * Says goodbye to every other live rank, waits until each has said goodbye or is lost and the queued frames
     * went out, then calls {@code MPI.Finalize()} (skipped when a rank was lost or silent). The rank thread that
     * joined (MPJ's multicore device needs it); idempotent.
     */
    @Override
    public synchronized void close() {
        if (closing) {
            return;
        }
        closing = true;
        if (sender == null) {
            finalizeMpj();
            return;
        }
        for (int peer = 0; peer < size; peer++) {
            if (peer != rank && isLive(peer)) {
                outbox.add(new Outbound(peer, GOODBYE_TAG, EMPTY, 0));
            }
        }
        outbox.add(STOP);
        long deadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(settings.closeTimeoutMs());
        List<Integer> silent = awaitGoodbyes(deadlineNs);
        boolean sent = join(sender, deadlineNs);
        closed.countDown();
        stopReceiving = true;
        boolean received = join(receiving, deadlineNs + TimeUnit.SECONDS.toNanos(1));
        List<Integer> gone = new ArrayList<>();
        synchronized (peers) {
            for (int peer = 0; peer < size; peer++) {
                if (lost[peer] != null) {
                    gone.add(peer);
                }
            }
        }
        if (sent && received && silent.isEmpty() && gone.isEmpty() && failure == null) {
            finalizeMpj();
            return;
        }
        System.err.println("bind: rank " + rank + " closed without MPI.Finalize: "
            + (gone.isEmpty() ? "" : "rank(s) " + gone + " lost; ")
            + (silent.isEmpty() ? "" : "no goodbye within " + settings.closeTimeoutMs() + " ms from rank(s) " + silent + "; ")
            + (sent ? "" : "frames still queued; ") + (failure == null ? "" : "transport failed: " + failure));
    }

    /** Waits until every other rank said goodbye or is lost; returns the ranks that did neither by the deadline. */
    private List<Integer> awaitGoodbyes(long deadlineNs) {
        List<Integer> silent = new ArrayList<>();
        synchronized (peers) {
            while (true) {
                silent.clear();
                for (int peer = 0; peer < size; peer++) {
                    if (peer != rank && !saidGoodbye[peer] && lost[peer] == null) {
                        silent.add(peer);
                    }
                }
                long leftNs = deadlineNs - System.nanoTime();
                if (silent.isEmpty() || leftNs <= 0) {
                    return silent;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(peers, leftNs);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return silent;
                }
            }
        }
    }

    private static boolean join(Thread thread, long deadlineNs) {
        if (thread == null) {
            return true;
        }
        try {
            TimeUnit.NANOSECONDS.timedJoin(thread, Math.max(deadlineNs - System.nanoTime(), 1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return !thread.isAlive();
    }

    private void finalizeMpj() {
        try {
            MPI.Finalize();
            RankGuard.finalized();
        } catch (Throwable t) {
            System.err.println("bind: rank " + rank + ": MPI.Finalize failed: " + t);
        }
    }
}
