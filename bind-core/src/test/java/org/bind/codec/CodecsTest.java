package org.bind.codec;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The built-in codecs round-trip every supported kind of value at any offset and in either byte order, copy
 * mutable values deeply, and reject malformed bytes with {@link CodecException} before allocating anything big.
 */
@Timeout(30)
class CodecsTest {
    /** Anything above this, allocated while rejecting a tiny frame, means the codec trusted a length it read. */
    private static final long ALLOCATION_LIMIT_BYTES = 1 << 20;
    private static final int OFFSET = 7;
    private static final List<Class<?>> PRIMITIVE_ARRAYS = List.of(byte[].class, short[].class, char[].class,
        int[].class, float[].class, long[].class, double[].class, boolean[].class);

    enum Color { RED, GREEN, BLUE }

    record Point(int x, long y, String name) {
    }

    record Bag(int[] values, Color color, Point point, String note, double[] weights, Boolean flag) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Bag b && Arrays.equals(values, b.values) && color == b.color
                && Objects.equals(point, b.point) && Objects.equals(note, b.note)
                && Arrays.equals(weights, b.weights) && Objects.equals(flag, b.flag);
        }

        @Override
        public int hashCode() {
            return Objects.hash(Arrays.hashCode(values), color, point, note, Arrays.hashCode(weights), flag);
        }
    }

    record Unsupported(List<String> names) {
    }

    /** Values of every built-in kind, with edge cases. */
    static Stream<Arguments> values() {
        return Stream.of(
            Integer.MIN_VALUE, -1, 0, Integer.MAX_VALUE,
            Long.MIN_VALUE, 42L, Long.MAX_VALUE,
            -0.0, Double.NaN, Double.NEGATIVE_INFINITY, Math.PI, Double.MIN_VALUE,
            Float.NaN, -1.5f, Float.MAX_VALUE,
            (short) -32768, (short) 12345,
            (byte) -128, (byte) 127,
            'a', '\uffff', '\u00e9',
            true, false,
            "", "plain", "h\u00e9llo w\u00f6rld \u2713 \ud834\udd1e",
            Color.RED, Color.BLUE,
            new int[0], new int[] {Integer.MIN_VALUE, 0, 7, Integer.MAX_VALUE},
            new long[] {Long.MIN_VALUE, -1, Long.MAX_VALUE},
            new double[] {-0.0, Double.NaN, 1e308, Double.MIN_VALUE},
            new float[] {1.25f, Float.NEGATIVE_INFINITY},
            new short[] {-1, 2, Short.MAX_VALUE},
            new byte[] {0, -1, 127, -128},
            new char[] {'x', '\u20ac', '\u0000'},
            new boolean[] {true, false, true},
            new byte[0],
            new Point(-3, 1L << 40, "origin"),
            new Point(0, 0, null),
            new Bag(new int[] {1, 2, 3}, Color.GREEN, new Point(1, 2, "p"), "note", new double[] {0.5, -2}, true),
            new Bag(null, null, null, null, null, null),
            new Bag(new int[0], Color.BLUE, new Point(9, 9, ""), "", new double[0], false)
        ).map(v -> Arguments.of(v.getClass().getSimpleName(), v));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("values")
    void shouldRoundTripEveryBuiltInKindInBothByteOrders(String kind, Object value) {
        Codec<Object> codec = codecFor(value);
        assertSame(value.getClass(), codec.type());
        for (ByteOrder order : List.of(ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN)) {
            ByteBuffer buffer = encode(codec, value, order);
            int length = codec.encodedLength(value);
            Object decoded = codec.decode(buffer, OFFSET, length);
            assertDeepEquals(value, decoded, order.toString());
            if (value.getClass().isArray() || value instanceof Bag) {
                assertNotSame(value, decoded);
            }
        }
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("values")
    void shouldRejectEveryTruncatedEncoding(String kind, Object value) {
        Codec<Object> codec = codecFor(value);
        ByteBuffer buffer = encode(codec, value, ByteOrder.LITTLE_ENDIAN);
        int length = codec.encodedLength(value);
        for (int shorter = 0; shorter < length; shorter++) {
            int frame = shorter;
            assertRejected(codec, buffer, OFFSET, frame, "prefix of " + frame + " of " + length + " bytes");
        }
    }

    @Test
    void shouldCopyMutableValuesDeeply() {
        int[] ints = {1, 2, 3};
        int[] copy = Codecs.of(int[].class).copy(ints);
        assertNotSame(ints, copy);
        copy[0] = 99;
        assertEquals(1, ints[0]);

        Bag bag = new Bag(new int[] {4, 5}, Color.RED, new Point(1, 1, "a"), "n", new double[] {1.5}, null);
        Bag bagCopy = Codecs.of(Bag.class).copy(bag);
        assertEquals(bag, bagCopy);
        assertNotSame(bag.values(), bagCopy.values());
        assertNotSame(bag.weights(), bagCopy.weights());
        bagCopy.values()[0] = -1;
        assertEquals(4, bag.values()[0]);

        Point point = new Point(1, 2, "immutable");
        assertEquals(point, Codecs.of(Point.class).copy(point));
        assertSame("s", Codecs.of(String.class).copy("s"));
    }

    @Test
    void shouldRejectTypesWithoutACodecNamingThem() {
        assertNull(Codecs.find(ArrayList.class));
        CodecException e = assertThrows(CodecException.class, () -> Codecs.of(ArrayList.class));
        assertTrue(e.getMessage().contains("java.util.ArrayList"), e.getMessage());
        assertNull(Codecs.find(Unsupported.class), "a record with a component that has no codec");
        CodecException r = assertThrows(CodecException.class, () -> Codecs.of(Unsupported.class));
        assertTrue(r.getMessage().contains(Unsupported.class.getName()), r.getMessage());
        assertNull(Codecs.find(Object.class));
    }

    @Test
    void shouldPreferARegisteredCodec() {
        record Celsius(double degrees) {
        }
        Codec<Celsius> tenthsOfADegree = new Codec<>() {
            @Override
            public Class<Celsius> type() {
                return Celsius.class;
            }

            @Override
            public int encodedLength(Celsius value) {
                return 4;
            }

            @Override
            public int encode(Celsius value, ByteBuffer buffer, int offset) {
                buffer.putInt(offset, (int) Math.round(value.degrees() * 10));
                return 4;
            }

            @Override
            public Celsius decode(ByteBuffer buffer, int offset, int length) {
                if (length < 4) {
                    throw new CodecException("short Celsius");
                }
                return new Celsius(buffer.getInt(offset) / 10.0);
            }

            @Override
            public Celsius copy(Celsius value) {
                return value;
            }
        };
        assertNotNull(Codecs.find(Celsius.class), "records of doubles have a built-in codec");
        Codecs.register(Celsius.class, tenthsOfADegree);
        assertSame(tenthsOfADegree, Codecs.of(Celsius.class));
        Codec<Celsius> codec = Codecs.of(Celsius.class);
        ByteBuffer buffer = ByteBuffer.allocate(4);
        codec.encode(new Celsius(21.04), buffer, 0);
        assertEquals(new Celsius(21.0), codec.decode(buffer, 0, 4));
        assertThrows(IllegalArgumentException.class, () -> Codecs.register(null, tenthsOfADegree));
    }

    @Test
    void shouldRejectArrayLengthsBeyondTheFrameWithoutAllocatingThem() {
        List<Executable> checks = new ArrayList<>();
        for (Class<?> type : PRIMITIVE_ARRAYS) {
            Codec<Object> codec = codec(type);
            for (int claimed : new int[] {9, 20_000_000, Integer.MAX_VALUE}) {
                ByteBuffer frame = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
                frame.putInt(0, claimed);
                checks.add(() -> assertRejected(codec, frame, 0, 12,
                    type.getSimpleName() + " claiming " + claimed + " elements in a 12-byte frame"));
            }
        }
        assertAll(checks);
    }

    @Test
    void shouldRejectNegativeArrayLengths() {
        List<Executable> checks = new ArrayList<>();
        for (Class<?> type : PRIMITIVE_ARRAYS) {
            Codec<Object> codec = codec(type);
            for (int claimed : new int[] {-1, -2, Integer.MIN_VALUE}) {
                ByteBuffer frame = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
                frame.putInt(0, claimed);
                checks.add(() -> assertRejected(codec, frame, 0, 16,
                    type.getSimpleName() + " claiming " + claimed + " elements"));
            }
        }
        assertAll(checks);
    }

    @Test
    void shouldRejectStringLengthsBeyondTheFrameOrNegative() {
        Codec<Object> codec = codec(String.class);
        List<Executable> checks = new ArrayList<>();
        for (int claimed : new int[] {13, 100_000_000, Integer.MAX_VALUE, -1, -4, Integer.MIN_VALUE}) {
            ByteBuffer frame = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
            frame.putInt(0, claimed);
            checks.add(() -> assertRejected(codec, frame, 0, 16, "String claiming " + claimed + " bytes"));
        }
        assertAll(checks);
    }

    @Test
    void shouldRejectRecordComponentLengthsBeyondTheFrameOrNegative() {
        Codec<Object> codec = codec(Point.class);
        Point point = new Point(1, 2, "abc");
        ByteBuffer valid = encode(codec, point, ByteOrder.LITTLE_ENDIAN);
        int length = codec.encodedLength(point);
        // Layout: per component a presence byte, an int length, the component's bytes. The first length is at +1.
        for (int claimed : new int[] {length, 1 << 30, Integer.MAX_VALUE, -1, -5, Integer.MIN_VALUE}) {
            ByteBuffer frame = ByteBuffer.allocate(valid.capacity()).order(ByteOrder.LITTLE_ENDIAN);
            frame.put(0, valid, 0, valid.capacity());
            frame.putInt(OFFSET + 1, claimed);
            assertRejected(codec, frame, OFFSET, length, "Point component 0 claiming " + claimed + " bytes");
        }
        Codec<Object> bagCodec = codec(Bag.class);
        ByteBuffer bag = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        bag.put(0, (byte) 1);                 // values present
        bag.putInt(1, 8);                     // 8 bytes of int[]
        bag.putInt(5, 50_000_000);            // the int[] claims 50 M elements
        assertRejected(bagCodec, bag, 0, 13, "Bag.values claiming 50 M elements");
    }

    @Test
    void shouldRejectEnumOrdinalsOutOfRange() {
        Codec<Object> codec = codec(Color.class);
        for (int ordinal : new int[] {3, -1, Integer.MAX_VALUE}) {
            ByteBuffer frame = ByteBuffer.allocate(4);
            frame.putInt(0, ordinal);
            CodecException e = assertThrows(CodecException.class, () -> codec.decode(frame, 0, 4));
            assertTrue(e.getMessage().contains(String.valueOf(ordinal)), e.getMessage());
        }
    }

    // ------------------------------------------------------------------ helpers

    @SuppressWarnings("unchecked")
    private static Codec<Object> codec(Class<?> type) {
        return (Codec<Object>) Codecs.of(type);
    }

    private static Codec<Object> codecFor(Object value) {
        return codec(value.getClass());
    }

    /** Encodes at {@link #OFFSET} into a buffer with junk around the value; checks the reported lengths. */
    private static ByteBuffer encode(Codec<Object> codec, Object value, ByteOrder order) {
        int length = codec.encodedLength(value);
        ByteBuffer buffer = ByteBuffer.allocate(OFFSET + length + 5).order(order);
        for (int i = 0; i < buffer.capacity(); i++) {
            buffer.put(i, (byte) 0xA5);
        }
        int written = codec.encode(value, buffer, OFFSET);
        assertEquals(length, written, "bytes written vs encodedLength");
        for (int i = OFFSET + length; i < buffer.capacity(); i++) {
            assertEquals((byte) 0xA5, buffer.get(i), "wrote past its length at " + i);
        }
        return buffer;
    }

    /** Decoding must throw {@link CodecException} (nothing else) and allocate next to nothing. */
    private static void assertRejected(Codec<Object> codec, ByteBuffer buffer, int offset, int length, String what) {
        long before = allocatedBytes();
        Throwable thrown = null;
        try {
            Object decoded = codec.decode(buffer, offset, length);
            fail(what + ": decoded " + describe(decoded) + " instead of rejecting the frame");
        } catch (CodecException expected) {
            thrown = expected;
        } catch (RuntimeException | OutOfMemoryError other) {
            fail(what + ": expected CodecException, got " + other, other);
        }
        long allocated = allocatedBytes() - before;
        assertFalse(thrown.getMessage() == null || thrown.getMessage().isEmpty(), what + ": no message");
        assertTrue(allocated < ALLOCATION_LIMIT_BYTES,
            what + ": allocated " + allocated + " bytes before rejecting a " + length + "-byte frame");
    }

    private static long allocatedBytes() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        return threads.getThreadAllocatedBytes(Thread.currentThread().getId());
    }

    private static String describe(Object value) {
        if (value == null || !value.getClass().isArray()) {
            return String.valueOf(value);
        }
        return value.getClass().getSimpleName() + " of length " + java.lang.reflect.Array.getLength(value);
    }

    private static void assertDeepEquals(Object expected, Object actual, String message) {
        if (expected instanceof Double d) {
            assertEquals(Double.doubleToRawLongBits(d), Double.doubleToRawLongBits((Double) actual), message);
        } else if (expected instanceof Float f) {
            assertEquals(Float.floatToRawIntBits(f), Float.floatToRawIntBits((Float) actual), message);
        } else if (expected instanceof double[] d) {
            long[] e = Arrays.stream(d).mapToLong(Double::doubleToRawLongBits).toArray();
            long[] a = Arrays.stream((double[]) actual).mapToLong(Double::doubleToRawLongBits).toArray();
            assertArrayEquals(e, a, message);
        } else if (expected.getClass().isArray()) {
            assertTrue(Objects.deepEquals(expected, actual), message + ": " + describe(actual));
        } else {
            assertEquals(expected, actual, message);
        }
    }

    /** Any range of a primitive array's encoding, in either byte order, equals that slice of the whole encoding. */
    @Test
    void shouldEncodeAnyRangeOfAPrimitiveArrayAsTheSliceOfItsWholeEncoding() {
        java.util.Random random = new java.util.Random(42);
        for (Class<?> type : PRIMITIVE_ARRAYS) {
            for (int n : new int[] {0, 1, 3, 17, 1000}) {
                Object array = java.lang.reflect.Array.newInstance(type.getComponentType(), n);
                for (int i = 0; i < n; i++) {
                    java.lang.reflect.Array.set(array, i, element(type.getComponentType(), random));
                }
                @SuppressWarnings("unchecked")
                Codec<Object> codec = (Codec<Object>) Codecs.of(type);
                for (ByteOrder order : new ByteOrder[] {ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN}) {
                    int total = codec.encodedLength(array);
                    ByteBuffer whole = ByteBuffer.allocate(total).order(order);
                    codec.encode(array, whole, 0);
                    for (int trial = 0; trial < 50; trial++) {
                        int from = random.nextInt(total + 1);
                        int length = random.nextInt(total - from + 1);
                        ByteBuffer target = ByteBuffer.allocate(length + 3).order(order);
                        target.position(3);
                        assertTrue(codec.encodeRange(array, from, target), type.getSimpleName());
                        assertEquals(3, target.position(), "encodeRange must leave the position");
                        byte[] expected = Arrays.copyOfRange(whole.array(), from, from + length);
                        byte[] actual = Arrays.copyOfRange(target.array(), 3, 3 + length);
                        assertArrayEquals(expected, actual, type.getSimpleName() + " of " + n + ", " + order
                            + ", bytes " + from + " to " + (from + length));
                    }
                    assertThrows(IllegalArgumentException.class,
                        () -> codec.encodeRange(array, total - 1, ByteBuffer.allocate(2).order(order)));
                }
            }
        }
    }

    /**
     * A primitive array's encoding fed to its range decoder in random pieces, in either byte order, decodes to the
     * array; after each piece the decoded prefix re-encodes to the same bytes.
     */
    @Test
    void shouldDecodeAPrimitiveArrayFedInRandomPiecesStraightIntoTheArray() {
        java.util.Random random = new java.util.Random(43);
        for (Class<?> type : PRIMITIVE_ARRAYS) {
            for (int n : new int[] {0, 1, 3, 17, 1000}) {
                Object array = java.lang.reflect.Array.newInstance(type.getComponentType(), n);
                for (int i = 0; i < n; i++) {
                    java.lang.reflect.Array.set(array, i, element(type.getComponentType(), random));
                }
                @SuppressWarnings("unchecked")
                Codec<Object> codec = (Codec<Object>) Codecs.of(type);
                for (ByteOrder order : new ByteOrder[] {ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN}) {
                    int total = codec.encodedLength(array);
                    ByteBuffer whole = ByteBuffer.allocate(total).order(order);
                    codec.encode(array, whole, 0);
                    RangeDecoder<Object> decoder = codec.rangeDecoder(total);
                    int fed = 0;
                    while (fed < total) {
                        int piece = Math.min(total - fed, 1 + random.nextInt(random.nextBoolean() ? 11 : 400));
                        decoder.accept(whole.slice(fed, piece).order(order));
                        fed += piece;
                        long decoded = decoder.decodedBytes();
                        assertTrue(decoded <= fed && decoded > fed - 8, decoded + " of " + fed);
                        if (decoder.value() != null) {
                            ByteBuffer again = ByteBuffer.allocate((int) decoded).order(order);
                            codec.encodeRange(decoder.value(), 0, again);
                            assertArrayEquals(Arrays.copyOf(whole.array(), (int) decoded), again.array(),
                                type.getSimpleName() + " prefix of " + decoded);
                        }
                    }
                    assertDeepEquals(array, decoder.finish(), type.getSimpleName() + " of " + n + ", " + order);
                    assertThrows(CodecException.class, () -> decoder.accept(ByteBuffer.allocate(1).order(order)));
                }
            }
        }
    }

    /**
     * A range decoder given a recycled array of the right type and length (a dead version's, holding other values)
     * fills that very array, every element overwritten, asking for it once; one of another length or type is left
     * alone and a new array made.
     */
    @Test
    void shouldDecodeIntoARecycledArrayOverwritingEveryElement() {
        java.util.Random random = new java.util.Random(44);
        for (Class<?> type : PRIMITIVE_ARRAYS) {
            for (int n : new int[] {0, 1, 17, 1000}) {
                Object sent = java.lang.reflect.Array.newInstance(type.getComponentType(), n);
                Object dead = java.lang.reflect.Array.newInstance(type.getComponentType(), n);
                for (int i = 0; i < n; i++) {
                    java.lang.reflect.Array.set(sent, i, element(type.getComponentType(), random));
                    java.lang.reflect.Array.set(dead, i, element(type.getComponentType(), random));
                }
                @SuppressWarnings("unchecked")
                Codec<Object> codec = (Codec<Object>) Codecs.of(type);
                int total = codec.encodedLength(sent);
                ByteBuffer whole = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
                codec.encode(sent, whole, 0);
                int[] asked = {0};
                RangeDecoder<Object> decoder = codec.rangeDecoder(total, () -> {
                    asked[0]++;
                    return dead;
                });
                for (int fed = 0; fed < total; ) {
                    int piece = Math.min(total - fed, 1 + random.nextInt(13));
                    decoder.accept(whole.slice(fed, piece).order(ByteOrder.LITTLE_ENDIAN));
                    fed += piece;
                }
                Object decoded = decoder.finish();
                assertSame(dead, decoded, type.getSimpleName() + " of " + n + " lands in the recycled array");
                assertDeepEquals(sent, decoded, type.getSimpleName() + " of " + n);
                assertEquals(1, asked[0], "asked once");
            }
            Object other = java.lang.reflect.Array.newInstance(type.getComponentType(), 4);
            Object expected = java.lang.reflect.Array.newInstance(type.getComponentType(), 3);
            @SuppressWarnings("unchecked")
            Codec<Object> codec = (Codec<Object>) Codecs.of(type);
            ByteBuffer whole = ByteBuffer.allocate(codec.encodedLength(expected)).order(ByteOrder.LITTLE_ENDIAN);
            codec.encode(expected, whole, 0);
            RangeDecoder<Object> decoder = codec.rangeDecoder(whole.capacity(), () -> other);
            decoder.accept(whole);
            Object decoded = decoder.finish();
            assertNotSame(other, decoded, "an array of another length is not used");
            assertDeepEquals(expected, decoded, type.getSimpleName());
        }
        Codec<int[]> ints = Codecs.of(int[].class);
        long[] wrongType = new long[3];
        @SuppressWarnings({"unchecked", "rawtypes"})
        RangeDecoder<int[]> decoder = ints.rangeDecoder(4 + 4 * 3, (java.util.function.Supplier) () -> wrongType);
        decoder.accept(ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putInt(0, 3));
        assertArrayEquals(new int[3], decoder.finish(), "an array of another type is not used");
    }

    @Test
    void shouldRefuseRangeDecodingOfMalformedOrShortEncodings() {
        Codec<double[]> codec = Codecs.of(double[].class);
        assertThrows(CodecException.class, () -> codec.rangeDecoder(3));
        assertThrows(CodecException.class, () -> codec.rangeDecoder(4 + 8 * 3 + 1));
        RangeDecoder<double[]> decoder = codec.rangeDecoder(4 + 8 * 3);
        ByteBuffer countSaysFour = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, 4);
        CodecException refused = assertThrows(CodecException.class, () -> decoder.accept(countSaysFour));
        assertTrue(refused.getMessage().contains("4 elements in an encoding of 28 bytes"), refused.getMessage());
        RangeDecoder<double[]> partial = codec.rangeDecoder(4 + 8 * 3);
        partial.accept(ByteBuffer.allocate(10).order(ByteOrder.LITTLE_ENDIAN).putInt(0, 3));
        assertThrows(CodecException.class, partial::finish);
    }

    private static Object element(Class<?> component, java.util.Random random) {
        if (component == boolean.class) {
            return random.nextBoolean();
        } else if (component == byte.class) {
            return (byte) random.nextInt();
        } else if (component == short.class) {
            return (short) random.nextInt();
        } else if (component == char.class) {
            return (char) random.nextInt();
        } else if (component == int.class) {
            return random.nextInt();
        } else if (component == float.class) {
            return random.nextFloat();
        } else if (component == long.class) {
            return random.nextLong();
        }
        return random.nextDouble();
    }
}
