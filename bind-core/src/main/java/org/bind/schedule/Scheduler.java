package org.bind.schedule;

import java.util.concurrent.ConcurrentLinkedQueue;
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
    private static final long DRAINER_LINGER_NS = 50_000;
    private static final int BACKLOG_PER_DRAINER = 32;

    private final ForkJoinPool pool;
    private final int maxDrainers;
    private final ConcurrentLinkedQueue<ForkJoinTask<?>> inbox = new ConcurrentLinkedQueue<>();
    private final AtomicInteger backlog = new AtomicInteger();
    private final AtomicInteger drainers = new AtomicInteger();

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
        this.maxDrainers = workers;
    }

    /**
     * Makes {@code task} runnable: onto the calling worker's own deque, else into the inbox that drainers empty.
     * Any thread.
     */
    public void execute(ForkJoinTask<?> task) {
        if (Thread.currentThread() instanceof Worker worker && worker.getPool() == pool) {
            task.fork();
            return;
        }
        inbox.offer(task);
        int waiting = backlog.incrementAndGet();
        int active = drainers.get();
        if (active == 0 || (active < maxDrainers && waiting > active * BACKLOG_PER_DRAINER)) {
            spawnDrainer();
        }
    }

    private void spawnDrainer() {
        int active;
        do {
            active = drainers.get();
            if (active >= maxDrainers) {
                return;
            }
        } while (!drainers.compareAndSet(active, active + 1));
        pool.execute(new Drainer());
    }

    /**
     * Runs ops submitted by the program thread, and what they make ready, on one worker; lingers briefly when
     * the inbox is empty so that a program thread submitting small ops does not pay a worker wake-up per op.
     */
    private final class Drainer extends ForkJoinTask<Void> {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean exec() {
            long idleSinceNs = 0;
            int spins = 0;
            while (!pool.isShutdown()) {
                ForkJoinTask<?> task = pollNextLocalTask();
                if (task == null) {
                    task = inbox.poll();
                    if (task != null) {
                        backlog.decrementAndGet();
                    }
                }
                if (task != null) {
                    task.invoke();
                    idleSinceNs = 0;
                    continue;
                }
                if ((++spins & 63) == 0) {
                    long now = System.nanoTime();
                    if (idleSinceNs == 0) {
                        idleSinceNs = now;
                    } else if (now - idleSinceNs > DRAINER_LINGER_NS) {
                        break;
                    }
                }
                Thread.onSpinWait();
            }
            drainers.decrementAndGet();
            if (!inbox.isEmpty()) {
                spawnDrainer(); // a task may have arrived after the last poll, while this drainer still counted
            }
            return true;
        }

        @Override
        public Void getRawResult() {
            return null;
        }

        @Override
        protected void setRawResult(Void value) {
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
