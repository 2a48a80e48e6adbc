package org.bind.dag;

import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.bind.collective.Residence;
import org.bind.trace.Tracer;
import org.bind.transport.Frames;
import org.bind.transport.MalformedFrameException;
import org.bind.transport.Messages;
import org.bind.transport.Transport;
import org.bind.version.BufferType;
import org.bind.version.Failure;
import org.bind.version.Version;

/**
 * Implicit transfers. Every rank replays the same bookkeeping for every read of a version by an op placed on
 * a rank that does not hold it ({@link Residence}); the rank that is a requester's parent in the version's tree
 * sends it, the requester expects it, and nobody negotiates.
 *
 * <p>A version is encoded with its codec and sent in chunks of at most {@code chunkBytes} ({@link VersionSender}). A
 * rank that receives a version and is itself a parent forwards each chunk to its children as it arrives, so a large
 * version pipelines down the tree. Each version on its way here is an {@link IncomingTransfer}, which lands chunks
 * straight in the version's final array when its codec decodes ranges. A version whose producer failed travels as a
 * {@code LOST} frame, so that its readers everywhere are skipped instead of waiting.
 *
 * <p>Transfers are keyed by the rank their frames come from (the transport's word): a version's chunks land only
 * from the rank the plan names as its sender ({@link SenderPlan}); data from another rank is refused (plan known
 * here) or left unclaimed and dropped at the sync. Data nobody here has claimed yet is bounded per peer
 * ({@link UnclaimedBudget}).
 *
 * <p>Bookkeeping ({@link #noteRead}, {@link #noteBroadcast}): program thread. Frames: the transport's thread.
 * Sends: the sending threads of {@link SendPumps}.
 */
final class Exchange {
    private final ExchangeHost engine;
    private final Transport transport;
    private final int rank;
    private final int size;
    private final long maxVersionBytes;
    /** Versions on their way here, by the rank they come from: data from a rank the plan does not name never lands. */
    private final Map<Key, IncomingTransfer> incoming = new ConcurrentHashMap<>();
    /** The rank each version this rank expects comes from, by the plan every rank replays. */
    private final SenderPlan plan;
    private final VersionSender sender;
    private final UnclaimedBudget unclaimed;
    private final AtomicInteger pendingReceives = new AtomicInteger();
    private final AtomicLong versionsReceived = new AtomicLong();
    private final AtomicLong bytesReceived = new AtomicLong();
    private final AtomicLong framesDropped = new AtomicLong();
    /** Versions received into a dead version's buffer instead of a new one. */
    private final AtomicLong receivedIntoRecycled = new AtomicLong();
    private final IncomingHost transferHost = new TransferHost();

    private record Key(long objectId, long number, int source) {
        /**
         * Mixed: the record's own hash (31 * id + number) makes every (id, id + 31k) pair collide, so a long
         * epoch of many objects' versions piled up in a few bins.
         */
        @Override
        public int hashCode() {
            long h = (objectId * 0x9E3779B97F4A7C15L) ^ number ^ ((long) source << 48);
            h ^= h >>> 32;
            h *= 0xD6E8FEB86659FD93L;
            return (int) (h ^ (h >>> 32));
        }
    }

    Exchange(ExchangeHost engine, Transport transport, long jobId, int chunkBytes, long maxVersionBytes,
             long maxUnclaimedBytes) {
        this.engine = engine;
        this.transport = transport;
        this.rank = transport.rank();
        this.size = transport.size();
        this.maxVersionBytes = maxVersionBytes;
        this.unclaimed = new UnclaimedBudget(size, maxUnclaimedBytes);
        this.plan = new SenderPlan(rank);
        this.sender = new VersionSender(engine, transport, jobId, chunkBytes, maxVersionBytes);
    }

    // ---------------------------------------------------------------- bookkeeping (program thread)

    /** Ops placed on {@code placement} (or common, {@code -1}) read {@code version}: plan its transfers. */
    void noteRead(Version version, int placement, long epoch) {
        Residence residence = version.residence();
        if (residence == null || residence.owner() == Residence.ALL) {
            return;
        }
        if (placement >= 0) {
            request(version, residence, placement, epoch);
        } else {
            for (int r = 0; r < size; r++) {
                request(version, residence, r, epoch);
            }
        }
    }

    /** A replicated value was written on {@code placement}: every other rank needs the new version. */
    void noteBroadcast(Version version, int placement, long epoch) {
        Residence residence = version.residence();
        for (int r = 0; r < size; r++) {
            if (r != placement) {
                request(version, residence, r, epoch);
            }
        }
    }

    private void request(Version version, Residence residence, int requester, long epoch) {
        if (residence.heldBy(requester)) {
            return;
        }
        int parent = residence.addRequester(requester, epoch);
        if (parent == rank) {
            sendTo(version, requester, epoch);
        }
        if (requester == rank) {
            expect(version, parent);
        }
    }

    private void sendTo(Version version, int child, long epoch) {
        version.addHold();
        engine.enterInFlight();
        Integer from = plan.senderOf(version.chain().id(), version.number());
        IncomingTransfer relay = from == null ? null : incoming.get(key(version, from));
        if (relay != null && relay.addChild(child, version)) {
            return;
        }
        sender.sendWhenDone(version, child, epoch);
    }

    private void expect(Version version, int parent) {
        version.addHold();
        engine.enterInFlight();
        pendingReceives.incrementAndGet();
        plan.expect(version.chain().id(), version.number(), parent);
        incoming.computeIfAbsent(key(version, parent), this::newTransfer).attach(version);
    }

    private IncomingTransfer newTransfer(Key key) {
        return new IncomingTransfer(transferHost, "version " + key.number() + " of object " + key.objectId()
            + " from rank " + key.source(), key.source());
    }

    private static Key key(Version version, int source) {
        return new Key(version.chain().id(), version.number(), source);
    }

    /** Receives still expected by this rank. */
    int pendingReceives() {
        return pendingReceives.get();
    }

    /** Gives up on every expected receive (peers reached sync without sending): their readers are skipped. */
    void abandonReceives(Failure why) {
        for (IncomingTransfer in : incoming.values()) {
            in.abandon(why);
        }
    }

    /**
     * Drops data of epochs up to {@code epoch} that arrived for versions this rank never asked for (a diverged
     * peer); returns how many versions. Data of later epochs (a peer already past this sync) is kept.
     */
    int dropUnclaimed(long epoch) {
        int dropped = 0;
        for (Map.Entry<Key, IncomingTransfer> e : incoming.entrySet()) {
            if (e.getValue().unclaimed(epoch) && incoming.remove(e.getKey(), e.getValue())) {
                e.getValue().discardUnclaimed();
                dropped++;
            }
        }
        framesDropped.addAndGet(dropped);
        return dropped;
    }

    // ---------------------------------------------------------------- receiving (transport thread)

    /**
     * A chunk from {@code fromRank} (the transport's word, not the header's). Throws {@link MalformedFrameException}
     * when the plan names another sender, {@link UnclaimedBudget.UnclaimedOverrunException} when nobody here wants it
     * yet and {@code fromRank} has sent too much such data.
     */
    void onData(int fromRank, Frames.Header header, ByteBuffer frame) {
        if (header.totalLength() > maxVersionBytes) {
            throw new MalformedFrameException("version of " + header.totalLength() + " bytes exceeds the cap of "
                + maxVersionBytes);
        }
        transferFrom(fromRank, header).onChunk(header, frame);
    }

    /**
     * A landing for the chunk {@code header} announces from {@code fromRank}, stored as it arrives
     * ({@link IncomingTransfer#land}); null when it must come whole through {@link #onData}. The receiving thread;
     * never waits.
     */
    Transport.Landing land(int fromRank, Frames.Header header) {
        Integer planned = plan.senderOf(header.objectId(), header.versionNumber());
        IncomingTransfer transfer = planned == null || planned != fromRank || header.totalLength() > maxVersionBytes
            ? null : incoming.get(new Key(header.objectId(), header.versionNumber(), fromRank));
        return transfer == null ? null : transfer.land(header);
    }

    void onLost(int fromRank, Frames.Header header, Messages.Failure failure) {
        transferFrom(fromRank, header).onLost(header, failure);
    }

    /** The transfer {@code header}'s frame belongs to. */
    private IncomingTransfer transferFrom(int fromRank, Frames.Header header) {
        plan.check(fromRank, header);
        return incoming.computeIfAbsent(new Key(header.objectId(), header.versionNumber(), fromRank),
            this::newTransfer);
    }

    /**
     * {@code peer} went past its bound: the transport drops its frames from now on, those it still queues for
     * delivery too, and the unclaimed data it sent is dropped. What it makes this rank hold is then at most one frame.
     */
    void dropUnclaimedFrom(int peer) {
        transport.refuse(peer);
        for (Map.Entry<Key, IncomingTransfer> e : incoming.entrySet()) {
            if (e.getKey().source() == peer && e.getValue().unclaimed() && incoming.remove(e.getKey(), e.getValue())) {
                e.getValue().discardUnclaimed();
                framesDropped.incrementAndGet();
            }
        }
    }

    /** Whether {@code peer} went past its bound of unclaimed data: everything it sends from then on is dropped. */
    boolean refused(int peer) {
        return unclaimed.refused(peer);
    }

    /** Bytes of unclaimed data {@code peer} makes this rank hold. */
    long unclaimedBytesFrom(int peer) {
        return unclaimed.held(peer);
    }

    /** What an {@link IncomingTransfer} does to this rank: forwarding, completing, failing, counting. */
    private final class TransferHost implements IncomingHost {
        @Override
        public void forward(int child, Frames.Header first, int chunk, ByteBuffer payload) {
            ByteBuffer header = Frames.header(Frames.DATA, first.jobId(), first.epoch(), rank, first.objectId(),
                first.versionNumber(), chunk, first.chunks(), first.totalLength(), payload.remaining());
            transport.send(child, header, payload); // taken when it returns: the payload may be a frame in hand
        }

        @Override
        public void forward(int child, Frames.Header first, int chunk, Transport.Payload payload) {
            ByteBuffer header = Frames.header(Frames.DATA, first.jobId(), first.epoch(), rank, first.objectId(),
                first.versionNumber(), chunk, first.chunks(), first.totalLength(), payload.length());
            transport.send(child, header, payload); // written from this rank's copy straight into the transport
        }

        @Override
        public void forwardLost(int child, Frames.Header header, Failure failure) {
            sender.sendLost(child, header.objectId(), header.versionNumber(), header.epoch(), failure);
        }

        @Override
        public Failure failureOf(Messages.Failure failure) {
            return FailureLedger.fromMessage(failure);
        }

        @Override
        public void landed(IncomingTransfer transfer, Version target, Object value, int bytes, int children) {
            versionsReceived.incrementAndGet(); // counted when claimed, so in program order here
            bytesReceived.addAndGet(bytes);
            Tracer tracer = engine.tracer();
            if (tracer != null && transfer.firstChunkNs() != 0) {
                tracer.recordTransfer("receive " + target.chain().name() + " from rank " + transfer.source(),
                    bytes + " bytes", transfer.firstChunkNs(), System.nanoTime());
            }
            engine.addBytes(target.type().bytes(value));
            forget(transfer, target);
            // once it dies (on a worker after its last reader, usually), its buffer returns to the shared pool,
            // where the next version received from there lands
            target.completeReceived(value, engine.sharedPool(), engine);
            pendingReceives.decrementAndGet();
            engine.leaveInFlight();
            sender.countRelayed(children, bytes);
        }

        @Override
        public void failed(IncomingTransfer transfer, Version target, Failure why) {
            forget(transfer, target);
            target.fail(why, null, engine);
            pendingReceives.decrementAndGet();
            engine.leaveInFlight();
        }

        @Override
        public Failure decodeFailed(Version target, RuntimeException cause) {
            engine.onTransferFailed("decoding " + target + " received from another rank", cause);
            return new Failure("receive of " + target, rank, engine.epoch(), cause);
        }

        @Override
        public void releaseChild(Version version) {
            VersionSender.releaseHold(version, engine); // a relay's child: its buffer may serve a receive or a copy
            engine.leaveInFlight();
        }

        @Override
        public void countDropped() {
            framesDropped.incrementAndGet();
        }

        @Override
        public Object recycledBuffer(BufferType<Object> type) {
            Object recycled = engine.sharedPool().take(type);
            if (recycled != null) {
                receivedIntoRecycled.incrementAndGet();
            }
            return recycled;
        }

        @Override
        public void holdUnclaimed(int source, long bytes, String what) {
            unclaimed.charge(source, bytes, what);
        }

        @Override
        public void releaseUnclaimed(int source, long bytes) {
            unclaimed.release(source, bytes);
        }

        private void forget(IncomingTransfer transfer, Version target) {
            incoming.remove(key(target, transfer.source()), transfer);
            plan.forget(target.chain().id(), target.number());
        }
    }

    /** Whether no version is queued or being sent by a send pump ({@link SendPumps#idle}). Any thread. */
    boolean sendsIdle() {
        return sender.idle();
    }

    /** Ends the sending threads once what they send is sent. Any thread. */
    void close() {
        sender.close();
    }

    // ---------------------------------------------------------------- counters

    long versionsSent() {
        return sender.versionsSent();
    }

    long versionsReceived() {
        return versionsReceived.get();
    }

    long bytesSent() {
        return sender.bytesSent();
    }

    long bytesReceived() {
        return bytesReceived.get();
    }

    long framesDropped() {
        return framesDropped.get();
    }

    long receivedIntoRecycled() {
        return receivedIntoRecycled.get();
    }

    void countDropped() {
        framesDropped.incrementAndGet();
    }
}
