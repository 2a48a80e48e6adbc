package org.bind.mapreduce;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Splitters of a sample sort: every rank samples its input, the samples of all ranks are weighed by how many
 * inputs each stands for, and the weighted quantiles cut the values into {@code buckets} ranges of about equal
 * size. The samples make the cut follow the data, however skewed.
 *
 * <p><b>Buckets.</b> With splitters {@code s[0] <= ... <= s[B-2]}, a value {@code v} belongs to bucket
 * {@code #{i : s[i] < v}}, unless it equals some splitters: then it may go to any bucket from
 * {@code #{i : s[i] < v}} to {@code #{i : s[i] <= v}}, and a {@link Finder} deals such ties round-robin. A value
 * that fills many quantiles (one value making up a quarter of the input) is thus spread over the buckets its
 * splitters span instead of overloading one; every bucket still holds only values between its neighbours'.
 *
 * <p>Sample layout, per rank: {@code [input length (high int, low int), samples taken, samples...]}.
 */
final class Splitters {
    /** Samples per bucket and rank. */
    static final int OVERSAMPLING = 128;
    /** Most samples per rank. */
    static final int MAX_SAMPLES = 1 << 16;
    /** Ints ahead of the samples in a rank's sample array. */
    static final int HEADER = 3;

    private Splitters() {
    }

    /** Samples each rank takes for {@code buckets} buckets. */
    static int samplesPerRank(int buckets) {
        return (int) Math.min(MAX_SAMPLES, (long) OVERSAMPLING * buckets);
    }

    /**
     * Draws {@code sample.length - HEADER} values of {@code local} at random positions (with replacement) into
     * {@code sample}, after the header. An empty input takes no samples.
     */
    static void sample(int[] local, int[] sample, long seed) {
        int wanted = sample.length - HEADER;
        sample[0] = (int) ((long) local.length >>> 32);
        sample[1] = local.length;
        if (local.length == 0) {
            sample[2] = 0;
            return;
        }
        sample[2] = wanted;
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < wanted; i++) {
            sample[HEADER + i] = local[random.nextInt(local.length)];
        }
    }

    /**
     * The {@code buckets - 1} splitters from the sample arrays of {@code ranks} ranks, laid out one after another
     * in {@code all}, each {@code perRank + HEADER} ints. Each sample of rank {@code q} weighs
     * {@code length(q) / samples(q)}; splitter {@code b} is the first sample (in value order) at which the
     * cumulative weight reaches {@code (b + 1) / buckets} of the total. No samples anywhere: all zeros.
     */
    static int[] choose(int[] all, int ranks, int perRank, int buckets) {
        int stride = perRank + HEADER;
        double[] weights = new double[ranks];
        int taken = 0;
        double total = 0;
        for (int q = 0; q < ranks; q++) {
            int at = q * stride;
            long length = ((long) all[at] << 32) | (all[at + 1] & 0xFFFFFFFFL);
            int count = all[at + 2];
            if (count < 0 || count > perRank) {
                throw new IllegalStateException("rank " + q + " sent " + count + " samples, expected at most "
                    + perRank);
            }
            if (count > 0) {
                weights[q] = (double) length / count;
                total += length;
                taken += count;
            }
        }
        int[] splitters = new int[buckets - 1];
        if (taken == 0 || splitters.length == 0) {
            return splitters;
        }
        // value in the high half, rank in the low half: sorting orders by value, and the rank gives the weight
        long[] samples = new long[taken];
        int n = 0;
        for (int q = 0; q < ranks; q++) {
            int at = q * stride;
            for (int i = 0; i < all[at + 2]; i++) {
                samples[n++] = ((long) all[at + HEADER + i] << 32) | q;
            }
        }
        Arrays.sort(samples);
        double cumulative = 0;
        int next = 0;
        for (int b = 0; b < splitters.length; b++) {
            double target = total * (b + 1) / buckets;
            while (next < n - 1 && cumulative + weights[(int) samples[next]] < target) {
                cumulative += weights[(int) samples[next]];
                next++;
            }
            splitters[b] = (int) (samples[next] >> 32);
        }
        return splitters;
    }

    /**
     * Finds the bucket of each value, for one partitioning pass: the lower bound by a branch-free binary search
     * over the splitters padded with {@code Integer.MAX_VALUE} to {@code 2^k - 1} entries (straight-line code for
     * up to 15 splitters), then the tie rule of the class comment, whose test is the only branch and is almost
     * never taken on values that do not repeat. Ties are dealt round-robin; a pass repeated over the same values
     * with a fresh finder makes the same choices. Single thread.
     */
    static final class Finder {
        private final int[] splitters;
        private final int[] table;
        private final int[] probe;
        private final int steps;
        private int turn;

        Finder(int[] splitters) {
            this.splitters = splitters;
            int steps = 0;
            while ((1 << steps) - 1 < splitters.length) {
                steps++;
            }
            this.steps = steps;
            this.table = java.util.Arrays.copyOf(splitters, (1 << steps) - 1);
            java.util.Arrays.fill(table, splitters.length, table.length, Integer.MAX_VALUE);
            // probe[lowerBound(v)] == v exactly when v equals a splitter: the extra last entry is the largest
            // splitter, which v exceeds whenever the lower bound points past it
            this.probe = java.util.Arrays.copyOf(splitters, splitters.length + 1);
            probe[splitters.length] = splitters.length == 0 ? 0 : splitters[splitters.length - 1];
        }

        int bucket(int v) {
            int below = lowerBound(v);
            if (probe[below] != v || splitters.length == 0) {
                return below;
            }
            return tie(v, below);
        }

        /** The number of splitters below {@code v}. */
        int lowerBound(int v) {
            int[] t = table;
            int b;
            switch (steps) {
                case 0:
                    return 0;
                case 1:
                    return less(t[0], v);
                case 2:
                    b = less(t[1], v) << 1;
                    return b + less(t[b], v);
                case 3:
                    b = less(t[3], v) << 2;
                    b += less(t[b + 1], v) << 1;
                    return b + less(t[b], v);
                case 4:
                    b = less(t[7], v) << 3;
                    b += less(t[b + 3], v) << 2;
                    b += less(t[b + 1], v) << 1;
                    return b + less(t[b], v);
                default:
                    b = 0;
                    for (int k = steps - 1; k >= 0; k--) {
                        b += less(t[b + (1 << k) - 1], v) << k;
                    }
                    return b;
            }
        }

        /** 1 when {@code a < v}, else 0, by the sign of a long difference: no branch for the JIT to mispredict. */
        private static int less(int a, int v) {
            return (int) (((long) a - v) >>> 63);
        }

        private int tie(int v, int below) {
            int upTo = below;
            while (upTo < splitters.length && splitters[upTo] == v) {
                upTo++;
            }
            int choices = upTo - below + 1;
            int pick = turn++ % choices;
            if (turn == Integer.MAX_VALUE) {
                turn = 0;
            }
            return below + pick;
        }
    }
}
