package org.bind.bench;

import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * What a process's threads cost the kernel, and the garbage collector, to tell memory passes from page faults: the
 * system (and user) CPU time and the minor page faults of the process and of its threads by role (Linux, from
 * {@code /proc/self/stat} and {@code /proc/self/task/<tid>/stat}, to 10 ms), and the collections and their time. A
 * thread that writes into memory the process has not touched yet (a fresh large array on a heap that grew or gave
 * memory back) pays a fault per 4 KiB page and the kernel's zeroing of it, as system time.
 *
 * <p>Readings are empty off Linux. Any thread.
 */
final class KernelStats {
    private static final Path SELF_STAT = Path.of("/proc/self/stat");
    private static final Path SELF_TASKS = Path.of("/proc/self/task");
    private static final long NS_PER_TICK = 10_000_000L; // USER_HZ = 100 on Linux
    private static final long PAGE_BYTES = 4096;

    private KernelStats() {
    }

    /**
     * Minor page faults, system and user CPU time ns, of a process or of the threads of one role (the JVM's own
     * threads too: collector, compilers, which the JVM's per-thread CPU times leave out).
     */
    record Cost(long minorFaults, long systemNs, long userNs) {
        static final Cost NONE = new Cost(0, 0, 0);

        Cost plus(Cost other) {
            return new Cost(minorFaults + other.minorFaults, systemNs + other.systemNs, userNs + other.userNs);
        }

        Cost minus(Cost before) {
            return new Cost(minorFaults - before.minorFaults, systemNs - before.systemNs, userNs - before.userNs);
        }

        /** The memory first touched through these faults, MiB (4 KiB pages). */
        double faultMib() {
            return minorFaults * PAGE_BYTES / (double) (1 << 20);
        }
    }

    /** The whole process's cost so far; {@link Cost#NONE} where {@code /proc} does not tell. */
    static Cost process() {
        Cost cost = read(SELF_STAT);
        return cost == null ? Cost.NONE : cost;
    }

    /**
     * The live threads' cost so far, by role: the kernel's name of the thread (the first 15 characters of its Java
     * name) without trailing {@code -<number>}s or a {@code #<number>}, so {@code bind-worker-0-0} counts as
     * {@code bind-worker} and {@code GC Thread#1} as {@code GC Thread}; threads that ended are only in
     * {@link #process()}.
     */
    static Map<String, Cost> byRole() {
        Map<String, Cost> roles = new TreeMap<>();
        try (Stream<Path> tasks = Files.list(SELF_TASKS)) {
            tasks.forEach(task -> {
                Path stat = task.resolve("stat");
                Cost cost = read(stat);
                String name = comm(stat);
                if (cost != null && name != null) {
                    String role = name.replaceAll("(-\\d+)+-?$", "").replaceAll("(\\s+|#)\\d+$", "");
                    roles.merge(role.isEmpty() ? "?" : role, cost, Cost::plus);
                }
            });
        } catch (IOException | RuntimeException e) {
            roles.clear();
        }
        return roles;
    }

    /** Collections so far and their total time (ms, pauses; concurrent phases are not counted), every collector. */
    static long[] collections() {
        long count = 0;
        long ms = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            count += Math.max(0, gc.getCollectionCount());
            ms += Math.max(0, gc.getCollectionTime());
        }
        return new long[] {count, ms};
    }

    /** Fields after the command name: state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime. */
    private static Cost read(Path stat) {
        try {
            String line = Files.readString(stat);
            String[] f = line.substring(line.lastIndexOf(')') + 2).trim().split("\\s+");
            return new Cost(Long.parseLong(f[7]), Long.parseLong(f[12]) * NS_PER_TICK,
                Long.parseLong(f[11]) * NS_PER_TICK);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static String comm(Path stat) {
        try {
            String line = Files.readString(stat);
            return line.substring(line.indexOf('(') + 1, line.lastIndexOf(')'));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
