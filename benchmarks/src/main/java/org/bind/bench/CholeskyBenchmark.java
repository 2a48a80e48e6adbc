package org.bind.bench;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.bind.Bind;
import org.bind.examples.CholeskyExample;
import org.bind.linalg.Cholesky;
import org.bind.linalg.kernel.Kernels;
import org.bind.linalg.kernel.OpenBlas;
import org.bind.mpi.launch.ProcessLauncher;
import org.bytedeco.javacpp.DoublePointer;

/**
 * Bind's tiled Cholesky ({@link Cholesky#factorInPlace}) on {@code --ranks} local processes against LAPACK's
 * {@code dpotrf} through OpenBLAS with every core, on the same symmetric positive definite matrix
 * ({@link CholeskyExample#spd}), both in place, in one run.
 *
 * <ul>
 *   <li><b>lapack</b>: in this JVM, {@code LAPACKE_dpotrf} on the whole matrix in native memory (refilled before
 *       each repetition), with as many OpenBLAS threads as processors;</li>
 *   <li><b>bind</b>: then, with that memory freed, {@code --ranks} processes ({@link CholeskyRank}) started through
 *       {@link ProcessLauncher}, the processors shared out among them as workers (one rank: all of them), each
 *       worker running single-threaded OpenBLAS tile kernels.</li>
 * </ul>
 *
 * <p>{@code -Dbind.linalg.cholesky.priorities=false} on this JVM ({@code bin/bench -J-D...}) is passed on to the
 * ranks: the factorization then runs without its critical-path priorities, for comparison. So is
 * {@code -Dbind.trace=FILE}: each rank writes its trace ({@code FILE} with the rank in its name).
 *
 * <p>Options: {@code --n N} (default 16384), {@code --ranks R} (default 1), {@code --tile T} (default 1024 when
 * that makes at least 16 tile columns, else 512; measured: at n = 16384 1024 was 3 % faster than 512),
 * {@code --reps R} (default 2). Times are medians. The last line is machine readable:
 * {@code RESULT cholesky n=<n> ranks=<r> seconds=<s> lapack_seconds=<b> speedup=<b/s> rel_residual=<e>}.
 */
public final class CholeskyBenchmark {
    static final String USAGE = """
        usage: CholeskyBenchmark [--n N] [--ranks R] [--tile T] [--reps R]
          --n N      matrix side (default 16384)
          --ranks R  processes; the processors are shared out among them as workers (default 1)
          --tile T   tile side, dividing N (default 1024 when N/1024 >= 16, else 512, or N/4 when 512 does
                     not divide N)
          --reps R   timed factorizations of each kind; medians are reported (default 2)""";
    static final int TILE_DEFAULT = 512;
    /** The larger tile, where it leaves at least {@value #MIN_TILE_COLUMNS} tile columns for the critical path. */
    static final int TILE_LARGE = 1024;
    static final int MIN_TILE_COLUMNS = 16;
    private static final Pattern RANK_LINE = Pattern.compile(Pattern.quote(CholeskyRank.LINE_PREFIX)
        + "n=(\\d+) tile=(\\d+) ranks=(\\d+) workers=(\\d+) kernels=(\\S+) seconds=(\\S+) residual=(\\S+)");

    private CholeskyBenchmark() {
    }

    public static void main(String[] args) {
        LinalgOptions options;
        try {
            options = LinalgOptions.parse(args, USAGE, 16384,
                n -> n % TILE_LARGE == 0 && n / TILE_LARGE >= MIN_TILE_COLUMNS ? TILE_LARGE
                    : n % TILE_DEFAULT == 0 && n > TILE_DEFAULT ? TILE_DEFAULT : LinalgOptions.defaultTile(n, 4), 2, 1);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        System.exit(run(options, System.out));
    }

    private static int run(LinalgOptions options, PrintStream out) {
        int n = options.n();
        int processors = Runtime.getRuntime().availableProcessors();
        int workers = Math.max(1, processors / options.ranks());
        out.printf(Locale.ROOT, "Cholesky benchmark: JDK %s, %d processors, load average %.2f, %s, %d worker(s) per"
                + " rank, priorities %s%n", Runtime.version(), processors,
            ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(), options, workers,
            System.getProperty(Cholesky.PRIORITIES_PROP_NAME, Boolean.toString(Cholesky.PRIORITIES_DEFAULT)));
        if (Kernels.nativeProblem() != null) {
            System.err.println("cholesky benchmark: the baseline needs OpenBLAS: " + Kernels.nativeProblem());
            return 1;
        }
        double lapack = lapackSeconds(n, options.reps(), processors, out);

        // Per rank: the Java heap holds the row-major matrix it starts from (n² doubles) and a margin; the byte
        // window covers the native tiles: its share of the tiled matrix, the one of the previous run until it is
        // collected, and the panel tiles it receives (at most 3n²/R doubles), and a margin. A window smaller than that would hold back the submission of later panels'
        // ops (and with them the critical path's lookahead) for the whole factorization.
        long matrixBytes = (long) n * n * Double.BYTES;
        long heapBytes = Math.max(2L << 30, matrixBytes + (1L << 30));
        long windowBytes = 3 * matrixBytes / options.ranks() + (1L << 30);
        List<String> launch = new ArrayList<>(List.of("-np", Integer.toString(options.ranks()), "--workers",
            Integer.toString(workers), "-J-Xmx" + (heapBytes >> 20) + "m",
            "-J-D" + Bind.Context.WINDOW_BYTES_PROP_NAME + "=" + windowBytes));
        for (String passed : List.of(Cholesky.PRIORITIES_PROP_NAME, Bind.Context.TRACE_PROP_NAME)) {
            String value = System.getProperty(passed);
            if (value != null) {
                launch.add("-J-D" + passed + "=" + value);
            }
        }
        launch.addAll(List.of("--", CholeskyRank.class.getName(), Integer.toString(n),
            Integer.toString(options.tile()), Integer.toString(options.reps())));
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream tee = new PrintStream(new GemmBenchmark.Tee(captured, out), true, StandardCharsets.UTF_8);
        if (System.getProperty(ProcessLauncher.AGENT_PROP_NAME) == null) {
            String agent = GemmBenchmark.ownAgent();
            if (agent != null) {
                System.setProperty(ProcessLauncher.AGENT_PROP_NAME, agent);
            }
        }
        int status = ProcessLauncher.run(launch.toArray(String[]::new), tee, System.err);
        tee.flush();
        if (status != 0) {
            System.err.println("cholesky benchmark: the ranks failed (exit status " + status + ")");
            return status;
        }
        Matcher line;
        synchronized (captured) {
            line = RANK_LINE.matcher(captured.toString(StandardCharsets.UTF_8));
        }
        if (!line.find()) {
            System.err.println("cholesky benchmark: rank 0 printed no '" + CholeskyRank.LINE_PREFIX.trim() + "' line");
            return 1;
        }
        int ranks = Integer.parseInt(line.group(3));
        double seconds = Double.parseDouble(line.group(6));
        double residual = Double.parseDouble(line.group(7));
        double flops = n * (double) n * n / 3;
        out.printf(Locale.ROOT, "medians: lapack dpotrf %.3f s (%.1f GFLOPS), bind cholesky %.3f s (%.1f GFLOPS) on %d"
                + " rank(s) x %s worker(s), kernels %s; load average now %.2f%n", lapack, flops / lapack / 1e9, seconds,
            flops / seconds / 1e9, ranks, line.group(4), line.group(5),
            ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        if (!(residual < 1e-12)) {
            System.err.println("cholesky benchmark: wrong factor, relative residual " + residual);
            return 1;
        }
        out.printf(Locale.ROOT, "RESULT cholesky n=%d ranks=%d seconds=%.3f lapack_seconds=%.3f speedup=%.3f"
            + " rel_residual=%.3e%n", n, ranks, seconds, lapack, lapack / seconds, residual);
        return 0;
    }

    /** The median time of {@code reps} {@code LAPACKE_dpotrf} calls on the sample matrix, {@code threads} threads. */
    private static double lapackSeconds(int n, int reps, int threads, PrintStream out) {
        double[] a = CholeskyExample.spd(n, 1); // symmetric: row-major is column-major
        double[] seconds = new double[reps];
        try (DoublePointer matrix = new DoublePointer((long) n * n)) {
            for (int rep = 0; rep < reps; rep++) {
                matrix.put(a, 0, a.length);
                OpenBlas.threads(threads);
                long start = System.nanoTime();
                int info = OpenBlas.dpotrf(n, matrix);
                seconds[rep] = (System.nanoTime() - start) / 1e9;
                OpenBlas.threads(1);
                if (info != 0) {
                    throw new IllegalStateException("LAPACKE_dpotrf of the sample matrix returned info " + info);
                }
                out.printf(Locale.ROOT, "  lapack dpotrf, %d threads   %8.3f s  %7.1f GFLOPS%n", threads, seconds[rep],
                    n * (double) n * n / 3 / seconds[rep] / 1e9);
            }
        }
        return new Samples(seconds).median();
    }
}
