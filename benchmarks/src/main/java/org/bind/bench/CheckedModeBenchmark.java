package org.bind.bench;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.Locale;

import org.bind.Bind;
import org.bind.DoubleArray;
import org.bind.In;
import org.bind.Op;
import org.bind.Out;

/**
 * What checked mode ({@code -Dbind.check=true}) costs on bandwidth-bound ops: {@code --parts} arrays of
 * {@code --mib} MiB in all, each round scaling every array into another ({@code @In} to {@code @Out}) and summing
 * that one ({@code @In}). The same rounds run with checked mode off and on, alternating ({@code --pairs} times, a
 * fresh {@link Bind} each, since the mode is fixed when Bind starts); medians of {@code --rounds} rounds per run,
 * then the median over runs. Every sum is checked against its known value.
 *
 * <p>Last line: {@code RESULT checked-mode mib=<m> off_ms=<a> on_ms=<b> slowdown=<b/a>}.
 */
public final class CheckedModeBenchmark {
    private CheckedModeBenchmark() {
    }

    static final class Ops {
        @Op
        static void fill(@Out DoubleArray a, double value) {
            Arrays.fill(a.data(), value);
        }

        @Op
        static void scale(@In DoubleArray from, @Out DoubleArray to, double factor) {
            double[] in = from.data();
            double[] out = to.data();
            for (int i = 0; i < in.length; i++) {
                out[i] = factor * in[i];
            }
        }

        @Op
        static void sum(@In DoubleArray from, @Out DoubleArray total) {
            double s = 0;
            for (double v : from.data()) {
                s += v;
            }
            total.data()[0] = s;
        }
    }

    public static void main(String[] args) {
        int mib = 256;
        int parts = 8;
        int rounds = 5;
        int pairs = 3;
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : "";
            switch (args[i]) {
                case "--mib" -> mib = Integer.parseInt(value);
                case "--parts" -> parts = Integer.parseInt(value);
                case "--rounds" -> rounds = Integer.parseInt(value);
                case "--pairs" -> pairs = Integer.parseInt(value);
                default -> {
                    System.err.println("usage: bin/bench checked-mode [--mib M] [--parts P] [--rounds R] [--pairs N]");
                    System.exit(2);
                }
            }
            i++;
        }
        System.out.printf(Locale.ROOT, "checked-mode benchmark: %d MiB in %d arrays, %d rounds per run, %d pairs of"
            + " runs, load average %.2f at start%n", mib, parts, rounds, pairs,
            ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        double[] off = new double[pairs];
        double[] on = new double[pairs];
        for (int p = 0; p < pairs; p++) {
            off[p] = run(false, mib, parts, rounds);
            on[p] = run(true, mib, parts, rounds);
            System.out.printf(Locale.ROOT, "pair %d: off %.1f ms, on %.1f ms per round%n", p, off[p], on[p]);
        }
        double offMs = median(off);
        double onMs = median(on);
        System.out.printf(Locale.ROOT, "RESULT checked-mode mib=%d off_ms=%.1f on_ms=%.1f slowdown=%.2f%n", mib, offMs,
            onMs, onMs / offMs);
    }

    /** Median milliseconds per round with checked mode {@code checked}. */
    private static double run(boolean checked, int mib, int parts, int rounds) {
        System.setProperty("bind.check", Boolean.toString(checked));
        int n = (int) ((long) mib << 20) / Double.BYTES / parts;
        double[] times = new double[rounds];
        try (Bind bind = Bind.init(new Bind.Context())) {
            DoubleArray[] source = new DoubleArray[parts];
            DoubleArray[] scaled = new DoubleArray[parts];
            DoubleArray[] totals = new DoubleArray[parts];
            for (int i = 0; i < parts; i++) {
                source[i] = DoubleArray.of(n);
                scaled[i] = DoubleArray.of(n);
                totals[i] = DoubleArray.of(1);
                Ops.fill(source[i], i + 1);
            }
            bind.sync();
            for (int r = 0; r < rounds; r++) {
                long start = System.nanoTime();
                for (int i = 0; i < parts; i++) {
                    Ops.scale(source[i], scaled[i], 2.0);
                    Ops.sum(scaled[i], totals[i]);
                }
                bind.sync();
                times[r] = (System.nanoTime() - start) / 1e6;
            }
            for (int i = 0; i < parts; i++) {
                double expected = 2.0 * (i + 1) * n;
                if (totals[i].toArray()[0] != expected) {
                    throw new IllegalStateException("WRONG RESULT: sum " + i + " is " + totals[i].toArray()[0]
                        + ", not " + expected);
                }
            }
        } finally {
            System.clearProperty("bind.check");
        }
        return median(times);
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
