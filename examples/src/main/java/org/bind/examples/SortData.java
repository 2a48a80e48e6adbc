package org.bind.examples;

import java.util.SplittableRandom;

/**
 * The input of the sort example and benchmark: a sequence of {@code n} pseudo-random ints defined element by
 * element, so that any slice of it can be made on its own (a rank's share, a Spark partition) and every program
 * sorts the same values however it cuts them.
 *
 * <p>Element {@code i} belongs to block {@code i / BLOCK}; a block's elements are drawn in order from a
 * {@link SplittableRandom} seeded with {@code seed + block}. Uniform: {@code nextInt()}. Skewed: one value,
 * {@link #HOT}, a quarter of the time; otherwise {@code MIN_VALUE + u^16 * (2^32 - 1)} for a uniform {@code u}
 * in [0, 1), which piles most values up just above {@code Integer.MIN_VALUE} with a long tail.
 *
 * <p>Thread safe: no state.
 */
public final class SortData {
    /** Elements drawn from one generator. */
    public static final int BLOCK = 1 << 16;
    /** The value a quarter of skewed input takes. */
    public static final int HOT = 1_000_003;

    private SortData() {
    }

    /** Fills {@code out[0, to - from)} with elements {@code [from, to)} of the sequence. */
    public static void fill(int[] out, long from, long to, long seed, boolean skewed) {
        if (from < 0 || to < from || to - from > out.length) {
            throw new IllegalArgumentException("range [" + from + ", " + to + ") does not fit an array of "
                + out.length);
        }
        long i = from;
        int at = 0;
        while (i < to) {
            long block = i / BLOCK;
            long blockEnd = Math.min(to, (block + 1) * BLOCK);
            SplittableRandom random = new SplittableRandom(seed + block);
            for (long skip = block * BLOCK; skip < i; skip++) {
                next(random, skewed);
            }
            for (; i < blockEnd; i++) {
                out[at++] = next(random, skewed);
            }
        }
    }

    /** Elements {@code [from, to)} of the sequence in a new array. */
    public static int[] slice(long from, long to, long seed, boolean skewed) {
        if (to - from > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("slice of " + (to - from) + " ints exceeds the largest Java array");
        }
        int[] out = new int[(int) (to - from)];
        fill(out, from, to, seed, skewed);
        return out;
    }

    /** Where part {@code part} of {@code parts} near-equal parts of {@code n} elements starts ({@code n < 2^40}). */
    public static long partStart(long n, int part, int parts) {
        if (n < 0 || n >= 1L << 40 || part < 0 || part > parts) {
            throw new IllegalArgumentException("part " + part + " of " + parts + " of " + n + " elements");
        }
        return n * part / parts;
    }

    private static int next(SplittableRandom random, boolean skewed) {
        if (!skewed) {
            return random.nextInt();
        }
        if ((random.nextInt() & 3) == 0) {
            return HOT;
        }
        double u = random.nextDouble();
        double u2 = u * u;
        double u4 = u2 * u2;
        double u8 = u4 * u4;
        return (int) (Integer.MIN_VALUE + u8 * u8 * 4294967295.0);
    }

    /**
     * An order-independent checksum of a multiset of ints: the sum of a mixed image of each value, so equal
     * checksums of the input and the sorted output say (with high probability) that no value was lost or changed.
     */
    public static long checksum(int[] values, int from, int to) {
        long sum = 0;
        for (int i = from; i < to; i++) {
            sum += mix(values[i]);
        }
        return sum;
    }

    /** The image of one value in {@link #checksum}. */
    public static long mix(int value) {
        long h = value * 0x9E3779B97F4A7C15L;
        return h ^ (h >>> 29);
    }
}
