package org.bind.mapreduce;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;

/**
 * One key and its values on one rank. The values list grows only while the group is owned by one op (an
 * emitter, or the accumulator of one part); afterwards the group is read only.
 */
final class Group {
    final Object key;
    final long hash;
    final ArrayList<Object> values;
    private byte[] encoding;

    Group(Object key, long hash, ArrayList<Object> values) {
        this.key = key;
        this.hash = hash;
        this.values = values;
    }

    /** The part of a rank that holds this key among {@code parts}: by the high half of the hash. */
    static int partOf(long hash, int parts) {
        return (int) (((hash >>> 32) * parts) >>> 32);
    }

    /** The rank that holds this key after a shuffle among {@code ranks}: the low half of the hash, modulo. */
    static int rankOf(long hash, int ranks) {
        return (int) ((hash & 0xFFFFFFFFL) % ranks);
    }

    /** {@code groups} cut into {@code parts} by {@link #partOf}, keeping their order within each part. */
    static Group[][] byPart(Group[] groups, int parts) {
        int[] counts = new int[parts];
        for (Group group : groups) {
            counts[partOf(group.hash, parts)]++;
        }
        Group[][] split = new Group[parts][];
        for (int p = 0; p < parts; p++) {
            split[p] = new Group[counts[p]];
            counts[p] = 0;
        }
        for (Group group : groups) {
            int p = partOf(group.hash, parts);
            split[p][counts[p]++] = group;
        }
        return split;
    }

    /** Canonical order: unsigned hash, then unsigned encoding. */
    static Comparator<Group> order(Kind keys) {
        return (a, b) -> {
            int byHash = Long.compareUnsigned(a.hash, b.hash);
            return byHash != 0 ? byHash : Kind.compareEncodings(a.encoding(keys), b.encoding(keys));
        };
    }

    private byte[] encoding(Kind keys) {
        if (encoding == null) {
            encoding = keys.encoding(key);
        }
        return encoding;
    }

    /**
     * Groups accumulating pairs, by key identity ({@link Kind}), in order of first arrival. Owned by one op at a
     * time.
     *
     * <p>The index by key is built lazily: groups known to be new and distinct ({@link #appendNew},
     * {@link #adoptAll} into an empty instance) are appended without it, and only a lookup indexes them. A reduce
     * that emits each key it is called with, and the gathering of one block per part, thus never hash their keys.
     */
    static final class Groups {
        private final Kind keys;
        private final HashMap<Object, Group> index;
        private final ArrayList<Group> order;
        private int indexed; // order[0, indexed) are in the index

        Groups(Kind keys) {
            this(keys, new HashMap<>(), new ArrayList<>());
        }

        private Groups(Kind keys, HashMap<Object, Group> index, ArrayList<Group> order) {
            this.keys = keys;
            this.index = index;
            this.order = order;
        }

        /** Indexes the groups appended without a lookup. */
        private void indexAll() {
            for (; indexed < order.size(); indexed++) {
                Group group = order.get(indexed);
                index.put(keys.groupingKey(group.key), group);
            }
        }

        /** The values list of {@code key}'s group, made when the key is new. */
        ArrayList<Object> valuesOf(Object key) {
            return valuesOf(key, false);
        }

        /**
         * The values list of {@code key}'s group, made when the key is new; with {@code capture}, a new group keeps
         * a copy of the key (by value, as {@link Kind#copy}), so that the caller may change its own afterwards.
         */
        ArrayList<Object> valuesOf(Object key, boolean capture) {
            indexAll();
            Object grouping = keys.groupingKey(key);
            Group group = index.get(grouping);
            if (group == null) {
                group = new Group(capture ? keys.copy(key) : key, keys.hash(key), new ArrayList<>(2));
                index.put(grouping, group);
                order.add(group);
                indexed++;
            }
            return group.values;
        }

        /**
         * Appends a new group for {@code key}, whose 64-bit hash is {@code hash}, without looking it up: the caller
         * knows that no group here has an equal key. Returns its values list.
         */
        ArrayList<Object> appendNew(Object key, long hash) {
            Group group = new Group(key, hash, new ArrayList<>(2));
            order.add(group);
            return group.values;
        }

        /** Takes {@code group} over when its key is new here (the caller gives it up), else appends its values. */
        void adopt(Group group) {
            adopt(group, null);
        }

        /**
         * As {@link #adopt(Group)}; with a {@code combiner}, groups hold one value each and a known key's value is
         * folded with the new one instead.
         */
        void adopt(Group group, java.util.function.BinaryOperator<Object> combiner) {
            indexAll();
            Object grouping = keys.groupingKey(group.key);
            Group own = index.get(grouping);
            if (own == null) {
                index.put(grouping, group);
                order.add(group);
                indexed++;
            } else if (combiner == null) {
                own.values.addAll(group.values);
            } else {
                own.values.set(0, combiner.apply(own.values.get(0), group.values.get(0)));
            }
        }

        /**
         * Adopts {@code groups} (distinct keys, as one block's part holds them), with {@code combiner} as
         * {@link #adopt(Group, java.util.function.BinaryOperator)}: taken over without a lookup when this is empty.
         */
        void adoptAll(Group[] groups, java.util.function.BinaryOperator<Object> combiner) {
            if (order.isEmpty()) {
                order.addAll(java.util.Arrays.asList(groups));
                return;
            }
            for (Group group : groups) {
                adopt(group, combiner);
            }
        }

        /** Groups in order of first arrival, cut into {@code parts} by {@link #partOf}. */
        Group[][] byPart(int parts) {
            return Group.byPart(order.toArray(new Group[0]), parts);
        }

        /** The groups in canonical order. */
        Group[] sealed() {
            Group[] sorted = order.toArray(new Group[0]);
            Arrays.sort(sorted, order(keys));
            return sorted;
        }

        int size() {
            return order.size();
        }

        List<Group> inArrivalOrder() {
            return order;
        }

        /** A deep copy: new groups with copied value lists. */
        Groups copy() {
            Groups copy = new Groups(keys, new HashMap<>(order.size() * 2), new ArrayList<>(order.size()));
            for (Group group : order) {
                copy.adopt(new Group(group.key, group.hash, new ArrayList<>(group.values)));
            }
            return copy;
        }
    }
}
