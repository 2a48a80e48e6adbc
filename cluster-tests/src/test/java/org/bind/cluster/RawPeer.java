package org.bind.cluster;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.aeron.FragmentAssembler;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.aeron.logbuffer.Header;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.IoUtil;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.concurrent.UnsafeBuffer;
import org.bind.mpi.aeron.AeronSettings;
import org.bind.mpi.aeron.AeronTransport;
import org.bind.transport.Frames;

/**
 * A rank that speaks the Aeron transport's wire protocol itself instead of running Bind: the frame fuzzer's end of a
 * job. The protocol is written again here from its documentation in bind-mpi ({@code Wire}: one type byte, then
 * little-endian fields; HELLO, AUTH = HMAC-SHA256 over the peer's nonce, ACCEPT, HEARTBEAT, BYE, DATA...), so that the
 * handshake is checked against an independent implementation (protocol 3: every HELLO of a rank still connecting is
 * answered at once by an AUTH that carries the nonce it answers; HELLO goes again every 100 ms until the rank is
 * active; nothing from a session that proved nothing is kept). It completes the handshake with every other rank,
 * heartbeats, answers goodbyes, queues the runtime frames it receives ({@link #takeFrames}), and sends any message at
 * all on an authenticated session ({@link #send}) or on a fresh, unauthenticated one ({@link #outsider}).
 *
 * <p>Its media driver lives in the rank's own Aeron directory ({@link AeronSettings#aeronDir()}), where the launcher
 * cleans up. Its publications use {@code termBytes} (the largest message is an eighth of it, at most 16 MiB), chosen
 * by the caller, not by the job's settings. Single thread.
 */
final class RawPeer implements AutoCloseable {
    static final byte HELLO = 1;
    static final byte AUTH = 2;
    static final byte ACCEPT = 3;
    static final byte REJECT = 4;
    static final byte HEARTBEAT = 5;
    static final byte BYE = 6;
    static final byte BYE_ACK = 7;
    static final byte DATA = 8;
    static final byte DATA_FIRST = 9;
    static final byte DATA_MORE = 10;
    static final int NONCE_BYTES = 16;
    static final int MAC_BYTES = 32;
    static final int AUTH_BYTES = 1 + 8 + 4 + NONCE_BYTES + MAC_BYTES;
    /** How often HELLO goes again to a rank that has not completed the handshake. */
    private static final long HELLO_RESEND_NS = TimeUnit.MILLISECONDS.toNanos(100);
    static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;
    private static final int NO_SESSION = Integer.MIN_VALUE;
    private static final byte[] AUTH_LABEL = "bind-aeron-auth".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NO_SECRET_KEY = "bind-aeron:no-secret".getBytes(StandardCharsets.US_ASCII);

    /** A runtime frame received from an authenticated rank. */
    record Received(int fromRank, byte[] frame) {
    }

    /** What this peer knows of another rank. */
    private static final class Remote {
        final int rank;
        final Publication publication;
        boolean helloSent;
        long nextHelloNs;
        /** The nonce of the last HELLO received on this rank's bound session, still to be answered. */
        byte[] nonceToAnswer;
        /** The nonce of this rank's latest HELLO (to forge a proof over it). */
        byte[] lastNonce;
        /** A proof of ours went out to this rank: ACCEPT may follow (it must not come before any proof). */
        boolean answered;
        boolean proved;
        boolean acceptPending;
        boolean accepted;
        boolean byeAckPending;
        boolean saidBye;
        int sessionId = NO_SESSION;
        byte[] assembly;
        int assembled;

        Remote(int rank, Publication publication) {
            this.rank = rank;
            this.publication = publication;
        }
    }

    private final AeronSettings settings;
    private final int termBytes;
    private final MediaDriver driver;
    private final Aeron aeron;
    private final Subscription subscription;
    private final Remote[] remotes;
    private final Int2ObjectHashMap<Remote> bySession = new Int2ObjectHashMap<>();
    private final FragmentAssembler assembler = new FragmentAssembler(this::onMessage);
    private final byte[] nonce = new byte[NONCE_BYTES];
    private final Mac mac;
    private final UnsafeBuffer scratch = new UnsafeBuffer(new byte[1024]);
    private final List<Received> received = new ArrayList<>();
    private long nextHeartbeatNs;

    /** Starts a driver, subscribes on this rank's endpoint and publishes (with {@code termBytes} terms) to the others. */
    RawPeer(AeronSettings settings, int termBytes) {
        this.settings = settings;
        this.termBytes = termBytes;
        new SecureRandom().nextBytes(nonce);
        try {
            mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(settings.secret().length == 0 ? NO_SECRET_KEY : settings.secret(), "HmacSHA256"));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
        driver = MediaDriver.launch(new MediaDriver.Context()
            .aeronDirectoryName(settings.aeronDir().getPath())
            .threadingMode(ThreadingMode.SHARED)
            .dirDeleteOnStart(true)
            .dirDeleteOnShutdown(true)
            .termBufferSparseFile(true)
            .publicationTermBufferLength(termBytes)
            .ipcTermBufferLength(64 * 1024)
            .mtuLength(settings.mtuBytes())
            .printConfigurationOnStart(false)
            .warnIfDirectoryExists(false));
        aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(settings.aeronDir().getPath()));
        subscription = aeron.addSubscription(channel(settings.rank()), AeronTransport.STREAM_ID);
        remotes = new Remote[settings.size()];
        for (int r = 0; r < remotes.length; r++) {
            if (r != settings.rank()) {
                remotes[r] = new Remote(r, aeron.addPublication(channel(r), AeronTransport.STREAM_ID));
            }
        }
    }

    private String channel(int rank) {
        var endpoint = settings.peers().get(rank);
        return "aeron:udp?endpoint=" + endpoint.getHostString() + ":" + endpoint.getPort() + "|mtu="
            + settings.mtuBytes() + "|term-length=" + termBytes;
    }

    /** Runs the handshake until every other rank is authenticated and has accepted this one. */
    void connect(Duration limit) {
        long deadlineNs = System.nanoTime() + limit.toNanos();
        while (!allActive()) {
            if (System.nanoTime() > deadlineNs) {
                throw new IllegalStateException("handshake not complete within " + limit);
            }
            if (poll() == 0) {
                LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(100));
            }
        }
    }

    private boolean allActive() {
        for (Remote remote : remotes) {
            if (remote != null && !(remote.proved && remote.accepted)) {
                return false;
            }
        }
        return true;
    }

    /** Whether every other rank has said goodbye. */
    boolean allSaidBye() {
        for (Remote remote : remotes) {
            if (remote != null && !remote.saidBye) {
                return false;
            }
        }
        return true;
    }

    /** Whether every handshake reply and goodbye ack has been sent. */
    boolean flushed() {
        for (Remote remote : remotes) {
            if (remote != null && (remote.nonceToAnswer != null || remote.acceptPending || remote.byeAckPending)) {
                return false;
            }
        }
        return true;
    }

    /** One duty cycle: reads the subscription, then handshake replies, goodbye acks and heartbeats. */
    int poll() {
        int work = subscription.poll(this::onFragment, 64);
        long nowNs = System.nanoTime();
        boolean heartbeat = nowNs - nextHeartbeatNs >= 0;
        if (heartbeat) {
            nextHeartbeatNs = nowNs + settings.heartbeatNs();
        }
        for (Remote remote : remotes) {
            if (remote == null) {
                continue;
            }
            boolean active = remote.proved && remote.accepted;
            if (!active && nowNs - remote.nextHelloNs >= 0 && remote.publication.isConnected()
                && offer(remote.publication, hello())) {
                remote.helloSent = true;
                remote.nextHelloNs = nowNs + HELLO_RESEND_NS;
                work++;
            }
            // as the transport does: nothing before our HELLO, else the peer may accept us before it has sent
            // its AUTH, and its ACCEPT would come from a session not known yet
            if (!remote.helloSent) {
                continue;
            }
            if (remote.nonceToAnswer != null && offer(remote.publication, auth(remote, remote.nonceToAnswer))) {
                remote.nonceToAnswer = null;
                remote.answered = true;
                work++;
            }
            if (remote.acceptPending && remote.answered && offer(remote.publication, new byte[] {ACCEPT})) {
                remote.acceptPending = false;
                work++;
            }
            if (remote.byeAckPending && offer(remote.publication, new byte[] {BYE_ACK})) {
                remote.byeAckPending = false;
                work++;
            }
            if (heartbeat && remote.proved && remote.accepted && !remote.saidBye) {
                offer(remote.publication, new byte[] {HEARTBEAT});
            }
        }
        return work;
    }

    /** The runtime frames received since the last call, in arrival order. */
    List<Received> takeFrames() {
        List<Received> frames = new ArrayList<>(received);
        received.clear();
        return frames;
    }

    /**
     * Sends {@code message} (type byte included) to {@code rank} on the authenticated session, polling while
     * back-pressured.
     */
    void send(int rank, byte[] message) {
        sendOn(remotes[rank].publication, message);
    }

    /** Sends {@code message} on {@code publication}, polling while back-pressured; fails when it cannot be sent. */
    void sendOn(Publication publication, byte[] message) {
        long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        UnsafeBuffer buffer = new UnsafeBuffer(message);
        while (true) {
            long result = publication.offer(buffer, 0, message.length);
            if (result > 0) {
                poll();
                return;
            }
            if (result == Publication.CLOSED || result == Publication.MAX_POSITION_EXCEEDED
                || System.nanoTime() > deadlineNs) {
                throw new IllegalStateException("cannot send " + message.length + " bytes on session "
                    + publication.sessionId() + ": offer returned " + result);
            }
            poll();
            LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(50));
        }
    }

    /** A new publication to {@code rank} with its own session, which has proved nothing: an outsider's. */
    ExclusivePublication outsider(int rank, Duration limit) {
        ExclusivePublication publication = aeron.addExclusivePublication(channel(rank), AeronTransport.STREAM_ID);
        long deadlineNs = System.nanoTime() + limit.toNanos();
        while (!publication.isConnected()) {
            if (System.nanoTime() > deadlineNs) {
                throw new IllegalStateException("outsider publication to rank " + rank + " not connected within " + limit);
            }
            poll();
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
        return publication;
    }

    private boolean offer(Publication publication, byte[] message) {
        return publication.offer(new UnsafeBuffer(message)) > 0;
    }

    // ---------------------------------------------------------------- receiving

    private void onFragment(DirectBuffer buffer, int offset, int length, Header header) {
        Remote remote = bySession.get(header.sessionId());
        if (remote != null) {
            assembler.onFragment(buffer, offset, length, header);
            return;
        }
        switch (buffer.getByte(offset)) {
            case HELLO -> onHello(buffer, offset, length);
            case AUTH -> onAuth(buffer, offset, length, header.sessionId());
            case ACCEPT -> {
                // a rank that bound our session before we saw its proof; it sends HELLO again and we answer
            }
            default -> throw new IllegalStateException("message of type " + buffer.getByte(offset)
                + " from unauthenticated session " + header.sessionId());
        }
    }

    /** Answers a HELLO of a rank still connecting at once (a peer sends HELLO again when an answer is lost). */
    private void onHello(DirectBuffer buffer, int offset, int length) {
        long job = buffer.getLong(offset + 5, ORDER);
        int rank = buffer.getInt(offset + 13, ORDER);
        if (job != settings.jobId() || rank < 0 || rank >= remotes.length || remotes[rank] == null) {
            throw new IllegalStateException("HELLO of job " + Long.toHexString(job) + " rank " + rank);
        }
        Remote remote = remotes[rank];
        if (remote.proved && remote.accepted) {
            return;
        }
        byte[] peerNonce = new byte[NONCE_BYTES];
        buffer.getBytes(offset + 21, peerNonce);
        remote.lastNonce = peerNonce;
        if (remote.helloSent && offer(remote.publication, auth(remote, peerNonce))) {
            remote.answered = true;
        }
    }

    private void onAuth(DirectBuffer buffer, int offset, int length, int sessionId) {
        int rank = buffer.getInt(offset + 9, ORDER);
        if (length != AUTH_BYTES || buffer.getLong(offset + 1, ORDER) != settings.jobId() || rank < 0
            || rank >= remotes.length || remotes[rank] == null) {
            throw new IllegalStateException("malformed AUTH of " + length + " bytes claiming rank " + rank);
        }
        byte[] answered = new byte[NONCE_BYTES];
        buffer.getBytes(offset + 13, answered);
        if (!MessageDigest.isEqual(answered, nonce) || remotes[rank].proved) {
            return;   // an answer to a HELLO sent in our name by someone else, or a second answer
        }
        byte[] given = new byte[MAC_BYTES];
        buffer.getBytes(offset + 13 + NONCE_BYTES, given);
        if (!MessageDigest.isEqual(given, proof(nonce, rank, settings.rank(), sessionId))) {
            throw new IllegalStateException("rank " + rank + "'s proof does not verify with the job's secret");
        }
        Remote remote = remotes[rank];
        remote.sessionId = sessionId;
        remote.proved = true;
        remote.acceptPending = true;
        bySession.put(sessionId, remote);
    }

    private void onMessage(DirectBuffer buffer, int offset, int length, Header header) {
        Remote remote = bySession.get(header.sessionId());
        switch (buffer.getByte(offset)) {
            case ACCEPT -> remote.accepted = true;
            case HEARTBEAT, BYE_ACK, AUTH -> {
            }
            case HELLO -> {
                // the rank has not seen our proof or our ACCEPT (even if we are done with it): both again
                remote.nonceToAnswer = new byte[NONCE_BYTES];
                buffer.getBytes(offset + 21, remote.nonceToAnswer);
                remote.lastNonce = remote.nonceToAnswer;
                remote.acceptPending = true;
            }
            case BYE -> {
                remote.saidBye = true;
                remote.byeAckPending = true;
            }
            case DATA -> {
                byte[] frame = new byte[length - 1];
                buffer.getBytes(offset + 1, frame);
                received.add(new Received(remote.rank, frame));
            }
            case DATA_FIRST -> {
                remote.assembly = new byte[buffer.getInt(offset + 1, ORDER)];
                remote.assembled = length - 5;
                buffer.getBytes(offset + 5, remote.assembly, 0, remote.assembled);
                if (remote.assembled == remote.assembly.length) {   // a frame in one piece
                    received.add(new Received(remote.rank, remote.assembly));
                    remote.assembly = null;
                }
            }
            case DATA_MORE -> {
                buffer.getBytes(offset + 1, remote.assembly, remote.assembled, length - 1);
                remote.assembled += length - 1;
                if (remote.assembled == remote.assembly.length) {
                    received.add(new Received(remote.rank, remote.assembly));
                    remote.assembly = null;
                }
            }
            case REJECT -> throw new IllegalStateException("rank " + remote.rank + " rejected: "
                + text(buffer, offset, length));
            default -> throw new IllegalStateException("message of type " + buffer.getByte(offset) + " from rank "
                + remote.rank);
        }
    }

    private static String text(DirectBuffer buffer, int offset, int length) {
        byte[] text = new byte[length - 1];
        buffer.getBytes(offset + 1, text);
        return new String(text, StandardCharsets.UTF_8);
    }

    // ---------------------------------------------------------------- messages

    private byte[] hello() {
        byte[] build = settings.buildId().getBytes(StandardCharsets.UTF_8);
        UnsafeBuffer out = new UnsafeBuffer(new byte[23 + NONCE_BYTES + build.length]);
        out.putByte(0, HELLO);
        out.putShort(1, settings.protocolVersion(), ORDER);
        out.putShort(3, Frames.PROTOCOL_VERSION, ORDER);
        out.putLong(5, settings.jobId(), ORDER);
        out.putInt(13, settings.rank(), ORDER);
        out.putInt(17, settings.size(), ORDER);
        out.putBytes(21, nonce);
        out.putShort(21 + NONCE_BYTES, (short) build.length, ORDER);
        out.putBytes(23 + NONCE_BYTES, build);
        return out.byteArray();
    }

    private byte[] auth(Remote remote, byte[] peerNonce) {
        return auth(settings.jobId(), settings.rank(), peerNonce, proof(peerNonce, settings.rank(), remote.rank,
            remote.publication.sessionId()));
    }

    /** An AUTH that claims this peer's rank and answers {@code rank}'s nonce with a proof of zeros: a forgery. */
    byte[] forgedAuth(int rank) {
        byte[] peerNonce = remotes[rank].lastNonce;
        return auth(settings.jobId(), settings.rank(), peerNonce, new byte[MAC_BYTES]);
    }

    /** An AUTH message claiming {@code rank}, answering {@code receiverNonce} with {@code proof} (32 bytes). */
    static byte[] auth(long jobId, int rank, byte[] receiverNonce, byte[] proof) {
        UnsafeBuffer out = new UnsafeBuffer(new byte[AUTH_BYTES]);
        out.putByte(0, AUTH);
        out.putLong(1, jobId, ORDER);
        out.putInt(9, rank, ORDER);
        out.putBytes(13, receiverNonce);
        out.putBytes(13 + NONCE_BYTES, proof);
        return out.byteArray();
    }

    /** HMAC-SHA256(secret, "bind-aeron-auth" | receiver's nonce | job | sender rank | receiver rank | sender session). */
    private byte[] proof(byte[] receiverNonce, int fromRank, int toRank, int senderSessionId) {
        UnsafeBuffer fields = new UnsafeBuffer(new byte[20]);
        fields.putLong(0, settings.jobId(), ORDER);
        fields.putInt(8, fromRank, ORDER);
        fields.putInt(12, toRank, ORDER);
        fields.putInt(16, senderSessionId, ORDER);
        mac.update(AUTH_LABEL);
        mac.update(receiverNonce);
        mac.update(fields.byteArray());
        return mac.doFinal();
    }

    /** Closes the client and the driver and deletes the Aeron directory. */
    @Override
    public void close() {
        CloseHelper.quietCloseAll(aeron, driver);
        IoUtil.delete(settings.aeronDir(), true);
    }
}
