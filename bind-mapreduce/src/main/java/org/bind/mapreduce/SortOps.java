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

    /**
     * The splitters, and for each bucket the bits of the most-significant digit its values are grouped by on
     * arrival ({@link IntRadix#msdBits}, for the bucket's share of every rank's input and its bounds).
     */
    @Op
    static void choose(@In IntArray all, @Out IntArray splitters, @Out IntArray digits, int ranks, int perRank,
                       int buckets) {
        int[] in = all.data();
        int[] chosen = Splitters.choose(in, ranks, perRank, buckets);
        System.arraycopy(chosen, 0, splitters.data(), 0, chosen.length);
        long total = 0;
        for (int q = 0; q < ranks; q++) {
            int at = q * (perRank + Splitters.HEADER);
            total += ((long) in[at] << 32) | (in[at + 1] & 0xFFFFFFFFL);
        }
        long share = (total + buckets - 1) / buckets;
        for (int b = 0; b < buckets; b++) {
            digits.data()[b] = IntRadix.msdBits(share, low(chosen, b), high(chosen, b));
        }
    }

    /** The least value bucket {@code bucket} may hold. */
    static int low(int[] splitters, int bucket) {
        return bucket == 0 ? Integer.MIN_VALUE : splitters[bucket - 1];
    }

    /** The greatest value bucket {@code bucket} may hold. */
    static int high(int[] splitters, int bucket) {
        return bucket == splitters.length ? Integer.MAX_VALUE : splitters[bucket];
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

    /**
     * Groups each part of a block that reached its destination rank by the top bits of its values
     * ({@link IntRadix#scatterByDigit}, {@code digits[bucket]} bits for the part's bucket), in a new block whose parts
     * are the digits of every part in turn: the sort's most-significant-digit pass, made block by block as each
     * arrives (this rank's own block while the others are still on their way).
     */
    @Op
    static void scatter(@In Cell<IntBlock> block, @In IntArray splitters, @In IntArray digits, int firstBucket,
                        @Out Cell<IntBlock> scattered) {
        IntBlock in = block.get();
        int[] s = splitters.data();
        int[] bits = digits.data();
        int parts = in.counts().length;
        int groups = 0;
        for (int k = 0; k < parts; k++) {
            groups += 1 << bits[firstBucket + k];
        }
        int[] counts = new int[groups];
        int[] out = new int[in.length()];
        int from = in.offset();
        int outAt = 0;
        int group = 0;
        for (int k = 0; k < parts; k++) {
            int bucket = firstBucket + k;
            int count = in.counts()[k];
            IntRadix.scatterByDigit(in.data(), from, from + count, low(s, bucket), high(s, bucket), bits[bucket], out,
                outAt, counts, group);
            from += count;
            outAt += count;
            group += 1 << bits[bucket];
        }
        scattered.set(new IntBlock(out, 0, counts));
    }

    /** Adds one block to the list of this rank's blocks (in program order: by source rank, then chunk). */
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
     * Sorts bucket {@code bucket} (part {@code part} of this rank) into its place in the slice, after the buckets
     * before it, which hold only smaller (or equal) values: digit by digit of the blocks {@link #scatter} grouped,
     * each digit's runs from every block sorted straight into the slice ({@link IntRadix#sortLeafRuns}).
     */
    @Op
    static void sortPart(@In Cell<IntBlock[]> received, @In IntArray ready, @In IntArray digits, int bucket,
                         int part, @ByRef Output output) {
        IntBlock[] blocks = received.get();
        if (blocks == null) {
            return;
        }
        int[] bits = digits.data();
        int firstGroup = 0;
        for (int k = 0; k < part; k++) {
            firstGroup += 1 << bits[bucket - part + k];
        }
        int groups = 1 << bits[bucket];
        int runs = blocks.length;
        int[][] arrays = new int[runs][];
        int[] starts = new int[runs];
        int[] ends = new int[runs];
        int at = 0;
        for (int b = 0; b < runs; b++) {
            arrays[b] = blocks[b].data();
            starts[b] = blocks[b].partStart(firstGroup);
            at += starts[b] - blocks[b].offset(); // every block's groups before this bucket come first
        }
        int largest = 0;
        for (int g = 0; g < groups; g++) {
            int size = 0;
            for (IntBlock block : blocks) {
                size += block.counts()[firstGroup + g];
            }
            largest = Math.max(largest, size);
        }
        int[] scratch = new int[Math.min(largest, IntRadix.LARGEST_LEAF)];
        int[] counts = new int[3 << IntRadix.MAX_DIGIT_BITS];
        int[] out = output.array;
        for (int g = 0; g < groups; g++) {
            int size = 0;
            for (int b = 0; b < runs; b++) {
                ends[b] = starts[b] + blocks[b].counts()[firstGroup + g];
                size += ends[b] - starts[b];
            }
            IntRadix.sortLeafRuns(arrays, starts, ends, runs, out, at, scratch, counts);
            at += size;
            System.arraycopy(ends, 0, starts, 0, runs);
        }
    }
}
