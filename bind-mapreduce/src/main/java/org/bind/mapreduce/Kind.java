package org.bind.mapreduce;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.bind.codec.Codec;
import org.bind.codec.CodecException;
import org.bind.codec.Codecs;

/**
 * What {@link KVPairs} needs of a key or value type: its wire encoding, the stable hash that places a key, and
 * whether {@code equals} may stand for key equality.
 *
 * <p><b>Key identity.</b> Two keys are the same key when their {@linkplain #encoding encodings} (the
 * {@code org.bind.codec} encoding, little-endian) are equal. For boxed integers, {@code Character}, {@code Boolean},
 * {@code String} and enums that is {@code equals}, and grouping uses the keys themselves; for every other type
 * (floating point, arrays, records, registered codecs) grouping uses the encoded bytes ({@link ByteKey}).
 *
 * <p><b>Hash.</b> {@code hash(k)} is FNV-1a (64 bit) over {@code encoding(k)}, finished with MurmurHash3's
 * {@code fmix64}; the same on every JVM and run. The fast kinds compute it without materialising the bytes.
 *
 * <p>Immutable and thread safe.
 */
abstract class Kind {
    private static final long FNV_OFFSET = 0xcbf29ce484222325L;
    private static final long FNV_PRIME = 0x100000001b3L;

    private static final ClassValue<Kind> KINDS = new ClassValue<>() {
        @Override
        protected Kind computeValue(Class<?> type) {
            if (type == Integer.class) {
                return new IntKind();
            } else if (type == Long.class) {
                return new LongKind();
            } else if (type == String.class) {
                return new StringKind();
            }
            Codec<?> codec = Codecs.find(type);
            return codec == null ? null : new CodecKind(type, codec);
        }
    };

    final Class<?> type;

    Kind(Class<?> type) {
        this.type = type;
    }

    /**
     * The kind of {@code type}; {@code what} ("key type", ...) names it in the error.
     *
     * @throws IllegalArgumentException when {@code type} is null or has no codec
     */
    static Kind of(Class<?> type, String what) {
        if (type == null) {
            throw new IllegalArgumentException(what + " is null");
        }
        if (type.isPrimitive()) {
            throw new IllegalArgumentException(what + " " + type.getName()
                + " is primitive: pass its boxed class, as in Integer.class");
        }
        Kind kind;
        try {
            kind = KINDS.get(type);
        } catch (CodecException e) {
            kind = null;
        }
        if (kind == null) {
            throw new IllegalArgumentException(what + " " + type.getName() + " has no codec: use a boxed primitive,"
                + " String, a primitive array, a record of those, or register a codec with Codecs.register");
        }
        return kind;
    }

    /** The kind of {@code type}, or null when it has no codec. */
    static Kind find(Class<?> type) {
        try {
            return KINDS.get(type);
        } catch (CodecException e) {
            return null;
        }
    }

    /** Whether {@code equals}/{@code hashCode} of values of this type agree with equality of encodings. */
    abstract boolean valueEquality();

    abstract long hash(Object value);

    abstract void write(Wire.Out out, Object value);

    abstract Object read(Wire.In in);

    /** The {@code org.bind.codec} encoding (little-endian): what key identity and the hash are defined on. */
    abstract byte[] encoding(Object value);

    /** An independent copy for the caller of {@link KVPairs#local()} (the value itself when immutable). */
    abstract Object copy(Object value);

    /** The object to group {@code key} by: itself, or its encoding. */
    Object groupingKey(Object key) {
        return valueEquality() ? key : new ByteKey(encoding(key), hash(key));
    }

    static long fmix64(long h) {
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }

    static long fnvInt(long h, int v) {
        for (int i = 0; i < 4; i++) {
            h = (h ^ (v & 0xFF)) * FNV_PRIME;
            v >>>= 8;
        }
        return h;
    }

    /** The hash of an {@code Integer} key {@code v}, without boxing it. */
    static long hashInt(int v) {
        return fmix64(fnvInt(FNV_OFFSET, v));
    }

    /** The hash of a {@code Long} key {@code v}, without boxing it. */
    static long hashLong(long v) {
        return fmix64(fnvInt(fnvInt(FNV_OFFSET, (int) v), (int) (v >>> 32)));
    }

    /**
     * The hash of the {@code String} key whose UTF-8 bytes are {@code utf8[from, from + length)}, straight from the
     * bytes: what {@link #hash} gives for that string.
     */
    static long hashUtf8(byte[] utf8, int from, int length) {
        long h = fnvInt(FNV_OFFSET, length);
        for (int i = from; i < from + length; i++) {
            h = (h ^ (utf8[i] & 0xFF)) * FNV_PRIME;
        }
        return fmix64(h);
    }

    static long hashBytes(byte[] bytes) {
        long h = FNV_OFFSET;
        for (byte b : bytes) {
            h = (h ^ (b & 0xFF)) * FNV_PRIME;
        }
        return fmix64(h);
    }

    /** Unsigned lexicographic order of encodings: the tie-break between keys of equal hash. */
    static int compareEncodings(byte[] a, byte[] b) {
        return Arrays.compareUnsigned(a, b);
    }

    /** A key grouped by its encoding. */
    static final class ByteKey {
        final byte[] bytes;
        private final int hashCode;

        ByteKey(byte[] bytes, long hash) {
            this.bytes = bytes;
            this.hashCode = (int) (hash ^ (hash >>> 32));
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof ByteKey key && Arrays.equals(bytes, key.bytes);
        }

        @Override
        public int hashCode() {
            return hashCode;
        }
    }

    private static final class IntKind extends Kind {
        IntKind() {
            super(Integer.class);
        }

        @Override
        boolean valueEquality() {
            return true;
        }

        @Override
        long hash(Object value) {
            return hashInt((Integer) value);
        }

        @Override
        void write(Wire.Out out, Object value) {
            out.putInt((Integer) value);
        }

        @Override
        Object read(Wire.In in) {
            return in.getInt();
        }

        @Override
        byte[] encoding(Object value) {
            byte[] bytes = new byte[4];
            Wire.putInt(bytes, 0, (Integer) value);
            return bytes;
        }

        @Override
        Object copy(Object value) {
            return value;
        }
    }

    private static final class LongKind extends Kind {
        LongKind() {
            super(Long.class);
        }

        @Override
        boolean valueEquality() {
            return true;
        }

        @Override
        long hash(Object value) {
            return hashLong((Long) value);
        }

        @Override
        void write(Wire.Out out, Object value) {
            out.putLong((Long) value);
        }

        @Override
        Object read(Wire.In in) {
            return in.getLong();
        }

        @Override
        byte[] encoding(Object value) {
            return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, (Long) value).array();
        }

        @Override
        Object copy(Object value) {
            return value;
        }
    }

    /** Encoding: the UTF-8 length (4 bytes), then the UTF-8 bytes. On the wire the length is a varint. */
    private static final class StringKind extends Kind {
        StringKind() {
            super(String.class);
        }

        @Override
        boolean valueEquality() {
            return true;
        }

        @Override
        long hash(Object value) {
            String s = (String) value;
            int n = s.length();
            for (int i = 0; i < n; i++) {
                if (s.charAt(i) >= 0x80) {
                    return hashBytes(encoding(s));
                }
            }
            long h = fnvInt(FNV_OFFSET, n); // ASCII: n UTF-8 bytes, each the char itself
            for (int i = 0; i < n; i++) {
                h = (h ^ s.charAt(i)) * FNV_PRIME;
            }
            return fmix64(h);
        }

        @Override
        void write(Wire.Out out, Object value) {
            out.putString((String) value);
        }

        @Override
        Object read(Wire.In in) {
            int length = in.getCount(1);
            return new String(in.array(), in.skip(length), length, StandardCharsets.UTF_8);
        }

        @Override
        byte[] encoding(Object value) {
            byte[] utf8 = ((String) value).getBytes(StandardCharsets.UTF_8);
            byte[] bytes = new byte[4 + utf8.length];
            Wire.putInt(bytes, 0, utf8.length);
            System.arraycopy(utf8, 0, bytes, 4, utf8.length);
            return bytes;
        }

        @Override
        Object copy(Object value) {
            return value;
        }
    }

    /** Any type with a codec: the codec's bytes, after a varint length on the wire. */
    private static final class CodecKind extends Kind {
        private final Codec<Object> codec;
        private final boolean valueEquality;

        @SuppressWarnings("unchecked")
        CodecKind(Class<?> type, Codec<?> codec) {
            super(type);
            this.codec = (Codec<Object>) codec;
            this.valueEquality = type == Short.class || type == Byte.class || type == Character.class
                || type == Boolean.class || type.isEnum();
        }

        @Override
        boolean valueEquality() {
            return valueEquality;
        }

        @Override
        long hash(Object value) {
            return hashBytes(encoding(value));
        }

        @Override
        void write(Wire.Out out, Object value) {
            int length = codec.encodedLength(value);
            out.putVarInt(length);
            int at = out.reserve(length);
            int written = codec.encode(value, ByteBuffer.wrap(out.array()).order(ByteOrder.LITTLE_ENDIAN), at);
            if (written != length) {
                throw new CodecException("codec of " + type.getName() + " wrote " + written + " bytes, announced "
                    + length);
            }
        }

        @Override
        Object read(Wire.In in) {
            int length = in.getCount(1);
            int at = in.skip(length);
            return codec.decode(ByteBuffer.wrap(in.array()).order(ByteOrder.LITTLE_ENDIAN), at, length);
        }

        @Override
        byte[] encoding(Object value) {
            byte[] bytes = new byte[codec.encodedLength(value)];
            codec.encode(value, ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN), 0);
            return bytes;
        }

        @Override
        Object copy(Object value) {
            return codec.copy(value);
        }
    }
}
