package org.bind.mpi.aeron;

import java.io.File;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import io.aeron.Aeron;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.driver.MediaDriver;
import io.aeron.exceptions.DriverTimeoutException;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.IoUtil;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;
import org.bind.transport.Transport;
import org.bind.transport.TransportException;

/**
 * One rank's end of a job over Aeron: UDP, or IPC between ranks on one host.
 *
 * <h2>Overview</h2>
 * Over UDP each process embeds one {@link MediaDriver} ({@link EmbeddedAeron}: one shared driver thread that parks
 * when idle) with its directory under /dev/shm, unique per job and rank and deleted at close. The rank subscribes on
 * its own endpoint ({@code aeron:udp?endpoint=host:port|mtu=...}, stream {@value #STREAM_ID}) and has one
 * publication per peer on the peer's endpoint. Over IPC ({@link AeronSettings#ipc}) the rank embeds no driver: it is a
 * client of the driver its launcher runs for the job's ranks on this host, in a private directory, and subscribes and
 * publishes on {@code aeron:ipc} ({@link Channels}): a frame goes from the sender's array into the shared log
 * buffer and from there into the receiver's frame, with no socket in between. A driver that stops answering
 * ({@link DriverTimeoutException}) makes every peer lost. The handshake, heartbeats and close are the same on both
 * paths. Every Aeron message starts with a one-byte type ({@link Wire}):
 * runtime frames and the transport's own control (handshake, heartbeats, goodbye) share the stream, so control
 * is ordered with data and a peer's data always follows its proof of identity.
 *
 * <p>A frame goes as one or more Aeron messages ({@link Outbound}): {@code DATA_FIRST} carrying the total length,
 * checked against a cap before allocating, then {@code DATA_MORE} pieces, under a per-peer lock. The receiver
 * ({@link Inbound}) allocates the frame's array from the first fragment and copies each fragment of each piece
 * straight into it, with no reassembly buffer in between; it drops (and counts) a frame above its own cap. A
 * version's chunk is written by its codec straight into claimed log space ({@link #send(int, ByteBuffer, Payload)}).
 *
 * <h2>Threads</h2>
 * {@code bind-aeron-<rank>} polls the subscription with a {@link BackoffIdleStrategy} ({@link Inbound}): handshake,
 * heartbeats (every {@code heartbeatNs} to every active peer), loss detection (a peer silent for
 * {@code heartbeatTimeoutNs} is reported once). It copies complete frames into a queue that
 * {@code bind-aeron-deliver-<rank>} hands to the {@link Receiver} in arrival order, so a receiver that blocks (the
 * runtime forwards chunks from its receive callback, and a forwarding send can be back-pressured) never starves
 * heartbeats; the runtime's submission window bounds what the queue holds.
 *
 * <h2>Sending</h2>
 * {@link #send} offers on (or claims in) the peer's publication: {@code BACK_PRESSURED} and {@code ADMIN_ACTION} are retried
 * with a back-off; {@code NOT_CONNECTED} is retried until the connect timeout; {@code CLOSED} and
 * {@code MAX_POSITION_EXCEEDED} fail at once. Every retry first checks whether the peer was lost or closed.
 *
 * <h2>Closing</h2>
 * {@link #close} sends BYE to every active peer and waits (at most {@code closeLingerNs}) for each BYE_ACK: the
 * ack follows everything sent before, so the peer has read it all before our driver goes away. A peer that said
 * BYE is closed, not lost.
 *
 * <p>Over 400 lines because it owns the connection's whole life (start-up handshake, heartbeats, close); delivery is
 * {@link Deliveries}, the send path {@link Outbound}, frame parsing {@link Inbound}, the handshake's states
 * {@link Handshake}, the channels {@link Channels}.
 */
public final class AeronTransport implements Transport {
    /** The stream id of every channel. */
    public static final int STREAM_ID = 0x424E44;
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);
    /** Longest frame header {@link #send(int, ByteBuffer, ByteBuffer)} takes apart from the payload. */
    private static final int MAX_HEADER_BYTES = 256;

    private final AeronSettings settings;
    private final File aeronDir;
    private final Peer[] peers;
    private final Deliveries deliveries = new Deliveries();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicLong bytesSent = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    /** Repeats of one error printed at most once per 10 s (a partition makes the driver report every send). */
    private final ErrorLog errorLog;
    private final long startNs = System.nanoTime();
    private final MediaDriver driver;
    private final Aeron aeron;
    private final Thread poller;
    private final Outbound outbound;
    private volatile boolean polling = true;
    /** The media driver stopped answering (Aeron closed the client): every peer is lost. */
    private volatile boolean driverGone;
    private volatile Thread deliverer;
    /** A JVM that exits without closing halts silently: its peers see it lost, as with a crash. */
    private final Thread exitHook = new Thread(this::crash, "bind-aeron-exit");

    /**
     * Starts the driver, the subscription, the publications and the polling thread; the handshake runs in the
     * background ({@link #awaitConnected}).
     *
     * @throws TransportException when the endpoint cannot be bound or the driver cannot start
     */
    public AeronTransport(AeronSettings settings) {
        this.settings = settings;
        this.errorLog = new ErrorLog("bind: rank " + settings.rank() + " Aeron error", TimeUnit.SECONDS.toNanos(10),
            () -> System.err);
        this.aeronDir = settings.ipc() ? new File(settings.sharedDir()) : settings.aeronDir();
        this.peers = new Peer[settings.size()];
        MediaDriver startedDriver = null;
        Aeron client = null;
        try {
            if (!settings.ipc()) {
                startedDriver = EmbeddedAeron.launchDriver(settings, aeronDir, this::onAeronError);
            }
            client = EmbeddedAeron.connect(aeronDir, this::onAeronError);
            Subscription subscription = client.addSubscription(Channels.subscription(settings),
                Channels.stream(settings, settings.rank()));
            for (int r = 0; r < peers.length; r++) {
                if (r != settings.rank()) {
                    String channel = Channels.publication(settings, r);
                    int stream = Channels.stream(settings, r);
                    peers[r] = new Peer(r, Channels.describe(settings, r), settings.ipc()
                        ? client.addExclusivePublication(channel, stream) : client.addPublication(channel, stream));
                }
            }
            Inbound inbound = new Inbound(this, settings, peers, subscription);
            this.outbound = new Outbound(this, settings);
            this.driver = startedDriver;
            this.aeron = client;
            this.poller = new Thread(() -> poll(inbound), "bind-aeron-" + settings.rank());
            poller.setDaemon(true);
            poller.start();
            Runtime.getRuntime().addShutdownHook(exitHook);
        } catch (RuntimeException e) {
            CloseHelper.quietCloseAll(client, startedDriver);
            if (!settings.ipc()) {
                IoUtil.delete(aeronDir, true);
            }
            throw new TransportException("rank " + settings.rank() + " cannot start Aeron on "
                + (settings.ipc() ? "the job's shared media driver in " + aeronDir : Channels.describe(settings,
                settings.rank())) + ": " + e.getMessage(), e);
        }
    }

    @Override
    public int rank() {
        return settings.rank();
    }

    @Override
    public int size() {
        return settings.size();
    }

    @Override
    public long peerTimeoutMs() {
        return TimeUnit.NANOSECONDS.toMillis(settings.heartbeatTimeoutNs());
    }

    /**
     * Waits until every peer has proved itself and accepted this rank. Any thread.
     *
     * @throws TransportException when a peer has not completed the handshake within the connect timeout (the message
     *                            names a failed proof or a protocol mismatch seen in that peer's name); nothing an
     *                            unauthenticated session sends ends the wait earlier
     */
    public void awaitConnected() {
        while (true) {
            Peer waiting = null;
            for (Peer peer : peers) {
                if (peer != null && peer.state().connecting()) {
                    waiting = peer;
                    break;
                }
            }
            if (waiting == null) {
                return;
            }
            if (closed.get()) {
                throw closedException();
            }
            long waitedNs = System.nanoTime() - startNs;
            if (waitedNs > settings.connectTimeoutNs()) {
                String mismatch = waiting.mismatch;
                throw new TransportException("rank " + waiting.rank + " not reachable at " + waiting.address()
                    + ": no handshake within " + TimeUnit.NANOSECONDS.toMillis(settings.connectTimeoutNs()) + " ms"
                    + (waiting.authenticationFailed ? "; a peer claiming to be rank " + waiting.rank
                        + " failed authentication (wrong or missing BIND_SECRET)" : "")
                    + (mismatch != null ? "; " + mismatch : ""));
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
    }

    /** Starts delivery, then waits for the handshake with every peer ({@link #awaitConnected}). */
    @Override
    public synchronized void start(Receiver receiver) {
        if (deliverer != null) {
            throw new IllegalStateException("transport of rank " + settings.rank() + " already started");
        }
        Thread thread = new Thread(() -> deliveries.run(receiver, settings.rank(), errors), "bind-aeron-deliver-" + settings.rank());
        thread.setDaemon(true);
        deliverer = thread;
        thread.start();
        awaitConnected();
    }

    /** Sends {@code frame}'s remaining bytes; blocks while back-pressured. Any thread. */
    @Override
    public void send(int toRank, ByteBuffer frame) {
        send(toRank, EMPTY, frame);
    }

    /**
     * Sends {@code header} then {@code payload} as one frame, gathered from both buffers (one copy, into Aeron's log
     * buffer); blocks while back-pressured. Any thread.
     */
    @Override
    public void send(int toRank, ByteBuffer header, ByteBuffer payload) {
        Peer peer = target(toRank, header.remaining(), payload.remaining());
        if (peer == null) {
            enqueueOwn(header, payload);
        } else {
            outbound.sendGathered(peer, header, payload);
        }
        bytesSent.addAndGet(header.remaining() + payload.remaining());
    }

    /**
     * Sends {@code header} then the bytes {@code payload} writes as one frame; the payload writes straight into
     * Aeron's log buffer (one copy). Blocks while back-pressured. Any thread.
     */
    @Override
    public void send(int toRank, ByteBuffer header, Payload payload) {
        Peer peer = target(toRank, header.remaining(), payload.length());
        if (peer == null) {
            ByteBuffer staged = ByteBuffer.allocate(payload.length()).order(ByteOrder.LITTLE_ENDIAN);
            payload.writeTo(0, staged);
            enqueueOwn(header, staged);
        } else {
            outbound.sendClaimed(peer, header, payload);
        }
        bytesSent.addAndGet(header.remaining() + payload.length());
    }

    /** Checks a frame of {@code length} bytes to {@code toRank}; the peer to send it to, or null for this rank. */
    private Peer target(int toRank, int headerLength, long bodyLength) {
        if (toRank < 0 || toRank >= peers.length) {
            throw new IllegalArgumentException("rank " + toRank + " out of range [0, " + peers.length + ")");
        }
        checkOpen();
        long length = headerLength + bodyLength;
        if (length > settings.maxFrameBytes()) {
            throw new TransportException("frame of " + length + " bytes to rank " + toRank + " exceeds the cap of "
                + settings.maxFrameBytes() + " bytes (" + AeronSettings.MAX_FRAME_ENV + ")");
        }
        if (headerLength > MAX_HEADER_BYTES) {
            throw new IllegalArgumentException("frame header of " + headerLength + " bytes exceeds " + MAX_HEADER_BYTES);
        }
        if (toRank == settings.rank()) {
            return null;
        }
        Peer peer = peers[toRank];
        checkPeer(peer);
        if (peer.state().connecting()) {
            awaitConnected();
        }
        return peer;
    }

    private void enqueueOwn(ByteBuffer header, ByteBuffer payload) {
        int headerLength = header.remaining();
        byte[] copy = new byte[headerLength + payload.remaining()];
        header.duplicate().get(copy, 0, headerLength);
        payload.duplicate().get(copy, headerLength, payload.remaining());
        deliveries.frame(settings.rank(), copy);
    }

    void checkOpen() {
        if (closed.get()) {
            throw closedException();
        }
    }

    void checkPeer(Peer peer) {
        Handshake state = peer.state();
        if (state == Handshake.LOST) {
            throw new TransportException("rank " + peer.rank + " lost: " + peer.lostReason);
        }
        if (state == Handshake.CLOSED) {
            throw new TransportException("rank " + peer.rank + " lost: it closed its transport");
        }
    }

    private TransportException closedException() {
        return new TransportException("transport of rank " + settings.rank() + " is closed");
    }

    /** Says goodbye, stops both threads, closes Aeron and deletes the Aeron directory. Idempotent; any thread. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        long deadlineNs = System.nanoTime() + settings.closeLingerNs();
        UnsafeBuffer bye = new UnsafeBuffer(new byte[] {Wire.BYE});
        boolean[] waitFor = new boolean[peers.length];
        for (Peer peer : peers) {
            if (peer != null && peer.state() == Handshake.ACTIVE) {
                while (peer.state() == Handshake.ACTIVE && System.nanoTime() < deadlineNs) {
                    long result = peer.offer(bye, 1);
                    if (result > 0) {
                        waitFor[peer.rank] = true;
                        break;
                    }
                    if (result == Publication.CLOSED || result == Publication.MAX_POSITION_EXCEEDED) {
                        break;
                    }
                    LockSupport.parkNanos(100_000);
                }
            }
        }
        for (Peer peer : peers) {
            while (peer != null && waitFor[peer.rank] && !peer.byeAcked && peer.state() == Handshake.ACTIVE
                && System.nanoTime() < deadlineNs) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            }
        }
        halt();
    }

    /** Stops everything without saying goodbye, as if the process died. For tests. */
    void crash() {
        if (closed.compareAndSet(false, true)) {
            halt();
        }
    }

    private void halt() {
        if (Thread.currentThread() != exitHook) {
            try {
                Runtime.getRuntime().removeShutdownHook(exitHook);
            } catch (IllegalStateException e) {
                // the JVM is exiting: the hook runs or has run
            }
        }
        polling = false;
        join(poller);
        Thread thread = deliverer;
        if (thread != null) {
            deliveries.stop();
            join(thread);
        }
        CloseHelper.quietCloseAll(aeron, driver);
        if (!settings.ipc() && aeronDir.exists()) {
            IoUtil.delete(aeronDir, true);   // a shared driver's directory is its launcher's to remove
        }
    }

    private static void join(Thread thread) {
        if (thread == Thread.currentThread()) {
            return;
        }
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void poll(Inbound inbound) {
        IdleStrategy idle = EmbeddedAeron.idleStrategy(settings);
        while (polling) {
            if (driverGone) {
                String reason = "the media driver in " + aeronDir + " stopped responding"
                    + (settings.ipc() ? " (the job's shared driver: its launcher is gone or stalled)" : "");
                for (Peer peer : peers) {
                    if (peer != null) {
                        onPeerLost(peer, reason);
                    }
                }
                idle.idle(0);
                continue;
            }
            int work = 0;
            try {
                work = inbound.doWork(System.nanoTime());
            } catch (Throwable t) {
                onAeronError(t);
            }
            idle.idle(work);
        }
    }

    // ---------------------------------------------------------------- from the polling thread

    void enqueue(int fromRank, byte[] frame) {
        deliveries.frame(fromRank, frame);
    }

    void onPeerLost(Peer peer, String reason) {
        if (peer.state() == Handshake.ACTIVE) {
            peer.lostReason = reason;   // written before the state, which publishes it
            peer.on(Handshake.Event.PEER_SILENT);
            deliveries.lost(peer.rank, reason);
        }
    }

    void onPeerClosed(Peer peer) {
        peer.on(Handshake.Event.PEER_BYE);
        deliveries.closed(peer.rank); // after the peer's frames
    }

    void countDropped() {
        dropped.incrementAndGet();
    }

    void countRejected() {
        rejected.incrementAndGet();
        dropped.incrementAndGet();
    }

    private void onAeronError(Throwable error) {
        errors.incrementAndGet();
        if (error instanceof DriverTimeoutException) {
            driverGone = true;
        }
        if (!closed.get()) {
            errorLog.onError(error, System.nanoTime());
        }
    }

    // ---------------------------------------------------------------- counters (any thread)

    /** Frame bytes handed to Aeron. */
    public long bytesSent() {
        return bytesSent.get();
    }

    /** Messages dropped: from unauthenticated sessions, malformed, or of another job. */
    public long droppedMessages() {
        return dropped.get();
    }

    /** Authentication attempts that failed. */
    public long rejectedPeers() {
        return rejected.get();
    }

    /** Errors reported by Aeron or thrown by the receiver. */
    public long errors() {
        return errors.get();
    }

    /** The settings this transport was made with. */
    AeronSettings settings() {
        return settings;
    }

    /** This rank's Aeron directory (deleted at close), or the shared driver's directory (left to its owner). */
    public File aeronDir() {
        return aeronDir;
    }
}
