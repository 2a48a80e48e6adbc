// Over 400 lines: sending, loss detection and closing share one state (peers, senders, queue permits); receiving
// (MpjReceiving, PackedInbox) and the per-peer send threads (MpjPeerSender) are already classes of their own.
package org.bind.mpi.mpj;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import mpi.Intracomm;
import mpi.MPI;
import mpi.Request;
import org.bind.transport.Transport;
import org.bind.transport.TransportException;

/**
 * One rank's frames over MPJ Express point-to-point messages: a frame is one {@link MPI#PACKED} message whose buffer
 * holds the frame's bytes as one byte section ({@link PackedFrame}), so the message is exactly what MPJ's own
 * {@code Send} of a {@code byte[]} makes (never MPJ's {@code OBJECT} type, which is Java serialization), but a byte
 * is copied once on each side as MPJ's ping-pong copies it: on the sender from the version's array (or the frame)
 * into MPJ's buffer, on the receiver from MPJ's buffer into the version's array.
 *
 * <h2>Threads</h2>
 * Every MPJ call is made by a thread this transport owns, created in the thread group of the rank thread that joined
 * (the multicore device finds the calling rank from the thread group, so MPJ calls from Bind's workers would not
 * work there):
 * <ul>
 *   <li>{@code bind-mpj-send-<rank>-to-<peer>}, one per peer ({@link MpjPeerSender}), sends that peer's frames in
 *       order with {@code Isend}s on tag {@value #FRAME_TAG}, up to {@link MpjTransportSettings#sendWindow} in
 *       flight (then it waits for the oldest). {@link #send} writes a frame into an MPJ
 *       message buffer (the calling thread) and queues it for that peer; the queues together hold at most
 *       {@link MpjTransportSettings#sendQueueBytes}, and {@link #send} waits for room, until the peer is lost at the
 *       latest. A peer that stops reading blocks only its own sender.</li>
 *   <li>{@code bind-mpj-<rank>} receives every message, posting receives ahead of the frame it delivers, and
 *       delivers the frames ({@link MpjReceiving}).</li>
 * </ul>
 * A watchdog thread, {@code bind-mpj-watch-<rank>}, makes no MPJ call: every
 * {@link MpjTransportSettings#heartbeatIntervalMs} it queues an empty heartbeat (tag {@value #HEARTBEAT_TAG})
 * to every peer, and reports a peer lost when nothing came from it, or a send to it has not completed, for
 * {@link MpjTransportSettings#heartbeatTimeoutMs}. Errors the transport survives go to one {@link MpjErrors}.
 *
 * <h2>Lost ranks</h2>
 * MPJ Express cannot detect a rank that died or froze: its devices report nothing, a blocking receive waits
 * forever and a blocking send to a rank that stopped reading never returns (under niodev, {@code mpjrun} does not
 * end the job either). The heartbeat is what notices: peers report {@code "rank k lost"} to the runtime within the
 * heartbeat timeout, and sends to a lost rank fail at once. When a process dies, niodev usually fails the next send
 * (to any peer: it closes its other connections too) well before that; a failing MPJ send or receive reports every
 * peer that has not said goodbye, since MPJ does not say which one died. Under the multicore device ranks share
 * one JVM and die together.
 *
 * <h2>Closing</h2>
 * {@link #close} queues a goodbye (an empty message on tag {@value #GOODBYE_TAG}) to every other live rank, so that
 * peers know the rank left on purpose, and waits until every other rank has said goodbye or is lost. Then
 * {@code MPI.Finalize()} runs once — unless a rank was lost or silent, since Finalize would wait for it. No MPJ
 * message goes to the rank itself (niodev's blocking send to self never returns): frames a rank sends itself are
 * delivered by its own sender thread.
 */
final class MpjTransport implements Transport {
    /** Tag of Bind frames. */
    static final int FRAME_TAG = 1;
    /** Tag of the empty message a closing rank sends to every other rank. */
    static final int GOODBYE_TAG = 2;
    /** Tag of the empty liveness message. */
    static final int HEARTBEAT_TAG = 3;

    /** How often a {@link #send} waiting for queue room looks whether its peer was lost meanwhile. */
    private static final long SEND_WAIT_CHECK_MS = 50;
    private static final byte[] EMPTY = new byte[0];

    private final Intracomm world;
    private final int rank;
    private final int size;
    private final MpjTransportSettings settings;
    private final ThreadGroup rankGroup;
    private final Semaphore queueBytes;
    private final MpjPeers peers;
    private final MpjErrors errors;
    private final CountDownLatch closed = new CountDownLatch(1);
    private final AtomicLong bytesSent = new AtomicLong();
    private MpjPeerSender[] senders;
    private MpjReceiving receiving;
    private Thread receivingThread;
    private Thread watchdog;
    private volatile Receiver receiver;
    private volatile boolean closing;
    /** Set by {@link #close} when it stops waiting: the receiving thread then ends even if goodbyes are missing. */
    private volatile boolean stopReceiving;

    /** Call on the rank thread that called {@code MPI.Init}. */
    MpjTransport(Intracomm world, int rank, int size, MpjTransportSettings settings) {
        this.world = world;
        this.rank = rank;
        this.size = size;
        this.settings = settings;
        this.rankGroup = Thread.currentThread().getThreadGroup();
        this.queueBytes = new Semaphore(settings.sendQueueBytes());
        this.peers = new MpjPeers(rank, size);
        this.errors = new MpjErrors(rank, System.err);
    }

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public long peerTimeoutMs() {
        return settings.heartbeatTimeoutMs() > 0 ? settings.heartbeatTimeoutMs() : PEER_TIMEOUT_MS_DEFAULT;
    }

    /** {@link MpjTransportSettings#chunkBytes}: larger than the runtime's default, as niodev's messages cost a thread each. */
    @Override
    public int preferredChunkBytes() {
        return settings.chunkBytes();
    }

    /** Starts the transport's threads. The rank thread only, once. */
    @Override
    public synchronized void start(Receiver receiver) {
        if (senders != null) {
            throw new IllegalStateException("MPJ transport of rank " + rank + " already started");
        }
        if (closing) {
            throw new IllegalStateException("MPJ transport of rank " + rank + " is closed");
        }
        this.receiver = receiver;
        MpjPeerSender.Sink sink = new MpjPeerSender.Sink() {
            @Override
            public MpjPeerSender.Pending start(int toRank, MpjPeerSender.Outbound message) {
                return startSend(toRank, message);
            }

            @Override
            public void onSendFailed(int toRank, MpjPeerSender.Outbound message, Throwable failure) {
                fail("MPJ send of " + message.body().length() + " bytes to rank " + toRank + " failed: " + failure);
            }
        };
        receiving = new MpjReceiving(world, rank, size, settings.maxFrameBytes(), settings.receiveAheadBytes(), peers,
            errors, receiver, () -> closing, () -> stopReceiving, this::fail);
        senders = new MpjPeerSender[size];
        for (int peer = 0; peer < size; peer++) {
            senders[peer] = new MpjPeerSender(rankGroup, "bind-mpj-send-" + rank + "-to-" + peer, peer,
                settings.sendWindow(), sink, queueBytes);
        }
        if (size > 1) {
            peers.heardAll();
            receivingThread = thread(receiving, "bind-mpj-" + rank);
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

    /**
     * Any thread. Writes the frame into an MPJ message buffer and queues it for {@code toRank}; waits while the queues
     * are full, and fails when the peer is lost meanwhile (within the heartbeat timeout of a peer that stopped
     * reading).
     */
    @Override
    public void send(int toRank, ByteBuffer frame) {
        enqueue(toRank, frame.remaining(), () -> PackedFrame.of(frame));
    }

    /** As {@link #send(int, ByteBuffer)}, gathering both parts into MPJ's buffer. Any thread. */
    @Override
    public void send(int toRank, ByteBuffer header, ByteBuffer payload) {
        enqueue(toRank, (long) header.remaining() + payload.remaining(), () -> PackedFrame.of(header, payload));
    }

    /** As {@link #send(int, ByteBuffer)}, the payload writing itself into MPJ's buffer (no staging). Any thread. */
    @Override
    public void send(int toRank, ByteBuffer header, Payload payload) {
        enqueue(toRank, (long) header.remaining() + payload.length(), () -> PackedFrame.of(header, payload));
    }

    private void enqueue(int toRank, long length, Supplier<PackedFrame> pack) {
        if (toRank < 0 || toRank >= size) {
            throw new IllegalArgumentException("rank " + toRank + " out of range [0, " + size + ")");
        }
        if (length > settings.maxFrameBytes()) {
            throw new TransportException("frame of " + length + " bytes to rank " + toRank + " exceeds the cap of "
                + settings.maxFrameBytes() + " bytes (" + MpjTransportSettings.MAX_FRAME_BYTES_PROP_NAME + ")");
        }
        checkOpen(toRank);
        int permits = (int) Math.min(Math.max(length, 1), settings.sendQueueBytes());
        try {
            while (!queueBytes.tryAcquire(permits, SEND_WAIT_CHECK_MS, TimeUnit.MILLISECONDS)) {
                checkOpen(toRank);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TransportException("interrupted while sending to rank " + toRank, e);
        }
        PackedFrame frame;
        try {
            frame = pack.get();
        } catch (RuntimeException | Error e) {
            queueBytes.release(permits);
            throw e;
        }
        senders[toRank].add(new MpjPeerSender.Outbound(FRAME_TAG, frame, permits));
        if (peers.isLost(toRank)) {
            senders[toRank].drop();   // lost while queueing: nobody would release these permits
        }
    }

    private void checkOpen(int toRank) {
        if (closing) {
            throw new TransportException("MPJ transport of rank " + rank + " is closed");
        }
        peers.checkSendable(toRank);
    }

    /**
     * A sender thread: starts one message to {@code toRank} ({@code Isend}) and returns what waits for it, or delivers
     * it to this rank's own receiver (then null).
     */
    private MpjPeerSender.Pending startSend(int toRank, MpjPeerSender.Outbound message) {
        if (toRank == rank) {
            if (message.body() instanceof PackedFrame frame) {
                receiving.deliver(rank, frame.frame());
            }
            return null;
        }
        if (peers.failure() != null || peers.isLost(toRank)) {
            return null;
        }
        Request request = message.body() instanceof PackedFrame frame
            ? world.Isend(frame.buffer(), 0, 1, MPI.PACKED, toRank, message.tag()) // released by the sender
            : world.Isend(EMPTY, 0, 0, MPI.BYTE, toRank, message.tag());
        int length = message.body().length();
        return () -> {
            request.Wait();
            bytesSent.addAndGet(length);
        };
    }

    /**
     * Nothing to drop ahead of the receiver: frames are received into MPJ buffers posted at most
     * {@link MpjTransportSettings#receiveAheadBytes} (or one frame) ahead and handed over in turn (MPJ must still
     * receive them to drain them), so a refused peer holds at most those buffers. Any thread.
     */
    @Override
    public void refuse(int peer) {
        if (peer < 0 || peer >= size || peer == rank) {
            throw new IllegalArgumentException("rank " + peer + " cannot be refused by rank " + rank + " of [0, "
                + size + ")");
        }
    }

    private void watchLoop() {
        long timeoutNs = TimeUnit.MILLISECONDS.toNanos(settings.heartbeatTimeoutMs());
        while (true) {
            try {
                if (closed.await(settings.heartbeatIntervalMs(), TimeUnit.MILLISECONDS)) {
                    return;
                }
                watch(System.nanoTime(), timeoutNs);
            } catch (InterruptedException e) {
                return;
            } catch (Throwable t) {
                errors.onError(MpjErrors.Kind.HEARTBEAT, String.valueOf(t));
            }
        }
    }

    /** One watchdog cycle: loses the peers silent or not reading for the timeout, sends the others a heartbeat. */
    private void watch(long nowNs, long timeoutNs) {
        for (int peer = 0; peer < size; peer++) {
            if (peer == rank || !peers.isLive(peer)) {
                continue;
            }
            long silentNs = peers.silentNs(peer, nowNs);
            long stalledNs = senders[peer].stalledNs(nowNs);
            String setting = " (heartbeat timeout " + settings.heartbeatTimeoutMs() + " ms, "
                + MpjTransportSettings.HEARTBEAT_TIMEOUT_MS_PROP_NAME + ")";
            if (silentNs > timeoutNs) {
                lose(peer, "no MPJ message from it for " + TimeUnit.NANOSECONDS.toMillis(silentNs) + " ms" + setting);
            } else if (stalledNs > timeoutNs) {
                lose(peer, "an MPJ send of " + senders[peer].sendingBytes() + " bytes to it has not completed for "
                    + TimeUnit.NANOSECONDS.toMillis(stalledNs) + " ms" + setting);
            } else if (!closing) {
                senders[peer].add(new MpjPeerSender.Outbound(HEARTBEAT_TAG, MpjPeerSender.EMPTY, 0));
            }
        }
    }

    /**
     * Marks {@code peer} lost once, drops what was queued for it and tells the runtime (unless closing: then only
     * {@link #close} cares); {@code reason} says why, without naming the peer (the runtime reports "rank k lost: ...").
     */
    private void lose(int peer, String reason) {
        if (!peers.lose(peer, reason)) {
            return;
        }
        MpjPeerSender[] all = senders;
        if (all != null) {
            all[peer].drop();
        }
        Receiver current = receiver;
        if (current == null || closing) {
            return;
        }
        try {
            current.onPeerLost(peer, reason);
        } catch (Throwable t) {
            errors.onError(MpjErrors.Kind.LOSS_REPORT, "rank " + peer + ": " + t);
        }
    }

    /**
     * Records the first MPJ failure and reports every peer that has not said goodbye as lost: once one peer's
     * connection breaks, niodev fails sends to the live peers too, so the rank that died cannot be told apart.
     */
    private void fail(String reason) {
        if (!peers.fail(reason)) {
            return;
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
        return receiving == null ? 0 : receiving.bytesReceived();
    }

    /** Frames that landed in the runtime's storage as they were received (rather than coming whole). */
    long framesLanded() {
        return receiving == null ? 0 : receiving.framesLanded();
    }

    /** Frames whose delivery threw. */
    long handlerErrors() {
        return errors.count(MpjErrors.Kind.FRAME_HANDLER);
    }

    /** Where this transport's errors are counted. */
    MpjErrors errors() {
        return errors;
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
        if (senders == null) {
            finalizeMpj();
            return;
        }
        for (int peer = 0; peer < size; peer++) {
            if (peer != rank && !peers.isLost(peer)) {   // also to a peer that said goodbye first: it waits for ours
                senders[peer].add(new MpjPeerSender.Outbound(GOODBYE_TAG, MpjPeerSender.EMPTY, 0));
            }
        }
        for (MpjPeerSender sender : senders) {
            sender.stop();
        }
        long deadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(settings.closeTimeoutMs());
        List<Integer> silent = peers.awaitGoodbyes(deadlineNs);
        boolean sent = true;
        for (int peer = 0; peer < size; peer++) {
            // a lost peer's sender may be stuck in a send that never returns: not waited for
            sent &= peers.isLost(peer) || senders[peer].join(deadlineNs);
        }
        closed.countDown();
        stopReceiving = true;
        boolean received = join(receivingThread, deadlineNs + TimeUnit.SECONDS.toNanos(1));
        List<Integer> gone = peers.lostRanks();
        String failure = peers.failure();
        if (sent && received && silent.isEmpty() && gone.isEmpty() && failure == null) {
            finalizeMpj();
            return;
        }
        errors.onError(MpjErrors.Kind.CLOSE, (gone.isEmpty() ? "" : "rank(s) " + gone + " lost; ")
            + (silent.isEmpty() ? "" : "no goodbye within " + settings.closeTimeoutMs() + " ms from rank(s) " + silent + "; ")
            + (sent ? "" : "frames still queued; ") + (failure == null ? "" : "transport failed: " + failure));
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
            errors.onError(MpjErrors.Kind.CLOSE, "MPI.Finalize failed: " + t);
        }
    }
}
