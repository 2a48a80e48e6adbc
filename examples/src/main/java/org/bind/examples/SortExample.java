package org.bind.examples;

import java.util.Arrays;
import java.util.Locale;

import org.bind.Bind;
import org.bind.ByRef;
import org.bind.Op;
import org.bind.Out;
import org.bind.Scope;
import org.bind.Shared;
import org.bind.mapreduce.Sort;

/**
 * Distributed sort of {@code n} ints: each rank generates its share ({@link SortData}: uniform, or skewed), calls
 * {@link Sort#ints}, and gets its slice of the sorted whole. Then each rank summarises its input and its slice
 * in an op placed on it (count, order-independent checksum, smallest and largest value, whether the slice is
 * sorted), every rank reads all summaries, and the run is checked: every slice sorted, each rank's values no
 * larger than the next non-empty rank's, as many values out as in, and equal checksums.
 *
 * <p>Options: {@code --n N} (default 8,000,000), {@code --skewed}, {@code --parts P} (pieces per rank, default
 * the worker count), {@code --warmup W} sorts before the timed ones (default 1), {@code --reps R} timed sorts
 * (default 1), {@code --seed S}. Each timed sort runs between two {@code sync()}s. Rank 0 prints the times, the
 * throughput and {@code check: ok}.
 */
public final class SortExample {
    private SortExample() {
    }

    /** The run's settings; {@code parts == 0} means the worker count. */
    public record Params(long n, boolean skewed, int parts, int warmup, int reps, long seed) {
        public static final long N_DEFAULT = 8_000_000;
        public static final long SEED_DEFAULT = 42;

        public Params {
            if (n < 0 || n >= 1L << 40) {
                throw new IllegalArgumentException("--n " + n + " out of range [0, 2^40)");
            }
            if (parts < 0 || parts > Sort.MAX_PARTS) {
                throw new IllegalArgumentException("--parts " + parts + " out of range [1, " + Sort.MAX_PARTS + "]");
            }
            if (warmup < 0) {
                throw new IllegalArgumentException("--warmup " + warmup + " is negative");
            }
            if (reps < 1) {
                throw new IllegalArgumentException("--reps " + reps + " must be at least 1");
            }
        }

        /** Parses {@code --n N --skewed --parts P --warmup W --reps R --seed S} (each optional, any order). */
        public static Params parse(String... args) {
            long n = N_DEFAULT;
            boolean skewed = false;
            int parts = 0;
            int warmup = 1;
            int reps = 1;
            long seed = SEED_DEFAULT;
            for (int i = 0; i < args.length; i++) {
                String option = args[i];
                if (option.equals("--skewed")) {
                    skewed = true;
                    continue;
                }
                if (i + 1 == args.length) {
                    throw new IllegalArgumentException("option " + option + " needs a value");
                }
                String value = args[++i];
                switch (option) {
                    case "--n" -> n = parseLong(option, value);
                    case "--parts" -> parts = (int) Math.min(Integer.MAX_VALUE, parseLong(option, value));
                    case "--warmup" -> warmup = (int) Math.min(Integer.MAX_VALUE, parseLong(option, value));
                    case "--reps" -> reps = (int) Math.min(Integer.MAX_VALUE, parseLong(option, value));
                    case "--seed" -> seed = parseLong(option, value);
                    default -> throw new IllegalArgumentException("unknown option " + option
                        + "; expected --n N, --skewed, --parts P, --warmup W, --reps R, --seed S");
                }
            }
            return new Params(n, skewed, parts, warmup, reps, seed);
        }

        private static long parseLong(String option, String value) {
            try {
                return Long.parseLong(value.replace("_", ""));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("option " + option + " needs an integer, got '" + value + "'");
            }
        }
    }

    /**
     * The outcome: seconds of each timed sort, this rank's slice length, every rank's slice length, every rank's
     * peak resident memory ({@code VmHWM} of its process after the sorts, -1 where unknown), and the check
     * ({@code "ok"} or what failed).
     */
    public record Result(long n, int ranks, int parts, double[] seconds, int sliceLength, long[] sliceLengths,
                         long[] peakResidentBytes, String check) {
        /** Whether the check passed. */
        public boolean ok() {
            return check.equals("ok");
        }

        /** The median of the timed sorts. */
        public double medianSeconds() {
            double[] sorted = seconds.clone();
            Arrays.sort(sorted);
            int m = sorted.length / 2;
            return sorted.length % 2 == 1 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
        }
    }

    public static void main(String[] args) {
        try (Bind bind = Bind.init(args)) {
            Params params = Params.parse(bind.args());
            Result result = run(bind, params);
            if (bind.rank() == 0) {
                print(params, result, bind.workers());
            }
            if (!result.ok()) {
                throw new IllegalStateException("sort check failed: " + result.check());
            }
        }
    }

    private static void print(Params params, Result result, int workers) {
        System.out.printf(Locale.ROOT, "sort: %d %s ints on %d rank(s) x %d part(s), %d worker(s) per rank%n",
            params.n(), params.skewed() ? "skewed" : "uniform", result.ranks(), result.parts(), workers);
        for (int i = 0; i < result.seconds().length; i++) {
            System.out.printf(Locale.ROOT, "  sort %d: %.4f s, %.1f M ints/s%n", i + 1, result.seconds()[i],
                params.n() / result.seconds()[i] / 1e6);
        }
        System.out.println("  slices: " + Arrays.toString(result.sliceLengths()));
        long[] peak = result.peakResidentBytes();
        if (Arrays.stream(peak).allMatch(bytes -> bytes >= 0)) {
            System.out.println("  peak resident memory per rank (MiB): "
                + Arrays.toString(Arrays.stream(peak).map(bytes -> bytes >> 20).toArray()) + ", total "
                + (Arrays.stream(peak).sum() >> 20) + " MiB");
        }
        System.out.println("  check: " + result.check());
    }

    /** Runs the example on every rank. Program thread; collective. */
    public static Result run(Bind bind, Params params) {
        int rank = bind.rank();
        int ranks = bind.size();
        int parts = params.parts() == 0 ? bind.workers() : params.parts();
        int[] local = SortData.slice(SortData.partStart(params.n(), rank, ranks),
            SortData.partStart(params.n(), rank + 1, ranks), params.seed(), params.skewed());
        for (int i = 0; i < params.warmup(); i++) {
            Sort.ints(bind, local, parts);
        }
        double[] seconds = new double[params.reps()];
        int[] slice = null;
        for (int i = 0; i < params.reps(); i++) {
            slice = null; // the previous slice may go while the next is sorted
            bind.sync();
            long start = System.nanoTime();
            slice = Sort.ints(bind, local, parts);
            bind.sync();
            seconds[i] = (System.nanoTime() - start) / 1e9;
        }
        @SuppressWarnings("unchecked")
        Shared<long[]>[] summaries = new Shared[ranks];
        for (int r = 0; r < ranks; r++) {
            summaries[r] = Shared.of(new long[SUMMARY_LENGTH + 1]);
            try (Scope s = bind.on(r)) {
                summarize(local, slice, summaries[r]);
            }
        }
        bind.sync();
        long[][] all = new long[ranks][];
        for (int r = 0; r < ranks; r++) {
            all[r] = summaries[r].get();
        }
        long[] lengths = new long[ranks];
        long[] peak = new long[ranks];
        for (int r = 0; r < ranks; r++) {
            lengths[r] = all[r][COUNT_OUT];
            peak[r] = all[r][PEAK_RESIDENT];
        }
        return new Result(params.n(), ranks, parts, seconds, slice.length, lengths, peak, check(all, params.n()));
    }

    private static final int COUNT_IN = 0;
    private static final int SUM_IN = 1;
    private static final int COUNT_OUT = 2;
    private static final int SUM_OUT = 3;
    private static final int MIN = 4;
    private static final int MAX = 5;
    private static final int SORTED = 6;
    private static final int SUMMARY_LENGTH = 7;
    /** Only in a rank's summary: its process's peak resident memory. */
    private static final int PEAK_RESIDENT = SUMMARY_LENGTH;

    @Op
    static void summarize(@ByRef int[] input, @ByRef int[] slice, @Out Shared<long[]> summary) {
        long[] s = Arrays.copyOf(summary(input.length, SortData.checksum(input, 0, input.length), slice, 0,
            slice.length), SUMMARY_LENGTH + 1);
        s[PEAK_RESIDENT] = peakResidentBytes();
        summary.set(s);
    }

    /** This process's peak resident memory ({@code VmHWM} in {@code /proc/self/status}), or -1 when unknown. */
    public static long peakResidentBytes() {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    String[] fields = line.substring(6).trim().split("\\s+");
                    return Long.parseLong(fields[0]) * (fields.length > 1 && fields[1].equals("kB") ? 1024 : 1);
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /**
     * What {@link #check} needs of one piece of a sorted output ({@code out[from, to)}) and the input it came from
     * (its count and {@link SortData#checksum}; both may be 0 when the input is accounted elsewhere):
     * {@code [input count, input checksum, output count, output checksum, smallest, largest, sorted (1 or 0)]}.
     */
    public static long[] summary(long countIn, long sumIn, int[] out, int from, int to) {
        long[] s = new long[SUMMARY_LENGTH];
        s[COUNT_IN] = countIn;
        s[SUM_IN] = sumIn;
        s[COUNT_OUT] = to - from;
        s[SUM_OUT] = SortData.checksum(out, from, to);
        s[MIN] = to == from ? 0 : out[from];
        s[MAX] = to == from ? 0 : out[to - 1];
        boolean sorted = true;
        for (int i = from + 1; i < to && sorted; i++) {
            sorted = out[i - 1] <= out[i];
        }
        s[SORTED] = sorted ? 1 : 0;
        return s;
    }

    /**
     * "ok", or the first property the {@link #summary summaries} of the pieces of a sorted output, in order,
     * violate: every piece sorted, no piece starting below an earlier non-empty piece's largest value, {@code n}
     * values in and out, equal checksums.
     */
    public static String check(long[][] summaries, long n) {
        long in = 0;
        long out = 0;
        long sumIn = 0;
        long sumOut = 0;
        long previousMax = Long.MIN_VALUE;
        for (int r = 0; r < summaries.length; r++) {
            long[] s = summaries[r];
            in += s[COUNT_IN];
            out += s[COUNT_OUT];
            sumIn += s[SUM_IN];
            sumOut += s[SUM_OUT];
            if (s[SORTED] != 1) {
                return "piece " + r + " is not sorted";
            }
            if (s[COUNT_OUT] > 0) {
                if (s[MIN] < previousMax) {
                    return "piece " + r + "'s smallest value " + s[MIN] + " is below an earlier piece's largest "
                        + previousMax;
                }
                previousMax = s[MAX];
            }
        }
        if (in != n || out != n) {
            return in + " ints generated and " + out + " sorted, expected " + n;
        }
        if (sumIn != sumOut) {
            return "checksums differ: input " + Long.toHexString(sumIn) + ", output " + Long.toHexString(sumOut);
        }
        return "ok";
    }
}
