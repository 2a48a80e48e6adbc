package org.bind.mapreduce;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.BinaryOperator;

import org.bind.ByRef;
import org.bind.In;
import org.bind.Op;
import org.bind.Out;

/**
 * The ops of {@link KVPairs}. A rank's pairs are {@code parts} segments, each a {@code Cell<Group[]>} of groups in
 * canonical order ({@link Group#order}), part {@code p} holding the keys whose hash falls in the {@code p}-th slice
 * of the hash range ({@link Group#partOf}).
 */
final class PairOps {
    private PairOps() {
    }

    /**
     * What a step emits: its name (for messages), the declared types and their kinds, the part count, and the
     * function folding a key's values as they are emitted (null: values are listed).
     */
    record Step(String name, Class<?> keyType, Class<?> valueType, PairBlock.Types types, int parts,
                BinaryOperator<Object> combiner) {
    }

    /** Groups this rank's input pairs (a snapshot taken at the call) and cuts them by part. */
    @Op
    static void load(@ByRef List<Map.Entry<Object, List<Object>>> input, @ByRef PairBlock.Types types, int parts,
                     @Out Cell<PairBlock> loaded) {
        Group.Groups groups = new Group.Groups(types.keys());
        for (Map.Entry<Object, List<Object>> entry : input) {
            groups.valuesOf(entry.getKey()).addAll(entry.getValue());
        }
        loaded.set(PairBlock.of(groups.byPart(parts)));
    }

    /**
     * Calls {@code fn} on every group of one segment (keys of kind {@code calledKeys}), in canonical order, and
     * collects what it emits by key (in order of first emission), cut by part.
     */
    @Op
    static void apply(@In Cell<Group[]> segment, @ByRef Mapper<Object, Object, Object, Object> fn,
                      @ByRef Step step, @ByRef Kind calledKeys, @Out Cell<PairBlock> emitted) {
        Group[] groups = segment.get();
        ListingEmitter out = new ListingEmitter(step, calledKeys);
        if (groups != null) {
            for (Group group : groups) {
                out.calledWith(group.key, group.hash);
                fn.apply(group.key, Collections.unmodifiableList(group.values), out);
            }
        }
        emitted.set(PairBlock.of(out.groups().byPart(step.parts())));
    }

    /** Checks one emitted pair: neither null, each of the step's declared type; {@code current} names the call. */
    static void checkEmitted(Step step, Object current, Object key, Object value) {
        if (key == null || value == null) {
            throw new IllegalArgumentException(step.name() + " of key " + current + " emitted a null "
                + (key == null ? "key" : "value for key " + key));
        }
        if (!step.keyType().isInstance(key)) {
            throw new IllegalArgumentException(step.name() + " of key " + current + " emitted key " + key
                + " of type " + key.getClass().getName() + ", declared " + step.keyType().getName());
        }
        if (!step.valueType().isInstance(value)) {
            throw new IllegalArgumentException(step.name() + " of key " + current + " emitted value " + value
                + " of type " + value.getClass().getName() + " for key " + key + ", declared "
                + step.valueType().getName());
        }
    }

    /**
     * Adds part {@code part} of {@code block} (emitted by {@link #apply}, or shuffled by {@link #route}) to the
     * groups accumulating for that part. A block's part is read by this op only and its groups are new (made by
     * the emitter, decoded, or copied by {@code route}), so they are taken over rather than copied.
     */
    @Op
    static void gather(Cell<Group.Groups> groups, @In Cell<PairBlock> block, int part,
                       @ByRef PairBlock.Types types, @ByRef BinaryOperator<Object> combiner) {
        Group.Groups into = groups.get();
        if (into == null) {
            into = new Group.Groups(types.keys());
        }
        into.adoptAll(block.get().part(part, types), combiner); // a block's part holds distinct keys
        groups.set(into);
    }

    /** Puts the accumulated groups in canonical order: a segment. */
    @Op
    static void seal(@In Cell<Group.Groups> groups, @Out Cell<Group[]> segment) {
        Group.Groups all = groups.get();
        segment.set(all == null ? new Group[0] : all.sealed());
    }

    /**
     * Cuts one segment of rank {@code rank} by destination rank ({@link Group#rankOf}) and, within it, by part; the
     * blocks for other ranks are encoded here, on a worker, and travel as bytes.
     */
    @Op
    static void route(@In Cell<Group[]> segment, int rank, int ranks, int parts, @ByRef PairBlock.Types types,
                      @Out Cell<PairBlock[]> routed) {
        Group[] groups = segment.get();
        int[][] counts = new int[ranks][parts];
        for (Group group : groups) {
            counts[Group.rankOf(group.hash, ranks)][Group.partOf(group.hash, parts)]++;
        }
        Group[][][] split = new Group[ranks][parts][];
        for (int d = 0; d < ranks; d++) {
            for (int p = 0; p < parts; p++) {
                split[d][p] = new Group[counts[d][p]];
                counts[d][p] = 0;
            }
        }
        for (Group group : groups) {
            int d = Group.rankOf(group.hash, ranks);
            int p = Group.partOf(group.hash, parts);
            // groups staying here are copied: the segment's own groups are read only, the receiver extends them
            split[d][p][counts[d][p]++] = d != rank ? group : new Group(group.key, group.hash,
                new ArrayList<>(group.values));
        }
        PairBlock[] blocks = new PairBlock[ranks];
        for (int d = 0; d < ranks; d++) {
            blocks[d] = d == rank ? PairBlock.of(split[d]) : PairBlock.encoded(split[d], types);
        }
        routed.set(blocks);
    }

    /** Writes an empty version of {@code cell}, so that the one before goes once its readers are done. */
    @Op
    static void release(@Out Cell<?> cell) {
        // the new version is empty: nothing to write
    }

    /** The block for {@code rank}: a reference, no copy. */
    @Op
    static void extract(@In Cell<PairBlock[]> routed, int rank, @Out Cell<PairBlock> block) {
        block.set(routed.get()[rank]);
    }

    /** A copier for accumulating groups (copy-on-write when the runtime cannot hand an op the only copy). */
    static Group.Groups copyGroups(Group.Groups groups) {
        return groups.copy();
    }

    /** The values of a group, copied for a caller that may change them. */
    static List<Object> copyValues(Group group, Kind values) {
        List<Object> copy = new ArrayList<>(group.values.size());
        for (Object value : group.values) {
            copy.add(values.copy(value));
        }
        return copy;
    }
}
