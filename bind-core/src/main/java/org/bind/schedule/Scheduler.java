package org.bind.schedule;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.bind.version.BufferPool;

/**
 * Runs ready ops on a work-stealing pool.
 *
 * <p><b>Implementation overview.</b> Each worker owns a deque (a {@link ForkJoinPool} in LIFO mode). Ops made
 * ready by the program thread enter through the pool's shared submission queues; ops made ready by a
 * finishing op are pushed onto the finishing worker's own deque and popped by it next, while their inputs are
 * still in its cache (Weave's and Cilk's work-first order); idle workers steal from the other end. Each worker
 * also owns a {@link BufferPool} of dead version buffers, so that the memory of a version that just died on a
 * core is reused by the next version produced there (GRAMPS' buffer manager). Idle workers park; nothing
 * spins.
 *
 * <p>Benchmarks: ForkJoinPool's per-task cost is ~20 ns on this hardware, well under the per-op bookkeeping,
 * so a custom deque would not change the picture (see {@code bin/bench overhead}).
 */
public final class Scheduler {
    private final ForkJoinPool pool;

    /**
     * @param workers         worker threads
     * @param threadName      prefix of worker thread names
     * @param poolBytes       capacity of each worker's buffer pool
     * @param onUncaught      told about anything that escapes a task (should not happen: ops catch their own)
     */
    public Scheduler(int workers, String threadName, long poolBytes, Thread.UncaughtExceptionHandler onUncaught) {
        AtomicInteger created = new AtomicInteger();
        ForkJoinPool.ForkJoinWorkerThreadFactory factory = fjp -> {
            Worker worker = new Worker(fjp, poolBytes);
            worker.setName(threadName + created.getAndIncrement());
            worker.setDaemon(true);
            return worker;
        };
        this.pool = new ForkJoinPool(workers, factory, onUncaught, false);
    }

    /** Makes {@code task} runnable: onto the calling worker's own deque, else into the pool's queues. Any thread. */
    public void execute(ForkJoinTask<?> task) {
        if (Thread.currentThread() instanceof Worker worker && worker.getPool() == pool) {
            task.fork();
        } else {
            pool.execute(task);
        }
    }

    public int workers() {
        return pool.getParallelism();
    }

    /** Tasks taken from another worker's deque so far. */
    public long steals() {
        return pool.getStealCount();
    }

    /** Stops the workers and waits up to {@code timeoutMs} for them to exit; returns whether they did. */
    public boolean shutdown(long timeoutMs) {
        pool.shutdown();
        try {
            return pool.awaitTermination(timeoutMs, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** A worker thread with its buffer pool. */
    static final class Worker extends ForkJoinWorkerThread implements BufferPool.Owner {
        private final BufferPool buffers;

        Worker(ForkJoinPool pool, long poolBytes) {
            super(pool);
            this.buffers = new BufferPool(poolBytes);
        }

        @Override
        public BufferPool bufferPool() {
            return buffers;
        }

        @Override
        protected void onTermination(Throwable exception) {
            buffers.clear();
            super.onTermination(exception);
        }
    }
}
