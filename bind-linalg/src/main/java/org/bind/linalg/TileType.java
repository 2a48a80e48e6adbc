package org.bind.linalg;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;

import org.bind.codec.Codec;
import org.bind.codec.CodecException;
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
 * a read-only view of them, which the runtime hands to the transport as it is (no copy on the sending side). Immutable; any thread.
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

        @Override
        public TileBuffer copy(TileBuffer value) {
            TileBuffer copy = TileBuffer.uninitialised(value.length());
            copy.copyFrom(value);
            return copy;
        }
    }
}
