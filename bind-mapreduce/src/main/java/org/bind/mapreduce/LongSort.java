package org.bind.mapreduce;

import java.util.Arrays;
import java.util.SplittableRandom;

import org.bind.Bind;
import org.bind.ByRef;
import org.bind.In;
import org.bind.IntArray;
import org.bind.LongArray;
import org.bind.Op;
import org.bind.Out;
import org.bind.Scope;

/**
 * The sample sort of {@code long} keys, with an optional {@code int} payload per key, behind {@link Sort#longs}
 * and {@link Sort#byKey}: the pipeline of {@link Sort#ints} (sample, choose splitters as weighted quantiles, cut
 * each chunk by bucket, one all-to-all exchange as implicit transfers, sort each bucket into place), with two
 * differences. A key goes to bucket {@code #{splitters < key}}, so equal keys always share a bucket; and each
 * bucket is sorted by a stable least-significant-digit radix sort (8 bits a pass, passes where every key has the
 * same digit skipped), so equal keys keep their input order: by source rank, then by position there. A payload
 * travels with its key.
 */
final class LongSort {
    private static final int HEADER = 2; // input length, samples taken

    private LongSort() {
    }

    /** A rank's slice: keys and payloads, allocated by {@link #prepare}, filled bucket by bucket. */
    static final class Output {
        volatile long[] keys;
        volatile int[] payload;
    }

    /** Sorts every rank's keys (and payloads, when not null) and returns this rank's slice. Collective. */
    static Output sort(Bind bind, long[] keys, int[] payload, String call) {
        int ranks = bind.size();
        int parts = bind.workers();
        int buckets = ranks * parts;
        int perRank = Splitters.samplesPerRank(buckets);
        Collective.check(bind, call, Collective::sort);

        LongArray all = LongArray.of(ranks * (perRank + HEADER));
        for (int q = 0; q < ranks; q++) {
            LongArray sample = LongArray.of(perRank + HEADER);
            try (Scope s = bind.on(q)) {
                sample(keys, sample, Sort.SAMPLE_SEED + q);
            }
            collect(all, sample, q);
        }
        LongArray splitters = LongArray.of(buckets - 1);
        choose(all, splitters, ranks, perRank, buckets);

        @SuppressWarnings("unchecked")
        Cell<LongRun>[][] runs = new Cell[ranks * parts][ranks];
        for (int q = 0; q < ranks; q++) {
            try (Scope s = bind.on(q)) {
                for (int c = 0; c < parts; c++) {
                    Cell<LongRun[]> partitioned = Cell.of(LongRun.ARRAY_CODEC);
                    partition(keys, payload, c, parts, splitters, ranks, parts, partitioned);
                    for (int k = 0; k < ranks; k++) { // own run first, as in Sort.ints
                        int d = (q + k) % ranks;
                        runs[q * parts + c][d] = Cell.of(LongRun.CODEC);
                        extract(partitioned, d, runs[q * parts + c][d]);
                    }
                    PairOps.release(partitioned);
                }
            }
        }
        Output output = new Output();
        for (int d = 0; d < ranks; d++) {
            try (Scope s = bind.on(d)) {
                Cell<LongRun[]> received = Cell.of(LongRun.ARRAY_CODEC, LongRun[]::clone);
                for (Cell<LongRun>[] fromChunk : runs) {
                    append(received, fromChunk[d]);
                }
                IntArray ready = IntArray.of(0);
                prepare(received, output, ready);
                for (int part = 0; part < parts; part++) {
                    sortPart(received, ready, part, output);
                }
                PairOps.release(received);
            }
        }
        for (int q = 0; q < ranks; q++) {
            try (Scope s = bind.on(q)) {
                for (int c = 0; c < parts; c++) {
                    for (Cell<LongRun> run : runs[q * parts + c]) {
                        PairOps.release(run);
                    }
                }
            }
        }
        Collective.sync(bind, call, Collective::sort);
        return output;
    }

    /** Samples of {@code keys} at random positions, after {@code [length, taken]}. */
    @Op
    static void sample(@ByRef long[] keys, @Out LongArray sample, long seed) {
        long[] out = sample.data();
        int wanted = out.length - HEADER;
        out[0] = keys.length;
        out[1] = keys.length == 0 ? 0 : wanted;
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; keys.length > 0 && i < wanted; i++) {
            out[HEADER + i] = keys[random.nextInt(keys.length)];
        }
    }

    @Op
    static void collect(LongArray all, @In LongArray sample, int rank) {
        long[] from = sample.data();
        System.arraycopy(from, 0, all.data(), rank * from.length, from.length);
    }

    /** Splitter {@code b}: the first sample (in key order) where the weight reaches {@code (b + 1) / buckets}. */
    @Op
    static void choose(@In LongArray all, @Out LongArray splitters, int ranks, int perRank, int buckets) {
        long[] in = all.data();
        int stride = perRank + HEADER;
        int taken = 0;
        double total = 0;
        for (int q = 0; q < ranks; q++) {
            taken += (int) in[q * stride + 1];
            total += in[q * stride];
        }
        long[] out = splitters.data();
        if (taken == 0 || out.length == 0) {
            return;
        }
        long[] samples = new long[taken];
        double[] weights = new double[taken];
        Integer[] order = new Integer[taken];
        int n = 0;
        for (int q = 0; q < ranks; q++) {
            int count = (int) in[q * stride + 1];
            for (int i = 0; i < count; i++) {
                samples[n] = in[q * stride + HEADER + i];
                weights[n] = (double) in[q * stride] / count;
                order[n] = n;
                n++;
            }
        }
        Arrays.sort(order, (a, b) -> Long.compare(samples[a], samples[b]));
        double cumulative = 0;
        int next = 0;
        for (int b = 0; b < out.length; b++) {
            double target = total * (b + 1) / buckets;
            while (next < n - 1 && cumulative + weights[order[next]] < target) {
                cumulative += weights[order[next]];
                next++;
            }
            out[b] = samples[order[next]];
        }
    }

    /** Cuts chunk {@code chunk} of the input by bucket: one run per destination rank (two passes: count, place). */
    @Op
    static void partition(@ByRef long[] keys, @ByRef int[] payload, int chunk, int chunks,
                          @In LongArray splitters, int ranks, int parts, @Out Cell<LongRun[]> partitioned) {
        int from = (int) ((long) keys.length * chunk / chunks);
        int to = (int) ((long) keys.length * (chunk + 1) / chunks);
        long[] s = splitters.data();
        int buckets = ranks * parts;
        int[] bucketOf = new int[to - from];
        int[] counts = new int[buckets];
        for (int i = from; i < to; i++) {
            int b = bucket(s, keys[i]);
            bucketOf[i - from] = b;
            counts[b]++;
        }
        LongRun[] runs = new LongRun[ranks];
        int[] next = new int[buckets];
        for (int d = 0; d < ranks; d++) {
            int size = 0;
            for (int k = 0; k < parts; k++) {
                next[d * parts + k] = size;
                size += counts[d * parts + k];
            }
            runs[d] = new LongRun(new long[size], payload == null ? null : new int[size],
                Arrays.copyOfRange(counts, d * parts, (d + 1) * parts));
        }
        for (int i = from; i < to; i++) {
            int b = bucketOf[i - from];
            LongRun run = runs[b / parts];
            int at = next[b]++;
            run.keys()[at] = keys[i];
            if (payload != null) {
                run.payload()[at] = payload[i];
            }
        }
        partitioned.set(runs);
    }

    /** {@code #{splitters < key}}: equal keys share a bucket. */
    static int bucket(long[] splitters, long key) {
        int lo = 0;
        int hi = splitters.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (splitters[mid] < key) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    @Op
    static void extract(@In Cell<LongRun[]> partitioned, int rank, @Out Cell<LongRun> run) {
        run.set(partitioned.get()[rank]);
    }

    /** Adds one received run (in program order: by source rank, then chunk). */
    @Op
    static void append(Cell<LongRun[]> received, @In Cell<LongRun> run) {
        LongRun[] before = received.get();
        LongRun[] after = before == null ? new LongRun[1] : Arrays.copyOf(before, before.length + 1);
        after[after.length - 1] = run.get();
        received.set(after);
    }

    @Op
    static void prepare(@In Cell<LongRun[]> received, @ByRef Output output, @Out IntArray ready) {
        long total = 0;
        boolean payload = false;
        for (LongRun run : received.get()) {
            total += run.keys().length;
            payload = run.payload() != null;
        }
        if (total > Integer.MAX_VALUE - 16) {
            throw new IllegalStateException("this rank's slice of " + total + " keys exceeds the largest Java array;"
                + " use more ranks");
        }
        output.payload = payload ? new int[(int) total] : null;
        output.keys = new long[(int) total];
    }

    /** Sorts bucket {@code part} of the received runs into its place: after the buckets before it. */
    @Op
    static void sortPart(@In Cell<LongRun[]> received, @In IntArray ready, int part, @ByRef Output output) {
        LongRun[] runs = received.get();
        int base = 0;
        int n = 0;
        for (LongRun run : runs) {
            base += run.partStart(part);
            n += run.counts()[part];
        }
        long[] keys = new long[n];
        int[] payload = output.payload == null ? null : new int[n];
        int at = 0;
        for (LongRun run : runs) {
            int start = run.partStart(part);
            int count = run.counts()[part];
            System.arraycopy(run.keys(), start, keys, at, count);
            if (payload != null) {
                System.arraycopy(run.payload(), start, payload, at, count);
            }
            at += count;
        }
        LongRadix.sort(keys, payload);
        System.arraycopy(keys, 0, output.keys, base, n);
        if (payload != null) {
            System.arraycopy(payload, 0, output.payload, base, n);
        }
    }
}
