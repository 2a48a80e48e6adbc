package org.bind;

import java.nio.ByteBuffer;

import org.bind.codec.Codec;
import org.bind.codec.CodecException;
import org.bind.codec.Codecs;
import org.bind.dag.RunningOps;
import org.bind.version.BufferType;

/**
 * A small value replicated on every rank (Bind's {@code shared_ptr}). Inside an op, {@link #get()} and
 * {@link #set} act on the version bound to the op ({@code set} needs write access: no {@code @In}). Outside
 * ops, {@link #get()} waits for the latest version and {@link #set} makes a new version at once.
 *
 * <p>{@code T} needs a codec ({@link Codecs}): boxed primitives, {@code String}, enums, primitive arrays,
 * records of those, or one registered by the user. Values are copied in and out, so a caller cannot change a
 * version after the fact.
 *
 * @param <T> the value type
 */
public final class Shared<T> extends Versioned {
    private final Codec<T> codec;
    private final T initial;

    private Shared(ValueType<T> type) {
        super(type);
        this.codec = type.codec;
        this.initial = type.initial;
    }

    /** A new shared value whose first version is {@code initial}. Program thread, after {@link Bind#init}. */
    @SuppressWarnings("unchecked")
    public static <T> Shared<T> of(T initial) {
        if (initial == null) {
            throw new IllegalArgumentException("Shared.of(null): pass a non-null initial value,"
                + " or use Shared.of(type, null)");
        }
        return new Shared<>(new ValueType<>(Codecs.of((Class<T>) initial.getClass()), initial));
    }

    /** A new shared value of {@code type} whose first version is {@code initial} (may be null). */
    public static <T> Shared<T> of(Class<T> type, T initial) {
        return new Shared<>(new ValueType<>(Codecs.of(type), initial));
    }

    /** True: a write inside {@code bind.on(r)} reaches every rank. */
    @Override
    public boolean replicated() {
        return true;
    }

    /** The value of the bound version inside an op; of the latest version (a copy) outside ops. */
    @SuppressWarnings("unchecked")
    public T get() {
        if (RunningOps.inOp()) {
            return ((Box<T>) buffer()).value;
        }
        Box<T> latest = (Box<T>) latestBuffer();
        T value = latest == null ? initial : latest.value;
        return value == null ? null : codec.copy(value);
    }

    /** Sets the value: of the bound version inside an op (write access needed), else a new version now. */
    @SuppressWarnings("unchecked")
    public void set(T value) {
        T copy = value == null ? null : codec.copy(checkType(value));
        if (RunningOps.inOp()) {
            ((Box<T>) writableBuffer()).value = copy;
        } else {
            replaceLatest(new Box<>(copy));
        }
    }

    private T checkType(T value) {
        if (!codec.type().isInstance(value)) {
            throw new CodecException(this + " holds " + codec.type().getName() + ", not " + value.getClass().getName());
        }
        return value;
    }

    /** The mutable holder behind one version. */
    static final class Box<T> {
        T value;

        Box(T value) {
            this.value = value;
        }
    }

    private static final class ValueType<T> implements BufferType<Box<T>> {
        private final Codec<T> codec;
        private final T initial;
        private final Codec<Box<T>> boxCodec;

        ValueType(Codec<T> codec, T initial) {
            this.codec = codec;
            this.initial = initial == null ? null : codec.copy(initial);
            this.boxCodec = new BoxCodec<>(codec);
        }

        @Override
        public Box<T> allocate() {
            return new Box<>(initial == null ? null : codec.copy(initial));
        }

        @Override
        public Box<T> copy(Box<T> source, Box<T> target) {
            T value = source.value == null ? null : codec.copy(source.value);
            if (target == null) {
                return new Box<>(value);
            }
            target.value = value;
            return target;
        }

        @Override
        public Box<T> reset(Box<T> buffer) {
            buffer.value = initial == null ? null : codec.copy(initial);
            return buffer;
        }

        @Override
        public long bytes(Box<T> buffer) {
            return 32;
        }

        @Override
        public Codec<Box<T>> codec() {
            return boxCodec;
        }
    }

    /** A presence byte, then the value. */
    private static final class BoxCodec<T> implements Codec<Box<T>> {
        private final Codec<T> codec;

        BoxCodec(Codec<T> codec) {
            this.codec = codec;
        }

        @Override
        @SuppressWarnings({"unchecked", "rawtypes"})
        public Class<Box<T>> type() {
            return (Class) Box.class;
        }

        @Override
        public int encodedLength(Box<T> box) {
            return 1 + (box.value == null ? 0 : codec.encodedLength(box.value));
        }

        @Override
        public int encode(Box<T> box, ByteBuffer buffer, int offset) {
            buffer.put(offset, (byte) (box.value == null ? 0 : 1));
            return 1 + (box.value == null ? 0 : codec.encode(box.value, buffer, offset + 1));
        }

        @Override
        public Box<T> decode(ByteBuffer buffer, int offset, int length) {
            if (length < 1) {
                throw new CodecException("malformed Shared value: empty");
            }
            boolean present = buffer.get(offset) != 0;
            return new Box<>(present ? codec.decode(buffer, offset + 1, length - 1) : null);
        }

        @Override
        public Box<T> copy(Box<T> box) {
            return new Box<>(box.value == null ? null : codec.copy(box.value));
        }
    }

    /** Names the object for messages and traces; returns it. */
    @Override
    public Shared<T> named(String name) {
        super.named(name);
        return this;
    }
}
