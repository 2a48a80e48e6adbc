package org.bind.linalg;

import java.lang.ref.Cleaner;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

import org.bind.codec.Codec;
import org.bind.codec.CodecException;
import org.bind.codec.RangeDecoder;
import org.bind.linalg.kernel.TileBuffer;
import org.bind.version.BufferType;

/**
 * The buffers of a {@link Tile}: {@link TileBuffer}s of {@code t²} doubles, in native memory where JavaCPP loads.
 * The runtime recycles dead ones through its worker pools (equal {@link #poolKey()} for one tile size) and
 * {@link #discard discards} the rest, which frees their memory at once. {@link #reset} keeps the contents (every
 * tile op writes each element of its {@code @Out} tiles).
 *
 * <p>On the wire a tile is its {@code t²} doubles, little-endian, nothing else: the encoding is the storage's bytes,
 * so the codec copies them with bulk copies ({@link Codec#encodeRange}) and {@link Codec#encodedView} gives
 * a read-only view of them, which the runtime hands to the transport as it is (no copy on the sending side). A tile
 * that arrives from another rank is decoded piece by piece straight into a new tile's storage, or a dead tile's the
 * runtime recycles ({@link Codec#rangeDecoder(int, Supplier)}): each received chunk is copied once, from the transport's frame into native memory, with no
 * array of the tile's size on the heap. Immutable; any thread.
 */
final class TileType implements BufferType<TileBuffer> {
    /** The contents of a released tile: never read, never freed. */
    static final TileBuffer RELEASED = TileBuffer.zeros(0);

    private final int length;
    private final PoolKey key;
    private final TileCodec codec;

    /** Equal for buffers of one length: the worker pools recycle tiles of one size into each other. */
    private record PoolKey(int length) {
    }

    private TileType(int length) {
        this.length = length;
        this.key = new PoolKey(length);
        this.codec = new TileCodec(length);
    }

    /**
     * The type of tiles of {@code side × side}.
     *
     * @throws IllegalArgumentException when a tile of that side does not fit in one buffer (side above 16383)
     */
    static TileType of(int side) {
        if (side < 1 || (long) side * side > Integer.MAX_VALUE / Double.BYTES) {
            throw new IllegalArgumentException("tile side " + side + " out of range [1, 16383]: one tile's doubles"
                + " must fit in a buffer of 2^31 bytes");
        }
        return new TileType(side * side);
    }

    @Override
    public TileBuffer allocate() {
        return TileBuffer.zeros(length);
    }

    @Override
    public TileBuffer copy(TileBuffer source, TileBuffer target) {
        if (target != null && target.length() == source.length()) {
            target.copyFrom(source);
            return target;
        }
        if (target != null) {
            discard(target);
        }
        TileBuffer into = TileBuffer.uninitialised(source.length());
        into.copyFrom(source);
        return into;
    }

    @Override
    public TileBuffer reset(TileBuffer buffer) {
        if (buffer.length() == length) {
            return buffer;
        }
        discard(buffer);
        return allocate();
    }

    @Override
    public long bytes(TileBuffer buffer) {
        return 16L + (long) buffer.length() * Double.BYTES;
    }

    @Override
    public long reservedBytes() {
        return 16L + (long) length * Double.BYTES;
    }

    /** Frees the buffer's native memory now. */
    @Override
    public void discard(TileBuffer buffer) {
        if (buffer != RELEASED) {
            buffer.free();
        }
    }

    @Override
    public Codec<TileBuffer> codec() {
        return codec;
    }

    @Override
    public Object poolKey() {
        return key;
    }

    /** Tiles of {@code length} doubles as their little-endian bytes. */
    static final class TileCodec implements Codec<TileBuffer> {
        private static final boolean LITTLE_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;
        /** Frees the tile of a range decoder dropped before it finished (a transfer abandoned half-way). */
        private static final Cleaner ABANDONED = Cleaner.create();
        /** Tiles decoded from a whole encoding ({@link #decode}), for reports and tests. */
        private static final LongAdder WHOLE_DECODES = new LongAdder();
        /** Tiles decoded in place, piece by piece ({@link #rangeDecoder}) and finished, for reports and tests. */
        private static final LongAdder IN_PLACE_DECODES = new LongAdder();
        private final int length;

        TileCodec(int length) {
            this.length = length;
        }

        @Override
        public Class<TileBuffer> type() {
            return TileBuffer.class;
        }

        @Override
        public int encodedLength(TileBuffer value) {
            return value.length() * Double.BYTES;
        }

        /**
         * The encoding of {@code value} without a copy: a read-only little-endian view of its storage (direct for a
         * native tile), or null on a big-endian machine, where the bytes must be swapped.
         */
        @Override
        public ByteBuffer encodedView(TileBuffer value) {
            return LITTLE_ENDIAN ? value.bytes().order(ByteOrder.LITTLE_ENDIAN) : null;
        }

        @Override
        public int encode(TileBuffer value, ByteBuffer buffer, int offset) {
            int bytes = encodedLength(value);
            if (LITTLE_ENDIAN) {
                buffer.put(offset, value.bytes(), 0, bytes);
            } else {
                ByteBuffer out = buffer.duplicate().order(ByteOrder.LITTLE_ENDIAN);
                for (int i = 0; i < value.length(); i++) {
                    out.putDouble(offset + i * Double.BYTES, value.get(i));
                }
            }
            return bytes;
        }

        @Override
        public boolean encodeRange(TileBuffer value, long from, ByteBuffer target) {
            if (!LITTLE_ENDIAN) {
                return false;
            }
            int count = target.remaining();
            if (from < 0 || from + count > encodedLength(value)) {
                throw new IllegalArgumentException("bytes [" + from + ", " + (from + count) + ") outside a tile of "
                    + encodedLength(value) + " bytes");
            }
            target.put(target.position(), value.bytes(), (int) from, count);
            return true;
        }

        @Override
        public TileBuffer decode(ByteBuffer buffer, int offset, int bytes) {
            if (bytes != length * Double.BYTES) {
                throw new CodecException("a tile of " + length + " doubles is " + length * Double.BYTES
                    + " bytes; got " + bytes);
            }
            if (offset < 0 || offset + bytes > buffer.limit()) {
                throw new CodecException("tile bytes [" + offset + ", " + (offset + bytes) + ") beyond the "
                    + buffer.limit() + " received");
            }
            WHOLE_DECODES.increment();
            TileBuffer tile = TileBuffer.uninitialised(length);
            ByteBuffer in = buffer.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            DoubleBuffer doubles = tile.doubles();
            if (LITTLE_ENDIAN) {
                in.position(offset).limit(offset + bytes);
                doubles.put(0, in.slice().order(ByteOrder.LITTLE_ENDIAN).asDoubleBuffer(), 0, length);
            } else {
                for (int i = 0; i < length; i++) {
                    doubles.put(i, in.getDouble(offset + i * Double.BYTES));
                }
            }
            return tile;
        }

        /**
         * Decodes a tile received in pieces straight into its native storage; null on a big-endian machine (the bytes
         * must be swapped there, and the whole encoding is decoded at once instead).
         *
         * @throws CodecException when {@code bytes} is not the encoding length of a tile of this type
         */
        @Override
        public RangeDecoder<TileBuffer> rangeDecoder(int bytes) {
            return rangeDecoder(bytes, null);
        }

        /** As {@link #rangeDecoder(int)}, filling a recycled tile of this size when {@code recycled} gives one. */
        @Override
        public RangeDecoder<TileBuffer> rangeDecoder(int bytes, Supplier<? extends TileBuffer> recycled) {
            if (bytes != length * Double.BYTES) {
                throw new CodecException("a tile of " + length + " doubles is " + length * Double.BYTES
                    + " bytes; got " + bytes);
            }
            return LITTLE_ENDIAN ? new InPlace(length, recycled) : null;
        }

        /** Tiles decoded from a whole encoding since the class loaded. */
        static long wholeDecodes() {
            return WHOLE_DECODES.sum();
        }

        /** Tiles decoded in place, piece by piece, since the class loaded. */
        static long inPlaceDecodes() {
            return IN_PLACE_DECODES.sum();
        }

        @Override
        public TileBuffer copy(TileBuffer value) {
            TileBuffer copy = TileBuffer.uninitialised(value.length());
            copy.copyFrom(value);
            return copy;
        }
    }

    /**
     * One tile's encoding fed in order into a tile allocated at the first piece: the encoding is the storage's bytes,
     * so every piece is one bulk copy at its offset, and no byte waits for another. Until {@link #finish()} hands the
     * tile over, it belongs to the decoder: a decoder dropped before (its transfer abandoned) has its tile freed by a
     * {@link Cleaner} once it is unreachable. One thread at a time (the transfer's).
     */
    private static final class InPlace implements RangeDecoder<TileBuffer> {
        private final int bytes;
        /** Where a recycled tile may come from (a dead version's, of this size), or null. */
        private final Supplier<? extends TileBuffer> recycled;
        private final Owned owned;
        private Cleaner.Cleanable cleanable;
        private long fed;
        /** The tile once {@link #finish()} handed it over. */
        private TileBuffer finished;

        InPlace(int length, Supplier<? extends TileBuffer> recycled) {
            this.bytes = length * Double.BYTES;
            this.recycled = recycled;
            this.owned = new Owned(length);
        }

        @Override
        public void accept(ByteBuffer source) {
            int count = source.remaining();
            if (fed + count > bytes) {
                throw new CodecException("tile bytes [" + fed + ", " + (fed + count) + ") beyond its " + bytes);
            }
            if (owned.tile == null) {
                TileBuffer reused = recycled == null ? null : recycled.get();
                if (reused != null && reused.length() != owned.length) {
                    if (reused != RELEASED) {
                        reused.free(); // not of this size: the decoder owns it, and frees it
                    }
                    reused = null; // a released tile's placeholder (recycled under this size's key) is never freed
                }
                owned.tile = reused != null ? reused : TileBuffer.uninitialised(owned.length);
                cleanable = TileCodec.ABANDONED.register(this, owned);
            }
            owned.tile.putBytes((int) fed, source);
            fed += count;
        }

        @Override
        public long decodedBytes() {
            return fed;
        }

        @Override
        public TileBuffer value() {
            return finished != null ? finished : owned.tile;
        }

        @Override
        public TileBuffer finish() {
            if (finished != null) {
                return finished;
            }
            if (fed != bytes || owned.tile == null) {
                throw new CodecException("a tile of " + bytes + " bytes: " + fed + " came");
            }
            finished = owned.tile;
            owned.tile = null; // handed over: the cleaning action below no longer frees it
            cleanable.clean();
            TileCodec.IN_PLACE_DECODES.increment();
            return finished;
        }
    }

    /** The tile a range decoder fills, freed by the cleaning action unless handed over first. */
    private static final class Owned implements Runnable {
        final int length;
        /** Written by the decoder's thread; read by the cleaner's after the decoder became unreachable. */
        volatile TileBuffer tile;

        Owned(int length) {
            this.length = length;
        }

        @Override
        public void run() {
            TileBuffer abandoned = tile;
            if (abandoned != null) {
                tile = null;
                abandoned.free();
            }
        }
    }
}
