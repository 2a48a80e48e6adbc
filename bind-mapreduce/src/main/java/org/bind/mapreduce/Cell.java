package org.bind.mapreduce;

import java.nio.ByteBuffer;
import java.util.function.UnaryOperator;

import org.bind.Versioned;
import org.bind.codec.Codec;
import org.bind.codec.CodecException;
import org.bind.codec.RangeDecoder;
import org.bind.version.BufferType;

/**
 * A versioned reference to one value of any type: the carrier of this module's intermediate data (partitions,
 * blocks in flight, key groups). Each version holds the value an op set; a value is never changed after its op
 * completed, except by a read-write op that the runtime hands the only copy (values that such ops extend supply
 * a {@code copier} for the other case).
 *
 * <p>Only {@link #codec} decides what crosses ranks, and it is only used when a version does. The byte size
 * reported to the submission window is a constant: the runtime measures an output buffer before the op fills
 * it, so a variable size could not be accounted consistently. The window therefore does not bound these
 * values; the pipelines here keep their count per rank small and fixed.
 *
 * @param <T> the value type
 */
final class Cell<T> extends Versioned {
    /** Bytes reported per version (see the class comment). */
    static final long ACCOUNTED_BYTES = 64;

    private Cell(CellType<T> type) {
        super(type);
    }

    /** A cell whose values are immutable once set; {@code codec} ships them. Program thread. */
    static <T> Cell<T> of(Codec<T> codec) {
        return new Cell<>(new CellType<>(codec, UnaryOperator.identity()));
    }

    /** A cell whose values read-write ops extend in place; {@code copier} copies one for copy-on-write. */
    static <T> Cell<T> of(Codec<T> codec, UnaryOperator<T> copier) {
        return new Cell<>(new CellType<>(codec, copier));
    }

    /** Inside an op: the value of the bound version (null for a first version). */
    @SuppressWarnings("unchecked")
    T get() {
        return ((Holder<T>) buffer()).value;
    }

    /** Inside an op that writes this cell: sets the value of the new version. */
    @SuppressWarnings("unchecked")
    void set(T value) {
        ((Holder<T>) writableBuffer()).value = value;
    }

    /**
     * Program thread: waits for the latest version and returns its value itself (not a copy; do not change it).
     * Throws {@link org.bind.BindException} when the producing op failed or the version lives on another rank.
     */
    @SuppressWarnings("unchecked")
    T await() {
        Holder<T> holder = (Holder<T>) latestBuffer();
        return holder == null ? null : holder.value;
    }

    /** The codec of the versions of a cell whose values {@code codec} ships: a presence byte, then the value. */
    static <T> Codec<Holder<T>> holderCodec(Codec<T> codec, UnaryOperator<T> copier) {
        return new HolderCodec<>(codec, copier);
    }

    /** The mutable holder behind one version. */
    static final class Holder<T> {
        T value;

        Holder(T value) {
            this.value = value;
        }
    }

    private static final class CellType<T> implements BufferType<Holder<T>> {
        private final Codec<Holder<T>> codec;
        private final UnaryOperator<T> copier;

        CellType(Codec<T> codec, UnaryOperator<T> copier) {
            this.codec = holderCodec(codec, copier);
            this.copier = copier;
        }

        @Override
        public Holder<T> allocate() {
            return new Holder<>(null);
        }

        @Override
        public Holder<T> copy(Holder<T> source, Holder<T> target) {
            T value = source.value == null ? null : copier.apply(source.value);
            if (target == null) {
                return new Holder<>(value);
            }
            target.value = value;
            return target;
        }

        @Override
        public Holder<T> reset(Holder<T> buffer) {
            buffer.value = null;
            return buffer;
        }

        @Override
        public long bytes(Holder<T> buffer) {
            return ACCOUNTED_BYTES;
        }

        @Override
        public Codec<Holder<T>> codec() {
            return codec;
        }
    }

    /** A presence byte, then the value's own encoding. */
    private static final class HolderCodec<T> implements Codec<Holder<T>> {
        private final Codec<T> codec;
        private final UnaryOperator<T> copier;

        HolderCodec(Codec<T> codec, UnaryOperator<T> copier) {
            this.codec = codec;
            this.copier = copier;
        }

        @Override
        @SuppressWarnings({"unchecked", "rawtypes"})
        public Class<Holder<T>> type() {
            return (Class) Holder.class;
        }

        @Override
        public int encodedLength(Holder<T> holder) {
            return 1 + (holder.value == null ? 0 : codec.encodedLength(holder.value));
        }

        @Override
        public int encode(Holder<T> holder, ByteBuffer buffer, int offset) {
            buffer.put(offset, (byte) (holder.value == null ? 0 : 1));
            return 1 + (holder.value == null ? 0 : codec.encode(holder.value, buffer, offset + 1));
        }

        @Override
        public Holder<T> decode(ByteBuffer buffer, int offset, int length) {
            if (length < 1) {
                throw new CodecException("malformed cell: empty");
            }
            byte presence = buffer.get(offset);
            if (presence != 0 && presence != 1) {
                throw new CodecException("malformed cell: presence byte " + presence);
            }
            return new Holder<>(presence == 0 ? null : codec.decode(buffer, offset + 1, length - 1));
        }

        /** When the value's codec writes ranges: the presence byte, then the value's own range. */
        @Override
        public boolean encodeRange(Holder<T> holder, long from, ByteBuffer target) {
            long end = from + target.remaining();
            if (from < 0 || (holder.value == null && end > 1)) { // the value's codec checks the rest
                throw new IllegalArgumentException("bytes " + from + " to " + end + " are not within the encoding"
                    + " of a" + (holder.value == null ? "n empty" : "") + " cell");
            }
            int pos = target.position();
            if (holder.value != null) {
                long innerFrom = Math.max(from, 1) - 1;
                long innerEnd = Math.max(end, 1) - 1;
                int skip = from == 0 && end > 0 ? 1 : 0;
                ByteBuffer rest = target.slice(pos + skip, (int) (innerEnd - innerFrom)).order(target.order());
                if (!codec.encodeRange(holder.value, innerFrom, rest)) {
                    return false;
                }
            }
            if (from == 0 && end > 0) {
                target.put(pos, (byte) (holder.value == null ? 0 : 1));
            }
            return true;
        }

        /** When the value's codec decodes ranges: the presence byte, then the value's own decoder. */
        @Override
        public RangeDecoder<Holder<T>> rangeDecoder(int length) {
            if (length < 1) {
                throw new CodecException("malformed cell: empty");
            }
            RangeDecoder<T> inner = length == 1 ? null : codec.rangeDecoder(length - 1);
            return length == 1 || inner != null ? new InPlace<>(length, inner) : null;
        }

        @Override
        public Holder<T> copy(Holder<T> holder) {
            return new Holder<>(holder.value == null ? null : copier.apply(holder.value));
        }
    }

    /** Decodes a cell's encoding piece by piece: the presence byte, then the rest fed to the value's decoder. */
    private static final class InPlace<T> implements RangeDecoder<Holder<T>> {
        private final int length;
        /** Null when the encoding is the presence byte alone (an empty cell). */
        private final RangeDecoder<T> inner;
        private boolean present;
        private boolean started;
        private Holder<T> holder;

        InPlace(int length, RangeDecoder<T> inner) {
            this.length = length;
            this.inner = inner;
        }

        @Override
        public void accept(ByteBuffer source) {
            int pos = source.position();
            int end = source.limit();
            if (pos == end) {
                return;
            }
            if (!started) {
                byte presence = source.get(pos++);
                if (presence != (inner == null ? 0 : 1)) {
                    throw new CodecException("malformed cell: presence byte " + presence + " in " + length
                        + " bytes");
                }
                started = true;
                present = presence == 1;
            }
            if (pos < end) {
                if (!present) {
                    throw new CodecException("malformed cell: bytes after an empty cell's presence byte");
                }
                inner.accept(source.slice(pos, end - pos).order(source.order()));
            }
        }

        @Override
        public long decodedBytes() {
            return !started ? 0 : 1 + (present ? inner.decodedBytes() : 0);
        }

        @Override
        public Holder<T> value() {
            if (holder == null && started && (!present || inner.value() != null)) {
                holder = new Holder<>(present ? inner.value() : null);
            }
            return holder;
        }

        @Override
        public Holder<T> finish() {
            if (!started) {
                throw new CodecException("malformed cell: no byte of " + length + " came");
            }
            T value = present ? inner.finish() : null;
            if (holder == null) {
                holder = new Holder<>(value);
            }
            holder.value = value;
            return holder;
        }
    }
}
