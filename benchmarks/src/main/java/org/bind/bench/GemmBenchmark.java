package org.bind.bench;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.DoubleBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.bind.Bind;
import org.bind.linalg.Gemm;
import org.bind.linalg.kernel.OpenBlas;
import org.bind.mpi.launch.ProcessLauncher;

/**
 * The classic distributed product ({@link Gemm}) on {@code --ranks} local processes over Aeron, one worker each,
 * against the machine's peak measured in the same run: single-threaded OpenBLAS {@code dgemm} GFLOPS (on an
 * {@code m × m} product, {@code m = min(n, 4096)}, the best of one run before and one after the ranks) times the
 * number of ranks.
 *
 * <p>The ranks ({@link GemmRank}) are started through {@link ProcessLauncher} with this JVM's class path and
 * bind-core as their Java agent; each runs a warm-up product, then {@code --reps} timed ones (median).
 *
 * <p>Options: {@code --n N} (default 8192), {@code --ranks R} (default 2), {@code --tile T} (default n/4),
 * {@code --reps R} (default 2); {@code -Dbind.trace=FILE} on this JVM ({@code bin/bench -J-Dbind.trace=FILE gemm})
 * makes the ranks write their traces ({@code FILE} with the rank in its name). The last line is machine readable:
 * {@code RESULT gemm n=<n> ranks=<r> seconds=<s> gflops=<g> peak_gflops=<p> peak_fraction=<g/p> cpu_fraction=<f>},
 * where {@code cpu_fraction} is the same ratio in CPU time, which other processes on a shared machine disturb far
 * less: the product's flops per CPU second of all the ranks' processes (every thread counted) against those of
 * the single-threaded {@code dgemm}.
 */
public final class GemmBenchmark {
    static final String USAGE = """
        usage: GemmBenchmark [--n N] [--ranks R] [--tile T] [--reps R]
          --n N      matrix side (default 8192)
          --ranks R  processes, one worker each (default 2)
          --tile T   tile side, dividing N (default N/4)
          --reps R   timed products per rank after a warm-up; the median is reported (default 2)""";
    private static final int TILES_DEFAULT = 4;
    private static final int PEAK_N_MAX = 4096;
    /** Ops in flight per rank: a few products ahead of the one worker, a few hundred MiB of outputs. */
    private static final int WINDOW_OPS = 16;
    private static final Pattern CPU_LINE = Pattern.compile(Pattern.quote(GemmRank.CPU_PREFIX)
        + "rank=(\\d+) cpu_seconds=(\\S+)");
    private static final Pattern RANK_LINE = Pattern.compile(Pattern.quote(GemmRank.LINE_PREFIX)
        + "n=(\\d+) tile=(\\d+) ranks=(\\d+) workers=(\\d+) kernels=(\\S+) seconds=(\\S+) error=(\\S+)"
        + " peak_live=(\\d+)");

    private GemmBenchmark() {
    }

    public static void main(String[] args) {
        LinalgOptions options;
        try {
            options = LinalgOptions.parse(args, USAGE, 8192, n -> LinalgOptions.defaultTile(n, TILES_DEFAULT), 2, 2);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        System.exit(run(options, System.out));
    }

    private static int run(LinalgOptions options, PrintStream out) {
        int n = options.n();
        out.printf(Locale.ROOT, "GEMM benchmark: JDK %s, %d processors, load average %.2f, %s%n", Runtime.version(),
            Runtime.getRuntime().availableProcessors(),
            ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(), options);
        double[] peakBefore = singleThreadGflops(Math.min(n, PEAK_N_MAX), out);

        // Per rank: its tiles of A and B, the tiles of A and B it receives, its tiles of C, partial products, and
        // the row-major A and B it starts from: 8n² doubles and a margin; the byte window is half of that, and the
        // ops in flight are few, so that the window never fills (see StrassenBenchmark); -Dbind.window.ops on this
        // JVM overrides that.
        long heapBytes = Math.max(2L << 30, 8L * n * n * Double.BYTES + (1L << 30));
        List<String> launch = new ArrayList<>(List.of("-np", Integer.toString(options.ranks()), "--workers", "1",
            "-J-Xmx" + (heapBytes >> 20) + "m", "-J-D" + Bind.Context.WINDOW_BYTES_PROP_NAME + "=" + heapBytes / 2,
            "-J-D" + Bind.Context.WINDOW_OPS_PROP_NAME + "="
                + Long.getLong(Bind.Context.WINDOW_OPS_PROP_NAME, WINDOW_OPS)));
        String trace = System.getProperty(Bind.Context.TRACE_PROP_NAME);
        if (trace != null) { // one trace per rank, to see where the ranks' time goes
            launch.add("-J-D" + Bind.Context.TRACE_PROP_NAME + "=" + trace);
        }
        launch.addAll(List.of("--", GemmRank.class.getName(), Integer.toString(n), Integer.toString(options.tile()),
            Integer.toString(options.reps())));
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream tee = new PrintStream(new Tee(captured, out), true, StandardCharsets.UTF_8);
        if (System.getProperty(ProcessLauncher.AGENT_PROP_NAME) == null) {
            String agent = ownAgent();
            if (agent != null) {
                System.setProperty(ProcessLauncher.AGENT_PROP_NAME, agent);
            }
        }
        int status = ProcessLauncher.run(launch.toArray(String[]::new), tee, System.err);
        tee.flush();
        if (status != 0) {
            System.err.println("gemm benchmark: the ranks failed (exit status " + status + ")");
            return status;
        }
        Matcher line;
        Matcher cpuLines;
        synchronized (captured) {
            line = RANK_LINE.matcher(captured.toString(StandardCharsets.UTF_8));
            cpuLines = CPU_LINE.matcher(captured.toString(StandardCharsets.UTF_8));
        }
        if (!line.find()) {
            System.err.println("gemm benchmark: rank 0 printed no '" + GemmRank.LINE_PREFIX.trim() + "' line");
            return 1;
        }
        double[] peakAfter = singleThreadGflops(Math.min(n, PEAK_N_MAX), out);
        int ranks = Integer.parseInt(line.group(3));
        double cpuSeconds = 0;
        int cpuRanks = 0;
        while (cpuLines.find()) {
            cpuSeconds += Double.parseDouble(cpuLines.group(2));
            cpuRanks++;
        }
        double seconds = Double.parseDouble(line.group(6));
        double error = Double.parseDouble(line.group(7));
        long peakLive = Long.parseLong(line.group(8));
        double gflops = 2.0 * n * n * (double) n / seconds / 1e9;
        double peak = Math.max(peakBefore[0], peakAfter[0]) * ranks;
        // flops per CPU second of all ranks' processes against one dgemm thread's flops per CPU second
        double cpuPeak = Math.max(peakBefore[1], peakAfter[1]);
        double cpuFraction = cpuRanks == ranks ? 2.0 * n * n * (double) n / cpuSeconds / 1e9 / cpuPeak : Double.NaN;
        double threeNSquared = 3.0 * n * n * Double.BYTES;
        out.printf(Locale.ROOT, "rank 0: kernels %s, relative error %.2e on 64 sampled entries, peak live tiles"
                + " %.2f GiB = %.2f x 3n^2 doubles (%.2f GiB) on one of %d ranks%n", line.group(5), error,
            peakLive / (double) (1L << 30), peakLive / threeNSquared, threeNSquared / (1L << 30), ranks);
        if (!(error < 1e-10)) {
            System.err.println("gemm benchmark: wrong product, relative error " + error);
            return 1;
        }
        out.printf(Locale.ROOT, "CPU time: the %d ranks' processes %.3f s per product (%.1f GFLOPS per CPU second),"
            + " one dgemm thread %.1f GFLOPS per CPU second%n", ranks, cpuSeconds,
            2.0 * n * n * (double) n / cpuSeconds / 1e9, cpuPeak);
        out.printf(Locale.ROOT, "RESULT gemm n=%d ranks=%d seconds=%.3f gflops=%.1f peak_gflops=%.1f"
            + " peak_fraction=%.3f cpu_fraction=%.3f%n", n, ranks, seconds, gflops, peak, gflops / peak, cpuFraction);
        return 0;
    }

    /**
     * GFLOPS of one single-threaded OpenBLAS {@code dgemm} of {@code m × m} random matrices: per second of wall time
     * (element 0) and per second of the calling thread's CPU time (element 1, NaN where the JVM does not tell).
     */
    private static double[] singleThreadGflops(int m, PrintStream out) {
        DoubleBuffer a = OpenBlas.allocate((long) m * m).put(0, StrassenBenchmark.random(m, 4));
        DoubleBuffer b = OpenBlas.allocate((long) m * m).put(0, StrassenBenchmark.random(m, 5));
        DoubleBuffer c = OpenBlas.allocate((long) m * m);
        OpenBlas.threads(1);
        long cpuStart = ProcessCpu.threadNanos();
        long start = System.nanoTime();
        OpenBlas.dgemm(m, a, b, c, false);
        double seconds = (System.nanoTime() - start) / 1e9;
        double cpuSeconds = cpuStart < 0 ? Double.NaN : (ProcessCpu.threadNanos() - cpuStart) / 1e9;
        double gflops = 2.0 * m * m * (double) m / seconds / 1e9;
        double cpuGflops = 2.0 * m * m * (double) m / cpuSeconds / 1e9;
        out.printf(Locale.ROOT, "  openblas dgemm m=%d, 1 thread   %8.3f s  %7.1f GFLOPS  (%.3f s of CPU: %.1f GFLOPS per"
            + " CPU second)%n", m, seconds, gflops, cpuSeconds, cpuGflops);
        return new double[] {gflops, cpuGflops};
    }

    /** The jar this JVM has as its Java agent (bin/bench passes bind-core's), or null. */
    static String ownAgent() {
        for (String option : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (option.startsWith("-javaagent:")) {
                String spec = option.substring("-javaagent:".length());
                int equals = spec.indexOf('=');
                return equals < 0 ? spec : spec.substring(0, equals);
            }
        }
        return null;
    }

    /** Writes to a buffer and to another stream. */
    static final class Tee extends OutputStream {
        private final ByteArrayOutputStream buffer;
        private final OutputStream other;

        Tee(ByteArrayOutputStream buffer, OutputStream other) {
            this.buffer = buffer;
            this.other = other;
        }

        @Override
        public void write(int b) {
            synchronized (buffer) {
                buffer.write(b);
            }
            try {
                other.write(b);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        @Override
        public void write(byte[] bytes, int offset, int length) {
            synchronized (buffer) {
                buffer.write(bytes, offset, length);
            }
            try {
                other.write(bytes, offset, length);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        @Override
        public void flush() {
            try {
                other.flush();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }
}
