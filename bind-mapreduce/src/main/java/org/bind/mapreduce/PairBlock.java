package org.bind.mapreduce;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;

import org.bind.codec.Codec;
import org.bind.codec.CodecException;

/**
 * Key groups cut into parts, as one op hands them to the next: kept as objects while they stay on their rank,
 * encoded ({@link Wire}) when they are meant for another one. A block travels as its bytes and is decoded part
 * by part by the ops that read it, in parallel.
 *
 * <p>Encoding: the part count (int), the end offset of each part (ints, from the end of this header), then each
 * part: the group count (varint), and per group its key, its value count (varint) and its values.
 */
final class PairBlock {
    private final Group[][] groups;
    private final byte[] bytes;
    private final int parts;

    private PairBlock(Group[][] groups, byte[] bytes, int parts) {
        this.groups = groups;
        this.bytes = bytes;
        this.parts = parts;
    }

    /** The key and value kinds of one step's pairs. */
    record Types(Kind keys, Kind values) {
    }

    /** Groups that stay on this rank. */
    static PairBlock of(Group[][] groups) {
        return new PairBlock(groups, null, groups.length);
    }

    /** Groups meant for another rank, encoded now. */
    static PairBlock encoded(Group[][] groups, Types types) {
        return new PairBlock(null, encodeParts(groups, types), groups.length);
    }

    int parts() {
        return parts;
    }

    /** Part {@code part}'s groups: the objects themselves, or newly decoded ones the caller owns. */
    Group[] part(int part, Types types) {
        if (groups != null) {
            return groups[part];
        }
        int header = 4 + 4 * parts;
        int from = part == 0 ? 0 : Wire.getInt(bytes, 4 + 4 * (part - 1));
        int to = Wire.getInt(bytes, 4 + 4 * part);
        return decodePart(new Wire.In(bytes, header + from, header + to), types);
    }

    private static byte[] encodeParts(Group[][] groups, Types types) {
        Wire.Out out = new Wire.Out(1024);
        out.putInt(groups.length);
        int offsets = out.reserve(4 * groups.length);
        int header = out.size();
        for (int p = 0; p < groups.length; p++) {
            encodePart(groups[p], types, out);
            out.putIntAt(offsets + 4 * p, out.size() - header);
        }
        return out.toArray();
    }

    private static void encodePart(Group[] groups, Types types, Wire.Out out) {
        out.putVarInt(groups.length);
        for (Group group : groups) {
            types.keys().write(out, group.key);
            out.putVarInt(group.values.size());
            for (Object value : group.values) {
                types.values().write(out, value);
            }
        }
    }

    private static Group[] decodePart(Wire.In in, Types types) {
        int count = in.getCount(2);
        Group[] groups = new Group[count];
        for (int g = 0; g < count; g++) {
            Object key = types.keys().read(in);
            int size = in.getCount(1);
            ArrayList<Object> values = new ArrayList<>(size);
            for (int v = 0; v < size; v++) {
                values.add(types.values().read(in));
            }
            groups[g] = new Group(key, types.keys().hash(key), values);
        }
        if (!in.atEnd()) {
            throw new CodecException("malformed pairs: " + in.remaining() + " bytes after the last group");
        }
        return groups;
    }

    /** Checks an encoded block's header: {@code parts} parts whose offsets rise within the data. */
    static void checkHeader(byte[] bytes, int parts) {
        if (bytes.length < 4 || Wire.getInt(bytes, 0) != parts || bytes.length < 4 + 4L * parts) {
            throw new CodecException("malformed pairs: expected a block of " + parts + " parts in " + bytes.length
                + " bytes");
        }
        int data = bytes.length - 4 - 4 * parts;
        int previous = 0;
        for (int p = 0; p < parts; p++) {
            int end = Wire.getInt(bytes, 4 + 4 * p);
            if (end < previous || end > data) {
                throw new CodecException("malformed pairs: part " + p + " ends at " + end + " of " + data + " bytes");
            }
            previous = end;
        }
        if (previous != data) {
            throw new CodecException("malformed pairs: parts end at " + previous + " of " + data + " bytes");
        }
    }

    // ---------------------------------------------------------------- codecs of the cells that carry groups

    /** Ships a block as its bytes (encoding an object block first); decodes to bytes, read part by part later. */
    static Codec<PairBlock> codec(Types types, int parts) {
        return new BytesCodec<>(PairBlock.class) {
            @Override
            byte[] bytes(PairBlock block) {
                return block.bytes != null ? block.bytes : encodeParts(block.groups, types);
            }

            @Override
            PairBlock fromBytes(byte[] bytes) {
                checkHeader(bytes, parts);
                return new PairBlock(null, bytes, parts);
            }
        };
    }

    /** Ships a segment (groups in canonical order) as a one-part block. */
    static Codec<Group[]> segmentCodec(Types types) {
        return new BytesCodec<>(Group[].class) {
            @Override
            byte[] bytes(Group[] groups) {
                return encodeParts(new Group[][] {groups}, types);
            }

            @Override
            Group[] fromBytes(byte[] bytes) {
                checkHeader(bytes, 1);
                return new PairBlock(null, bytes, 1).part(0, types);
            }
        };
    }

    /** Ships accumulating groups, in arrival order, as a one-part block. */
    static Codec<Group.Groups> groupsCodec(Types types) {
        return new BytesCodec<>(Group.Groups.class) {
            @Override
            byte[] bytes(Group.Groups groups) {
                return encodeParts(new Group[][] {groups.inArrivalOrder().toArray(new Group[0])}, types);
            }

            @Override
            Group.Groups fromBytes(byte[] bytes) {
                checkHeader(bytes, 1);
                Group.Groups groups = new Group.Groups(types.keys());
                for (Group group : new PairBlock(null, bytes, 1).part(0, types)) {
                    groups.adopt(group);
                }
                return groups;
            }
        };
    }

    /** Ships one block per destination: their number, then each block's length and bytes. */
    static Codec<PairBlock[]> routedCodec(Types types, int parts) {
        Codec<PairBlock> one = codec(types, parts);
        return new BytesCodec<>(PairBlock[].class) {
            @Override
            byte[] bytes(PairBlock[] blocks) {
                Wire.Out out = new Wire.Out(1024);
                out.putInt(blocks.length);
                for (PairBlock block : blocks) {
                    byte[] encoded = block.bytes != null ? block.bytes : encodeParts(block.groups, types);
                    out.putInt(encoded.length);
                    out.putBytes(encoded, 0, encoded.length);
                }
                return out.toArray();
            }

            @Override
            PairBlock[] fromBytes(byte[] bytes) {
                Wire.In in = new Wire.In(bytes, 0, bytes.length);
                int count = in.getInt();
                if (count < 0 || count > in.remaining() / 4) {
                    throw new CodecException("malformed routed pairs: " + count + " blocks");
                }
                PairBlock[] blocks = new PairBlock[count];
                for (int i = 0; i < count; i++) {
                    int length = in.getInt();
                    int at = in.skip(length);
                    blocks[i] = one.decode(ByteBuffer.wrap(bytes), at, length);
                }
                return blocks;
            }
        };
    }

    /** A codec over a byte array form: length-checked copies in and out. */
    abstract static class BytesCodec<T> implements Codec<T> {
        private final Class<?> type;

        BytesCodec(Class<?> type) {
            this.type = type;
        }

        abstract byte[] bytes(T value);

        abstract T fromBytes(byte[] bytes);

        @Override
        @SuppressWarnings("unchecked")
        public Class<T> type() {
            return (Class<T>) type;
        }

        @Override
        public int encodedLength(T value) {
            return bytes(value).length;
        }

        @Override
        public int encode(T value, ByteBuffer buffer, int offset) {
            byte[] bytes = bytes(value);
            buffer.put(offset, bytes);
            return bytes.length;
        }

        @Override
        public T decode(ByteBuffer buffer, int offset, int length) {
            if (length < 0 || offset < 0 || offset + (long) length > buffer.limit()) {
                throw new CodecException("malformed pairs: " + length + " bytes at " + offset);
            }
            byte[] bytes = new byte[length];
            buffer.get(offset, bytes);
            return fromBytes(bytes);
        }

        @Override
        public T copy(T value) {
            return value;
        }
    }

    @Override
    public String toString() {
        return "PairBlock[" + parts + " parts, " + (bytes != null ? bytes.length + " bytes" : Arrays.stream(groups)
            .mapToInt(part -> part.length).sum() + " groups") + "]";
    }
}
