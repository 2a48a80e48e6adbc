package org.bind.dag;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.bind.codec.Codec;
import org.bind.codec.CodecException;
import org.bind.collective.Residence;
import org.bind.transport.Frames;
import org.bind.transport.Messages;
import org.bind.transport.Transport;
import org.bind.version.BufferPool;
import org.bind.version.BufferType;
import org.bind.version.Failure;
import org.bind.version.Version;
import org.bind.version.VersionWaiter;

/**
 * Implicit transfers. Every rank replays the same bookkeeping for every read of a version by an op placed on
 * a rank that does not hold it ({@link Residence}); the rank that is a requester's parent in the version's tree
 * sends it, the requester expects it, and nobody negotiates.
 *
 * <p>A version is encoded with its codec and sent in chunks of at most {@code chunkBytes}. A rank that receives
 * a version and is itself a parent forwards each chunk to its children as it arrives, so a large version
 * pipelines down the tree. A version whose producer failed travels as a {@code LOST} frame, so that its
 * readers everywhere are skipped instead of waiting.
 *
 * <p>Bookkeeping ({@link #noteRead}, {@link #noteBroadcast}): program thread. Frames: the transport's thread.
 * Sends: workers.
 */
final class Exchange {
    private final Engine engine;
    private final Transport transport;
    private final int rank;
    private final int size;
    private final long jobId;
    private final int chunkBytes;
    private final long maxVersionBytes;
    private final Map<Key, Incoming> incoming = new ConcurrentHashMap<>();
    private final AtomicInteger pendingReceives = new AtomicInteger();
    private final AtomicLong versionsSent = new AtomicLong();
    private final AtomicLong versionsReceived = new AtomicLong();
    private final AtomicLong bytesSent = new AtomicLong();
    private final AtomicLong bytesReceived = new AtomicLong();
    private final AtomicLong framesDropped = new AtomicLong();

    /** A first chunk at least this large (or the whole version) lets the receiver allocate the whole version. */
    private static final int EAGER_CHUNK_BYTES = 64 * 1024;

    private record Key(long objectId, long number) {
        /**
         * Mixed: the record's own hash (31 * id + number) makes every (id, id + 31k) pair collide, so a long
         * epoch of many objects' versions piled up in a few bins.
         */
        @Override
        public int hashCode() {
            long h = (objectId * 0x9E3779B97F4A7C15L) ^ number;
            h ^= h >>> 32;
            h *= 0xD6E8FEB86659FD93L;
            return (int) (h ^ (h >>> 32));
        }
    }

    Exchange(Engine engine, Transport transport, long jobId, int chunkBytes, long maxVersionBytes) {
        this.engine = engine;
        this.transport = transport;
        this.rank = transport.rank();
        this.size = transport.size();
        this.jobId = jobId;
        this.chunkBytes = chunkBytes;
        this.maxVersionBytes = maxVersionBytes;
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
            expect(version);
        }
    }

    private void sendTo(Version version, int child, long epoch) {
        version.addHold();
        engine.enterInFlight();
        Incoming relay = incoming.get(key(version));
        if (relay != null && relay.addChild(child)) {
            return;
        }
        SendTask task = new SendTask(version, child, epoch);
        if (!version.addWaiter(task)) {
            engine.schedule(task);
        }
    }

    private void expect(Version version) {
        version.addHold();
        engine.enterInFlight();
        pendingReceives.incrementAndGet();
        incoming.computeIfAbsent(key(version), k -> new Incoming(k)).attach(version);
    }

    private static Key key(Version version) {
        return new Key(version.chain().id(), version.number());
    }

    /** Receives still expected by this rank. */
    int pendingReceives() {
        return pendingReceives.get();
    }

    /** Gives up on every expected receive (peers reached sync without sending): their readers are skipped. */
    void abandonReceives(Failure why) {
        for (Incoming in : incoming.values()) {
            in.abandon(why);
        }
    }

    /**
     * Drops data of epochs up to {@code epoch} that arrived for versions this rank never asked for (a diverged
     * peer); returns how many versions. Data of later epochs (a peer already past this sync) is kept.
     */
    int dropUnclaimed(long epoch) {
        int dropped = 0;
        for (Map.Entry<Key, Incoming> e : incoming.entrySet()) {
            if (e.getValue().unclaimed(epoch) && incoming.remove(e.getKey(), e.getValue())) {
                dropped++;
            }
        }
        framesDropped.addAndGet(dropped);
        return dropped;
    }

    // ---------------------------------------------------------------- sending (workers)

    /** Sends one whole version to one child once the version is done here. */
    private final class SendTask extends ForkJoinTask<Void> implements VersionWaiter {
        private static final long serialVersionUID = 1L;
        private final transient Version version;
        private final int child;
        private final long epoch;

        SendTask(Version version, int child, long epoch) {
            this.version = version;
            this.child = child;
            this.epoch = epoch;
        }

        @Override
        public void onVersionDone(Version done) {
            engine.schedule(this);
        }

        @Override
        protected boolean exec() {
            try {
                if (version.isFailed()) {
                    sendLost(child, version, epoch, version.failure());
                } else {
                    sendWhole(child, version, epoch);
                }
            } catch (Throwable t) {
                engine.onTransferFailed("sending " + version + " to rank " + child, t);
            } finally {
                version.releaseHold(BufferPool.ofCurrentThread(), engine);
                engine.leaveInFlight();
            }
            return true;
        }

        @Override
        public Void getRawResult() {
            return null;
        }

        @Override
        protected void setRawResult(Void value) {
        }
    }

    /**
     * Sends {@code version} to {@code child} in chunks. A codec that encodes ranges ({@link Codec#encodeRange})
     * fills one chunk-sized buffer per chunk; otherwise the whole value is encoded once and sent slice by slice.
     */
    private void sendWhole(int child, Version version, long epoch) {
        if (version.buffer() != null) {
            sendBuffer(child, version, epoch, version.buffer());
            return;
        }
        BufferType<Object> type = version.chain().type();
        Object zeros = type.allocate(); // a first version never materialised here, made for this send only
        try {
            sendBuffer(child, version, epoch, zeros);
        } finally {
            type.discard(zeros);
        }
    }

    private void sendBuffer(int child, Version version, long epoch, Object buffer) {
        Codec<Object> codec = version.chain().type().codec();
        int total;
        try {
            total = codec.encodedLength(buffer);
            if (total > maxVersionBytes) {
                throw new CodecException(version.chain().name() + ": a version of " + total + " bytes exceeds "
                    + "bind.max.version.bytes=" + maxVersionBytes + " (set it with -Dbind.max.version.bytes=N on"
                    + " every rank, or split the object)");
            }
        } catch (CodecException tooLarge) {
            // nothing sent yet: the child fails its readers with this reason instead of waiting; the caller
            // reports it on every rank
            sendLost(child, version, epoch, new Failure("send of " + version.chain().name(), rank, epoch, tooLarge));
            throw tooLarge;
        }
        int chunks = Math.max(1, (int) ((total + (long) chunkBytes - 1) / chunkBytes));
        ByteBuffer encoded = codec.encodedView(buffer); // the storage's own bytes: sent without a copy
        ByteBuffer piece = encoded != null ? null
            : ByteBuffer.allocate(Math.min(chunkBytes, total)).order(ByteOrder.LITTLE_ENDIAN);
        if (encoded == null && !codec.encodeRange(buffer, 0, piece)) {
            encoded = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
            codec.encode(buffer, encoded, 0);
        }
        for (int c = 0; c < chunks; c++) {
            int from = c * chunkBytes;
            int length = Math.min(chunkBytes, total - from);
            ByteBuffer header = Frames.header(Frames.DATA, jobId, epoch, rank, version.chain().id(),
                version.number(), c, chunks, total, length);
            ByteBuffer payload;
            if (encoded != null) {
                payload = encoded.slice(from, length);
            } else {
                piece.clear().limit(length);
                if (c > 0) {
                    codec.encodeRange(buffer, from, piece);
                }
                payload = piece;
            }
            transport.send(child, header, payload); // the transport has taken the bytes when it returns
        }
        versionsSent.incrementAndGet();
        bytesSent.addAndGet(total);
    }

    private void sendLost(int child, Version version, long epoch, Failure failure) {
        ByteBuffer payload = Messages.encode(Engine.toMessage(failure, -1));
        ByteBuffer frame = Frames.allocate(Frames.LOST, jobId, epoch, rank, version.chain().id(), version.number(),
            0, 1, payload.remaining(), payload.remaining());
        frame.put(frame.position(), payload, 0, payload.remaining());
        frame.position(0);
        transport.send(child, frame);
    }

    // ---------------------------------------------------------------- receiving (transport thread)

    void onData(Frames.Header header, ByteBuffer frame) {
        if (header.totalLength() > maxVersionBytes) {
            throw new org.bind.transport.MalformedFrameException("version of " + header.totalLength()
                + " bytes exceeds the cap of " + maxVersionBytes);
        }
        Key key = new Key(header.objectId(), header.versionNumber());
        incoming.computeIfAbsent(key, Incoming::new).onChunk(header, frame);
    }

    void onLost(Frames.Header header, Messages.Failure failure) {
        Key key = new Key(header.objectId(), header.versionNumber());
        incoming.computeIfAbsent(key, Incoming::new).onLost(header, failure);
    }

    /** One version on its way here: chunks so far, the local version waiting for it, children to forward to. */
    private final class Incoming {
        private final Key key;
        private Version target;
        /**
         * The version's bytes. Filled chunk by chunk (chunks arrive in order) when the first chunk is a full-sized
         * one ({@link #EAGER_CHUNK_BYTES}, or the whole version) and the declared chunks can add up to the declared
         * length; else the chunks are kept apart ({@link #pieces}) and joined once all arrived, so that small frames
         * claiming a large version allocate no more than they carry.
         */
        private byte[] assembled;
        private List<byte[]> pieces;
        private boolean complete;
        /** The first chunk's header: what forwarded chunks repeat (with this rank as their source). */
        private Frames.Header first;
        /** Payload length of each chunk so far, to forward them to a child that joins late. */
        private int[] chunkLengths = new int[8];
        private int chunksReceived;
        private int chunks;
        private long bytesSoFar;
        private int totalLength;
        private Messages.Failure lost;
        private final List<Integer> children = new ArrayList<>(2);
        private boolean done;
        private long firstEpoch = Long.MAX_VALUE;
        private long relayedBytes;

        Incoming(Key key) {
            this.key = key;
        }

        synchronized void attach(Version version) {
            target = version;
            if (complete) {
                finish();
            } else if (lost != null) {
                fail(Engine.fromMessage(lost));
            }
        }

        synchronized boolean addChild(int child) {
            if (done || lost != null) {
                return false;
            }
            int at = 0;
            for (int c = 0; c < chunksReceived; c++) {
                if (pieces != null) {
                    forward(child, c, pieces.get(c), 0, chunkLengths[c]);
                } else {
                    forward(child, c, assembled, at, chunkLengths[c]);
                }
                at += chunkLengths[c];
            }
            children.add(child);
            return true;
        }

        synchronized void onChunk(Frames.Header header, ByteBuffer frame) {
            if (done || lost != null) {
                framesDropped.incrementAndGet();
                return;
            }
            firstEpoch = Math.min(firstEpoch, header.epoch());
            if (first == null) {
                chunks = header.chunks();
                totalLength = header.totalLength();
            }
            if (header.chunks() != chunks || header.chunk() != chunksReceived || header.totalLength() != totalLength
                || bytesSoFar + header.payloadLength() > totalLength
                || (header.chunk() == chunks - 1 && bytesSoFar + header.payloadLength() != totalLength)) {
                throw new org.bind.transport.MalformedFrameException("chunk " + header.chunk() + " of "
                    + header.chunks() + " (" + header.payloadLength() + " of " + header.totalLength() + " bytes) for "
                    + key + " does not fit: expected chunk " + chunksReceived + " of " + chunks + ", " + bytesSoFar
                    + " of " + totalLength + " bytes so far");
            }
            int length = header.payloadLength();
            if (first == null) {
                first = header;
                boolean fullSized = length >= Math.min(totalLength, EAGER_CHUNK_BYTES)
                    && (long) length * chunks >= totalLength;
                if (fullSized) {
                    assembled = new byte[totalLength]; // checked against the cap in onData
                } else {
                    pieces = new ArrayList<>();
                }
            }
            int at = (int) bytesSoFar;
            byte[] into;
            int intoAt;
            if (pieces != null) {
                into = new byte[length];
                intoAt = 0;
                pieces.add(into);
            } else {
                into = assembled;
                intoAt = at;
            }
            frame.get(frame.position() + Frames.HEADER_BYTES, into, intoAt, length);
            if (chunksReceived == chunkLengths.length) {
                chunkLengths = java.util.Arrays.copyOf(chunkLengths, chunkLengths.length * 2);
            }
            chunkLengths[chunksReceived] = length;
            chunksReceived++;
            bytesSoFar += length;
            for (int child : children) {
                forward(child, header.chunk(), into, intoAt, length);
            }
            if (chunksReceived == chunks) {
                if (pieces != null) {
                    assembled = new byte[totalLength];
                    int offset = 0;
                    for (byte[] piece : pieces) {
                        System.arraycopy(piece, 0, assembled, offset, piece.length);
                        offset += piece.length;
                    }
                    pieces = null;
                }
                relayedBytes = totalLength;
                complete = true;
                if (target != null) {
                    finish();
                }
            }
        }

        synchronized void onLost(Frames.Header header, Messages.Failure failure) {
            if (done) {
                return;
            }
            lost = failure;
            firstEpoch = Math.min(firstEpoch, header.epoch());
            for (int child : children) {
                sendLost(child, target, header.epoch(), Engine.fromMessage(failure));
            }
            releaseChildren();
            if (target != null) {
                fail(Engine.fromMessage(failure));
            }
        }

        synchronized void abandon(Failure why) {
            if (target != null && !done) {
                releaseChildren();
                fail(why);
            }
        }

        synchronized boolean unclaimed(long upToEpoch) {
            return target == null && firstEpoch <= upToEpoch;
        }

        /** Sends chunk {@code chunk}, {@code length} bytes of {@code bytes} from {@code at}, on to {@code child}. */
        private void forward(int child, int chunk, byte[] bytes, int at, int length) {
            ByteBuffer header = Frames.header(Frames.DATA, first.jobId(), first.epoch(), rank, first.objectId(),
                first.versionNumber(), chunk, chunks, totalLength, length);
            transport.send(child, header, ByteBuffer.wrap(bytes, at, length));
        }

        private void finish() {
            Codec<Object> codec = target.chain().type().codec();
            Object buffer;
            try {
                buffer = codec.decode(ByteBuffer.wrap(assembled).order(ByteOrder.LITTLE_ENDIAN), 0, assembled.length);
            } catch (RuntimeException e) {
                Failure why = new Failure("receive of " + target, rank, engine.epoch(), e);
                engine.onTransferFailed("decoding " + target + " received from another rank", e);
                releaseChildren();
                fail(why);
                return;
            }
            versionsReceived.incrementAndGet(); // counted when claimed, so in program order here
            bytesReceived.addAndGet(assembled.length);
            assembled = null;
            engine.addBytes(target.chain().type().bytes(buffer));
            done = true;
            incoming.remove(key, this);
            target.complete(buffer, null, engine);
            pendingReceives.decrementAndGet();
            engine.leaveInFlight();
            versionsSent.addAndGet(children.size());
            bytesSent.addAndGet((long) children.size() * relayedBytes);
            releaseChildren();
        }

        private void fail(Failure why) {
            done = true;
            incoming.remove(key, this);
            target.fail(why, null, engine);
            pendingReceives.decrementAndGet();
            engine.leaveInFlight();
        }

        private void releaseChildren() {
            for (int i = 0; i < children.size(); i++) {
                target.releaseHold(null, engine);
                engine.leaveInFlight();
            }
            children.clear();
        }
    }

    // ---------------------------------------------------------------- counters

    long versionsSent() {
        return versionsSent.get();
    }

    long versionsReceived() {
        return versionsReceived.get();
    }

    long bytesSent() {
        return bytesSent.get();
    }

    long bytesReceived() {
        return bytesReceived.get();
    }

    long framesDropped() {
        return framesDropped.get();
    }

    void countDropped() {
        framesDropped.incrementAndGet();
    }
}
