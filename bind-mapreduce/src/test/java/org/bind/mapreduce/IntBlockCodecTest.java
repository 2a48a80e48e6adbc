package org.bind.mapreduce;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.bind.codec.Codec;
import org.bind.codec.CodecException;
import org.bind.codec.RangeDecoder;
import org.junit.jupiter.api.Test;

/**
 * The ranges of {@link IntBlock#CODEC}, alone and inside a {@link Cell}'s encoding: any cut of the encoding into
 * pieces, written by {@code encodeRange} and fed to the range decoder, gives back the bytes of {@code encode} and
 * the block {@code decode} reads; a partly received block re-encodes what it holds; malformed encodings fail.
 */
class IntBlockCodecTest {
    /** A block of random ints in {@code parts} parts, at an offset in a larger array. */
    private static IntBlock block(long seed, int parts, int maxPart) {
        SplittableRandom random = new SplittableRandom(seed);
        int[] counts = new int[parts];
        int total = 0;
        for (int k = 0; k < parts; k++) {
            counts[k] = random.nextInt(maxPart + 1);
            total += counts[k];
        }
        int offset = random.nextInt(5);
        int[] data = new int[offset + total + random.nextInt(5)];
        for (int i = 0; i < data.length; i++) {
            data[i] = random.nextInt(4) == 0 ? (random.nextBoolean() ? Integer.MIN_VALUE : -1) : random.nextInt();
        }
        return new IntBlock(data, offset, counts);
    }

    private static byte[] encoded(Codec<IntBlock> codec, IntBlock block) {
        ByteBuffer whole = ByteBuffer.allocate(codec.encodedLength(block)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(whole.capacity(), codec.encode(block, whole, 0));
        return whole.array();
    }

    /** Sorted distinct cut points strictly inside {@code [0, length]}, from {@code cuts}. */
    private static int[] pieces(int length, List<Integer> cuts) {
        TreeSet<Integer> at = new TreeSet<>();
        at.add(0);
        at.add(length);
        for (int cut : cuts) {
            at.add(Math.floorMod(cut, length + 1));
        }
        return at.stream().mapToInt(Integer::intValue).toArray();
    }

    private static int[] slice(IntBlock block) {
        return Arrays.copyOfRange(block.data(), block.offset(), block.offset() + block.length());
    }

    @Property(tries = 300)
    void shouldWriteEveryRangeAsEncodeDoes(@ForAll long seed, @ForAll @IntRange(max = 6) int parts,
                                           @ForAll @Size(max = 12) List<@IntRange(max = 1 << 20) Integer> cuts) {
        IntBlock block = block(seed, parts, 40);
        byte[] expected = encoded(IntBlock.CODEC, block);
        int[] at = pieces(expected.length, cuts);
        ByteBuffer assembled = ByteBuffer.allocate(expected.length + 3).order(ByteOrder.LITTLE_ENDIAN);
        for (int p = 0; p + 1 < at.length; p++) {
            // each piece into a fresh buffer, at a position other than 0, so that nothing relies on either
            ByteBuffer target = ByteBuffer.allocate(at[p + 1] - at[p] + 3).order(ByteOrder.LITTLE_ENDIAN);
            target.position(3);
            assertTrue(IntBlock.CODEC.encodeRange(block, at[p], target));
            assertEquals(3, target.position(), "encodeRange moved the position");
            assembled.put(at[p] + 3, target, 3, at[p + 1] - at[p]);
        }
        assertArrayEquals(expected, Arrays.copyOfRange(assembled.array(), 3, 3 + expected.length));
    }

    @Property(tries = 300)
    void shouldDecodePiecesIntoTheBlockDecodeReads(@ForAll long seed, @ForAll @IntRange(max = 6) int parts,
                                                   @ForAll @Size(max = 12) List<@IntRange(max = 1 << 20) Integer> cuts) {
        IntBlock block = block(seed, parts, 40);
        byte[] bytes = encoded(IntBlock.CODEC, block);
        IntBlock decoded = IntBlock.CODEC.decode(ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN), 0,
            bytes.length);
        assertArrayEquals(block.counts(), decoded.counts());
        assertArrayEquals(slice(block), slice(decoded));

        RangeDecoder<IntBlock> decoder = IntBlock.CODEC.rangeDecoder(bytes.length);
        int[] at = pieces(bytes.length, cuts);
        long before = 0;
        for (int p = 0; p + 1 < at.length; p++) {
            ByteBuffer piece = ByteBuffer.wrap(bytes, at[p], at[p + 1] - at[p]).order(ByteOrder.LITTLE_ENDIAN);
            decoder.accept(piece);
            assertEquals(at[p], piece.position(), "accept moved the position");
            long held = decoder.decodedBytes();
            assertTrue(held >= before && held <= at[p + 1], held + " bytes held after " + at[p + 1] + " came");
            before = held;
            if (held > 0) {
                // what a relay would send on: the bytes held, re-encoded from the partly filled block
                ByteBuffer again = ByteBuffer.allocate((int) held).order(ByteOrder.LITTLE_ENDIAN);
                assertTrue(IntBlock.CODEC.encodeRange(decoder.value(), 0, again));
                assertArrayEquals(Arrays.copyOf(bytes, (int) held), again.array());
            }
        }
        IntBlock received = decoder.finish();
        assertEquals(0, received.offset());
        assertArrayEquals(block.counts(), received.counts());
        assertArrayEquals(slice(block), slice(received));
        assertEquals(bytes.length, decoder.decodedBytes());
    }

    @Property(tries = 200)
    void shouldCarryABlockInACellRangeByRange(@ForAll long seed, @ForAll @IntRange(max = 4) int parts,
                                              @ForAll @Size(max = 8) List<@IntRange(max = 1 << 20) Integer> cuts) {
        Codec<Cell.Holder<IntBlock>> codec = Cell.holderCodec(IntBlock.CODEC, b -> b);
        Cell.Holder<IntBlock> holder = new Cell.Holder<>(block(seed, parts, 30));
        ByteBuffer whole = ByteBuffer.allocate(codec.encodedLength(holder)).order(ByteOrder.LITTLE_ENDIAN);
        codec.encode(holder, whole, 0);
        byte[] bytes = whole.array();
        int[] at = pieces(bytes.length, cuts);
        RangeDecoder<Cell.Holder<IntBlock>> decoder = codec.rangeDecoder(bytes.length);
        for (int p = 0; p + 1 < at.length; p++) {
            ByteBuffer target = ByteBuffer.allocate(at[p + 1] - at[p]).order(ByteOrder.LITTLE_ENDIAN);
            assertTrue(codec.encodeRange(holder, at[p], target));
            assertArrayEquals(Arrays.copyOfRange(bytes, at[p], at[p + 1]), target.array(), "range at " + at[p]);
            decoder.accept(target);
        }
        IntBlock received = decoder.finish().value;
        assertArrayEquals(holder.value.counts(), received.counts());
        assertArrayEquals(slice(holder.value), slice(received));
    }

    @Test
    void shouldCarryAnEmptyCellAsItsPresenceByte() {
        Codec<Cell.Holder<IntBlock>> codec = Cell.holderCodec(IntBlock.CODEC, b -> b);
        Cell.Holder<IntBlock> empty = new Cell.Holder<>(null);
        ByteBuffer target = ByteBuffer.allocate(1).order(ByteOrder.LITTLE_ENDIAN);
        assertTrue(codec.encodeRange(empty, 0, target));
        assertEquals(0, target.get(0));
        RangeDecoder<Cell.Holder<IntBlock>> decoder = codec.rangeDecoder(1);
        decoder.accept(target);
        assertNull(decoder.finish().value);
    }

    @Test
    void shouldLeaveCellsOfOtherValuesToTheWholeEncoding() {
        Codec<String> plain = new Codec<>() {
            @Override
            public Class<String> type() {
                return String.class;
            }

            @Override
            public int encodedLength(String value) {
                return value.length();
            }

            @Override
            public int encode(String value, ByteBuffer buffer, int offset) {
                buffer.put(offset, value.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                return value.length();
            }

            @Override
            public String decode(ByteBuffer buffer, int offset, int length) {
                byte[] bytes = new byte[length];
                buffer.get(offset, bytes);
                return new String(bytes, java.nio.charset.StandardCharsets.US_ASCII);
            }

            @Override
            public String copy(String value) {
                return value;
            }
        };
        Codec<Cell.Holder<String>> codec = Cell.holderCodec(plain, s -> s);
        assertTrue(!codec.encodeRange(new Cell.Holder<>("abc"), 0, ByteBuffer.allocate(0)));
        assertNull(codec.rangeDecoder(4));
    }

    @Test
    void shouldRejectMalformedEncodingsBeforeAllocating() {
        IntBlock block = new IntBlock(new int[] {5, 6, 7}, 0, new int[] {1, 2});
        byte[] bytes = encoded(IntBlock.CODEC, block);
        // fewer bytes than the header announces
        assertThrows(CodecException.class, () -> feed(Arrays.copyOf(bytes, bytes.length - 1), bytes.length - 1));
        assertThrows(CodecException.class, () -> IntBlock.CODEC.rangeDecoder(7));
        // more bytes than the length
        RangeDecoder<IntBlock> decoder = IntBlock.CODEC.rangeDecoder(bytes.length);
        assertThrows(CodecException.class, () -> decoder.accept(ByteBuffer.wrap(Arrays.copyOf(bytes,
            bytes.length + 1))));
        // a finish before every byte came
        RangeDecoder<IntBlock> early = IntBlock.CODEC.rangeDecoder(bytes.length);
        early.accept(ByteBuffer.wrap(bytes, 0, bytes.length - 2).order(ByteOrder.LITTLE_ENDIAN));
        assertThrows(CodecException.class, early::finish);
        // a part count the length cannot hold, a negative count, counts that do not sum to the length
        for (int[] header : new int[][] {{1 << 28}, {-1}, {2, -1, 4, 3}, {2, 1, 1, 3}}) {
            ByteBuffer bad = ByteBuffer.wrap(bytes.clone()).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < header.length; i++) {
                bad.putInt(4 * i, header[i]);
            }
            assertThrows(CodecException.class, () -> feed(bad.array(), bytes.length), Arrays.toString(header));
            assertThrows(CodecException.class, () -> IntBlock.CODEC.decode(bad, 0, bytes.length),
                Arrays.toString(header));
        }
    }

    @Test
    void shouldRejectARangeOutsideTheEncoding() {
        IntBlock block = new IntBlock(new int[] {1, 2}, 0, new int[] {2});
        int length = IntBlock.CODEC.encodedLength(block);
        assertThrows(IllegalArgumentException.class, () -> IntBlock.CODEC.encodeRange(block, length - 2,
            ByteBuffer.allocate(3)));
        assertThrows(IllegalArgumentException.class, () -> IntBlock.CODEC.encodeRange(block, -1,
            ByteBuffer.allocate(1)));
    }

    @Test
    void shouldHandOutTheBlockBeingFilled() {
        IntBlock block = new IntBlock(new int[] {9, 8, 7}, 0, new int[] {3});
        byte[] bytes = encoded(IntBlock.CODEC, block);
        RangeDecoder<IntBlock> decoder = IntBlock.CODEC.rangeDecoder(bytes.length);
        decoder.accept(ByteBuffer.wrap(bytes, 0, 5).order(ByteOrder.LITTLE_ENDIAN));
        assertNull(decoder.value(), "the header is not whole yet");
        decoder.accept(ByteBuffer.wrap(bytes, 5, 12).order(ByteOrder.LITTLE_ENDIAN));
        IntBlock partial = decoder.value();
        assertEquals(3, partial.length());
        assertEquals(12 + 4, decoder.decodedBytes(), "the header and the first int, not the second one's first byte");
        decoder.accept(ByteBuffer.wrap(bytes, 17, bytes.length - 17).order(ByteOrder.LITTLE_ENDIAN));
        assertSame(partial, decoder.finish());
        assertArrayEquals(new int[] {9, 8, 7}, partial.data());
    }

    private static IntBlock feed(byte[] bytes, int length) {
        RangeDecoder<IntBlock> decoder = IntBlock.CODEC.rangeDecoder(length);
        for (int at = 0; at < bytes.length; at += 3) {
            decoder.accept(ByteBuffer.wrap(bytes, at, Math.min(3, bytes.length - at)).order(ByteOrder.LITTLE_ENDIAN));
        }
        return decoder.finish();
    }
}
