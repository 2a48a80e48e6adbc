package org.bind.mapreduce;

import java.util.function.BiConsumer;

import org.bind.Bind;
import org.bind.Scope;

/**
 * Submits the ops of a {@code map(..., combiner)} whose types fold ({@link FoldOps}), and of what reads its result:
 * the map ops themselves, the segments a rank's tables make when merged part by part, and the shuffle of a
 * {@code reduce} that moves the tables' entries as encoded blocks. Program thread; every rank submits the same ops.
 */
final class FoldedPairs {
    private FoldedPairs() {
    }

    /** One folding map op per part of each rank's {@code input}: the tables, {@code [rank][part]}. */
    static Cell<Folded>[][] map(Bind bind, Cell<Group[]>[][] input, Mapper<Object, Object, Object, Object> fn,
                                PairOps.Step step, int parts) {
        return perPart(bind, input, step, parts, (in, table) -> FoldOps.apply(in, fn, step, table));
    }

    /** One map op of a numeric step per part of each rank's {@code input} (types that fold): the tables. */
    static Cell<Folded>[][] mapNumeric(Bind bind, Cell<Group[]>[][] input, NumericFold.NumericMapper fn,
                                       PairOps.Step step, int parts) {
        return perPart(bind, input, step, parts, (in, table) -> FoldOps.applyNumeric(in, fn, step, table));
    }

    /** Submits, on the rank holding it, one op per part of each rank's {@code input} that fills a fresh table. */
    private static Cell<Folded>[][] perPart(Bind bind, Cell<Group[]>[][] input, PairOps.Step step, int parts,
                                            BiConsumer<Cell<Group[]>, Cell<Folded>> submit) {
        int ranks = bind.size();
        @SuppressWarnings("unchecked")
        Cell<Folded>[][] tables = new Cell[ranks][parts];
        for (int q = 0; q < ranks; q++) {
            try (Scope s = bind.on(q)) {
                for (int p = 0; p < parts; p++) {
                    tables[q][p] = table(step);
                    submit.accept(input[q][p], tables[q][p]);
                }
            }
        }
        return tables;
    }

    /** A cell for one map op's folding table of {@code step}'s types. */
    static Cell<Folded> table(PairOps.Step step) {
        return Cell.of(codec(step, false), FoldOps::copy);
    }

    /** Each rank's tables merged part by part, folding a key's values across them: ordinary segments. */
    static Cell<Group[]>[][] segments(Bind bind, Cell<Folded>[][] tables, int parts, PairOps.Step step) {
        int ranks = bind.size();
        @SuppressWarnings("unchecked")
        Cell<Group[]>[][] segments = new Cell[ranks][parts];
        for (int q = 0; q < ranks; q++) {
            try (Scope s = bind.on(q)) {
                for (int part = 0; part < parts; part++) {
                    Cell<Folded> merged = Cell.of(codec(step, false), FoldOps::copy);
                    for (Cell<Folded> table : tables[q]) {
                        FoldOps.merge(merged, table, part, parts);
                    }
                    segments[q][part] = Cell.of(PairBlock.segmentCodec(step.types()));
                    FoldOps.seal(merged, segments[q][part]);
                    PairOps.release(merged);
                }
            }
        }
        return segments;
    }

    /**
     * A reduce over folded tables: every key to rank {@code (hash & 0xFFFFFFFF) % ranks} ({@link #shuffle}), then
     * {@code fn} over each part's received table ({@link FoldOps#reduce}); what it emits, grouped per rank and part.
     */
    static Cell<Group[]>[][] reduce(Bind bind, Cell<Folded>[][] tables, int parts, PairOps.Step folded,
                                    Mapper<Object, Object, Object, Object> fn, PairOps.Step step) {
        Cell<Folded>[][] received = shuffle(bind, tables, parts, folded);
        int ranks = bind.size();
        @SuppressWarnings("unchecked")
        Cell<Group[]>[][] output = new Cell[ranks][];
        for (int q = 0; q < ranks; q++) {
            try (Scope s = bind.on(q)) {
                @SuppressWarnings("unchecked")
                Cell<PairBlock>[] emitted = new Cell[parts];
                for (int p = 0; p < parts; p++) {
                    emitted[p] = Cell.of(PairBlock.codec(step.types(), parts));
                    FoldOps.reduce(received[q][p], fn, step, emitted[p]);
                    PairOps.release(received[q][p]);
                }
                output[q] = ListedPairs.collect(emitted, step.types(), parts, step.combiner());
                for (Cell<PairBlock> cell : emitted) {
                    PairOps.release(cell);
                }
            }
        }
        return output;
    }

    /**
     * The shuffle of a reduce over folded tables: every key to rank {@code (hash & 0xFFFFFFFF) % ranks}, part by
     * part there, with one value per source rank (the ranks in order); the listing tables of each rank's parts.
     */
    static Cell<Folded>[][] shuffle(Bind bind, Cell<Folded>[][] tables, int parts, PairOps.Step step) {
        int ranks = bind.size();
        @SuppressWarnings("unchecked")
        Cell<FoldOps.Block>[][] blocks = new Cell[ranks][ranks * parts]; // [destination][source rank, map op]
        for (int q = 0; q < ranks; q++) {
            try (Scope s = bind.on(q)) {
                for (int p = 0; p < parts; p++) {
                    for (int k = 0; k < ranks; k++) {
                        int d = (q + k) % ranks; // own block first: the others run first (see Sort)
                        blocks[d][q * parts + p] = Cell.of(FoldOps.blockCodec(parts));
                        FoldOps.route(tables[q][p], q, d, ranks, parts, blocks[d][q * parts + p]);
                    }
                }
            }
        }
        @SuppressWarnings("unchecked")
        Cell<Folded>[][] received = new Cell[ranks][parts];
        for (int d = 0; d < ranks; d++) {
            try (Scope s = bind.on(d)) {
                for (int part = 0; part < parts; part++) {
                    received[d][part] = Cell.of(FoldOps.codec(step.types(), step.combiner(), true, step.name()),
                        FoldOps::copy);
                    for (int i = 0; i < ranks * parts; i++) {
                        FoldOps.receive(received[d][part], blocks[d][i], part, parts, i / parts, step);
                    }
                }
            }
        }
        for (int q = 0; q < ranks; q++) {
            try (Scope s = bind.on(q)) {
                for (Cell<FoldOps.Block>[] toRank : blocks) {
                    for (int p = 0; p < parts; p++) {
                        PairOps.release(toRank[q * parts + p]);
                    }
                }
            }
        }
        return received;
    }

    private static org.bind.codec.Codec<Folded> codec(PairOps.Step step, boolean listing) {
        return FoldOps.codec(step.types(), step.combiner(), listing, step.name());
    }
}
