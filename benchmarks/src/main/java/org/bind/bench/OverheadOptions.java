package org.bind.bench;

import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Settings of {@link OverheadBenchmark}, from {@code --name value} or {@code --name=value} arguments. Counts
 * take {@code k} / {@code m} suffixes and underscores ({@code 1m}, {@code 200_000}).
 *
 * @param ops           independent empty ops per repetition
 * @param chainOps      dependent ops per repetition
 * @param reps          measured repetitions of every run (the table shows their median)
 * @param workers       worker threads of the runtime and parallelism of the ForkJoinPool baseline
 * @param width         stencil columns
 * @param durationsUs   stencil task durations, µs, largest first
 * @param stencilMs     ideal compute time of one stencil repetition, ms (sets the number of timesteps)
 * @param stencilMaxOps cap on ops of one stencil repetition (short tasks)
 * @param phases        the phases to run, of {@link #PHASES}
 */
record OverheadOptions(int ops, int chainOps, int reps, int workers, int width, double[] durationsUs,
                       double stencilMs, int stencilMaxOps, Set<String> phases) {
    static final List<String> PHASES = List.of("fjp", "empty", "args", "chain", "stencil");

    static final String USAGE = """
        usage: OverheadBenchmark [--ops N] [--chain N] [--reps R] [--workers W] [--width C]
                                 [--durations US,US,...] [--stencil-ms MS] [--stencil-max-ops N]
                                 [--phases fjp,empty,args,chain,stencil]
          --ops N             independent empty ops per repetition (default 1m)
          --chain N           dependent ops per repetition (default 200k)
          --reps R            measured repetitions; the table shows medians (default 5)
          --workers W         worker threads (default: available processors)
          --width C           stencil columns (default: workers)
          --durations LIST    stencil task durations in µs, comma separated
                              (default 1000,500,200,100,50,20,10,5,2,1,0.5)
          --stencil-ms MS     ideal compute time per stencil repetition (default 100)
          --stencil-max-ops N cap on ops per stencil repetition (default 100k)
          --phases LIST       phases to run (default all); figures of skipped ones print as NaN""";

    static OverheadOptions parse(String[] args) {
        int ops = 1_000_000;
        int chainOps = 200_000;
        int reps = 5;
        int workers = Runtime.getRuntime().availableProcessors();
        int width = 0;
        double[] durations = {1000, 500, 200, 100, 50, 20, 10, 5, 2, 1, 0.5};
        double stencilMs = 100;
        int stencilMaxOps = 100_000;
        Set<String> phases = new LinkedHashSet<>(PHASES);
        for (OptionPairs.Option option : OptionPairs.of(args, USAGE)) {
            String name = option.name();
            String value = option.value();
            switch (name) {
                case "--ops" -> ops = count(name, value, 1);
                case "--chain" -> chainOps = count(name, value, 1);
                case "--reps" -> reps = count(name, value, 1);
                case "--workers" -> workers = count(name, value, 1);
                case "--width" -> width = count(name, value, 1);
                case "--durations" -> durations = durations(value);
                case "--stencil-ms" -> stencilMs = positive(name, value);
                case "--stencil-max-ops" -> stencilMaxOps = count(name, value, 1);
                case "--phases" -> phases = phases(value);
                default -> throw new IllegalArgumentException("unknown option " + name + "\n" + USAGE);
            }
        }
        return new OverheadOptions(ops, chainOps, reps, workers, width == 0 ? workers : width, durations,
            stencilMs, stencilMaxOps, Set.copyOf(phases));
    }

    /** Whether {@code phase} is to run. */
    boolean runs(String phase) {
        return phases.contains(phase);
    }

    private static Set<String> phases(String list) {
        Set<String> chosen = new LinkedHashSet<>();
        for (String phase : list.split(",")) {
            String p = phase.trim();
            if (!PHASES.contains(p)) {
                throw new IllegalArgumentException("--phases: unknown phase " + p + ", expected some of " + PHASES);
            }
            chosen.add(p);
        }
        return chosen;
    }

    private static int count(String name, String value, int min) {
        String v = value.replace("_", "").toLowerCase(Locale.ROOT);
        long scale = 1;
        if (v.endsWith("k")) {
            scale = 1_000;
            v = v.substring(0, v.length() - 1);
        } else if (v.endsWith("m")) {
            scale = 1_000_000;
            v = v.substring(0, v.length() - 1);
        }
        long n;
        try {
            n = Long.parseLong(v) * scale;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " " + value + ": not a count");
        }
        if (n < min || n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(name + " " + value + " out of range [" + min + ", "
                + Integer.MAX_VALUE + "]");
        }
        return (int) n;
    }

    private static double positive(String name, String value) {
        double d;
        try {
            d = Double.parseDouble(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " " + value + ": not a number");
        }
        if (!(d > 0) || Double.isInfinite(d)) {
            throw new IllegalArgumentException(name + " " + value + " must be positive");
        }
        return d;
    }

    private static double[] durations(String list) {
        String[] parts = list.split(",");
        double[] us = new double[parts.length];
        for (int i = 0; i < parts.length; i++) {
            us[i] = positive("--durations", parts[i].trim());
        }
        // largest first: the METG scan walks towards shorter tasks
        return Arrays.stream(us).boxed().sorted((a, b) -> Double.compare(b, a)).distinct()
            .mapToDouble(Double::doubleValue).toArray();
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "workers=%d ops=%,d chain=%,d reps=%d width=%d stencil-ms=%s"
            + " stencil-max-ops=%,d%s", workers, ops, chainOps, reps, width, stencilMs, stencilMaxOps,
            phases.containsAll(PHASES) ? "" : " phases=" + String.join(",", PHASES.stream().filter(phases::contains)
                .toList()));
    }
}
