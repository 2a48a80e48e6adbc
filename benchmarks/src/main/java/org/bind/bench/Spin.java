package org.bind.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.concurrent.CyclicBarrier;

/**
 * A calibrated busy-wait that does real arithmetic: a chain of dependent multiply-adds, so the JIT can neither
 * vectorise nor drop it (the result is returned and stored by the caller). The chain converges to 1, so values
 * stay normal (no denormal slow-down, no overflow).
 *
 * <p>{@link #calibrate} measures the cost of one step with all workers spinning at once (the state the stencil
 * runs in, including any clock or shared-core effect), in thread CPU time where the JVM offers it, so that
 * another process competing for the cores during calibration does not shorten the tasks: an op asked to spin
 * {@code d} µs computes for {@code d} µs of CPU.
 */
final class Spin {
    private static final double FACTOR = 0.9999999;
    private static final double ADDEND = 1e-7;

    private final double nsPerIteration;
    private final double wallNsPerIteration;
    private final boolean cpuTime;

    private Spin(double nsPerIteration, double wallNsPerIteration, boolean cpuTime) {
        this.nsPerIteration = nsPerIteration;
        this.wallNsPerIteration = wallNsPerIteration;
        this.cpuTime = cpuTime;
    }

    /** Runs {@code iterations} dependent multiply-adds starting from {@code seed}. Any thread. */
    static double run(int iterations, double seed) {
        double x = seed;
        for (int i = 0; i < iterations; i++) {
            x = x * FACTOR + ADDEND;
        }
        return x;
    }

    /**
     * Measures the kernel on {@code threads} threads at once; the median sample. CPU time leaves out the time a
     * thread was descheduled; the median of it follows the clock the cores actually ran at (it varies by some
     * 20% on a shared host), where the fastest sample would make every task longer than asked.
     */
    static Spin calibrate(int threads) throws InterruptedException {
        double sink = 0;
        for (int i = 0; i < 20_000; i++) {
            sink += run(1_000, i);  // compiles run() with C2 before timing it
        }
        ThreadMXBean clock = ManagementFactory.getThreadMXBean();
        boolean cpuTime = clock.isCurrentThreadCpuTimeSupported();
        int iterations = 2_000_000;
        int repetitions = 9;
        double[] samples = new double[threads * repetitions];
        double[] wallSamples = new double[threads * repetitions];
        CyclicBarrier start = new CyclicBarrier(threads);
        Thread[] spinners = new Thread[threads];
        double[] sinks = new double[threads];
        for (int t = 0; t < threads; t++) {
            int thread = t;
            spinners[t] = new Thread(() -> {
                try {
                    for (int r = 0; r < repetitions; r++) {
                        start.await();
                        long cpu0 = cpuTime ? clock.getCurrentThreadCpuTime() : 0;
                        long t0 = System.nanoTime();
                        sinks[thread] += run(iterations, r);
                        long wall = System.nanoTime() - t0;
                        long cpu = cpuTime ? clock.getCurrentThreadCpuTime() - cpu0 : wall;
                        samples[thread * repetitions + r] = cpu / (double) iterations;
                        wallSamples[thread * repetitions + r] = wall / (double) iterations;
                    }
                } catch (Exception e) {
                    throw new IllegalStateException("spin calibration interrupted", e);
                }
            }, "spin-calibration-" + t);
            spinners[t].start();
        }
        for (Thread spinner : spinners) {
            spinner.join();
        }
        for (double s : sinks) {
            sink += s;
        }
        if (Double.isNaN(sink)) {
            throw new IllegalStateException("spin kernel produced NaN");
        }
        Arrays.sort(samples);
        Arrays.sort(wallSamples);
        return new Spin(samples[samples.length / 2], wallSamples[wallSamples.length / 2], cpuTime);
    }

    /** CPU ns per step (wall ns when the JVM cannot read thread CPU time). */
    double nsPerIteration() {
        return nsPerIteration;
    }

    /** Median wall ns per step during calibration: above {@link #nsPerIteration} when other processes ran. */
    double wallNsPerIteration() {
        return wallNsPerIteration;
    }

    boolean cpuTime() {
        return cpuTime;
    }

    /** Iterations that take {@code micros} µs (at least 1). */
    int iterationsFor(double micros) {
        long n = Math.round(micros * 1_000.0 / nsPerIteration);
        if (n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("task duration " + micros + " µs is too long for the spin kernel");
        }
        return (int) Math.max(1, n);
    }
}
