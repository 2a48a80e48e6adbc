package org.bind.mapreduce;

import java.util.Arrays;

/**
 * Radix sort of ints gathered from several runs into one output range: the local sort of {@link Sort}.
 *
 * <p><b>Algorithm.</b> Keys are {@code v - lo} as unsigned numbers of {@code bits} bits, for bounds
 * {@code lo <= v <= hi} that the caller knows (a bucket of a sample sort lies between two splitters) or that one
 * pass over the data finds. When the range holds more than {@link #LEAF} ints, one most-significant-digit pass
 * scatters them from the runs into the output, cut into sub-ranges of at most about {@code LEAF} ints (512 KiB,
 * cache resident) and, where the digit may be that wide, of keys of at most {@link #LEAF_BITS} bits below it, so
 * that two least-significant-digit passes finish them ({@link #msdBits}): gathering and the first pass are one
 * scatter, so no separate copy of the input is made. Each sub-range is then sorted in cache: its exact minimum
 * and maximum first (narrow data needs fewer digits), then least-significant-digit passes of at most
 * {@link #MAX_DIGIT_BITS} bits between the output and a scratch array of the largest sub-range, all of its
 * histograms counted in one pass, passes with a single occupied digit skipped. A sub-range much larger than
 * {@code LEAF} (skewed data, loose bounds) is cut again the same way, on its exact bounds, which strictly shrinks
 * it. Ranges of at most {@link #SMALL} ints are insertion sorted.
 *
 * <p>{@link Sort} makes the most-significant-digit pass block by block as the blocks arrive
 * ({@link #scatterByDigit}) and sorts each digit's runs from all blocks straight into the slice
 * ({@link #sortLeafRuns}).
 *
 * <p>Thread safe: no shared state.
 */
final class IntRadix {
    /** Ranges this small are insertion sorted. */
    static final int SMALL = 48;
    /** The size the most-significant-digit pass aims at for its sub-ranges. */
    static final int LEAF = 1 << 17;
    /** Sub-ranges above this many ints are cut again rather than sorted by least-significant digits. */
    static final int LARGEST_LEAF = 8 * LEAF;
    /** Widest least-significant digit (a histogram of 2^11 counts, 8 KiB). */
    static final int MAX_DIGIT_BITS = 11;
    /** Widest most-significant digit. */
    static final int MAX_MSD_BITS = 12;
    /** Key bits the most-significant-digit pass leaves below it where it can: two least-significant passes. */
    static final int LEAF_BITS = 2 * MAX_DIGIT_BITS;

    private IntRadix() {
    }

    /** Sorts {@code a} ascending in place. */
    static void sort(int[] a) {
        int[] copy = a.clone();
        sortRuns(new int[][] {copy}, new int[] {0}, new int[] {copy.length}, 1, a, 0);
    }

    /**
     * Writes the ints of the runs {@code arrays[r][starts[r], ends[r])}, {@code r < runs}, sorted ascending, into
     * {@code out[outFrom, outFrom + total)}, finding their bounds first. The runs are only read; they must not
     * overlap that output range.
     */
    static void sortRuns(int[][] arrays, int[] starts, int[] ends, int runs, int[] out, int outFrom) {
        int lo = Integer.MAX_VALUE;
        int hi = Integer.MIN_VALUE;
        for (int r = 0; r < runs; r++) {
            int[] a = arrays[r];
            for (int i = starts[r], end = ends[r]; i < end; i++) {
                int v = a[i];
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
        }
        sortRuns(arrays, starts, ends, runs, out, outFrom, lo, hi);
    }

    /**
     * Like {@link #sortRuns(int[][], int[], int[], int, int[], int)}, for runs whose values all lie in
     * {@code [lo, hi]} (bounds that are not tight cost speed, never correctness; values outside them do not sort).
     */
    static void sortRuns(int[][] arrays, int[] starts, int[] ends, int runs, int[] out, int outFrom, int lo, int hi) {
        long total = 0;
        for (int r = 0; r < runs; r++) {
            total += ends[r] - starts[r];
        }
        if (total > out.length - outFrom) {
            throw new IllegalArgumentException(total + " ints do not fit in [" + outFrom + ", " + out.length + ")");
        }
        int n = (int) total;
        if (n == 0) {
            return;
        }
        if (n <= LEAF || lo >= hi) {
            gather(arrays, starts, ends, runs, out, outFrom);
            int[] scratch = n <= SMALL ? null : new int[n];
            leaf(out, outFrom, n, scratch, new int[3 << MAX_DIGIT_BITS]);
            return;
        }
        int bits = bits(lo, hi);
        int msdBits = msdBits(n, lo, hi);
        int shift = bits - msdBits;
        int buckets = 1 << msdBits;
        int[] next = new int[buckets + 1];
        for (int r = 0; r < runs; r++) {
            int[] a = arrays[r];
            for (int i = starts[r], end = ends[r]; i < end; i++) {
                next[((a[i] - lo) >>> shift) + 1]++;
            }
        }
        int largest = 0;
        next[0] = outFrom;
        for (int k = 1; k <= buckets; k++) {
            largest = Math.max(largest, next[k]);
            next[k] += next[k - 1];
        }
        int[] bounds = next.clone();
        for (int r = 0; r < runs; r++) {
            int[] a = arrays[r];
            for (int i = starts[r], end = ends[r]; i < end; i++) {
                int v = a[i];
                out[next[(v - lo) >>> shift]++] = v;
            }
        }
        int[] scratch = new int[Math.min(largest, LARGEST_LEAF)];
        int[] counts = new int[3 << MAX_DIGIT_BITS];
        for (int k = 0; k < buckets; k++) {
            int from = bounds[k];
            int size = bounds[k + 1] - from;
            if (size <= LARGEST_LEAF) {
                leaf(out, from, size, scratch, counts);
            } else {
                int[] again = Arrays.copyOfRange(out, from, from + size);
                sortRuns(new int[][] {again}, new int[] {0}, new int[] {size}, 1, out, from);
            }
        }
    }

    /** Bits of the keys {@code v - lo} of values in {@code [lo, hi]}. */
    static int bits(int lo, int hi) {
        return 64 - Long.numberOfLeadingZeros((long) hi - lo);
    }

    /**
     * Bits of the most-significant-digit pass over {@code n} ints in {@code [lo, hi]}: 0 for at most {@link #LEAF}
     * of them (sorted in cache at once), else enough for sub-ranges of about {@code LEAF} ints and for keys of at
     * most {@link #LEAF_BITS} bits below the digit, at most {@link #MAX_MSD_BITS}.
     */
    static int msdBits(long n, int lo, int hi) {
        if (n <= LEAF || lo >= hi) {
            return 0;
        }
        int bits = bits(lo, hi);
        int forSize = ceilLog2((int) Math.min(Integer.MAX_VALUE, (n + LEAF - 1) / LEAF));
        return Math.min(Math.min(bits, MAX_MSD_BITS), Math.max(forSize, bits - LEAF_BITS));
    }

    /** Sorts {@code a[from, from + n)} in place (in cache), through {@code scratch} of at least {@code n} ints. */
    private static void leaf(int[] a, int from, int n, int[] scratch, int[] counts) {
        if (n <= SMALL) {
            insertionSort(a, from, from + n);
            return;
        }
        int min = Integer.MAX_VALUE;
        int max = Integer.MIN_VALUE;
        for (int i = from, end = from + n; i < end; i++) {
            int v = a[i];
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        if (min != max) {
            lsd(a, from, n, min, 64 - Long.numberOfLeadingZeros((long) max - min), scratch, counts);
        }
    }

    /**
     * The most-significant-digit pass of one run alone: writes {@code a[from, to)}, values in {@code [lo, hi]}, to
     * {@code out} from {@code outFrom} grouped by their top {@code digitBits} key bits ({@link #msdBits}), digit 0
     * first, and sets {@code counts[countsFrom + d]} to the number of values of digit {@code d}. No digit bits: a
     * copy, all values of digit 0.
     */
    static void scatterByDigit(int[] a, int from, int to, int lo, int hi, int digitBits, int[] out, int outFrom,
                               int[] counts, int countsFrom) {
        if (digitBits == 0) {
            System.arraycopy(a, from, out, outFrom, to - from);
            counts[countsFrom] = to - from;
            return;
        }
        int shift = bits(lo, hi) - digitBits;
        int digits = 1 << digitBits;
        int[] next = new int[digits];
        for (int i = from; i < to; i++) {
            next[(a[i] - lo) >>> shift]++;
        }
        int at = outFrom;
        for (int d = 0; d < digits; d++) {
            int count = next[d];
            counts[countsFrom + d] = count;
            next[d] = at;
            at += count;
        }
        for (int i = from; i < to; i++) {
            int v = a[i];
            out[next[(v - lo) >>> shift]++] = v;
        }
    }

    /**
     * Sorts the ints of the runs {@code arrays[r][starts[r], ends[r])}, {@code r < runs}, into
     * {@code out[outFrom, outFrom + total)}: the runs of one digit of a most-significant-digit pass made run by run
     * ({@link #scatterByDigit}). Least-significant-digit passes as in a cache-sized sub-range, of which the first
     * reads the runs and the last writes the output, so that no pass only gathers; the others go between
     * {@code scratch} and the output. More ints than {@code scratch} holds (skewed data): gathered, then sorted in
     * place as {@link #sortRuns} does.
     */
    static void sortLeafRuns(int[][] arrays, int[] starts, int[] ends, int runs, int[] out, int outFrom,
                             int[] scratch, int[] counts) {
        int n = 0;
        int min = Integer.MAX_VALUE;
        int max = Integer.MIN_VALUE;
        for (int r = 0; r < runs; r++) {
            int[] a = arrays[r];
            n += ends[r] - starts[r];
            for (int i = starts[r], end = ends[r]; i < end; i++) {
                int v = a[i];
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
        }
        if (n <= SMALL || min == max || n > scratch.length) {
            gather(arrays, starts, ends, runs, out, outFrom);
            if (n > LARGEST_LEAF) {
                int[] again = Arrays.copyOfRange(out, outFrom, outFrom + n);
                sortRuns(new int[][] {again}, new int[] {0}, new int[] {n}, 1, out, outFrom, min, max);
            } else if (min != max) {
                leaf(out, outFrom, n, n > scratch.length ? new int[n] : scratch, counts);
            }
            return;
        }
        int bits = bits(min, max);
        int passes = (bits + MAX_DIGIT_BITS - 1) / MAX_DIGIT_BITS;
        int width = (bits + passes - 1) / passes;
        int radix = 1 << width;
        int mask = radix - 1;
        Arrays.fill(counts, 0, passes * radix, 0);
        for (int r = 0; r < runs; r++) {
            int[] a = arrays[r];
            for (int i = starts[r], end = ends[r]; i < end; i++) {
                int key = a[i] - min;
                counts[key & mask]++;
                if (passes > 1) {
                    counts[radix + ((key >>> width) & mask)]++;
                    if (passes > 2) {
                        counts[2 * radix + ((key >>> (2 * width)) & mask)]++;
                    }
                }
            }
        }
        int[] order = new int[passes];
        int effective = 0;
        for (int p = 0; p < passes; p++) {
            if (!singleDigit(counts, p * radix, radix, n)) {
                order[effective++] = p;
            }
        }
        // the last pass lands in the output: the first goes there when the count is odd
        int[] target = (effective & 1) == 1 ? out : scratch;
        int targetFrom = target == out ? outFrom : 0;
        int[] source = null;
        int sourceFrom = 0;
        for (int e = 0; e < effective; e++) {
            int base = order[e] * radix;
            int shift = order[e] * width;
            int at = targetFrom;
            for (int d = 0; d < radix; d++) {
                int count = counts[base + d];
                counts[base + d] = at;
                at += count;
            }
            if (e == 0) {
                for (int r = 0; r < runs; r++) {
                    int[] a = arrays[r];
                    for (int i = starts[r], end = ends[r]; i < end; i++) {
                        int v = a[i];
                        target[counts[base + (((v - min) >>> shift) & mask)]++] = v;
                    }
                }
            } else {
                for (int i = sourceFrom, end = sourceFrom + n; i < end; i++) {
                    int v = source[i];
                    target[counts[base + (((v - min) >>> shift) & mask)]++] = v;
                }
            }
            source = target;
            sourceFrom = targetFrom;
            target = source == out ? scratch : out;
            targetFrom = target == out ? outFrom : 0;
        }
    }

    /** Copies the runs one after another into {@code out} from {@code outFrom}. */
    private static void gather(int[][] arrays, int[] starts, int[] ends, int runs, int[] out, int outFrom) {
        int at = outFrom;
        for (int r = 0; r < runs; r++) {
            int length = ends[r] - starts[r];
            System.arraycopy(arrays[r], starts[r], out, at, length);
            at += length;
        }
    }

    /**
     * Sorts {@code a[lo, lo + n)} by the {@code bits} low bits of {@code v - min} (all keys fit in them), least
     * significant digit first, through {@code scratch} (at least {@code n} long).
     */
    private static void lsd(int[] a, int lo, int n, int min, int bits, int[] scratch, int[] counts) {
        int passes = (bits + MAX_DIGIT_BITS - 1) / MAX_DIGIT_BITS;
        int width = (bits + passes - 1) / passes;
        int radix = 1 << width;
        int mask = radix - 1;
        Arrays.fill(counts, 0, passes * radix, 0);
        int end = lo + n;
        if (passes == 1) {
            for (int i = lo; i < end; i++) {
                counts[(a[i] - min) & mask]++;
            }
        } else if (passes == 2) {
            for (int i = lo; i < end; i++) {
                int key = a[i] - min;
                counts[key & mask]++;
                counts[radix + ((key >>> width) & mask)]++;
            }
        } else {
            for (int i = lo; i < end; i++) {
                int key = a[i] - min;
                counts[key & mask]++;
                counts[radix + ((key >>> width) & mask)]++;
                counts[2 * radix + ((key >>> (2 * width)) & mask)]++;
            }
        }
        int[] source = a;
        int sourceFrom = lo;
        int[] target = scratch;
        int targetFrom = 0;
        for (int p = 0; p < passes; p++) {
            int base = p * radix;
            if (singleDigit(counts, base, radix, n)) {
                continue;
            }
            int at = targetFrom;
            for (int d = 0; d < radix; d++) {
                int count = counts[base + d];
                counts[base + d] = at;
                at += count;
            }
            int shift = p * width;
            for (int i = sourceFrom, sourceEnd = sourceFrom + n; i < sourceEnd; i++) {
                int v = source[i];
                target[counts[base + (((v - min) >>> shift) & mask)]++] = v;
            }
            int[] swapArray = source;
            source = target;
            target = swapArray;
            int swapFrom = sourceFrom;
            sourceFrom = targetFrom;
            targetFrom = swapFrom;
        }
        if (source != a) {
            System.arraycopy(source, sourceFrom, a, lo, n);
        }
    }

    private static boolean singleDigit(int[] counts, int base, int radix, int n) {
        for (int d = 0; d < radix; d++) {
            int count = counts[base + d];
            if (count != 0) {
                return count == n;
            }
        }
        return false;
    }

    static void insertionSort(int[] a, int from, int to) {
        for (int i = from + 1; i < to; i++) {
            int v = a[i];
            int j = i - 1;
            while (j >= from && a[j] > v) {
                a[j + 1] = a[j];
                j--;
            }
            a[j + 1] = v;
        }
    }

    /** The least {@code k} with {@code 2^k >= n}, for {@code n >= 1}. */
    static int ceilLog2(int n) {
        return n <= 1 ? 0 : 32 - Integer.numberOfLeadingZeros(n - 1);
    }
}
