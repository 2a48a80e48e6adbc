package org.bind.mapreduce;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.bind.codec.Codec;
import org.bind.codec.CodecException;

/**
 * A run of ints, {@code data[offset, offset + length)}, cut into consecutive parts of {@code counts[k]} ints:
 * what one chunk of one rank sends one destination rank in {@link Sort} (part k is the destination's bucket k).
 * Blocks are views: several may share one array, which nobody writes after the block is made.
 *
 * @param data   the array holding the run
 * @param offset where the run starts
 * @param counts ints per part; their sum is the run's length
 */
record IntBlock(int[] data, int offset, int[] counts) {
    /** Ships one block: part count, the counts, the length, then the ints, little-endian. */
    static final Codec<IntBlock> CODEC = new BlockCodec();
    /** Ships an array of blocks: their number, then each block's length and encoding. */
    static final Codec<IntBlock[]> ARRAY_CODEC = new BlockArrayCodec();

    IntBlock {
        long sum = 0;
        for (int count : counts) {
            if (count < 0) {
                throw new IllegalArgumentException("negative part count " + count);
            }
            sum += count;
        }
        if (offset < 0 || offset + sum > data.length) {
            throw new IllegalArgumentException("run [" + offset + ", " + (offset + sum) + ") outside an array of "
                + data.length);
        }
    }

    /** Ints in the whole run. */
    int length() {
        int length = 0;
        for (int count : counts) {
            length += count;
        }
        return length;
    }

    /** Where part {@code part} starts in {@link #data()}. */
    int partStart(int part) {
        int start = offset;
        for (int k = 0; k < part; k++) {
            start += counts[k];
        }
        return start;
    }

    private static final class BlockCodec implements Codec<IntBlock> {
        @Override
        public Class<IntBlock> type() {
            return IntBlock.class;
        }

        @Override
        public int encodedLength(IntBlock block) {
            return 8 + 4 * block.counts.length + 4 * block.length();
        }

        @Override
        public int encode(IntBlock block, ByteBuffer buffer, int offset) {
            int parts = block.counts.length;
            int length = block.length();
            buffer.putInt(offset, parts);
            for (int k = 0; k < parts; k++) {
                buffer.putInt(offset + 4 + 4 * k, block.counts[k]);
            }
            int at = offset + 4 + 4 * parts;
            buffer.putInt(at, length);
            buffer.slice(at + 4, 4 * length).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer()
                .put(block.data, block.offset, length);
            return 8 + 4 * parts + 4 * length;
        }

        @Override
        public IntBlock decode(ByteBuffer buffer, int offset, int length) {
            check(8, length);
            int parts = buffer.getInt(offset);
            if (parts < 0 || 8L + 4L * parts > length) {
                throw new CodecException("malformed int block: " + parts + " parts in " + length + " bytes");
            }
            int[] counts = new int[parts];
            long sum = 0;
            for (int k = 0; k < parts; k++) {
                counts[k] = buffer.getInt(offset + 4 + 4 * k);
                if (counts[k] < 0) {
                    throw new CodecException("malformed int block: part " + k + " has " + counts[k] + " ints");
                }
                sum += counts[k];
            }
            int at = offset + 4 + 4 * parts;
            int ints = buffer.getInt(at);
            if (ints != sum || 8L + 4L * parts + 4L * ints != length) {
                throw new CodecException("malformed int block: " + ints + " ints, parts sum to " + sum + ", "
                    + length + " bytes");
            }
            int[] data = new int[ints];
            buffer.slice(at + 4, 4 * ints).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(data);
            return new IntBlock(data, 0, counts);
        }

        @Override
        public IntBlock copy(IntBlock block) {
            return block;
        }
    }

    private static final class BlockArrayCodec implements Codec<IntBlock[]> {
        @Override
        public Class<IntBlock[]> type() {
            return IntBlock[].class;
        }

        @Override
        public int encodedLength(IntBlock[] blocks) {
            int length = 4;
            for (IntBlock block : blocks) {
                length += 4 + CODEC.encodedLength(block);
            }
            return length;
        }

        @Override
        public int encode(IntBlock[] blocks, ByteBuffer buffer, int offset) {
            buffer.putInt(offset, blocks.length);
            int at = offset + 4;
            for (IntBlock block : blocks) {
                int written = CODEC.encode(block, buffer, at + 4);
                buffer.putInt(at, written);
                at += 4 + written;
            }
            return at - offset;
        }

        @Override
        public IntBlock[] decode(ByteBuffer buffer, int offset, int length) {
            check(4, length);
            int count = buffer.getInt(offset);
            if (count < 0 || 4L + 4L * count > length) {
                throw new CodecException("malformed int block list: " + count + " blocks in " + length + " bytes");
            }
            IntBlock[] blocks = new IntBlock[count];
            int at = offset + 4;
            int end = offset + length;
            for (int i = 0; i < count; i++) {
                check(4, end - at);
                int size = buffer.getInt(at);
                if (size < 0 || size > end - at - 4) {
                    throw new CodecException("malformed int block list: block " + i + " of " + size + " bytes");
                }
                blocks[i] = CODEC.decode(buffer, at + 4, size);
                at += 4 + size;
            }
            return blocks;
        }

        @Override
        public IntBlock[] copy(IntBlock[] blocks) {
            return blocks.clone();
        }
    }

    private static void check(long needed, int available) {
        if (needed > available) {
            throw new CodecException("malformed int block: needs " + needed + " bytes, has " + available);
        }
    }
}
