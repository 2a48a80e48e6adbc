package org.bind.mpi.aeron;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.SecureRandom;
import java.util.concurrent.TimeUnit;

import io.aeron.FragmentAssembler;
import io.aeron.Subscription;
import io.aeron.logbuffer.FragmentHandler;
import io.aeron.logbuffer.FrameDescriptor;
import io.aeron.logbuffer.Header;
import org.agrona.DirectBuffer;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.concurrent.UnsafeBuffer;
import org.bind.transport.Frames;
import org.bind.transport.Transport;

/**
 * (Above the ~400 lines aimed at: the handshake and the frame pieces are read by one fragment handler, whose state
 * per peer they share.)
 *
 * <p>The polling thread's work: reads this rank's subscriptions, runs the start-up handshake, sends heartbeats and
 * declares silent peers lost. The bytes of a runtime frame go, fragment by fragment, to the receiver's landing
 * ({@link Transport.Receiver#onFrameStart}, which never blocks) or into an array of the frame's length; the frame
 * itself is then queued ({@link AeronTransport#enqueue}, {@link AeronTransport#enqueueLanded}) for the delivering
 * thread, so a receiver that blocks (a forwarding send under back-pressure) never stops heartbeats or the handshake.
 *
 * <h2>Handshake</h2>
 * Per pair, on the same ordered stream as the data; each peer's progress is a {@link Handshake} state. Each side
 * sends HELLO (protocol, build, job, rank, its nonce) once its publication is connected, and again every
 * {@value #HELLO_RESEND_MS} ms until the peer is active. Every HELLO for this job that claims a rank still connecting
 * is answered at once, on the publication to that rank's endpoint, by an AUTH that carries the nonce it answers and
 * an HMAC over it, the job, both ranks and our session id; nothing of the HELLO is kept. A HELLO in a rank's name
 * sent by someone else therefore only makes us send the real rank a proof over a nonce it does not know, which it
 * drops; the real rank's next HELLO is answered as well. An AUTH over this rank's nonce that verifies binds its
 * Aeron session to the rank (PROVED) and is answered by ACCEPT; the peer's ACCEPT on that session makes it ACTIVE.
 *
 * <h2>Unauthenticated sessions</h2>
 * A session bound to no rank is stateless here: only single-fragment HELLO and AUTH messages are read from it, and
 * nothing it sends can fail, delay or change the state of this rank. Everything else (any other type, fragments,
 * malformed, another job's, a HELLO for a rank that is not connecting, an AUTH over another nonce or with a bad
 * proof) is dropped and counted ({@link AeronTransport#droppedMessages}), and nothing is allocated for it. A bad
 * proof over our nonce is also counted as rejected and named in the connect-timeout message, as is a HELLO of
 * another protocol or build; neither is answered (a REJECT would reach the real rank, not the sender).
 *
 * <h2>Two paths</h2>
 * A rank whose host's ranks share a media driver while others run elsewhere polls two subscriptions ({@link Lane}):
 * IPC, on which only the ranks of its host are heard, and UDP, on which only the others are. Each lane binds sessions
 * to ranks on its own, and a HELLO or AUTH claiming a rank that the launcher's placement puts on the other path is
 * dropped and counted: a UDP session can never pass for a rank of this host, nor an IPC one for a remote rank.
 *
 * <p>Polling thread only, except the counters.
 */
final class Inbound {
    static final long HELLO_RESEND_MS = 100;

    private final AeronTransport transport;
    private final AeronSettings settings;
    private final Peer[] peers;
    private final Lane[] lanes;
    private final FragmentHandler onFragment = this::onFragment;
    private final Wire wire;
    private final byte[] nonce = new byte[Wire.NONCE_BYTES];
    /** The lane being polled. */
    private Lane lane;
    private final UnsafeBuffer scratch = new UnsafeBuffer(new byte[Wire.MAX_HELLO_BYTES]);
    private final UnsafeBuffer hello;
    private final int helloLength;
    private final long timeoutMs;
    private final long helloResendNs = TimeUnit.MILLISECONDS.toNanos(HELLO_RESEND_MS);
    private long nowNs;
    private long nextHeartbeatNs;

    /** One subscription and the sessions bound to ranks on it: IPC (the ranks of this host) or UDP (the others). */
    private final class Lane {
        final Subscription subscription;
        final boolean ipc;
        final Int2ObjectHashMap<Peer> bySession = new Int2ObjectHashMap<>();
        final FragmentAssembler assembler = new FragmentAssembler(Inbound.this::onMessage);

        Lane(Subscription subscription, boolean ipc) {
            this.subscription = subscription;
            this.ipc = ipc;
        }
    }

    /** {@code ipc} and {@code udp}: this rank's subscriptions on each path, null where it has no peer on that path. */
    Inbound(AeronTransport transport, AeronSettings settings, Peer[] peers, Subscription ipc, Subscription udp) {
        this.transport = transport;
        this.settings = settings;
        this.peers = peers;
        this.lanes = ipc == null ? new Lane[] {new Lane(udp, false)} : udp == null ? new Lane[] {new Lane(ipc, true)}
            : new Lane[] {new Lane(ipc, true), new Lane(udp, false)};
        this.wire = new Wire(settings.secret());
        this.timeoutMs = TimeUnit.NANOSECONDS.toMillis(settings.heartbeatTimeoutNs());
        new SecureRandom().nextBytes(nonce);
        hello = new UnsafeBuffer(new byte[Wire.MAX_HELLO_BYTES]);
        helloLength = Wire.encodeHello(hello, new Wire.Hello(settings.protocolVersion(), Frames.PROTOCOL_VERSION,
            settings.jobId(), settings.rank(), settings.size(), nonce, settings.buildId()));
    }

    /** One duty cycle; returns the work done (0: idle). */
    int doWork(long nowNs) {
        if (nowNs - this.nowNs > settings.heartbeatTimeoutNs() / 2) {
            // This thread itself stalled (GC pause, SIGSTOP, starved CPU): the silence was ours, not the peers'.
            for (Peer peer : peers) {
                if (peer != null) {
                    peer.lastHeardNs = nowNs;
                }
            }
        }
        this.nowNs = nowNs;
        int work = 0;
        for (Lane polled : lanes) {
            lane = polled;
            work += polled.subscription.poll(onFragment, 64);
        }
        boolean heartbeat = nowNs - nextHeartbeatNs >= 0;
        if (heartbeat) {
            nextHeartbeatNs = nowNs + settings.heartbeatNs();
        }
        for (Peer peer : peers) {
            if (peer != null) {
                work += housekeep(peer, heartbeat);
            }
        }
        return work;
    }

    private int housekeep(Peer peer, boolean heartbeat) {
        int work = 0;
        Handshake state = peer.state();
        if (state.connecting() && nowNs - peer.nextHelloNs >= 0) {
            if (!offer(peer, hello, helloLength)) {
                return 0;   // not connected yet, or back-pressured: nothing else may precede our HELLO
            }
            peer.nextHelloNs = nowNs + helloResendNs;
            peer.on(Handshake.Event.HELLO_SENT);
            work++;
        }
        if (peer.state() == Handshake.NEW) {
            return work;
        }
        // ACCEPT only after a proof of ours went out to this peer: else it could arrive before any proof of ours
        // and be dropped (when a HELLO of the peer came before our own HELLO; the peer sends HELLO again)
        if (peer.acceptPending && peer.answered && offerType(peer, Wire.ACCEPT)) {
            peer.acceptPending = false;
            work++;
        }
        if (peer.byeAckPending && offerType(peer, Wire.BYE_ACK)) {
            peer.byeAckPending = false;
            work++;
        }
        if (peer.state() == Handshake.ACTIVE) {
            if (heartbeat) {
                offerType(peer, Wire.HEARTBEAT);
            }
            if (nowNs - peer.lastHeardNs > settings.heartbeatTimeoutNs()) {
                transport.onPeerLost(peer, "no heartbeat for " + timeoutMs + " ms");
                work++;
            }
        }
        return work;
    }

    private boolean offerType(Peer peer, byte type) {
        scratch.putByte(0, type);
        return offer(peer, scratch, 1);
    }

    private static boolean offer(Peer peer, UnsafeBuffer buffer, int length) {
        return peer.offer(buffer, length) > 0;
    }

    private void onFragment(DirectBuffer buffer, int offset, int length, Header header) {
        Peer peer = lane.bySession.get(header.sessionId());
        if (peer != null) {
            peer.lastHeardNs = nowNs;
            onPeerFragment(peer, buffer, offset, length, header);
            return;
        }
        if ((header.flags() & FrameDescriptor.UNFRAGMENTED) != FrameDescriptor.UNFRAGMENTED || length < 1) {
            transport.countDropped();
            return;
        }
        switch (buffer.getByte(offset)) {
            case Wire.HELLO -> {
                if (!onHello(buffer, offset, length, false)) {
                    transport.countDropped();
                }
            }
            case Wire.AUTH -> onAuth(buffer, offset, length, header.sessionId());
            default -> transport.countDropped();
        }
    }

    /**
     * Answers a HELLO of a rank still connecting with our proof; false when the HELLO is not for us to answer. A
     * HELLO on the rank's own proven session ({@code bound}) is answered even when the rank is active here: it
     * says that the rank has not seen our ACCEPT yet (an ACCEPT that overtook every valid proof of ours is dropped).
     */
    private boolean onHello(DirectBuffer buffer, int offset, int length, boolean bound) {
        Wire.Hello hello = Wire.decodeHello(buffer, offset, length);
        if (hello == null || hello.jobId() != settings.jobId() || hello.size() != settings.size() || hello.rank() < 0
            || hello.rank() >= settings.size() || hello.rank() == settings.rank()) {
            return false;
        }
        Peer peer = peers[hello.rank()];
        if (peer.ipc != lane.ipc) {
            return false;   // the rank is on the other path: whoever sent this is not that rank
        }
        if (hello.protocol() != settings.protocolVersion() || hello.frameProtocol() != Frames.PROTOCOL_VERSION
            || !hello.buildId().equals(settings.buildId())) {
            if (peer.state().connecting()) {
                peer.mismatch = "protocol mismatch: a peer claiming to be rank " + hello.rank() + " speaks protocol "
                    + hello.protocol() + "/" + hello.frameProtocol() + " build " + hello.buildId() + ", rank "
                    + settings.rank() + " speaks protocol " + settings.protocolVersion() + "/"
                    + Frames.PROTOCOL_VERSION + " build " + settings.buildId()
                    + ((hello.protocol() ^ settings.protocolVersion()) == AeronSettings.WIRE_MAC_PROTOCOL_FLAG
                    ? " (frames with MACs on one side only: set " + AeronSettings.WIRE_MAC_ENV + " / bind.wire.mac"
                    + " the same on every rank)" : "");
            }
            return false;
        }
        Handshake state = peer.state();
        if (state == Handshake.NEW) {
            return true;    // our own HELLO is not out yet, nor could an answer be: the peer sends its HELLO again
        }
        if (state != Handshake.HELLO_SENT && state != Handshake.PROVED && !(bound && state == Handshake.ACTIVE)) {
            return false;   // active (and the sender proved nothing) or gone
        }
        int answer = wire.encodeAuth(scratch, settings.jobId(), settings.rank(), peer.rank, hello.nonce(),
            peer.publication.sessionId());
        if (offer(peer, scratch, answer)) {
            peer.answered = true;
        }   // else back-pressured: the peer's next HELLO is answered instead
        return true;
    }

    private void onAuth(DirectBuffer buffer, int offset, int length, int sessionId) {
        int rank = wire.verifyAuth(buffer, offset, length, settings.jobId(), settings.rank(), settings.size(), nonce,
            sessionId);
        if (rank == Wire.AUTH_BAD_PROOF) {
            transport.countRejected();
            Peer claimed = peers[Wire.claimedRank(buffer, offset)];
            if (claimed.state().connecting()) {
                claimed.authenticationFailed = true;
            }
            return;
        }
        if (rank < 0 || peers[rank].ipc != lane.ipc || peers[rank].sessionId != Peer.NO_SESSION
            || !peers[rank].on(Handshake.Event.PEER_PROVED)) {
            transport.countDropped();   // malformed, another nonce, the other path, or a rank already bound
            return;
        }
        Peer peer = peers[rank];
        peer.sessionId = sessionId;
        peer.lastHeardNs = nowNs;
        peer.acceptPending = true;
        lane.bySession.put(sessionId, peer);
    }

    /**
     * A fragment from an authenticated peer. Pieces of runtime frames ({@code DATA_FIRST}, {@code DATA_MORE}) go
     * fragment by fragment to the frame's landing or into the frame's array, which the first piece's length sized: no
     * reassembly buffer in between. Other fragmented messages go through Aeron's assembler.
     */
    private void onPeerFragment(Peer peer, DirectBuffer buffer, int offset, int length, Header header) {
        byte flags = header.flags();
        if ((flags & FrameDescriptor.UNFRAGMENTED) == FrameDescriptor.UNFRAGMENTED) {
            onMessage(buffer, offset, length, header);
            return;
        }
        if ((flags & FrameDescriptor.BEGIN_FRAG_FLAG) != 0) {
            byte type = length < 1 ? 0 : buffer.getByte(offset);
            peer.fragmentedPiece = type == Wire.DATA_FIRST || type == Wire.DATA_MORE;
            if (peer.fragmentedPiece) {
                onMessage(buffer, offset, length, header);
            }
        } else if (peer.fragmentedPiece) {
            appendPiece(peer, buffer, offset, length);
        }
        if (!peer.fragmentedPiece) {
            lane.assembler.onFragment(buffer, offset, length, header);
        }
        if ((flags & FrameDescriptor.END_FRAG_FLAG) != 0) {
            peer.fragmentedPiece = false;
        }
    }

    /** A whole message from an authenticated peer (or the first fragment of a piece of a frame). */
    private void onMessage(DirectBuffer buffer, int offset, int length, Header header) {
        Peer peer = lane.bySession.get(header.sessionId());
        if (peer == null || length < 1) {
            transport.countDropped();
            return;
        }
        byte type = buffer.getByte(offset);
        if (peer.refused && (type == Wire.DATA || type == Wire.DATA_FIRST || type == Wire.DATA_MORE
            || type == Wire.MAC)) {
            dropRefused(peer, type);
            return;
        }
        switch (type) {
            case Wire.DATA -> {
                if (length - 1 > settings.maxFrameBytes()) {
                    transport.countDropped();   // a sender with a larger cap, or garbage: refused like a DATA_FIRST
                    return;
                }
                byte[] frame = new byte[length - 1];
                buffer.getBytes(offset + 1, frame);
                onWholeFrame(peer, frame);
            }
            case Wire.MAC -> onTag(peer, buffer, offset, length);
            case Wire.DATA_FIRST -> onFirstPiece(peer, buffer, offset, length);
            case Wire.DATA_MORE -> onNextPiece(peer, buffer, offset, length);
            case Wire.ACCEPT -> {
                if (peer.on(Handshake.Event.PEER_ACCEPTED)) {
                    peer.lastHeardNs = nowNs;
                }
            }
            case Wire.HELLO -> {
                // the peer has not seen our ACCEPT, or a valid proof before it: both again, in that order
                Handshake state = peer.state();
                if ((state == Handshake.PROVED || state == Handshake.ACTIVE) && onHello(buffer, offset, length, true)) {
                    peer.acceptPending = true;
                }
            }
            case Wire.BYE -> {
                transport.onPeerClosed(peer);
                peer.byeAckPending = true;
            }
            case Wire.BYE_ACK -> peer.byeAcked = true;
            case Wire.HEARTBEAT, Wire.AUTH -> {
            }
            default -> transport.countDropped();
        }
    }

    /**
     * The first piece of a frame: the receiver may take the frame's bytes where they belong as they arrive
     * ({@link Transport.Receiver#onFrameStart}: one copy, from the log buffer); else they are copied into an array
     * of the frame's length, checked against the cap first.
     */
    private void onFirstPiece(Peer peer, DirectBuffer buffer, int offset, int length) {
        int total = length >= 5 ? buffer.getInt(offset + 1, Wire.ORDER) : -1;
        if (peer.assembly != null || peer.landing != null || total < 0 || total > settings.maxFrameBytes()) {
            dropAssembly(peer);
            return;
        }
        peer.assembled = 0;
        peer.frameLength = total;
        // with MACs no byte lands before its frame's tag verifies: the frame is assembled, checked, then delivered
        peer.landing = peer.receiveMac != null ? null
            : transport.landing(peer.rank, view(buffer, offset + 5, length - 5), total);
        if (peer.landing == null) {
            peer.assembly = new byte[total];   // total checked against the cap above
        }
        appendPiece(peer, buffer, offset + 5, length - 5);
    }

    private void onNextPiece(Peer peer, DirectBuffer buffer, int offset, int length) {
        if (peer.assembly == null && peer.landing == null) {
            dropAssembly(peer);
            return;
        }
        appendPiece(peer, buffer, offset + 1, length - 1);
    }

    /** Hands the next bytes of the frame to its landing, or copies them into its array; delivers it once whole. */
    private void appendPiece(Peer peer, DirectBuffer buffer, int offset, int length) {
        if (peer.assembly == null && peer.landing == null) {
            return;   // the rest of a piece already dropped
        }
        if (length > peer.frameLength - peer.assembled) {
            dropAssembly(peer);
            return;
        }
        if (peer.landing != null) {
            peer.landing.put(view(buffer, offset, length));
        } else {
            buffer.getBytes(offset, peer.assembly, peer.assembled, length);
        }
        peer.assembled += length;
        if (peer.assembled == peer.frameLength) {
            Transport.Landing landing = peer.landing;
            byte[] assembly = peer.assembly;
            peer.landing = null;
            peer.assembly = null;
            if (landing != null) {
                transport.enqueueLanded(peer.rank, landing);
            } else {
                onWholeFrame(peer, assembly);
            }
        }
    }

    /** A piece of a frame (or its tag) from a peer the receiver refused: dropped uncopied (a frame counted once). */
    private void dropRefused(Peer peer, byte type) {
        if (type == Wire.DATA || type == Wire.DATA_FIRST
            || (type == Wire.DATA_MORE && (peer.assembly != null || peer.landing != null))) {
            transport.countDropped();
        }
        peer.assembly = null;
        peer.landing = null;   // a landing that is never delivered leaves its frame unused
        peer.unverified = null;
    }

    /** A whole frame from {@code peer}: delivered, or, when frames carry MACs, kept until its tag comes. */
    private void onWholeFrame(Peer peer, byte[] frame) {
        if (peer.receiveMac == null) {
            transport.enqueue(peer.rank, frame);
            return;
        }
        if (peer.unverified != null) {
            transport.countMacFailure(); // a frame without its tag
        }
        peer.unverified = frame;
    }

    /** The tag of the frame {@code peer} sent last: the frame is delivered if it verifies, else dropped and counted. */
    private void onTag(Peer peer, DirectBuffer buffer, int offset, int length) {
        byte[] frame = peer.unverified;
        peer.unverified = null;
        if (peer.receiveMac == null || frame == null || length != 1 + FrameMac.TAG_BYTES
            || !peer.receiveMac.verify(frame, buffer, offset + 1)) {
            transport.countMacFailure();
            return;
        }
        transport.enqueue(peer.rank, frame);
    }

    /** Drops the frame being assembled or landed (a landing that is never delivered leaves its frame unused). */
    private void dropAssembly(Peer peer) {
        peer.assembly = null;
        peer.landing = null;
        transport.countDropped();
    }

    /** Bytes {@code offset..offset+length} of {@code buffer} (Aeron's log buffer) as a little-endian view, no copy. */
    private static ByteBuffer view(DirectBuffer buffer, int offset, int length) {
        ByteBuffer mapped = buffer.byteBuffer();
        if (mapped != null) {
            return mapped.slice((int) buffer.wrapAdjustment() + offset, length).order(ByteOrder.LITTLE_ENDIAN);
        }
        byte[] array = buffer.byteArray();
        if (array != null) {
            return ByteBuffer.wrap(array, (int) buffer.wrapAdjustment() + offset, length).slice()
                .order(ByteOrder.LITTLE_ENDIAN);
        }
        byte[] copy = new byte[length];   // neither mapped nor on the heap: not a log buffer Aeron makes
        buffer.getBytes(offset, copy);
        return ByteBuffer.wrap(copy).order(ByteOrder.LITTLE_ENDIAN);
    }
}
