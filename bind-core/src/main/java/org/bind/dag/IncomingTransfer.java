package org.bind.dag;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.bind.codec.Codec;
import org.bind.codec.RangeDecoder;
import org.bind.transport.Frames;
import org.bind.transport.MalformedFrameException;
import org.bind.transport.Messages;
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
 * primitive arrays): each chunk is decoded straight into the value's final array, once. The usual case.</li>
 * <li>{@link Storage#WHOLE}: the first chunk came before the local reader was known (the type, hence the codec, is
 * not known), or the codec cannot decode ranges: chunks are copied into one array of the whole encoding, decoded once
 * complete. A reader that attaches mid-way with a range-decoding codec moves the transfer to {@code IN_PLACE} (the
 * prefix is decoded once; later chunks land in place).</li>
 * <li>{@link Storage#PIECES}: the first chunk is small ({@code < }{@link #EAGER_CHUNK_BYTES} and not the whole
 * version): chunks are kept apart and joined at the end, so that small frames that claim a large version allocate
 * no more than they carry.</li>
 * </ul>
 *
 * <h2>Relaying</h2>
 * A child gets chunk k as soon as this rank has it: the chunk in hand is forwarded from the frame itself (no copy
 * here); chunks that came before the child was known are sent again from storage ({@code IN_PLACE}: re-encoded from
 * the value, as far as {@link RangeDecoder#decodedBytes} reaches; the rest follows with the next chunk).
 *
 * <p>Over 400 lines because the states, the three storages and relaying change together: every transition touches
 * all three, and splitting them would spread one lock's invariants over several classes.
 *
 * <p>Synchronized: frames come on the transport's thread, {@link #attach} and {@link #addChild} on the program
 * thread, {@link #abandon} on either.
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

    /** What a transfer needs of the rank around it ({@link Exchange}). */
    interface Host {
        /** Sends {@code payload} to {@code child} as chunk {@code chunk} of the version {@code first} announced. */
        void forward(int child, Frames.Header first, int chunk, ByteBuffer payload);

        /** Tells {@code child} that the version {@code header} names has no value. */
        void forwardLost(int child, Frames.Header header, Failure failure);

        Failure failureOf(Messages.Failure failure);

        /** The local version has its value; {@code children} got all {@code bytes} too. The transfer is over. */
        void landed(IncomingTransfer transfer, Version target, Object value, int bytes, int children);

        /** The local version has no value ({@code why}). The transfer is over. */
        void failed(IncomingTransfer transfer, Version target, Failure why);

        /** The received bytes do not decode; returns the failure the local readers get. */
        Failure decodeFailed(Version target, RuntimeException cause);

        /** A child will get nothing more from here: its hold on {@code target} ends. */
        void releaseChild(Version target);

        void countDropped();

        /**
         * {@code bytes} more of a transfer no reader here has claimed yet, from {@code source}, are about to be kept;
         * throws to refuse them ({@link UnclaimedBudget}).
         */
        default void holdUnclaimed(int source, long bytes, String what) {
        }

        /** Bytes held for {@code source} by {@link #holdUnclaimed} are freed or claimed by a reader. */
        default void releaseUnclaimed(int source, long bytes) {
        }
    }

    private static final class Child {
        final int rank;
        /** The next chunk this child gets. */
        int next;

        Child(int rank) {
            this.rank = rank;
        }
    }

    private final Host host;
    private final String name;
    /** The rank the frames come from (the transport's word for it), or -1 when not known. */
    private final int source;
    /** Bytes charged to {@code source} with {@link Host#holdUnclaimed} while no reader claimed this transfer. */
    private long unclaimedBytes;
    private State state = State.AWAITING;
    private Storage storage;
    private Version target;
    /** The first chunk's header: what forwarded chunks repeat (with this rank as their source). */
    private Frames.Header first;
    private int chunks;
    private int totalLength;
    private int chunksReceived;
    private long bytesSoFar;
    /** End (exclusive, in the encoding) of each chunk so far. */
    private int[] chunkEnds = new int[8];
    private RangeDecoder<Object> decoder;
    private byte[] whole;
    private List<byte[]> pieces;
    private Messages.Failure lost;
    private final List<Child> children = new ArrayList<>(2);
    private long firstEpoch = Long.MAX_VALUE;
    private ByteBuffer resend;
    /** The version children hold (this rank's, also when no local reader attached). */
    private Version relayed;

    IncomingTransfer(Host host, String name) {
        this(host, name, -1);
    }

    IncomingTransfer(Host host, String name, int source) {
        this.host = host;
        this.name = name;
        this.source = source;
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

    synchronized State state() {
        return state;
    }

    synchronized Storage storage() {
        return storage;
    }

    /** The local version that waits for this transfer. Program thread. */
    synchronized void attach(Version version) {
        releaseUnclaimed();
        target = version;
        switch (state) {
            case AWAITING -> {
            }
            case RECEIVING -> {
                if (storage == Storage.WHOLE) {
                    moveInPlace();
                }
            }
            case RECEIVED -> finish();
            case LOST -> fail(host.failureOf(lost));
            case DONE -> throw new IllegalStateException("transfer of " + name + " attached twice");
        }
    }

    /**
     * Relays the version to {@code child} too; false when there is nothing to relay (lost or over). {@code version}
     * is this rank's version, on which the child holds until it got everything. Program thread.
     */
    synchronized boolean addChild(int child, Version version) {
        if (state == State.DONE || state == State.LOST) {
            return false;
        }
        relayed = version;
        Child added = new Child(child);
        children.add(added);
        catchUp(added, -1, null);
        return true;
    }

    synchronized void onChunk(Frames.Header header, ByteBuffer frame) {
        if (state == State.DONE || state == State.LOST) {
            host.countDropped();
            return;
        }
        firstEpoch = Math.min(firstEpoch, header.epoch());
        if (first == null) {
            chunks = header.chunks();
            totalLength = header.totalLength();
        }
        int length = header.payloadLength();
        if (header.chunks() != chunks || header.chunk() != chunksReceived || header.totalLength() != totalLength
            || bytesSoFar + length > totalLength || (header.chunk() == chunks - 1 && bytesSoFar + length != totalLength)
            || (length == 0 && totalLength > 0)) {
            throw new MalformedFrameException("chunk " + header.chunk() + " of " + header.chunks() + " ("
                + length + " of " + header.totalLength() + " bytes) for " + name + " does not fit: expected chunk "
                + chunksReceived + " of " + chunks + ", " + bytesSoFar + " of " + totalLength + " bytes so far");
        }
        if (target == null) {
            // nobody here wants it yet: counted against the source's bound before anything is allocated for it
            holdUnclaimed(UnclaimedBudget.CHUNK_OVERHEAD_BYTES + (first == null ? UnclaimedBudget.TRANSFER_OVERHEAD_BYTES
                + (fullSized(length) ? totalLength : length) : storage == Storage.PIECES ? length : 0));
        }
        ByteBuffer payload = Frames.payload(frame).limit(length);
        if (first == null) {
            first = header;
            moveTo(State.RECEIVING);
            chooseStorage(length);
        }
        int at = (int) bytesSoFar;
        switch (storage) {
            case IN_PLACE -> {
                if (!decodeInPlace(payload)) {
                    return;
                }
            }
            case WHOLE -> payload.get(0, whole, at, length);
            case PIECES -> {
                byte[] piece = new byte[length];
                payload.get(0, piece);
                pieces.add(piece);
            }
        }
        if (chunksReceived == chunkEnds.length) {
            chunkEnds = Arrays.copyOf(chunkEnds, chunkEnds.length * 2);
        }
        chunkEnds[chunksReceived++] = at + length;
        bytesSoFar += length;
        for (Child child : children) {
            catchUp(child, header.chunk(), payload);
        }
        if (chunksReceived == chunks) {
            if (target != null) {
                finish();
            } else {
                moveTo(State.RECEIVED);
            }
        }
    }

    /** Whether a first chunk of {@code firstLength} bytes lets the whole version be allocated at once. */
    private boolean fullSized(int firstLength) {
        return firstLength >= Math.min(totalLength, EAGER_CHUNK_BYTES) && (long) firstLength * chunks >= totalLength;
    }

    private void holdUnclaimed(long bytes) {
        if (bytes > 0) {
            host.holdUnclaimed(source, bytes, name);
            unclaimedBytes += bytes;
        }
    }

    private void releaseUnclaimed() {
        if (unclaimedBytes > 0) {
            host.releaseUnclaimed(source, unclaimedBytes);
            unclaimedBytes = 0;
        }
    }

    private void chooseStorage(int firstLength) {
        if (!fullSized(firstLength)) {
            storage = Storage.PIECES;
            pieces = new ArrayList<>();
        } else if (target != null && (decoder = rangeDecoder()) != null) {
            storage = Storage.IN_PLACE;
        } else {
            storage = Storage.WHOLE;
            whole = new byte[totalLength]; // the total is checked against the cap before a transfer is made
        }
    }

    /** The local version's range decoder for this encoding, or null (its codec has none, or refuses the length). */
    private RangeDecoder<Object> rangeDecoder() {
        Codec<Object> codec = target.chain().type().codec();
        try {
            return codec.rangeDecoder(totalLength);
        } catch (RuntimeException malformed) {
            return null; // decoded whole at the end, where the failure is reported with its reason
        }
    }

    /** A reader attached while bytes land whole: decodes the prefix once, and the rest lands in place. */
    private void moveInPlace() {
        RangeDecoder<Object> ranges = rangeDecoder();
        if (ranges == null) {
            return;
        }
        try {
            ranges.accept(ByteBuffer.wrap(whole, 0, (int) bytesSoFar).order(ByteOrder.LITTLE_ENDIAN));
        } catch (RuntimeException malformed) {
            return; // stays whole; the end reports it
        }
        decoder = ranges;
        storage = Storage.IN_PLACE;
        whole = null;
    }

    /** Decodes a chunk into the value; false when it does not decode (the local version then fails). */
    private boolean decodeInPlace(ByteBuffer payload) {
        try {
            decoder.accept(payload);
            return true;
        } catch (RuntimeException e) {
            giveUp(host.decodeFailed(target, e));
            return false;
        }
    }

    /**
     * Sends {@code child} every chunk it lacks that this rank has: {@code inHand} (chunk number {@code chunk}) from
     * the frame, earlier ones from storage.
     */
    private void catchUp(Child child, int chunk, ByteBuffer inHand) {
        while (child.next < chunksReceived) {
            int c = child.next;
            if (c == chunk) {
                host.forward(child.rank, first, c, inHand);
            } else if (!resendFromStorage(child.rank, c)) {
                return; // the rest of chunk c is decoded with the next chunk
            }
            child.next++;
        }
    }

    private boolean resendFromStorage(int child, int c) {
        int from = c == 0 ? 0 : chunkEnds[c - 1];
        int length = chunkEnds[c] - from;
        switch (storage) {
            case WHOLE -> host.forward(child, first, c, ByteBuffer.wrap(whole, from, length));
            case PIECES -> host.forward(child, first, c, ByteBuffer.wrap(pieces.get(c)));
            case IN_PLACE -> {
                if (decoder.decodedBytes() < chunkEnds[c]) {
                    return false;
                }
                if (resend == null || resend.capacity() < length) {
                    resend = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
                }
                resend.clear().limit(length);
                target.chain().type().codec().encodeRange(decoder.value(), from, resend);
                host.forward(child, first, c, resend);
            }
        }
        return true;
    }

    synchronized void onLost(Frames.Header header, Messages.Failure failure) {
        if (state == State.DONE || state == State.LOST) {
            return;
        }
        if (target == null) {
            holdUnclaimed(UnclaimedBudget.TRANSFER_OVERHEAD_BYTES + 2L * header.payloadLength()); // its strings
        }
        lost = failure;
        firstEpoch = Math.min(firstEpoch, header.epoch());
        for (Child child : children) {
            host.forwardLost(child.rank, header, host.failureOf(failure));
        }
        releaseChildren();
        dropBytes();
        if (target != null) {
            fail(host.failureOf(failure));
        } else {
            moveTo(State.LOST);
        }
    }

    /** Gives up: the local readers fail with {@code why}. */
    synchronized void abandon(Failure why) {
        if (target != null && state != State.DONE) {
            giveUp(why);
        }
    }

    private void giveUp(Failure why) {
        releaseChildren();
        dropBytes();
        fail(why);
    }

    /** Drops what an unclaimed transfer holds (it was removed from its rank's map): its bytes leave the bound. */
    synchronized void discardUnclaimed() {
        releaseUnclaimed();
        if (target == null) {
            dropBytes();
        }
    }

    /** Whether nobody here claimed this transfer (yet). */
    synchronized boolean unclaimed() {
        return target == null;
    }

    /** Whether this is data nobody here claimed, of epochs up to {@code upToEpoch}. */
    synchronized boolean unclaimed(long upToEpoch) {
        return target == null && firstEpoch <= upToEpoch;
    }

    private void finish() {
        Object value;
        try {
            value = switch (storage) {
                case IN_PLACE -> decoder.finish();
                case WHOLE -> decodeWhole(whole);
                case PIECES -> decodeWhole(joinPieces());
            };
        } catch (RuntimeException e) {
            giveUp(host.decodeFailed(target, e));
            return;
        }
        moveTo(State.DONE);
        dropBytes();
        host.landed(this, target, value, totalLength, children.size());
        releaseChildren();
    }

    private Object decodeWhole(byte[] bytes) {
        return target.chain().type().codec().decode(ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN), 0,
            bytes.length);
    }

    private byte[] joinPieces() {
        byte[] joined = new byte[totalLength];
        int offset = 0;
        for (byte[] piece : pieces) {
            System.arraycopy(piece, 0, joined, offset, piece.length);
            offset += piece.length;
        }
        return joined;
    }

    private void fail(Failure why) {
        moveTo(State.DONE);
        host.failed(this, target, why);
    }

    private void dropBytes() {
        whole = null;
        pieces = null;
        decoder = null;
        resend = null;
    }

    private void releaseChildren() {
        for (int i = 0; i < children.size(); i++) {
            host.releaseChild(relayed);
        }
        children.clear();
    }
}
