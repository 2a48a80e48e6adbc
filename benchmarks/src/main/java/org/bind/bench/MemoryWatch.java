package org.bind.bench;

import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.LongSupplier;

/**
 * Peaks of memory while a run goes on: the runtime's live version bytes (sampled every 5 ms on a daemon thread),
 * the Java heap and the direct buffers (sampled likewise), and the process's resident set
 * high-water mark ({@code VmHWM}, Linux only, for the whole process so far).
 *
 * <p>Created, read and closed by one thread.
 */
final class MemoryWatch implements AutoCloseable {
    private static final long SAMPLE_MS = 5;

    private final LongSupplier liveBytes;
    private final Thread sampler;
    private volatile boolean stopped;
    private volatile long peakLiveBytes;
    private volatile long peakDirectBytes;
    private volatile long peakHeapBytes;

    MemoryWatch(LongSupplier liveBytes) {
        this.liveBytes = liveBytes;
        this.sampler = new Thread(this::sample, "memory-watch");
        sampler.setDaemon(true);
        sampler.start();
    }

    private void sample() {
        while (!stopped) {
            peakLiveBytes = Math.max(peakLiveBytes, liveBytes.getAsLong());
            peakDirectBytes = Math.max(peakDirectBytes, directBytes());
            peakHeapBytes = Math.max(peakHeapBytes, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
            try {
                Thread.sleep(SAMPLE_MS);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private static long directBytes() {
        long used = 0;
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (pool.getName().equals("direct")) {
                used += pool.getMemoryUsed();
            }
        }
        return used;
    }

    /** The largest sampled count of live version bytes. */
    long peakLiveBytes() {
        return peakLiveBytes;
    }

    /** The largest sampled use of direct buffers. */
    long peakDirectBytes() {
        return peakDirectBytes;
    }

    /** The largest sampled use of the Java heap (live and not yet collected objects). */
    long peakHeapBytes() {
        return peakHeapBytes;
    }

    /** The process's resident set high-water mark in bytes, or -1 where /proc is missing. */
    static long residentHighWaterBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    @Override
    public void close() {
        stopped = true;
        sampler.interrupt();
        try {
            sampler.join(1_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
