package org.bind.schedule;

import java.lang.invoke.VarHandle;
import java.util.Comparator;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import org.bind.version.BufferPool;

/**
 * Runs ready ops on a work-stealing pool.
 *
 * <p><b>Implementation overview.</b> Each worker owns a deque (a {@link ForkJoinPool} in LIFO mode). Ops made
 * ready by the program thread enter through the pool's shared submission queues; ops made ready by a
 * finishing op are pushed onto the finishing worker's own deque and popped by it next, while their inputs are
 * still in its cache (Weave's and Cilk's work-first order); idle workers steal from the other end. Each worker
 * also owns a {@link BufferPool} of dead version buffers, so that the memory of a version that just died on a
 * core is reused by the next version produced there (GRAMPS' buffer manager).
 *
 * <p><b>The hand-off.</b> Ops the program thread makes ready go to its own {@link SubmissionRing} (single producer,
 * drainers consume), or, when the ring is full, to the inbox, which also takes ops made ready by other threads (a
 * transport receiving a version); the program keeps to the inbox until it empties, so its ops are still taken in
 * submission order. A submission writes only lines no worker writes: its ring slot publishes itself (a release
 * store, no fence, no shared producer index), and the wake-up check reads the count of idle drainers, which changes
 * when a drainer settles into waiting (after a few dozen vain polls) or leaves, not per op. So while ops stream,
 * the program thread issues no fence and no atomic for the hand-off, and wakes a worker once per burst (when no
 * drainer is idle), not once per op. Drainers trail the program thread by a few slots ({@code RING_LEAD}) while it
 * submits, so that they read the slots, op nodes and argument arrays it has finished writing; a drainer that polls
 * in vain for a moment takes the last ones too, so a lone op waits well under a microsecond.
 *
 * <p><b>No lost wake-up.</b> Without a fence, a submission's read of the idle count may pass its slot store, so
 * the last drainer may leave (count, fence, look at the ring) while the slot is still in the program thread's store
 * buffer. Two things close it: the last drainer to leave looks again for a grace period ({@code GRACE_SPIN_NS},
 * then a {@code GRACE_PARK_NS} park), which covers the store buffer's drain; and before the program thread waits
 * for anything the workers do (a value, room in the window, the end of an epoch) it calls
 * {@link #flushFromProgram}: a fence and the same check, the Dekker pair of the drainer's exit, so no wait can
 * depend on an op nobody will take. {@code HandOffWakeupStressTest} submits bursts after pauses around the linger
 * and the grace and waits for them without a flush.
 *
 * <p>Drainer tasks empty the ring and the inbox, at most one drainer per worker: a drainer that takes an op while
 * more are waiting starts another drainer first, so independent ops run in parallel, and a drainer that finds
 * nothing lingers about 50 µs before it ends, so that a program submitting a stream of small ops does not pay a
 * worker wake-up (a futex call, microseconds) per op. A lingering drainer that has polled a few dozen times in
 * vain steals from the other workers' deques ({@code pollTask}): ops a finishing op made ready wait there while
 * their worker runs the first of them, and the owner, which pops its own deque within nanoseconds, keeps what it
 * can take at once (a dependent chain stays on its core). Idle workers park; the only spinning is that short linger
 * while the program is submitting.
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
 * lookups, the argument arrays), classifying the arguments, a fresh op node with its arrays, renaming (a new
 * version per write), binding inputs, the window and the hand-off. Atomics left per op: a hold per input read (none
 * for a read-write op: the latest-hold passes to it) and a waiter CAS per input still being produced. None for the
 * hand-off (a plain and a release store), the window count (the program thread's own counter) or the bytes
 * reserved for outputs (likewise), and none for the pending count of an op that waits for nothing. Lines the
 * program thread reads on every op and a worker writes: none while ops stream (the idle count changes per burst;
 * the window's and the byte counters are each on lines of their own, {@link PaddedLong}). Reusing op nodes was tried
 * and dropped: a node a worker wrote last costs the program thread cache misses that a fresh node in its own
 * allocation buffer does not, and interleaved runs showed no gain.
 * Measured 2026-12-06 on the 2 shared cores at load average 7 to 19 (other engineers' builds, tests and
 * benchmarks), interleaved with the code before this hand-off (main 277f6d2), medians of 3 runs each of
 * {@code bin/bench overhead --reps 3}: program-thread CPU per empty op 219 ns before, 197 ns after; per op with
 * {@code (int, double, double[])} arguments 344 ns before, 263 ns after; per op of a dependent chain 388 ns before
 * (289-733), 479 ns after (412-797): at this load the chain moves by more than the change. Wall times and METG
 * could not be read at this load (even 50 us stencil tasks stayed under 50% efficiency, before and after). JFR
 * execution samples of the program thread (profile settings, empty and chain phases): before, {@code Engine.submit}
 * itself 23% (the ring's volatile store and the window's shared counter drained the node's stores there) and the
 * hand-off 12%; after, {@code Engine.submit} itself 9% and the hand-off 26%, of which 15% the inbox
 * ({@code ConcurrentLinkedQueue.offer}): at that load the workers fell more than the ring's capacity behind.
 *
 * <p>Benchmarks ({@code bin/bench overhead}): a ForkJoinPool task costs ~15-50 ns as a balanced fork/join tree
 * but 75-130 ns forked flat or submitted from outside; what dominates the per-op cost here is handing ops
 * between the program thread and the workers (cache lines crossing cores) and waking parked workers, not the
 * pool itself.
 */
public final class Scheduler {
    private static final long DRAINER_LINGER_NS = 50_000;
    /**
     * Idle polls before a drainer steals from another worker's deque: the owner pops what it forked within
     * nanoseconds of finishing its op, so a task still there after a few dozen polls waits for a busy worker.
     */
    private static final int STEAL_AFTER_SPINS = 32;
    /**
     * While the program thread is submitting, a drainer takes a ring task only once this many more follow it, so
     * that it reads lines the program thread has finished writing (ring slots, the op node, its arguments); after
     * {@link #CATCH_UP_SPINS} vain polls (well under a microsecond) it takes the last tasks too.
     */
    private static final int RING_LEAD = 4;
    private static final int CATCH_UP_SPINS = 8;
    /** Vain polls before a drainer counts as idle: a drainer between two ops of a stream never does. */
    private static final int DECLARE_IDLE_SPINS = 32;
    /**
     * How long the last drainer to leave keeps looking at the ring: a submission stores its slot without a fence, so
     * its read of the idle count may pass that store (x86 lets a load pass an earlier store), and the leaving
     * drainer may find the ring empty while the slot is still in the program thread's store buffer, which drains
     * within microseconds.
     */
    private static final long GRACE_SPIN_NS = 2_000;
    private static final long GRACE_PARK_NS = 100_000;

    private final ForkJoinPool pool;
    private final int maxDrainers;
    private static final Comparator<ForkJoinTask<?>> BY_PRIORITY = Comparator
        .comparingInt((ForkJoinTask<?> task) -> -((Prioritized) task).priority())
        .thenComparingLong(task -> ((Prioritized) task).sequence());

    private static final int RING_CAPACITY = 1 << 14;

    private final SubmissionRing ring = new SubmissionRing(RING_CAPACITY);
    /** Program thread only: whether its ops go to the inbox since the ring was full (until the inbox empties). */
    private boolean spilled;
    private final ConcurrentLinkedQueue<ForkJoinTask<?>> inbox = new ConcurrentLinkedQueue<>();
    private final ConcurrentSkipListSet<ForkJoinTask<?>> urgent = new ConcurrentSkipListSet<>(BY_PRIORITY);
    private final ConcurrentSkipListSet<ForkJoinTask<?>> deferred = new ConcurrentSkipListSet<>(BY_PRIORITY);
    private final AtomicInteger backlog = new AtomicInteger();
    /** Drainers started and not ended; changes when one starts or ends, not per task. */
    private final PaddedLong drainers = new PaddedLong();
    /**
     * Drainers that polled in vain for a while ({@link #DECLARE_IDLE_SPINS}): the program thread reads it on every
     * submission, so it changes only when a drainer settles into waiting or leaves it, not per task.
     */
    private final PaddedLong idleDrainers = new PaddedLong();

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
        int priority = task instanceof Prioritized ranked ? ranked.priority() : 0;
        if (priority != 0) {
            (priority > 0 ? urgent : deferred).add(task);
        } else if (Thread.currentThread() instanceof Worker worker && worker.getPool() == pool) {
            task.fork();
            return;
        } else {
            inbox.offer(task);
        }
        backlog.incrementAndGet();
        if (idleDrainers.getVolatile() == 0) {
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
        if (idleDrainers.getOpaque() == 0) { // no fence: see GRACE_SPIN_NS and flushFromProgram
            spawnDrainer(); // every drainer is busy running an op (or there is none): this op needs another
        }
    }

    /**
     * Makes sure the tasks the program thread handed over are taken: a full fence, then a drainer started unless
     * one is idle (and so polling the ring). The program thread calls it before it waits for anything the workers
     * do (a value, room in the window, the end of an epoch), so that no wait can depend on a submission whose
     * wake-up check raced with the last drainer leaving. Program thread only.
     */
    public void flushFromProgram() {
        VarHandle.fullFence(); // the slots stored so far, then the counts: Dekker with a leaving drainer
        if ((spilled || !ring.isEmpty()) && idleDrainers.getVolatile() == 0) {
            spawnDrainer();
        }
    }

    private void spawnDrainer() {
        long active;
        do {
            active = drainers.getVolatile(); // first: the usual answer (all drainers running), from a quiet line
            if (active >= maxDrainers || pool.isShutdown()) {
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
            int idleSpins = 0;
            boolean idle = false;
            while (!pool.isShutdown()) {
                ForkJoinTask<?> task = urgent.pollFirst();
                boolean shared = task != null;
                if (task == null) {
                    task = pollNextLocalTask();
                }
                boolean fromRing = false;
                if (task == null) {
                    task = ring.poll(idleSpins < CATCH_UP_SPINS ? RING_LEAD : 0);
                    fromRing = task != null;
                }
                if (task == null) {
                    task = inbox.poll();
                    shared = task != null;
                }
                if (task == null && idleSpins >= STEAL_AFTER_SPINS) {
                    task = pollTask(); // an op another worker made ready and has not got to: it is busy
                    if (task instanceof Drainer) {
                        drainers.getAndAdd(-1); // a drainer not started yet: this one drains in its place
                        continue;
                    }
                }
                if (task == null && ring.isEmpty()) { // a ring task left for the lead is ready: deferred ones wait
                    task = deferred.pollFirst();
                    shared = task != null;
                }
                if (task != null && idle) {
                    idle = false;
                    idleDrainers.getAndAdd(-1); // before the look below: a submission now sees this drainer busy
                }
                if (shared && backlog.decrementAndGet() > 0 || fromRing && !ring.isEmpty()) {
                    spawnDrainer(); // more is waiting: another worker takes it while this one runs the task
                }
                if (task != null) {
                    task.invoke();
                    idleSinceNs = 0;
                    idleSpins = 0;
                    continue;
                }
                if (!idle && idleSpins >= DECLARE_IDLE_SPINS) {
                    idle = true;
                    idleDrainers.getAndAdd(1);
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
                idleDrainers.getAndAdd(-1);
            }
            long left = drainers.addAndGet(-1);
            VarHandle.fullFence(); // the counts, then the ring: Dekker with flushFromProgram
            if (backlog.get() > 0 || !ring.isEmpty() || left == 0 && arrivesDuringGrace()) {
                spawnDrainer(); // a task may have arrived after the last poll, while this drainer still counted
            }
            return true;
        }

        /** Whether a task shows in the ring within the grace period of the last drainer ({@link #GRACE_SPIN_NS}). */
        private boolean arrivesDuringGrace() {
            long spinUntil = System.nanoTime() + GRACE_SPIN_NS;
            while (System.nanoTime() - spinUntil < 0) {
                if (!ring.isEmpty()) {
                    return true;
                }
                Thread.onSpinWait();
            }
            if (pool.isShutdown()) {
                return false;
            }
            LockSupport.parkNanos(this, GRACE_PARK_NS);
            return !ring.isEmpty();
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
     * Whether nothing is queued and no worker is running a task: a snapshot, exact only while no other thread
     * submits (a task being submitted may not show yet). Any thread.
     */
    public boolean isIdle() {
        return backlog.get() == 0 && ring.isEmpty() && inbox.isEmpty() && urgent.isEmpty() && deferred.isEmpty()
            && pool.isQuiescent() && backlog.get() == 0;
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
