package org.bind.bench;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

import org.bind.Bind;
import org.bind.ByteArray;
import org.bind.In;
import org.bind.Op;
import org.bind.Scope;
import org.bind.dag.Counters;

/**
 * The Bind side of {@code bin/bench transfer}, run on every rank: {@code pingpong SIZES REPS} moves one byte array
 * between ranks 0 and 1 (an in-place update on each rank in turn: every step moves the whole array), and
 * {@code bcast SIZES REPS} updates it on rank 0 and reads it on every other rank (the runtime relays it down its
 * tree). Rank 0 prints {@code TRANSFER mode bytes=B gb_s=G} per size: the median over REPS repetitions of bytes
 * delivered to one receiver per second, after WARMUP_REPS untimed ones (default 0: two steps only).
 */
@SuppressWarnings("try") // scopes are entered for their effect
public final class TransferProgram {
    /** {@code true}: every rank prints its CPU time by thread role for each size ({@code CPU ...} lines). */
    static final String CPU_PROP_NAME = "bind.bench.cpu";
    /** The kernel's names of the JVM's own threads (collector, compilers, VM thread), which have no Java thread. */
    private static final Pattern JVM_THREAD =
        Pattern.compile("GC Thread|G1 .*|C[12] CompilerThre|VM .*|Common-Cleaner|Sweeper thread");
    /** Bytes each repetition moves at least, so that small sizes are timed over many steps. */
    private static final long BYTES_PER_REP = 256L << 20;

    private TransferProgram() {
    }

    @Op
    static void bump(ByteArray a) {
        a.data()[0]++;
    }

    @Op
    static void read(@In ByteArray a, ByteArray sink) {
        sink.data()[0] += a.data()[a.length() - 1];
    }

    public static void main(String[] args) {
        try (Bind bind = Bind.init(args)) {
            String[] own = bind.args();
            if (own.length < 3 || own.length > 4 || !(own[0].equals("pingpong") || own[0].equals("bcast"))) {
                throw new IllegalArgumentException("usage: TransferProgram pingpong|bcast SIZE_BYTES[,SIZE...] REPS"
                    + " [WARMUP_REPS]");
            }
            boolean pingpong = own[0].equals("pingpong");
            if (bind.size() < 2) {
                throw new IllegalArgumentException(own[0] + " needs at least 2 ranks, not " + bind.size());
            }
            int reps = Integer.parseInt(own[2]);
            int warmupReps = own.length > 3 ? Integer.parseInt(own[3]) : 0;
            for (String text : own[1].split(",")) {
                int bytes = Integer.parseInt(text.trim());
                ByteArray a = ByteArray.of(bytes);
                ByteArray[] sinks = new ByteArray[bind.size()];
                for (int r = 0; r < sinks.length; r++) {
                    sinks[r] = ByteArray.of(1);
                }
                int steps = (int) Math.max(2, BYTES_PER_REP / (pingpong ? 2L * bytes : bytes));
                run(bind, a, sinks, pingpong, 2); // warm-up: buffers, connections
                for (int rep = 0; rep < warmupReps; rep++) {
                    run(bind, a, sinks, pingpong, steps); // warm-up: the JIT
                }
                long cpuBeforeNs = ProcessCpu.processNanos();
                Map<String, Long> threadsBefore = ProcessCpu.threadNanosByRole();
                Counters countersBefore = bind.counters();
                Kernel kernelBefore = Kernel.now();
                long wallBeforeNs = System.nanoTime();
                double[] rates = new double[reps];
                for (int rep = 0; rep < reps; rep++) {
                    long startNs = System.nanoTime();
                    long moved = run(bind, a, sinks, pingpong, steps) * (long) bytes;
                    rates[rep] = moved / (double) (System.nanoTime() - startNs);
                }
                Arrays.sort(rates);
                if (bind.rank() == 0) {
                    System.out.printf("TRANSFER %s bytes=%d gb_s=%.3f%n", own[0], bytes, rates[reps / 2]);
                }
                if (Boolean.getBoolean(CPU_PROP_NAME)) {
                    printCpu(bind.rank(), own[0], bytes, System.nanoTime() - wallBeforeNs,
                        ProcessCpu.processNanos() - cpuBeforeNs, threadsBefore, countersBefore, bind.counters(),
                        kernelBefore);
                }
            }
        }
    }

    /** What the kernel and the collector had cost this process at one moment ({@link KernelStats}). */
    private record Kernel(KernelStats.Cost process, Map<String, KernelStats.Cost> roles, long[] collections) {
        static Kernel now() {
            return new Kernel(KernelStats.process(), KernelStats.byRole(), KernelStats.collections());
        }
    }

    /**
     * One line per rank: its CPU seconds over the timed repetitions (the whole process: GC and JIT included), by
     * thread role, and the wall time; the share of a core each used is CPU over wall. Then the versions it
     * received, of which how many into a dead version's buffer ({@code recycled}), the ops that wrote their input in
     * place or copied it (updates of a version still being read or sent), the buffers taken again from the rank's
     * shared pool ({@code shared_reused}), what of the CPU was system time ({@code sys_s}), the memory first touched
     * through page faults ({@code faults_mib}), the collections and their milliseconds ({@code gc=N/ms}), the
     * system time by role ({@code sys:role=s}), and the JVM's own threads' CPU seconds, user and system, by role
     * ({@code jvm:role=s}: collector, compilers; the per-thread times above cover Java threads only).
     */
    private static void printCpu(int rank, String mode, int bytes, long wallNs, long processNs,
                                 Map<String, Long> threadsBefore, Counters before, Counters after, Kernel kernelBefore) {
        Kernel kernel = Kernel.now();
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "CPU %s bytes=%d rank=%d wall_s=%.3f"
            + " process_s=%.3f", mode, bytes, rank, wallNs / 1e9, processNs / 1e9));
        ProcessCpu.threadNanosByRole().forEach((role, ns) -> {
            double s = (ns - threadsBefore.getOrDefault(role, 0L)) / 1e9;
            if (s >= 0.005) {
                line.append(String.format(Locale.ROOT, " %s=%.3f", role, s));
            }
        });
        line.append(String.format(Locale.ROOT, " received=%d recycled=%d in_place=%d copies=%d shared_reused=%d",
            after.versionsReceived() - before.versionsReceived(),
            after.receivedIntoRecycled() - before.receivedIntoRecycled(),
            after.inPlaceWrites() - before.inPlaceWrites(), after.copies() - before.copies(),
            after.sharedPoolReused() - before.sharedPoolReused()));
        KernelStats.Cost process = kernel.process().minus(kernelBefore.process());
        line.append(String.format(Locale.ROOT, " sys_s=%.3f faults_mib=%.0f gc=%d/%d", process.systemNs() / 1e9,
            process.faultMib(), kernel.collections()[0] - kernelBefore.collections()[0],
            kernel.collections()[1] - kernelBefore.collections()[1]));
        kernel.roles().forEach((role, cost) -> {
            KernelStats.Cost used = cost.minus(kernelBefore.roles().getOrDefault(role, KernelStats.Cost.NONE));
            if (used.systemNs() >= 10_000_000L || used.faultMib() >= 1) {
                line.append(String.format(Locale.ROOT, " sys:%s=%.2f/%.0fMiB", role, used.systemNs() / 1e9,
                    used.faultMib()));
            }
        });
        kernel.roles().forEach((role, cost) -> {
            KernelStats.Cost used = cost.minus(kernelBefore.roles().getOrDefault(role, KernelStats.Cost.NONE));
            long ns = used.systemNs() + used.userNs();
            if (JVM_THREAD.matcher(role).matches() && ns >= 10_000_000L) {
                line.append(String.format(Locale.ROOT, " jvm:%s=%.2f", role.replace(' ', '_'), ns / 1e9));
            }
        });
        System.out.println(line);
    }

    /** Runs {@code steps} steps and syncs; returns the arrays delivered to one receiver. */
    private static long run(Bind bind, ByteArray a, ByteArray[] sinks, boolean pingpong, int steps) {
        for (int step = 0; step < steps; step++) {
            if (pingpong) {
                try (Scope s = bind.on(1)) {
                    bump(a);
                }
                try (Scope s = bind.on(0)) {
                    bump(a);
                }
            } else {
                try (Scope s = bind.on(0)) {
                    bump(a);
                }
                for (int r = 1; r < bind.size(); r++) {
                    try (Scope s = bind.on(r)) {
                        read(a, sinks[r]);
                    }
                }
            }
        }
        bind.sync();
        return pingpong ? 2L * steps : steps;
    }
}
