package org.bind.mpi.aeron;

import java.io.File;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import io.aeron.Aeron;
import io.aeron.Subscription;
import io.aeron.driver.MediaDriver;
import io.aeron.exceptions.DriverTimeoutException;
import org.agrona.CloseHelper;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.bind.transport.Transport;
import org.bind.transport.TransportException;

/**
 * One rank's end of a job over Aeron: UDP, or IPC between ranks on one host.
 *
 * <p>(Above the ~400 lines aimed at: it owns the rank's lifecycle, whose parts share its state — start, the public
 * send paths with their checks, close, the callbacks of the polling thread and the counters; the wire work itself is
 * in {@link Inbound} and {@link Outbound}.)
 *
 * <h2>Overview</h2>
 * Over UDP each process embeds one {@link MediaDriver} ({@link EmbeddedAeron}: one shared driver thread that parks
 * when idle) with its directory under /dev/shm, unique per job and rank and deleted at close; the rank subscribes on
 * its own endpoint and publishes to each peer's. Over IPC ({@link AeronSettings#ipc}) the rank is a client of the
 * driver its launcher runs for the job's ranks on this host, in a private directory, and subscribes and publishes on
 * {@code aeron:ipc}: no socket in between. Under {@code --machines} the ranks placed on one host are clients of a
 * driver process that the lowest of them starts ({@link HostDriver}): IPC to one another, UDP to the other hosts'
 * ranks, through that driver, with a subscription for each path. {@link Channels} alone chooses, per peer. A driver
 * that stops answering ({@link DriverTimeoutException}), or whose process is gone, makes every peer lost. The
 * handshake, heartbeats and close are the same on both paths. Every Aeron message starts with a one-byte type ({@link Wire}): runtime frames and the transport's
 * own control (handshake, heartbeats, goodbye) share the stream, so control is ordered with data and a peer's data
 * always follows its proof of identity.
 *
 * <p>A frame goes as {@code DATA_FIRST} (its total length, checked against a cap before anything is allocated) then
 * {@code DATA_MORE} pieces ({@link Outbound}), written from the sender's buffer or array into the log buffer: one
 * copy. The receiver ({@link Inbound}) offers each frame to the runtime as it starts
 * ({@link Receiver#onFrameStart}): a chunk a reader waits for then goes, fragment by fragment, from the log buffer
 * straight into the version's array (one copy); any other frame is copied fragment by fragment into an array of its
 * length (no reassembly buffer) and delivered whole.
 *
 * <h2>Threads</h2>
 * {@code bind-aeron-<rank>} polls the subscription with a {@link BackoffIdleStrategy} ({@link Inbound}): handshake,
 * heartbeats (every {@code heartbeatNs} to every active peer), loss detection (a peer silent for
 * {@code heartbeatTimeoutNs} is reported once), and the bytes of frames (copied once, as above). It never waits for
 * the receiver: a landing only tries the lock of its transfer and keeps the rest of the frame aside when it is busy.
 * Everything else that the receiver does and that may block (relaying chunks to children under back-pressure,
 * completing versions, control frames) runs on {@code bind-aeron-deliver-<rank>}, which takes whole frames and
 * landed ones from a queue in arrival order; so heartbeats are never starved and a peer's silence is measured on a
 * thread that is never stuck. The runtime's submission window bounds what the queue holds. A frame that landed
 * while that queue is empty and its thread idle is finished on the polling thread when the receiver can do so
 * without blocking ({@link Transport.Landing#tryLandNow}: a chunk of a version no child is relayed): the usual case
 * of point-to-point, saving a hand-off and a wake-up per chunk.
 *
 * <h2>Sending and closing</h2>
 * {@link #send} offers on (or claims in) the peer's publication, every return code handled ({@link Outbound}).
 * {@link #close} sends BYE to every active peer and waits (at most {@code closeLingerNs}) for each BYE_ACK: the ack
 * follows everything sent before, so the peer has read it all before our driver goes away. A peer that said BYE is
 * closed, not lost.
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
    private final AtomicLong macFailures = new AtomicLong();
    /** Repeats of one error printed at most once per 10 s (a partition makes the driver report every send). */
    private final ErrorLog errorLog;
    private final long startNs = System.nanoTime();
    private final MediaDriver driver;
    /** This rank's share of the driver its host's ranks share under {@code --machines}, or null. */
    private final HostDriver hostDriver;
    private final Aeron aeron;
    private final Thread poller;
    private final Outbound outbound;
    private volatile boolean polling = true;
    /** Why the media driver is gone (stopped answering, or its process ended): every peer is lost; null: it runs. */
    private volatile String driverGone;
    private final AtomicBoolean pathsTold = new AtomicBoolean();
    private volatile Thread deliverer;
    /** Where frames go once {@link #start}ed; until then the polling thread copies frames whole. */
    private volatile Receiver receiver;
    /** A JVM that exits without closing halts silently: its peers see it lost, as with a crash. */
    private final Thread exitHook = new Thread(this::crash, "bind-aeron-exit");

    /**
     * Starts the driver, the subscription, the publications and the polling thread; the handshake runs in the
     * background ({@link #awaitConnected}).
     *
     * @throws TransportException when the endpoint cannot be bound or the driver cannot start
     */
    public AeronTransport(AeronSettings settings) {
        this(settings, null);
    }

    /**
     * As {@link #AeronTransport(AeronSettings)}, as a client of the media driver the ranks of this host share
     * ({@code hostDriver}, attached; its directory is the settings' shared directory): a driver that dies makes every
     * peer lost, and closing releases this rank's share.
     */
    public AeronTransport(AeronSettings settings, HostDriver hostDriver) {
        this.settings = settings;
        this.hostDriver = hostDriver;
        this.errorLog = new ErrorLog("bind: rank " + settings.rank() + " Aeron error", TimeUnit.SECONDS.toNanos(10),
            () -> System.err);
        this.aeronDir = Channels.aeronDir(settings);
        this.peers = new Peer[settings.size()];
        MediaDriver startedDriver = null;
        Aeron client = null;
        try {
            startedDriver = Channels.launchDriver(settings, aeronDir, this::onAeronError);
            client = EmbeddedAeron.connect(aeronDir, this::onAeronError);
            Subscription ipc = Channels.subscribeIpc(client, settings);
            Subscription udp = Channels.subscribeUdp(client, settings);
            for (int r = 0; r < peers.length; r++) {
                if (r != settings.rank()) {
                    peers[r] = new Peer(r, Channels.describe(settings, r), settings.ipcTo(r),
                        Channels.publish(client, settings, r));
                    if (settings.wireMac()) {
                        peers[r].sendMac = new FrameMac(settings.secret(), settings.jobId(), settings.rank(), r);
                        peers[r].receiveMac = new FrameMac(settings.secret(), settings.jobId(), r, settings.rank());
                    }
                }
            }
            Inbound inbound = new Inbound(this, settings, peers, ipc, udp);
            this.outbound = new Outbound(this, settings);
            this.driver = startedDriver;
            this.aeron = client;
            this.poller = new Thread(() -> poll(inbound), "bind-aeron-" + settings.rank());
            poller.setDaemon(true);
            poller.start();
            Runtime.getRuntime().addShutdownHook(exitHook);
            if (hostDriver != null) {
                hostDriver.watch(reason -> driverGone = reason);
            }
        } catch (RuntimeException e) {
            CloseHelper.quietCloseAll(client, startedDriver);
            if (hostDriver != null) {
                hostDriver.release();
            }
            Channels.deleteOwnDir(settings, aeronDir);
            throw new TransportException("rank " + settings.rank() + " cannot start Aeron on "
                + Channels.describeOwn(settings, aeronDir) + ": " + e.getMessage(), e);
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
     *                            unauthenticated session sends ends the wait earlier; at once when the media driver
     *                            is gone, naming it
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
                tellPaths();
                return;
            }
            if (closed.get()) {
                throw closedException();
            }
            String gone = driverGone;
            if (gone != null) {
                throw new TransportException("rank " + settings.rank() + " cannot reach rank " + waiting.rank + ": "
                    + gone);
            }
            if (System.nanoTime() - startNs > settings.connectTimeoutNs()) {
                throw waiting.unreachable(settings.connectTimeoutNs());
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
    }

    /** Says on stderr, once, over which path this rank reaches each peer, when asked ({@link AeronSettings#verbose}). */
    private void tellPaths() {
        if (AeronSettings.verbose(System.getenv()) && pathsTold.compareAndSet(false, true)) {
            System.err.println(Channels.paths(settings, aeronDir));
        }
    }

    /** Starts delivery, then waits for the handshake with every peer ({@link #awaitConnected}). */
    @Override
    public synchronized void start(Receiver receiver) {
        if (deliverer != null) {
            throw new IllegalStateException("transport of rank " + settings.rank() + " already started");
        }
        this.receiver = receiver;
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

    /**
     * Drops {@code peer}'s frames waiting for delivery, and from now on its frames as they arrive, before they are
     * copied; counted as dropped. Any thread.
     */
    @Override
    public void refuse(int peer) {
        if (peer < 0 || peer >= peers.length || peer == settings.rank()) {
            throw new IllegalArgumentException("rank " + peer + " cannot be refused by rank " + settings.rank()
                + " of [0, " + peers.length + ")");
        }
        peers[peer].refused = true; // read by the polling thread before it copies a frame of the peer
        dropped.addAndGet(deliveries.refuse(peer));
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
        peer.checkUsable();
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
        boolean[] waitFor = Outbound.sayGoodbye(peers, deadlineNs);
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
        if (hostDriver != null) {
            hostDriver.release();
        }
        Channels.deleteOwnDir(settings, aeronDir);
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
            String reason = driverGone;
            if (reason != null) {
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
        if (!deliveries.frame(fromRank, frame)) {
            dropped.incrementAndGet(); // copied while the receiver refused the peer
        }
    }

    /** The receiver's landing for a frame of {@code length} bytes that starts with {@code start}, or null. */
    Transport.Landing landing(int fromRank, ByteBuffer start, int length) {
        Receiver target = receiver;
        try {
            return target == null ? null : target.onFrameStart(fromRank, start, length);
        } catch (RuntimeException e) {
            onAeronError(e);   // the frame then comes whole
            return null;
        }
    }

    void enqueueLanded(int fromRank, Transport.Landing landing) {
        if (!deliveries.landed(fromRank, landing)) {
            dropped.incrementAndGet(); // landed while the receiver refused the peer
        }
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

    void countMacFailure() {
        macFailures.incrementAndGet();
        dropped.incrementAndGet();
    }

    void countRejected() {
        rejected.incrementAndGet();
        dropped.incrementAndGet();
    }

    private void onAeronError(Throwable error) {
        errors.incrementAndGet();
        if (error instanceof DriverTimeoutException && driverGone == null) {
            driverGone = Channels.driverGone(settings, aeronDir);
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

    /** Frames dropped because their MAC did not verify (changed, replayed or without one); also in the drops. */
    public long macFailures() {
        return macFailures.get();
    }

    /** Authentication attempts that failed. */
    public long rejectedPeers() {
        return rejected.get();
    }

    /**
     * Frames that landed and were finished on the polling thread, without the delivering thread (nothing waited
     * for delivery; see {@link Deliveries}).
     */
    public long framesLandedOnPollingThread() {
        return deliveries.landedNow();
    }

    /** Whether nothing waits for the delivering thread nor is being delivered. Any thread. */
    boolean deliveriesIdle() {
        return deliveries.idle();
    }

    /** Errors reported by Aeron or thrown by the receiver. */
    public long errors() {
        return errors.get();
    }

    /** What this rank knows of {@code rank} (its publication, handshake, MACs). */
    Peer peer(int rank) {
        return peers[rank];
    }

    /** The settings this transport was made with. */
    AeronSettings settings() {
        return settings;
    }

    /** Over which path this rank reaches {@code rank}: {@code ipc} (shared memory) or {@code udp}. Any thread. */
    public String path(int rank) {
        if (rank < 0 || rank >= peers.length) {
            throw new IllegalArgumentException("rank " + rank + " out of range [0, " + peers.length + ")");
        }
        return Channels.path(settings, rank);
    }

    /** This rank's Aeron directory (deleted at close), or the shared driver's directory (left to its owner). */
    public File aeronDir() {
        return aeronDir;
    }
}
