package org.bind.bench;

import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.DoubleBuffer;
import java.util.Locale;
import java.util.Random;

import org.bind.Bind;
import org.bind.linalg.Strassen;
import org.bind.linalg.TiledMatrix;
import org.bind.linalg.kernel.Kernels;
import org.bind.linalg.kernel.OpenBlas;

/**
 * Strassen's algorithm through Bind against OpenBLAS's multithreaded {@code dgemm}, in one process on the same
 * data: {@code C = A·B} for random {@code n × n} matrices.
 *
 * <ul>
 *   <li><b>openblas</b>: one {@code cblas_dgemm} on the whole row-major matrices (in direct buffers, filled
 *       beforehand), with as many OpenBLAS threads as Bind has workers;</li>
 *   <li><b>bind strassen</b>: {@link Strassen#multiply} on tiled copies of the same matrices (made beforehand),
 *       then {@code sync()}: the sequential recursion submits the tile ops, the workers run one single-threaded
 *       OpenBLAS product (or sum) each.</li>
 * </ul>
 *
 * <p>OpenBLAS's thread count is process-wide, so the two never overlap: each repetition runs openblas (threads
 * = workers), then Bind (threads = 1) after the previous run's ops are all done. The first Bind run is a warm-up
 * (JIT, buffer pools) and is not counted. Times are medians over {@code --reps}; the error is
 * {@code ‖C_bind - C_openblas‖ / ‖C_openblas‖} (Frobenius). Memory: the peak of the runtime's live tiles
 * (inputs included) and of the heap during the Bind runs, against the {@code 3n²} doubles of A, B and C. Every
 * line also shows the share of the cores this process and other processes used meanwhile: on a shared machine,
 * a run that competed for the cores has inflated times, and the ratio of CPU times is the steadier figure.
 *
 * <p>The window is set unless given as properties: half the heap for bytes ({@code bind.window.bytes}; the tiles
 * live in native memory, but the window counts their bytes, and A, B, C and Strassen's temporaries peak at about
 * 3.4 GiB at n = 8192), and {@value #WINDOW_OPS} ops in flight
 * ({@code bind.window.ops}), so that the program runs ahead by ops rather than until the byte window is full:
 * while it is, the runtime asks for garbage collections (every 200 ms, backing off while they release nothing),
 * which cost more than the product gains.
 *
 * <p>Options: {@code --n N} (default 8192), {@code --tile T} (default 1024 where it divides
 * {@code n ≥ 2048}, else n/4), {@code --reps R} (default 3). The last
 * line is machine readable:
 * {@code RESULT strassen n=<n> ranks=1 seconds=<s> openblas_seconds=<b> speedup=<b/s> rel_error=<e>}.
 */
public final class StrassenBenchmark {
    static final String USAGE = """
        usage: StrassenBenchmark [--n N] [--tile T] [--reps R]
          --n N      matrix side (default 8192)
          --tile T   tile side, dividing N (default 1024 where it divides N >= 2048, else N/4)
          --reps R   measured repetitions; medians are reported (default 3)""";
    private static final int TILE_DEFAULT = 1024;
    /** Ops in flight: enough to keep every worker busy, few enough that their outputs stay within the window. */
    static final int WINDOW_OPS = 64;

    private StrassenBenchmark() {
    }

    public static void main(String[] args) {
        LinalgOptions options;
        try {
            options = LinalgOptions.parse(args, USAGE, 8192,
                n -> n >= 2 * TILE_DEFAULT && n % TILE_DEFAULT == 0 ? TILE_DEFAULT : LinalgOptions.defaultTile(n, 4),
                3, 1);
            if (options.ranks() != 1) {
                throw new IllegalArgumentException("--ranks " + options.ranks() + ": this benchmark runs in one"
                    + " process (bin/bench gemm takes --ranks)\n" + USAGE);
            }
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        run(options, System.out);
    }

    private static void run(LinalgOptions options, PrintStream out) {
        int n = options.n();
        Bind.Context context = new Bind.Context();
        if (System.getProperty(Bind.Context.WINDOW_BYTES_PROP_NAME) == null) {
            context.windowBytes(Runtime.getRuntime().maxMemory() / 2);
        }
        if (System.getProperty(Bind.Context.WINDOW_OPS_PROP_NAME) == null) {
            context.windowOps(WINDOW_OPS);
        }
        try (Bind bind = Bind.init(context)) {
            int workers = bind.workers();
            out.printf(Locale.ROOT, "Strassen benchmark: JDK %s, %d processors, load average %.2f, %s, %d workers,"
                    + " tile kernels %s, max heap %.1f GiB, window %d ops, %.1f GiB%n", Runtime.version(),
                Runtime.getRuntime().availableProcessors(),
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(), options, workers,
                Kernels.active().name(), Runtime.getRuntime().maxMemory() / (double) (1L << 30),
                context.conclude().windowOps(), context.conclude().windowBytes() / (double) (1L << 30));
            if (Kernels.nativeProblem() != null) {
                throw new IllegalStateException("the baseline needs OpenBLAS: " + Kernels.nativeProblem());
            }
            double[] a = random(n, 1);
            double[] b = random(n, 2);
            DoubleBuffer nativeA = OpenBlas.allocate((long) n * n).put(0, a);
            DoubleBuffer nativeB = OpenBlas.allocate((long) n * n).put(0, b);
            DoubleBuffer nativeC = OpenBlas.allocate((long) n * n);
            TiledMatrix tiledA = TiledMatrix.of(a, n, options.tile());
            TiledMatrix tiledB = TiledMatrix.of(b, n, options.tile());
            a = null;
            b = null;
            bind.sync();

            double flops = 2.0 * n * n * (double) n;
            double[] blasSeconds = new double[options.reps()];
            double[] bindSeconds = new double[options.reps()];
            double[] blasCpu = new double[options.reps()];
            double[] bindCpu = new double[options.reps()];
            TiledMatrix product = null;
            long peakLive = 0;
            long peakHeap = 0;
            for (int rep = -1; rep < options.reps(); rep++) {
                if (rep >= 0) {
                    OpenBlas.threads(workers);
                    ProcessCpu.Reading cpu = ProcessCpu.Reading.now();
                    long start = System.nanoTime();
                    OpenBlas.dgemm(n, nativeA, nativeB, nativeC, true);
                    long wallNs = System.nanoTime() - start;
                    blasSeconds[rep] = wallNs / 1e9;
                    blasCpu[rep] = (ProcessCpu.processNanos() - cpu.processNs()) / 1e9;
                    out.printf(Locale.ROOT, "  openblas dgemm, %d threads   %8.3f s  %7.1f GFLOPS  %s%n", workers,
                        blasSeconds[rep], flops / blasSeconds[rep] / 1e9, cpuShares(cpu, wallNs));
                }
                OpenBlas.threads(1);
                product = null;
                System.gc();
                try (MemoryWatch memory = new MemoryWatch(() -> bind.counters().liveBytes())) {
                    ProcessCpu.Reading cpu = ProcessCpu.Reading.now();
                    long[] gcBefore = KernelStats.collections();
                    long stallsBefore = bind.counters().windowStalls();
                    long start = System.nanoTime();
                    product = Strassen.multiply(tiledA, tiledB);
                    bind.sync();
                    long wallNs = System.nanoTime() - start;
                    double seconds = wallNs / 1e9;
                    long[] gcAfter = KernelStats.collections();
                    String shares = cpuShares(cpu, wallNs) + String.format(Locale.ROOT,
                        " %d GCs (%d ms), %d window stalls", gcAfter[0] - gcBefore[0], gcAfter[1] - gcBefore[1],
                        bind.counters().windowStalls() - stallsBefore);
                    if (rep >= 0) {
                        bindSeconds[rep] = seconds;
                        bindCpu[rep] = (ProcessCpu.processNanos() - cpu.processNs()) / 1e9;
                        peakLive = Math.max(peakLive, memory.peakLiveBytes());
                        peakHeap = Math.max(peakHeap, memory.peakHeapBytes());
                    }
                    out.printf(Locale.ROOT, "  bind strassen, %d workers    %8.3f s  %7.1f GFLOPS  %s%s%n",
                        workers, seconds, flops / seconds / 1e9, shares, rep < 0 ? "; warm-up, not counted" : "");
                }
            }
            double[] c = product.gather();
            double error = relativeError(c, nativeC, n);
            double threeNSquared = 3.0 * n * n * Double.BYTES;
            out.printf(Locale.ROOT, "memory: peak live tiles %.2f GiB = %.2f x 3n^2 doubles (%.2f GiB);"
                    + " peak heap %.2f GiB; resident high-water %.2f GiB (with the baseline's %.2f GiB)%n",
                peakLive / (double) (1L << 30), peakLive / threeNSquared, threeNSquared / (1L << 30),
                peakHeap / (double) (1L << 30), MemoryWatch.residentHighWaterBytes() / (double) (1L << 30),
                threeNSquared / (1L << 30));
            double blas = new Samples(blasSeconds).median();
            double strassen = new Samples(bindSeconds).median();
            double blasCpuMedian = new Samples(blasCpu).median();
            double bindCpuMedian = new Samples(bindCpu).median();
            out.printf(Locale.ROOT, "medians: openblas %.3f s (%.2f CPU s), bind strassen %.3f s (%.2f CPU s);"
                    + " CPU-time ratio %.3f (less sensitive to other processes than wall time)%n", blas, blasCpuMedian,
                strassen, bindCpuMedian, blasCpuMedian / bindCpuMedian);
            out.printf(Locale.ROOT, "counters %s%n", bind.counters());
            out.printf(Locale.ROOT, "RESULT strassen n=%d ranks=1 seconds=%.3f openblas_seconds=%.3f speedup=%.3f"
                + " rel_error=%.3e%n", n, strassen, blas, blas / strassen, error);
        }
    }

    /** {@code "cpu: this process 97%, others 3% of the cores"} since {@code before}. */
    static String cpuShares(ProcessCpu.Reading before, long wallNs) {
        ProcessCpu.Reading now = ProcessCpu.Reading.now();
        return String.format(Locale.ROOT, "(cores: this process %3.0f%%, others %3.0f%%)",
            100 * now.processShare(before, wallNs), 100 * now.otherShare(before, wallNs));
    }

    static double[] random(int n, long seed) {
        Random random = new Random(seed);
        double[] values = new double[n * n];
        for (int i = 0; i < values.length; i++) {
            values[i] = 2 * random.nextDouble() - 1;
        }
        return values;
    }

    /** {@code ‖c - expected‖ / ‖expected‖} (Frobenius) with {@code expected} row-major in a buffer. */
    static double relativeError(double[] c, DoubleBuffer expected, int n) {
        double difference = 0;
        double norm = 0;
        for (int i = 0; i < n * n; i++) {
            double e = expected.get(i);
            difference += (c[i] - e) * (c[i] - e);
            norm += e * e;
        }
        return Math.sqrt(difference / norm);
    }
}
