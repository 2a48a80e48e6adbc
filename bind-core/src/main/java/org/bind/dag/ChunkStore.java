package org.bind.dag;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import org.bind.codec.Codec;
import org.bind.codec.RangeDecoder;
import org.bind.dag.IncomingTransfer.Storage;
import org.bind.transport.Transport;
import org.bind.version.BufferType;
import org.bind.version.Version;

/**
 * Where the bytes of one {@link IncomingTransfer} are kept, in one of the three ways of {@link Storage}: decoded in
 * place into the value's final array ({@link RangeDecoder}), copied into one array of the whole encoding, or kept
 * as separate pieces joined at the end. Bytes come in order of the encoding; {@link #put} places the next ones.
 * Decoded in place, the value fills a dead version's buffer from the rank's shared pool when one of its shape is
 * there ({@link Codec#rangeDecoder(int, java.util.function.Supplier)}), else a new one.
 *
 * <p>Under its transfer's lock.
 */
final class ChunkStore {
    private final int totalLength;
    private Storage storage;
    private RangeDecoder<Object> decoder;
    private byte[] whole;
    private List<byte[]> pieces;
    /** Bytes placed so far. */
    private long stored;

    private ChunkStore(int totalLength, Storage storage) {
        this.totalLength = totalLength;
        this.storage = storage;
    }

    /**
     * The store for a version of {@code totalLength} bytes: pieces when {@code fullSized} is false, else in place when
     * {@code target} is known and its codec decodes ranges (into a dead version's buffer when {@code host}'s shared
     * pool has one, {@link IncomingHost#recycledBuffer}), else whole.
     */
    static ChunkStore choose(int totalLength, boolean fullSized, Version target, IncomingHost host) {
        if (!fullSized) {
            ChunkStore store = new ChunkStore(totalLength, Storage.PIECES);
            store.pieces = new ArrayList<>();
            return store;
        }
        RangeDecoder<Object> ranges = target == null ? null : rangeDecoder(target, totalLength, host);
        if (ranges != null) {
            ChunkStore store = new ChunkStore(totalLength, Storage.IN_PLACE);
            store.decoder = ranges;
            return store;
        }
        ChunkStore store = new ChunkStore(totalLength, Storage.WHOLE);
        store.whole = new byte[totalLength]; // the total is checked against the cap before a transfer is made
        return store;
    }

    /**
     * The target's range decoder for this encoding, filling a recycled buffer when {@code host} has one (and the
     * codec can), or null (its codec has none, or refuses the length).
     */
    private static RangeDecoder<Object> rangeDecoder(Version target, int totalLength, IncomingHost host) {
        BufferType<Object> type = target.type();
        Codec<Object> codec = type.codec();
        try {
            return codec.rangeDecoder(totalLength, () -> host.recycledBuffer(type));
        } catch (RuntimeException malformed) {
            return null; // decoded whole at the end, where the failure is reported with its reason
        }
    }

    Storage storage() {
        return storage;
    }

    /** Bytes placed so far. */
    long stored() {
        return stored;
    }

    /**
     * Places the bytes between {@code bytes}' position and limit (little-endian), the next ones of the encoding,
     * leaving the position.
     *
     * @throws RuntimeException when they do not decode (in place)
     */
    void put(ByteBuffer bytes) {
        int length = bytes.remaining();
        switch (storage) {
            case IN_PLACE -> decoder.accept(bytes);
            case WHOLE -> bytes.get(bytes.position(), whole, (int) stored, length);
            case PIECES -> {
                byte[] piece = new byte[length];
                bytes.get(bytes.position(), piece);
                pieces.add(piece);
            }
        }
        stored += length;
    }

    /** A reader of {@code target} attached while bytes land whole: decodes the prefix once; the rest lands in place. */
    void moveInPlace(Version target, IncomingHost host) {
        if (storage != Storage.WHOLE) {
            return;
        }
        RangeDecoder<Object> ranges = rangeDecoder(target, totalLength, host);
        if (ranges == null) {
            return;
        }
        try {
            ranges.accept(ByteBuffer.wrap(whole, 0, (int) stored).order(ByteOrder.LITTLE_ENDIAN));
        } catch (RuntimeException malformed) {
            return; // stays whole; the end reports it
        }
        decoder = ranges;
        storage = Storage.IN_PLACE;
        whole = null;
    }

    /**
     * Bytes {@code from} to {@code from + length} of the encoding, piece {@code piece}, to send again, written where
     * the transport wants them (in place: encoded from the value, so one copy into the transport's buffer); null when
     * they are not all decoded yet (in place: the end of an element cut by the last piece comes with the next).
     */
    Transport.Payload range(int from, int length, int piece, Version target) {
        ByteBuffer bytes = switch (storage) {
            case WHOLE -> ByteBuffer.wrap(whole, from, length);
            case PIECES -> ByteBuffer.wrap(pieces.get(piece));
            case IN_PLACE -> null;
        };
        if (bytes != null) {
            return new Slice(bytes.slice());
        }
        if (decoder.decodedBytes() < from + length) {
            return null;
        }
        Codec<Object> codec = target.type().codec();
        Object value = decoder.value();
        return new Transport.Payload() {
            @Override
            public int length() {
                return length;
            }

            @Override
            public void writeTo(long at, ByteBuffer out) {
                codec.encodeRange(value, from + at, out);
            }
        };
    }

    /** Bytes already encoded, copied where the transport wants them. */
    private record Slice(ByteBuffer bytes) implements Transport.Payload {
        @Override
        public int length() {
            return bytes.remaining();
        }

        @Override
        public void writeTo(long from, ByteBuffer target) {
            target.duplicate().put(bytes.slice((int) from, target.remaining()));
        }
    }

    /**
     * The value, once every byte is here.
     *
     * @throws RuntimeException when the bytes do not decode
     */
    Object finish(Version target) {
        return switch (storage) {
            case IN_PLACE -> decoder.finish();
            case WHOLE -> decode(target, whole);
            case PIECES -> decode(target, joinPieces());
        };
    }

    private static Object decode(Version target, byte[] bytes) {
        return target.type().codec().decode(ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN), 0,
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
}
