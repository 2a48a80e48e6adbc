package org.bind.mapreduce;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.bind.codec.Codec;
import org.bind.codec.CodecException;
import org.bind.codec.RangeDecoder;

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
    /** Ships one block: part count, the counts, the length, then the ints, little-endian ({@link BlockCodec}). */
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

    /**
     * Part count, the counts, the length, then the ints, all little-endian. Any byte range of the encoding is
     * written straight from the block's array ({@link #encodeRange}) and received straight into the new block's
     * array ({@link #rangeDecoder}): a block sent to another rank is copied once on each side.
     */
    private static final class BlockCodec implements Codec<IntBlock> {
        @Override
        public Class<IntBlock> type() {
            return IntBlock.class;
        }

        @Override
        public int encodedLength(IntBlock block) {
            long length = 8L + 4L * block.counts.length + 4L * block.length();
            if (length > Integer.MAX_VALUE - 64) {
                throw new CodecException("a sort block of " + block.length() + " ints exceeds 2 GiB; use more ranks"
                    + " or parts");
            }
            return (int) length;
        }

        @Override
        public int encode(IntBlock block, ByteBuffer buffer, int offset) {
            byte[] header = header(block);
            int length = block.length();
            buffer.put(offset, header);
            buffer.slice(offset + header.length, 4 * length).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer()
                .put(block.data, block.offset, length);
            return header.length + 4 * length;
        }

        @Override
        public boolean encodeRange(IntBlock block, long from, ByteBuffer target) {
            IntRanges.encodeRange(header(block), block.data, block.offset, block.length(), from, target);
            return true;
        }

        /** The bytes before the ints: part count, counts, length. */
        private static byte[] header(IntBlock block) {
            int parts = block.counts.length;
            ByteBuffer header = ByteBuffer.allocate(8 + 4 * parts).order(ByteOrder.LITTLE_ENDIAN);
            header.putInt(parts);
            for (int count : block.counts) {
                header.putInt(count);
            }
            header.putInt(block.length());
            return header.array();
        }

        @Override
        public IntBlock decode(ByteBuffer buffer, int offset, int length) {
            check(8, length);
            ByteBuffer in = buffer.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            int parts = in.getInt(offset);
            if (parts < 0 || 8L + 4L * parts > length) {
                throw new CodecException("malformed int block: " + parts + " parts in " + length + " bytes");
            }
            byte[] header = new byte[8 + 4 * parts];
            in.get(offset, header);
            IntBlock block = allocate(header, length);
            int ints = block.data.length;
            in.slice(offset + header.length, 4 * ints).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(block.data);
            return block;
        }

        @Override
        public RangeDecoder<IntBlock> rangeDecoder(int length) {
            check(8, length);
            return new InPlace(length);
        }

        @Override
        public IntBlock copy(IntBlock block) {
            return block;
        }
    }

    /**
     * The block a whole {@code header} (part count, counts, length) announces in an encoding of {@code length}
     * bytes, its array allocated, once every count was checked against that length.
     */
    private static IntBlock allocate(byte[] header, int length) {
        ByteBuffer in = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN);
        int parts = in.getInt(0);
        int[] counts = new int[parts];
        long sum = 0;
        for (int k = 0; k < parts; k++) {
            counts[k] = in.getInt(4 + 4 * k);
            if (counts[k] < 0) {
                throw new CodecException("malformed int block: part " + k + " has " + counts[k] + " ints");
            }
            sum += counts[k];
        }
        int ints = in.getInt(4 + 4 * parts);
        if (ints != sum || header.length + 4L * ints != length) {
            throw new CodecException("malformed int block: " + ints + " ints, parts sum to " + sum + ", "
                + length + " bytes");
        }
        return new IntBlock(new int[ints], 0, counts);
    }

    /**
     * Receives a block's encoding piece by piece: the header into a few bytes aside (its first four say how many
     * follow), then, once it is whole and checked, the ints straight into the block's array.
     */
    private static final class InPlace implements RangeDecoder<IntBlock> {
        private final int length;
        private byte[] header = new byte[4];
        private int headerFed;
        private long fed;
        private IntBlock block;
        private IntRanges.Body body;

        InPlace(int length) {
            this.length = length;
        }

        @Override
        public void accept(ByteBuffer source) {
            int pos = source.position();
            int end = source.limit();
            if (fed + (end - pos) > length) {
                throw new CodecException("malformed int block: " + (fed + end - pos) + " bytes fed to an encoding of "
                    + length);
            }
            fed += end - pos;
            while (block == null && pos < end) {
                int k = Math.min(header.length - headerFed, end - pos);
                source.get(pos, header, headerFed, k);
                pos += k;
                headerFed += k;
                if (headerFed < header.length) {
                    continue;
                }
                if (header.length == 4) {
                    int parts = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN).getInt(0);
                    if (parts < 0 || 8L + 4L * parts > length) {
                        throw new CodecException("malformed int block: " + parts + " parts in " + length + " bytes");
                    }
                    header = java.util.Arrays.copyOf(header, 8 + 4 * parts);
                } else {
                    block = allocate(header, length);
                    body = new IntRanges.Body(block.data, 0, block.data.length);
                }
            }
            if (block != null && pos < end) {
                body.accept(source.slice(pos, end - pos));
            }
        }

        @Override
        public long decodedBytes() {
            return block == null ? 0 : header.length + 4L * body.done();
        }

        @Override
        public IntBlock value() {
            return block;
        }

        @Override
        public IntBlock finish() {
            if (block == null || decodedBytes() != length) {
                throw new CodecException("malformed int block: " + fed + " of " + length + " bytes came");
            }
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
