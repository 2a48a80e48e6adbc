package org.bind.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time, to read wall-clock figures on a shared machine:
 * <ul>
 *   <li>the share of all cores this JVM used;</li>
 *   <li>the share of all cores that other processes used meanwhile (Linux, from {@code /proc/stat}, to 10 ms):
 *       above a few percent, the run competed for the cores and its wall times are inflated;</li>
 *   <li>the CPU time of the program thread: the sequential submission cost per op, which bounds op throughput
 *       and hardly depends on other processes.</li>
 * </ul>
 * Readings are -1 when the platform does not tell; shares are then NaN.
 */
final class ProcessCpu {
    private static final OperatingSystemMXBean OS = ManagementFactory.getOperatingSystemMXBean();
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final int PROCESSORS = Runtime.getRuntime().availableProcessors();
    private static final Path PROC_STAT = Path.of("/proc/stat");
    private static final long NS_PER_TICK = 10_000_000L; // USER_HZ = 100 on Linux

    private ProcessCpu() {
    }

    /** A reading of this process's and the whole machine's CPU time, ns. */
    record Reading(long processNs, long machineBusyNs) {
        static Reading now() {
            return new Reading(processNanos(), machineBusyNanos());
        }

        /** Share of all cores this process used since {@code before}, over {@code wallNs}. */
        double processShare(Reading before, long wallNs) {
            return share(before.processNs, processNs, wallNs);
        }

        /** Share of all cores other processes used since {@code before}, over {@code wallNs}. */
        double otherShare(Reading before, long wallNs) {
            if (before.machineBusyNs < 0 || machineBusyNs < 0 || before.processNs < 0 || processNs < 0) {
                return Double.NaN;
            }
            long others = (machineBusyNs - before.machineBusyNs) - (processNs - before.processNs);
            return Math.max(0, others) / ((double) wallNs * PROCESSORS);
        }
    }

    /** CPU ns used by this process so far, or -1. Any thread. */
    static long processNanos() {
        return OS instanceof com.sun.management.OperatingSystemMXBean os ? os.getProcessCpuTime() : -1;
    }

    /** CPU ns used by the calling thread so far, or -1. */
    static long threadNanos() {
        return THREADS.isCurrentThreadCpuTimeSupported() ? THREADS.getCurrentThreadCpuTime() : -1;
    }

    /**
     * CPU ns used so far by this process's live threads, summed by role: the thread's name up to its last
     * {@code -<number>} and with rank numbers dropped ({@code bind-worker-1-0} and {@code bind-worker-1-1} are both
     * {@code bind-worker}); threads that ended are not counted (the process figure is). Any thread.
     */
    static java.util.Map<String, Long> threadNanosByRole() {
        java.util.Map<String, Long> byRole = new java.util.TreeMap<>();
        if (!THREADS.isThreadCpuTimeSupported()) {
            return byRole;
        }
        for (java.lang.management.ThreadInfo info : THREADS.getThreadInfo(THREADS.getAllThreadIds())) {
            if (info == null) {
                continue;
            }
            long ns = THREADS.getThreadCpuTime(info.getThreadId());
            if (ns > 0) {
                String role = info.getThreadName().replaceAll("(-\\d+)+$", "").replaceAll("\\s+\\d+$", "");
                byRole.merge(role.isEmpty() ? "?" : role, ns, Long::sum);
            }
        }
        return byRole;
    }

    /** Busy CPU ns of all cores (everything but idle and iowait) since boot, or -1 off Linux. */
    static long machineBusyNanos() {
        try {
            String line = Files.readAllLines(PROC_STAT).get(0); // cpu user nice system idle iowait irq softirq steal
            String[] f = line.trim().split("\\s+");
            long busy = 0;
            for (int i = 1; i < Math.min(f.length, 9); i++) {
                if (i != 4 && i != 5) {
                    busy += Long.parseLong(f[i]);
                }
            }
            return busy * NS_PER_TICK;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private static double share(long before, long after, long wallNs) {
        if (before < 0 || after < 0 || wallNs <= 0) {
            return Double.NaN;
        }
        return (after - before) / ((double) wallNs * PROCESSORS);
    }
}
