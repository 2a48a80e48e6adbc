package org.bind.mapreduce;

import org.bind.Bind;
import org.bind.IntArray;
import org.bind.Scope;

/**
 * Distributed sort of primitive values, without boxing: every rank passes its own input and gets back its slice
 * of the globally sorted data, rank 0 the smallest values.
 *
 * <pre>{@code
 * int[] mine = Sort.ints(bind, local);                   // collective: every rank calls it
 * long[] mineToo = Sort.longs(bind, localLongs);
 * Sort.Keyed rows = Sort.byKey(bind, timestamps, rowIds); // keys with an int payload, stable
 * }</pre>
 *
 * <p>{@link #longs} and {@link #byKey} run the same pipeline over {@code long} keys (see {@code LongSort}); what
 * follows describes {@link #ints}.
 *
 * <p><b>Algorithm: sample sort</b>, written as ordinary ops over versioned data, with {@code parts} pieces per
 * rank ({@link Bind#workers()} by default):
 * <ol>
 *   <li>every rank draws a fixed number of samples of its input (op on that rank); common ops gather all samples
 *       on every rank and choose {@code ranks * parts - 1} splitters as weighted quantiles,
 *       so skewed input still gives balanced buckets and heavy duplicates are dealt over several buckets, and
 *       for each bucket the top bits its values will be grouped by ({@link IntRadix#msdBits}, from its bounds and
 *       its share of the input);</li>
 *   <li>every rank cuts each of its {@code parts} chunks by bucket, one array per destination rank (an op per
 *       chunk);</li>
 *   <li>the one all-to-all exchange: each destination rank reads the blocks meant for it, so the runtime moves
 *       each value once, from its rank to its destination, as an implicit transfer; a block's bytes go from its
 *       array into the transport's buffer and from there into the receiving block's array
 *       ({@link IntBlock#CODEC} encodes and decodes ranges), one copy on each side;</li>
 *   <li>each block that reaches its destination is grouped by those top bits, bucket by bucket, into a new
 *       block (an op per block: the most-significant-digit pass of a radix sort, made as the blocks arrive, the
 *       rank's own ones while the others are still on their way);</li>
 *   <li>each rank sorts its {@code parts} buckets into place in its slice, an op per bucket: each group of top
 *       bits, gathered from every block, is sorted by least-significant-digit passes in cache, the first reading
 *       the blocks and the last writing the slice ({@link IntRadix#sortLeafRuns}).</li>
 * </ol>
 * Every intermediate cell is released by a write once its readers are submitted, so that each array is freed as
 * soon as its last reader (or send) is done, not when the cell is collected. The program thread only records
 * ops, then syncs: the call returns when every rank's slice is sorted. (Waiting
 * for this rank's parts alone would do, but the runtime takes a program thread that waits for a version still
 * being computed here while every other rank has reached {@code sync()} for a diverged program.) The input is
 * only read, and no op reads it any more when the call returns.
 *
 * <p>The call starts with a {@code sync()} too, so that a rank that does not make it is named (every rank throws a
 * {@link org.bind.BindException} saying which) rather than waited for; ops submitted before the call therefore
 * finish before it starts.
 *
 * <p>Failures: an op that fails anywhere makes this call throw {@link org.bind.OpFailedException} on every rank,
 * as {@code sync()} does.
 */
public final class Sort {
    /** Seed of the sampling (the sample of rank r uses {@code SAMPLE_SEED + r}). */
    static final long SAMPLE_SEED = 0x5eed_5a3b_1e5L;
    /** Most pieces per rank. */
    public static final int MAX_PARTS = 4096;

    private Sort() {
    }

    /**
     * Sorts the union of every rank's {@code local} and returns this rank's slice, cut in {@link Bind#workers()}
     * pieces per rank (every rank must run as many workers, as the launcher arranges). Collective (it ends with a
     * {@code sync()}): every rank calls it. Program thread.
     *
     * @throws IllegalArgumentException when {@code bind} or {@code local} is null
     */
    public static int[] ints(Bind bind, int[] local) {
        if (bind == null) {
            throw new IllegalArgumentException("Sort.ints: bind is null");
        }
        return ints(bind, local, bind.workers());
    }

    /**
     * Like {@link #ints(Bind, int[])}, with {@code parts} pieces per rank: each rank's input is cut into
     * {@code parts} chunks (each sent in its own blocks, so more parts bound the memory a transfer takes) and
     * its slice into {@code parts} buckets sorted in parallel. Every rank must pass the same {@code parts}.
     *
     * @throws IllegalArgumentException when {@code bind} or {@code local} is null, or {@code parts} is outside
     *                                  {@code [1, MAX_PARTS]}
     */
    public static int[] ints(Bind bind, int[] local, int parts) {
        if (bind == null) {
            throw new IllegalArgumentException("Sort.ints: bind is null");
        }
        if (local == null) {
            throw new IllegalArgumentException("Sort.ints: local is null; pass an empty array for no input");
        }
        if (parts < 1 || parts > MAX_PARTS) {
            throw new IllegalArgumentException("Sort.ints: parts " + parts + " out of range [1, " + MAX_PARTS + "]");
        }
        int ranks = bind.size();
        long bucketCount = (long) ranks * parts;
        if (bucketCount > 1 << 20) {
            throw new IllegalArgumentException("Sort.ints: " + ranks + " ranks x " + parts + " parts = " + bucketCount
                + " buckets, more than " + (1 << 20) + "; use fewer parts");
        }
        int buckets = (int) bucketCount;
        Collective.check(bind, "Sort.ints", Collective::sort);
        int perRank = Splitters.samplesPerRank(buckets);

        IntArray all = IntArray.of(ranks * (perRank + Splitters.HEADER));
        for (int q = 0; q < ranks; q++) {
            IntArray sample = IntArray.of(perRank + Splitters.HEADER);
            try (Scope s = bind.on(q)) {
                SortOps.sample(local, sample, SAMPLE_SEED + q);
            }
            SortOps.collect(all, sample, q);
        }
        IntArray splitters = IntArray.of(buckets - 1);
        IntArray digits = IntArray.of(buckets);
        SortOps.choose(all, splitters, digits, ranks, perRank, buckets);

        @SuppressWarnings("unchecked")
        Cell<IntBlock>[][] blocks = new Cell[ranks * parts][ranks];
        for (int q = 0; q < ranks; q++) {
            try (Scope s = bind.on(q)) {
                for (int c = 0; c < parts; c++) {
                    Cell<IntBlock[]> partitioned = Cell.of(IntBlock.ARRAY_CODEC);
                    SortOps.partition(local, c, parts, splitters, ranks, parts, partitioned);
                    // This rank's own block first, the others after: the worker that finishes the partition
                    // runs the ops it made ready last-in first-out, so blocks leave for other ranks before this
                    // rank goes on with its own share.
                    for (int k = 0; k < ranks; k++) {
                        int d = (q + k) % ranks;
                        blocks[q * parts + c][d] = Cell.of(IntBlock.CODEC);
                        SortOps.extract(partitioned, d, blocks[q * parts + c][d]);
                    }
                    SortOps.release(partitioned);
                }
            }
        }

        SortOps.Output output = new SortOps.Output();
        for (int d = 0; d < ranks; d++) {
            try (Scope s = bind.on(d)) {
                Cell<IntBlock[]> received = Cell.of(IntBlock.ARRAY_CODEC, IntBlock[]::clone);
                for (Cell<IntBlock>[] fromChunk : blocks) {
                    Cell<IntBlock> scattered = Cell.of(IntBlock.CODEC);
                    SortOps.scatter(fromChunk[d], splitters, digits, d * parts, scattered);
                    SortOps.append(received, scattered);
                    SortOps.release(scattered);
                }
                IntArray ready = IntArray.of(0);
                SortOps.prepare(received, output, ready);
                for (int part = 0; part < parts; part++) {
                    SortOps.sortPart(received, ready, digits, d * parts + part, part, output);
                }
                SortOps.release(received);
            }
        }
        for (int q = 0; q < ranks; q++) {
            try (Scope s = bind.on(q)) {
                for (int c = 0; c < parts; c++) {
                    for (Cell<IntBlock> block : blocks[q * parts + c]) {
                        SortOps.release(block);
                    }
                }
            }
        }
        // A sync, not a wait for this rank's parts alone: see the class comment.
        Collective.sync(bind, "Sort.ints", Collective::sort);
        return output.array;
    }

    /**
     * Sorts the union of every rank's {@code local} keys and returns this rank's slice, rank 0 the smallest keys,
     * cut in {@link Bind#workers()} buckets per rank. Equal keys always land on one rank (a value repeated a great
     * many times can therefore unbalance the slices). Collective (it syncs first and last). Program thread.
     *
     * @throws IllegalArgumentException when {@code bind} or {@code local} is null
     */
    public static long[] longs(Bind bind, long[] local) {
        check(bind, local, "Sort.longs", "local");
        return LongSort.sort(bind, local, null, "Sort.longs").keys;
    }

    /**
     * Sorts the union of every rank's {@code (keys[i], payload[i])} pairs by key and returns this rank's slice,
     * rank 0 the smallest keys. Stable: pairs of equal keys keep their order, by source rank, then by position
     * there; they always land on one rank. Collective, as {@link #longs}.
     *
     * @throws IllegalArgumentException when an argument is null or {@code keys} and {@code payload} differ in
     *                                  length
     */
    public static Keyed byKey(Bind bind, long[] keys, int[] payload) {
        check(bind, keys, "Sort.byKey", "keys");
        if (payload == null || payload.length != keys.length) {
            throw new IllegalArgumentException("Sort.byKey: " + (payload == null ? "payload is null"
                : "payload of " + payload.length + " ints for " + keys.length + " keys"));
        }
        LongSort.Output output = LongSort.sort(bind, keys, payload, "Sort.byKey");
        return new Keyed(output.keys, output.payload);
    }

    private static void check(Bind bind, long[] local, String call, String name) {
        if (bind == null) {
            throw new IllegalArgumentException(call + ": bind is null");
        }
        if (local == null) {
            throw new IllegalArgumentException(call + ": " + name + " is null; pass an empty array for no input");
        }
    }

    /**
     * A rank's slice of a sort by key: the keys in order and each key's payload at the same index.
     *
     * @param keys    the sorted keys
     * @param payload the payload of each key
     */
    public record Keyed(long[] keys, int[] payload) {
    }
}
