package org.bind.trace;

import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * A progress line on stderr for long runs ({@code ops done / submitted}), rewritten in place every period while
 * something changes. Runs on its own daemon thread until {@link #stop()}.
 */
public final class Progress {
    private final Thread thread;
    private volatile boolean stopped;

    /**
     * @param rank     shown in the line
     * @param periodMs how often to print
     * @param done     ops finished so far
     * @param inFlight ops submitted and not finished
     * @param liveMiB  MiB of live versions
     */
    public Progress(int rank, long periodMs, LongSupplier done, LongSupplier inFlight, LongSupplier liveMiB) {
        this.thread = new Thread(() -> run(rank, periodMs, done, inFlight, liveMiB), "bind-progress-" + rank);
        thread.setDaemon(true);
        thread.start();
    }

    private void run(int rank, long periodMs, LongSupplier done, LongSupplier inFlight, LongSupplier liveMiB) {
        long last = -1;
        while (!stopped) {
            LockSupport.parkNanos(periodMs * 1_000_000L);
            long run = done.getAsLong();
            long pending = inFlight.getAsLong();
            if (!stopped && (run != last || pending > 0)) {
                System.err.printf("\rbind: rank %d: %,d ops done / %,d submitted, %,d in flight, %,d MiB live   ",
                    rank, run, run + pending, pending, liveMiB.getAsLong());
                last = run;
            }
        }
        if (last >= 0) {
            System.err.println();
        }
    }

    /** Stops the thread and waits for it to end the line. Idempotent. */
    public void stop() {
        stopped = true;
        LockSupport.unpark(thread);
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
