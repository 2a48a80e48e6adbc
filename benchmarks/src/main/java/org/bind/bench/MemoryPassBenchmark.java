package org.bind.bench;

import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.CyclicBarrier;

/**
 * What one pass over a large array costs on this machine, the unit in which a transfer's and a broadcast's work is
 * counted (README, "The 4-rank broadcast, and what bounds it on 2 cores"): {@code System.arraycopy} of {@code --mib}
 * MiB into an array used before (a version written into a recycled buffer, or Aeron's log buffer), into a fresh
 * array (a version allocated for the copy: the JVM zeroes it and, on memory the heap has not touched, the kernel
 * faults it in first), and the same copy on two threads at once (both cores copying: what the ranks of a broadcast on
 * one host do). Prints per figure the median over {@code --reps} of GB/s per thread, then
 * {@code RESULT memory-pass mib=M reused_gb_s=.. fresh_gb_s=.. two_threads_gb_s=..}.
 *
 * <p>Run with {@code bin/bench memory-pass [--mib 64] [--reps 9]}; its heap is bin/bench's (-Xms2g -Xmx8g).
 */
public final class MemoryPassBenchmark {
    private MemoryPassBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int mib = 64;
        int reps = 9;
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : "";
            switch (args[i]) {
                case "--mib" -> mib = bounded("--mib", value, 1, 1024);
                case "--reps" -> reps = bounded("--reps", value, 1, 1000);
                default -> {
                    System.err.println("memory-pass: unknown option " + args[i]);
                    System.err.println("usage: bin/bench memory-pass [--mib 64] [--reps 9]");
                    System.exit(2);
                }
            }
            i++;
        }
        int bytes = mib << 20;
        byte[] source = new byte[bytes];
        Arrays.fill(source, (byte) 7);
        byte[] target = new byte[bytes];
        double[] reused = new double[reps];
        double[] fresh = new double[reps];
        double[] both = new double[reps];
        byte[] otherSource = source.clone();
        byte[] otherTarget = target.clone();
        for (int warm = 0; warm < 3; warm++) {
            System.arraycopy(source, 0, target, 0, bytes);
        }
        long sink = 0;
        for (int r = 0; r < reps; r++) {
            long t0 = System.nanoTime();
            System.arraycopy(source, 0, target, 0, bytes);
            reused[r] = bytes / (double) (System.nanoTime() - t0);
            t0 = System.nanoTime();
            byte[] made = new byte[bytes];
            System.arraycopy(source, 0, made, 0, bytes);
            fresh[r] = bytes / (double) (System.nanoTime() - t0);
            sink += made[r];
            both[r] = twoThreads(source, target, otherSource, otherTarget, bytes);
        }
        Arrays.sort(reused);
        Arrays.sort(fresh);
        Arrays.sort(both);
        System.out.printf(Locale.ROOT, "memory-pass: %d MiB, %d repetitions (median), %d cores%n", mib, reps,
            Runtime.getRuntime().availableProcessors());
        System.out.printf(Locale.ROOT, "  copy into a reused array           %7.2f GB/s%n", reused[reps / 2]);
        System.out.printf(Locale.ROOT, "  copy into a fresh array            %7.2f GB/s (allocation included)%n",
            fresh[reps / 2]);
        System.out.printf(Locale.ROOT, "  two threads, each into its own     %7.2f GB/s per thread%n", both[reps / 2]);
        System.out.printf(Locale.ROOT, "RESULT memory-pass mib=%d reused_gb_s=%.2f fresh_gb_s=%.2f"
            + " two_threads_gb_s=%.2f%n", mib, reused[reps / 2], fresh[reps / 2], both[reps / 2]);
        if (sink == Long.MIN_VALUE) {
            System.out.println(sink); // keeps the fresh arrays' copies observable
        }
    }

    /** Two threads copy {@code bytes} at once, each from its own source into its own target; GB/s per thread. */
    private static double twoThreads(byte[] source, byte[] target, byte[] otherSource, byte[] otherTarget, int bytes)
        throws Exception {
        CyclicBarrier start = new CyclicBarrier(2);
        long[] ns = new long[1];
        Thread other = new Thread(() -> {
            try {
                start.await();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            long t0 = System.nanoTime();
            System.arraycopy(otherSource, 0, otherTarget, 0, bytes);
            ns[0] = System.nanoTime() - t0;
        });
        other.start();
        start.await();
        long t0 = System.nanoTime();
        System.arraycopy(source, 0, target, 0, bytes);
        long mine = System.nanoTime() - t0;
        other.join();
        return bytes / (double) Math.max(mine, ns[0]);
    }

    private static int bounded(String flag, String value, int min, int max) {
        try {
            int parsed = Integer.parseInt(value.trim());
            if (parsed >= min && parsed <= max) {
                return parsed;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        System.err.println("memory-pass: " + flag + " '" + value + "' must be an integer in [" + min + ", " + max + "]");
        System.exit(2);
        return min;
    }
}
