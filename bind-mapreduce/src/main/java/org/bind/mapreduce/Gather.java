package org.bind.mapreduce;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.bind.Bind;
import org.bind.ByRef;
import org.bind.In;
import org.bind.Op;
import org.bind.Out;
import org.bind.Scope;

/**
 * Gathers of {@link KVPairs}, as ops over the segments. Each rank first merges its parts (ops on that rank), then
 * the ranks' results are merged pairwise up a binomial tree towards rank 0: at distance {@code s = 1, 2, 4, ...},
 * rank {@code r} (a multiple of {@code 2s}) merges what rank {@code r + s} holds into its own, an op on
 * {@code r} reading a version of {@code r + s}, so each merge is one implicit transfer and the tree has
 * {@code ceil(log2 ranks)} levels. A gather to another rank then moves the result there; a gather to every rank
 * reads rank 0's result in a common op, which the runtime sends down its binary tree.
 *
 * <p>A merge keeps canonical order (unsigned hash, then encoding) and puts the values of a key found on both sides
 * lower ranks first, so the result is the same for any number of ranks and workers: keys in canonical order, a
 * key's values by source rank, then in their order there. Top-k candidates are merged the same way, keeping the
 * best {@code k}.
 */
final class Gather {
    private Gather() {
    }

    /**
     * The segments of every rank merged onto rank 0: the cell holding the result there. Cells made on the way are
     * released once their readers are submitted. Program thread.
     */
    static Cell<Group[]> toRankZero(Bind bind, Cell<Group[]>[][] segments, PairBlock.Types types, Selection top) {
        int ranks = segments.length;
        @SuppressWarnings("unchecked")
        List<Cell<Group[]>>[] made = new List[ranks];
        @SuppressWarnings("unchecked")
        Cell<Group[]>[] merged = new Cell[ranks];
        for (int q = 0; q < ranks; q++) {
            made[q] = new ArrayList<>();
            try (Scope s = bind.on(q)) {
                Cell<Group[]> own = null;
                for (Cell<Group[]> part : segments[q]) {
                    Cell<Group[]> input = part;
                    if (top != null) {
                        input = Cell.of(PairBlock.segmentCodec(types));
                        best(part, top, types.keys(), input);
                        made[q].add(input);
                    }
                    own = own == null ? input : merged(own, input, types, top);
                    if (own != input) {
                        made[q].add(own);
                    }
                }
                merged[q] = own;
            }
        }
        for (int distance = 1; distance < ranks; distance *= 2) {
            for (int r = 0; r + distance < ranks; r += 2 * distance) {
                try (Scope s = bind.on(r)) {
                    merged[r] = merged(merged[r], merged[r + distance], types, top);
                    made[r].add(merged[r]);
                }
            }
        }
        for (int q = 0; q < ranks; q++) {
            try (Scope s = bind.on(q)) {
                for (Cell<Group[]> cell : made[q]) {
                    if (cell != merged[0]) {
                        PairOps.release(cell);
                    }
                }
            }
        }
        return merged[0];
    }

    private static Cell<Group[]> merged(Cell<Group[]> first, Cell<Group[]> second, PairBlock.Types types,
                                        Selection top) {
        Cell<Group[]> into = Cell.of(PairBlock.segmentCodec(types));
        if (top == null) {
            merge(first, second, types.keys(), into);
        } else {
            mergeBest(first, second, top, types.keys(), into);
        }
        return into;
    }

    /** What a top-k keeps: the {@code k} pairs with the greatest values by {@code values}. */
    record Selection(int k, Comparator<Object> values) {
    }

    /** Merges two segments in canonical order; a key on both sides gets {@code first}'s values, then the other's. */
    @Op
    static void merge(@In Cell<Group[]> first, @In Cell<Group[]> second, @ByRef Kind keys,
                      @Out Cell<Group[]> merged) {
        Group[] a = orEmpty(first.get());
        Group[] b = orEmpty(second.get());
        Comparator<Group> order = Group.order(keys);
        List<Group> out = new ArrayList<>(a.length + b.length);
        int i = 0;
        int j = 0;
        while (i < a.length || j < b.length) {
            int c = i == a.length ? 1 : j == b.length ? -1 : order.compare(a[i], b[j]);
            if (c < 0) {
                out.add(a[i++]);
            } else if (c > 0) {
                out.add(b[j++]);
            } else {
                ArrayList<Object> values = new ArrayList<>(a[i].values.size() + b[j].values.size());
                values.addAll(a[i].values);
                values.addAll(b[j].values);
                out.add(new Group(a[i].key, a[i].hash, values));
                i++;
                j++;
            }
        }
        merged.set(out.toArray(new Group[0]));
    }

    /** The best {@code k} pairs of one segment, as one-value groups, best first. */
    @Op
    static void best(@In Cell<Group[]> segment, @ByRef Selection top, @ByRef Kind keys, @Out Cell<Group[]> best) {
        List<Group> candidates = new ArrayList<>();
        for (Group group : orEmpty(segment.get())) {
            for (Object value : group.values) {
                candidates.add(new Group(group.key, group.hash, single(value)));
            }
        }
        best.set(select(candidates, top, keys));
    }

    /** The best {@code k} of two candidate lists. */
    @Op
    static void mergeBest(@In Cell<Group[]> first, @In Cell<Group[]> second, @ByRef Selection top,
                          @ByRef Kind keys, @Out Cell<Group[]> best) {
        List<Group> candidates = new ArrayList<>(Arrays.asList(orEmpty(first.get())));
        candidates.addAll(Arrays.asList(orEmpty(second.get())));
        best.set(select(candidates, top, keys));
    }

    /** Greatest value first, ties by canonical key order, then by the candidates' order (a stable sort). */
    private static Group[] select(List<Group> candidates, Selection top, Kind keys) {
        Comparator<Group> byKey = Group.order(keys);
        candidates.sort((a, b) -> {
            int byValue = top.values().compare(b.values.get(0), a.values.get(0));
            return byValue != 0 ? byValue : byKey.compare(a, b);
        });
        return candidates.subList(0, Math.min(top.k(), candidates.size())).toArray(new Group[0]);
    }

    private static Group[] orEmpty(Group[] groups) {
        return groups == null ? new Group[0] : groups;
    }

    private static ArrayList<Object> single(Object value) {
        ArrayList<Object> values = new ArrayList<>(1);
        values.add(value);
        return values;
    }

    /** Moves a value to the rank this op runs on. */
    @Op
    static void move(@In Cell<Group[]> from, @Out Cell<Group[]> to) {
        to.set(from.get());
    }

    /** Releases a cell of rank {@code rank} made by a gather (never one of the pairs' own {@code segments}). */
    static void release(Bind bind, Cell<Group[]>[][] segments, int rank, Cell<Group[]> cell) {
        if (!Arrays.asList(segments[rank]).contains(cell)) {
            try (Scope s = bind.on(rank)) {
                PairOps.release(cell);
            }
        }
    }

    /** Groups as a map for the caller: keys in the groups' order; the lists and mutable keys and values copied. */
    static <K, V> Map<K, List<V>> copyOut(Group[] groups, PairBlock.Types types) {
        Map<K, List<V>> result = new LinkedHashMap<>(capacity(groups == null ? 0 : groups.length));
        copyOut(groups, types, result);
        return result;
    }

    /** Puts {@code groups} into {@code result} as {@link #copyOut(Group[], PairBlock.Types)} makes its map. */
    @SuppressWarnings("unchecked")
    static <K, V> void copyOut(Group[] groups, PairBlock.Types types, Map<K, List<V>> result) {
        if (groups != null) {
            Kind keys = types.keys();
            Kind values = types.values();
            for (Group group : groups) {
                result.put((K) keys.copy(group.key), (List<V>) PairOps.copyValues(group, values));
            }
        }
    }

    /** A hash map capacity that holds {@code size} entries without growing. */
    static int capacity(int size) {
        return (int) Math.min(1 << 30, size / 3L * 4 + 16);
    }
}
