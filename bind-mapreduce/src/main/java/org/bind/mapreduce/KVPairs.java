package org.bind.mapreduce;

import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.bind.Bind;
import org.bind.Scope;

// Over 400 lines: the module's public API, each method with its contract; the ops are submitted by ListedPairs,
// FoldedPairs, Gather, TextInput and WordInput, the numeric steps' pieces are in NumericFold.
/**
 * Key/value pairs spread over the ranks of a job, transformed by map, combine and reduce steps written as
 * sequential code: every rank makes the same calls, each with its own input, and the steps run as ops where the
 * data is.
 *
 * <pre>{@code
 * Map<Character, List<Integer>> counts = KVPairs.of(bind, Map.of(bind.rank(), List.of(text)))
 *     .map(Character.class, Integer.class, (line, texts, out) -> {
 *         for (String t : texts) for (char c : t.toCharArray()) out.emit(c, 1);
 *     })
 *     .combine(Character.class, Integer.class, (c, ones, out) -> out.emit(c, ones.size()))
 *     .reduce(Character.class, Integer.class, (c, partial, out) -> out.emit(c, sum(partial)))
 *     .local();   // this rank's letters and their counts
 * }</pre>
 *
 * <p><b>Steps.</b> {@link #map} and {@link #combine} run on each rank's own pairs, on every worker: a rank's pairs
 * are cut into {@link Bind#workers()} parts by key hash, one op per part calls the function on each key and its
 * values, and the pairs emitted are grouped by key again (a local shuffle between the rank's parts). They differ
 * only in intent: combine aggregates each rank's values of a key before a reduce ships them. {@link #reduce}
 * first shuffles: every key moves to exactly one rank with all its values, then the function runs there. The
 * shuffle is the runtime's implicit transfers: each rank encodes, per part, one block per destination rank (a
 * compact binary encoding), and each value moves once. After a {@code map(..., combiner)} whose types fold
 * ({@code String} or other {@code equals}-compared keys, {@code Long}, {@code Integer} or {@code Double} values), the
 * map ops' primitive tables are shuffled themselves ({@link FoldOps}): each is written once into one encoded block
 * per destination rank, and the receivers decode the blocks straight into a table, on which the reducer is called
 * without groups made first. {@link #mapToLong}, {@link #mapToInt} and {@link #mapToDouble} do the same with values emitted as
 * primitives and a primitive combiner: no box per pair. No rank submits anything data-dependent, so the ranks'
 * op sequences never diverge. Intermediate data is released (by an op writing an empty version) as soon as its
 * readers are submitted, so that it goes when they are done.
 *
 * <p><b>Placement and order (deterministic).</b> A key's 64-bit hash is FNV-1a over its {@code org.bind.codec}
 * encoding, finished with MurmurHash3's {@code fmix64}. After a reduce, key {@code k} lives on rank
 * {@code (hash(k) & 0xFFFFFFFF) % ranks}; within a rank, it is in part {@code ((hash(k) >>> 32) * parts) >>> 32}.
 * Every step visits a rank's keys in increasing unsigned hash (ties by encoded bytes), and a key's values are
 * kept in emission order; a reduce delivers a key's values ordered by source rank, then by the order they had
 * there. The results are therefore the same on every run and for any number of workers. Two keys are the same
 * key when their encodings are equal. (Text input, {@link #lines}, is the exception: its chunks are placed one per
 * part so that every worker reads an even share; the first step regroups by hash.)
 *
 * <p><b>Results.</b> {@link #local()} returns this rank's pairs; {@link #gather(int)} and {@link #gatherAll()}
 * return every rank's, merged up a binomial tree of ops; {@link #top} the {@code k} pairs with the greatest
 * values, chosen the same way.
 *
 * <p><b>Types.</b> Keys and values may be boxed primitives, {@code String}, primitive arrays, records of those,
 * enums, or any type with a codec registered with {@code org.bind.codec.Codecs.register}; a step given another
 * type fails at the call, naming it. Input given without types ({@link #of(Bind, Map)}) may be mapped and
 * combined freely, and shuffled when it holds boxed primitives, strings or primitive arrays.
 *
 * <p>Functions run inside ops, several at once: they must be safe to call concurrently. A function that throws
 * fails its op: the next {@code sync()} (and {@link #local()}, which syncs) throws on every rank. All methods:
 * program thread.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
public final class KVPairs<K, V> {
    private final Bind bind;
    private final PairBlock.Types types;
    private final int parts;
    private Cell<Group[]>[][] segments; // made from the folded tables when first needed
    private final Cell<Folded>[][] folded; // [rank][map op] for a map whose values fold, else null
    private final PairOps.Step foldedBy;

    KVPairs(Bind bind, PairBlock.Types types, int parts, Cell<Group[]>[][] segments) {
        this(bind, types, parts, segments, null, null);
    }

    private KVPairs(Bind bind, PairBlock.Types types, int parts, Cell<Group[]>[][] segments,
                    Cell<Folded>[][] folded, PairOps.Step foldedBy) {
        this.bind = bind;
        this.types = types;
        this.parts = parts;
        this.segments = segments;
        this.folded = folded;
        this.foldedBy = foldedBy;
    }

    /** The segments, made now (by ops merging the folded tables part by part) when this is a folded map's result. */
    private Cell<Group[]>[][] segments() {
        if (segments == null) {
            segments = FoldedPairs.segments(bind, folded, parts, foldedBy);
        }
        return segments;
    }

    /**
     * This rank's input pairs, without declared types (each key and value is handled by the type of its own
     * class). The map and its lists are copied at the call. Collective: every rank calls it, each with its own map
     * (an empty map for no input).
     *
     * @throws IllegalArgumentException when an argument, a key, a list or a value is null, or a key or value has no
     *                                  codec
     */
    public static <K, V> KVPairs<K, V> of(Bind bind, Map<K, List<V>> local) {
        checkBind(bind, local);
        return load(bind, local, new PairBlock.Types(UntypedKind.INSTANCE, UntypedKind.INSTANCE), null, null);
    }

    /**
     * This rank's input pairs, of declared types (needed to shuffle keys or values other than boxed primitives,
     * strings and primitive arrays before a map). Otherwise as {@link #of(Bind, Map)}.
     *
     * @throws IllegalArgumentException as {@link #of(Bind, Map)}, and when a type is null or has no codec, or a key or
     *                                  value is not of its declared type
     */
    public static <K, V> KVPairs<K, V> of(Bind bind, Map<K, List<V>> local, Class<K> keyType, Class<V> valueType) {
        checkBind(bind, local);
        PairBlock.Types types = new PairBlock.Types(Kind.of(keyType, "KVPairs.of: key type"),
            Kind.of(valueType, "KVPairs.of: value type"));
        return load(bind, local, types, keyType, valueType);
    }

    /**
     * The lines of a text file, cut evenly over the ranks and their workers: {@code ranks * workers} chunks of
     * about equal bytes, chunk {@code c} of rank {@code r} read by an op on rank {@code r} into its part {@code c}
     * (so the first map has every worker busy). A chunk's key is the byte offset of its first line, its values
     * its lines in order (UTF-8, without line terminators); a line belongs to the chunk its first byte is in.
     * Every rank must be able to read {@code file} (the same path). Collective.
     *
     * @throws IllegalArgumentException when an argument is null, or {@code file} is not a readable regular file
     */
    public static KVPairs<Long, String> lines(Bind bind, java.nio.file.Path file) {
        return TextInput.file(bind, file);
    }

    /**
     * The given lines, cut evenly over the ranks and their workers as {@link #lines(Bind, java.nio.file.Path)} cuts
     * a file, by line count; a chunk's key is the index of its first line. Every rank passes the same lines (each
     * keeps its share); they are copied at the call. Collective.
     *
     * @throws IllegalArgumentException when an argument or a line is null
     */
    public static KVPairs<Long, String> lines(Bind bind, List<String> lines) {
        return TextInput.list(bind, lines);
    }

    /**
     * The words of a text file and their counts, found in the file's bytes: the file is cut as
     * {@link #lines(Bind, java.nio.file.Path)} cuts it, and each chunk's op counts its words in a table keyed by
     * the words' UTF-8 bytes (a {@code String} only per distinct word, not per occurrence). A word is a maximal run
     * of {@code char}s that {@link Character#isLetterOrDigit(char)} accepts, lower-cased with
     * {@link java.util.Locale#ROOT}; the text is UTF-8 (malformed bytes separate words). Each rank holds every word
     * of its chunks with its count there, as {@code mapToLong(String.class, ..., Long::sum)} over the lines leaves
     * it: a {@link #reduce} totals them. Collective.
     *
     * @throws IllegalArgumentException when an argument is null, or {@code file} is not a readable regular file
     */
    public static KVPairs<String, Long> words(Bind bind, java.nio.file.Path file) {
        return WordInput.file(bind, file);
    }

    /** The result of map ops that folded into {@code tables} ({@code [rank][op]}) under {@code step}. */
    static <K, V> KVPairs<K, V> folded(Bind bind, PairOps.Step step, Cell<Folded>[][] tables) {
        return new KVPairs<>(bind, step.types(), step.parts(), null, tables, step);
    }

    private static void checkBind(Bind bind, Map<?, ?> local) {
        if (bind == null) {
            throw new IllegalArgumentException("KVPairs.of: bind is null");
        }
        if (local == null) {
            throw new IllegalArgumentException("KVPairs.of: local is null; pass an empty map for no input");
        }
    }

    private static <K, V> KVPairs<K, V> load(Bind bind, Map<K, List<V>> local, PairBlock.Types types,
                                             Class<?> keyType, Class<?> valueType) {
        List<Map.Entry<Object, List<Object>>> snapshot = snapshot(local, types, keyType, valueType);
        int ranks = bind.size();
        int parts = bind.workers();
        @SuppressWarnings("unchecked")
        Cell<Group[]>[][] segments = new Cell[ranks][];
        for (int q = 0; q < ranks; q++) {
            try (Scope s = bind.on(q)) {
                Cell<PairBlock> loaded = Cell.of(PairBlock.codec(types, parts));
                PairOps.load(snapshot, types, parts, loaded);
                @SuppressWarnings("unchecked")
                Cell<PairBlock>[] sources = new Cell[] {loaded};
                segments[q] = ListedPairs.collect(sources, types, parts);
                PairOps.release(loaded);
            }
        }
        return new KVPairs<>(bind, types, parts, segments);
    }

    /** Copies the map and its lists (and mutable keys and values), checking every key and value. */
    private static List<Map.Entry<Object, List<Object>>> snapshot(Map<?, ? extends List<?>> local,
                                                                  PairBlock.Types types, Class<?> keyType,
                                                                  Class<?> valueType) {
        List<Map.Entry<Object, List<Object>>> snapshot = new ArrayList<>(local.size());
        for (Map.Entry<?, ? extends List<?>> entry : local.entrySet()) {
            Object key = entry.getKey();
            List<?> values = entry.getValue();
            if (key == null) {
                throw new IllegalArgumentException("KVPairs.of: a key is null");
            }
            check(key, keyType, "key " + key);
            if (values == null) {
                throw new IllegalArgumentException("KVPairs.of: the value list of key " + key + " is null");
            }
            List<Object> copy = new ArrayList<>(values.size());
            for (Object value : values) {
                if (value == null) {
                    throw new IllegalArgumentException("KVPairs.of: a value of key " + key + " is null");
                }
                check(value, valueType, "value " + value + " of key " + key);
                copy.add(types.values().copy(value));
            }
            snapshot.add(new AbstractMap.SimpleImmutableEntry<>(types.keys().copy(key), copy));
        }
        return snapshot;
    }

    private static void check(Object value, Class<?> declared, String what) {
        if (declared == null) {
            UntypedKind.kindOf(value, "KVPairs.of: " + what);
        } else if (!declared.isInstance(value)) {
            throw new IllegalArgumentException("KVPairs.of: " + what + " is a " + value.getClass().getName()
                + ", not a " + declared.getName());
        }
    }

    /**
     * Calls {@code fn} for every key of every rank with the key's values on that rank, where the pairs are;
     * returns the pairs it emitted, grouped by key on each rank. Collective.
     *
     * @throws IllegalArgumentException when a type is null or has no codec, or {@code fn} is null
     */
    public <K2, V2> KVPairs<K2, V2> map(Class<K2> keyType, Class<V2> valueType, Mapper<K, V, K2, V2> fn) {
        return apply(check("map", keyType, valueType, fn, null), segments(), fn);
    }

    /**
     * Like {@link #map}, folding the values emitted for a key at once with {@code combiner}, in each op and then
     * across the rank's parts: each key ends with one value per rank, and no list of values is kept (for a word
     * count, {@code Long::sum}). {@code combiner} must be associative and commutative (a sum, a maximum), so that
     * the result does not depend on the number of workers; it runs inside ops, several at once. Collective.
     *
     * @throws IllegalArgumentException as {@link #map}, and when {@code combiner} is null
     */
    @SuppressWarnings("unchecked")
    public <K2, V2> KVPairs<K2, V2> map(Class<K2> keyType, Class<V2> valueType, Mapper<K, V, K2, V2> fn,
                                       java.util.function.BinaryOperator<V2> combiner) {
        if (combiner == null) {
            throw new IllegalArgumentException("map: combiner is null");
        }
        return apply(check("map", keyType, valueType, fn, (java.util.function.BinaryOperator<Object>) combiner),
            segments(), fn);
    }

    /**
     * Like {@link #map(Class, Class, Mapper, java.util.function.BinaryOperator) map(..., combiner)} with {@code Long}
     * values, emitted as primitive {@code long}s and folded by a {@code long} combiner (for a word count,
     * {@code Long::sum}) without a box per pair: when {@code keyType} compares by {@code equals} ({@code String},
     * boxed integers, {@code Character}, {@code Boolean}, enums) each op folds into a table of primitive slots, and a
     * {@code Long} or {@code Integer} key emitted as a primitive ({@link LongEmitter#emit(long, long)}) is not boxed
     * either; other key types are folded as boxed pairs. Collective.
     *
     * @throws IllegalArgumentException when an argument is null or {@code keyType} has no codec
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public <K2> KVPairs<K2, Long> mapToLong(Class<K2> keyType, LongMapper<K, V, K2> fn,
                                           java.util.function.LongBinaryOperator combiner) {
        PairOps.Step step = check("mapToLong", keyType, Long.class, fn,
            combiner == null ? null : NumericFold.longs(combiner));
        return numeric(step, (key, values, out) -> fn.apply((K) key, (List) values, (LongEmitter) out));
    }

    /**
     * {@link #mapToLong} for {@code Integer} values, emitted as {@code int}s and folded by an {@code int} combiner.
     *
     * @throws IllegalArgumentException as {@link #mapToLong}
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public <K2> KVPairs<K2, Integer> mapToInt(Class<K2> keyType, IntMapper<K, V, K2> fn,
                                             java.util.function.IntBinaryOperator combiner) {
        PairOps.Step step = check("mapToInt", keyType, Integer.class, fn,
            combiner == null ? null : NumericFold.ints(combiner));
        return numeric(step, (key, values, out) -> fn.apply((K) key, (List) values, (IntEmitter) out));
    }

    /**
     * {@link #mapToLong} for {@code Double} values, emitted as {@code double}s and folded by a {@code double}
     * combiner.
     *
     * @throws IllegalArgumentException as {@link #mapToLong}
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public <K2> KVPairs<K2, Double> mapToDouble(Class<K2> keyType, DoubleMapper<K, V, K2> fn,
                                               java.util.function.DoubleBinaryOperator combiner) {
        PairOps.Step step = check("mapToDouble", keyType, Double.class, fn,
            combiner == null ? null : NumericFold.doubles(combiner));
        return numeric(step, (key, values, out) -> fn.apply((K) key, (List) values, (DoubleEmitter) out));
    }

    /**
     * Like {@link #map}, meant for aggregating each rank's values of a key (a partial sum, a count) so that a
     * following {@link #reduce} ships less. Collective.
     *
     * @throws IllegalArgumentException as {@link #map}
     */
    public <K2, V2> KVPairs<K2, V2> combine(Class<K2> keyType, Class<V2> valueType, Mapper<K, V, K2, V2> fn) {
        return apply(check("combine", keyType, valueType, fn, null), segments(), fn);
    }

    /**
     * Shuffles the pairs so that every key is on exactly one rank ({@code (hash & 0xFFFFFFFF) % ranks}) with all
     * its values (ordered by source rank, then by their order there), then calls {@code fn} once per key there.
     * Collective.
     *
     * @throws IllegalArgumentException as {@link #map}
     */
    public <K2, V2> KVPairs<K2, V2> reduce(Class<K2> keyType, Class<V2> valueType, Mapper<K, V, K2, V2> fn) {
        PairOps.Step step = check("reduce", keyType, valueType, fn, null);
        if (folded != null) { // the tables themselves are shuffled, and fn runs on what each part received
            @SuppressWarnings({"unchecked", "rawtypes"})
            Mapper<Object, Object, Object, Object> any = (Mapper) fn;
            return new KVPairs<>(bind, step.types(), parts, FoldedPairs.reduce(bind, folded, parts, foldedBy, any,
                step));
        }
        Cell<Group[]>[][] shuffled = ListedPairs.shuffle(bind, segments(), types, parts);
        KVPairs<K2, V2> result = apply(step, shuffled, fn);
        for (int d = 0; d < bind.size(); d++) {
            try (Scope s = bind.on(d)) {
                for (Cell<Group[]> segment : shuffled[d]) {
                    PairOps.release(segment);
                }
            }
        }
        return result;
    }

    /**
     * This rank's pairs now, keys in the order every step visits them (see the class comment). It syncs first:
     * collective, every rank calls it. (Waiting for this rank's parts alone would do, but the runtime takes a
     * program thread that waits for a version still being computed here while every other rank has reached
     * {@code sync()} for a diverged program.) The map, its lists and mutable keys and values are copies.
     *
     * @throws org.bind.OpFailedException when an op failed on any rank, as {@code sync()} does (each distinct error
     *                                    once)
     * @throws org.bind.BindException      naming the call and the ranks when not every rank called it here
     */
    @SuppressWarnings("unchecked")
    public Map<K, List<V>> local() {
        Collective.sync(bind, "KVPairs.local()", Collective::local);
        Cell<Group[]>[] mine = segments()[bind.rank()];
        Group[][] parts = new Group[mine.length][];
        int size = 0;
        for (int p = 0; p < mine.length; p++) {
            parts[p] = mine[p].await();
            size += parts[p] == null ? 0 : parts[p].length;
        }
        Map<K, List<V>> result = new LinkedHashMap<>(Gather.capacity(size));
        for (Group[] part : parts) {
            Gather.copyOut(part, types, result);
        }
        return result;
    }

    /**
     * Every rank's pairs on rank {@code root}: keys in canonical order (see the class comment), a key's values by
     * source rank, then in their order there; an empty map on the other ranks. The ranks' pairs are merged up a
     * binomial tree of ops (each merge one transfer), towards rank 0, then moved to {@code root}. Collective: it
     * syncs first (so that a rank that does not call it is named, not waited for) and last. The map, its lists and
     * mutable keys and values are copies.
     *
     * @throws IllegalArgumentException    when {@code root} is not a rank
     * @throws org.bind.OpFailedException when an op failed on any rank, as {@link #local()}
     * @throws org.bind.BindException      naming the call and the ranks when not every rank called it here
     */
    public Map<K, List<V>> gather(int root) {
        if (root < 0 || root >= bind.size()) {
            throw new IllegalArgumentException("KVPairs.gather: root " + root + " out of range [0, " + bind.size()
                + ")");
        }
        String call = "KVPairs.gather(" + root + ")";
        Collective.check(bind, call, Collective::gather);
        Cell<Group[]> result = Gather.toRankZero(bind, segments(), types, null);
        if (root != 0) {
            Cell<Group[]> moved = Cell.of(PairBlock.segmentCodec(types));
            try (Scope s = bind.on(root)) {
                Gather.move(result, moved);
            }
            Gather.release(bind, segments(), 0, result);
            result = moved;
        }
        Collective.sync(bind, call, Collective::gather);
        Map<K, List<V>> gathered = bind.rank() == root ? Gather.copyOut(result.await(), types) : new LinkedHashMap<>();
        Gather.release(bind, segments(), root, result);
        return gathered;
    }

    /**
     * Every rank's pairs on every rank, as {@link #gather(int)} returns them on its root: gathered on rank 0, then
     * sent down the runtime's broadcast tree. Collective, as {@link #gather(int)}.
     *
     * @throws org.bind.OpFailedException when an op failed on any rank
     * @throws org.bind.BindException      naming the call and the ranks when not every rank called it here
     */
    public Map<K, List<V>> gatherAll() {
        Collective.check(bind, "KVPairs.gatherAll()", Collective::gather);
        Cell<Group[]> result = Gather.toRankZero(bind, segments(), types, null);
        Cell<Group[]> everywhere = Cell.of(PairBlock.segmentCodec(types));
        Gather.move(result, everywhere); // a common op: every rank reads rank 0's version
        Gather.release(bind, segments(), 0, result);
        Collective.sync(bind, "KVPairs.gatherAll()", Collective::gather);
        Map<K, List<V>> gathered = Gather.copyOut(everywhere.await(), types);
        PairOps.release(everywhere);
        return gathered;
    }

    /**
     * The {@code k} pairs of the whole job with the greatest values by {@code byValue} (fewer when there are fewer
     * pairs), greatest first, on every rank. Ties are broken by canonical key order, then by source rank and order.
     * Each part keeps its best {@code k}, then the candidates are merged up the tree of {@link #gather(int)},
     * keeping the best {@code k} at each merge, and rank 0's are broadcast. Collective, as {@link #gather(int)}.
     * {@code byValue} runs inside ops, several at once.
     *
     * @throws IllegalArgumentException when {@code k} is negative or {@code byValue} is null
     */
    @SuppressWarnings("unchecked")
    public List<Map.Entry<K, V>> top(int k, java.util.Comparator<? super V> byValue) {
        if (k < 0) {
            throw new IllegalArgumentException("KVPairs.top: k " + k + " is negative");
        }
        if (byValue == null) {
            throw new IllegalArgumentException("KVPairs.top: byValue is null");
        }
        String call = "KVPairs.top(" + k + ")";
        Collective.check(bind, call, Collective::gather);
        Gather.Selection selection = new Gather.Selection(k, (java.util.Comparator<Object>) byValue);
        Cell<Group[]> result = Gather.toRankZero(bind, segments(), types, selection);
        Cell<Group[]> everywhere = Cell.of(PairBlock.segmentCodec(types));
        Gather.move(result, everywhere);
        Gather.release(bind, segments(), 0, result);
        Collective.sync(bind, call, Collective::gather);
        List<Map.Entry<K, V>> best = new ArrayList<>();
        for (Group group : everywhere.await()) {
            best.add(new AbstractMap.SimpleImmutableEntry<>((K) types.keys().copy(group.key),
                (V) types.values().copy(group.values.get(0))));
        }
        PairOps.release(everywhere);
        return best;
    }

    private PairOps.Step check(String name, Class<?> keyType, Class<?> valueType, Object fn,
                               java.util.function.BinaryOperator<Object> combiner) {
        PairBlock.Types emitted = new PairBlock.Types(Kind.of(keyType, name + ": key type"),
            Kind.of(valueType, name + ": value type"));
        if (fn == null) {
            throw new IllegalArgumentException(name + ": fn is null");
        }
        if (combiner == null && name.startsWith("mapTo")) {
            throw new IllegalArgumentException(name + ": combiner is null");
        }
        return new PairOps.Step(name, keyType, valueType, emitted, parts, combiner);
    }

    /** A numeric step: folded into primitive tables when its key type folds, else boxed pair by pair. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private <K2, V2> KVPairs<K2, V2> numeric(PairOps.Step step, NumericFold.NumericMapper fn) {
        if (FoldingEmitter.folds(step)) {
            return new KVPairs<>(bind, step.types(), parts, null,
                FoldedPairs.mapNumeric(bind, segments(), fn, step, parts), step);
        }
        Mapper<K, V, K2, V2> boxing = (key, values, out) -> fn.apply(key, (List) values,
            new NumericFold.Boxing(step, key, (Emitter) out));
        return apply(step, segments(), boxing);
    }

    /** Runs {@code fn} over each part of each rank's {@code input} segments, then groups what it emitted. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private <K2, V2> KVPairs<K2, V2> apply(PairOps.Step step, Cell<Group[]>[][] input, Mapper<K, V, K2, V2> fn) {
        Mapper<Object, Object, Object, Object> any = (Mapper) fn;
        if (FoldingEmitter.folds(step)) {
            return new KVPairs<>(bind, step.types(), parts, null, FoldedPairs.map(bind, input, any, step, parts), step);
        }
        int ranks = bind.size();
        Cell<Group[]>[][] output = new Cell[ranks][];
        for (int q = 0; q < ranks; q++) {
            try (Scope s = bind.on(q)) {
                Cell<PairBlock>[] emitted = new Cell[parts];
                for (int p = 0; p < parts; p++) {
                    emitted[p] = Cell.of(PairBlock.codec(step.types(), parts));
                    PairOps.apply(input[q][p], any, step, types.keys(), emitted[p]);
                }
                output[q] = ListedPairs.collect(emitted, step.types(), parts, step.combiner());
                for (Cell<PairBlock> cell : emitted) {
                    PairOps.release(cell);
                }
            }
        }
        return new KVPairs<>(bind, step.types(), parts, output);
    }
}
