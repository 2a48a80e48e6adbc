package org.bind.mpi.aeron;

import java.security.SecureRandom;
import java.util.concurrent.TimeUnit;

import io.aeron.FragmentAssembler;
import io.aeron.Subscription;
import io.aeron.logbuffer.FrameDescriptor;
import io.aeron.logbuffer.Header;
import org.agrona.DirectBuffer;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The polling thread's work: reads this rank's subscription, runs the start-up handshake, sends heartbeats and
 * declares silent peers lost. Complete runtime frames go to {@link AeronTransport#enqueue}, so a receiver that
 * blocks (a forwarding send under back-pressure) never stops heartbeats or the handshake.
 *
 * <p>Handshake, per pair, on the same ordered stream as the data: each side sends HELLO (protocol, build, job,
 * rank, a fresh nonce) once its publication is connected; on a peer's HELLO it answers AUTH, an HMAC over the
 * peer's nonce, the job, both ranks and its own session id; on a valid AUTH it maps the Aeron session to the rank
 * and answers ACCEPT. A peer is active once it proved itself and accepted us. Until a session has proved itself
 * only single-fragment HELLO and AUTH messages are read from it (REJECT too, while connecting); everything else is
 * dropped and counted, and nothing is allocated for it.
 *
 * <p>Polling thread only, except the counters.
 */
final class Inbound {
    private final AeronTransport transport;
    private final AeronSettings settings;
    private final Peer[] peers;
    private final Subscription subscription;
    private final Wire wire;
    private final byte[] nonce = new byte[Wire.NONCE_BYTES];
    private final Int2ObjectHashMap<Peer> bySession = new Int2ObjectHashMap<>();
    private final FragmentAssembler assembler = new FragmentAssembler(this::onMessage);
    private final UnsafeBuffer scratch = new UnsafeBuffer(new byte[Wire.MAX_HELLO_BYTES]);
    private final long timeoutMs;
    private long nowNs;
    private long nextHeartbeatNs;

    Inbound(AeronTransport transport, AeronSettings settings, Peer[] peers, Subscription subscription) {
        this.transport = transport;
        this.settings = settings;
        this.peers = peers;
        this.subscription = subscription;
        this.wire = new Wire(settings.secret());
        this.timeoutMs = TimeUnit.NANOSECONDS.toMillis(settings.heartbeatTimeoutNs());
        new SecureRandom().nextBytes(nonce);
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
        int work = subscription.poll(this::onFragment, 64);
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
        if (!peer.helloSent) {
            int length = Wire.encodeHello(scratch, new Wire.Hello(settings.protocolVersion(),
                org.bind.transport.Frames.PROTOCOL_VERSION, settings.jobId(), settings.rank(), settings.size(), nonce,
                settings.buildId()));
            if (!offer(peer, length)) {
                return 0;
            }
            peer.helloSent = true;
            work++;
        }
        if (peer.rejectPending != null) {
            if (offer(peer, Wire.encodeReject(scratch, peer.rejectPending))) {
                peer.rejectPending = null;
                work++;
            }
        }
        if (peer.authPending) {
            int length = wire.encodeAuth(scratch, settings.jobId(), settings.rank(), peer.rank, peer.peerNonce,
                peer.publication.sessionId());
            if (!offer(peer, length)) {
                return work;
            }
            peer.authPending = false;
            work++;
        }
        if (peer.acceptPending && offerType(peer, Wire.ACCEPT)) {
            peer.acceptPending = false;
            work++;
        }
        if (peer.byeAckPending && offerType(peer, Wire.BYE_ACK)) {
            peer.byeAckPending = false;
            work++;
        }
        if (peer.state == Peer.ACTIVE) {
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
        return offer(peer, 1);
    }

    private boolean offer(Peer peer, int length) {
        return peer.publication.offer(scratch, 0, length) > 0;
    }

    private void onFragment(DirectBuffer buffer, int offset, int length, Header header) {
        Peer peer = bySession.get(header.sessionId());
        if (peer != null) {
            peer.lastHeardNs = nowNs;
            assembler.onFragment(buffer, offset, length, header);
            return;
        }
        if ((header.flags() & FrameDescriptor.UNFRAGMENTED) != FrameDescriptor.UNFRAGMENTED || length < 1) {
            transport.countDropped();
            return;
        }
        switch (buffer.getByte(offset)) {
            case Wire.HELLO -> onHello(buffer, offset, length);
            case Wire.AUTH -> onAuth(buffer, offset, length, header.sessionId());
            case Wire.REJECT -> transport.onRejected(Wire.decodeReject(buffer, offset, length));
            default -> transport.countDropped();
        }
    }

    private void onHello(DirectBuffer buffer, int offset, int length) {
        Wire.Hello hello = Wire.decodeHello(buffer, offset, length);
        if (hello == null || hello.jobId() != settings.jobId() || hello.size() != settings.size() || hello.rank() < 0
            || hello.rank() >= settings.size() || hello.rank() == settings.rank()) {
            transport.countDropped();
            return;
        }
        Peer peer = peers[hello.rank()];
        if (hello.protocol() != settings.protocolVersion() || hello.frameProtocol() != org.bind.transport.Frames.PROTOCOL_VERSION
            || !hello.buildId().equals(settings.buildId())) {
            String reason = "protocol mismatch: rank " + hello.rank() + " speaks protocol " + hello.protocol() + "/"
                + hello.frameProtocol() + " build " + hello.buildId() + ", rank " + settings.rank() + " speaks protocol "
                + settings.protocolVersion() + "/" + org.bind.transport.Frames.PROTOCOL_VERSION + " build "
                + settings.buildId();
            peer.rejectPending = reason;
            transport.onRejected(reason);
            transport.countDropped();
            return;
        }
        if (peer.state == Peer.CONNECTING) {
            peer.peerNonce = hello.nonce();
            peer.authPending = true;
        }
    }

    private void onAuth(DirectBuffer buffer, int offset, int length, int sessionId) {
        int rank = wire.verifyAuth(buffer, offset, length, settings.jobId(), settings.rank(), nonce, sessionId);
        if (rank < 0 || rank >= settings.size() || rank == settings.rank() || peers[rank].sessionId != Peer.NO_SESSION) {
            transport.countRejected();
            int claimed = length == Wire.AUTH_BYTES ? buffer.getInt(offset + 9, Wire.ORDER) : -1;
            if (claimed >= 0 && claimed < settings.size() && claimed != settings.rank()
                && peers[claimed].state == Peer.CONNECTING) {
                peers[claimed].authenticationFailed = true;
                peers[claimed].rejectPending = "rank " + settings.rank() + " rejected rank " + claimed
                    + ": authentication failed (wrong or missing BIND_SECRET)";
            }
            return;
        }
        Peer peer = peers[rank];
        peer.sessionId = sessionId;
        peer.inboundAuthenticated = true;
        peer.lastHeardNs = nowNs;
        peer.acceptPending = true;
        bySession.put(sessionId, peer);
        activateIfReady(peer);
    }

    /** A whole message from an authenticated peer. */
    private void onMessage(DirectBuffer buffer, int offset, int length, Header header) {
        Peer peer = bySession.get(header.sessionId());
        if (peer == null || length < 1) {
            transport.countDropped();
            return;
        }
        switch (buffer.getByte(offset)) {
            case Wire.DATA -> {
                if (length - 1 > settings.maxFrameBytes()) {
                    transport.countDropped();   // a sender with a larger cap, or garbage: refused like a DATA_FIRST
                    return;
                }
                byte[] frame = new byte[length - 1];
                buffer.getBytes(offset + 1, frame);
                transport.enqueue(peer.rank, frame);
            }
            case Wire.DATA_FIRST -> onFirstPiece(peer, buffer, offset, length);
            case Wire.DATA_MORE -> onNextPiece(peer, buffer, offset, length);
            case Wire.ACCEPT -> {
                peer.acceptedByPeer = true;
                activateIfReady(peer);
            }
            case Wire.BYE -> {
                transport.onPeerClosed(peer);
                peer.byeAckPending = true;
            }
            case Wire.BYE_ACK -> peer.byeAcked = true;
            case Wire.REJECT -> transport.onRejected(Wire.decodeReject(buffer, offset, length));
            case Wire.HEARTBEAT, Wire.HELLO, Wire.AUTH -> {
            }
            default -> transport.countDropped();
        }
    }

    private void onFirstPiece(Peer peer, DirectBuffer buffer, int offset, int length) {
        int piece = length - 5;
        int total = piece >= 0 ? buffer.getInt(offset + 1, Wire.ORDER) : -1;
        if (piece < 0 || peer.assembly != null || total <= piece || total > settings.maxFrameBytes()) {
            peer.assembly = null;
            transport.countDropped();
            return;
        }
        peer.assembly = new byte[total];
        buffer.getBytes(offset + 5, peer.assembly, 0, piece);
        peer.assembled = piece;
    }

    private void onNextPiece(Peer peer, DirectBuffer buffer, int offset, int length) {
        byte[] assembly = peer.assembly;
        int piece = length - 1;
        if (assembly == null || piece > assembly.length - peer.assembled) {
            peer.assembly = null;
            transport.countDropped();
            return;
        }
        buffer.getBytes(offset + 1, assembly, peer.assembled, piece);
        peer.assembled += piece;
        if (peer.assembled == assembly.length) {
            peer.assembly = null;
            transport.enqueue(peer.rank, assembly);
        }
    }

    private void activateIfReady(Peer peer) {
        if (peer.inboundAuthenticated && peer.acceptedByPeer && peer.state == Peer.CONNECTING) {
            peer.lastHeardNs = nowNs;
            peer.state = Peer.ACTIVE;
        }
    }
}
