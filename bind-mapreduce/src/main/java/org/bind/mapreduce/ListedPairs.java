package org.bind.mapreduce;

import org.bind.Bind;
import org.bind.Scope;

/**
 * Submits the ops that group listed pairs ({@link PairOps}): the collection of blocks into a rank's segments, part
 * by part, and the shuffle of a {@code reduce} over segments (one encoded block per source part and destination
 * rank). Program thread; every rank submits the same ops.
 */
final class ListedPairs {
    private ListedPairs() {
    }

    /** Moves every key to its rank ({@code (hash & 0xFFFFFFFF) % ranks}) with its values: the segments there. */
    static Cell<Group[]>[][] shuffle(Bind bind, Cell<Group[]>[][] segments, PairBlock.Types types, int parts) {
        int ranks = bind.size();
        @SuppressWarnings("unchecked")
        Cell<PairBlock>[][] blocks = new Cell[ranks][ranks * parts]; // [destination][source rank, source part]
        for (int q = 0; q < ranks; q++) {
            try (Scope s = bind.on(q)) {
                for (int p = 0; p < parts; p++) {
                    Cell<PairBlock[]> routed = Cell.of(PairBlock.routedCodec(types, parts));
                    PairOps.route(segments[q][p], q, ranks, parts, types, routed);
                    for (int k = 0; k < ranks; k++) {
                        int d = (q + k) % ranks; // own block first: the others run first (see Sort)
                        Cell<PairBlock> block = Cell.of(PairBlock.codec(types, parts));
                        PairOps.extract(routed, d, block);
                        blocks[d][q * parts + p] = block;
                    }
                    PairOps.release(routed);
                }
            }
        }
        @SuppressWarnings("unchecked")
        Cell<Group[]>[][] shuffled = new Cell[ranks][];
        for (int d = 0; d < ranks; d++) {
            try (Scope s = bind.on(d)) {
                shuffled[d] = collect(blocks[d], types, parts);
            }
        }
        for (int q = 0; q < ranks; q++) {
            try (Scope s = bind.on(q)) {
                for (Cell<PairBlock>[] toRank : blocks) {
                    for (int p = 0; p < parts; p++) {
                        PairOps.release(toRank[q * parts + p]);
                    }
                }
            }
        }
        return shuffled;
    }

    /**
     * The segments of one rank from blocks of groups cut by part: per part, the blocks' groups gathered in the
     * blocks' order, then sealed. Inside the rank's scope.
     */
    static Cell<Group[]>[] collect(Cell<PairBlock>[] sources, PairBlock.Types types, int parts) {
        return collect(sources, types, parts, null);
    }

    /** As above, folding the values of a key found in several blocks with {@code combiner} (when not null). */
    static Cell<Group[]>[] collect(Cell<PairBlock>[] sources, PairBlock.Types types, int parts,
                                   java.util.function.BinaryOperator<Object> combiner) {
        @SuppressWarnings("unchecked")
        Cell<Group[]>[] segments = new Cell[parts];
        for (int part = 0; part < parts; part++) {
            Cell<Group.Groups> groups = Cell.of(PairBlock.groupsCodec(types), PairOps::copyGroups);
            for (Cell<PairBlock> source : sources) {
                PairOps.gather(groups, source, part, types, combiner);
            }
            segments[part] = Cell.of(PairBlock.segmentCodec(types));
            PairOps.seal(groups, segments[part]);
            PairOps.release(groups);
        }
        return segments;
    }
}
