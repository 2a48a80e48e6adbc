package org.bind.bench;

import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.ForkJoinPool;
import java.util.stream.Collectors;

import org.bind.examples.SortData;
import org.bind.examples.SortExample;

/**
 * The single-JVM baselines of {@link SortBenchmark}, in a JVM of their own: {@link Arrays#sort(int[])} and
 * {@link Arrays#parallelSort(int[])} on the whole input ({@link SortData}), alternating, each on a fresh copy
 * made outside the timing. {@code parallelSort} runs on the common pool, whose parallelism the launching
 * command sets to the cores ({@code -Djava.util.concurrent.ForkJoinPool.common.parallelism}: on 2 cores the
 * default is 1). Prints {@code SORT_RESULT system=arrays_sort ...} and {@code SORT_RESULT system=parallel_sort
 * ... parallelism=<p>}.
 *
 * <p>Arguments: {@code --n N --seed S [--skewed] --reps K --warmup K}.
 */
public final class SortBaselines {
    private SortBaselines() {
    }

    public static void main(String[] args) {
        long n = 0;
        long seed = 0;
        boolean skewed = false;
        int reps = 1;
        int warmup = 0;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--n" -> n = Long.parseLong(args[++i]);
                case "--seed" -> seed = Long.parseLong(args[++i]);
                case "--skewed" -> skewed = true;
                case "--reps" -> reps = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        int[] input = SortData.slice(0, n, seed, skewed);
        long inputSum = SortData.checksum(input, 0, input.length);
        double[] sequential = new double[reps];
        double[] parallel = new double[reps];
        String sequentialCheck = "ok";
        String parallelCheck = "ok";
        for (int i = -warmup; i < reps; i++) {
            int[] copy = input.clone();
            long start = System.nanoTime();
            Arrays.sort(copy);
            double seconds = (System.nanoTime() - start) / 1e9;
            if (i >= 0) {
                sequential[i] = seconds;
            }
            sequentialCheck = worst(sequentialCheck, check(copy, n, inputSum));
            copy = input.clone();
            start = System.nanoTime();
            Arrays.parallelSort(copy);
            seconds = (System.nanoTime() - start) / 1e9;
            if (i >= 0) {
                parallel[i] = seconds;
            }
            parallelCheck = worst(parallelCheck, check(copy, n, inputSum));
        }
        System.out.println("SORT_RESULT system=arrays_sort seconds=" + join(sequential) + " check=" + sequentialCheck);
        System.out.println("SORT_RESULT system=parallel_sort seconds=" + join(parallel) + " check=" + parallelCheck
            + " parallelism=" + ForkJoinPool.getCommonPoolParallelism());
    }

    private static String check(int[] sorted, long n, long inputSum) {
        return SortExample.check(new long[][] {SortExample.summary(n, inputSum, sorted, 0, sorted.length)}, n)
            .replace(' ', '_');
    }

    private static String worst(String sofar, String check) {
        return sofar.equals("ok") ? check : sofar;
    }

    static String join(double[] seconds) {
        return Arrays.stream(seconds).mapToObj(s -> String.format(Locale.ROOT, "%.6f", s))
            .collect(Collectors.joining(","));
    }
}
