package org.bind.bench;

import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.bind.Bind;
import org.bind.IntArray;
import org.bind.dag.Counters;

/**
 * What the runtime costs per op, against a hand-written {@link java.util.concurrent.ForkJoinPool} program, and
 * how short ops may be before that cost dominates. One JVM run, after warm-up, median over repetitions:
 *
 * <ol>
 *   <li><b>empty ops</b>: {@code --ops} independent empty ops submitted, then one {@code sync()}; ns per op is
 *       wall time / ops (recording, scheduling, running and retiring, with the program thread sharing the
 *       cores with the workers);</li>
 *   <li><b>ops with arguments</b>: the same, with an {@code (int, double, double[4])} op: what passing
 *       arguments adds (primitives unboxed, the array copied at the call);</li>
 *   <li><b>dependent chain</b>: {@code --chain} read-write ops on one small array, each waiting for the
 *       previous one;</li>
 *   <li><b>ForkJoinPool baseline</b>: the same number of empty {@code RecursiveAction}s on a pool of the same
 *       parallelism, forked and joined as a balanced tree (the baseline), forked flat by one task, and
 *       submitted from outside the pool ({@link ForkJoinBaseline});</li>
 *   <li><b>stencil</b>: Task Bench's stencil pattern ({@link Stencil}) with tasks that compute for {@code d}
 *       µs, for decreasing {@code d}; efficiency = ops × d / (wall × workers). METG(50%) is the shortest task
 *       duration that keeps 50%: the shortest grid duration with a median efficiency of at least 50%,
 *       interpolated (efficiency linear in log d) towards the next shorter one ({@link Metg}).</li>
 * </ol>
 *
 * <p>The last line is machine readable:
 * {@code RESULT overhead ns_per_op=<a> fjp_ns_per_task=<b> ratio=<a/b> metg50_us=<d>}.
 */
public final class OverheadBenchmark {
    private static final String RULE = "-".repeat(110);

    private final OverheadOptions options;
    private final PrintStream out = System.out;
    private final List<String> wrongResults = new ArrayList<>();

    private OverheadBenchmark(OverheadOptions options) {
        this.options = options;
    }

    public static void main(String[] args) throws Exception {
        OverheadOptions options;
        try {
            options = OverheadOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        if (!new OverheadBenchmark(options).run()) {
            System.exit(1);
        }
    }

    /** Runs the selected phases and prints the table; false when some run computed a wrong result. */
    private boolean run() throws InterruptedException {
        long started = System.nanoTime();
        out.printf(Locale.ROOT, "Bind overhead benchmark: JDK %s, %d processors, load average %.2f at start, %s%n",
            Runtime.version(), Runtime.getRuntime().availableProcessors(),
            ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(), options);
        Spin spin = Spin.calibrate(options.workers());
        out.printf(Locale.ROOT, "spin kernel: %.3f ns %s per multiply-add step (%.3f ns wall) with %d threads"
            + " spinning at once%n%n", spin.nsPerIteration(), spin.cpuTime() ? "CPU" : "wall",
            spin.wallNsPerIteration(), options.workers());

        printHeader();
        double fjpNs = Double.NaN;
        if (options.runs("fjp")) {
            try (ForkJoinBaseline baseline = new ForkJoinBaseline(options.workers())) {
                fjpNs = measure("fjp fork/join tree (baseline)", options.ops(),
                    (n, progress) -> baseline.tree(n), null).median();
                measure("fjp flat fork, then join", options.ops(), (n, progress) -> baseline.flat(n), null);
                measure("fjp submit from outside", options.ops(),
                    (n, progress) -> baseline.submitFromOutside(n), null);
            }
        }
        double nsPerOp = Double.NaN;
        Metg metg = null;
        try (Bind bind = Bind.init(new Bind.Context().workers(options.workers()))) {
            if (options.runs("empty")) {
                nsPerOp = measure("bind empty ops", options.ops(),
                    (n, progress) -> emptyOps(bind, n, progress), bind).median();
            }
            if (options.runs("args")) {
                measure("bind (int, double, double[])", options.ops(),
                    (n, progress) -> argumentOps(bind, n, progress), bind);
            }
            if (options.runs("chain")) {
                measure("bind dependent chain", options.chainOps(),
                    (n, progress) -> chain(bind, n, progress), bind);
            }
            if (options.runs("stencil")) {
                out.println();
                metg = Metg.of(stencil(bind, spin));
            }
        }

        out.println();
        out.println("cpu: share of all cores this JVM used; other: share other processes used meanwhile (wall"
            + " times are inflated where it is not near 0); prog ns: program-thread CPU per op (submission cost)");
        out.printf(Locale.ROOT, "empty op: %.1f ns, ForkJoinPool task: %.1f ns, ratio %.1f%n", nsPerOp, fjpNs,
            nsPerOp / fjpNs);
        out.println("METG(50%): " + (metg == null ? "not measured" : metg.describe()));
        out.printf(Locale.ROOT, "total time %.1f s%n", (System.nanoTime() - started) / 1e9);
        for (String wrong : wrongResults) {
            out.println("WRONG RESULT: " + wrong);
        }
        out.printf(Locale.ROOT, "RESULT overhead ns_per_op=%.1f fjp_ns_per_task=%.1f ratio=%.2f metg50_us=%s%n",
            nsPerOp, fjpNs, nsPerOp / fjpNs, metg == null ? "NaN" : metg.formatted());
        return wrongResults.isEmpty();
    }

    /** Notes a wrong result: the timings stay in the table, the run ends with status 1. */
    private void wrong(String message) {
        if (wrongResults.size() < 20) {
            wrongResults.add(message);
        }
    }

    // ---------------------------------------------------------------- per-op overhead

    /** One repetition of a run: returns its wall time in ns. */
    @FunctionalInterface
    private interface Body {
        long wallNs(int ops, Progress progress);
    }

    private void printHeader() {
        out.printf(Locale.ROOT, "%-30s %10s %9s %9s %9s %8s %6s %6s %9s  %s%n", "run", "ops", "ns/op", "min", "max",
            "Mops/s", "cpu", "other", "prog ns", "counters (last repetition)");
        out.println(RULE);
    }

    /**
     * Runs {@code body} three times to warm up and {@code reps} times measured; prints the row and returns the
     * ns per op. With {@code bind}, shows progress and the runtime's counters.
     */
    private Samples measure(String name, int ops, Body body, Bind bind) {
        int reps = options.reps();
        double[] nsPerOp = new double[reps];
        double[] cpu = new double[reps];
        double[] other = new double[reps];
        double[] programNs = new double[reps];
        Counters before = null;
        try (Progress progress = bind == null ? Progress.silent()
            : Progress.start(name, () -> bind.counters().opsRun())) {
            int warmupOps = Math.max(1, Math.min(ops, 200_000));
            for (int i = 0; i < 3; i++) {
                progress.repetition(i + 1, 3);
                body.wallNs(warmupOps, progress);
            }
            for (int r = 0; r < reps; r++) {
                System.gc();
                before = bind == null ? null : bind.counters();
                progress.repetition(r + 1, reps);
                ProcessCpu.Reading cpu0 = ProcessCpu.Reading.now();
                long program0 = ProcessCpu.threadNanos();
                long wallNs = body.wallNs(ops, progress);
                programNs[r] = (ProcessCpu.threadNanos() - program0) / (double) ops;
                ProcessCpu.Reading cpu1 = ProcessCpu.Reading.now();
                cpu[r] = cpu1.processShare(cpu0, wallNs);
                other[r] = cpu1.otherShare(cpu0, wallNs);
                nsPerOp[r] = wallNs / (double) ops;
            }
        }
        Samples samples = new Samples(nsPerOp);
        out.printf(Locale.ROOT, "%-30s %,10d %9.1f %9.1f %9.1f %8.2f %5.0f%% %5.0f%% %9.1f  %s%n", name, ops,
            samples.median(), samples.min(), samples.max(), 1e3 / samples.median(), 100 * new Samples(cpu).median(),
            100 * new Samples(other).median(), new Samples(programNs).median(),
            bind == null ? "" : delta(before, bind.counters()));
        return samples;
    }

    private static String delta(Counters before, Counters after) {
        return String.format(Locale.ROOT, "stalls=%d steals=%d in-place=%d copies=%d",
            after.windowStalls() - before.windowStalls(), after.steals() - before.steals(),
            after.inPlaceWrites() - before.inPlaceWrites(), after.copies() - before.copies());
    }

    private long emptyOps(Bind bind, int ops, Progress progress) {
        long doneBefore = bind.counters().opsRun();
        long t0 = System.nanoTime();
        for (int i = 0; i < ops; i++) {
            OverheadOps.empty(i);
            if ((i & 1023) == 0) {
                progress.submitted(i);
            }
        }
        progress.submitted(ops);
        bind.sync();
        long wallNs = System.nanoTime() - t0;
        long ran = bind.counters().opsRun() - doneBefore;
        if (ran != ops) {
            wrong("submitted " + ops + " empty ops, but " + ran + " ran");
        }
        return wallNs;
    }

    private long argumentOps(Bind bind, int ops, Progress progress) {
        long doneBefore = bind.counters().opsRun();
        double[] values = new double[4];
        long t0 = System.nanoTime();
        for (int i = 0; i < ops; i++) {
            OverheadOps.withArguments(i, 0.5, values);
            if ((i & 1023) == 0) {
                progress.submitted(i);
            }
        }
        progress.submitted(ops);
        bind.sync();
        long wallNs = System.nanoTime() - t0;
        long ran = bind.counters().opsRun() - doneBefore;
        if (ran != ops || values[0] != 0) {
            wrong("submitted " + ops + " ops with arguments: " + ran + " ran, the program's array holds " + values[0]
                + " (expected 0: each op changes its own copy)");
        }
        return wallNs;
    }

    private long chain(Bind bind, int ops, Progress progress) {
        IntArray counter = IntArray.of(1);
        long t0 = System.nanoTime();
        for (int i = 0; i < ops; i++) {
            OverheadOps.increment(counter);
            if ((i & 1023) == 0) {
                progress.submitted(i);
            }
        }
        progress.submitted(ops);
        bind.sync();
        long wallNs = System.nanoTime() - t0;
        int value = counter.toArray()[0];
        if (value != ops) {
            wrong("a chain of " + ops + " increments left " + value);
        }
        return wallNs;
    }

    // ---------------------------------------------------------------- stencil

    /** One task duration of the stencil sweep: its efficiency over the repetitions. */
    record StencilPoint(double micros, Samples efficiency) {
    }

    private StencilPoint[] stencil(Bind bind, Spin spin) {
        int workers = options.workers();
        int reps = options.reps();
        Stencil stencil = new Stencil(bind, options.width());
        out.printf(Locale.ROOT, "stencil: width %d, %d workers; efficiency = ops x d / (wall x workers)%n",
            options.width(), workers);
        out.printf(Locale.ROOT, "%10s %9s %8s %9s %9s %9s %8s %8s %8s %6s %6s %9s%n", "d (us)", "spin", "steps",
            "ops", "wall ms", "ns/op", "eff", "min", "max", "cpu", "other", "prog ns");
        out.println(RULE);
        try (Progress progress = Progress.start("stencil warm-up", () -> bind.counters().opsRun())) {
            for (double micros : new double[] {2, 50}) {
                progress.repetition(1, 1);
                stencil.run(stencil.stepsFor(micros, 20, workers, 20_000), spin.iterationsFor(micros), progress,
                    this::wrong);
            }
        }
        double[] durations = options.durationsUs();
        StencilPoint[] points = new StencilPoint[durations.length];
        for (int i = 0; i < durations.length; i++) {
            double micros = durations[i];
            int iterations = spin.iterationsFor(micros);
            int steps = stencil.stepsFor(micros, options.stencilMs(), workers, options.stencilMaxOps());
            long ops = (long) steps * options.width();
            double[] efficiency = new double[reps];
            double[] wallMs = new double[reps];
            double[] cpu = new double[reps];
            double[] other = new double[reps];
            double[] programNs = new double[reps];
            try (Progress progress = Progress.start("stencil d=" + trim(micros) + " us",
                () -> bind.counters().opsRun())) {
                for (int r = 0; r < reps; r++) {
                    progress.repetition(r + 1, reps);
                    ProcessCpu.Reading cpu0 = ProcessCpu.Reading.now();
                    long program0 = ProcessCpu.threadNanos();
                    long wallNs = stencil.run(steps, iterations, progress, this::wrong);
                    programNs[r] = (ProcessCpu.threadNanos() - program0) / (double) ops;
                    ProcessCpu.Reading cpu1 = ProcessCpu.Reading.now();
                    cpu[r] = cpu1.processShare(cpu0, wallNs);
                    other[r] = cpu1.otherShare(cpu0, wallNs);
                    wallMs[r] = wallNs / 1e6;
                    efficiency[r] = ops * micros * 1e3 / ((double) wallNs * workers);
                }
            }
            Samples eff = new Samples(efficiency);
            double medianWallMs = new Samples(wallMs).median();
            points[i] = new StencilPoint(micros, eff);
            out.printf(Locale.ROOT, "%10s %9d %8d %,9d %9.1f %9.1f %7.1f%% %7.1f%% %7.1f%% %5.0f%% %5.0f%% %9.1f%n",
                trim(micros), iterations, steps, ops, medianWallMs, medianWallMs * 1e6 / ops, 100 * eff.median(),
                100 * eff.min(), 100 * eff.max(), 100 * new Samples(cpu).median(), 100 * new Samples(other).median(),
                new Samples(programNs).median());
        }
        return points;
    }

    static String trim(double value) {
        return value == Math.rint(value) && Math.abs(value) < 1e15 ? Long.toString((long) value)
            : String.format(Locale.ROOT, "%.3g", value).replaceAll("\\.?0+$", "");
    }

    /**
     * METG(50%) from a sweep ordered from long to short tasks: the shortest grid duration whose median
     * efficiency is at least 50%, refined by interpolating (efficiency linear in log d) towards the next shorter
     * grid duration, which is below 50%. Longer durations that fall below 50% (a noisy repetition, or a
     * runtime weakness at that scale) are named in the description but do not change the figure.
     */
    record Metg(double micros, String describe) {
        private static final double THRESHOLD = 0.5;

        static Metg of(StencilPoint[] points) {
            int shortest = -1;
            for (int i = 0; i < points.length; i++) {
                if (points[i].efficiency().median() >= THRESHOLD) {
                    shortest = i;
                }
            }
            if (shortest < 0) {
                return new Metg(Double.POSITIVE_INFINITY, "above " + trim(points[0].micros())
                    + " us: even the longest tasks stay under 50% efficiency");
            }
            StringBuilder dips = new StringBuilder();
            for (int i = 0; i < shortest; i++) {
                if (points[i].efficiency().median() < THRESHOLD) {
                    dips.append(dips.length() == 0 ? "; under 50% at the longer " : ", ")
                        .append(trim(points[i].micros()))
                        .append(String.format(Locale.ROOT, " us (%.1f%%)", 100 * points[i].efficiency().median()));
                }
            }
            StencilPoint high = points[shortest];
            double effHigh = high.efficiency().median();
            if (shortest == points.length - 1) {
                return new Metg(high.micros(), "at most " + trim(high.micros()) + " us: the shortest tasks measured"
                    + String.format(Locale.ROOT, " still keep %.1f%%", 100 * effHigh) + dips);
            }
            StencilPoint low = points[shortest + 1];
            double effLow = low.efficiency().median();
            double fraction = (THRESHOLD - effLow) / (effHigh - effLow);
            double logLow = Math.log(low.micros());
            double metg = Math.exp(logLow + fraction * (Math.log(high.micros()) - logLow));
            return new Metg(metg, String.format(Locale.ROOT, "%.3g us (interpolated in log d between %s us at %.1f%%"
                + " and %s us at %.1f%%; grid value %s us)", metg, trim(high.micros()), 100 * effHigh,
                trim(low.micros()), 100 * effLow, trim(high.micros())) + dips);
        }

        String formatted() {
            return Double.isInfinite(micros) ? "inf" : String.format(Locale.ROOT, "%.3g", micros);
        }
    }
}
