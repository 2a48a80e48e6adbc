package org.bind.schedule;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

import org.bind.version.MemoryAccount;

/**
 * The bounded submission window: ops in flight and bytes of live version buffers. The program thread blocks
 * in {@link #acquire} while either bound is exceeded (GRAMPS-style back-pressure), so memory stays bounded
 * however far ahead the program runs. The byte bound only blocks while at least {@code floorOps} ops are in flight
 * (four per worker): below that the workers would run out of work and, with nothing in flight, nothing could free
 * memory. So a program whose own data outgrows the byte bound (matrices it keeps for the whole run) still keeps
 * every worker busy, a few ops ahead, instead of running one op at a time; the bound is then overshot by at most
 * {@code floorOps} ops' new versions.
 *
 * <p><b>Counting without a shared read-modify-write per op.</b> Ops in flight are {@code acquired + entered -
 * released}: {@code acquired} is written by the program thread alone (a release store, no atomic), {@code entered}
 * counts the rare transfers other threads start, and {@code released} is what workers count up, each worker on its
 * own stripe (a cache line of its own; other threads share one), so that workers finishing ops side by side do not
 * pass one line back and forth; the count is the stripes' sum. The program thread tests the bound against its own
 * lower bound of {@code released} and sums the stripes only when that bound says the window may be full, so the
 * only line a submission reads that workers write is the live-bytes count (written when a version is freed; counting
 * the frees on the workers' stripes too, read only near the byte bound, did not pay, see the measurements). One
 * shared count was the most sampled frame on the workers (an empty op 144.5 ns with it, 117 ns striped; the
 * measurements are in {@code benchmarks/MEASUREMENTS.md}); a
 * {@link java.util.concurrent.atomic.LongAdder} did no better, as two workers can keep sharing one of its cells (it
 * rehashes a thread only after a failed CAS).
 *
 * <p>{@link #acquire} and {@link #awaitInFlightAtMost}: program thread only. {@link #release}, {@link #enter} and
 * {@link #addBytes}: any thread.
 */
public final class Window implements MemoryAccount {
    private static final long PARK_NS = 20_000_000L; // re-check now and then; wake-ups are not relied on alone
    /**
     * Windows of at least this many ops wait from their last 64th on ({@link #acquire}): a program that keeps up
     * with the window's edge would otherwise read the count the workers write on every submission, one op per
     * release, and keep a core from them.
     */
    private static final long EDGE_MIN_OPS = 64;
    /** Stripes of the release count: one for threads off the pool, the rest for workers (by pool index). */
    private static final int STRIPES = 16;
    /** Longs per stripe: 128 bytes, so that no two stripes share a cache line (or an adjacent-line prefetch pair). */
    private static final int STRIPE_LONGS = 16;
    private static final VarHandle ACQUIRED;
    private static final VarHandle WAITER;

    static {
        try {
            ACQUIRED = MethodHandles.lookup().findVarHandle(Window.class, "acquired", long.class);
            WAITER = MethodHandles.lookup().findVarHandle(Window.class, "waiter", Thread.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final long maxOps;
    private final long maxBytes;
    private final long floorOps;
    private final long resumeOps;
    private final long edgeOps;
    /** Slots the program thread took; written by it only. */
    private volatile long acquired;
    /** The program thread's last reading of {@code released}: a lower bound of it. Program thread only. */
    private long releasedSeen;
    private final AtomicLong entered = new AtomicLong();
    /** Releases, a count per stripe ({@link #stripe}) at every {@code STRIPE_LONGS}-th index; see the overview. */
    private final AtomicLongArray released = new AtomicLongArray(STRIPES * STRIPE_LONGS);
    private final AtomicLong liveBytes = new AtomicLong();
    private final LongAdder stalls = new LongAdder();
    private volatile Thread waiter;
    private volatile long wakeAtOps;

    /** A window whose byte bound blocks only while {@code floorOps} or more ops are in flight (at least one). */
    public Window(long maxOps, long maxBytes, long floorOps) {
        if (maxOps < 1 || maxBytes < 1 || floorOps < 1) {
            throw new IllegalArgumentException("window bounds must be at least 1: ops " + maxOps + ", bytes "
                + maxBytes + ", floor " + floorOps);
        }
        this.maxOps = maxOps;
        this.maxBytes = maxBytes;
        this.floorOps = Math.min(floorOps, maxOps);
        this.resumeOps = Math.max(0, maxOps - Math.max(1, maxOps / 4));
        this.edgeOps = maxOps >= EDGE_MIN_OPS ? maxOps - maxOps / EDGE_MIN_OPS : maxOps;
    }

    /**
     * Takes a slot for one op, blocking while the window is full. {@code whileWaiting} runs on every wake-up
     * while blocked (it may free memory, or throw to give up, e.g. when a peer is lost).
     */
    public void acquire(Runnable whileWaiting) {
        long taken = (long) ACQUIRED.get(this); // own field: no other thread writes it
        if (taken + entered.get() - releasedSeen >= maxOps || liveBytes.get() > maxBytes) {
            releasedSeen = released();
            if (full() || taken + entered.get() - releasedSeen >= edgeOps) {
                // Full, or at its edge: wait until a quarter has drained (or the bytes fit) rather than take one
                // slot per release, re-reading the workers' count each time.
                stalls.increment();
                do {
                    await(liveBytes.get() > maxBytes ? inFlight() - 1 : resumeOps);
                    whileWaiting.run();
                } while (full());
            }
        }
        ACQUIRED.setRelease(this, taken + 1); // read by other threads only for a snapshot or a wake-up decision
    }

    private boolean full() {
        long now = inFlight();
        return now >= maxOps || (liveBytes.get() > maxBytes && now >= floorOps);
    }

    /** Counts a transfer (or other work) as in flight without blocking. Any thread. */
    public void enter() {
        entered.incrementAndGet();
    }

    /** Returns an op's slot. Any thread. */
    public void release() {
        released.getAndIncrement(stripe()); // a full fence: the read of waiter below sees a parking program thread
        Thread w = waiter;
        if (w != null && (long) ACQUIRED.getAcquire(this) + entered.get() - released() <= wakeAtOps
            && WAITER.compareAndSet(this, w, null)) {
            LockSupport.unpark(w); // once: the releases that follow until the program runs again find no waiter
        }
    }

    /**
     * Ops released so far, the stripes' sum: exact when no release runs meanwhile, otherwise between the counts
     * when the sum starts and when it ends.
     */
    private long released() {
        long sum = 0;
        for (int i = 0; i < STRIPES * STRIPE_LONGS; i += STRIPE_LONGS) {
            sum += released.get(i);
        }
        return sum;
    }

    /**
     * The calling thread's stripe of {@link #released}: a pool worker's own (up to {@code STRIPES - 1} workers of a
     * pool; beyond, some share), one shared by all other threads.
     */
    private static int stripe() {
        return Thread.currentThread() instanceof ForkJoinWorkerThread worker
            ? (1 + worker.getPoolIndex() % (STRIPES - 1)) * STRIPE_LONGS : 0;
    }

    /** Blocks until at most {@code ops} ops are in flight. Program thread only. */
    public void awaitInFlightAtMost(long ops) {
        while (inFlight() > ops) {
            await(ops);
        }
    }

    /** Blocks until at most {@code ops} are in flight or about {@code timeoutNs} passed. Program thread only. */
    public void awaitInFlightAtMost(long ops, long timeoutNs) {
        if (inFlight() > ops) {
            await(ops, timeoutNs);
        }
    }

    private void await(long ops) {
        await(ops, PARK_NS);
    }

    private void await(long ops, long timeoutNs) {
        wakeAtOps = ops;
        waiter = Thread.currentThread(); // volatile: a worker releasing after the read below sees it and unparks
        if (inFlight() > ops) {
            LockSupport.parkNanos(this, timeoutNs);
        }
        waiter = null;
    }

    @Override
    public void addBytes(long delta) {
        liveBytes.addAndGet(delta);
    }

    /**
     * Ops and transfers in flight: exact when no other thread changes the counts meanwhile, otherwise at least the
     * number in flight when {@code released} was read (it is read first, and every release follows its acquire or
     * enter). Any thread.
     */
    public long inFlight() {
        long out = released();
        return (long) ACQUIRED.getAcquire(this) + entered.get() - out;
    }

    public long liveBytes() {
        return liveBytes.get();
    }

    /** Times the program thread found the window full (or at its edge) and waited. */
    public long stalls() {
        return stalls.sum();
    }

    public long maxOps() {
        return maxOps;
    }

    public long maxBytes() {
        return maxBytes;
    }

    /** Ops in flight below which the byte bound does not block. */
    public long floorOps() {
        return floorOps;
    }

    /** The floor for {@code workers} workers: four ops each, so every worker has the next op at hand. */
    public static long floorFor(int workers) {
        return 4L * Math.max(1, workers);
    }
}
