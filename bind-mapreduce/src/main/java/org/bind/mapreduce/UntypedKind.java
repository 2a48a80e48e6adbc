package org.bind.mapreduce;

import java.util.List;

import org.bind.codec.CodecException;

/**
 * The kind of the pairs given to {@link KVPairs#of(org.bind.Bind, java.util.Map)} without their types: each value
 * is handled by the kind of its own class, and on the wire it is preceded by a one-byte tag naming that class
 * among {@link #TAGGED}, the only classes such pairs may carry to another rank (a rank cannot learn other
 * classes from its peers). Keys of different classes never group together: their grouping key and tie-break
 * bytes start with the tag.
 */
final class UntypedKind extends Kind {
    /** The classes untyped pairs may ship, by tag (index + 1). */
    static final List<Class<?>> TAGGED = List.of(Integer.class, Long.class, String.class, Short.class, Byte.class,
        Character.class, Boolean.class, Float.class, Double.class, int[].class, long[].class, double[].class,
        float[].class, short[].class, byte[].class, char[].class, boolean[].class);

    static final UntypedKind INSTANCE = new UntypedKind();

    private UntypedKind() {
        super(Object.class);
    }

    /** The kind of {@code value}'s class; {@code what} names the value in the error. */
    static Kind kindOf(Object value, String what) {
        Kind kind = Kind.find(value.getClass());
        if (kind == null) {
            throw new IllegalArgumentException(what + " of type " + value.getClass().getName() + " has no codec: use a"
                + " boxed primitive, String, a primitive array, a record of those, or register a codec with"
                + " Codecs.register");
        }
        return kind;
    }

    private static int tag(Object value) {
        int index = TAGGED.indexOf(value.getClass());
        if (index < 0) {
            throw new CodecException("pairs given to KVPairs.of(bind, local) without their types can carry only "
                + "boxed primitives, String and primitive arrays to another rank, not " + value.getClass().getName()
                + ": pass the types with KVPairs.of(bind, local, keyType, valueType), or map the pairs first");
        }
        return index + 1;
    }

    @Override
    boolean valueEquality() {
        return false;
    }

    @Override
    Object groupingKey(Object key) {
        Kind kind = kindOf(key, "key");
        return kind.valueEquality() ? key : new ByteKey(encoding(key), kind.hash(key));
    }

    @Override
    long hash(Object value) {
        return kindOf(value, "key").hash(value);
    }

    @Override
    void write(Wire.Out out, Object value) {
        out.putByte(tag(value));
        kindOf(value, "value").write(out, value);
    }

    @Override
    Object read(Wire.In in) {
        int tag = in.getByte();
        if (tag < 1 || tag > TAGGED.size()) {
            throw new CodecException("malformed pairs: type tag " + tag);
        }
        return Kind.find(TAGGED.get(tag - 1)).read(in);
    }

    /** The class's name, then its encoding: distinct classes never compare equal. */
    @Override
    byte[] encoding(Object value) {
        byte[] name = value.getClass().getName().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] own = kindOf(value, "key").encoding(value);
        byte[] bytes = new byte[name.length + 1 + own.length];
        System.arraycopy(name, 0, bytes, 0, name.length);
        System.arraycopy(own, 0, bytes, name.length + 1, own.length);
        return bytes;
    }

    @Override
    Object copy(Object value) {
        return kindOf(value, "value").copy(value);
    }
}
