package org.bind.codec;

import java.lang.reflect.Constructor;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import java.nio.ByteBuffer;

/**
 * The codec registry. Built in: boxed primitives, {@code String}, enums, primitive arrays, and records whose
 * components have codecs. Users add their own with {@link #register}. Lookups are cached per class.
 *
 * <p>Thread safe.
 *
 * <p>Over 400 lines because it is one table: a codec per built-in type, each a few lines, kept side by side.
 */
public final class Codecs {
    private static final Map<Class<?>, Codec<?>> REGISTERED = new ConcurrentHashMap<>();
    private static final ClassValue<Codec<?>> DERIVED = new ClassValue<>() {
        @Override
        protected Codec<?> computeValue(Class<?> type) {
            return derive(type);
        }
    };

    private Codecs() {
    }

    /** Bytes of one element of a primitive array type ({@code int.class} gives 4). */
    public static int elementBytes(Class<?> element) {
        if (element == long.class || element == double.class) {
            return 8;
        } else if (element == int.class || element == float.class) {
            return 4;
        } else if (element == short.class || element == char.class) {
            return 2;
        }
        return 1;
    }

    /** Registers (or replaces) the codec for {@code type}; it wins over any built-in codec. */
    public static <T> void register(Class<T> type, Codec<T> codec) {
        if (type == null || codec == null) {
            throw new IllegalArgumentException("Codecs.register needs a type and a codec, got " + type + ", " + codec);
        }
        REGISTERED.put(type, codec);
    }

    /** The codec for {@code type}, or {@code null} when it has none. */
    @SuppressWarnings("unchecked")
    public static <T> Codec<T> find(Class<T> type) {
        Codec<?> registered = REGISTERED.get(type);
        if (registered != null) {
            return (Codec<T>) registered;
        }
        return (Codec<T>) DERIVED.get(type);
    }

    /** The codec for {@code type}; throws {@link CodecException} naming the type when it has none. */
    public static <T> Codec<T> of(Class<T> type) {
        Codec<T> codec = find(type);
        if (codec == null) {
            throw new CodecException("no codec for " + type.getName()
                + ": use a boxed primitive, String, an enum, a primitive array, a record of those,"
                + " or register one with Codecs.register");
        }
        return codec;
    }

    private static Codec<?> derive(Class<?> type) {
        if (type == Integer.class) {
            return fixed(Integer.class, 4, (b, o, v) -> b.putInt(o, v), ByteBuffer::getInt);
        } else if (type == Long.class) {
            return fixed(Long.class, 8, (b, o, v) -> b.putLong(o, v), ByteBuffer::getLong);
        } else if (type == Double.class) {
            return fixed(Double.class, 8, (b, o, v) -> b.putDouble(o, v), ByteBuffer::getDouble);
        } else if (type == Float.class) {
            return fixed(Float.class, 4, (b, o, v) -> b.putFloat(o, v), ByteBuffer::getFloat);
        } else if (type == Short.class) {
            return fixed(Short.class, 2, (b, o, v) -> b.putShort(o, v), ByteBuffer::getShort);
        } else if (type == Byte.class) {
            return fixed(Byte.class, 1, (b, o, v) -> b.put(o, v), ByteBuffer::get);
        } else if (type == Character.class) {
            return fixed(Character.class, 2, (b, o, v) -> b.putChar(o, v), ByteBuffer::getChar);
        } else if (type == Boolean.class) {
            return fixed(Boolean.class, 1, (b, o, v) -> b.put(o, (byte) (v ? 1 : 0)), (b, o) -> b.get(o) != 0);
        } else if (type == String.class) {
            return new StringCodec();
        } else if (type.isEnum()) {
            return enumCodec(type);
        } else if (type.isArray() && type.getComponentType().isPrimitive()) {
            return new PrimitiveArrayCodec<>(type);
        } else if (type.isRecord()) {
            return RecordCodec.tryCreate(type);
        }
        return null;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Codec<?> enumCodec(Class<?> type) {
        return new EnumCodec(type);
    }

    interface Writer<T> {
        void put(ByteBuffer buffer, int offset, T value);
    }

    interface Reader<T> {
        T get(ByteBuffer buffer, int offset);
    }

    private static <T> Codec<T> fixed(Class<T> type, int size, Writer<T> writer, Reader<T> reader) {
        return new Codec<>() {
            @Override
            public Class<T> type() {
                return type;
            }

            @Override
            public int encodedLength(T value) {
                return size;
            }

            @Override
            public int encode(T value, ByteBuffer buffer, int offset) {
                writer.put(buffer, offset, value);
                return size;
            }

            @Override
            public T decode(ByteBuffer buffer, int offset, int length) {
                checkLength(type, size, length);
                return reader.get(buffer, offset);
            }

            @Override
            public T copy(T value) {
                return value;
            }
        };
    }

    static void checkCount(Class<?> type, int count) {
        if (count < 0) {
            throw new CodecException("malformed " + type.getSimpleName() + ": negative length " + count);
        }
    }

    static void checkLength(Class<?> type, long needed, int available) {
        if (needed < 0 || needed > available) {
            throw new CodecException("malformed " + type.getSimpleName() + ": needs " + needed
                + " bytes, frame has " + available);
        }
    }

    private static final class StringCodec implements Codec<String> {
        @Override
        public Class<String> type() {
            return String.class;
        }

        @Override
        public int encodedLength(String value) {
            return 4 + value.getBytes(StandardCharsets.UTF_8).length;
        }

        @Override
        public int encode(String value, ByteBuffer buffer, int offset) {
            byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
            buffer.putInt(offset, bytes.length);
            buffer.put(offset + 4, bytes);
            return 4 + bytes.length;
        }

        @Override
        public String decode(ByteBuffer buffer, int offset, int length) {
            checkLength(String.class, 4, length);
            int size = buffer.getInt(offset);
            checkCount(String.class, size);
            checkLength(String.class, 4L + size, length);
            byte[] bytes = new byte[size];
            buffer.get(offset + 4, bytes);
            return new String(bytes, StandardCharsets.UTF_8);
        }

        @Override
        public String copy(String value) {
            return value;
        }
    }

    private static final class EnumCodec<E extends Enum<E>> implements Codec<E> {
        private final Class<E> type;
        private final E[] constants;

        EnumCodec(Class<E> type) {
            this.type = type;
            this.constants = type.getEnumConstants();
        }

        @Override
        public Class<E> type() {
            return type;
        }

        @Override
        public int encodedLength(E value) {
            return 4;
        }

        @Override
        public int encode(E value, ByteBuffer buffer, int offset) {
            buffer.putInt(offset, value.ordinal());
            return 4;
        }

        @Override
        public E decode(ByteBuffer buffer, int offset, int length) {
            checkLength(type, 4, length);
            int ordinal = buffer.getInt(offset);
            if (ordinal < 0 || ordinal >= constants.length) {
                throw new CodecException("malformed " + type.getSimpleName() + ": ordinal " + ordinal
                    + " out of range [0, " + constants.length + ")");
            }
            return constants[ordinal];
        }

        @Override
        public E copy(E value) {
            return value;
        }
    }

    /** Components in declaration order, each as a presence byte then its codec's bytes (int length first). */
    private static final class RecordCodec<R extends Record> implements Codec<R> {
        private final Class<R> type;
        private final Function<Object, Object>[] accessors;
        private final Codec<Object>[] codecs;
        private final Constructor<R> constructor;

        private RecordCodec(Class<R> type, Function<Object, Object>[] accessors, Codec<Object>[] codecs,
                            Constructor<R> constructor) {
            this.type = type;
            this.accessors = accessors;
            this.codecs = codecs;
            this.constructor = constructor;
        }

        @SuppressWarnings({"unchecked", "rawtypes"})
        static Codec<?> tryCreate(Class<?> type) {
            RecordComponent[] components = type.getRecordComponents();
            Function<Object, Object>[] accessors = new Function[components.length];
            Codec<Object>[] codecs = new Codec[components.length];
            Class<?>[] types = new Class<?>[components.length];
            for (int i = 0; i < components.length; i++) {
                Class<?> componentType = box(components[i].getType());
                Codec<?> codec = find(componentType);
                if (codec == null) {
                    return null;
                }
                codecs[i] = (Codec<Object>) codec;
                types[i] = components[i].getType();
                java.lang.reflect.Method accessor = components[i].getAccessor();
                accessor.setAccessible(true);
                accessors[i] = record -> {
                    try {
                        return accessor.invoke(record);
                    } catch (ReflectiveOperationException e) {
                        throw new CodecException("cannot read " + accessor + ": " + e);
                    }
                };
            }
            try {
                Constructor<?> constructor = type.getDeclaredConstructor(types);
                constructor.setAccessible(true);
                return new RecordCodec(type, accessors, codecs, constructor);
            } catch (ReflectiveOperationException | RuntimeException e) {
                return null;
            }
        }

        static Class<?> box(Class<?> type) {
            if (!type.isPrimitive()) {
                return type;
            }
            return java.lang.invoke.MethodType.methodType(type).wrap().returnType();
        }

        @Override
        public Class<R> type() {
            return type;
        }

        @Override
        public int encodedLength(R value) {
            int length = 0;
            for (int i = 0; i < codecs.length; i++) {
                Object component = accessors[i].apply(value);
                length += 1 + (component == null ? 0 : 4 + codecs[i].encodedLength(component));
            }
            return length;
        }

        @Override
        public int encode(R value, ByteBuffer buffer, int offset) {
            int at = offset;
            for (int i = 0; i < codecs.length; i++) {
                Object component = accessors[i].apply(value);
                buffer.put(at++, (byte) (component == null ? 0 : 1));
                if (component != null) {
                    int written = codecs[i].encode(component, buffer, at + 4);
                    buffer.putInt(at, written);
                    at += 4 + written;
                }
            }
            return at - offset;
        }

        @Override
        public R decode(ByteBuffer buffer, int offset, int length) {
            Object[] values = new Object[codecs.length];
            int at = offset;
            int end = offset + length;
            for (int i = 0; i < codecs.length; i++) {
                checkLength(type, 1, end - at);
                boolean present = buffer.get(at++) != 0;
                if (present) {
                    checkLength(type, 4, end - at);
                    int size = buffer.getInt(at);
                    checkCount(type, size);
                    checkLength(type, 4L + size, end - at);
                    values[i] = codecs[i].decode(buffer, at + 4, size);
                    at += 4 + size;
                }
            }
            return construct(values);
        }

        @Override
        public R copy(R value) {
            Object[] values = new Object[codecs.length];
            boolean changed = false;
            for (int i = 0; i < codecs.length; i++) {
                Object component = accessors[i].apply(value);
                values[i] = component == null ? null : codecs[i].copy(component);
                changed |= values[i] != component;
            }
            return changed ? construct(values) : value;
        }

        private R construct(Object[] values) {
            try {
                return constructor.newInstance(values);
            } catch (ReflectiveOperationException e) {
                throw new CodecException("cannot construct " + type.getName() + ": " + e);
            }
        }
    }
}
