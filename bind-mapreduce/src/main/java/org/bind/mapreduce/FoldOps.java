package org.bind.mapreduce;

import java.util.Collections;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.BinaryOperator;
import java.util.function.Consumer;

import org.bind.ByRef;
import org.bind.In;
import org.bind.Op;
import org.bind.Out;
import org.bind.codec.Codec;
import org.bind.codec.CodecException;

/**
 * The ops of a {@code map(..., combiner)} whose types fold ({@link Folded#foldable}), and of the shuffle after it.
 * Each map op folds what it emits into a {@link Folded} table. A {@code reduce} routes those tables themselves:
 * one op per (map op, destination rank) writes the entries meant for another rank straight from the table's
 * primitive arrays into one encoded block (cut by destination part), once, and hands the table itself to its own
 * rank; the receiving ops decode each block's part into the destination part's listing table, key by key, without
 * a group, a list or a box per pair (a {@code String} key is written from its chars, and read as bytes that make a
 * {@code String} only when the key is new to the table or not ASCII); the reducer is then called on that table
 * ({@link #reduce}), key by key in canonical order, without a group made first. Any other use of the pairs first
 * merges each rank's tables part by part ({@link #merge}) into ordinary segments.
 *
 * <p>Block encoding: the part count (int), the end offset of each part (ints, from the end of this header), then
 * each part: its entry count (varint) and per entry its key ({@link Kind#write}) and its value bits (8 bytes).
 */
final class FoldOps {
    private FoldOps() {
    }

    /** A map op's folded pairs on their way to one destination rank: encoded, or the table itself on its rank. */
    static final class Block {
        final byte[] bytes;
        final Folded source;
        final int rank;
        final int ranks;

        private Block(byte[] bytes, Folded source, int rank, int ranks) {
            this.bytes = bytes;
            this.source = source;
            this.rank = rank;
            this.ranks = ranks;
        }

        @Override
        public String toString() {
            return "FoldOps.Block[" + (bytes != null ? bytes.length + " bytes" : source + " for rank " + rank) + "]";
        }
    }

    /** Calls {@code fn} on every group of one segment, in canonical order, folding what it emits. */
    @Op
    static void apply(@In Cell<Group[]> segment, @ByRef Mapper<Object, Object, Object, Object> fn,
                      @ByRef PairOps.Step step, @Out Cell<Folded> emitted) {
        FoldingEmitter folding = new FoldingEmitter(step);
        eachGroup(segment, folding::calledWith, (key, values) -> fn.apply(key, values, folding));
        emitted.set(folding.folded());
    }

    /**
     * Calls a numeric step's {@code fn} on every group of one segment, in canonical order, folding the primitive
     * values it emits ({@link NumericEmitter}).
     */
    @Op
    static void applyNumeric(@In Cell<Group[]> segment, @ByRef NumericFold.NumericMapper fn,
                             @ByRef PairOps.Step step, @Out Cell<Folded> emitted) {
        NumericEmitter folding = new NumericEmitter(step);
        eachGroup(segment, folding::calledWith, (key, values) -> fn.apply(key, values, folding));
        emitted.set(folding.folded());
    }

    /** Calls {@code call} on every group of one segment, in canonical order, after {@code calledWith} its key. */
    private static void eachGroup(Cell<Group[]> segment, Consumer<Object> calledWith,
                                  BiConsumer<Object, List<Object>> call) {
        Group[] groups = segment.get();
        if (groups != null) {
            for (Group group : groups) {
                calledWith.accept(group.key);
                call.accept(group.key, Collections.unmodifiableList(group.values));
            }
        }
    }

    /** Folds the entries of part {@code part} of one map op's table into the part's table of this rank. */
    @Op
    static void merge(Cell<Folded> table, @In Cell<Folded> emitted, int part, int parts) {
        Folded source = emitted.get();
        Folded into = table.get() == null ? source.emptyLike() : table.get();
        for (int e = 0; e < source.size(); e++) {
            if (Group.partOf(source.hash(e), parts) == part) {
                into.add(source, e, source.value(e), -1);
            }
        }
        table.set(into);
    }

    /** The groups of a part's table in canonical order (a segment); an empty one for no table. */
    @Op
    static void seal(@In Cell<Folded> table, @Out Cell<Group[]> segment) {
        Folded folded = table.get();
        segment.set(folded == null ? new Group[0] : folded.groups());
    }

    /**
     * A reduce's function over one part's received table: called on every key in canonical order with its values
     * (one per source rank, in rank order) as {@link PairOps#apply} calls it on the groups {@link #seal} would make,
     * without making them; what it emits is grouped by key ({@link ListingEmitter}), cut by part.
     */
    @Op
    static void reduce(@In Cell<Folded> received, @ByRef Mapper<Object, Object, Object, Object> fn,
                       @ByRef PairOps.Step step, @Out Cell<PairBlock> emitted) {
        Folded table = received.get();
        ListingEmitter out = new ListingEmitter(step, table == null ? null : table.types.keys());
        if (table != null) {
            for (int e : table.canonicalOrder()) {
                Object key = table.key(e);
                out.calledWith(key, table.hash(e));
                fn.apply(key, table.valueList(e), out);
            }
        }
        emitted.set(PairBlock.of(out.groups().byPart(step.parts())));
    }

    /**
     * The entries of one map op's table (on rank {@code rank}) that go to rank {@code dest}: encoded here when
     * {@code dest} is another rank, else the table itself.
     */
    @Op
    static void route(@In Cell<Folded> emitted, int rank, int dest, int ranks, int parts, @Out Cell<Block> block) {
        Folded source = emitted.get();
        block.set(dest == rank ? new Block(null, source, dest, ranks)
            : new Block(encodeBlock(source, dest, ranks, parts), null, dest, ranks));
    }

    private static byte[] encodeBlock(Folded source, int dest, int ranks, int parts) {
        int n = source.size();
        int[] starts = new int[parts + 1];
        int[] partOf = new int[n];
        for (int e = 0; e < n; e++) {
            long hash = source.hash(e);
            partOf[e] = Group.rankOf(hash, ranks) == dest ? Group.partOf(hash, parts) : -1;
            if (partOf[e] >= 0) {
                starts[partOf[e] + 1]++;
            }
        }
        for (int p = 0; p < parts; p++) {
            starts[p + 1] += starts[p];
        }
        int[] byPart = new int[starts[parts]];
        int[] fill = java.util.Arrays.copyOf(starts, parts);
        for (int e = 0; e < n; e++) {
            if (partOf[e] >= 0) {
                byPart[fill[partOf[e]]++] = e;
            }
        }
        Wire.Out out = new Wire.Out(64 + 16 * byPart.length);
        out.putInt(parts);
        int offsets = out.reserve(4 * parts);
        int header = out.size();
        for (int p = 0; p < parts; p++) {
            out.putVarInt(starts[p + 1] - starts[p]);
            for (int i = starts[p]; i < starts[p + 1]; i++) {
                source.writeKey(out, byPart[i]);
                out.putLong(source.value(byPart[i]));
            }
            out.putIntAt(offsets + 4 * p, out.size() - header);
        }
        return out.toArray();
    }

    /**
     * Adds part {@code part} of a block from rank {@code sourceRank} to the destination part's listing table (made
     * from {@code step}'s types and combiner when this is the first block).
     */
    @Op
    static void receive(Cell<Folded> table, @In Cell<Block> block, int part, int parts, int sourceRank,
                        @ByRef PairOps.Step step) {
        Folded into = table.get() == null
            ? new Folded(step.types(), step.combiner(), true, step.name()) : table.get();
        Block received = block.get();
        if (received.bytes == null) {
            Folded source = received.source;
            for (int e = 0; e < source.size(); e++) {
                long hash = source.hash(e);
                if (Group.rankOf(hash, received.ranks) == received.rank && Group.partOf(hash, parts) == part) {
                    into.add(source, e, source.value(e), sourceRank);
                }
            }
        } else {
            byte[] bytes = received.bytes;
            int header = 4 + 4 * parts;
            int from = part == 0 ? 0 : Wire.getInt(bytes, 4 + 4 * (part - 1));
            Wire.In in = new Wire.In(bytes, header + from, header + Wire.getInt(bytes, 4 + 4 * part));
            int count = in.getCount(9);
            Kind keys = step.types().keys();
            for (int i = 0; i < count; i++) {
                if (into.primitiveKeys()) {
                    long key = into.readLongKey(in);
                    into.add(key, null, into.hashOf(key), in.getLong(), sourceRank);
                } else if (into.stringKeys()) { // a key already here costs no String
                    int length = in.getCount(1);
                    int at = in.skip(length);
                    into.addUtf8(bytes, at, length, in.getLong(), sourceRank);
                } else {
                    Object key = keys.read(in);
                    into.add(0, key, keys.hash(key), in.getLong(), sourceRank);
                }
            }
            if (!in.atEnd()) {
                throw new CodecException("malformed folded pairs: " + in.remaining() + " bytes after the last entry");
            }
        }
        table.set(into);
    }

    // ---------------------------------------------------------------- codecs

    /** Ships a table whole (see {@link Folded}); decodes into a table of the same types and mode. */
    static Codec<Folded> codec(PairBlock.Types types, BinaryOperator<Object> combiner, boolean listing,
                               String name) {
        return new PairBlock.BytesCodec<>(Folded.class) {
            @Override
            byte[] bytes(Folded table) {
                return encodeTable(table);
            }

            @Override
            Folded fromBytes(byte[] bytes) {
                return decodeTable(bytes, new Folded(types, combiner, listing, name));
            }
        };
    }

    /** A deep copy (copy-on-write of a table a read-write op extends while another reader holds it). */
    static Folded copy(Folded table) {
        return decodeTable(encodeTable(table), table.emptyLike());
    }

    private static byte[] encodeTable(Folded table) {
        Wire.Out out = new Wire.Out(64 + 16 * table.size());
        out.putVarInt(table.size());
        for (int e = 0; e < table.size(); e++) {
            table.writeKey(out, e);
            out.putVarInt(table.lastSource(e) + 1);
            long[] values = table.listing() ? table.values(e) : new long[] {table.value(e)};
            out.putVarInt(values.length);
            for (long v : values) {
                out.putLong(v);
            }
        }
        return out.toArray();
    }

    private static Folded decodeTable(byte[] bytes, Folded into) {
        Wire.In in = new Wire.In(bytes, 0, bytes.length);
        int count = in.getCount(11);
        Kind keys = into.types.keys();
        for (int i = 0; i < count; i++) {
            long longKey = 0;
            Object key = null;
            long hash;
            if (into.primitiveKeys()) {
                longKey = into.readLongKey(in);
                hash = into.hashOf(longKey);
            } else {
                key = keys.read(in);
                hash = keys.hash(key);
            }
            int lastSource = in.getVarInt() - 1;
            int values = in.getCount(8);
            if (values == 0 || (!into.listing() && values != 1)) {
                throw new CodecException("malformed folded table: " + values + " values for one key");
            }
            for (int v = 0; v < values; v++) {
                // every value but the last under a rank of its own, so that they stay listed
                into.add(longKey, key, hash, in.getLong(), v == values - 1 ? lastSource : -2 - v);
            }
        }
        if (!in.atEnd()) {
            throw new CodecException("malformed folded table: " + in.remaining() + " bytes after the last entry");
        }
        return into;
    }

    /** Ships a block as its bytes (encoding a table first); decodes to bytes. */
    static Codec<Block> blockCodec(int parts) {
        return new PairBlock.BytesCodec<>(Block.class) {
            @Override
            byte[] bytes(Block block) {
                return block.bytes != null ? block.bytes : encodeBlock(block.source, block.rank, block.ranks, parts);
            }

            @Override
            Block fromBytes(byte[] bytes) {
                PairBlock.checkHeader(bytes, parts);
                return new Block(bytes, null, -1, -1);
            }
        };
    }
}
