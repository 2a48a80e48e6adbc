package org.bind.dag;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

import org.bind.codec.RangeDecoder;
import org.bind.transport.Frames;
import org.bind.transport.MalformedFrameException;
import org.bind.transport.Messages;
import org.bind.transport.Transport;
import org.bind.version.Failure;
import org.bind.version.Version;

/**
 * One version on its way to this rank: its chunks as they land, the local version waiting for it, and the children
 * this rank relays it to. An explicit state machine ({@link State}; every change goes through {@link #moveTo}).
 *
 * <h2>Where the bytes go</h2>
 * Chunks come in order (a version comes from one parent, and a transport keeps a source's frames in order). Their
 * bytes are stored one of three ways ({@link Storage}), chosen at the first chunk:
 * <ul>
 * <li>{@link Storage#IN_PLACE}: the local version is known and its codec decodes ranges ({@link RangeDecoder}, the
 * primitive arrays): each chunk is decoded straight into the value's final array, once. The usual case. That array
 * is a dead version's from the rank's shared pool when one of its shape is there
 * ({@link IncomingHost#recycledBuffer}), else a new one.</li>
 * <li>{@link Storage#WHOLE}: the first chunk came before the local reader was known (the type, hence the codec, is
 * not known), or the codec cannot decode ranges: chunks are copied into one array of the whole encoding, decoded once
 * complete. A reader that attaches mid-way with a range-decoding codec moves the transfer to {@code IN_PLACE} (the
 * prefix is decoded once; later chunks land in place).</li>
 * <li>{@link Storage#PIECES}: the first chunk is small ({@code < }{@link #EAGER_CHUNK_BYTES} and not the whole
 * version): chunks are kept apart and joined at the end, so that small frames that claim a large version allocate
 * no more than they carry.</li>
 * </ul>
 *
 * The bytes are kept by a {@link ChunkStore}.
 *
 * <h2>Landing as the bytes arrive</h2>
 * A chunk of a version a reader here waits for can land while its frame arrives ({@link #land}): the transport's
 * receiving thread hands each piece of the frame, a view of its own buffer (Aeron's log), to a {@link ChunkLanding},
 * which stores it here at once: a byte is copied once on its way from the log to the value's array. That thread
 * never waits: it only tries the lock ({@link ReentrantLock#tryLock}), and when another thread holds it (briefly:
 * the program thread adding a child, the delivering thread accounting the previous chunk) the landing keeps that
 * piece in an array, stored ahead of the next piece that finds the lock free, or by {@link #landed}. What may block (relaying to children,
 * completing the version) happens in {@link #landed}, on the transport's delivering thread, where and when the whole
 * frame would have been delivered. Two cursors therefore advance: chunks landed (stored; what the next chunk must follow) and
 * chunks accounted for (relayed and counted), which trails it.
 *
 * <h2>Relaying</h2>
 * A child gets chunk k as soon as this rank has accounted for it: a whole frame's chunk is forwarded from the frame
 * itself (no copy here); a chunk that landed, and chunks that came before the child was known, are sent again from
 * the store ({@code IN_PLACE}: re-encoded from the value, as far as {@link RangeDecoder#decodedBytes} reaches; the
 * rest follows with the next chunk). The chunks to relay are taken under the lock and sent with it released, under
 * a second lock that keeps the batches in order ({@link #forward}): a relay forwards chunk k while chunk k+1 lands
 * in place, instead of making it wait in an array (before, every chunk that arrived during a forward cost a copy
 * more and an array of its size).
 *
 * <p>Over 400 lines because whole chunks and chunks landing as they arrive move the same state machine and cursors
 * under one lock; where the bytes are is {@link ChunkStore}, which chunk comes next {@link ChunkCursor}, the children
 * and accounted chunks {@link Relay}, the unclaimed bytes {@link UnclaimedHold}, a landing's own side
 * {@link ChunkLanding}, what the transfer needs of its rank {@link IncomingHost}.
 *
 * <p>Guarded by one lock, and by the relay lock around it where chunks are relayed: whole frames and landed chunks
 * come on the transport's delivering thread, pieces of landing chunks on its receiving thread (which only tries the
 * lock), {@link #attach} and {@link #addChild} on the program thread, {@link #abandon} on either.
 */
final class IncomingTransfer {
    /** A first chunk at least this large (or the whole version) lets the receiver allocate the whole version. */
    static final int EAGER_CHUNK_BYTES = 64 * 1024;

    /** Where a transfer stands; {@link #canMoveTo} lists every transition. */
    enum State {
        /** No frame yet (the local reader may already wait). */
        AWAITING,
        /** Some chunks here, more to come. */
        RECEIVING,
        /** Every chunk here; nobody here claimed the version yet. */
        RECEIVED,
        /** The producer failed (a LOST frame); nobody here claimed the version yet. */
        LOST,
        /** Delivered to, or failed, the local version; frames that still come are dropped. */
        DONE;

        boolean canMoveTo(State next) {
            return switch (this) {
                case AWAITING -> next == RECEIVING || next == LOST || next == DONE;
                case RECEIVING -> next == RECEIVED || next == LOST || next == DONE;
                case RECEIVED, LOST -> next == DONE;
                case DONE -> false;
            };
        }
    }

    /** How received bytes are kept; see the class comment. */
    enum Storage {
        IN_PLACE, WHOLE, PIECES
    }

    private final IncomingHost host;
    private final String name;
    /** The rank the frames come from (the transport's word for it), or -1 when not known. */
    private final int source;
    /** Guards everything below. Never waited for by the transport's receiving thread ({@link #land}). */
    private final ReentrantLock lock = new ReentrantLock();
    /**
     * Held, before {@link #lock}, by a thread that relays chunks: they are sent with {@link #lock} released, so the
     * next chunk lands meanwhile, and in the order they were taken.
     */
    private final ReentrantLock relayLock = new ReentrantLock();
    /** What this transfer makes {@code source} hold while no reader claimed it. */
    private final UnclaimedHold unclaimed;
    private State state = State.AWAITING;
    private ChunkStore store;
    /** How the bytes were kept, once the store is dropped. */
    private Storage storedAs;
    private Version target;
    /** The version's shape and the chunks landed so far: what the next chunk must follow. */
    private final ChunkCursor cursor;
    /** The chunk landing in place as it arrives, or null ({@link ChunkLanding}). */
    private ChunkLanding landing;
    private Messages.Failure lost;
    /** Chunks accounted for (relayed, counted towards the end; at most those landed) and the children. */
    private final Relay relay;
    private long firstEpoch = Long.MAX_VALUE;
    /** When the first chunk came ({@link System#nanoTime}), for the trace; 0 before. */
    private long firstChunkNs;

    IncomingTransfer(IncomingHost host, String name) {
        this(host, name, -1);
    }

    IncomingTransfer(IncomingHost host, String name, int source) {
        this.host = host;
        this.name = name;
        this.source = source;
        this.cursor = new ChunkCursor(name);
        this.unclaimed = new UnclaimedHold(host, source, name);
        this.relay = new Relay(host);
    }

    /** When the first chunk came ({@link System#nanoTime}), or 0. */
    long firstChunkNs() {
        return firstChunkNs;
    }

    /** The rank this transfer's frames come from, or -1. */
    int source() {
        return source;
    }

    private void moveTo(State next) {
        if (!state.canMoveTo(next)) {
            throw new IllegalStateException("transfer of " + name + ": " + state + " -> " + next);
        }
        state = next;
    }

    State state() {
        return locked(() -> state);
    }

    /** The lock guarding this transfer (tests in this package make it busy). */
    ReentrantLock lock() {
        return lock;
    }

    Storage storage() {
        return locked(() -> store == null ? storedAs : store.storage());
    }

    private <T> T locked(Supplier<T> read) {
        lock.lock();
        try {
            return read.get();
        } finally {
            lock.unlock();
        }
    }

    /** The local version that waits for this transfer. Program thread. */
    void attach(Version version) {
        lock.lock();
        try {
            unclaimed.release();
            target = version;
            switch (state) {
                case AWAITING -> {
                }
                case RECEIVING -> store.moveInPlace(target, host);
                case RECEIVED -> finish();
                case LOST -> fail(host.failureOf(lost));
                case DONE -> throw new IllegalStateException("transfer of " + name + " attached twice");
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Relays the version to {@code child} too; false when there is nothing to relay (lost or over). {@code version}
     * is this rank's version, on which the child holds until it got everything. Program thread.
     */
    boolean addChild(int child, Version version) {
        relayLock.lock();
        try {
            List<Relay.Forward> forwards;
            lock.lock();
            try {
                if (state == State.DONE || state == State.LOST) {
                    return false;
                }
                relay.add(child, version);
                forwards = relay.catchUp(cursor.first(), -1, null, this::stored);
            } finally {
                lock.unlock();
            }
            forward(forwards);
            return true;
        } finally {
            relayLock.unlock();
        }
    }

    /**
     * Sends a batch the relay took, with the lock released (the next chunk lands meanwhile) and the relay lock held
     * (batches go out in the order they were taken); then lets the relay end the holds a release deferred.
     */
    private void forward(List<Relay.Forward> forwards) {
        if (forwards.isEmpty()) {
            return;
        }
        try {
            relay.send(forwards);
        } finally {
            lock.lock();
            try {
                relay.sent(forwards);
            } finally {
                lock.unlock();
            }
        }
    }

    /** A whole chunk in {@code frame}: stored, then relayed and counted. The delivering thread. */
    void onChunk(Frames.Header header, ByteBuffer frame) {
        relayLock.lock();
        try {
            forward(storeChunk(header, frame));
        } finally {
            relayLock.unlock();
        }
    }

    /** Stores and accounts a whole chunk; what to relay. Under the relay lock. */
    private List<Relay.Forward> storeChunk(Frames.Header header, ByteBuffer frame) {
        lock.lock();
        try {
            if (state == State.DONE || state == State.LOST) {
                host.countDropped();
                return List.of();
            }
            checkFits(header);
            int length = header.payloadLength();
            cursor.shape(header);
            if (target == null) {
                // nobody here wants it yet: counted against the source's bound before anything is allocated for it
                unclaimed.charge(UnclaimedBudget.CHUNK_OVERHEAD_BYTES + (!cursor.started()
                    ? UnclaimedBudget.TRANSFER_OVERHEAD_BYTES
                        + (cursor.fullSized(length) ? cursor.totalLength() : length)
                    : store.storage() == Storage.PIECES ? length : 0));
            }
            ByteBuffer payload = Frames.payload(frame).limit(length);
            begin(header);
            try {
                store.put(payload);
            } catch (RuntimeException e) {
                giveUp(host.decodeFailed(target, e));
                return List.of();
            }
            cursor.landed(length);
            return account(header, payload);
        } finally {
            lock.unlock();
        }
    }

    /** Checks that {@code header}'s chunk is the next one of this version; throws naming what does not fit. */
    private void checkFits(Frames.Header header) {
        String misfit = cursor.misfit(header);
        if (misfit != null) {
            throw new MalformedFrameException(misfit);
        }
    }

    /** Takes a fitting chunk's header: the first one chooses the storage. */
    private void begin(Frames.Header header) {
        firstEpoch = Math.min(firstEpoch, header.epoch());
        if (cursor.begin(header)) {
            firstChunkNs = System.nanoTime();
            moveTo(State.RECEIVING);
            store = ChunkStore.choose(cursor.totalLength(), cursor.fullSized(header.payloadLength()), target,
                host);
        }
    }

    // ---------------------------------------------------------------- landing as it arrives

    /**
     * A landing for the chunk {@code header} announces, whose bytes go straight from the transport's buffer into
     * the store as they arrive; null when it must come whole through {@link #onChunk} instead: no reader here yet,
     * small pieces, a chunk that does not fit (reported there), or the lock busy. The receiving thread; never waits.
     */
    ChunkLanding land(Frames.Header header) {
        if (!lock.tryLock()) {
            return null;
        }
        try {
            if (target == null || landing != null || state == State.DONE || state == State.LOST
                || cursor.misfit(header) != null) {
                return null;
            }
            if (!cursor.started()) {
                cursor.shape(header);
                if (!cursor.fullSized(header.payloadLength())) {
                    return null;
                }
            } else if (store.storage() == Storage.PIECES) {
                return null;
            }
            begin(header);
            landing = new ChunkLanding(this, header);
            return landing;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Stores bytes of {@code chunk}'s landing: {@code kept} (bytes it kept while the lock was busy, or null), then
     * {@code bytes}; false, storing nothing, when the lock is busy (the landing keeps them). The receiving thread;
     * never waits.
     */
    boolean tryPut(ChunkLanding chunk, ByteBuffer kept, ByteBuffer bytes) {
        if (!lock.tryLock()) {
            return false;
        }
        try {
            if (kept != null) {
                put(chunk, kept);
            }
            put(chunk, bytes);
            return true;
        } finally {
            lock.unlock();
        }
    }

    private void put(ChunkLanding chunk, ByteBuffer bytes) {
        if (landing != chunk || state != State.RECEIVING || chunk.failure != null) {
            return; // given up meanwhile: dropped
        }
        try {
            store.put(bytes);
        } catch (RuntimeException e) {
            chunk.failure = e; // reported by the delivering thread, which may block
        }
    }

    /**
     * Every byte of {@code chunk} is stored: the next chunk may land. False when the lock is busy ({@link #landed}
     * completes it). The receiving thread; never waits.
     */
    boolean tryComplete(ChunkLanding chunk) {
        if (!lock.tryLock()) {
            return false;
        }
        try {
            complete(chunk);
            return true;
        } finally {
            lock.unlock();
        }
    }

    private void complete(ChunkLanding chunk) {
        if (landing != chunk) {
            return;
        }
        landing = null;
        if (state == State.RECEIVING && chunk.failure == null) {
            cursor.landed(chunk.header.payloadLength());
            chunk.stored = true;
        }
    }

    /**
     * The frame of {@code chunk} was delivered, with {@code rest} its bytes the receiving thread could not store
     * (or null): stores them, then relays and counts the chunk as {@link #onChunk} does. The delivering thread.
     */
    void landed(ChunkLanding chunk, ByteBuffer rest) {
        relayLock.lock();
        try {
            List<Relay.Forward> forwards;
            lock.lock();
            try {
                forwards = settle(chunk, rest);
            } finally {
                lock.unlock();
            }
            forward(forwards);
        } finally {
            relayLock.unlock();
        }
    }

    /**
     * Under both locks: stores {@code rest} (or null), completes the chunk, then gives up on a decoding failure,
     * counts a chunk that was not stored, or accounts it; returns the chunks to relay.
     */
    private List<Relay.Forward> settle(ChunkLanding chunk, ByteBuffer rest) {
        if (rest != null) {
            put(chunk, rest);
        }
        complete(chunk);
        if (chunk.failure != null && state == State.RECEIVING) {
            giveUp(host.decodeFailed(target, chunk.failure));
            return List.of();
        }
        if (!chunk.stored || state == State.DONE) {
            host.countDropped();
            return List.of();
        }
        return account(chunk.header, null);
    }

    /**
     * {@link #landed} for a chunk none of whose bytes was kept aside, on the receiving thread, when nothing in it can
     * wait: both locks free, no child to relay to (a send may wait out back-pressure), the bytes decoded. Accounts
     * the chunk and, after the last, completes the local version (which wakes its readers; nothing waits). False,
     * having changed nothing, otherwise ({@link #landed} follows). The receiving thread; never waits.
     */
    boolean tryLanded(ChunkLanding chunk) {
        if (!relayLock.tryLock()) {
            return false;
        }
        try {
            if (!lock.tryLock()) {
                return false;
            }
            try {
                if (relay.size() > 0 || chunk.failure != null) {
                    return false;
                }
                settle(chunk, null); // no child: nothing to forward
                return true;
            } finally {
                lock.unlock();
            }
        } finally {
            relayLock.unlock();
        }
    }

    // ---------------------------------------------------------------- after a chunk is stored

    /**
     * Accounts a stored chunk; ends the transfer after the last. Returns the chunks to relay ({@code inHand}: this
     * one's bytes, or null: from the store), sent once the lock is released ({@link #forward}).
     */
    private List<Relay.Forward> account(Frames.Header header, ByteBuffer inHand) {
        relay.account(header.payloadLength());
        List<Relay.Forward> forwards = relay.catchUp(cursor.first(), header.chunk(), inHand, this::stored);
        if (relay.accounted() == cursor.chunks()) {
            if (target != null) {
                finish();
            } else {
                moveTo(State.RECEIVED);
            }
        }
        return forwards;
    }

    private Transport.Payload stored(int c, int from, int length) {
        return store.range(from, length, c, target != null ? target : relay.relayed());
    }

    void onLost(Frames.Header header, Messages.Failure failure) {
        relayLock.lock(); // after the chunks being relayed
        lock.lock();
        try {
            if (state == State.DONE || state == State.LOST) {
                return;
            }
            if (target == null) {
                unclaimed.charge(UnclaimedBudget.TRANSFER_OVERHEAD_BYTES + 2L * header.payloadLength()); // its strings
            }
            lost = failure;
            firstEpoch = Math.min(firstEpoch, header.epoch());
            relay.forwardLost(header, host.failureOf(failure));
            relay.release();
            dropBytes();
            if (target != null) {
                fail(host.failureOf(failure));
            } else {
                moveTo(State.LOST);
            }
        } finally {
            lock.unlock();
            relayLock.unlock();
        }
    }

    /** Gives up: the local readers fail with {@code why}. */
    void abandon(Failure why) {
        lock.lock();
        try {
            if (target != null && state != State.DONE) {
                giveUp(why);
            }
        } finally {
            lock.unlock();
        }
    }

    private void giveUp(Failure why) {
        relay.release();
        dropBytes();
        fail(why);
    }

    /** Drops what an unclaimed transfer holds (it was removed from its rank's map): its bytes leave the bound. */
    void discardUnclaimed() {
        lock.lock();
        try {
            unclaimed.release();
            if (target == null) {
                dropBytes();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Whether nobody here claimed this transfer (yet). */
    boolean unclaimed() {
        return locked(() -> target == null);
    }

    /** Whether this is data nobody here claimed, of epochs up to {@code upToEpoch}. */
    boolean unclaimed(long upToEpoch) {
        return locked(() -> target == null && firstEpoch <= upToEpoch);
    }

    private void finish() {
        Object value;
        try {
            value = store.finish(target);
        } catch (RuntimeException e) {
            giveUp(host.decodeFailed(target, e));
            return;
        }
        moveTo(State.DONE);
        dropBytes();
        host.landed(this, target, value, cursor.totalLength(), relay.size());
        relay.release();
    }

    private void fail(Failure why) {
        moveTo(State.DONE);
        host.failed(this, target, why);
    }

    private void dropBytes() {
        storedAs = store == null ? storedAs : store.storage();
        store = null;
        landing = null;
    }
}
