package org.bind.mapreduce;

import org.bind.ByRef;
import org.bind.In;
import org.bind.IntArray;
import org.bind.Op;
import org.bind.Out;

/** The ops of {@link Sort}, in pipeline order. Each runs on a worker of the rank it is placed on. */
final class SortOps {
    private SortOps() {
    }

    /** Where a rank's sorted slice is written: allocated by {@link #prepare}, filled part by part. */
    static final class Output {
        volatile int[] array;
    }

    @Op
    static void sample(@ByRef int[] local, @Out IntArray sample, long seed) {
        Splitters.sample(local, sample.data(), seed);
    }

    /** Copies rank {@code rank}'s samples into their place in {@code all}. */
    @Op
    static void collect(IntArray all, @In IntArray sample, int rank) {
        int[] from = sample.data();
        System.arraycopy(from, 0, all.data(), rank * from.length, from.length);
    }

    @Op
    static void choose(@In IntArray all, @Out IntArray splitters, int ranks, int perRank, int buckets) {
        int[] chosen = Splitters.choose(all.data(), ranks, perRank, buckets);
        System.arraycopy(chosen, 0, splitters.data(), 0, chosen.length);
    }

    /**
     * Cuts chunk {@code chunk} of {@code chunks} of {@code local} by bucket, for each destination rank a block
     * holding that rank's {@code parts} buckets one after another ({@link #partition(int[], int, int, int[], int,
     * int)}).
     */
    @Op
    static void partition(@ByRef int[] local, int chunk, int chunks, @In IntArray splitters, int ranks, int parts,
                          @Out Cell<IntBlock[]> partitioned) {
        int from = (int) ((long) local.length * chunk / chunks);
        int to = (int) ((long) local.length * (chunk + 1) / chunks);
        partitioned.set(partition(local, from, to, splitters.data(), ranks, parts));
    }

    /**
     * The blocks of {@code local[from, to)}, one per destination rank. One bucket: a view of the input itself (it
     * is only read, and only until the sort returns). Two buckets: one pass, bucket 0 filled from the front of a
     * new array and bucket 1 from its back. More: two passes (count, then place), one new array per rank, each
     * allocated once at its size.
     */
    static IntBlock[] partition(int[] local, int from, int to, int[] splitters, int ranks, int parts) {
        int buckets = ranks * parts;
        if (buckets == 1) {
            return new IntBlock[] {new IntBlock(local, from, new int[] {to - from})};
        }
        if (buckets == 2) {
            return halves(local, from, to, splitters, ranks);
        }
        int[] counts = new int[buckets];
        Splitters.Finder finder = new Splitters.Finder(splitters);
        for (int i = from; i < to; i++) {
            counts[finder.bucket(local[i])]++;
        }
        int[][] arrays = new int[ranks][];
        int[] next = new int[buckets];
        IntBlock[] blocks = new IntBlock[ranks];
        for (int d = 0; d < ranks; d++) {
            int size = 0;
            for (int k = 0; k < parts; k++) {
                next[d * parts + k] = size;
                size += counts[d * parts + k];
            }
            arrays[d] = new int[size];
            blocks[d] = new IntBlock(arrays[d], 0, java.util.Arrays.copyOfRange(counts, d * parts, (d + 1) * parts));
        }
        int[][] byBucket = new int[buckets][];
        for (int bucket = 0; bucket < buckets; bucket++) {
            byBucket[bucket] = arrays[bucket / parts];
        }
        finder = new Splitters.Finder(splitters);
        for (int i = from; i < to; i++) {
            int v = local[i];
            int bucket = finder.bucket(v);
            byBucket[bucket][next[bucket]++] = v;
        }
        return blocks;
    }

    /**
     * Two buckets in one pass: bucket 0 grows from the front of one array, bucket 1 from its back. Each value is
     * stored at both free ends and only the end of its bucket advances (the other store lands in the free middle,
     * overwritten later): no branch on the bucket, which random data would mispredict half the time.
     */
    private static IntBlock[] halves(int[] local, int from, int to, int[] splitters, int ranks) {
        int[] out = new int[to - from];
        int front = 0;
        int back = out.length;
        Splitters.Finder finder = new Splitters.Finder(splitters);
        for (int i = from; i < to; i++) {
            int v = local[i];
            int bucket = finder.bucket(v);
            out[front] = v;
            out[back - 1] = v;
            front += 1 - bucket;
            back -= bucket;
        }
        if (ranks == 1) {
            return new IntBlock[] {new IntBlock(out, 0, new int[] {front, out.length - front})};
        }
        return new IntBlock[] {new IntBlock(out, 0, new int[] {front}), new IntBlock(out, front,
            new int[] {out.length - front})};
    }

    /**
     * Writes an empty version of {@code cell}: the version before it no longer is the latest one, and its
     * buffer goes as soon as the ops (and sends) that read it are done, rather than when the cell itself is found
     * unreachable, which takes a garbage collection and a later submission.
     */
    @Op
    static void release(@Out Cell<?> cell) {
        // the new version is empty: nothing to write
    }

    /** The block for {@code rank}: a view, no copy; it is encoded only if it leaves this rank. */
    @Op
    static void extract(@In Cell<IntBlock[]> partitioned, int rank, @Out Cell<IntBlock> block) {
        block.set(partitioned.get()[rank]);
    }

    /** Adds one received block to the list of this rank's blocks (in program order: by source rank, then chunk). */
    @Op
    static void append(Cell<IntBlock[]> received, @In Cell<IntBlock> block) {
        IntBlock[] before = received.get();
        IntBlock[] after;
        if (before == null) {
            after = new IntBlock[] {block.get()};
        } else {
            after = java.util.Arrays.copyOf(before, before.length + 1);
            after[before.length] = block.get();
        }
        received.set(after);
    }

    /** Allocates this rank's slice: as many ints as all received blocks hold. */
    @Op
    static void prepare(@In Cell<IntBlock[]> received, @ByRef Output output, @Out IntArray ready) {
        long total = 0;
        IntBlock[] blocks = received.get();
        if (blocks != null) {
            for (IntBlock block : blocks) {
                total += block.length();
            }
        }
        if (total > Integer.MAX_VALUE - 16) {
            throw new IllegalStateException("this rank's slice of " + total + " ints exceeds the largest Java array;"
                + " use more ranks");
        }
        output.array = new int[(int) total];
    }

    /**
     * Sorts bucket {@code part} of the received blocks into its place in the slice: after the buckets before it,
     * which hold only smaller (or equal) values. The bucket's values lie between its two splitters ({@code bucket}
     * is its index among all buckets), which bound the radix sort's first digit.
     */
    @Op
    static void sortPart(@In Cell<IntBlock[]> received, @In IntArray ready, @In IntArray splitters, int bucket,
                         int part, @ByRef Output output) {
        IntBlock[] blocks = received.get();
        if (blocks == null) {
            return;
        }
        int base = 0;
        int[][] arrays = new int[blocks.length][];
        int[] starts = new int[blocks.length];
        int[] ends = new int[blocks.length];
        for (int b = 0; b < blocks.length; b++) {
            IntBlock block = blocks[b];
            for (int k = 0; k < part; k++) {
                base += block.counts()[k];
            }
            arrays[b] = block.data();
            starts[b] = block.partStart(part);
            ends[b] = starts[b] + block.counts()[part];
        }
        int[] s = splitters.data();
        int lo = bucket == 0 ? Integer.MIN_VALUE : s[bucket - 1];
        int hi = bucket == s.length ? Integer.MAX_VALUE : s[bucket];
        IntRadix.sortRuns(arrays, starts, ends, blocks.length, output.array, base, lo, hi);
    }
}
