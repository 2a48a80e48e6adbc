package org.bind.bench;

import java.util.Locale;
import java.util.Set;

/**
 * Settings of {@link SortBenchmark}, from {@code --name value} or {@code --name=value} arguments. Counts take
 * {@code k} / {@code m} / {@code g} suffixes and underscores ({@code 8m}, {@code 64_000_000}).
 *
 * @param n               ints sorted (each system sorts the same {@code n} values)
 * @param ranks           Bind ranks (processes)
 * @param workers         worker threads per rank
 * @param parts           pieces per rank of {@code Sort.ints}
 * @param reps            timed sorts per system; the result uses the median
 * @param warmup          untimed sorts per system before them
 * @param rounds          rounds of Bind and the JDK sorts, around the Spark run
 * @param sparkReps       timed Spark jobs (they are slow)
 * @param sparkPartitions partitions of the Spark RDD
 * @param skewed          skewed input instead of uniform
 * @param seed            seed of the input
 * @param cores           the cores every system gets (Spark {@code local[cores]}, the common pool's parallelism)
 * @param rankHeapMb      heap of each rank's JVM
 * @param baselineHeapMb  heap of the JVM of {@code Arrays.sort} and {@code Arrays.parallelSort}
 * @param sparkHeapMb     heap of the Spark JVM
 * @param spark           whether to run Spark
 */
record SortOptions(long n, int ranks, int workers, int parts, int reps, int warmup, int rounds, int sparkReps,
                   int sparkPartitions, boolean skewed, long seed, int cores, int rankHeapMb, int baselineHeapMb,
                   int sparkHeapMb, boolean spark) {
    static final String USAGE = """
        usage: bin/bench sort [--n N] [--ranks R] [--workers W] [--parts P] [--reps K] [--warmup K] [--rounds K]
                              [--spark-reps K] [--spark-partitions P] [--skewed] [--seed S] [--cores C]
                              [--rank-heap-mb MB] [--baseline-heap-mb MB] [--spark-heap-mb MB] [--no-spark]
          --n N                 ints to sort (default 8m)
          --ranks R             Bind ranks, one process each (default 2)
          --workers W           worker threads per rank (default: cores / ranks, at least 1)
          --parts P             pieces per rank of Sort.ints (default: workers)
          --reps K              timed sorts per system, median reported (default 5)
          --warmup K            untimed sorts per system first (default 2)
          --rounds K            rounds of Bind and the JDK sorts, Spark in the middle; medians pool them
                                (default 2)
          --spark-reps K        timed Spark jobs (default 3; one untimed job first)
          --spark-partitions P  partitions of the Spark RDD (default 16)
          --skewed              skewed input (a quarter one value, the rest piled up near Integer.MIN_VALUE)
          --seed S              input seed (default 42)
          --cores C             cores for every system (default: available processors)
          --rank-heap-mb MB     heap per rank (default: enough for n / ranks)
          --baseline-heap-mb MB heap of the Arrays.sort / parallelSort JVM (default: enough for n)
          --spark-heap-mb MB    heap of the Spark JVM (default: 128 bytes per int + 1 GiB)
          --no-spark            skip Spark (spark_seconds and its speed-up print as NaN)""";

    static SortOptions parse(String[] args) {
        long n = 8_000_000;
        int ranks = 2;
        int workers = 0;
        int parts = 0;
        int reps = 5;
        int warmup = 2;
        int rounds = 2;
        int sparkReps = 3;
        int sparkPartitions = 16;
        boolean skewed = false;
        long seed = 42;
        int cores = Runtime.getRuntime().availableProcessors();
        int rankHeap = 0;
        int baselineHeap = 0;
        int sparkHeap = 0;
        boolean spark = true;
        for (OptionPairs.Option option : OptionPairs.of(args, USAGE, Set.of("--skewed", "--no-spark"))) {
            String name = option.name();
            String value = option.value();
            if (name.equals("--skewed")) {
                skewed = true;
                continue;
            }
            if (name.equals("--no-spark")) {
                spark = false;
                continue;
            }
            switch (name) {
                case "--n" -> n = count(name, value, 0, 1L << 40);
                case "--ranks" -> ranks = (int) count(name, value, 1, 4096);
                case "--workers" -> workers = (int) count(name, value, 1, 4096);
                case "--parts" -> parts = (int) count(name, value, 1, 4096);
                case "--reps" -> reps = (int) count(name, value, 1, 1000);
                case "--warmup" -> warmup = (int) count(name, value, 0, 1000);
                case "--rounds" -> rounds = (int) count(name, value, 1, 100);
                case "--spark-reps" -> sparkReps = (int) count(name, value, 1, 1000);
                case "--spark-partitions" -> sparkPartitions = (int) count(name, value, 1, 100_000);
                case "--seed" -> seed = count(name, value, Long.MIN_VALUE, Long.MAX_VALUE);
                case "--cores" -> cores = (int) count(name, value, 1, 4096);
                case "--rank-heap-mb" -> rankHeap = (int) count(name, value, 64, 1 << 20);
                case "--baseline-heap-mb" -> baselineHeap = (int) count(name, value, 64, 1 << 20);
                case "--spark-heap-mb" -> sparkHeap = (int) count(name, value, 64, 1 << 20);
                default -> throw new IllegalArgumentException("unknown option " + name + "\n" + USAGE);
            }
        }
        if (workers == 0) {
            workers = Math.max(1, cores / ranks);
        }
        if (parts == 0) {
            parts = workers;
        }
        long perRank = (n + ranks - 1) / ranks;
        if (perRank > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("--n " + n + " over " + ranks + " ranks exceeds the largest Java array"
                + " per rank; use more ranks");
        }
        if (rankHeap == 0) {
            rankHeap = heapMb(perRank * 4 * 6);
        }
        if (baselineHeap == 0) {
            baselineHeap = heapMb(n * 4 * 4);
        }
        if (sparkHeap == 0) {
            sparkHeap = heapMb(n * 128 + (512L << 20)); // boxed, cached, shuffled: generous, so GC never decides
        }
        return new SortOptions(n, ranks, workers, parts, reps, warmup, rounds, sparkReps, sparkPartitions, skewed,
            seed, cores, rankHeap, baselineHeap, sparkHeap, spark);
    }

    /** A heap of {@code bytes} plus 512 MiB, in MiB. */
    private static int heapMb(long bytes) {
        return (int) Math.min(1 << 20, (bytes >> 20) + 512);
    }

    static long count(String name, String value, long min, long max) {
        String v = value.replace("_", "").toLowerCase(Locale.ROOT);
        long scale = 1;
        if (v.endsWith("k")) {
            scale = 1_000;
        } else if (v.endsWith("m")) {
            scale = 1_000_000;
        } else if (v.endsWith("g")) {
            scale = 1_000_000_000;
        }
        if (scale != 1) {
            v = v.substring(0, v.length() - 1);
        }
        long parsed;
        try {
            parsed = Math.multiplyExact(Long.parseLong(v), scale);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException(name + " " + value + ": not a count");
        }
        if (parsed < min || parsed > max) {
            throw new IllegalArgumentException(name + " " + value + " out of range [" + min + ", " + max + "]");
        }
        return parsed;
    }

    /** The input options every sorting program takes. */
    String[] inputArgs() {
        return skewed ? new String[] {"--n", Long.toString(n), "--seed", Long.toString(seed), "--skewed"}
            : new String[] {"--n", Long.toString(n), "--seed", Long.toString(seed)};
    }
}
