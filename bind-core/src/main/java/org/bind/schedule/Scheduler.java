package org.bind.schedule;

import java.util.Comparator;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.bind.version.BufferPool;

/**
 * Runs ready ops on a work-stealing pool. (A little over 400 lines, a sixth of them this overview.)
 *
 * <p><b>Implementation overview.</b> Each worker owns a deque (a {@link ForkJoinPool} in LIFO mode). Ops made
 * ready by the program thread enter through the pool's shared submission queues; ops made ready by a
 * finishing op are pushed onto the finishing worker's own deque and popped by it next, while their inputs are
 * still in its cache (Weave's and Cilk's work-first order); idle workers steal from the other end. Each worker
 * also owns a {@link BufferPool} of dead version buffers, so that the memory of a version that just died on a
 * core is reused by the next version produced there (GRAMPS' buffer manager).
 *
 * <p>Ops the program thread makes ready go to its own {@link SubmissionRing} (single producer, drainers consume;
 * an offer allocates nothing and updates no counter shared with the workers; it has room for the whole window, up
 * to 65,536 ops: {@link #ringCapacityFor}), or, when the ring is full, to the inbox, which also takes ops made ready by other threads (a transport receiving a version); the program keeps
 * to the inbox until it empties, so its ops are still taken in submission order. Drainer tasks empty both, at
 * most one drainer per worker: a drainer that takes an op while more are waiting starts another drainer first, so independent ops run in
 * parallel, and a drainer that finds the inbox empty lingers about 50 µs before it ends, so that a program
 * submitting a stream of small ops does not pay a worker wake-up (a futex call, microseconds) per op. A lingering
 * drainer that has polled a few dozen times in vain steals from the other workers' deques ({@code pollTask}): ops
 * a finishing op made ready wait there while their worker runs the first of them, and the owner, which pops its
 * own deque within nanoseconds, keeps what it can take at once (a dependent chain stays on its core). The first op
 * a finishing op makes ready does not even enter the deque: it waits in the worker's {@code next} slot and runs
 * right after ({@link #afterTask}), so a dependent chain's next op costs no push and wakes no idle worker; the ops
 * after it (a stencil's step makes two ready) are forked and set the {@code surplus} hint, on which an idle drainer
 * steals at once. Ops that finishing ops
 * make ready never pass through the ring, so no drainer is started for them: a worker that finishes an op with its
 * deque empty becomes a drainer in place ({@link #afterTask}, at the very end of the op's {@code exec}) and lingers
 * like one, unless a drainer waits already (two spinning would take the core the program thread needs); otherwise
 * it would go back to the pool, which parks it after a short scan, and the next op made ready for it would pay a
 * wake-up. Idle workers park; the only spinning is those short lingers.
 *
 * <p><b>Priorities.</b> A task with a non-zero {@link Prioritized#priority()} skips the deques and the inbox: it
 * goes into one of two ranked sets shared by all workers (a lock-free skip list ordered by priority, then
 * submission order), {@code urgent} for positive priorities and {@code deferred} for negative ones. A drainer
 * takes the highest urgent task before anything else, then its own deque, then the inbox, and deferred tasks
 * only when nothing else is ready; so among ready ops the higher priorities run first and are the first an idle
 * worker takes. The default order (all priorities 0) never touches the sets: ops the program makes ready run in
 * submission order, ops a finishing op makes ready run next on its worker (depth first).
 *
 * <p><b>Per-op budget of the program thread</b> ({@code bin/bench overhead}, "prog ns": the program thread's CPU
 * time per op, the figure that bounds everything else). What a submission pays: the woven call (two thread-local
 * lookups, the argument arrays), classifying the arguments, a fresh op node, renaming (a new version per write),
 * binding inputs, the window and the hand-off. Atomics left per op: the ring's volatile {@code tail} store (the
 * StoreLoad the idle-drainer check needs), a waiter CAS per input still being produced, and the byte reservation of
 * each output; none for the window count ({@link Window}: the program thread counts what it takes, each worker what
 * it releases, on a line of its own), none for the pending count of an op that waits for nothing, and none for the
 * hold a read-write op takes on the version it supersedes (the latest-hold passes to it). Workers take what they need
 * of a version (its buffer type) from the version, not from its chain, whose line the program thread writes at every
 * new version, and allocate an op's buffer array themselves. Reusing op nodes was tried and dropped: a node a worker
 * wrote last costs the program thread cache misses that a fresh node in its own allocation buffer does not. Quiet,
 * 2026-12-06 (2 vCPUs, the benchmark alone, four full runs): an empty op 97-130 ns wall with 61-100 ns of
 * program-thread CPU, a chain op 188-275 ns, a stencil op at d = 2 µs 282-302 ns of program-thread CPU. Later that
 * evening (the benchmark alone, load average 2.0-2.9, 22 runs of {@code --phases empty,chain,stencil --durations
 * 20,5,2 --reps 5}, medians): an empty op 118 ns wall with 85 ns of program-thread CPU, a chain op 214 ns, a
 * stencil op at d = 2 µs 376 ns of program-thread CPU and 48 % efficiency. Moving the live-bytes count off the
 * submission's path and the ops-run count off a shared cell per op did not pay ({@code benchmarks/MEASUREMENTS.md}).
 *
 * <p><b>Why the wall exceeds the program thread's CPU.</b> With a worker per core, the program thread does not
 * have a core to itself: three threads share two cores and the wall follows their summed CPU per op, much of it cache
 * lines crossing cores (in runs where another process held one core, the program thread spent 31-65 ns of CPU per
 * empty op, against 73-89 ns with both cores). Handing ops to fewer drainers, parking sooner, or claiming several ring
 * slots at once did not pay: a single drainer does not keep up with the program thread.
 *
 * <p><b>Hand-off between workers</b> (Task Bench's stencil, {@code bin/bench overhead --phases stencil}: width 2,
 * each step's two ops read both ops of the step before, so every step crosses cores). The first op a finishing op makes
 * ready runs from the worker's {@code next} slot (no push, no wake-up of an idle worker), the others are forked with the
 * surplus hint an idle drainer steals on at once, and a worker left without work lingers in place; before, the second
 * op of each step waited for the pool's scan or a park and a futex wake-up. A worker's buffer pool keeps its most
 * recently used key aside, so that a stencil op's recycle and take of one size hash nothing.
 *
 * <p>Benchmarks ({@code bin/bench overhead}): a ForkJoinPool task costs ~15-50 ns as a balanced fork/join tree
 * but 75-130 ns forked flat or submitted from outside; what dominates the per-op cost here is handing ops
 * between the program thread and the workers (cache lines crossing cores) and waking parked workers, not the
 * pool itself.
 *
 * <p>The dated measurements behind these choices, and the changes tried and not kept, are in
 * {@code benchmarks/MEASUREMENTS.md}.
 */
public final class Scheduler {
    private static final long DRAINER_LINGER_NS = 50_000;
    /**
     * Idle polls before a drainer steals from another worker's deque: the owner pops what it forked within
     * nanoseconds of finishing its op, so a task still there after a few dozen polls waits for a busy worker.
     */
    private static final int STEAL_AFTER_SPINS = 32;

    private final ForkJoinPool pool;
    private final int maxDrainers;
    private static final Comparator<ForkJoinTask<?>> BY_PRIORITY = Comparator
        .comparingInt((ForkJoinTask<?> task) -> -((Prioritized) task).priority())
        .thenComparingLong(task -> ((Prioritized) task).sequence());

    /** Smallest and largest program rings ({@link #ringCapacityFor}). */
    static final int MIN_RING = 1 << 10;
    static final int MAX_RING = 1 << 16;

    private final SubmissionRing ring;
    /** Program thread only: whether its ops go to the inbox since the ring was full (until the inbox empties). */
    private boolean spilled;
    private final ConcurrentLinkedQueue<ForkJoinTask<?>> inbox = new ConcurrentLinkedQueue<>();
    private final ConcurrentSkipListSet<ForkJoinTask<?>> urgent = new ConcurrentSkipListSet<>(BY_PRIORITY);
    private final ConcurrentSkipListSet<ForkJoinTask<?>> deferred = new ConcurrentSkipListSet<>(BY_PRIORITY);
    private final AtomicInteger backlog = new AtomicInteger();
    private final AtomicInteger drainers = new AtomicInteger();
    private final AtomicInteger idleDrainers = new AtomicInteger();
    /**
     * Set by a worker that forked a ready task onto a deque already holding one (a finishing op made two or more
     * ready): an idle drainer steals at once instead of after {@link #STEAL_AFTER_SPINS} polls. Cleared by a
     * drainer whose steal finds nothing. A hint only: a lost or stale one delays a steal, it never loses a task.
     */
    private volatile boolean surplus;

    /**
     * @param workers         worker threads
     * @param threadName      prefix of worker thread names
     * @param poolBytes       capacity of each worker's buffer pool
     * @param ringCapacity    slots of the program thread's ring, a power of two ({@link #ringCapacityFor})
     * @param onUncaught      told about anything that escapes a task (should not happen: ops catch their own)
     */
    public Scheduler(int workers, String threadName, long poolBytes, int ringCapacity,
                     Thread.UncaughtExceptionHandler onUncaught) {
        this.ring = new SubmissionRing(ringCapacity);
        AtomicInteger created = new AtomicInteger();
        ForkJoinPool.ForkJoinWorkerThreadFactory factory = fjp -> {
            Worker worker = new Worker(fjp, this, poolBytes);
            worker.setName(threadName + created.getAndIncrement());
            worker.setDaemon(true);
            return worker;
        };
        this.pool = new ForkJoinPool(workers, factory, onUncaught, false);
        this.maxDrainers = workers;
    }

    /**
     * The ring for a window of {@code windowOps} ops in flight: room for all of them (the power of two at or above),
     * between {@link #MIN_RING} and {@link #MAX_RING} slots. A program running a window ahead of its workers then
     * hands every ready op over through the ring; past the ring it goes through the inbox, a linked queue whose
     * offer allocates a node and updates a counter the workers share. Measured with {@code bin/bench overhead
     * --phases empty,chain} on the quiet 2-core machine, 10 interleaved runs each: with a ring of a quarter of the
     * default window an empty op took 261 ns (median; program-thread CPU 190 ns), with the whole window 185 ns
     * (133 ns); the chain, which the ring does not carry, did not move beyond its noise.
     * A finished task stays reachable from its slot until overwritten, so the ring is capped.
     */
    public static int ringCapacityFor(long windowOps) {
        long wanted = Math.max(MIN_RING, Math.min(MAX_RING, windowOps));
        return (int) Long.highestOneBit(wanted - 1) << 1;
    }

    /**
     * Makes {@code task} runnable: on a worker, the first task the running task makes ready waits in the worker's
     * {@code next} slot for {@link #afterTask} (so a worker may call this only from a task that calls it), the others
     * go onto its own deque; on other threads, into the inbox that drainers empty. Any thread.
     */
    public void execute(ForkJoinTask<?> task) {
        int priority = task instanceof Prioritized ranked ? ranked.priority() : 0;
        if (priority != 0) {
            (priority > 0 ? urgent : deferred).add(task);
        } else if (Thread.currentThread() instanceof Worker worker && worker.getPool() == pool) {
            if (worker.next == null) {
                worker.next = task; // run by this worker once the finishing op returns (afterTask): no push, no wake-up
                return;
            }
            task.fork();
            if (!surplus) {
                surplus = true; // this worker runs the first one next; an idle drainer may take this one at once
            }
            return;
        } else {
            inbox.offer(task);
        }
        backlog.incrementAndGet();
        if (idleDrainers.get() == 0) {
            spawnDrainer(); // every drainer is busy running an op (or there is none): this op needs another
        }
    }

    /**
     * Makes {@code task}, made ready by the program's submission, runnable: into the ring the drainers empty
     * first. Only the one program thread of this scheduler may call it; other threads use {@link #execute}.
     */
    public void executeFromProgram(ForkJoinTask<?> task) {
        if (task instanceof Prioritized ranked && ranked.priority() != 0) {
            execute(task);
            return;
        }
        if (spilled) {
            spilled = !inbox.isEmpty(); // the ring's tasks are older than the inbox's: keep the order
        }
        if (spilled || !ring.offer(task)) {
            spilled = true;
            execute(task);
            return;
        }
        if (idleDrainers.get() == 0) {
            spawnDrainer(); // every drainer is busy running an op (or there is none): this op needs another
        }
    }

    private void spawnDrainer() {
        if (pool.isShutdown()) {
            return;
        }
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
     * Tells the scheduler that the calling task has done its work: on a worker of this kind, runs the task it made
     * ready first ({@link Worker#next}, and what that one makes ready first, and so on); then, when the worker runs
     * no drainer and has nothing left in its deque, it becomes a drainer in place and lingers (see the overview)
     * instead of going back to the pool, which would park it after a short scan. Called by a task at the very end of
     * its {@code exec}, always (in a {@code finally}): the task counts as running until this returns, so nothing may
     * join it. Any thread; a no-op off this kind of worker.
     */
    public static void afterTask() {
        if (!(Thread.currentThread() instanceof Worker worker) || worker.runningNext) {
            return; // not a worker, or the loop below, further up this stack, runs what comes next
        }
        ForkJoinTask<?> next = worker.next;
        if (next != null) {
            worker.runningNext = true;
            try {
                do {
                    worker.next = null;
                    next.invoke();
                } while ((next = worker.next) != null);
            } finally {
                worker.runningNext = false;
            }
        }
        if (!worker.draining && ForkJoinTask.getQueuedTaskCount() == 0) {
            worker.scheduler.lingerInPlace(worker);
        }
    }

    private void lingerInPlace(Worker worker) {
        if (idleDrainers.get() > 0) {
            return; // one waits for work already: two spinning would take the core the program thread needs
        }
        int active;
        do {
            active = drainers.get();
            if (active >= maxDrainers || pool.isShutdown()) {
                return;
            }
        } while (!drainers.compareAndSet(active, active + 1));
        drain(worker);
    }

    /**
     * Runs ops submitted by the program thread, and what they make ready, on one worker; lingers briefly when
     * the inbox is empty so that a program thread submitting small ops does not pay a worker wake-up per op.
     */
    private final class Drainer extends ForkJoinTask<Void> {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean exec() {
            Thread self = Thread.currentThread();
            if (self instanceof Worker worker && !worker.draining) {
                drain(worker);
            } else {
                drainers.decrementAndGet(); // run by a drainer's own loop (not expected): that loop drains already
            }
            return true;
        }

        /** The next task of the calling worker's own deque. Worker threads only. */
        static ForkJoinTask<?> pollOwn() {
            return pollNextLocalTask();
        }

        /** A task of the calling worker's deque, else one taken from another worker's. Worker threads only. */
        static ForkJoinTask<?> steal() {
            return pollTask();
        }

        @Override
        public Void getRawResult() {
            return null;
        }

        @Override
        protected void setRawResult(Void value) {
        }
    }

    /**
     * The drainer loop, on {@code worker} (the calling thread), which holds one of the {@code drainers} counts and
     * gives it back when the loop ends.
     */
    private void drain(Worker worker) {
        worker.draining = true;
        long idleSinceNs = 0;
        int spins = 0;
        int idleSpins = 0;
        int absorbed = 0;
        boolean idle = false;
        while (!pool.isShutdown()) {
            ForkJoinTask<?> task = urgent.pollFirst();
            boolean shared = task != null;
            if (task == null) {
                task = Drainer.pollOwn();
                if (task instanceof Drainer) {
                    absorbed++; // one this worker spawned for another, not taken: this loop drains in its place
                    continue;
                }
            }
            boolean fromRing = false;
            if (task == null) {
                task = ring.poll();
                fromRing = task != null;
            }
            if (task == null) {
                task = inbox.poll();
                shared = task != null;
            }
            if (task == null && (idleSpins >= STEAL_AFTER_SPINS || surplus)) {
                task = Drainer.steal(); // an op another worker made ready and has not got to: it is busy
                if (task == null) {
                    surplus = false; // nothing left to take: later polls wait for the owner again
                } else if (task instanceof Drainer) {
                    drainers.decrementAndGet(); // a drainer not started yet: this one drains in its place
                    continue;
                }
            }
            if (task == null) {
                task = deferred.pollFirst();
                shared = task != null;
            }
            if (shared && backlog.decrementAndGet() > 0 || fromRing && !ring.isEmpty()) {
                spawnDrainer(); // more is waiting: another worker takes it while this one runs the task
            }
            if (task != null) {
                if (idle) {
                    idle = false;
                    idleDrainers.decrementAndGet();
                }
                task.invoke();
                idleSinceNs = 0;
                idleSpins = 0;
                continue;
            }
            if (!idle) {
                idle = true;
                idleDrainers.incrementAndGet();
            }
            idleSpins++;
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
        if (idle) {
            idleDrainers.decrementAndGet();
        }
        worker.draining = false;
        drainers.addAndGet(-1 - absorbed); // absorbed drainers count until this loop ends, as if they ran nested
        if (backlog.get() > 0 || !ring.isEmpty()) {
            spawnDrainer(); // a task may have arrived after the last poll, while this drainer still counted
        }
    }

    /**
     * Whether nothing is queued and no worker is running a task: a snapshot, exact only while no other thread
     * submits (a task being submitted may not show yet). Any thread.
     */
    public boolean isIdle() {
        return backlog.get() == 0 && inbox.isEmpty() && urgent.isEmpty() && deferred.isEmpty() && pool.isQuiescent()
            && backlog.get() == 0;
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
        private final Scheduler scheduler;
        /** Whether this worker runs a drainer loop now. This thread only. */
        boolean draining;
        /**
         * The first op a finishing op made ready on this worker, run by {@link #afterTask} right after it, out of
         * the thieves' reach and without the push that would wake an idle worker (a dependent chain's next op);
         * the others are forked. This thread only.
         */
        ForkJoinTask<?> next;
        /** Whether {@link #afterTask} is running {@link #next} ops further up this thread's stack. */
        boolean runningNext;

        Worker(ForkJoinPool pool, Scheduler scheduler, long poolBytes) {
            super(pool);
            this.scheduler = scheduler;
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
