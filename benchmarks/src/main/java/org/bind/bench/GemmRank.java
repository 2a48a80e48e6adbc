package org.bind.bench;

import java.util.Arrays;
import java.util.Locale;
import java.util.Random;

import org.bind.Bind;
import org.bind.linalg.Gemm;
import org.bind.linalg.TiledMatrix;
import org.bind.linalg.kernel.Kernels;

/**
 * One rank of {@link GemmBenchmark}: {@code C = A·B} with {@link Gemm#multiply} on random matrices (the same on
 * every rank), a warm-up run then {@code reps} timed runs, each from the first submitted op to the collective
 * {@code sync()}. Rank 0 prints one line for the launcher to read:
 * {@code gemm-rank n=<n> tile=<t> ranks=<r> workers=<w> kernels=<k> seconds=<median> error=<e> peak_live=<bytes>},
 * where the error is relative, on 64 entries checked against plain dot products, and {@code peak_live} is the
 * peak of rank 0's live tile bytes. Every rank also prints {@code gemm-cpu rank=<r> cpu_seconds=<median>}: the CPU
 * time its whole process used per timed product (workers, transport, garbage collector, compiler), which a
 * shared machine inflates much less than wall time.
 *
 * <p>Arguments: {@code N TILE REPS}.
 */
public final class GemmRank {
    static final String LINE_PREFIX = "gemm-rank ";
    static final String CPU_PREFIX = "gemm-cpu ";
    private static final int SAMPLES = 64;

    private GemmRank() {
    }

    public static void main(String[] args) {
        try (Bind bind = Bind.init(args)) {
            String[] own = bind.args();
            if (own.length != 3) {
                throw new IllegalArgumentException("GemmRank needs N TILE REPS, got " + Arrays.toString(own));
            }
            int n = Integer.parseInt(own[0]);
            int tile = Integer.parseInt(own[1]);
            int reps = Integer.parseInt(own[2]);
            run(bind, n, tile, reps);
        }
    }

    private static void run(Bind bind, int n, int tile, int reps) {
        double[] a = StrassenBenchmark.random(n, 1);
        double[] b = StrassenBenchmark.random(n, 2);
        Random pick = new Random(3);
        int[] rows = new int[SAMPLES];
        int[] cols = new int[SAMPLES];
        double[] expected = new double[SAMPLES];
        for (int e = 0; e < SAMPLES; e++) {
            rows[e] = pick.nextInt(n);
            cols[e] = pick.nextInt(n);
            for (int k = 0; k < n; k++) {
                expected[e] += a[rows[e] * n + k] * b[k * n + cols[e]];
            }
        }
        TiledMatrix ta = TiledMatrix.of(a, n, tile);
        TiledMatrix tb = TiledMatrix.of(b, n, tile);
        a = null;
        b = null;
        bind.sync();
        double[] seconds = new double[reps];
        double[] cpuSeconds = new double[reps];
        TiledMatrix c = null;
        long peakLive = 0;
        for (int rep = -1; rep < reps; rep++) {
            c = null;
            System.gc();
            try (MemoryWatch memory = new MemoryWatch(() -> bind.counters().liveBytes())) {
                long[] gcBefore = KernelStats.collections();
                long stallsBefore = bind.counters().windowStalls();
                long cpuStart = ProcessCpu.processNanos();
                long start = System.nanoTime();
                c = Gemm.multiply(ta, tb);
                bind.sync();
                double elapsed = (System.nanoTime() - start) / 1e9;
                double cpu = (ProcessCpu.processNanos() - cpuStart) / 1e9;
                if (bind.rank() == 0) {
                    long[] gcAfter = KernelStats.collections();
                    System.out.printf(Locale.ROOT, "  bind gemm, %d ranks x %d worker(s)  %8.3f s  %7.1f GFLOPS"
                            + "  (rank 0: %d GCs, %d ms; %d window stalls)%s%n", bind.size(), bind.workers(), elapsed,
                        2.0 * n * n * (double) n / elapsed / 1e9, gcAfter[0] - gcBefore[0], gcAfter[1] - gcBefore[1],
                        bind.counters().windowStalls() - stallsBefore, rep < 0 ? "; warm-up, not counted" : "");
                }
                if (rep >= 0) {
                    seconds[rep] = elapsed;
                    cpuSeconds[rep] = cpu;
                    peakLive = Math.max(peakLive, memory.peakLiveBytes());
                }
            }
        }
        double[] actual = c.gatherEntries(rows, cols);
        double difference = 0;
        double norm = 0;
        for (int e = 0; e < SAMPLES; e++) {
            difference += (actual[e] - expected[e]) * (actual[e] - expected[e]);
            norm += expected[e] * expected[e];
        }
        System.out.printf(Locale.ROOT, "%srank=%d cpu_seconds=%.4f%n", CPU_PREFIX, bind.rank(),
            new Samples(cpuSeconds).median());
        if (bind.rank() == 0) {
            System.out.printf(Locale.ROOT, "%sn=%d tile=%d ranks=%d workers=%d kernels=%s seconds=%.4f error=%.3e"
                    + " peak_live=%d%n", LINE_PREFIX, n, tile, bind.size(), bind.workers(), Kernels.active().name(),
                new Samples(seconds).median(), Math.sqrt(difference / norm), peakLive);
        }
    }
}
